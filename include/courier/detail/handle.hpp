// The machinery behind every public handle (courier/handles.hpp): one reference-counting core for
// both sides of a channel, with the members that senders and receivers share, and the mapping of
// internal statuses to the public error types.
#pragma once

#include <cstddef>
#include <optional>
#include <type_traits>
#include <utility>

#include "courier/detail/channel.hpp"
#include "courier/detail/config.hpp"
#include "courier/detail/status.hpp"
#include "courier/error.hpp"

namespace courier {
template <class T, class Kind>
class basic_sender;
template <class T, class Kind>
class basic_receiver;
}  // namespace courier

namespace courier::detail {

template <class T, class Kind>
void derives_from_basic_sender(const basic_sender<T, Kind>&);
template <class T, class Kind>
void derives_from_basic_receiver(const basic_receiver<T, Kind>&);

/// A sender handle: basic_sender<T, Kind> or a class derived from it (not a weak sender).
template <class H>
concept is_sender_handle = requires(const H& h) {
    detail::derives_from_basic_sender(h);
};
/// A receiver handle: basic_receiver<T, Kind> or a class derived from it.
template <class H>
concept is_receiver_handle = requires(const H& h) {
    detail::derives_from_basic_receiver(h);
};
/// Any strong handle of any channel.
template <class H>
concept is_channel_handle = is_sender_handle<H> || is_receiver_handle<H>;

/// Reaches the channel behind any public handle (for select), and makes handles: the public
/// handles are constructed from a channel only here.
struct access {
    template <class Handle>
    static auto* chan_of(const Handle& h) noexcept {
        return h.get();
    }

    /// A handle that takes over one count of `c` (the count the channel was created with).
    template <class Handle, class T>
    static Handle adopt(chan<T>* c) noexcept {
        return Handle(c);
    }

    /// A new channel, chan<T>::make(args...), with its first sender and receiver (for channel()
    /// and sync_channel()).
    template <class Tx, class Rx, class T, class... Args>
    static std::pair<Tx, Rx> open(Args&&... args) {
        chan<T>* c = chan<T>::make(static_cast<Args&&>(args)...);
        return {adopt<Tx>(c), adopt<Rx>(c)};
    }
};

/// Which count of a channel a handle holds: the senders' or the receivers'; and which flavors its
/// channel can have (a flavor_mask: the snapshots are dispatched over those alone). A handle that
/// only ever belongs to an unbounded channel (courier::sender) knows its capacity (std::nullopt)
/// without asking.
template <bool Sender, unsigned Flavors = flavor_mask::all>
struct side {
    static constexpr bool is_sender = Sender;
    static constexpr unsigned flavors = Flavors;
    static constexpr bool unbounded = Flavors == flavor_mask::list;

    template <class T>
    static void acquire(chan<T>* c) noexcept {
        if constexpr (Sender) {
            c->acquire_sender();
        } else {
            c->acquire_receiver();
        }
    }
    template <class T>
    static void release(chan<T>* c) {
        if constexpr (Sender) {
            c->release_sender();
        } else {
            c->release_receiver();
        }
    }
};

template <class Kind>
using sender_side = side<true, flavor_mask::sender_side<Kind>>;
using receiver_side = side<false>;

/// The count a weak sender holds: the channel's memory, not its connection.
struct weak_side {
    template <class T>
    static void acquire(chan<T>* c) noexcept {
        c->acquire_ref();
    }
    template <class T>
    static void release(chan<T>* c) noexcept {
        c->release_ref();
    }
};

/// Owns one count of a channel on `Side` (or none: an empty handle). Copying counts one more
/// handle; moving hands the count over.
template <class T, class Side>
class handle_core {
  public:
    handle_core() noexcept = default;
    COURIER_TRIVIAL explicit handle_core(chan<T>* c) noexcept : chan_(c) {}
    handle_core(const handle_core& other) noexcept : chan_(other.chan_) {
        if (chan_ != nullptr) {
            Side::acquire(chan_);
        }
    }
    COURIER_TRIVIAL handle_core(handle_core&& other) noexcept : chan_(other.chan_) {
        other.chan_ = nullptr;
    }
    handle_core& operator=(const handle_core& other) noexcept {
        if (this != &other) {
            handle_core tmp(other);
            swap(tmp);
        }
        return *this;
    }
    handle_core& operator=(handle_core&& other) noexcept {
        if (this != &other) {
            reset();
            chan_ = other.chan_;
            other.chan_ = nullptr;
        }
        return *this;
    }
    COURIER_TRIVIAL ~handle_core() { reset(); }

    COURIER_TRIVIAL void swap(handle_core& other) noexcept { std::swap(chan_, other.chan_); }

    /// Drops this handle now, as its destructor would. The last sender disconnects the channel
    /// for receivers. The last receiver destroys every buffered message before this returns, and
    /// every later send fails, handing its value back.
    COURIER_TRIVIAL void reset() noexcept {
        chan<T>* c = chan_;
        chan_ = nullptr;
        if (c != nullptr) {
            Side::release(c);
        }
    }

    /// True when the other side is gone (a snapshot): for a sender, every receiver is gone or
    /// closed; for a receiver, every sender is gone or the channel was closed.
    COURIER_TRIVIAL bool is_disconnected() const {
        return chan_ == nullptr || chan_->is_disconnected();
    }
    /// The number of buffered messages (a snapshot).
    COURIER_TRIVIAL std::size_t size() const {
        return chan_ != nullptr ? chan_->template len<Side::flavors>() : 0;
    }
    /// True when no message is buffered (a snapshot).
    COURIER_TRIVIAL bool empty() const {
        return chan_ == nullptr || chan_->template is_empty<Side::flavors>();
    }
    /// std::nullopt for an unbounded channel (always, for a courier::sender), else the capacity
    /// given to sync_channel (0: rendezvous).
    std::optional<std::size_t> capacity() const {
        if constexpr (Side::unbounded) {
            return std::nullopt;
        } else {
            return chan_ != nullptr ? chan_->template capacity<Side::flavors>()
                                    : std::optional<std::size_t>{0};
        }
    }
    /// False for an empty handle.
    explicit operator bool() const noexcept { return chan_ != nullptr; }

    /// The number of live senders of the channel (a snapshot; weak senders are not counted); 0 for
    /// an empty handle.
    std::size_t sender_count() const noexcept {
        return chan_ != nullptr ? chan_->sender_count() : 0;
    }
    /// The number of live receivers of the channel, closed ones included until they are dropped
    /// (a snapshot); 0 for an empty handle.
    std::size_t receiver_count() const noexcept {
        return chan_ != nullptr ? chan_->receiver_count() : 0;
    }
    /// True when `other` (a sender or receiver of any kind) is a handle of the same channel as
    /// this one; false when either is empty.
    template <class Handle>
    requires is_channel_handle<Handle>
    bool same_channel(const Handle& other) const noexcept {
        const void* theirs = access::chan_of(other);
        return chan_ != nullptr && theirs == static_cast<const void*>(chan_);
    }

    COURIER_TRIVIAL chan<T>* get() const noexcept { return chan_; }

  private:
    chan<T>* chan_ = nullptr;
};

/// The error a send fails with, given the channel's status: `value` is handed back in it.
template <class Error, class T>
Error send_failure(op_status s, T& value) {
    if constexpr (std::is_same_v<Error, try_send_error<T>>) {
        return Error{s == op_status::full ? send_status::full : send_status::disconnected,
                     COURIER_MOVE(value)};
    } else if constexpr (std::is_same_v<Error, send_timeout_error<T>>) {
        const send_status kind = s == op_status::timeout   ? send_status::timeout
                                 : s == op_status::stopped ? send_status::stopped
                                                           : send_status::disconnected;
        return Error{kind, COURIER_MOVE(value)};
    } else {
        return Error{COURIER_MOVE(value)};
    }
}

/// The error a receive fails with, given the channel's status.
template <class Error>
Error recv_failure(op_status s) {
    if constexpr (std::is_same_v<Error, try_recv_error>) {
        return s == op_status::empty ? try_recv_error::empty : try_recv_error::disconnected;
    } else if constexpr (std::is_same_v<Error, recv_timeout_error>) {
        return s == op_status::timeout   ? recv_timeout_error::timeout
               : s == op_status::stopped ? recv_timeout_error::stopped
                                         : recv_timeout_error::disconnected;
    } else {
        return recv_error{};
    }
}

/// A base that leaves a handle copyable (`true`) or makes it move-only (`false`).
template <bool Copyable>
struct copy_policy {};

template <>
struct copy_policy<false> {
    copy_policy() = default;
    copy_policy(const copy_policy&) = delete;
    copy_policy(copy_policy&&) = default;
    copy_policy& operator=(const copy_policy&) = delete;
    copy_policy& operator=(copy_policy&&) = default;
    ~copy_policy() = default;
};

}  // namespace courier::detail
