// chan<T>: one channel — its flavor plus the handle counts that decide disconnection and lifetime.
//
// Counter (after crossbeam-channel's counter.rs): `senders_` and `receivers_` count live handles.
//   the last sender released   -> flavor disconnect(): receivers drain, then see disconnected;
//   the last receiver released -> flavor disconnect_receivers(): senders see disconnected and every
//                                 buffered message is destroyed before the release returns;
//   whichever side is released second frees the channel (`destroy_` is exchanged by both sides;
//   the one that finds it already set deletes).
//
// Flavor dispatch happens here and only here: visit() selects the flavor once per operation; the
// blocking loop for the two queue flavors (array, list) is written once below, the rendezvous
// flavor brings its own.
#pragma once

#include <cstddef>
#include <cstdint>
#include <exception>
#include <optional>
#include <type_traits>
#include <utility>
#include <variant>

#include "courier/detail/backoff.hpp"
#include "courier/detail/config.hpp"
#include "courier/detail/context.hpp"
#include "courier/detail/flavors/array.hpp"
#include "courier/detail/flavors/list.hpp"
#include "courier/detail/flavors/timer.hpp"
#include "courier/detail/flavors/zero.hpp"
#include "courier/detail/status.hpp"
#include "courier/detail/sync.hpp"
#include "courier/detail/time.hpp"
#include "courier/detail/waker.hpp"

namespace courier::detail {

template <class F>
struct is_zero_flavor : std::false_type {};
template <class T>
struct is_zero_flavor<zero_flavor<T>> : std::true_type {};
template <class F>
struct is_timer_flavor : std::false_type {};
template <class T>
struct is_timer_flavor<timer_flavor<T>> : std::true_type {};

/// Flavors that implement the blocking operations themselves (the rest use queue_send/queue_recv).
template <class F>
inline constexpr bool has_own_blocking_v = is_zero_flavor<F>::value || is_timer_flavor<F>::value;

// ---- the blocking loop of the queue flavors ------------------------------------------------

/// Sends on an array or list flavor: try (with a short backoff), else register with the senders'
/// waker, re-check, and park until a receiver frees a slot, the channel disconnects, or `dl`.
template <class Flavor, class T>
COURIER_NOINLINE op_status queue_send_wait(Flavor& f, T& msg, deadline& dl) {
    typename Flavor::token t;
    for (;;) {
        backoff b;
        for (;;) {
            if (f.start_send(t)) {
                if (t.disconnected()) {
                    return op_status::disconnected;
                }
                f.write(t, msg);
                return op_status::ok;
            }
            if (b.completed()) {
                break;
            }
            b.snooze();
        }
        if (dl.expired()) {
            return op_status::timeout;
        }
        context cx;
        waiter_entry entry{&cx, reinterpret_cast<std::uintptr_t>(&t), nullptr};
        f.senders().register_op(entry);
        COURIER_PERTURB();
        // Re-check after registering: a receiver that freed a slot before it could see us would
        // not have woken us (the seq_cst pair is described in waker.hpp).
        if (!COURIER_MUTANT(17) && (!f.is_full() || f.is_disconnected())) {
            cx.try_select(sel_aborted);
        }
        const std::uintptr_t sel = cx.wait_until(dl.steady(), &f.senders().hint());
        if (sel == sel_aborted || sel == sel_disconnected) {
            f.senders().unregister(entry);
        }
        // Selected by a receiver: the entry was unlinked by it. Either way, try again.
    }
}

template <class Flavor, class T>
COURIER_HOT op_status queue_try_send(Flavor& f, T& msg) {
    typename Flavor::token t;
    if (!f.start_send(t)) {
        return op_status::full;
    }
    if (t.disconnected()) {
        return op_status::disconnected;
    }
    f.write(t, msg);
    return op_status::ok;
}

/// queue_send_wait() with its first attempt inline: a send that finds room costs no call.
template <class Flavor, class T>
COURIER_HOT op_status queue_send(Flavor& f, T& msg, deadline& dl) {
    const op_status s = queue_try_send(f, msg);
    return s != op_status::full ? s : queue_send_wait(f, msg, dl);
}

/// Receives on an array or list flavor; the mirror image of queue_send_wait().
template <class Flavor, class Make, class Fail>
COURIER_NOINLINE auto queue_recv_wait(Flavor& f, deadline& dl, Make&& make, Fail&& fail)
    -> decltype(f.read(std::declval<typename Flavor::token&>(), std::forward<Make>(make))) {
    typename Flavor::token t;
    for (;;) {
        backoff b;
        for (;;) {
            if (f.start_recv(t)) {
                if (t.disconnected()) {
                    return std::forward<Fail>(fail)(op_status::disconnected);
                }
                return f.read(t, std::forward<Make>(make));
            }
            if (b.completed()) {
                break;
            }
            b.snooze();
        }
        if (dl.expired()) {
            return std::forward<Fail>(fail)(op_status::timeout);
        }
        context cx;
        waiter_entry entry{&cx, reinterpret_cast<std::uintptr_t>(&t), nullptr};
        f.receivers().register_op(entry);
        COURIER_PERTURB();
        if (!COURIER_MUTANT(3) && (!f.is_empty() || f.is_disconnected())) {
            cx.try_select(sel_aborted);
        }
        const std::uintptr_t sel = cx.wait_until(dl.steady(), &f.receivers().hint());
        if (sel == sel_aborted || sel == sel_disconnected) {
            f.receivers().unregister(entry);
        }
    }
}

/// queue_recv_wait() with its first attempt inline: a receive that finds a message costs no call.
template <class Flavor, class Make, class Fail>
COURIER_HOT auto queue_recv(Flavor& f, deadline& dl, Make&& make, Fail&& fail)
    -> decltype(f.read(std::declval<typename Flavor::token&>(), std::forward<Make>(make))) {
    typename Flavor::token t;
    if (f.start_recv(t)) {
        if (t.disconnected()) {
            return std::forward<Fail>(fail)(op_status::disconnected);
        }
        return f.read(t, std::forward<Make>(make));
    }
    return queue_recv_wait(f, dl, std::forward<Make>(make), std::forward<Fail>(fail));
}

template <class Flavor, class Make, class Fail>
COURIER_HOT auto queue_try_recv(Flavor& f, Make&& make, Fail&& fail)
    -> decltype(f.read(std::declval<typename Flavor::token&>(), std::forward<Make>(make))) {
    typename Flavor::token t;
    if (!f.start_recv(t)) {
        return std::forward<Fail>(fail)(op_status::empty);
    }
    if (t.disconnected()) {
        return std::forward<Fail>(fail)(op_status::disconnected);
    }
    return f.read(t, std::forward<Make>(make));
}

// ---- the channel ----------------------------------------------------------------------------

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

    struct unbounded_tag {};

    explicit chan(unbounded_tag) : flavor_(std::in_place_type<list_flavor<T>>) {}
    explicit chan(std::size_t capacity) : flavor_(make_bounded(capacity)) {}

    /// A receive-only timer channel: it has no sender side, so the receivers alone own it.
    template <class... Args>
    explicit chan(std::in_place_type_t<timer_flavor<T>> tag, Args&&... args)
        : flavor_(tag, std::forward<Args>(args)...), senders_(0), destroy_(true) {}

    chan(const chan&) = delete;
    chan& operator=(const chan&) = delete;

    /// The one place where the flavor is chosen.
    template <class F>
    decltype(auto) visit(F&& f) {
        return std::visit(std::forward<F>(f), flavor_);
    }
    template <class F>
    decltype(auto) visit(F&& f) const {
        return std::visit(std::forward<F>(f), flavor_);
    }

    // ---- operations -------------------------------------------------------------------------

    op_status send(T& msg, deadline& dl) {
        return visit([&](auto& f) {
            if constexpr (is_timer_flavor<std::decay_t<decltype(f)>>::value) {
                return op_status::disconnected;  // a timer channel has no senders
            } else if constexpr (is_zero_flavor<std::decay_t<decltype(f)>>::value) {
                return f.send(msg, dl);
            } else {
                return queue_send(f, msg, dl);
            }
        });
    }

    op_status try_send(T& msg) {
        return visit([&](auto& f) {
            if constexpr (is_timer_flavor<std::decay_t<decltype(f)>>::value) {
                return op_status::disconnected;
            } else if constexpr (is_zero_flavor<std::decay_t<decltype(f)>>::value) {
                return f.try_send(msg);
            } else {
                return queue_try_send(f, msg);
            }
        });
    }

    template <class Make, class Fail>
    auto recv(deadline& dl, Make&& make, Fail&& fail)
        -> decltype(std::declval<Make&>()(std::declval<T&&>())) {
        return visit([&](auto& f) -> decltype(std::declval<Make&>()(std::declval<T&&>())) {
            if constexpr (has_own_blocking_v<std::decay_t<decltype(f)>>) {
                return f.recv(dl, make, fail);
            } else {
                return queue_recv(f, dl, make, fail);
            }
        });
    }

    template <class Make, class Fail>
    auto try_recv(Make&& make, Fail&& fail)
        -> decltype(std::declval<Make&>()(std::declval<T&&>())) {
        return visit([&](auto& f) -> decltype(std::declval<Make&>()(std::declval<T&&>())) {
            if constexpr (has_own_blocking_v<std::decay_t<decltype(f)>>) {
                return f.try_recv(make, fail);
            } else {
                return queue_try_recv(f, make, fail);
            }
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
        return visit([](const auto& f) -> std::optional<std::size_t> {
            using F = std::decay_t<decltype(f)>;
            if constexpr (std::is_same_v<F, array_flavor<T>>) {
                return f.capacity();
            } else if constexpr (std::is_same_v<F, zero_flavor<T>>) {
                return std::size_t{0};
            } else if constexpr (std::is_same_v<F, timer_flavor<T>>) {
                return f.capacity();
            } else {
                return std::nullopt;
            }
        });
    }

    // ---- handle counts ------------------------------------------------------------------------

    void acquire_sender() noexcept { acquire(senders_); }
    void acquire_receiver() noexcept { acquire(receivers_); }

    /// Releases one sender; the last one disconnects. Frees the channel if it was the last handle.
    void release_sender() {
        // acq_rel: every earlier use of this handle happens-before the disconnect and the free.
        // Mutant 11 tests for the wrong count: disconnects one sender early (or never).
        if (senders_.fetch_sub(1, std::memory_order_acq_rel) == (COURIER_MUTANT(11) ? 2 : 1)) {
            COURIER_PERTURB();
            visit([](auto& f) { f.disconnect(); });
            release_side();
        }
    }

    /// Releases one receiver; the last one disconnects and destroys every buffered message before
    /// returning. Frees the channel if it was the last handle.
    void release_receiver() {
        if (receivers_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
            COURIER_PERTURB();
            visit([](auto& f) {
                if (COURIER_MUTANT(15)) {
                    f.disconnect();  // mutant 15: buffered messages outlive the last receiver
                } else {
                    f.disconnect_receivers();
                }
            });
            release_side();
        }
    }

  private:
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

    void release_side() {
        // The second side to finish frees the channel; acq_rel pairs the two exchanges.
        if (destroy_.exchange(true, std::memory_order_acq_rel)) {
            COURIER_PERTURB();
            delete this;
        }
    }

    flavors flavor_;
    sync::atomic<std::size_t> senders_{1};
    sync::atomic<std::size_t> receivers_{1};
    sync::atomic<bool> destroy_{false};  // set by the first side to finish
};

}  // namespace courier::detail
