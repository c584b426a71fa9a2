// The counting global operator new / delete declared in alloc_hooks.hpp.
//
// Every replaceable form is defined here (plain, array, nothrow, aligned, sized delete), so that
// no allocation of the program escapes the count. Sizes come from malloc_usable_size on both the
// allocating and the freeing side, which keeps the live-byte count exact whatever size the
// compiler passes to a sized delete.
#include "support/alloc_hooks.hpp"

#include <malloc.h>

#include <atomic>
#include <cstddef>
#include <cstdlib>
#include <new>

namespace courier_reliability::alloc {
namespace {

std::atomic<std::uint64_t> g_calls{0};
std::atomic<std::int64_t> g_live{0};
std::atomic<std::uint64_t> g_max{0};

thread_local bool t_scoped = false;
thread_local long t_countdown = 0;
thread_local long t_scoped_count = 0;
thread_local bool t_fired = false;

// True when this allocation is the armed one.
bool should_fail() noexcept {
    if (!t_scoped) {
        return false;
    }
    ++t_scoped_count;
    if (t_countdown > 0 && --t_countdown == 0) {
        t_fired = true;
        return true;
    }
    return false;
}

void note_request(std::size_t size) noexcept {
    std::uint64_t prev = g_max.load(std::memory_order_relaxed);
    while (size > prev && !g_max.compare_exchange_weak(prev, size, std::memory_order_relaxed)) {
    }
}

void* allocate(std::size_t size, std::size_t align) noexcept {
    g_calls.fetch_add(1, std::memory_order_relaxed);
    note_request(size);
    // Requests beyond 1 TiB fail as they would on any real machine; sanitizer allocators would
    // abort on them instead of failing.
    constexpr std::size_t largest = std::size_t{1} << 40;
    if (should_fail() || size > largest) {
        return nullptr;
    }
    if (size == 0) {
        size = 1;
    }
    void* p = nullptr;
    if (align <= alignof(std::max_align_t)) {
        p = std::malloc(size);
    } else {
        p = std::aligned_alloc(align, (size + align - 1) / align * align);
    }
    if (p != nullptr) {
        g_live.fetch_add(static_cast<std::int64_t>(malloc_usable_size(p)),
                         std::memory_order_relaxed);
    }
    return p;
}

void release(void* p) noexcept {
    if (p == nullptr) {
        return;
    }
    g_live.fetch_sub(static_cast<std::int64_t>(malloc_usable_size(p)), std::memory_order_relaxed);
    std::free(p);
}

void* allocate_or_throw(std::size_t size, std::size_t align) {
    void* p = allocate(size, align);
    if (p == nullptr) {
        throw std::bad_alloc();
    }
    return p;
}

}  // namespace

std::uint64_t calls() noexcept {
    return g_calls.load(std::memory_order_relaxed);
}
std::int64_t live_bytes() noexcept {
    return g_live.load(std::memory_order_relaxed);
}
std::uint64_t max_request() noexcept {
    return g_max.load(std::memory_order_relaxed);
}
void reset_max() noexcept {
    g_max.store(0, std::memory_order_relaxed);
}

void fail_nth(long n) noexcept {
    t_countdown = n;
    t_scoped_count = 0;
    t_fired = false;
}

bool fired() noexcept {
    return t_fired;
}
long scoped_count() noexcept {
    return t_scoped_count;
}

failure_scope::failure_scope() noexcept : previous_(t_scoped) {
    t_scoped = true;
}
failure_scope::~failure_scope() {
    t_scoped = previous_;
}

}  // namespace courier_reliability::alloc

namespace alloc = courier_reliability::alloc;

void* operator new(std::size_t size) {
    return alloc::allocate_or_throw(size, 0);
}
void* operator new[](std::size_t size) {
    return alloc::allocate_or_throw(size, 0);
}
void* operator new(std::size_t size, std::align_val_t align) {
    return alloc::allocate_or_throw(size, static_cast<std::size_t>(align));
}
void* operator new[](std::size_t size, std::align_val_t align) {
    return alloc::allocate_or_throw(size, static_cast<std::size_t>(align));
}
void* operator new(std::size_t size, const std::nothrow_t&) noexcept {
    return alloc::allocate(size, 0);
}
void* operator new[](std::size_t size, const std::nothrow_t&) noexcept {
    return alloc::allocate(size, 0);
}
void* operator new(std::size_t size, std::align_val_t align, const std::nothrow_t&) noexcept {
    return alloc::allocate(size, static_cast<std::size_t>(align));
}
void* operator new[](std::size_t size, std::align_val_t align, const std::nothrow_t&) noexcept {
    return alloc::allocate(size, static_cast<std::size_t>(align));
}

void operator delete(void* p) noexcept {
    alloc::release(p);
}
void operator delete[](void* p) noexcept {
    alloc::release(p);
}
void operator delete(void* p, std::size_t) noexcept {
    alloc::release(p);
}
void operator delete[](void* p, std::size_t) noexcept {
    alloc::release(p);
}
void operator delete(void* p, std::align_val_t) noexcept {
    alloc::release(p);
}
void operator delete[](void* p, std::align_val_t) noexcept {
    alloc::release(p);
}
void operator delete(void* p, std::size_t, std::align_val_t) noexcept {
    alloc::release(p);
}
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept {
    alloc::release(p);
}
void operator delete(void* p, const std::nothrow_t&) noexcept {
    alloc::release(p);
}
void operator delete[](void* p, const std::nothrow_t&) noexcept {
    alloc::release(p);
}
void operator delete(void* p, std::align_val_t, const std::nothrow_t&) noexcept {
    alloc::release(p);
}
void operator delete[](void* p, std::align_val_t, const std::nothrow_t&) noexcept {
    alloc::release(p);
}
