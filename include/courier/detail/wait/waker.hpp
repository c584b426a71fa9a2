// waker: the queue of operations blocked on one side of one channel.
//
// Entries are intrusive: a waiter_entry lives in the waiting operation's frame next to its waiter,
// so registering allocates nothing. The waker knows waiters only through waiter.hpp's interface
// (select, hand over a packet, wake), never how they sleep. Two lists:
//   selectors  operations waiting to be paired (a blocked send, recv, or a select arm); a notify
//              selects the first one whose waiter is still waiting, in FIFO order;
//   observers  select's ready() watchers: woken on every notify, never paired.
// A waker is not thread-safe; sync_waker wraps it in a spin lock whose byte also says whether an
// entry is queued, so that the common notify with nobody waiting costs one load and no lock
// (crossbeam-channel's SyncWaker).
//
// Ownership rule (see waiter.hpp): the thread that wins an entry's waiter unlinks the entry,
// copies what it needs from it, and calls wake() last; after that the entry may be gone.
// Entries selected by disconnect() stay linked; their owners unregister them after waking.
#pragma once

#include <cstddef>
#include <cstdint>

#include "courier/detail/backoff.hpp"
#include "courier/detail/config.hpp"
#include "courier/detail/sync.hpp"
#include "courier/detail/wait/resume.hpp"
#include "courier/detail/wait/waiter.hpp"

namespace courier::detail {

struct waiter_entry {
    waiter* w = nullptr;
    std::uintptr_t oper = 0;  // the operation id the waiter is selected with
    void* packet = nullptr;   // handed to the waiter of whoever pairs with this entry
    waiter_entry* prev = nullptr;
    waiter_entry* next = nullptr;
    bool linked = false;
    bool observer = false;  // queued in the observers list (select's ready()) rather than selectors
};

/// What a notifier learned from the entry it selected (the entry itself may be gone by then).
struct selected_entry {
    std::uintptr_t oper = 0;
    void* packet = nullptr;
};

class waker {
  public:
    struct list {
        waiter_entry* head = nullptr;
        waiter_entry* tail = nullptr;

        COURIER_TRIVIAL bool empty() const noexcept { return head == nullptr; }

        void push_back(waiter_entry& e) noexcept {
            e.prev = tail;
            e.next = nullptr;
            e.linked = true;
            if (tail != nullptr) {
                tail->next = &e;
            } else {
                head = &e;
            }
            tail = &e;
        }

        void unlink(waiter_entry& e) noexcept {
            (e.prev != nullptr ? e.prev->next : head) = e.next;
            (e.next != nullptr ? e.next->prev : tail) = e.prev;
            e.prev = e.next = nullptr;
            e.linked = false;
        }
    };

    void register_op(waiter_entry& e) noexcept {
        e.observer = false;
        selectors_.push_back(e);
    }
    void watch(waiter_entry& e) noexcept {
        e.observer = true;
        observers_.push_back(e);
    }

    /// Removes `e` if it is still queued (in either list); true if it was.
    bool unregister(waiter_entry& e) noexcept {
        if (!e.linked) {
            return false;
        }
        (e.observer ? observers_ : selectors_).unlink(e);
        return true;
    }

    /// Pairs with the first waiting operation of another thread: selects its waiter with the
    /// entry's operation id, hands over the entry's packet, unlinks it and wakes it.
    bool try_select(selected_entry* out = nullptr) noexcept {
        const std::uintptr_t me = acting_owner();
        for (waiter_entry* e = selectors_.head; e != nullptr; e = e->next) {
            waiter* w = e->w;
            if (w->owner() == me || !w->try_select(e->oper)) {
                continue;
            }
            w->store_packet(e->packet);
            if (out != nullptr) {
                *out = selected_entry{e->oper, e->packet};
            }
            selectors_.unlink(*e);
            COURIER_PERTURB();
            w->wake();  // last access to *e and *w
            return true;
        }
        return false;
    }

    /// True if some operation of another thread is waiting and could be paired now.
    bool can_select() const noexcept {
        const std::uintptr_t me = acting_owner();
        for (const waiter_entry* e = selectors_.head; e != nullptr; e = e->next) {
            if (e->w->owner() != me && e->w->selected() == sel_waiting) {
                return true;
            }
        }
        return false;
    }

    /// Wakes every observer (select's ready()); each is selected with its own operation id.
    void notify_observers() noexcept {
        while (waiter_entry* e = observers_.head) {
            waiter* w = e->w;
            const std::uintptr_t oper = e->oper;
            observers_.unlink(*e);
            if (w->try_select(oper)) {
                w->wake();  // last access to *e and *w
            }
        }
    }

    /// The channel disconnected: every waiting operation is selected as disconnected and woken.
    /// Their entries stay queued; each owner unregisters its own after waking.
    void disconnect() noexcept {
        for (waiter_entry* e = selectors_.head; e != nullptr;) {
            waiter_entry* next = e->next;  // read before the owner can run
            if (e->w->try_select(sel_disconnected)) {
                COURIER_PERTURB();
                e->w->wake();
            }
            e = next;
        }
        notify_observers();
    }

    COURIER_TRIVIAL bool empty() const noexcept { return selectors_.empty() && observers_.empty(); }
    /// Whether an operation is queued to be paired (observers aside).
    COURIER_TRIVIAL bool has_selectors() const noexcept { return !selectors_.empty(); }

  private:
    list selectors_;
    list observers_;
};

/// A waker behind a lock, with a lock-free check for the common case of nobody waiting
/// (crossbeam-channel's SyncWaker, which also guards its waker with a spin lock).
///
/// The lock and the flag that says somebody is queued share one atomic byte, state_:
///   locked_bit  a thread is inside. Taken by a CAS, released by a plain release store: the
///               critical sections are a few pointer updates and wake-ups, far shorter than a
///               sleep and a wake-up through the kernel, so a thread that finds it taken spins a
///               little and then yields the processor (backoff::snooze) rather than sleeping.
///   queued_bit  inner_ holds an entry. Changed only by the holder of the lock: set by the CAS
///               that takes the lock to register, rewritten by the store that releases it.
/// A registration therefore costs one atomic read-modify-write (its CAS takes the lock and
/// publishes the queued bit: the seq_cst half of the Dekker pair with notify()), a notify that
/// finds somebody one more, and a notify that finds nobody one load. A std::mutex beside a
/// separate flag would take three per critical section (lock, flag, unlock).
class sync_waker {
  public:
    void register_op(waiter_entry& e) noexcept {
        // seq_cst: the CAS that publishes queued_bit is ordered before the registering thread's
        // re-check of the channel state, and the notifier's load in notify() after its own state
        // change (a Dekker pair).
        lock(queued_bit, std::memory_order_seq_cst);
        inner_.register_op(e);
        unlock();
    }

    /// register_op(), unless `ready()` - the registering operation's re-check of the channel,
    /// made under the lock - says the operation can proceed already: then `e` is taken out again
    /// before the lock is released, so that nobody saw it, and the result is true. Nothing of the
    /// channel is touched after the release store that publishes a registration: a suspended
    /// coroutine's partner may be resuming it (and ending the channel) from then on.
    template <class Ready>
    bool register_unless(waiter_entry& e, Ready&& ready) noexcept {
        lock(queued_bit, std::memory_order_seq_cst);  // seq_cst: as in register_op()
        inner_.register_op(e);
        const bool is_ready = ready();
        if (is_ready) {
            inner_.unregister(e);
        }
        unlock();
        return is_ready;
    }

    void watch(waiter_entry& e) noexcept {
        lock(queued_bit, std::memory_order_seq_cst);  // seq_cst: as in register_op()
        inner_.watch(e);
        unlock();
    }

    /// Removes `e` if it is still queued; true if it was.
    bool unregister(waiter_entry& e) noexcept {
        lock(0, std::memory_order_acquire);
        const bool was_linked = inner_.unregister(e);
        unlock();
        return was_linked;
    }

    /// Wakes one waiting operation of another thread, and every observer.
    COURIER_HOT void notify() noexcept {
        // seq_cst: see register_op(); the caller's state change precedes this load.
        if ((state_.load(std::memory_order_seq_cst) & queued_bit) == 0) {
            return;
        }
        notify_slow();
    }

    /// Wakes up to `n` waiting operations of other threads, and every observer, under one lock:
    /// a batch that freed `n` slots wakes the senders that can use them at once.
    void notify_many(std::size_t n) noexcept {
        // seq_cst: as in notify().
        if ((state_.load(std::memory_order_seq_cst) & queued_bit) == 0) {
            return;
        }
        notify_slow(n);
    }

    void disconnect() noexcept {
        lock(0, std::memory_order_acquire);
        inner_.disconnect();
        unlock();
        resume_queued();  // see notify_slow()
    }

  private:
    static constexpr std::uint8_t locked_bit = 1;
    static constexpr std::uint8_t queued_bit = 2;

    /// Takes the lock, setting `also` in the same CAS (`order` on success).
    void lock(std::uint8_t also, std::memory_order order) noexcept {
#if defined(COURIER_SYNC_POLICY_HEADER)
        turn_.lock();
#endif
        std::uint8_t s = state_.load(std::memory_order_relaxed);
        backoff b;
        for (;;) {
            if ((s & locked_bit) == 0) {
                if (state_.compare_exchange_strong(s,
                                                   static_cast<std::uint8_t>(s | locked_bit | also),
                                                   order, std::memory_order_relaxed)) {
                    return;
                }
                continue;  // lost to another thread: `s` is fresh
            }
            b.snooze();
            s = state_.load(std::memory_order_relaxed);
        }
    }

    /// Releases the lock; queued_bit says again whether inner_ holds an entry.
    void unlock() noexcept {
        // release: the next holder (its acquiring CAS) sees this one's changes to inner_.
        state_.store(inner_.empty() ? std::uint8_t{0} : queued_bit, std::memory_order_release);
#if defined(COURIER_SYNC_POLICY_HEADER)
        turn_.unlock();
#endif
    }

    // The queue flavors notify when their operation is complete (the message published, the slot
    // freed), so the coroutines woken here are resumed right after the lock is released
    // (wait/resume.hpp): nothing of the operation is left to finish. A thread that was not waiting
    // pays for this check only here, never on the fast path.
    COURIER_COLD void notify_slow(std::size_t n = 1) noexcept {
        lock(0, std::memory_order_acquire);
        for (std::size_t i = 0; i < n && inner_.try_select(); ++i) {
        }
        inner_.notify_observers();
        unlock();
        resume_queued();
    }

    waker inner_;
    sync::atomic<std::uint8_t> state_{0};
#if defined(COURIER_SYNC_POLICY_HEADER)
    // The model checker: holders also take turns on its blocking mutex, so that a thread that
    // finds the lock taken sleeps instead of spinning (each look would be a scheduling point its
    // exhaustive searches explore). The byte's protocol - the CAS that publishes queued_bit, the
    // release store, notify()'s lock-free load - is checked unchanged.
    sync::mutex turn_;
#endif
};

}  // namespace courier::detail
