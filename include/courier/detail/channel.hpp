// chan<T>: one channel — its flavor plus the handle counts that decide disconnection and lifetime.
//
// Counter (after crossbeam-channel's counter.rs, with tokio's weak senders): `senders_` and
// `receivers_` count live (strong) handles, `refs_` counts what keeps the memory alive.
//   the last sender released   -> flavor disconnect(): receivers drain, then see disconnected;
//   the last receiver released -> flavor disconnect_receivers(): senders see disconnected and every
//                                 buffered message is destroyed before the release returns;
//   refs_ is one per side that still has a strong handle, plus one per weak sender; whoever drops
//   it to zero frees the channel. A weak sender becomes a strong one only while senders_ is not
//   zero (a CAS that never revives a disconnected channel) and the receivers are still there.
//
// Flavor dispatch happens here and only here. A channel is a chan<T> (the counts, the flavor's
// index and a table of the flavor's functions) with its flavor after it (chan_of<T, F>), made by
// the factories below: a program compiles only the flavors it creates channels of.
//   - The operations every handle reaches without knowing its flavor (receive, is_disconnected,
//     the two disconnects, the free) go through the table, which is instantiated with the channel.
//   - The senders pass the flavors their channel can have (flavor_mask) and are dispatched over
//     those alone (visit_some): an unbounded sender calls the list's send directly.
//   - What is generic in a caller's type (a batch receive's output, a select verb) and what few
//     programs call (the snapshots len, is_empty, capacity) is dispatched over the flavors in the
//     handle's mask, which instantiates them only where it is used.
// Every flavor has the same member functions (flavors/queue.hpp lists the interface). Nothing
// outside this file names a flavor.
#pragma once

#include <cstddef>
#include <cstdint>
#include <exception>
#include <new>
#include <optional>
#include <tuple>
#include <type_traits>
#include <utility>

#include "courier/detail/config.hpp"
#include "courier/detail/flavors/array.hpp"
#include "courier/detail/flavors/list.hpp"
#include "courier/detail/flavors/timer.hpp"
#include "courier/detail/flavors/zero.hpp"
#include "courier/detail/status.hpp"
#include "courier/detail/sync.hpp"
#include "courier/detail/time.hpp"

namespace courier::detail {

// ---- the channel ----------------------------------------------------------------------------

/// Selects chan's unbounded factory (channel() of mpsc.hpp and mpmc.hpp).
struct unbounded_t {
    explicit unbounded_t() = default;
};
inline constexpr unbounded_t unbounded{};

/// The flavors a handle can meet, as a mask for chan's operations (bit i: the flavor of index i,
/// flavor_index). An operation called with a mask instantiates only those flavors' code: an
/// unbounded sender's send compiles the list's send alone.
namespace flavor_mask {
inline constexpr unsigned array = 1u, list = 2u, zero = 4u, timer = 8u;
inline constexpr unsigned all = array | list | zero | timer;
/// What a handle of Kind (handle_kind) can meet: senders never a timer; an unbounded sender only
/// a list; a bounded (sync) sender never a list.
template <class Kind>
inline constexpr unsigned sender_side =
    !Kind::may_be_bounded ? list : (Kind::copyable_receiver ? array | list | zero : array | zero);
/// Receivers: an MPSC receiver never meets a timer. (recv and try_recv go through the channel's
/// table and need no mask; this one is for the batch receives.)
template <class Kind>
inline constexpr unsigned receiver_side = Kind::copyable_receiver ? all : array | list | zero;
}  // namespace flavor_mask

template <class T>
class chan;
template <class T, class F>
class chan_of;

/// A flavor's index: the bit it has in a flavor_mask, and the kind_ a channel of it records.
template <class F>
inline constexpr unsigned flavor_index = ~0u;
template <class T>
inline constexpr unsigned flavor_index<array_flavor<T>> = 0;
template <class T>
inline constexpr unsigned flavor_index<list_flavor<T>> = 1;
template <class T>
inline constexpr unsigned flavor_index<zero_flavor<T>> = 2;
template <class T>
inline constexpr unsigned flavor_index<timer_flavor<T>> = 3;

/// The functions of one flavor that a channel calls without knowing its flavor: one constant
/// table per flavor and T (chan_of::table()), reached through the channel.
template <class T>
struct chan_ops {
    void (*destroy)(chan<T>* c) noexcept;
    void (*disconnect)(chan<T>& c);
    void (*disconnect_receivers)(chan<T>& c);
    /// Receives (blocking until `dl` at most; try_recv_into: never) by constructing the message
    /// at `place` (one move from the channel's slot): ok, or why nothing was received.
    op_status (*recv_into)(chan<T>& c, deadline& dl, T* place);
    op_status (*try_recv_into)(chan<T>& c, T* place);
    bool (*is_disconnected)(const chan<T>& c);
};

template <class T>
class chan {
    static_assert(std::is_nothrow_destructible_v<T>,
                  "courier: the message type must be nothrow-destructible");
    static_assert(std::is_move_constructible_v<T>,
                  "courier: the message type must be move-constructible");
    static_assert(!std::is_reference_v<T> && !std::is_array_v<T>,
                  "courier: the message type must be an object type (not a reference or array)");

  public:
    using value_type = T;

    // ---- making a channel ---------------------------------------------------------------------

    // The factories are kept out of line: where one is inlined beside a handle's operation, GCC
    // sees the size of the flavor allocated there and, at -O3, warns (-Warray-bounds) about the
    // branches for the other flavors, which that channel never takes.

    /// A new unbounded channel, with one sender and one receiver counted.
    COURIER_NOINLINE static chan* make(unbounded_t) {
        return new chan_of<T, list_flavor<T>>(both_sides);
    }
    /// A new bounded channel (capacity 0: rendezvous), with one sender and one receiver counted.
    COURIER_NOINLINE static chan* make(std::size_t capacity) {
        if (capacity == 0) {
            return new chan_of<T, zero_flavor<T>>(both_sides);
        }
        return new chan_of<T, array_flavor<T>>(both_sides, capacity);
    }
    /// A new receive-only timer channel: it has no sender side, so its receivers alone own it.
    template <class... Args>
    COURIER_NOINLINE static chan* make_timer(Args&&... args) {
        return new chan_of<T, timer_flavor<T>>(receivers_only, static_cast<Args&&>(args)...);
    }

    chan(const chan&) = delete;
    chan& operator=(const chan&) = delete;

    /// The state one select operation keeps on this channel: one per flavor, the flavor's own.
    using select_state =
        std::tuple<typename array_flavor<T>::select_state, typename list_flavor<T>::select_state,
                   typename zero_flavor<T>::select_state, typename timer_flavor<T>::select_state>;

    // ---- operations -------------------------------------------------------------------------

    // Mask: the flavors the calling handle can meet (flavor_mask).
    template <unsigned Mask = flavor_mask::all>
    COURIER_HOT op_status send(T& msg, deadline& dl) {
        return visit_some<Mask>([&](auto& f) { return f.send(msg, dl); });
    }

    template <unsigned Mask = flavor_mask::all>
    COURIER_HOT op_status try_send(T& msg) {
        return visit_some<Mask>([&](auto& f) { return f.try_send(msg); });
    }

    /// Receives (blocking until `dl` at most) by constructing the message at `place`, raw storage
    /// for a T: op_status::ok, or why nothing was received (nothing constructed). If T's move
    /// throws, nothing is constructed, the message stays in the channel and the exception
    /// propagates.
    COURIER_HOT op_status recv_into(deadline& dl, T* place) {
        return ops_->recv_into(*this, dl, place);
    }
    /// recv_into(), never blocking.
    COURIER_TRIVIAL op_status try_recv_into(T* place) { return ops_->try_recv_into(*this, place); }

    /// The receive with the result made by the caller: make(T&&) with the message or fail(status),
    /// blocking until `dl` at most. Dispatched over the flavors in Mask.
    template <unsigned Mask = flavor_mask::all, class Make, class Fail>
    auto recv(deadline& dl, Make&& make, Fail&& fail)
        -> decltype(std::declval<Make&>()(std::declval<T&&>())) {
        return visit_some<Mask>(
            [&](auto& f) -> decltype(std::declval<Make&>()(std::declval<T&&>())) {
                return f.recv(dl, make, fail);
            });
    }

    template <unsigned Mask = flavor_mask::all, class Make, class Fail>
    auto try_recv(Make&& make, Fail&& fail)
        -> decltype(std::declval<Make&>()(std::declval<T&&>())) {
        return visit_some<Mask>(
            [&](auto& f) -> decltype(std::declval<Make&>()(std::declval<T&&>())) {
                return f.try_recv(make, fail);
            });
    }

    /// Takes up to `max` messages that can be received now into `sink` (batch.hpp); returns how
    /// many, with `st` = ok, or 0 with `st` = empty or disconnected.
    template <unsigned Mask = flavor_mask::all, class Sink>
    std::size_t try_recv_many(Sink& sink, std::size_t max, op_status& st, bool gather = false) {
        return visit_some<Mask>([&](auto& f) { return f.try_recv_many(sink, max, st, gather); });
    }

    /// try_recv_many(), but when nothing can be taken now, waits until `dl` for one message (as
    /// recv() does), then takes what else can be taken now. A queue that holds fewer messages
    /// than `max` while more are being sent is given a moment to fill (gather_wait, backoff.hpp).
    /// `st` = ok, or why nothing was taken.
    template <unsigned Mask = flavor_mask::all, class Sink>
    std::size_t recv_many(deadline& dl, Sink& sink, std::size_t max, op_status& st) {
        const std::size_t n = try_recv_many<Mask>(sink, max, st, true);
        if (n != 0 || st != op_status::empty) {
            return n;
        }
        sink.prepare(1);
        auto put = [&sink](T&& v) {
            sink.put(COURIER_MOVE(v));
            return true;
        };
        auto fail = [&st](op_status s) {
            st = s;
            return false;
        };
        if (!recv<Mask>(dl, put, fail)) {
            return 0;
        }
        st = op_status::ok;
        op_status more{};
        return 1 + try_recv_many<Mask>(sink, max - 1, more, true);
    }

    /// Runs a select verb: `verb(flavor, the flavor's part of state)`.
    template <class Verb>
    decltype(auto) select(select_state& state, Verb&& verb) {
        return visit_some<flavor_mask::all>([&](auto& f) -> decltype(auto) {
            return verb(f, std::get<typename std::decay_t<decltype(f)>::select_state>(state));
        });
    }

    /// Stops accepting messages: senders fail from now on, blocked ones wake; buffered messages
    /// can still be received.
    COURIER_TRIVIAL void close() { ops_->disconnect(*this); }

    // ---- snapshots ----------------------------------------------------------------------------
    // Dispatched over the flavors the calling handle can meet (Mask), only where they are used:
    // a program that never asks for a length compiles no flavor's len().

    template <unsigned Mask = flavor_mask::all>
    std::size_t len() {
        return visit_some<Mask>([](auto& f) { return f.len(); });
    }
    template <unsigned Mask = flavor_mask::all>
    bool is_empty() {
        return visit_some<Mask>([](auto& f) { return f.is_empty(); });
    }
    template <unsigned Mask = flavor_mask::all>
    std::optional<std::size_t> capacity() {
        return visit_some<Mask>([](auto& f) { return f.capacity(); });
    }
    COURIER_TRIVIAL bool is_disconnected() const { return ops_->is_disconnected(*this); }

    // ---- handle counts ------------------------------------------------------------------------

    COURIER_TRIVIAL void acquire_sender() noexcept { acquire(senders_); }
    COURIER_TRIVIAL void acquire_receiver() noexcept { acquire(receivers_); }
    /// One more weak sender: it keeps the memory, not the channel's connection.
    COURIER_TRIVIAL void acquire_ref() noexcept { acquire(refs_); }
    /// Drops a weak sender; frees the channel if nothing else holds it.
    void release_ref() noexcept {
        // acq_rel: every earlier use of the channel happens-before the free.
        if (refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
            COURIER_PERTURB();
            ops_->destroy(this);
        }
    }

    /// Makes one more sender from a weak sender: false (and nothing counted) once the last sender
    /// is gone, or every receiver is gone or closed.
    bool try_acquire_sender() noexcept {
        std::size_t n = senders_.load(std::memory_order_relaxed);
        do {
            if (n == 0) {
                return false;  // disconnected for receivers: never revived
            }
            // relaxed suffices as in acquire(): the weak handle keeps the memory alive, and the
            // sender made here synchronizes with the channel through its operations.
        } while (!senders_.compare_exchange_weak(n, n + 1, std::memory_order_relaxed));
        if (receivers_.load(std::memory_order_acquire) == 0 || is_disconnected()) {
            release_sender();  // may be the last sender now: it disconnects as any would
            return false;
        }
        return true;
    }

    /// Live handles of each side (snapshots); weak senders are in neither.
    COURIER_TRIVIAL std::size_t sender_count() const noexcept {
        return senders_.load(std::memory_order_relaxed);
    }
    std::size_t receiver_count() const noexcept {
        return receivers_.load(std::memory_order_relaxed);
    }

    /// Releases one sender; the last one disconnects. Frees the channel if it was the last handle.
    void release_sender() {
        // acq_rel: every earlier use of this handle happens-before the disconnect and the free.
        if (senders_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
            COURIER_PERTURB();
            ops_->disconnect(*this);
            release_ref();
        }
    }

    /// Releases one receiver; the last one disconnects and destroys every buffered message before
    /// returning. Frees the channel if it was the last handle.
    void release_receiver() {
        if (receivers_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
            COURIER_PERTURB();
            ops_->disconnect_receivers(*this);
            release_ref();
        }
    }

  protected:
    /// Which handles a new channel starts with: a sender and a receiver, or (a timer) a receiver.
    enum class sides : unsigned char { both, receivers_only };
    static constexpr sides both_sides = sides::both;
    static constexpr sides receivers_only = sides::receivers_only;

    chan(const chan_ops<T>* ops, unsigned kind, sides s) noexcept
        : ops_(ops),
          kind_(static_cast<unsigned char>(kind)),
          senders_(s == sides::both ? 1 : 0),
          refs_(s == sides::both ? 2 : 1) {}
    ~chan() = default;  // freed by its chan_of, through the table

  private:
    /// The flavor whose bit in a flavor_mask is Bit.
    template <unsigned Bit>
    using flavor_of_bit =
        std::conditional_t<Bit == flavor_mask::array, array_flavor<T>,
                           std::conditional_t<Bit == flavor_mask::list, list_flavor<T>,
                                              std::conditional_t<Bit == flavor_mask::zero,
                                                                 zero_flavor<T>, timer_flavor<T>>>>;

    template <class F>
    COURIER_TRIVIAL F& as() noexcept {
        return static_cast<chan_of<T, F>*>(this)->flavor;
    }

    // Calls f(flavor) on the channel's flavor, which must be one of those in Mask (the handles'
    // masks say which flavors a handle's channel can have); only those are instantiated.
    template <unsigned Mask, class F>
    COURIER_HOT decltype(auto) visit_some(F&& f) {
        static_assert((Mask & flavor_mask::all) != 0 && (Mask & ~flavor_mask::all) == 0);
        if constexpr ((Mask & (Mask - 1)) == 0) {  // one flavor: a direct call
            using only = flavor_of_bit<Mask>;
            check_kind(flavor_index<only>);
            return f(as<only>());
        } else {
            switch (kind_) {
                case flavor_index<array_flavor<T>>:
                    if constexpr ((Mask & flavor_mask::array) != 0) {
                        return f(as<array_flavor<T>>());
                    }
                    break;
                case flavor_index<list_flavor<T>>:
                    if constexpr ((Mask & flavor_mask::list) != 0) {
                        return f(as<list_flavor<T>>());
                    }
                    break;
                case flavor_index<zero_flavor<T>>:
                    if constexpr ((Mask & flavor_mask::zero) != 0) {
                        return f(as<zero_flavor<T>>());
                    }
                    break;
                default:
                    if constexpr ((Mask & flavor_mask::timer) != 0) {
                        return f(as<timer_flavor<T>>());
                    }
                    break;
            }
            unreachable_flavor();
        }
    }

    COURIER_TRIVIAL void check_kind([[maybe_unused]] unsigned only) const noexcept {
#if !defined(NDEBUG)
        if (kind_ != only) {
            unreachable_flavor();
        }
#endif
    }

    // A handle met a flavor its mask leaves out: a bug in the masks. Checked builds stop here;
    // optimized ones assume it away.
    [[noreturn]] static void unreachable_flavor() noexcept {
#if defined(NDEBUG) && (defined(__GNUC__) || defined(__clang__))
        __builtin_unreachable();
#else
        std::terminate();
#endif
    }

    void acquire(sync::atomic<std::size_t>& count) noexcept {
        // relaxed: a new handle is made from an existing one, which keeps the channel alive.
        const std::size_t old = count.fetch_add(1, std::memory_order_relaxed);
        if (old > (~std::size_t{0} >> 1)) {
            std::terminate();  // counts this large can only come from a leak of handles
        }
    }

    const chan_ops<T>* ops_;
    unsigned char kind_;
    sync::atomic<std::size_t> senders_;
    sync::atomic<std::size_t> receivers_{1};
    sync::atomic<std::size_t> refs_;  // a side with strong handles, or a weak sender: one each
};

/// The flavor of a chan_of, as its first base: the flavor lies at the start of the channel's
/// memory and chan<T>'s counts after it.
template <class F>
struct flavor_box {
    template <class... Args>
    COURIER_TRIVIAL explicit flavor_box(Args&&... args) : flavor(static_cast<Args&&>(args)...) {}
    F flavor;
};

/// A channel of flavor F: the flavor, then chan<T>'s state.
template <class T, class F>
class chan_of final : public flavor_box<F>, public chan<T> {
  public:
    template <class... Args>
    explicit chan_of(typename chan<T>::sides s, Args&&... args)
        : flavor_box<F>(static_cast<Args&&>(args)...), chan<T>(table(), flavor_index<F>, s) {}

  private:
    COURIER_TRIVIAL static F& of(chan<T>& c) noexcept { return static_cast<chan_of&>(c).flavor; }
    COURIER_TRIVIAL static const F& of(const chan<T>& c) noexcept {
        return static_cast<const chan_of&>(c).flavor;
    }

    // The table's entries: plain static functions (a lambda converted to a function pointer is
    // two functions, its call operator and the static invoker), named apart from chan's members.
    COURIER_TRIVIAL static void op_destroy(chan<T>* c) noexcept { delete static_cast<chan_of*>(c); }
    COURIER_TRIVIAL static void op_disconnect(chan<T>& c) { of(c).disconnect(); }
    COURIER_TRIVIAL static void op_disconnect_receivers(chan<T>& c) {
        of(c).disconnect_receivers();
    }
    static op_status op_recv_into(chan<T>& c, deadline& dl, T* place) {
        return of(c).recv(dl, construct_at{place}, pass_status{});
    }
    static op_status op_try_recv_into(chan<T>& c, T* place) {
        return of(c).try_recv(construct_at{place}, pass_status{});
    }
    COURIER_TRIVIAL static bool op_is_disconnected(const chan<T>& c) {
        return of(c).is_disconnected();
    }

    static const chan_ops<T>* table() noexcept {
        static constexpr chan_ops<T> ops{&op_destroy,   &op_disconnect,    &op_disconnect_receivers,
                                         &op_recv_into, &op_try_recv_into, &op_is_disconnected};
        return &ops;
    }

    // The make and fail of recv_into: the message constructed at a place, the status passed on.
    struct construct_at {
        T* place;
        op_status operator()(T&& v) const {
            ::new (static_cast<void*>(place)) T(COURIER_MOVE(v));
            return op_status::ok;
        }
    };
    struct pass_status {
        COURIER_TRIVIAL op_status operator()(op_status s) const noexcept { return s; }
    };
};

}  // namespace courier::detail
