// async_select_core: run_select (select_ops.hpp) for a coroutine. The same select operations and
// the same flavor verbs; only the waiting differs: instead of sleeping in a thread_waiter, the
// algorithm stops after registering and suspends the coroutine on an async_waiter
// (wait/async_waiter.hpp), and continues in settle() when a partner, a disconnection, a stop or
// the deadline thread wakes it.
//
//   start()   1. in a random order, try each operation; the first that can proceed is reserved
//                and completed (complete(), the awaiter's) -> done, no suspension;
//             2. nothing ready and the deadline passed -> done (timed out);
//             3. register every operation with this waiter (stop early when one is ready: abort
//                our own waiter, unregister, reserve that one or go back to 1);
//             4. arm the deadline thread for the earliest of the deadline and any timer's next
//                delivery -> wait.
//   settle()  after a wake-up: disarm, unregister everything; accept() the operation a partner
//             selected and complete it -> done; else (the operation was taken by a faster
//             receiver, a disconnection, a deadline, a stop) -> start() again.
// Completing (moving the message) happens before the coroutine is resumed, on the thread that
// settles, so a rendezvous partner never waits for a coroutine that has not run yet.
#pragma once

#include <cstddef>
#include <cstdint>
#include <exception>
#include <optional>

#include "courier/detail/select_ops.hpp"
#include "courier/detail/time.hpp"
#include "courier/detail/wait/async_waiter.hpp"
#include "courier/detail/wait/stop.hpp"
#include "courier/detail/wait/waiter.hpp"

namespace courier::detail {

// A template only so that a program that includes it without awaiting anything instantiates
// nothing of it (nor the deadline thread it starts): the awaiters derive from
// async_select_core<>.
template <class = void>
class async_select_core : public async_waiter {
  public:
    async_select_core(const async_select_core&) = delete;
    async_select_core& operator=(const async_select_core&) = delete;

  protected:
    /// `ops` and `order` (scratch space for n indices) belong to the derived awaiter, and so does
    /// `dl`; nothing here runs before start().
    async_select_core(select_op* const* ops, std::size_t* order, std::size_t n, deadline& dl,
                      bool nonblocking) noexcept
        : ops_(ops), order_(order), n_(n), dl_(&dl), nonblocking_(nonblocking) {}

    /// The derived awaiter's destructor calls cancel() first, while the operations live.
    ~async_select_core() = default;

    /// Completes the reserved operation `k` (keeping its result for await_resume). False when
    /// it must be selected again (a rendezvous receiver's move threw and the message is still
    /// ours).
    virtual bool complete(std::size_t k) = 0;

    /// await_ready(): true when the operation finished without waiting. Then the coroutines it
    /// woke (a rendezvous partner it paired with) are resumed here, before it returns: the
    /// caller may take the result only later (await_resume on another executor, as the Asio
    /// adapter does), and they must not wait for that. `tried`: the caller has just made the
    /// operations' try itself and found nothing ready, so the first round registers at once (a
    /// registration that finds its operation ready meanwhile says so, as after any try).
    bool start(bool tried = false) noexcept {
        bool done = true;
        try {
            done = run(tried);
        } catch (...) {
            error_ = std::current_exception();
        }
        if (done) {
            resume_queued();
        }
        return done;
    }

    /// await_ready() of a one-operation awaiter after its own try found nothing: start(true), or,
    /// for an operation that can wait without the deadline thread or a stop callback (no deadline,
    /// no stop token, not a timer), false at once: its registration is left to await_suspend(),
    /// which then needs no CAS to suspend (register_suspended()).
    bool start_or_defer() noexcept {
        deferred_ = n_ == 1 && !nonblocking_ && dl_->steady() == no_deadline &&
                    dl_->stop_token() == nullptr && ops_[0]->next_due() == no_deadline;
        return !deferred_ && start(true);
    }

    /// await_suspend() after start_or_defer(): true if the coroutine stays suspended.
    bool suspend(std::coroutine_handle<> h) noexcept {
        return deferred_ ? register_suspended(h) : park(h);
    }

    /// await_ready() of a one-operation awaiter whose own try, made before start(), completed the
    /// operation (or threw `error` while completing it): operation 0 is the outcome. The
    /// coroutines that try woke were resumed by the channel's own resume point.
    void completed_at_once(std::exception_ptr error = nullptr) noexcept {
        picked_ = 0;
        error_ = COURIER_MOVE(error);
    }

    /// await_resume(): rethrows what a completion threw; else the operation that completed, or
    /// nullopt when the deadline passed (or, nonblocking, nothing was ready).
    std::optional<std::size_t> outcome() const {
        if (error_) {
            std::rethrow_exception(error_);
        }
        return picked_;
    }

  private:
    // The deferred registration: the coroutine is suspended already, so the waiter counts as
    // suspended before its one operation registers, and a partner that finds the registration
    // queues the coroutine at once (wait/async_waiter.hpp). From the registration on, a partner
    // may be resuming the coroutine on another thread, so nothing here touches the awaiter or
    // the channel afterwards. That is why a flavor makes its re-check (is the operation ready
    // after all?) before it releases the lock that publishes the registration, and queues
    // nothing when the answer is yes (select_register).
    bool register_suspended(std::coroutine_handle<> h) noexcept {
        rearm();
        registered_ = 1;
        suspend_before_registering(h);
        try {
            const acting_as me(owner());
            if (!ops_[0]->register_op(*this)) {
                return true;  // waiting; the last access to the awaiter
            }
        } catch (...) {
            error_ = std::current_exception();  // thrown before anything was queued
        }
        // Ready already (or the registration threw): nothing was queued, nobody saw the waiter.
        unsuspend();
        registered_ = 0;
        return error_ == nullptr && !start() && park(h);
    }

    bool run(bool tried = false) {
        const acting_as me(owner());
        for (;;) {
            rearm();
            registered_ = 0;
            shuffle_order(order_, n_);
            bool retry = false;
            for (std::size_t k = tried ? n_ : 0; k < n_ && !retry; ++k) {
                if (ops_[order_[k]]->try_reserve()) {
                    if (complete(order_[k])) {
                        picked_ = order_[k];
                        return true;
                    }
                    retry = true;
                }
            }
            tried = false;
            if (retry) {
                continue;
            }
            if (nonblocking_ || dl_->expired()) {
                picked_.reset();
                return true;
            }
            if (const auto ready_index = register_all(ops_, order_, n_, *this, registered_)) {
                // Our own abort: nobody else will wake us. Take the ready operation, or try again.
                unregister_all();
                if (ops_[*ready_index]->try_reserve()) {
                    if (complete(*ready_index)) {
                        picked_ = *ready_index;
                        return true;
                    }
                }
                continue;
            }
            if (const deadline_t wake = earliest_wake(ops_, n_, *dl_); wake != no_deadline) {
                deadline_service::instance().add(*this, wake);
                timer_armed_ = true;
            }
            if (dl_->stop_token() != nullptr) {
                stop_.watch_for(*dl_, *this);  // a stop request completes the wait as `stopped`
            }
            return false;  // waiting (a wake-up that came already is seen by park())
        }
    }

    bool settle() noexcept override {
        try {
            const std::uintptr_t sel = selected();
            disarm();
            unregister_all(sel);
            if (selected_by_partner(sel)) {
                const acting_as me(owner());
                if (const std::size_t k = index_of(ops_, n_, sel);
                    k < n_ && ops_[k]->accept() && complete(k)) {
                    picked_ = k;
                    return true;
                }
            }
            // Taken by a faster partner, disconnected, stopped, or due: go round again (a
            // deadline that passed makes run() report the timeout after one more try).
            return run();
        } catch (...) {
            error_ = std::current_exception();
            return true;
        }
    }

    void abandon() noexcept override {
        const std::uintptr_t sel = selected();
        disarm();
        unregister_all(sel);
        if (selected_by_partner(sel)) {
            if (const std::size_t k = index_of(ops_, n_, sel); k < n_) {
                ops_[k]->abandon();
            }
        }
    }

    // After this, neither the deadline thread nor a stop callback touches this waiter (the stop
    // callback's destructor waits for one running on another thread).
    void disarm() noexcept {
        if (timer_armed_) {
            deadline_service::instance().remove(*this);
            timer_armed_ = false;
        }
        stop_.reset();
    }

    // `sel`: what the wait ended with (sel_aborted for our own abort).
    void unregister_all(std::uintptr_t sel = sel_aborted) noexcept {
        detail::unregister_all(ops_, order_, registered_, sel);
        registered_ = 0;
    }

    select_op* const* ops_;
    std::size_t* order_;
    std::size_t n_;
    deadline* dl_;
    bool nonblocking_;
    bool timer_armed_ = false;
    stop_guard stop_;
    bool deferred_ = false;  // start_or_defer(): the registration waits for await_suspend()
    std::size_t registered_ = 0;
    std::optional<std::size_t> picked_;
    std::exception_ptr error_;
};

}  // namespace courier::detail
