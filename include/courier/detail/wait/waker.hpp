// waker: the queue of operations blocked on one side of one channel.
//
// Entries are intrusive: a waiter_entry lives in the waiting operation's frame next to its waiter,
// so registering allocates nothing. The waker knows waiters only through waiter.hpp's interface
// (select, hand over a packet, wake), never how they sleep. Two lists:
//   selectors  operations waiting to be paired (a blocked send, recv, or a select arm); a notify
//              selects the first one whose waiter is still waiting, in FIFO order;
//   observers  select's ready() watchers: woken on every notify, never paired.
// A waker is not thread-safe; sync_waker wraps it in a mutex and keeps an `is_empty` flag so that
// the common notify with nobody waiting costs one load and no lock (crossbeam-channel's SyncWaker).
//
// Ownership rule (see waiter.hpp): the thread that wins an entry's waiter unlinks the entry,
// copies what it needs from it, and calls wake() last; after that the entry may be gone.
// Entries selected by disconnect() stay linked; their owners unregister them after waking.
#pragma once

#include <cstddef>
#include <cstdint>

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

/// A waker behind a mutex, with a lock-free check for the common case of nobody waiting.
class sync_waker {
  public:
    void register_op(waiter_entry& e) {
        sync::lock_guard<sync::mutex> lock(mutex_);
        inner_.register_op(e);
        // seq_cst: ordered before the registering thread's re-check of the channel state, and
        // the notifier's load in notify() is ordered after its own state change (a Dekker pair).
        is_empty_.store(false, std::memory_order_seq_cst);
    }

    void watch(waiter_entry& e) {
        sync::lock_guard<sync::mutex> lock(mutex_);
        inner_.watch(e);
        is_empty_.store(false, std::memory_order_seq_cst);
    }

    bool unregister(waiter_entry& e) {
        sync::lock_guard<sync::mutex> lock(mutex_);
        const bool was_linked = inner_.unregister(e);
        is_empty_.store(inner_.empty(), std::memory_order_seq_cst);
        return was_linked;
    }

    /// Wakes one waiting operation of another thread, and every observer.
    COURIER_HOT void notify() {
        // seq_cst: see register_op(); the caller's state change precedes this load.
        if (is_empty_.load(std::memory_order_seq_cst)) {
            return;
        }
        notify_slow();
    }

    /// Wakes up to `n` waiting operations of other threads, and every observer, under one lock:
    /// a batch that freed `n` slots wakes the senders that can use them at once.
    void notify_many(std::size_t n) {
        // seq_cst: as in notify().
        if (is_empty_.load(std::memory_order_seq_cst)) {
            return;
        }
        notify_slow(n);
    }

    void disconnect() {
        {
            sync::lock_guard<sync::mutex> lock(mutex_);
            inner_.disconnect();
            is_empty_.store(inner_.empty(), std::memory_order_seq_cst);
        }
        resume_queued();  // see notify_slow()
    }

  private:
    // The queue flavors notify when their operation is complete (the message published, the slot
    // freed), so the coroutines woken here are resumed right after the lock is released
    // (wait/resume.hpp): nothing of the operation is left to finish. A thread that was not waiting
    // pays for this check only here, never on the fast path.
    COURIER_COLD void notify_slow(std::size_t n = 1) {
        {
            sync::lock_guard<sync::mutex> lock(mutex_);
            if (!is_empty_.load(std::memory_order_relaxed)) {
                for (std::size_t i = 0; i < n && inner_.try_select(); ++i) {
                }
                inner_.notify_observers();
                is_empty_.store(inner_.empty(), std::memory_order_seq_cst);
            }
        }
        resume_queued();
    }

    sync::mutex mutex_;
    waker inner_;
    sync::atomic<bool> is_empty_{true};
};

}  // namespace courier::detail
