// cache_padded<T>: a value alone on its own cache line(s), so that two hot atomics written by
// different threads (a ring's head and tail) do not false-share.
#pragma once

#include <cstddef>
#include <utility>

#include "courier/detail/config.hpp"

namespace courier::detail {

// 128 bytes: adjacent-line prefetchers on x86 pull lines in pairs, so 64 is not enough to keep
// two independently written values from interfering (crossbeam-utils makes the same choice).
inline constexpr std::size_t cache_line = 128;

template <class T>
struct alignas(cache_line) cache_padded {
    T value;

    template <class... Args>
    COURIER_TRIVIAL explicit cache_padded(Args&&... args) : value(static_cast<Args&&>(args)...) {}

    COURIER_TRIVIAL T* operator->() noexcept { return &value; }
    COURIER_TRIVIAL const T* operator->() const noexcept { return &value; }
    COURIER_TRIVIAL T& operator*() noexcept { return value; }
    COURIER_TRIVIAL const T& operator*() const noexcept { return value; }
};

}  // namespace courier::detail
