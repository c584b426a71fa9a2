// queue_flavor: what the two queue flavors (array, list) share, written once. A queue flavor
// provides the reservations (start_send, start_recv), what is done with a reserved slot
// (place_of, publish_write, abandon_write; message_of, finish_read, recover), snapshots (is_full,
// is_empty, is_disconnected) and one sync_waker per side (senders(), receivers()); this base turns
// them into write and read, and into the flavor interface every flavor offers the channel
// (channel.hpp):
//   send, try_send, recv, try_recv         the operations, blocking or not;
//   try_recv_many                          a batch receive (recv_run: the flavor's run claim);
//   disconnect, disconnect_receivers       the two ends of a channel's life;
//   select_try, select_register, select_unregister, select_accept, ready, select_watch,
//   select_complete, next_due              the select verbs (select_ops.hpp), each taking the
//                                          side (send_side / recv_side) first.
// A queue flavor adds mark_disconnected() and discard_all_messages() for the two disconnects.
//
// Blocking (a send that finds the queue full, a receive that finds it empty): try with a short
// backoff, else register with the side's waker, re-check, and wait until a partner frees a slot
// or publishes a message, the channel disconnects, or the deadline passes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <exception>
#include <optional>
#include <type_traits>
#include <utility>

#include "courier/detail/backoff.hpp"
#include "courier/detail/config.hpp"
#include "courier/detail/memory.hpp"
#include "courier/detail/status.hpp"
#include "courier/detail/time.hpp"
#include "courier/detail/wait/stop.hpp"
#include "courier/detail/wait/thread_waiter.hpp"
#include "courier/detail/wait/waker.hpp"

namespace courier::detail {

/// A select operation's state on a queue flavor: the reservation.
template <class Token>
struct queue_select_state {
    Token t;
};

template <class Derived, class T>
class queue_flavor {
    static constexpr bool throwing_move = !std::is_nothrow_move_constructible_v<T>;

  public:
    // ---- finishing a reservation --------------------------------------------------------------

    /// Moves `msg` into the reserved slot and publishes it. If the move throws, the flavor's
    /// abandon_write() gives the slot back or leaves it as a hole that receivers skip, and the
    /// exception propagates (the message is still in `msg`).
    template <class Token>
    COURIER_HOT void write(Token& t, T& msg) {
        T* place = Derived::place_of(t);
        if constexpr (throwing_move) {
            try {
                std::construct_at(place, COURIER_MOVE(msg));
            } catch (...) {
                self().abandon_write(t);
                throw;
            }
        } else {
            std::construct_at(place, COURIER_MOVE(msg));
        }
        COURIER_PERTURB();
        self().publish_write(t);
        self().receivers().notify();
    }

    /// Moves the reserved message out through `make(T&&)` and returns what `make` returns (one
    /// move from the slot into the caller's result). If that move throws, the message stays in
    /// its slot, which the flavor queues for recovery (recover()); the exception propagates.
    template <class Token, class Make>
    COURIER_HOT auto read(Token& t, Make&& make)
        -> decltype(static_cast<Make&&>(make)(std::declval<T&&>())) {
        T* message = Derived::message_of(t);
        read_guard<Token> g{this, t, throwing_move ? std::uncaught_exceptions() : 0};
        return static_cast<Make&&>(make)(COURIER_MOVE(*message));
    }

    // ---- operations -------------------------------------------------------------------------

    COURIER_HOT op_status try_send(T& msg) {
        typename Derived::token t;
        if (!self().start_send(t)) {
            return op_status::full;
        }
        if (t.disconnected()) {
            return op_status::disconnected;
        }
        self().write(t, msg);
        return op_status::ok;
    }

    /// send_wait() with its first attempt inline: a send that finds room costs no call. A flavor
    /// that is never full (Derived::never_full, the list) has no waiting send at all.
    COURIER_HOT op_status send(T& msg, [[maybe_unused]] deadline& dl) {
        const op_status s = try_send(msg);
        if constexpr (Derived::never_full) {
            return s;
        } else {
            return s != op_status::full ? s : send_wait(msg, dl);
        }
    }

    template <class Make, class Fail>
    COURIER_HOT auto try_recv(Make&& make, Fail&& fail)
        -> decltype(std::declval<Make&>()(std::declval<T&&>())) {
        typename Derived::token t;
        if (!reserve_recv(t)) {
            return static_cast<Fail&&>(fail)(op_status::empty);
        }
        if (t.disconnected()) {
            return static_cast<Fail&&>(fail)(op_status::disconnected);
        }
        return self().read(t, static_cast<Make&&>(make));
    }

    /// recv_wait() with its first attempt inline: a receive that finds a message costs no call.
    template <class Make, class Fail>
    COURIER_HOT auto recv(deadline& dl, Make&& make, Fail&& fail)
        -> decltype(std::declval<Make&>()(std::declval<T&&>())) {
        typename Derived::token t;
        if (reserve_recv(t)) {
            if (t.disconnected()) {
                return static_cast<Fail&&>(fail)(op_status::disconnected);
            }
            return self().read(t, static_cast<Make&&>(make));
        }
        return recv_wait(dl, static_cast<Make&&>(make), static_cast<Fail&&>(fail));
    }

    /// Takes up to `max` messages that can be received now, oldest first, into `sink`
    /// (batch.hpp). Returns how many, with `st` = ok; or 0 with `st` = empty or disconnected.
    /// When neither T's move nor the sink can throw, the flavor claims a run of messages in one
    /// step and wakes blocked senders once per run (recv_run); otherwise messages are taken one at
    /// a time, so that a throw strands nothing: the message being put is recovered (T's move may
    /// throw) or destroyed (the sink threw), and the rest stay in the channel. `gather` (a
    /// blocking recv_many): a run that finds fewer messages than it could take while more are
    /// being sent waits briefly for them (gather_wait in backoff.hpp).
    template <class Sink>
    std::size_t try_recv_many(Sink& sink, std::size_t max, op_status& st, bool gather = false) {
        std::size_t n = 0;
        st = op_status::ok;
        while (n < max) {
            if constexpr (!throwing_move && Sink::nothrow_put) {
                const std::size_t k = self().recv_run(sink, max - n, gather);
                if (k != 0) {
                    n += k;
                    continue;
                }
            }
            sink.prepare(1);
            typename Derived::token t;
            if (!reserve_recv(t)) {
                st = n != 0 ? op_status::ok : op_status::empty;
                break;
            }
            if (t.disconnected()) {
                st = n != 0 ? op_status::ok : op_status::disconnected;
                break;
            }
            self().read(t, [&sink](T&& v) { sink.put(COURIER_MOVE(v)); });
            ++n;
        }
        return n;
    }

    // ---- select verbs (select_ops.hpp), for either side ---------------------------------------

    /// Reserves if the operation can proceed now: ok (reserved), full / empty, or disconnected.
    template <class Side, class State>
    op_status select_try(Side side, State& s) {
        if (!start(side, s.t)) {
            return not_ready(side);
        }
        return s.t.disconnected() ? op_status::disconnected : op_status::ok;
    }
    /// Queues `e` with the side's waker; true (and `e` not queued) if the operation could
    /// proceed already.
    template <class Side, class State>
    bool select_register(Side side, State&, waiter_entry& e, T*) {
        return side_waker(side).register_unless(e, [&]() noexcept { return ready(side); });
    }
    /// Takes `e` out of the side's waker (registered or watching).
    template <class Side>
    void select_unregister(Side side, waiter_entry& e) {
        side_waker(side).unregister(e);
    }
    /// Selected by a partner that made room or published a message: reserve it (another
    /// operation of the same side may be faster).
    template <class Side, class State>
    op_status select_accept(Side side, State& s) {
        return select_try(side, s);
    }
    /// Selected, but the waiting operation is gone (a destroyed coroutine): pass the wake-up on
    /// to the next operation waiting on the same side, so that the room or the message it
    /// announced is not left unnoticed.
    template <class Side, class State>
    void select_abandon(Side side, State&) noexcept {
        side_waker(side).notify();
    }
    COURIER_TRIVIAL bool ready(send_side) const {
        return !self().is_full() || self().is_disconnected();
    }
    COURIER_TRIVIAL bool ready(recv_side) const {
        return !self().is_empty() || self().is_disconnected();
    }
    /// Queues `e` as an observer of the side; true if the operation could proceed already.
    template <class Side>
    bool select_watch(Side side, waiter_entry& e) {
        side_waker(side).watch(e);
        return ready(side);
    }
    /// Finishes the reserved send: writes `v`.
    template <class State>
    op_status select_complete(send_side, State& s, T& v) {
        self().write(s.t, v);
        return op_status::ok;
    }
    /// Finishes the reserved receive: make(T&&) with the message.
    template <class State, class Make>
    auto select_complete(recv_side, State& s, Make&& make)
        -> decltype(std::declval<Make&>()(std::declval<T&&>())) {
        return self().read(s.t, static_cast<Make&&>(make));
    }

    /// Sets the disconnect mark; true if this call set it. Wakes every waiting operation.
    bool disconnect() {
        const bool first = self().mark_disconnected();
        COURIER_PERTURB();
        if (first) {
            self().senders().disconnect();
            self().receivers().disconnect();
        }
        return first;
    }

    /// The last receiver is gone: disconnect, then destroy every buffered message before
    /// returning (including messages of sends that reserved before the disconnect, mid-write).
    bool disconnect_receivers() {
        const bool first = disconnect();
        self().discard_all_messages();
        return first;
    }

    /// Queue flavors have no time of their own at which a receive becomes ready.
    COURIER_TRIVIAL deadline_t next_due() const noexcept { return no_deadline; }

  protected:
    queue_flavor() = default;
    ~queue_flavor() = default;

    // ---- recovery (only a T whose move may throw) ---------------------------------------------
    // A read whose move threw leaves its message in the slot; the slot goes to the flavor's
    // recovery queue (recovery.hpp) and the next reservation of any receiver takes it first, so
    // the message is neither lost nor reordered. The flavor records in the slot what it takes to
    // read it again (recovery_slot) and rebuilds the token from it (recovered_token).

    /// Reserves the oldest message: a recovered slot first, else the flavor's start_recv().
    template <class Token>
    COURIER_HOT bool reserve_recv(Token& t) noexcept {
        if constexpr (throwing_move) {
            if (take_recovered(t)) {
                return true;
            }
        }
        return self().start_recv(t);
    }

    template <class Token>
    void recover(const Token& t) noexcept {
        if constexpr (throwing_move) {
            self().recovery().push(self().recovery_slot(t));
            self().receivers().notify();
        }
    }

    template <class Token>
    bool take_recovered(Token& t) noexcept {
        if constexpr (throwing_move) {
            auto* s = self().recovery().pop();
            if (s == nullptr) {
                return false;
            }
            Derived::recovered_token(*s, t);
            return true;
        } else {
            static_cast<void>(t);
            return false;
        }
    }

    /// Destroys the messages waiting for recovery (the channel is going away).
    void discard_recovered() noexcept {
        if constexpr (throwing_move) {
            typename Derived::token t;
            while (take_recovered(t)) {
                self().finish_read(t);
            }
        }
    }

  private:
    // Ends a read: frees the slot (finish_read), or, when the move threw, has it recovered.
    template <class Token>
    struct read_guard {
        queue_flavor* q;
        Token t;
        int exceptions;
        COURIER_HOT ~read_guard() {
            if constexpr (throwing_move) {
                if (std::uncaught_exceptions() > exceptions) {
                    q->recover(t);
                    return;
                }
            }
            q->self().finish_read(t);
        }
    };

    COURIER_TRIVIAL Derived& self() noexcept { return static_cast<Derived&>(*this); }
    COURIER_TRIVIAL const Derived& self() const noexcept {
        return static_cast<const Derived&>(*this);
    }

    template <class Token>
    bool start(send_side, Token& t) {
        return self().start_send(t);
    }
    template <class Token>
    bool start(recv_side, Token& t) {
        return reserve_recv(t);
    }
    COURIER_TRIVIAL sync_waker& side_waker(send_side) noexcept { return self().senders(); }
    COURIER_TRIVIAL sync_waker& side_waker(recv_side) noexcept { return self().receivers(); }

    COURIER_NOINLINE op_status send_wait(T& msg, deadline& dl) {
        typename Derived::token t;
        for (;;) {
            for (backoff b;; b.snooze()) {
                if (self().start_send(t)) {
                    if (t.disconnected()) {
                        return op_status::disconnected;
                    }
                    self().write(t, msg);
                    return op_status::ok;
                }
                if (b.completed()) {
                    break;
                }
            }
            if (dl.expired()) {
                return dl.expiry();
            }
            wait_for_partner(send_side{}, dl, &t);
        }
    }

    template <class Make, class Fail>
    COURIER_NOINLINE auto recv_wait(deadline& dl, Make&& make, Fail&& fail)
        -> decltype(std::declval<Make&>()(std::declval<T&&>())) {
        typename Derived::token t;
        for (;;) {
            for (backoff b;; b.snooze()) {
                if (reserve_recv(t)) {
                    if (t.disconnected()) {
                        return static_cast<Fail&&>(fail)(op_status::disconnected);
                    }
                    return self().read(t, static_cast<Make&&>(make));
                }
                if (b.completed()) {
                    break;
                }
            }
            if (dl.expired()) {
                return static_cast<Fail&&>(fail)(dl.expiry());
            }
            wait_for_partner(recv_side{}, dl, &t);
        }
    }

    // Registers with the side's waker, re-checks, and waits until a partner selects us, the
    // channel disconnects, `dl` passes or a stop is requested; the caller then tries again.
    template <class Side>
    void wait_for_partner(Side side, deadline& dl, void* token) {
        sync_waker& waker = side_waker(side);
        blocking_waiter w;
        waiter_entry entry{&w, reinterpret_cast<std::uintptr_t>(token), nullptr};
        waker.register_op(entry);
        COURIER_PERTURB();
        // Re-check after registering: a partner that changed the queue before it could see us
        // would not have woken us (the seq_cst pair is described in waker.hpp).
        if (ready(side)) {
            w.try_select(sel_aborted);
        }
        stop_guard stop(dl, w);
        const std::uintptr_t sel = w.wait_until(dl.steady(), true);
        if (!selected_by_partner(sel)) {
            waker.unregister(entry);
        }
        // Selected by a partner: the entry was unlinked by it.
    }
};

}  // namespace courier::detail
