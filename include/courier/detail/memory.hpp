// What courier needs of <memory>, without all of <memory> (about 5 500 lines that every
// translation unit including courier would parse, for shared_ptr, the uninitialized algorithms and
// more that courier never uses): std::construct_at, std::destroy_at and std::addressof, which
// libstdc++ keeps in <bits/stl_construct.h> (with any other standard library: <memory>),
// owner<T>, an owner of one heap object in place of std::unique_ptr<T>, and pod_vector<T>, a
// growable array of plain values in place of std::vector<T> (whose header is about 3 600 lines).
#pragma once

#include <cstddef>
#include <new>
#include <type_traits>
#include <utility>

#include "courier/detail/config.hpp"

#if defined(__GLIBCXX__) && __has_include(<bits/stl_construct.h>)
#include <bits/stl_construct.h>
#else
#include <memory>
#endif

namespace courier::detail {

/// Owns one object made with `new` and deletes it, unless released first: std::unique_ptr<T>
/// for the engine's few owning pointers.
template <class T>
class owner {
  public:
    owner() noexcept = default;
    COURIER_TRIVIAL explicit owner(T* p) noexcept : p_(p) {}
    COURIER_TRIVIAL owner(owner&& o) noexcept : p_(o.release()) {}
    /// From an owner of a derived type (whose base T has a virtual destructor).
    template <class U>
    requires(!std::is_same_v<U, T> && std::is_convertible_v<U*, T*>) owner(owner<U>&& o)
    noexcept : p_(o.release()) {}
    owner& operator=(owner&& o) noexcept {
        reset(o.release());
        return *this;
    }
    owner(const owner&) = delete;
    owner& operator=(const owner&) = delete;
    ~owner() { delete p_; }

    COURIER_TRIVIAL T* get() const noexcept { return p_; }
    COURIER_TRIVIAL T* operator->() const noexcept { return p_; }
    COURIER_TRIVIAL T& operator*() const noexcept { return *p_; }
    explicit operator bool() const noexcept { return p_ != nullptr; }
    COURIER_TRIVIAL T* release() noexcept {
        T* p = p_;
        p_ = nullptr;
        return p;
    }
    COURIER_TRIVIAL void reset(T* p = nullptr) noexcept {
        T* old = p_;
        p_ = p;
        delete old;
    }

  private:
    T* p_ = nullptr;
};

/// std::make_unique for owner.
template <class T, class... Args>
owner<T> make_owner(Args&&... args) {
    return owner<T>(new T(static_cast<Args&&>(args)...));
}

/// A growable array of trivially copyable values (pointers, indices, flags): what the run-time
/// selector and the deadline helper need of std::vector. Move-only. reserve() and push_back()
/// throw std::bad_alloc and then leave the array as it was; nothing else throws.
template <class T>
class pod_vector {
    static_assert(std::is_trivially_copyable_v<T> && std::is_trivially_destructible_v<T>);

  public:
    pod_vector() noexcept = default;
    pod_vector(pod_vector&& o) noexcept : data_(o.data_), size_(o.size_), capacity_(o.capacity_) {
        o.data_ = nullptr;
        o.size_ = 0;
        o.capacity_ = 0;
    }
    pod_vector& operator=(pod_vector&& o) noexcept {
        pod_vector gone(COURIER_MOVE(*this));
        data_ = o.data_;
        size_ = o.size_;
        capacity_ = o.capacity_;
        o.data_ = nullptr;
        o.size_ = 0;
        o.capacity_ = 0;
        return *this;
    }
    pod_vector(const pod_vector&) = delete;
    pod_vector& operator=(const pod_vector&) = delete;
    ~pod_vector() { ::operator delete(data_); }

    /// Room for at least `n` values without another allocation (doubling from 4).
    void reserve(std::size_t n) {
        if (n <= capacity_) {
            return;
        }
        std::size_t capacity = capacity_ == 0 ? 4 : capacity_;
        while (capacity < n) {
            if (capacity > static_cast<std::size_t>(-1) / (2 * sizeof(T))) {
                throw std::bad_alloc();
            }
            capacity *= 2;
        }
        T* p = static_cast<T*>(::operator new(capacity * sizeof(T)));
        for (std::size_t i = 0; i < size_; ++i) {
            ::new (static_cast<void*>(p + i)) T(data_[i]);
        }
        ::operator delete(data_);
        data_ = p;
        capacity_ = capacity;
    }
    void push_back(T v) {
        if (size_ == capacity_) {
            reserve(size_ + 1);
        }
        ::new (static_cast<void*>(data_ + size_)) T(v);
        ++size_;
    }
    COURIER_TRIVIAL void pop_back() noexcept { --size_; }

    COURIER_TRIVIAL T* data() noexcept { return data_; }
    COURIER_TRIVIAL const T* data() const noexcept { return data_; }
    COURIER_TRIVIAL std::size_t size() const noexcept { return size_; }
    COURIER_TRIVIAL bool empty() const noexcept { return size_ == 0; }
    COURIER_TRIVIAL T& operator[](std::size_t i) noexcept { return data_[i]; }
    COURIER_TRIVIAL const T& operator[](std::size_t i) const noexcept { return data_[i]; }
    COURIER_TRIVIAL T& front() noexcept { return data_[0]; }

  private:
    T* data_ = nullptr;
    std::size_t size_ = 0;
    std::size_t capacity_ = 0;
};

}  // namespace courier::detail
