// Multi-producer, multi-consumer channels (crossbeam-channel, Go channels).
//
//   auto [tx, rx] = courier::mpmc::channel<T>();        // unbounded
//   auto [tx, rx] = courier::mpmc::sync_channel<T>(n);  // bounded; n == 0: rendezvous
//
// Both halves are copyable; each message goes to exactly one receiver. The channel disconnects for
// receivers when the last sender goes, and for senders when the last receiver goes (or a receiver
// closes it). The same engine as courier::channel / courier::sync_channel.
#pragma once

#include <chrono>
#include <cstddef>
#include <iterator>
#include <optional>
#include <utility>

#include "courier/detail/channel.hpp"
#include "courier/detail/handle.hpp"
#include "courier/detail/status.hpp"
#include "courier/detail/time.hpp"
#include "courier/error.hpp"
#include "courier/expected.hpp"

namespace courier::detail {
struct timer_factory;
}  // namespace courier::detail

namespace courier::mpmc {

template <class T>
class sender;
template <class T>
class receiver;

template <class T>
std::pair<sender<T>, receiver<T>> channel();
template <class T>
std::pair<sender<T>, receiver<T>> sync_channel(std::size_t capacity);

/// The sending half of an MPMC channel, bounded or not. Copyable: a copy is one more producer.
/// Thread safety: all member functions may be called concurrently on the same object.
template <class T>
class sender {
  public:
    /// An empty handle: behaves as the sender of a permanently disconnected channel.
    sender() noexcept = default;

    /// Sends `value`, blocking while a bounded channel is full (capacity 0: until a receiver takes
    /// it); never blocks on an unbounded channel. Returns the value inside send_error if every
    /// receiver is gone or closed. The send happens-before the receive that returns this message.
    expected<void, send_error<T>> send(T value) const { return core_.send(std::move(value)); }

    /// Sends `value` if that is possible without blocking. Returns the value inside
    /// try_send_error: `full` or `disconnected`.
    expected<void, try_send_error<T>> try_send(T value) const {
        return core_.try_send(std::move(value));
    }

    /// Sends `value`, blocking at most `timeout`. Returns the value inside send_timeout_error:
    /// `timeout` or `disconnected`.
    template <class Rep, class Period>
    expected<void, send_timeout_error<T>> send_timeout(
        T value, std::chrono::duration<Rep, Period> timeout) const {
        auto dl = detail::deadline::after(timeout);
        return core_.send_until(std::move(value), dl);
    }

    /// Sends `value`, blocking until `deadline` at most (on any clock).
    template <class Clock, class Duration>
    expected<void, send_timeout_error<T>> send_deadline(
        T value, std::chrono::time_point<Clock, Duration> deadline) const {
        auto dl = detail::deadline::at(deadline);
        return core_.send_until(std::move(value), dl);
    }

    /// Drops this handle now. The last sender disconnects the channel for receivers.
    void reset() noexcept { core_.reset(); }

    /// True when every receiver is gone or the channel was closed (a snapshot).
    bool is_disconnected() const { return core_.is_disconnected(); }
    /// The number of buffered messages (a snapshot).
    std::size_t size() const { return core_.size(); }
    /// True when no message is buffered (a snapshot).
    bool empty() const { return core_.empty(); }
    /// std::nullopt for an unbounded channel, else the capacity (0: rendezvous).
    std::optional<std::size_t> capacity() const { return core_.capacity(); }
    /// False for an empty handle.
    explicit operator bool() const noexcept { return static_cast<bool>(core_); }

  private:
    friend std::pair<sender<T>, receiver<T>> channel<T>();
    friend std::pair<sender<T>, receiver<T>> sync_channel<T>(std::size_t);
    friend struct detail::access;
    explicit sender(detail::chan<T>* c) noexcept : core_(c) {}

    detail::sender_core<T> core_;
};

/// The receiving half of an MPMC channel. Copyable: a copy is one more consumer.
/// Thread safety: all member functions may be called concurrently on the same object.
template <class T>
class receiver {
  public:
    using iterator = detail::recv_iterator<T, false>;

    /// An empty handle: behaves as the receiver of a permanently disconnected channel.
    receiver() noexcept = default;

    /// Receives the oldest message, blocking until one arrives. Returns recv_error once the
    /// channel is empty and disconnected. The matching send happens-before this returns.
    expected<T, recv_error> recv() const { return core_.recv(); }

    /// Receives a message if one is available now; never blocks.
    expected<T, try_recv_error> try_recv() const { return core_.try_recv(); }

    /// Receives, blocking at most `timeout` (zero or negative: one try; huge values saturate).
    template <class Rep, class Period>
    expected<T, recv_timeout_error> recv_timeout(std::chrono::duration<Rep, Period> timeout) const {
        auto dl = detail::deadline::after(timeout);
        return core_.recv_until(dl);
    }

    /// Receives, blocking until `deadline` at most (on any clock).
    template <class Clock, class Duration>
    expected<T, recv_timeout_error> recv_deadline(
        std::chrono::time_point<Clock, Duration> deadline) const {
        auto dl = detail::deadline::at(deadline);
        return core_.recv_until(dl);
    }

    /// Blocking iteration: each step receives one message; ends on disconnection.
    iterator begin() const noexcept { return core_.begin(); }
    std::default_sentinel_t end() const noexcept { return {}; }
    detail::recv_range<T, false> iter() const noexcept { return core_.iter(); }
    /// Iteration over what can be received now without blocking.
    detail::recv_range<T, true> try_iter() const noexcept { return core_.try_iter(); }

    /// Stops accepting messages for every handle: senders get `disconnected`, blocked senders
    /// wake; what is buffered can still be received.
    void close() const { core_.close(); }

    /// Drops this handle now. The last receiver destroys every buffered message before returning.
    void reset() noexcept { core_.reset(); }

    std::size_t size() const { return core_.size(); }
    bool empty() const { return core_.empty(); }
    std::optional<std::size_t> capacity() const { return core_.capacity(); }
    /// True when every sender is gone or the channel was closed (a snapshot).
    bool is_disconnected() const { return core_.is_disconnected(); }
    explicit operator bool() const noexcept { return static_cast<bool>(core_); }

  private:
    friend std::pair<sender<T>, receiver<T>> channel<T>();
    friend std::pair<sender<T>, receiver<T>> sync_channel<T>(std::size_t);
    friend struct detail::access;
    friend struct detail::timer_factory;
    explicit receiver(detail::chan<T>* c) noexcept : core_(c) {}

    detail::receiver_core<T> core_;
};

/// Creates an unbounded MPMC channel.
template <class T>
std::pair<sender<T>, receiver<T>> channel() {
    auto* c = new detail::chan<T>(typename detail::chan<T>::unbounded_tag{});
    return {sender<T>(c), receiver<T>(c)};
}

/// Creates a bounded MPMC channel holding at most `capacity` messages; 0 makes a rendezvous
/// channel. Throws std::length_error or std::bad_alloc when the capacity cannot be allocated.
template <class T>
std::pair<sender<T>, receiver<T>> sync_channel(std::size_t capacity) {
    auto* c = new detail::chan<T>(capacity);
    return {sender<T>(c), receiver<T>(c)};
}

}  // namespace courier::mpmc

// size() is only a snapshot: a receiver is an input range, never a sized range.
template <class T>
inline constexpr bool std::ranges::disable_sized_range<courier::mpmc::receiver<T>> = true;
