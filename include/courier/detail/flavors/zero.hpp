// zero flavor: a rendezvous channel (capacity 0). A send completes only when a receiver takes the
// message; nothing is ever buffered.
//
// Algorithm: crossbeam-channel's zero flavor (and Go's unbuffered chan): a mutex guards two wait
// queues. An arriving operation first looks for a waiting partner of the other kind (a different
// thread); if one is there, it pairs with it through the partner's packet, which lives on the
// partner's stack. Otherwise it queues its own packet and waits.
//
// Packet states (one packet per waiting operation):
//   pending  -> offered   a waiting sender's message is at `src` (a blocking send offers at once;
//                         a selector's send operation offers when it is completed);
//   offered  -> taken     a receiver moved the message out of a waiting sender's packet;
//   offered  -> retry     that move threw: the message is still the sender's, which sends again;
//   pending  -> written   a sender moved the message into a waiting receiver's packet (only when
//                         T's move cannot throw: the sender does not wait for the receiver);
//   pending  -> handed    a sender gave a waiting receiver the address of its own packet (T's move
//                         may throw: the message stays with the sender until taken);
// The thread that moves a packet out of pending makes that store its last access to the packet.
#pragma once

#include <cstddef>
#include <cstdint>
#include <exception>
#include <new>
#include <optional>
#include <type_traits>
#include <utility>

#include "courier/detail/backoff.hpp"
#include "courier/detail/batch.hpp"
#include "courier/detail/config.hpp"
#include "courier/detail/memory.hpp"
#include "courier/detail/status.hpp"
#include "courier/detail/sync.hpp"
#include "courier/detail/time.hpp"
#include "courier/detail/wait/resume.hpp"
#include "courier/detail/wait/stop.hpp"
#include "courier/detail/wait/thread_waiter.hpp"
#include "courier/detail/wait/waker.hpp"

namespace courier::detail {

template <class T>
class zero_flavor {
    static constexpr bool throwing_move = !std::is_nothrow_move_constructible_v<T>;

  public:
    enum packet_state : std::uint8_t { pending, offered, written, handed, taken, retry };

    struct packet {
        T* src = nullptr;        // a waiting sender's message
        packet* peer = nullptr;  // handed: the sender's packet to take the message from
        sync::atomic<std::uint8_t> state{pending};
        alignas(T) unsigned char storage[sizeof(T)];  // written: the message itself

        COURIER_TRIVIAL T* get() noexcept { return std::launder(reinterpret_cast<T*>(storage)); }

        /// Waits until the state leaves `from` (or `from2`), returns the new state. With
        /// `resume_partner`, the coroutines queued on this thread are resumed while waiting (the
        /// partner that must act may be one of them).
        std::uint8_t wait_past(std::uint8_t from, std::uint8_t from2,
                               bool resume_partner = false) const noexcept {
            backoff b;
            for (;;) {
                // pairs with the release store of whoever completed the hand-off
                const std::uint8_t s = state.load(std::memory_order_acquire);
                if (s != from && s != from2) {
                    return s;
                }
                if (resume_partner && resumes().head != nullptr) {
                    resume_queued_now();
                } else {
                    b.snooze();
                }
            }
        }
        /// A receiver's own packet: waits for a sender's write or hand-over.
        COURIER_TRIVIAL std::uint8_t wait_filled() const noexcept {
            return wait_past(pending, pending);
        }
        /// A sender's packet: waits until a receiver took the message (or must retry).
        COURIER_TRIVIAL std::uint8_t wait_done() const noexcept {
            return wait_past(pending, offered);
        }
        /// wait_done() for a sender that handed its packet to a receiver it has just selected:
        /// if that receiver is a coroutine, it is queued on this thread (resume.hpp) and takes the
        /// message only when resumed.
        std::uint8_t wait_taken_by_partner() const noexcept {
            return wait_past(pending, offered, true);
        }

        /// A sender's message is available at `m` from now on.
        void offer(T* m) noexcept {
            src = m;
            state.store(offered, std::memory_order_release);  // pairs with wait_offered()
        }
        COURIER_TRIVIAL void wait_offered() const noexcept { wait_past(pending, pending); }
    };

    /// The partner's packet: `p == nullptr` means the channel is disconnected.
    struct token {
        packet* p = nullptr;
        COURIER_TRIVIAL bool disconnected() const noexcept { return p == nullptr; }
    };

    /// A select operation's state: the partner's packet (when it paired with a waiting partner),
    /// its own packet (queued while it waits), and whether a partner selected the own packet.
    struct select_state {
        token t;
        packet own;
        bool selected_own = false;
    };

    zero_flavor() = default;
    zero_flavor(const zero_flavor&) = delete;
    zero_flavor& operator=(const zero_flavor&) = delete;

    // ---- reserve / finish ------------------------------------------------------------------

    /// Pairs with a waiting receiver. True with token.p set (paired) or null (disconnected);
    /// false when no receiver is waiting.
    COURIER_TRIVIAL bool start_send(token& t) { return pair_with(receivers_, t); }

    /// Hands `msg` to the paired receiver. Returns op_status::ok when the receiver has it. With a
    /// throwing move, returns op_status::full when the receiver's move threw (the message is still
    /// in `msg`; the caller sends again).
    op_status write(token& t, T& msg) {
        packet* p = t.p;
        if constexpr (!throwing_move) {
            std::construct_at(p->get(), COURIER_MOVE(msg));
            // pairs with the acquire in wait_done(); last access to *p
            p->state.store(written, std::memory_order_release);
            return op_status::ok;
        } else {
            packet mine;
            mine.offer(std::addressof(msg));
            p->peer = &mine;
            p->state.store(handed, std::memory_order_release);  // last access to *p
            return mine.wait_taken_by_partner() == taken ? op_status::ok : op_status::full;
        }
    }

    /// Pairs with a waiting sender. True with token.p set (paired) or null (disconnected);
    /// false when no sender is waiting.
    COURIER_TRIVIAL bool start_recv(token& t) { return pair_with(senders_, t); }

    /// Moves the message out of the paired sender's packet through `make(T&&)`. If the move
    /// throws, the sender is told to retry and keeps its message; the exception propagates.
    template <class Make>
    auto read(token& t, Make&& make) -> decltype(static_cast<Make&&>(make)(std::declval<T&&>())) {
        t.p->wait_offered();  // a selector's send may offer its message after being selected
        take_guard g{t.p, throwing_move ? std::uncaught_exceptions() : 0};
        return static_cast<Make&&>(make)(COURIER_MOVE(*t.p->src));
    }

    // ---- blocking operations ---------------------------------------------------------------

    op_status send(T& msg, deadline& dl) {
        const resume_point resume;  // after the hand-off (resume.hpp)
        for (;;) {
            token t;
            sync::unique_lock<sync::mutex> lock(mutex_);
            selected_entry e;
            if (receivers_.try_select(&e)) {
                publish();
                lock.unlock();
                t.p = static_cast<packet*>(e.packet);
                if (write(t, msg) == op_status::ok) {
                    return op_status::ok;
                }
                continue;  // the receiver's move threw; offer the message again
            }
            if (disconnected_) {
                return op_status::disconnected;
            }
            if (dl.expired()) {
                return dl.expiry();
            }
            blocking_waiter w;
            packet mine;
            mine.offer(std::addressof(msg));
            waiter_entry entry{&w, reinterpret_cast<std::uintptr_t>(&t), &mine};
            senders_.register_op(entry);
            publish();
            receivers_.notify_observers();
            lock.unlock();
            stop_guard stop(dl, w);
            const std::uintptr_t sel = w.wait_until(dl.steady(), true);
            if (!selected_by_partner(sel)) {
                sync::lock_guard<sync::mutex> relock(mutex_);
                senders_.unregister(entry);
                publish();
                if (sel == sel_disconnected) {
                    return op_status::disconnected;
                }
                continue;  // the steady deadline fired (the loop re-checks the caller's clock) or a
                           // stop was requested: try once more, then report it
            }
            // A receiver selected us and is taking the message from `mine`.
            if (mine.wait_done() == taken) {
                return op_status::ok;
            }
            // Its move threw: the message is still ours. Try again.
        }
    }

    op_status try_send(T& msg) {
        const resume_point resume;  // after the hand-off (resume.hpp)
        token t;
        for (;;) {
            if (!start_send(t)) {
                return op_status::full;
            }
            if (t.disconnected()) {
                return op_status::disconnected;
            }
            if (write(t, msg) == op_status::ok) {
                return op_status::ok;
            }
        }
    }

    template <class Make, class Fail>
    auto recv(deadline& dl, Make&& make, Fail&& fail)
        -> decltype(static_cast<Make&&>(make)(std::declval<T&&>())) {
        const resume_point resume;  // after the hand-off (resume.hpp)
        for (;;) {
            token t;
            sync::unique_lock<sync::mutex> lock(mutex_);
            selected_entry e;
            if (senders_.try_select(&e)) {
                publish();
                lock.unlock();
                t.p = static_cast<packet*>(e.packet);
                return read(t, static_cast<Make&&>(make));
            }
            if (disconnected_) {
                return static_cast<Fail&&>(fail)(op_status::disconnected);
            }
            if (dl.expired()) {
                return static_cast<Fail&&>(fail)(dl.expiry());
            }
            blocking_waiter w;
            packet mine;
            waiter_entry entry{&w, reinterpret_cast<std::uintptr_t>(&t), &mine};
            receivers_.register_op(entry);
            publish();
            senders_.notify_observers();
            lock.unlock();
            stop_guard stop(dl, w);
            const std::uintptr_t sel = w.wait_until(dl.steady(), true);
            if (!selected_by_partner(sel)) {
                sync::lock_guard<sync::mutex> relock(mutex_);
                receivers_.unregister(entry);
                publish();
                if (sel == sel_disconnected) {
                    // Disconnected while waiting: nothing can arrive any more.
                    return static_cast<Fail&&>(fail)(op_status::disconnected);
                }
                continue;  // the steady deadline fired (the loop re-checks the caller's clock) or a
                           // stop was requested: try once more, then report it
            }
            return take_from_own(mine, static_cast<Make&&>(make));
        }
    }

    /// A batch receive: one try_recv per message (batch.hpp).
    template <class Sink>
    std::size_t try_recv_many(Sink& sink, std::size_t max, op_status& st, bool = false) {
        return recv_each<T>(*this, sink, max, st);
    }

    template <class Make, class Fail>
    auto try_recv(Make&& make, Fail&& fail)
        -> decltype(static_cast<Make&&>(make)(std::declval<T&&>())) {
        const resume_point resume;  // after the hand-off (resume.hpp)
        token t;
        if (!start_recv(t)) {
            return static_cast<Fail&&>(fail)(op_status::empty);
        }
        if (t.disconnected()) {
            return static_cast<Fail&&>(fail)(op_status::disconnected);
        }
        return read(t, static_cast<Make&&>(make));
    }

    // ---- disconnection ----------------------------------------------------------------------

    bool disconnect() {
        const resume_point resume;  // after the lock is released (resume.hpp)
        sync::lock_guard<sync::mutex> lock(mutex_);
        if (disconnected_) {
            return false;
        }
        disconnected_ = true;
        publish();
        COURIER_PERTURB();
        senders_.disconnect();
        receivers_.disconnect();
        return true;
    }

    COURIER_TRIVIAL bool disconnect_receivers() { return disconnect(); }

    // ---- snapshots ----------------------------------------------------------------------------

    bool is_disconnected() const {
        sync::lock_guard<sync::mutex> lock(mutex_);
        return disconnected_;
    }
    COURIER_TRIVIAL std::size_t len() const noexcept { return 0; }
    COURIER_TRIVIAL bool is_empty() const noexcept { return true; }
    COURIER_TRIVIAL bool is_full() const noexcept { return true; }
    COURIER_TRIVIAL std::optional<std::size_t> capacity() const noexcept { return std::size_t{0}; }

    /// Completes a receive whose own packet a sender has filled (after a selection). If the move
    /// throws (only when the sender handed its packet over), the sender keeps its message and sends
    /// again; the exception propagates.
    template <class Make>
    auto take_from_own(packet& mine, Make&& make)
        -> decltype(static_cast<Make&&>(make)(std::declval<T&&>())) {
        const std::uint8_t s = mine.wait_filled();
        if constexpr (!throwing_move) {
            static_cast<void>(s);
            own_guard g{&mine};
            return static_cast<Make&&>(make)(COURIER_MOVE(*mine.get()));
        } else {
            // handed: take the message from the sender's packet.
            static_cast<void>(s);
            token t{mine.peer};
            return read(t, static_cast<Make&&>(make));
        }
    }

    // ---- select verbs (select_ops.hpp) ------------------------------------------------------
    // A select operation either pairs with a partner that is waiting already (try), or queues its
    // own packet and is selected by a partner (register, then accept): the partner has paired
    // with the own packet, so the operation completes through it.

    template <class Side>
    op_status select_try(Side side, select_state& s) {
        s.selected_own = false;
        if (!pair_with(partners(side), s.t)) {
            return not_ready(side);
        }
        return s.t.disconnected() ? op_status::disconnected : op_status::ok;
    }
    /// Queues the own packet (a send offers `value` at once when the select has it); true, and
    /// nothing queued, if a partner is waiting already or the channel is disconnected.
    template <class Side>
    bool select_register(Side side, select_state& s, waiter_entry& e, T* value) {
        s.own.src = nullptr;
        s.own.peer = nullptr;
        s.own.state.store(pending, std::memory_order_relaxed);
        if (value != nullptr) {
            s.own.offer(value);
        }
        e.packet = &s.own;
        return enqueue(side, e, false);
    }
    template <class Side>
    void select_unregister(Side side, waiter_entry& e) {
        sync::lock_guard<sync::mutex> lock(mutex_);
        own_queue(side).unregister(e);
        publish();
    }
    /// A partner paired with the own packet: a receiver waits for the message, or a sender is
    /// filling the packet.
    template <class Side>
    op_status select_accept(Side, select_state& s) noexcept {
        s.selected_own = true;
        return op_status::ok;
    }
    /// Selected, but the waiting operation is gone (a destroyed coroutine): the partner paired
    /// with the own packet already, so finish its hand-off. A send waits until the receiver has
    /// taken the message (or must retry: the message was not delivered); a receive takes the
    /// message the sender handed over and destroys it, as a dropped receiver would.
    COURIER_TRIVIAL void select_abandon(send_side, select_state& s) noexcept { s.own.wait_done(); }
    void select_abandon(recv_side, select_state& s) noexcept {
        take_from_own(s.own, [](T&&) noexcept { return 0; });
    }
    template <class Side>
    bool ready(Side side) {
        sync::lock_guard<sync::mutex> lock(mutex_);
        return partners(side).can_select() || disconnected_;
    }
    template <class Side>
    bool select_watch(Side side, waiter_entry& e) {
        return enqueue(side, e, true);
    }
    /// ok when a receiver has the message; full when its move threw (the message is still in
    /// `v`; the select runs again).
    op_status select_complete(send_side, select_state& s, T& v) {
        if (!s.selected_own) {
            return write(s.t, v);
        }
        s.selected_own = false;
        if (s.own.src == nullptr) {
            s.own.offer(std::addressof(v));
        }
        return s.own.wait_done() == taken ? op_status::ok : op_status::full;
    }
    template <class Make>
    auto select_complete(recv_side, select_state& s, Make&& make)
        -> decltype(static_cast<Make&&>(make)(std::declval<T&&>())) {
        if (!s.selected_own) {
            return read(s.t, static_cast<Make&&>(make));
        }
        s.selected_own = false;
        return take_from_own(s.own, static_cast<Make&&>(make));
    }

    COURIER_TRIVIAL deadline_t next_due() const noexcept { return no_deadline; }

  private:
    // Tells a sender whose message we moved (or failed to move) what happened. Last access.
    struct take_guard {
        packet* p;
        int exceptions;
        ~take_guard() {
            const bool threw = throwing_move && std::uncaught_exceptions() > exceptions;
            p->state.store(threw ? retry : taken, std::memory_order_release);
        }
    };

    // Destroys the moved-from message a sender wrote into our own packet.
    struct own_guard {
        packet* p;
        ~own_guard() { std::destroy_at(p->get()); }
    };

    // The queue of the side's own waiting operations, and of its partners'.
    COURIER_TRIVIAL waker& own_queue(send_side) noexcept { return senders_; }
    COURIER_TRIVIAL waker& own_queue(recv_side) noexcept { return receivers_; }
    COURIER_TRIVIAL waker& partners(send_side) noexcept { return receivers_; }
    COURIER_TRIVIAL waker& partners(recv_side) noexcept { return senders_; }

    // Pairs with the first waiting operation on `queue`: true with t.p set to its packet, or with
    // t.p null when the channel is disconnected; false when no partner is waiting.
    bool pair_with(waker& queue, token& t) {
        if ((queued_.load(std::memory_order_relaxed) & (bit_of(queue) | disconnected_bit)) == 0) {
            return false;  // nobody to pair with: no lock (see queued_)
        }
        sync::lock_guard<sync::mutex> lock(mutex_);
        selected_entry e;
        if (queue.try_select(&e)) {
            publish();
            t.p = static_cast<packet*>(e.packet);
            return true;
        }
        if (disconnected_) {
            t.p = nullptr;
            return true;
        }
        return false;
    }

    // Queues `e` on the side's own queue (to be paired, or as a watcher); true if a partner is
    // waiting already or the channel is disconnected.
    template <class Side>
    bool enqueue(Side side, waiter_entry& e, bool watcher) {
        sync::lock_guard<sync::mutex> lock(mutex_);
        if (watcher) {
            own_queue(side).watch(e);
            return partners(side).can_select() || disconnected_;
        }
        // Ready already: not queued at all, so that nobody can have seen the entry once the lock
        // is released (a suspended coroutine's partner may be resuming it from then on).
        if (partners(side).can_select() || disconnected_) {
            return true;
        }
        own_queue(side).register_op(e);
        publish();
        partners(side).notify_observers();
        return false;
    }

    static constexpr std::uint8_t senders_bit = 1;
    static constexpr std::uint8_t receivers_bit = 2;
    static constexpr std::uint8_t disconnected_bit = 4;
    COURIER_TRIVIAL std::uint8_t bit_of(const waker& queue) const noexcept {
        return &queue == &senders_ ? senders_bit : receivers_bit;
    }

    // Under mutex_, after every change of a waiting list or of disconnected_: refreshes queued_.
    COURIER_TRIVIAL void publish() noexcept {
        queued_.store(static_cast<std::uint8_t>((senders_.has_selectors() ? senders_bit : 0) |
                                                (receivers_.has_selectors() ? receivers_bit : 0) |
                                                (disconnected_ ? disconnected_bit : 0)),
                      std::memory_order_relaxed);
    }

    mutable sync::mutex mutex_;
    waker senders_;
    waker receivers_;
    bool disconnected_ = false;
    // Which waiting lists hold an operation to pair with, and whether the channel is disconnected,
    // readable without the lock (Go's lock-free check of a non-blocking operation on an empty
    // channel): a try that finds neither its partners' bit nor the disconnected bit fails without
    // taking the lock. That is exact, not a guess: the bits are written under the lock with every
    // change, so a registration or disconnection that happened before the try is seen (coherence
    // orders the load after the store), and one that did not is ordered after the try. Every wait
    // registers under the lock and checks again there, so a failed try never loses a wake-up.
    sync::atomic<std::uint8_t> queued_{0};
};

}  // namespace courier::detail
