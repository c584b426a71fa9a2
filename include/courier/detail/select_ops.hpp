// The select engine: one algorithm for courier::select(...) and courier::selector.
//
// After crossbeam-channel's select.rs. Each operation of a select is a select_op; it drives its
// channel through the select verbs every flavor implements at the end of its file (try, register,
// unregister, accept, ready, watch, complete, next_due; see flavors/queue.hpp), dispatched by
// chan::select(). Nothing here names a flavor or takes a flavor's lock. run_select():
//   1. in a random order, try each operation; the first that can proceed now is reserved;
//   2. otherwise register every operation with its channel, all with one waiter (one waiting
//      thread); stop early when one is ready already (then abort our own waiter) or another
//      thread has selected us meanwhile;
//   3. sleep until a partner selects one of our operations (the waiter's selection = that
//      operation's id), a channel disconnects, a timer is due or the deadline passes;
//   4. unregister everything; accept() the selected operation (a queue flavor reserves again,
//      which can fail if another thread was faster; the rendezvous flavor is already paired with
//      our packet) or go back to 1.
// Exactly one operation is reserved when run_select() returns it, and the caller completes it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <stop_token>
#include <type_traits>
#include <utility>

#include "courier/detail/channel.hpp"
#include "courier/detail/chrono.hpp"
#include "courier/detail/config.hpp"
#include "courier/detail/status.hpp"
#include "courier/detail/sync.hpp"
#include "courier/detail/time.hpp"
#include "courier/detail/wait/stop.hpp"
#include "courier/detail/wait/thread_waiter.hpp"
#include "courier/detail/wait/waker.hpp"

namespace courier::detail {

/// One operation of a select, type-erased.
class select_op {
  public:
    select_op() = default;
    select_op(const select_op&) = delete;
    select_op& operator=(const select_op&) = delete;
    virtual ~select_op() = default;

    /// Reserves the operation if it can proceed now (or is disconnected). Never blocks.
    virtual bool try_reserve() = 0;
    /// Queues the operation on its channel for waiter `w`; true if it is ready already.
    virtual bool register_op(waiter& w) = 0;
    /// Takes the operation's entry (queued by register_op() or watch()) off its channel.
    virtual void unregister_op() = 0;
    /// unregister_op() for the operation our waiter was selected with (its id). A channel's
    /// partner unlinks the entry it selects before it wakes the waiter (waker.hpp), and the
    /// waiting party runs only after that wake-up, so a channel operation has nothing left to take
    /// off and skips the channel's lock; an on_stop arm still detaches its stop callback.
    virtual void unregister_selected() { unregister_op(); }
    /// Our waiter was selected with this operation: take over the reservation.
    virtual bool accept() = 0;
    virtual bool is_ready() = 0;
    /// Queues a watcher (for ready()); true if the operation is ready already.
    virtual bool watch(waiter& w) = 0;
    /// When the operation becomes ready by the clock alone (a timer's next delivery), if ever.
    virtual deadline_t next_due() = 0;
    /// Our waiter was selected with this operation, but the waiting coroutine is gone and will not
    /// complete it: a rendezvous partner's hand-off is finished, a queue's wake-up passed on.
    virtual void abandon() noexcept = 0;

    COURIER_TRIVIAL std::uintptr_t id() const noexcept {
        return reinterpret_cast<std::uintptr_t>(this);
    }
};

/// The operation on one side (send_side or recv_side) of a channel of T: the channel, the
/// flavor's select state, the queue entry and the outcome of the last reservation. It runs the
/// flavor's select verbs through chan::select(). An operation on an empty handle (no channel) is
/// always ready and reports disconnection. A send's message is given at registration
/// (select(...)) or only at completion (selector).
template <class T, class Side>
class chan_op final : public select_op {
  public:
    COURIER_TRIVIAL explicit chan_op(chan<T>* c, T* value = nullptr) noexcept
        : chan_(c), value_(value) {}

    COURIER_TRIVIAL chan<T>* channel() const noexcept { return chan_; }

    bool try_reserve() override {
        return reserved(run_or(op_status::disconnected,
                               [](auto& f, auto& s) { return f.select_try(Side{}, s); }));
    }
    bool register_op(waiter& w) override {
        entry_ = waiter_entry{&w, id(), nullptr};
        return run_or(true, [this](auto& f, auto& s) {
            return f.select_register(Side{}, s, entry_, value_);
        });
    }
    void unregister_op() override {
        run_or(false, [this](auto& f, auto&) {
            f.select_unregister(Side{}, entry_);
            return false;
        });
    }
    void unregister_selected() noexcept override {}  // unlinked by the partner that selected it
    bool accept() override {
        return reserved(run_or(op_status::disconnected,
                               [](auto& f, auto& s) { return f.select_accept(Side{}, s); }));
    }
    bool is_ready() override {
        return run_or(true, [](auto& f, auto&) { return f.ready(Side{}); });
    }
    bool watch(waiter& w) override {
        entry_ = waiter_entry{&w, id(), nullptr};
        return run_or(true, [this](auto& f, auto&) { return f.select_watch(Side{}, entry_); });
    }
    deadline_t next_due() override {
        return run_or(no_deadline, [](auto& f, auto&) { return f.next_due(); });
    }
    void abandon() noexcept override {
        run_or(false, [](auto& f, auto& s) {
            f.select_abandon(Side{}, s);
            return false;
        });
    }

    /// Completes the reserved send with `v`. op_status::full means a rendezvous receiver's move
    /// threw and the message is still in `v`.
    op_status complete(T& v) requires std::is_same_v<Side, send_side> {
        if (disconnected_) {
            return op_status::disconnected;
        }
        return chan_->select(state_,
                             [&](auto& f, auto& s) { return f.select_complete(Side{}, s, v); });
    }

    /// Completes the reserved receive: make(T&&) with the message, or fail(op_status).
    template <class Make, class Fail>
    auto complete(Make&& make, Fail&& fail) -> decltype(std::declval<Make&>()(
        std::declval<T&&>())) requires std::is_same_v<Side, recv_side> {
        if (disconnected_) {
            return fail(op_status::disconnected);
        }
        return chan_->select(
            state_, [&](auto& f, auto& s) -> decltype(std::declval<Make&>()(std::declval<T&&>())) {
                return f.select_complete(Side{}, s, make);
            });
    }

  private:
    /// `verb(flavor, state)` on the channel; `if_empty` for an empty handle.
    template <class R, class Verb>
    R run_or(R if_empty, Verb&& verb) {
        if (chan_ == nullptr) {
            return if_empty;
        }
        return chan_->select(state_, static_cast<Verb&&>(verb));
    }

    /// Records the outcome of a reservation; true if the operation can complete now.
    bool reserved(op_status s) noexcept {
        disconnected_ = s == op_status::disconnected;
        return s == op_status::ok || disconnected_;
    }

    chan<T>* chan_;
    T* value_;
    typename chan<T>::select_state state_{};
    waiter_entry entry_{};
    bool disconnected_ = false;
};

template <class T>
using recv_op = chan_op<T, recv_side>;
template <class T>
using send_op = chan_op<T, send_side>;

/// The operation of an on_stop arm: ready once a stop is requested on its std::stop_token. While
/// it is registered, a stop request selects the waiting select with this operation's id, as a
/// partner would, through a stop_guard (wait/stop.hpp; its destructor, in unregister_op(), waits
/// for a callback running on another thread, so the waiter outlives its wake()).
template <class = void>
class basic_stop_op final : public select_op {
  public:
    COURIER_TRIVIAL explicit basic_stop_op(std::stop_token st) noexcept : st_(COURIER_MOVE(st)) {}

    COURIER_TRIVIAL const std::stop_token& token() const noexcept { return st_; }

    bool try_reserve() override { return requested(); }
    bool register_op(waiter& w) override {
        if (requested()) {
            return true;
        }
        if (st_.stop_possible()) {
            guard_.watch_token(st_, w, id());
        }
        return false;
    }
    void unregister_op() override { guard_.reset(); }
    bool accept() override { return true; }  // a stop request is never taken back
    bool is_ready() override { return requested(); }
    bool watch(waiter& w) override { return register_op(w); }
    deadline_t next_due() override { return no_deadline; }
    void abandon() noexcept override {}

  private:
    COURIER_TRIVIAL bool requested() const noexcept { return sync::stop_requested(st_); }

    std::stop_token st_;
    stop_guard guard_;
};
using stop_op = basic_stop_op<>;

// ---- the algorithm --------------------------------------------------------------------------
// Function templates (of an unused parameter), as stop_op is a class template: compiled only
// where a select runs, not in every file that includes select.hpp.

/// A per-thread random order for the fast path, so that no ready operation starves.
/// (Fisher-Yates; under the model checker every order is a scheduler choice.)
template <class = void>
inline void shuffle_order(std::size_t* order, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) {
        order[i] = i;
    }
    for (std::size_t i = n; i > 1; --i) {
        std::swap(order[i - 1], order[sync::random_below(i)]);
    }
}

/// When a waiting select must wake up at the latest: the caller's deadline or the earliest time
/// at which an operation becomes ready by the clock alone (a timer's delivery).
template <class = void>
inline deadline_t earliest_wake(select_op* const* ops, std::size_t n, deadline& dl) {
    deadline_t wake = dl.steady();
    for (std::size_t k = 0; k < n; ++k) {
        if (const deadline_t d = ops[k]->next_due(); d < wake) {
            wake = d;
        }
    }
    return wake;
}

/// Registers the operations, in `order`, for waiter `w`, counting them in `registered`, and stops
/// early when one is ready already (returned if our own abort of `w` won, so that the caller takes
/// it after unregistering) or a partner selected `w` meanwhile. Used by run_select and by the
/// coroutine's async_select_core.
template <class = void>
inline std::optional<std::size_t> register_all(select_op* const* ops, const std::size_t* order,
                                               std::size_t n, waiter& w, std::size_t& registered) {
    for (std::size_t k = 0; k < n; ++k) {
        ++registered;
        if (ops[order[k]]->register_op(w)) {
            if (w.try_select(sel_aborted)) {
                return order[k];
            }
            return std::nullopt;
        }
        if (w.selected() != sel_waiting) {
            return std::nullopt;  // a partner selected one of our operations already
        }
    }
    return std::nullopt;
}

/// Takes back the first `registered` operations of `order`, after the wait ended with `sel`: the
/// operation a partner selected (its id) is off its channel already (unregister_selected()).
template <class = void>
inline void unregister_all(select_op* const* ops, const std::size_t* order, std::size_t registered,
                           std::uintptr_t sel) {
    for (std::size_t k = 0; k < registered; ++k) {
        select_op& op = *ops[order[k]];
        if (selected_by_partner(sel) && op.id() == sel) {
            op.unregister_selected();
        } else {
            op.unregister_op();
        }
    }
}

/// The index of the operation whose id a partner selected our waiter with, or n.
template <class = void>
inline std::size_t index_of(select_op* const* ops, std::size_t n, std::uintptr_t id) noexcept {
    std::size_t k = 0;
    while (k < n && ops[k]->id() != id) {
        ++k;
    }
    return k;
}

/// Selects and reserves one of `ops`; nullopt when `nonblocking` and none is ready, or when `dl`
/// passes. `order` is scratch space for n indices.
template <class = void>
inline std::optional<std::size_t> run_select(select_op* const* ops, std::size_t* order,
                                             std::size_t n, deadline& dl, bool nonblocking) {
    for (;;) {
        shuffle_order(order, n);
        for (std::size_t k = 0; k < n; ++k) {
            if (ops[order[k]]->try_reserve()) {
                return order[k];
            }
        }
        if (nonblocking || dl.expired()) {
            return std::nullopt;
        }

        blocking_waiter w;
        std::size_t registered = 0;
        const std::optional<std::size_t> ready_index = register_all(ops, order, n, w, registered);
        const deadline_t wake = earliest_wake(ops, n, dl);
        const std::uintptr_t sel = w.wait_until(wake, true);
        unregister_all(ops, order, registered, sel);
        if (sel == sel_aborted) {
            if (ready_index && ops[*ready_index]->try_reserve()) {
                return *ready_index;
            }
        } else if (sel != sel_disconnected) {
            if (const std::size_t k = index_of(ops, n, sel); k < n && ops[k]->accept()) {
                return k;
            }
        }
    }
}

/// Finds an operation that is ready without performing it (select's ready()).
template <class = void>
inline std::optional<std::size_t> run_ready(select_op* const* ops, std::size_t* order,
                                            std::size_t n, deadline& dl, bool nonblocking) {
    for (;;) {
        shuffle_order(order, n);
        for (std::size_t k = 0; k < n; ++k) {
            // A timer is ready once its delivery is due: is_ready() asks its clock.
            if (ops[order[k]]->is_ready()) {
                return order[k];
            }
        }
        if (nonblocking || dl.expired()) {
            return std::nullopt;
        }
        blocking_waiter w;
        std::size_t watched = 0;
        for (std::size_t k = 0; k < n; ++k) {
            ++watched;
            if (ops[order[k]]->watch(w)) {
                w.try_select(sel_aborted);
                break;
            }
            if (w.selected() != sel_waiting) {
                break;
            }
        }
        const deadline_t wake = earliest_wake(ops, n, dl);
        w.wait_until(wake);
        for (std::size_t k = 0; k < watched; ++k) {
            ops[order[k]]->unregister_op();
        }
        // Loop: the fast path above reports the ready operation (observers wake on any change).
    }
}

}  // namespace courier::detail
