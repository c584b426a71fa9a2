// What courier needs of <memory>, without all of <memory> (about 5 500 lines that every
// translation unit including courier would parse, for shared_ptr, the uninitialized algorithms and
// more that courier never uses): std::construct_at, std::destroy_at and std::addressof, which
// libstdc++ keeps in <bits/stl_construct.h> (with any other standard library: <memory>), and
// owner<T>, an owner of one heap object in place of std::unique_ptr<T>.
#pragma once

#include <new>
#include <type_traits>
#include <utility>

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
    explicit owner(T* p) noexcept : p_(p) {}
    owner(owner&& o) noexcept : p_(o.release()) {}
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

    T* get() const noexcept { return p_; }
    T* operator->() const noexcept { return p_; }
    T& operator*() const noexcept { return *p_; }
    explicit operator bool() const noexcept { return p_ != nullptr; }
    T* release() noexcept { return std::exchange(p_, nullptr); }
    void reset(T* p = nullptr) noexcept { delete std::exchange(p_, p); }

  private:
    T* p_ = nullptr;
};

/// std::make_unique for owner.
template <class T, class... Args>
owner<T> make_owner(Args&&... args) {
    return owner<T>(new T(std::forward<Args>(args)...));
}

}  // namespace courier::detail
