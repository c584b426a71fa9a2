// async_waiter: a waiter (waiter.hpp) for a suspended coroutine, beside thread_waiter. The waker
// sees it as any waiter: select it, hand it a packet, wake() it. What differs is what wake() does:
// it never resumes the coroutine on the spot (the waking thread is inside courier then, holding a
// lock or half-way through a hand-off); it queues the waiter on the waking thread's resume queue,
// and the thread resumes it when it leaves courier (a resume_point at the end of every public
// operation, and the deadline thread after each round of timers).
//
// The state of a suspended operation (state_), one atomic byte:
//
//   running   -> suspended   the coroutine registered its operation and suspends (park(), a CAS);
//                            or, for an operation that registers in await_suspend, a plain store
//                            before the registration, which publishes it
//                            (suspend_before_registering());
//   running   -> woken       a partner's wake() while the coroutine still runs courier's code for
//                            this operation (a CAS, racing park()'s): it sees `woken` when it tries
//                            to suspend and goes on;
//   suspended -> queued      a partner's wake(): it queues the waiter on its own thread's resume
//                            queue, then publishes `queued` with a plain store. Nobody else moves
//                            a suspended waiter: the coroutine is not running, and a destructor
//                            takes a suspended waiter back only by winning its selection first,
//                            which this partner won;
//   queued    -> running     that thread's drain takes the waiter off the queue and settles it:
//                            unregister, complete the operation (or register again and park),
//                            then resume the coroutine;
//   suspended                the coroutine frame is destroyed while suspended (cancel()): it
//                            selects its own waiter as aborted, so no wake can come; if a partner
//                            selected it first, it waits until that partner's wake() made it
//                            `queued` and goes on as below;
//   queued    -> cancelled   destroyed while queued on another thread: that thread's drain sees
//   cancelled -> released    `cancelled`, sets `released` and never touches the waiter again.
//
// Exactly one party resumes a coroutine, once: the drain that took it off a resume queue, or the
// coroutine's own await_suspend (which then does not suspend). Resuming from a per-thread queue
// also bounds the stack: a drain never nests (a coroutine resumed by a drain that wakes another
// one only queues it, and the same drain loop resumes it next), so a ring of 10 000 coroutines
// handing a message round through rendezvous channels runs in constant stack depth.
#pragma once

#include <coroutine>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <thread>

#include "courier/detail/backoff.hpp"
#include "courier/detail/memory.hpp"
#include "courier/detail/sync.hpp"
#include "courier/detail/time.hpp"
#include "courier/detail/wait/resume.hpp"
#include "courier/detail/wait/thread_parker.hpp"
#include "courier/detail/wait/waiter.hpp"

namespace courier::detail {

inline void drain_resumes() noexcept;

class async_waiter : public waiter {
  public:
    enum state : std::uint8_t { running, suspended, queued, woken, cancelled, released };

  protected:
    async_waiter() noexcept : waiter(&wake_async, reinterpret_cast<std::uintptr_t>(this)) {}
    ~async_waiter() = default;

    /// After a wake-up, on whichever thread resumes: finish the wait (unregister, complete the
    /// operation) and return true, or register again and return false. Never throws (errors are
    /// kept for await_resume).
    virtual bool settle() noexcept = 0;

    /// The coroutine frame is going while its operation waits: take the operation back. Called
    /// once no wake-up can reach this waiter any more; selected() says whether a partner completed
    /// it meanwhile.
    virtual void abandon() noexcept = 0;

    /// await_suspend: true if the coroutine stays suspended (someone will resume it), false if the
    /// operation finished meanwhile and the coroutine goes on at once.
    bool park(std::coroutine_handle<> h) noexcept {
        handle_ = h;
        if (park_again()) {
            return true;
        }
        resume_queued();  // finished meanwhile: as in start(), resume whom it woke
        return false;
    }

    /// For an operation that registers only after the coroutine suspended (in await_suspend):
    /// the waiter counts as suspended from before its registration, which publishes the state and
    /// the handle to whoever finds the registration. Once the registration queued the operation,
    /// the caller touches nothing of the awaiter or the channel (a partner's wake-up may be
    /// resuming the coroutine on another thread). When it queued nothing (the operation was ready
    /// already), nobody saw the waiter: the caller calls unsuspend() and carries on as a running
    /// operation.
    void suspend_before_registering(std::coroutine_handle<> h) noexcept {
        handle_ = h;
        state_.store(suspended, std::memory_order_relaxed);
    }
    void unsuspend() noexcept { state_.store(running, std::memory_order_relaxed); }

    /// Called from the awaiter's destructor: if the coroutine is destroyed while its operation
    /// waits, the operation is taken back (no waker, timer or queue refers to it afterwards).
    void cancel() noexcept {
        if (take_back()) {
            abandon();
            state_.store(running, std::memory_order_relaxed);
        }
    }

  private:
    // cancel(): true when the operation was waiting and is now ours alone to take back.
    bool take_back() noexcept {
        std::uint8_t s = state_.load(std::memory_order_acquire);
        if (s == running) {
            return false;  // never suspended, or resumed: nothing refers to this waiter
        }
        if (s == suspended) {
            // Whoever selects the waiter owns its wake-up. Selected by us, nobody wakes it.
            if (try_select(sel_aborted)) {
                return true;
            }
            // A partner selected it first; its wake() is queueing it on the partner's thread.
            for (backoff b; (s = state_.load(std::memory_order_acquire)) == suspended; b.snooze()) {
            }
        }
        if (s == queued && queued_by_ == sync::thread_id()) {
            unqueue_local();  // our own thread's queue: take it off directly
            return true;
        }
        if (s == queued &&
            state_.compare_exchange_strong(s, cancelled, std::memory_order_acq_rel)) {
            // Another thread's queue: its drain will see `cancelled` and let go.
            for (backoff b; state_.load(std::memory_order_acquire) != released; b.snooze()) {
            }
            return true;
        }
        std::fputs("courier: a coroutine was destroyed while another thread was resuming it\n",
                   stderr);
        std::terminate();
    }

    friend void drain_resumes() noexcept;
    friend class deadline_service;

    // Suspends unless a wake-up came while the coroutine was still running courier's code for
    // this operation; then settles it here and, if it must wait again, tries to suspend again.
    bool park_again() noexcept {
        for (;;) {
            std::uint8_t expected = running;
            // acq_rel: publishes the registration (and handle_) to the waker that takes us off
            // `suspended`; acquires a wake-up's writes when it fails.
            if (state_.compare_exchange_strong(expected, suspended, std::memory_order_acq_rel,
                                               std::memory_order_acquire)) {
                return true;
            }
            state_.store(running, std::memory_order_relaxed);  // it was `woken`
            if (settle()) {
                return false;
            }
        }
    }

    // Resumption by a drain: settle, then resume, or wait again.
    void resume_after_wake() noexcept {
        if (settle() || !park_again()) {
            handle_.resume();
        }
    }

    // Called by the one party that selected the waiter (waiter.hpp).
    static void wake_async(waiter& w) noexcept {
        auto& self = static_cast<async_waiter&>(w);
        // acquire: pairs with park()'s CAS, which published handle_.
        std::uint8_t s = self.state_.load(std::memory_order_acquire);
        if (s == running && self.state_.compare_exchange_strong(s, woken, std::memory_order_acq_rel,
                                                                std::memory_order_acquire)) {
            return;  // it will see `woken` when it tries to suspend; our last access
        }
        // Suspended, and only we may move it now (see the state table above): plain stores.
        self.queued_by_ = sync::thread_id();
        resume_queue& q = resumes();
        q.drain = &drain_resumes;
        self.next_ = nullptr;
        (q.tail != nullptr ? q.tail->next_ : q.head) = &self;
        q.tail = &self;
        self.state_.store(queued, std::memory_order_release);  // last access
    }

    // Takes this waiter off the calling thread's resume queue (where it is).
    void unqueue_local() noexcept {
        resume_queue& q = resumes();
        async_waiter* prev = nullptr;
        for (async_waiter* a = q.head; a != nullptr; prev = a, a = a->next_) {
            if (a == this) {
                (prev != nullptr ? prev->next_ : q.head) = next_;
                if (q.tail == this) {
                    q.tail = prev;
                }
                return;
            }
        }
    }

    sync::atomic<std::uint8_t> state_{running};
    async_waiter* next_ = nullptr;
    std::uintptr_t queued_by_ = 0;
    std::coroutine_handle<> handle_;

    // The deadline thread's heap (deadline_service) keeps its place here.
    clock::time_point due_{};
    std::size_t heap_index_ = no_index;
    static constexpr std::size_t no_index = ~std::size_t{0};
};

/// Resumes the coroutines this thread has woken, in order, until none is left (also those the
/// resumed coroutines wake).
inline void drain_resumes() noexcept {
    resume_queue& q = resumes();
    const bool outer = q.draining;  // resume_queued_now() may drain inside a drain
    q.draining = true;
    while (async_waiter* a = q.head) {
        q.head = a->next_;
        if (q.head == nullptr) {
            q.tail = nullptr;
        }
        std::uint8_t s = async_waiter::queued;
        if (!a->state_.compare_exchange_strong(s, async_waiter::running, std::memory_order_acq_rel,
                                               std::memory_order_acquire)) {
            // cancelled: its frame is being destroyed on another thread, which waits for this.
            a->state_.store(async_waiter::released, std::memory_order_release);  // last access
            continue;
        }
        a->resume_after_wake();
    }
    q.draining = outer;
}

/// The deadlines of suspended coroutines: one thread of courier's own, started on first use,
/// asleep (no CPU) while no deadline is due, joined when the program exits. At a deadline it
/// completes the waiter as aborted (as a blocked thread does at its own deadline) and resumes the
/// coroutine, which then tries its operation once more and reports the timeout.
class deadline_service {
  public:
    static deadline_service& instance() {
        static deadline_service service;
        return service;
    }

    deadline_service(const deadline_service&) = delete;
    deadline_service& operator=(const deadline_service&) = delete;

    /// Wakes `w` (selected as aborted) at `when`, unless it is selected earlier. (A template, so
    /// that its thread is instantiated only where a deadline is awaited.)
    template <class = void>
    void add(async_waiter& w, clock::time_point when) {
        bool earliest = false;
        {
            sync::lock_guard<sync::mutex> lock(mutex_);
            if (!thread_.joinable()) {
                thread_ = std::thread([this] { run(); });
            }
            w.due_ = when;
            w.heap_index_ = heap_.size();
            heap_.push_back(&w);
            sift_up(w.heap_index_);
            earliest = heap_.front() == &w;
        }
        if (earliest) {
            parker_.unpark();
        }
    }

    /// Forgets `w`'s deadline if it has not fired; after this returns the thread never touches
    /// `w` again.
    void remove(async_waiter& w) noexcept {
        sync::lock_guard<sync::mutex> lock(mutex_);
        if (w.heap_index_ != async_waiter::no_index) {
            erase(w.heap_index_);
        }
    }

  private:
    deadline_service() = default;
    ~deadline_service() {
        {
            sync::lock_guard<sync::mutex> lock(mutex_);
            stopping_ = true;
        }
        parker_.unpark();
        if (thread_.joinable()) {
            thread_.join();
        }
    }

    void run() noexcept {
        for (;;) {
            deadline_t next = no_deadline;
            {
                sync::lock_guard<sync::mutex> lock(mutex_);
                if (stopping_) {
                    return;
                }
                const auto now = clock::now();
                while (!heap_.empty() && heap_.front()->due_ <= now) {
                    async_waiter* w = heap_.front();
                    erase(0);
                    // Under the lock, so that remove() returning means we are done with `w`.
                    if (w->try_select(sel_aborted)) {
                        w->wake();  // queues it on this thread
                    }
                }
                if (!heap_.empty()) {
                    next = heap_.front()->due_;
                }
            }
            resume_queued();  // the coroutines whose deadline passed, resumed here
            if (next == no_deadline) {
                parker_.park();
            } else {
                parker_.park_until(next);
            }
        }
    }

    bool earlier(std::size_t a, std::size_t b) const noexcept {
        return heap_[a]->due_ < heap_[b]->due_;
    }
    void place(std::size_t i) noexcept { heap_[i]->heap_index_ = i; }
    void swap_entries(std::size_t a, std::size_t b) noexcept {
        std::swap(heap_[a], heap_[b]);
        place(a);
        place(b);
    }
    void sift_up(std::size_t i) noexcept {
        while (i > 0 && earlier(i, (i - 1) / 2)) {
            swap_entries(i, (i - 1) / 2);
            i = (i - 1) / 2;
        }
    }
    void sift_down(std::size_t i) noexcept {
        for (;;) {
            std::size_t least = i;
            for (std::size_t c = 2 * i + 1; c <= 2 * i + 2 && c < heap_.size(); ++c) {
                if (earlier(c, least)) {
                    least = c;
                }
            }
            if (least == i) {
                return;
            }
            swap_entries(i, least);
            i = least;
        }
    }
    void erase(std::size_t i) noexcept {
        heap_[i]->heap_index_ = async_waiter::no_index;
        const std::size_t last = heap_.size() - 1;
        if (i != last) {
            heap_[i] = heap_[last];
            place(i);
        }
        heap_.pop_back();
        if (i < heap_.size()) {
            async_waiter* moved = heap_[i];
            sift_up(i);
            sift_down(moved->heap_index_);
        }
    }

    sync::mutex mutex_;
    pod_vector<async_waiter*> heap_;
    thread_parker parker_;
    std::thread thread_;
    bool stopping_ = false;
};

}  // namespace courier::detail
