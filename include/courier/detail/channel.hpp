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
// Flavor dispatch happens here and only here: every operation, and every select verb, is one
// std::visit over the flavor variant calling the member of the same name, which every flavor has
// (flavors/queue.hpp lists the interface). The senders pass the flavors their channel can have
// (flavor_mask) and are dispatched over those alone (visit_some), so a T used only with unbounded
// senders never compiles the bounded flavors' send. Nothing outside this file names a flavor.
#pragma once

#include <cstddef>
#include <cstdint>
#include <exception>
#include <optional>
#include <tuple>
#include <type_traits>
#include <utility>
#include <variant>

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

/// Selects chan's unbounded constructor (channel() of mpsc.hpp and mpmc.hpp).
struct unbounded_t {
    explicit unbounded_t() = default;
};
inline constexpr unbounded_t unbounded{};

/// The flavors a handle can meet, as a mask for chan's operations (bit i: the variant's
/// alternative i). An operation called with a mask instantiates only those flavors' code: an
/// unbounded sender's send compiles the list's send alone.
namespace flavor_mask {
inline constexpr unsigned array = 1u, list = 2u, zero = 4u, timer = 8u;
inline constexpr unsigned all = array | list | zero | timer;
/// What a handle of Kind (handle_kind) can meet: senders never a timer; an unbounded sender only
/// a list; a bounded (sync) sender never a list.
template <class Kind>
inline constexpr unsigned sender_side =
    !Kind::may_be_bounded ? list : (Kind::copyable_receiver ? array | list | zero : array | zero);
/// Receivers keep std::visit over all four: an MPSC receiver never meets a timer, but GCC 12
/// compiled the three-way switch into a slower unbounded receive than visit's jump table
/// (unbounded_seq about 5 % slower in alternating runs), for 5 % less code in hello.cpp.
template <class Kind>
inline constexpr unsigned receiver_side = all;
}  // namespace flavor_mask

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
    using flavors = std::variant<array_flavor<T>, list_flavor<T>, zero_flavor<T>, timer_flavor<T>>;

    explicit chan(unbounded_t) : flavor_(std::in_place_type<list_flavor<T>>) {}
    explicit chan(std::size_t capacity) : flavor_(make_bounded(capacity)) {}

    /// A receive-only timer channel: it has no sender side, so the receivers alone own it.
    template <class... Args>
    explicit chan(std::in_place_type_t<timer_flavor<T>> tag, Args&&... args)
        : flavor_(tag, std::forward<Args>(args)...), senders_(0), refs_(1) {}

    chan(const chan&) = delete;
    chan& operator=(const chan&) = delete;

    /// The state one select operation keeps on this channel: one per flavor, the flavor's own.
    using select_state =
        std::tuple<typename array_flavor<T>::select_state, typename list_flavor<T>::select_state,
                   typename zero_flavor<T>::select_state, typename timer_flavor<T>::select_state>;

    // ---- operations -------------------------------------------------------------------------

    // Mask: the flavors the calling handle can meet (flavor_mask).
    template <unsigned Mask = flavor_mask::all>
    op_status send(T& msg, deadline& dl) {
        return visit_some<Mask>([&](auto& f) { return f.send(msg, dl); });
    }

    template <unsigned Mask = flavor_mask::all>
    op_status try_send(T& msg) {
        return visit_some<Mask>([&](auto& f) { return f.try_send(msg); });
    }

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
    std::size_t try_recv_many(Sink& sink, std::size_t max, op_status& st) {
        return visit_some<Mask>([&](auto& f) { return f.try_recv_many(sink, max, st); });
    }

    /// try_recv_many(), but when nothing can be taken now, waits until `dl` for one message (as
    /// recv() does), then takes what else can be taken now. `st` = ok, or why nothing was taken.
    template <unsigned Mask = flavor_mask::all, class Sink>
    std::size_t recv_many(deadline& dl, Sink& sink, std::size_t max, op_status& st) {
        const std::size_t n = try_recv_many<Mask>(sink, max, st);
        if (n != 0 || st != op_status::empty) {
            return n;
        }
        sink.prepare(1);
        auto put = [&sink](T&& v) {
            sink.put(std::move(v));
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
        return 1 + try_recv_many<Mask>(sink, max - 1, more);
    }

    /// Runs a select verb: `verb(flavor, the flavor's part of state)`.
    template <class Verb>
    decltype(auto) select(select_state& state, Verb&& verb) {
        return visit([&](auto& f) -> decltype(auto) {
            return verb(f, std::get<typename std::decay_t<decltype(f)>::select_state>(state));
        });
    }

    /// Stops accepting messages: senders fail from now on, blocked ones wake; buffered messages
    /// can still be received.
    void close() {
        visit([](auto& f) { f.disconnect(); });
    }

    // ---- snapshots --------------------------------------------------------------------------

    std::size_t len() const {
        return visit([](const auto& f) { return f.len(); });
    }
    bool is_empty() const {
        return visit([](const auto& f) { return f.is_empty(); });
    }
    bool is_disconnected() const {
        return visit([](const auto& f) { return f.is_disconnected(); });
    }
    std::optional<std::size_t> capacity() const {
        return visit([](const auto& f) { return f.capacity(); });
    }

    // ---- handle counts ------------------------------------------------------------------------

    void acquire_sender() noexcept { acquire(senders_); }
    void acquire_receiver() noexcept { acquire(receivers_); }
    /// One more weak sender: it keeps the memory, not the channel's connection.
    void acquire_ref() noexcept { acquire(refs_); }
    /// Drops a weak sender; frees the channel if nothing else holds it.
    void release_ref() noexcept {
        // acq_rel: every earlier use of the channel happens-before the free.
        if (refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
            COURIER_PERTURB();
            delete this;
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
    std::size_t sender_count() const noexcept { return senders_.load(std::memory_order_relaxed); }
    std::size_t receiver_count() const noexcept {
        return receivers_.load(std::memory_order_relaxed);
    }

    /// Releases one sender; the last one disconnects. Frees the channel if it was the last handle.
    void release_sender() {
        // acq_rel: every earlier use of this handle happens-before the disconnect and the free.
        if (senders_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
            COURIER_PERTURB();
            visit([](auto& f) { f.disconnect(); });
            release_ref();
        }
    }

    /// Releases one receiver; the last one disconnects and destroys every buffered message before
    /// returning. Frees the channel if it was the last handle.
    void release_receiver() {
        if (receivers_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
            COURIER_PERTURB();
            visit([](auto& f) { f.disconnect_receivers(); });
            release_ref();
        }
    }

  private:
    template <class F>
    decltype(auto) visit(F&& f) {
        return std::visit(std::forward<F>(f), flavor_);
    }

    // visit() over the flavors in Mask only; the channel's flavor must be one of them (the
    // handles' masks say which flavors a handle's channel can have).
    template <unsigned Mask, class F>
    decltype(auto) visit_some(F&& f) {
        static_assert((Mask & flavor_mask::all) != 0 && (Mask & ~flavor_mask::all) == 0);
        if constexpr (Mask == flavor_mask::all) {
            return std::visit(std::forward<F>(f), flavor_);
        } else if constexpr (Mask == flavor_mask::array || Mask == flavor_mask::list ||
                             Mask == flavor_mask::zero || Mask == flavor_mask::timer) {
            constexpr std::size_t only = Mask == flavor_mask::array  ? 0
                                         : Mask == flavor_mask::list ? 1
                                         : Mask == flavor_mask::zero ? 2
                                                                     : 3;
#if !defined(NDEBUG)
            if (flavor_.index() != only) {
                unreachable_flavor();
            }
#endif
            return f(*std::get_if<only>(&flavor_));
        } else {
            switch (flavor_.index()) {
                case 0:
                    if constexpr ((Mask & flavor_mask::array) != 0) {
                        return f(*std::get_if<0>(&flavor_));
                    }
                    break;
                case 1:
                    if constexpr ((Mask & flavor_mask::list) != 0) {
                        return f(*std::get_if<1>(&flavor_));
                    }
                    break;
                case 2:
                    if constexpr ((Mask & flavor_mask::zero) != 0) {
                        return f(*std::get_if<2>(&flavor_));
                    }
                    break;
                default:
                    if constexpr ((Mask & flavor_mask::timer) != 0) {
                        return f(*std::get_if<3>(&flavor_));
                    }
                    break;
            }
            unreachable_flavor();
        }
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
    template <class F>
    decltype(auto) visit(F&& f) const {
        return std::visit(std::forward<F>(f), flavor_);
    }

    // Returns a prvalue, so the (immovable) flavor is constructed directly in flavor_.
    static flavors make_bounded(std::size_t capacity) {
        if (capacity == 0) {
            return flavors(std::in_place_type<zero_flavor<T>>);
        }
        return flavors(std::in_place_type<array_flavor<T>>, capacity);
    }

    void acquire(sync::atomic<std::size_t>& count) noexcept {
        // relaxed: a new handle is made from an existing one, which keeps the channel alive.
        const std::size_t old = count.fetch_add(1, std::memory_order_relaxed);
        if (old > (~std::size_t{0} >> 1)) {
            std::terminate();  // counts this large can only come from a leak of handles
        }
    }

    flavors flavor_;
    sync::atomic<std::size_t> senders_{1};
    sync::atomic<std::size_t> receivers_{1};
    sync::atomic<std::size_t> refs_{2};  // a side with strong handles, or a weak sender: one each
};

}  // namespace courier::detail
