// The handle templates behind every channel: basic_sender and basic_receiver, and the ranges a
// receiver is iterated with.
//
// courier::sender, sync_sender and receiver (mpsc.hpp) and courier::mpmc::sender and receiver
// (mpmc.hpp) are class templates derived from these, with nothing of their own but the inherited
// constructors: a default-constructed handle is empty, and only the channel factories (through
// detail::access) make one from a channel. A handle_kind says what sets one family apart.
//
// reset(), is_disconnected(), size(), empty(), capacity() and explicit operator bool are shared by
// both sides and documented where they are written, in detail/handle.hpp.
#pragma once

#include <cstddef>
#include <iterator>
#include <optional>
#include <stop_token>
#include <type_traits>
#include <utility>

#include "courier/detail/batch.hpp"
#include "courier/detail/channel.hpp"
#include "courier/detail/chrono.hpp"
#include "courier/detail/config.hpp"
#include "courier/detail/handle.hpp"
#include "courier/detail/memory.hpp"
#include "courier/detail/status.hpp"
#include "courier/detail/time.hpp"
#include "courier/error.hpp"
#include "courier/expected.hpp"

namespace courier {

/// What sets one family of handles apart: the Kind argument of basic_sender and basic_receiver.
///
/// `MayBeBounded`: the channel may be bounded, so a send can find it full. Its senders have
/// try_send, send_timeout and send_deadline, and capacity() asks the channel. Otherwise the
/// channel is always unbounded: send never blocks and capacity() is std::nullopt.
///
/// `CopyableReceiver`: a receiver may be copied (a copy is one more consumer) and used from
/// several threads at once. Otherwise a receiver is move-only: there is one consumer.
template <bool MayBeBounded, bool CopyableReceiver>
struct handle_kind {
    static constexpr bool may_be_bounded = MayBeBounded;
    static constexpr bool copyable_receiver = CopyableReceiver;
};

template <class T, bool Try>
class basic_recv_range;

namespace detail {
// The awaitables of the async_ operations, defined in <courier/async.hpp> (include it, or
// <courier/courier.hpp>, to co_await them).
template <class T, class Error, class TimePoint>
class recv_awaiter;
template <class T, class Error, class TimePoint>
class send_awaiter;
}  // namespace detail

// ---- iterating a receiver ---------------------------------------------------------------------

namespace detail {
/// Room for one T, empty or holding one (an optional that a receive constructs into through
/// place(), then marks full()). Copies and moves copy or move the T it holds.
template <class T>
class value_slot {
  public:
    COURIER_TRIVIAL value_slot() noexcept {}
    value_slot(const value_slot& other) requires std::is_copy_constructible_v<T> {
        if (other.full_) {
            std::construct_at(place(), other.value_);
            full_ = true;
        }
    }
    value_slot(value_slot&& other) noexcept(std::is_nothrow_move_constructible_v<T>) {
        if (other.full_) {
            std::construct_at(place(), COURIER_MOVE(other.value_));
            full_ = true;
        }
    }
    value_slot& operator=(const value_slot& other) requires std::is_copy_constructible_v<T> {
        if (this != &other) {
            reset();
            if (other.full_) {
                std::construct_at(place(), other.value_);
                full_ = true;
            }
        }
        return *this;
    }
    value_slot& operator=(value_slot&& other) noexcept(std::is_nothrow_move_constructible_v<T>) {
        if (this != &other) {
            reset();
            if (other.full_) {
                std::construct_at(place(), COURIER_MOVE(other.value_));
                full_ = true;
            }
        }
        return *this;
    }
    ~value_slot() { reset(); }

    COURIER_TRIVIAL bool has_value() const noexcept { return full_; }
    COURIER_TRIVIAL T& operator*() noexcept { return value_; }
    void reset() noexcept {
        if (full_) {
            full_ = false;
            std::destroy_at(place());
        }
    }
    /// Where a T is constructed while the slot is empty; full() then says it was.
    COURIER_TRIVIAL T* place() noexcept { return std::addressof(value_); }
    COURIER_TRIVIAL void full() noexcept { full_ = true; }

  private:
    union {
        T value_;
    };
    bool full_ = false;
};
}  // namespace detail

/// Input iterator over a receiver: blocking (`Try == false`, ends on disconnection) or
/// non-blocking (`Try == true`, ends when nothing can be received now). It receives lazily, when
/// compared with the end sentinel (never in ++), so `take(n)` consumes exactly n messages. *it
/// yields the message as an rvalue, so `for (auto v : rx)` works for move-only types. An iterator
/// refers to its receiver, which must outlive it; it ends once the receiver is reset or moved
/// from.
template <class T, bool Try>
class basic_recv_iterator {
  public:
    using value_type = T;
    using difference_type = std::ptrdiff_t;
    using reference = T&&;
    using iterator_concept = std::input_iterator_tag;
    using iterator_category = std::input_iterator_tag;

    /// An iterator over no receiver: it is at the end.
    basic_recv_iterator() = default;

    /// The message received (moved out on use).
    COURIER_TRIVIAL T&& operator*() const noexcept { return COURIER_MOVE(*current_); }
    COURIER_TRIVIAL T* operator->() const noexcept { return &*current_; }

    /// Drops the current message; the next comparison with the sentinel receives another one.
    basic_recv_iterator& operator++() noexcept {
        current_.reset();
        return *this;
    }
    COURIER_TRIVIAL void operator++(int) noexcept { ++*this; }

    /// True when the range has ended; otherwise a message is now held.
    friend bool operator==(const basic_recv_iterator& it, std::default_sentinel_t) {
        return !it.fetch();
    }

  private:
    template <class, class>
    friend class basic_receiver;
    template <class, bool>
    friend class basic_recv_range;

    using core = detail::handle_core<T, detail::receiver_side>;

    COURIER_TRIVIAL explicit basic_recv_iterator(const core* rx) noexcept : rx_(rx) {}

    // Makes sure a message is held; false when the range has ended. The message is received
    // straight into current_: one move from the channel, and a throwing move leaves it there.
    bool fetch() const {
        if (current_.has_value()) {
            return true;
        }
        detail::chan<T>* c = rx_ != nullptr ? rx_->get() : nullptr;
        if (c == nullptr) {
            return false;
        }
        detail::op_status s{};
        if constexpr (Try) {
            s = c->try_recv_into(current_.place());
        } else {
            detail::deadline dl = detail::deadline::never();
            s = c->recv_into(dl, current_.place());
        }
        if (s != detail::op_status::ok) {
            return false;
        }
        current_.full();
        return true;
    }

    const core* rx_ = nullptr;
    mutable detail::value_slot<T> current_;
};

/// A receiver's messages as a range object: blocking (`Try == false`) or non-blocking
/// (`Try == true`), as basic_recv_iterator. It refers to its receiver.
template <class T, bool Try>
class basic_recv_range {
  public:
    COURIER_TRIVIAL basic_recv_iterator<T, Try> begin() const noexcept {
        return basic_recv_iterator<T, Try>(rx_);
    }
    COURIER_TRIVIAL std::default_sentinel_t end() const noexcept { return {}; }

  private:
    template <class, class>
    friend class basic_receiver;

    using core = detail::handle_core<T, detail::receiver_side>;

    COURIER_TRIVIAL explicit basic_recv_range(const core* rx) noexcept : rx_(rx) {}

    const core* rx_;
};

/// Blocking iteration over a receiver (what receiver::begin() returns, and receiver::iterator).
template <class T>
using recv_iterator = basic_recv_iterator<T, false>;
/// Iteration over what a receiver can receive now without blocking.
template <class T>
using try_recv_iterator = basic_recv_iterator<T, true>;
/// What receiver::iter() returns.
template <class T>
using recv_range = basic_recv_range<T, false>;
/// What receiver::try_iter() returns.
template <class T>
using try_recv_range = basic_recv_range<T, true>;

// ---- the sending half -------------------------------------------------------------------------

template <class T>
class sender;
template <class T>
class sync_sender;
template <class T>
class weak_sender;
template <class T>
class weak_sync_sender;
namespace mpmc {
template <class T>
class sender;
template <class T>
class weak_sender;
}  // namespace mpmc

namespace detail {
/// The public sender classes of one Kind: `strong` derives from basic_sender<T, Kind>, `weak` from
/// basic_weak_sender<T, Kind>.
template <class T, class Kind>
struct sender_family;
template <class T>
struct sender_family<T, handle_kind<false, false>> {
    using strong = courier::sender<T>;
    using weak = courier::weak_sender<T>;
};
template <class T>
struct sender_family<T, handle_kind<true, false>> {
    using strong = courier::sync_sender<T>;
    using weak = courier::weak_sync_sender<T>;
};
template <class T>
struct sender_family<T, handle_kind<true, true>> {
    using strong = courier::mpmc::sender<T>;
    using weak = courier::mpmc::weak_sender<T>;
};
}  // namespace detail

/// The sending half of a channel; courier::sender, courier::sync_sender and courier::mpmc::sender
/// derive from it. Copyable: a copy is one more producer.
/// Thread safety: all member functions may be called concurrently on the same object.
template <class T, class Kind>
class basic_sender : private detail::handle_core<T, detail::sender_side<Kind>> {
    using core = detail::handle_core<T, detail::sender_side<Kind>>;

  public:
    /// Sends `value`, blocking while a bounded channel is full (capacity 0: until a receiver takes
    /// it); never blocks on an unbounded channel. Returns the value inside send_error if every
    /// receiver is gone or closed. The send happens-before the receive that returns this message.
    expected<void, send_error<T>> send(T value) const {
        detail::deadline dl = detail::deadline::never();
        return send_until<send_error<T>>(value, dl);
    }

    /// Sends `value` if that is possible without blocking. Returns the value inside
    /// try_send_error: `full` (for capacity 0: no receiver is waiting) or `disconnected`.
    expected<void, try_send_error<T>> try_send(T value) const requires Kind::may_be_bounded {
        detail::deadline dl = detail::deadline::never();
        return send_until<try_send_error<T>>(value, dl);
    }

    /// Sends `value`, blocking at most `timeout` (zero or negative: one try). Returns the value
    /// inside send_timeout_error: `timeout` or `disconnected`.
    template <class Rep, class Period>
    expected<void, send_timeout_error<T>> send_timeout(
        T value, std::chrono::duration<Rep, Period> timeout) const requires Kind::may_be_bounded {
        auto dl = detail::deadline::after(timeout);
        return send_until<send_timeout_error<T>>(value, dl);
    }

    /// Sends `value`, blocking until `deadline` at most (on any clock). Returns the value inside
    /// send_timeout_error: `timeout` or `disconnected`.
    template <class Clock, class Duration>
    expected<void, send_timeout_error<T>> send_deadline(
        T value,
        std::chrono::time_point<Clock, Duration> deadline) const requires Kind::may_be_bounded {
        auto dl = detail::deadline::at(deadline);
        return send_until<send_timeout_error<T>>(value, dl);
    }

    /// Awaitable send (<courier/async.hpp>): `co_await tx.async_send(v)` yields
    /// expected<void, send_error<T>> as send() returns it, suspending the coroutine (not the
    /// thread) while a bounded channel is full. The awaitable owns `value` until it completes.
    detail::send_awaiter<T, send_error<T>, void> async_send(T value) const {
        return {this->get(), COURIER_MOVE(value), detail::deadline::never()};
    }

    /// Awaitable send_timeout(): expected<void, send_timeout_error<T>> (`timeout` or
    /// `disconnected`, with the value).
    template <class Rep, class Period>
    detail::send_awaiter<T, send_timeout_error<T>, void> async_send_timeout(
        T value, std::chrono::duration<Rep, Period> timeout) const requires Kind::may_be_bounded {
        return {this->get(), COURIER_MOVE(value), detail::deadline::after(timeout)};
    }

    /// Awaitable send_deadline() (any clock).
    template <class Clock, class Duration>
    detail::send_awaiter<T, send_timeout_error<T>, std::chrono::time_point<Clock, Duration>>
    async_send_deadline(T value, std::chrono::time_point<Clock, Duration> deadline)
        const requires Kind::may_be_bounded {
        return {this->get(), COURIER_MOVE(value), deadline};
    }

    /// Awaitable send(value, st): expected<void, send_timeout_error<T>>, `stopped` (with the
    /// value) when a stop is requested on `st` first. A stop requested before still tries once.
    detail::send_awaiter<T, send_timeout_error<T>, void> async_send(T value,
                                                                    std::stop_token st) const {
        return {this->get(), COURIER_MOVE(value), detail::deadline::never(), COURIER_MOVE(st)};
    }

    /// async_send_timeout() that also gives up on a stop request on `st` (`stopped`).
    template <class Rep, class Period>
    detail::send_awaiter<T, send_timeout_error<T>, void> async_send_timeout(
        T value, std::chrono::duration<Rep, Period> timeout,
        std::stop_token st) const requires Kind::may_be_bounded {
        return {this->get(), COURIER_MOVE(value), detail::deadline::after(timeout),
                COURIER_MOVE(st)};
    }

    /// async_send_deadline() that also gives up on a stop request on `st` (`stopped`).
    template <class Clock, class Duration>
    detail::send_awaiter<T, send_timeout_error<T>, std::chrono::time_point<Clock, Duration>>
    async_send_deadline(T value, std::chrono::time_point<Clock, Duration> deadline,
                        std::stop_token st) const requires Kind::may_be_bounded {
        return {this->get(), COURIER_MOVE(value), deadline, COURIER_MOVE(st)};
    }

    /// A weak sender of this channel (weak_sender, weak_sync_sender or mpmc::weak_sender): it does
    /// not keep the channel connected and is not counted by sender_count(); upgrade() makes a
    /// sender of it again while the channel is connected. Empty for an empty handle.
    typename detail::sender_family<T, Kind>::weak downgrade() const noexcept {
        using weak = typename detail::sender_family<T, Kind>::weak;
        detail::chan<T>* c = this->get();
        if (c == nullptr) {
            return weak();
        }
        c->acquire_ref();
        return detail::access::adopt<weak>(c);
    }

    /// Sends `value` as send() does, giving up when a stop is requested on `st`: returns the value
    /// inside send_timeout_error, `stopped` or `disconnected`. A stop requested before the call
    /// still lets it try once. A stop request wakes the blocked call at once.
    expected<void, send_timeout_error<T>> send(
        T value, std::stop_token st) const requires Kind::may_be_bounded {
        auto dl = detail::deadline::never().with_stop(st);
        return send_until<send_timeout_error<T>>(value, dl);
    }

    /// send_timeout() that also gives up on a stop request on `st` (`stopped`).
    template <class Rep, class Period>
    expected<void, send_timeout_error<T>> send_timeout(
        T value, std::chrono::duration<Rep, Period> timeout,
        std::stop_token st) const requires Kind::may_be_bounded {
        auto dl = detail::deadline::after(timeout).with_stop(st);
        return send_until<send_timeout_error<T>>(value, dl);
    }

    /// send_deadline() that also gives up on a stop request on `st` (`stopped`).
    template <class Clock, class Duration>
    expected<void, send_timeout_error<T>> send_deadline(
        T value, std::chrono::time_point<Clock, Duration> deadline,
        std::stop_token st) const requires Kind::may_be_bounded {
        auto dl = detail::deadline::at(deadline).with_stop(st);
        return send_until<send_timeout_error<T>>(value, dl);
    }

    using core::reset, core::is_disconnected, core::size, core::empty, core::capacity,
        core::operator bool, core::sender_count, core::receiver_count, core::same_channel;

  protected:
    /// An empty handle: behaves as the sender of a permanently disconnected channel.
    basic_sender() noexcept = default;
    COURIER_TRIVIAL explicit basic_sender(detail::chan<T>* c) noexcept : core(c) {}

  private:
    friend struct detail::access;

    // Sends `value`, blocking until `dl` at most; a try_send (Error = try_send_error) never
    // blocks. On failure `value` is handed back inside Error.
    template <class Error>
    expected<void, Error> send_until(T& value, detail::deadline& dl) const {
        detail::op_status s = detail::op_status::disconnected;
        if (detail::chan<T>* c = this->get()) {
            if constexpr (std::is_same_v<Error, try_send_error<T>>) {
                s = c->template try_send<detail::flavor_mask::sender_side<Kind>>(value);
            } else {
                s = c->template send<detail::flavor_mask::sender_side<Kind>>(value, dl);
            }
        }
        if (s == detail::op_status::ok) {
            return {};
        }
        return expected<void, Error>(unexpect, detail::send_failure<Error>(s, value));
    }
};

// ---- weak senders -----------------------------------------------------------------------------

/// A sender that does not keep its channel connected (Rust tokio's WeakSender): courier::
/// weak_sender, weak_sync_sender and mpmc::weak_sender derive from it, made by a sender's
/// downgrade(). It cannot send; upgrade() makes a sender of it while the channel is still
/// connected. It is counted by neither sender_count() nor disconnection, and keeps only the
/// channel's memory alive. Copyable; a default-constructed or moved-from one is empty.
/// Thread safety: all member functions may be called concurrently on the same object.
template <class T, class Kind>
class basic_weak_sender : private detail::handle_core<T, detail::weak_side> {
    using core = detail::handle_core<T, detail::weak_side>;

  public:
    using strong_type = typename detail::sender_family<T, Kind>::strong;

    /// A sender of the channel, counted like any other; std::nullopt once the channel is
    /// disconnected for receivers (every sender gone) or for senders (every receiver gone or
    /// closed), and for an empty handle. A channel whose last sender is gone is never reconnected.
    std::optional<strong_type> upgrade() const noexcept {
        detail::chan<T>* c = this->get();
        if (c == nullptr || !c->try_acquire_sender()) {
            return std::nullopt;
        }
        return detail::access::adopt<strong_type>(c);
    }

    /// Drops this weak handle now (the channel's memory is freed once no handle is left).
    using core::reset;
    /// False for an empty handle.
    using core::operator bool;
    /// Live strong senders and receivers of the channel (snapshots), as on a sender.
    using core::sender_count, core::receiver_count;

  protected:
    /// An empty weak handle: upgrade() returns std::nullopt.
    basic_weak_sender() noexcept = default;
    COURIER_TRIVIAL explicit basic_weak_sender(detail::chan<T>* c) noexcept : core(c) {}

  private:
    friend struct detail::access;
};

// ---- the receiving half -----------------------------------------------------------------------

/// The receiving half of a channel; courier::receiver (move-only: one consumer) and
/// courier::mpmc::receiver (copyable: a copy is one more consumer) derive from it.
/// Thread safety: an mpmc::receiver's member functions may be called concurrently on the same
/// object; a courier::receiver's must not be.
template <class T, class Kind>
class basic_receiver : private detail::handle_core<T, detail::receiver_side>,
                       private detail::copy_policy<Kind::copyable_receiver> {
    using core = detail::handle_core<T, detail::receiver_side>;

  public:
    /// What begin() returns.
    using iterator = recv_iterator<T>;

    /// Receives the oldest message, blocking until one arrives. Returns recv_error once the
    /// channel is empty and disconnected. The matching send happens-before this returns.
    expected<T, recv_error> recv() const {
        detail::deadline dl = detail::deadline::never();
        return recv_until<recv_error>(dl);
    }

    /// Awaitable recv() (<courier/async.hpp>): `co_await rx.async_recv()` yields
    /// expected<T, recv_error>, suspending the coroutine (not the thread) until a message arrives.
    detail::recv_awaiter<T, recv_error, void> async_recv() const {
        return {this->get(), detail::deadline::never()};
    }

    /// Awaitable recv_timeout(): expected<T, recv_timeout_error>. The time counts from this call.
    template <class Rep, class Period>
    detail::recv_awaiter<T, recv_timeout_error, void> async_recv_timeout(
        std::chrono::duration<Rep, Period> timeout) const {
        return {this->get(), detail::deadline::after(timeout)};
    }

    /// Awaitable recv_deadline() (any clock).
    template <class Clock, class Duration>
    detail::recv_awaiter<T, recv_timeout_error, std::chrono::time_point<Clock, Duration>>
    async_recv_deadline(std::chrono::time_point<Clock, Duration> deadline) const {
        return {this->get(), deadline};
    }

    /// Awaitable recv(st): expected<T, recv_timeout_error>, `stopped` (having taken nothing) when
    /// a stop is requested on `st` first. A stop requested before still tries once.
    detail::recv_awaiter<T, recv_timeout_error, void> async_recv(std::stop_token st) const {
        return {this->get(), detail::deadline::never(), COURIER_MOVE(st)};
    }

    /// async_recv_timeout() that also gives up on a stop request on `st` (`stopped`).
    template <class Rep, class Period>
    detail::recv_awaiter<T, recv_timeout_error, void> async_recv_timeout(
        std::chrono::duration<Rep, Period> timeout, std::stop_token st) const {
        return {this->get(), detail::deadline::after(timeout), COURIER_MOVE(st)};
    }

    /// async_recv_deadline() that also gives up on a stop request on `st` (`stopped`).
    template <class Clock, class Duration>
    detail::recv_awaiter<T, recv_timeout_error, std::chrono::time_point<Clock, Duration>>
    async_recv_deadline(std::chrono::time_point<Clock, Duration> deadline,
                        std::stop_token st) const {
        return {this->get(), deadline, COURIER_MOVE(st)};
    }

    /// Receives a message if one is buffered (or, rendezvous, a sender is waiting); never blocks.
    /// Returns try_recv_error::empty or ::disconnected otherwise.
    expected<T, try_recv_error> try_recv() const {
        detail::deadline dl = detail::deadline::never();
        return recv_until<try_recv_error>(dl);
    }

    /// Receives, blocking at most `timeout` (zero or negative: one try; huge values saturate).
    /// Returns recv_timeout_error::timeout or ::disconnected otherwise.
    template <class Rep, class Period>
    expected<T, recv_timeout_error> recv_timeout(std::chrono::duration<Rep, Period> timeout) const {
        auto dl = detail::deadline::after(timeout);
        return recv_until<recv_timeout_error>(dl);
    }

    /// Receives, blocking until `deadline` at most (on any clock).
    /// Returns recv_timeout_error::timeout or ::disconnected otherwise.
    template <class Clock, class Duration>
    expected<T, recv_timeout_error> recv_deadline(
        std::chrono::time_point<Clock, Duration> deadline) const {
        auto dl = detail::deadline::at(deadline);
        return recv_until<recv_timeout_error>(dl);
    }

    /// Receives as recv() does, giving up when a stop is requested on `st` (a std::jthread's
    /// token, say): returns recv_timeout_error::stopped, having received nothing, or
    /// ::disconnected. A stop requested before the call still lets it try once. A stop request
    /// wakes the blocked call at once.
    expected<T, recv_timeout_error> recv(std::stop_token st) const {
        auto dl = detail::deadline::never().with_stop(st);
        return recv_until<recv_timeout_error>(dl);
    }

    /// recv_timeout() that also gives up on a stop request on `st` (`stopped`).
    template <class Rep, class Period>
    expected<T, recv_timeout_error> recv_timeout(std::chrono::duration<Rep, Period> timeout,
                                                 std::stop_token st) const {
        auto dl = detail::deadline::after(timeout).with_stop(st);
        return recv_until<recv_timeout_error>(dl);
    }

    /// recv_deadline() that also gives up on a stop request on `st` (`stopped`).
    template <class Clock, class Duration>
    expected<T, recv_timeout_error> recv_deadline(std::chrono::time_point<Clock, Duration> deadline,
                                                  std::stop_token st) const {
        auto dl = detail::deadline::at(deadline).with_stop(st);
        return recv_until<recv_timeout_error>(dl);
    }

    /// Moves up to `max` messages that can be received now into the output iterator `out`, oldest
    /// first; returns how many (0 when there are none, also once disconnected). Never blocks.
    /// A run of buffered messages is claimed in one step, and blocked senders are woken once per
    /// run, when neither T's move nor writing through `out` can throw (a back_inserter into a
    /// std::vector counts: room is reserved before claiming). Otherwise messages are taken one at a
    /// time; if writing one throws, the exception propagates, the messages written before it are
    /// received, that one is destroyed (or, when T's move may throw, stays first in the channel),
    /// and the rest stay in the channel.
    template <class Out>
    requires std::output_iterator<Out, T> std::size_t try_recv_many(Out out, std::size_t max)
    const {
        detail::chan<T>* c = this->get();
        if (c == nullptr || max == 0) {
            return 0;
        }
        detail::batch_sink<T, Out> sink(out);
        detail::op_status st{};
        return c->template try_recv_many<detail::flavor_mask::receiver_side<Kind>>(sink, max, st);
    }

    /// try_recv_many(), but blocks until at least one message can be received: returns how many
    /// were moved into `out` (1 to `max`), or recv_error once the channel is empty and
    /// disconnected. With `max == 0` returns 0 at once (also on an empty handle). Exactly-once and
    /// in order, as recv().
    template <class Out>
    requires std::output_iterator<Out, T> expected<std::size_t, recv_error> recv_many(
        Out out, std::size_t max)
    const {
        if (max == 0) {
            return std::size_t{0};
        }
        detail::chan<T>* c = this->get();
        if (c == nullptr) {
            return expected<std::size_t, recv_error>(unexpect, recv_error{});
        }
        detail::batch_sink<T, Out> sink(out);
        detail::op_status st{};
        detail::deadline dl = detail::deadline::never();
        const std::size_t n =
            c->template recv_many<detail::flavor_mask::receiver_side<Kind>>(dl, sink, max, st);
        if (n == 0) {
            return expected<std::size_t, recv_error>(unexpect, recv_error{});
        }
        return n;
    }

    /// Blocking iteration: each step receives one message; ends on disconnection.
    COURIER_TRIVIAL iterator begin() const noexcept { return iterator(this); }
    COURIER_TRIVIAL std::default_sentinel_t end() const noexcept { return {}; }
    /// The same blocking iteration as a range object.
    COURIER_TRIVIAL recv_range<T> iter() const noexcept { return recv_range<T>(this); }
    /// Iteration over what can be received now without blocking.
    COURIER_TRIVIAL try_recv_range<T> try_iter() const noexcept { return try_recv_range<T>(this); }

    /// Stops accepting messages, for every handle of the channel: senders get `disconnected`
    /// (their value back) and blocked senders wake; what is buffered can still be received, then
    /// recv() reports disconnection.
    void close() const {
        if (detail::chan<T>* c = this->get()) {
            c->close();
        }
    }

    using core::reset, core::is_disconnected, core::size, core::empty, core::capacity,
        core::operator bool, core::sender_count, core::receiver_count, core::same_channel;

  protected:
    /// An empty handle: behaves as the receiver of a permanently disconnected channel.
    basic_receiver() noexcept = default;
    COURIER_TRIVIAL explicit basic_receiver(detail::chan<T>* c) noexcept : core(c) {}

  private:
    friend struct detail::access;

    // Receives, blocking until `dl` at most; a try_recv (Error = try_recv_error) never blocks.
    // The message is constructed straight into the result: one move from the channel's slot.
    template <class Error>
    expected<T, Error> recv_until(detail::deadline& dl) const {
        using result = expected<T, Error>;
        detail::chan<T>* c = this->get();
#if COURIER_HAS_STD_EXPECTED
        // std::expected cannot be built in place: the flavor makes the result itself (through
        // a dispatch that instantiates every flavor the receiver can meet).
        auto make = [](T&& v) { return result(std::in_place, COURIER_MOVE(v)); };
        auto fail = [](detail::op_status s) {
            return result(unexpect, detail::recv_failure<Error>(s));
        };
        if (c == nullptr) {
            return fail(detail::op_status::disconnected);
        }
        constexpr unsigned mask = detail::flavor_mask::receiver_side<Kind>;
        if constexpr (std::is_same_v<Error, try_recv_error>) {
            return c->template try_recv<mask>(make, fail);
        } else {
            return c->template recv<mask>(dl, make, fail);
        }
#else
        result r(unexpect, detail::recv_failure<Error>(detail::op_status::disconnected));
        if (c == nullptr) {
            return r;
        }
        T* place = detail::expected_access::value_place(r);
        detail::op_status s{};
        if constexpr (std::is_same_v<Error, try_recv_error>) {
            s = c->try_recv_into(place);
        } else {
            s = c->recv_into(dl, place);
        }
        if (s == detail::op_status::ok) {
            detail::expected_access::value_constructed(r);
        } else {
            r.error() = detail::recv_failure<Error>(s);
        }
        return r;
#endif
    }
};

}  // namespace courier

// size() is only a snapshot: a receiver (basic_receiver or a class derived from it, as
// courier::receiver and courier::mpmc::receiver) is an input range, never a sized range.
template <class R>
requires courier::detail::is_receiver_handle<R>
inline constexpr bool std::ranges::disable_sized_range<R> = true;
