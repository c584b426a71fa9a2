// Multi-producer, single-consumer channels (Rust's std::sync::mpsc).
//
// clang-format off
//   auto [tx, rx] = courier::channel<T>();        // unbounded: send never blocks
//   auto [tx, rx] = courier::sync_channel<T>(n);  // bounded: send blocks while n are buffered;
//                                                 // n == 0: rendezvous, send waits for a receiver
// clang-format on
//
// Senders are copyable (a copy is one more producer); the receiver is move-only. When the last
// sender goes, the receiver drains what is buffered and then sees `disconnected`. When the receiver
// goes (or is closed), sends fail and hand the message back.
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

namespace courier {

template <class T>
class sender;
template <class T>
class sync_sender;
template <class T>
class receiver;

template <class T>
std::pair<sender<T>, receiver<T>> channel();
template <class T>
std::pair<sync_sender<T>, receiver<T>> sync_channel(std::size_t capacity);

/// The sending half of an unbounded channel.
/// Thread safety: all member functions may be called concurrently on the same object.
template <class T>
class sender {
  public:
    /// An empty handle: behaves as the sender of a permanently disconnected channel.
    sender() noexcept = default;

    /// Sends `value`. Never blocks. Returns the value inside send_error if every receiver is gone
    /// or closed. The send happens-before the receive that returns this message.
    expected<void, send_error<T>> send(T value) const { return core_.send(std::move(value)); }

    /// Drops this handle now, as its destructor would. The last sender disconnects the channel.
    void reset() noexcept { core_.reset(); }

    /// True when every receiver is gone or closed (a snapshot).
    bool is_disconnected() const { return core_.is_disconnected(); }
    /// The number of buffered messages (a snapshot).
    std::size_t size() const { return core_.size(); }
    /// True when no message is buffered (a snapshot).
    bool empty() const { return core_.empty(); }
    /// Always std::nullopt: the channel is unbounded.
    std::optional<std::size_t> capacity() const { return std::nullopt; }
    /// False for an empty handle.
    explicit operator bool() const noexcept { return static_cast<bool>(core_); }

  private:
    friend std::pair<sender<T>, receiver<T>> channel<T>();
    friend struct detail::access;
    explicit sender(detail::chan<T>* c) noexcept : core_(c) {}

    detail::sender_core<T> core_;
};

/// The sending half of a bounded (or rendezvous) channel.
/// Thread safety: all member functions may be called concurrently on the same object.
template <class T>
class sync_sender {
  public:
    /// An empty handle: behaves as the sender of a permanently disconnected channel.
    sync_sender() noexcept = default;

    /// Sends `value`, blocking while the channel is full (capacity 0: until a receiver takes it).
    /// Returns the value inside send_error if every receiver is gone or closed. The send
    /// happens-before the receive that returns this message.
    expected<void, send_error<T>> send(T value) const { return core_.send(std::move(value)); }

    /// Sends `value` if that is possible without blocking. Returns the value inside
    /// try_send_error: `full` (for capacity 0: no receiver is waiting) or `disconnected`.
    expected<void, try_send_error<T>> try_send(T value) const {
        return core_.try_send(std::move(value));
    }

    /// Sends `value`, blocking at most `timeout` (zero or negative: one try). Returns the value
    /// inside send_timeout_error: `timeout` or `disconnected`.
    template <class Rep, class Period>
    expected<void, send_timeout_error<T>> send_timeout(
        T value, std::chrono::duration<Rep, Period> timeout) const {
        auto dl = detail::deadline::after(timeout);
        return core_.send_until(std::move(value), dl);
    }

    /// Sends `value`, blocking until `deadline` at most (on any clock). Returns the value inside
    /// send_timeout_error: `timeout` or `disconnected`.
    template <class Clock, class Duration>
    expected<void, send_timeout_error<T>> send_deadline(
        T value, std::chrono::time_point<Clock, Duration> deadline) const {
        auto dl = detail::deadline::at(deadline);
        return core_.send_until(std::move(value), dl);
    }

    /// Drops this handle now, as its destructor would. The last sender disconnects the channel.
    void reset() noexcept { core_.reset(); }

    /// True when every receiver is gone or closed (a snapshot).
    bool is_disconnected() const { return core_.is_disconnected(); }
    /// The number of buffered messages (a snapshot).
    std::size_t size() const { return core_.size(); }
    /// True when no message is buffered (a snapshot).
    bool empty() const { return core_.empty(); }
    /// The capacity given to sync_channel (0 for a rendezvous channel).
    std::optional<std::size_t> capacity() const { return core_.capacity(); }
    /// False for an empty handle.
    explicit operator bool() const noexcept { return static_cast<bool>(core_); }

  private:
    friend std::pair<sync_sender<T>, receiver<T>> sync_channel<T>(std::size_t);
    friend struct detail::access;
    explicit sync_sender(detail::chan<T>* c) noexcept : core_(c) {}

    detail::sender_core<T> core_;
};

/// The receiving half of a channel. Move-only: there is one consumer.
/// Thread safety: member functions must not be called concurrently on the same object.
template <class T>
class receiver {
  public:
    using iterator = detail::recv_iterator<T, false>;

    /// An empty handle: behaves as the receiver of a permanently disconnected channel.
    receiver() noexcept = default;
    receiver(receiver&&) noexcept = default;
    receiver& operator=(receiver&&) noexcept = default;
    receiver(const receiver&) = delete;
    receiver& operator=(const receiver&) = delete;

    /// Receives the oldest message, blocking until one arrives. Returns recv_error once the
    /// channel is empty and disconnected. The matching send happens-before this returns.
    expected<T, recv_error> recv() const { return core_.recv(); }

    /// Receives a message if one is buffered (or, rendezvous, a sender is waiting); never blocks.
    /// Returns try_recv_error::empty or ::disconnected otherwise.
    expected<T, try_recv_error> try_recv() const { return core_.try_recv(); }

    /// Receives, blocking at most `timeout` (zero or negative: one try; huge values saturate).
    /// Returns recv_timeout_error::timeout or ::disconnected otherwise.
    template <class Rep, class Period>
    expected<T, recv_timeout_error> recv_timeout(std::chrono::duration<Rep, Period> timeout) const {
        auto dl = detail::deadline::after(timeout);
        return core_.recv_until(dl);
    }

    /// Receives, blocking until `deadline` at most (on any clock).
    /// Returns recv_timeout_error::timeout or ::disconnected otherwise.
    template <class Clock, class Duration>
    expected<T, recv_timeout_error> recv_deadline(
        std::chrono::time_point<Clock, Duration> deadline) const {
        auto dl = detail::deadline::at(deadline);
        return core_.recv_until(dl);
    }

    /// Blocking iteration: each step receives one message; ends on disconnection.
    iterator begin() const noexcept { return core_.begin(); }
    std::default_sentinel_t end() const noexcept { return {}; }
    /// The same blocking iteration as a range object.
    detail::recv_range<T, false> iter() const noexcept { return core_.iter(); }
    /// Iteration over what can be received now without blocking.
    detail::recv_range<T, true> try_iter() const noexcept { return core_.try_iter(); }

    /// Stops accepting messages: senders get `disconnected` (their value back) and blocked senders
    /// wake; what is buffered can still be received, then recv() reports disconnection.
    void close() const { core_.close(); }

    /// Drops the receiver now: every buffered message is destroyed before this returns and every
    /// later send fails, handing its value back.
    void reset() noexcept { core_.reset(); }

    /// The number of buffered messages (a snapshot).
    std::size_t size() const { return core_.size(); }
    /// True when no message is buffered (a snapshot).
    bool empty() const { return core_.empty(); }
    /// std::nullopt for an unbounded channel, else the capacity given to sync_channel.
    std::optional<std::size_t> capacity() const { return core_.capacity(); }
    /// True when every sender is gone or the channel was closed (a snapshot).
    bool is_disconnected() const { return core_.is_disconnected(); }
    /// False for an empty handle.
    explicit operator bool() const noexcept { return static_cast<bool>(core_); }

  private:
    friend std::pair<sender<T>, receiver<T>> channel<T>();
    friend std::pair<sync_sender<T>, receiver<T>> sync_channel<T>(std::size_t);
    friend struct detail::access;
    explicit receiver(detail::chan<T>* c) noexcept : core_(c) {}

    detail::receiver_core<T> core_;
};

/// Creates an unbounded channel. Never throws except std::bad_alloc.
template <class T>
std::pair<sender<T>, receiver<T>> channel() {
    auto* c = new detail::chan<T>(typename detail::chan<T>::unbounded_tag{});
    return {sender<T>(c), receiver<T>(c)};
}

/// Creates a bounded channel holding at most `capacity` messages; 0 makes a rendezvous channel.
/// Throws std::length_error or std::bad_alloc when the capacity cannot be allocated.
template <class T>
std::pair<sync_sender<T>, receiver<T>> sync_channel(std::size_t capacity) {
    auto* c = new detail::chan<T>(capacity);
    return {sync_sender<T>(c), receiver<T>(c)};
}

}  // namespace courier

// size() is only a snapshot: a receiver is an input range, never a sized range.
template <class T>
inline constexpr bool std::ranges::disable_sized_range<courier::receiver<T>> = true;
