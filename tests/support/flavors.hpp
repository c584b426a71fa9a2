// The channel flavors that the shared suite runs on, as type parameters.
//
// Each flavor names its sender type, how to create a channel, the capacity that capacity() must
// report, `buffer`: how many messages can be sent while no receiver is waiting, and `buffered`:
// whether that is more than none (a constant even where `buffer` is read at run time).
#pragma once

#include <courier/mpsc.hpp>

#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <optional>
#include <utility>

namespace courier_test {

/// Unbounded channel (courier::channel): senders never block.
struct list_flavor {
    static constexpr bool bounded = false;
    static constexpr bool buffered = true;
    static constexpr std::size_t buffer = std::numeric_limits<std::size_t>::max();
    static constexpr std::optional<std::size_t> capacity = std::nullopt;

    template <class T>
    using sender = courier::sender<T>;

    template <class T>
    static std::pair<courier::sender<T>, courier::receiver<T>> make() {
        return courier::channel<T>();
    }
};

/// The capacity of array_flavor: COURIER_TEST_CAPACITY (an integer >= 1), else 1.
inline std::size_t capacity_from_environment() {
    const char* text = std::getenv("COURIER_TEST_CAPACITY");
    if (text == nullptr || *text == '\0') {
        return 1;
    }
    char* end = nullptr;
    const unsigned long long n = std::strtoull(text, &end, 10);
    if (*end != '\0' || n == 0) {
        std::fprintf(stderr, "COURIER_TEST_CAPACITY must be an integer >= 1, not '%s'\n", text);
        std::abort();
    }
    return static_cast<std::size_t>(n);
}

/// Bounded channel (courier::sync_channel(n), n >= 1). One type for every capacity, so the suite
/// is compiled once: n comes from the environment variable COURIER_TEST_CAPACITY (default 1),
/// and CTest runs the suite once per capacity (tests/CMakeLists.txt).
struct array_flavor {
    static constexpr bool bounded = true;
    static constexpr bool buffered = true;
    static inline const std::size_t buffer = capacity_from_environment();
    static inline const std::optional<std::size_t> capacity = buffer;

    template <class T>
    using sender = courier::sync_sender<T>;

    template <class T>
    static std::pair<courier::sync_sender<T>, courier::receiver<T>> make() {
        return courier::sync_channel<T>(buffer);
    }
};

/// Rendezvous channel (courier::sync_channel(0)): a send completes only when a receiver takes it.
struct zero_flavor {
    static constexpr bool bounded = true;
    static constexpr bool buffered = false;
    static constexpr std::size_t buffer = 0;
    static constexpr std::optional<std::size_t> capacity = 0;

    template <class T>
    using sender = courier::sync_sender<T>;

    template <class T>
    static std::pair<courier::sync_sender<T>, courier::receiver<T>> make() {
        return courier::sync_channel<T>(0);
    }
};

/// Both ends of a new channel of flavor F, with names that lambdas can capture.
template <class F, class T>
struct chan {
    std::pair<typename F::template sender<T>, courier::receiver<T>> ends = F::template make<T>();
    typename F::template sender<T>& tx = ends.first;
    courier::receiver<T>& rx = ends.second;

    chan() = default;
    chan(const chan&) = delete;
    chan& operator=(const chan&) = delete;
};

}  // namespace courier_test
