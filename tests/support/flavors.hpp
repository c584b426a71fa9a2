// The channel flavors that the shared suite runs on, as type parameters.
//
// Each flavor names its sender type, how to create a channel, the capacity that capacity() must
// report, and `buffer`: how many messages can be sent while no receiver is waiting.
#pragma once

#include <courier/mpsc.hpp>

#include <cstddef>
#include <limits>
#include <optional>
#include <utility>

namespace courier_test {

/// Unbounded channel (courier::channel): senders never block.
struct list_flavor {
    static constexpr bool bounded = false;
    static constexpr std::size_t buffer = std::numeric_limits<std::size_t>::max();
    static constexpr std::optional<std::size_t> capacity = std::nullopt;

    template <class T>
    using sender = courier::sender<T>;

    template <class T>
    static std::pair<courier::sender<T>, courier::receiver<T>> make() {
        return courier::channel<T>();
    }
};

/// Bounded channel with room for N messages (courier::sync_channel(N), N >= 1).
template <std::size_t N>
struct array_flavor {
    static_assert(N >= 1);
    static constexpr bool bounded = true;
    static constexpr std::size_t buffer = N;
    static constexpr std::optional<std::size_t> capacity = N;

    template <class T>
    using sender = courier::sync_sender<T>;

    template <class T>
    static std::pair<courier::sync_sender<T>, courier::receiver<T>> make() {
        return courier::sync_channel<T>(N);
    }
};

/// Rendezvous channel (courier::sync_channel(0)): a send completes only when a receiver takes it.
struct zero_flavor {
    static constexpr bool bounded = true;
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
