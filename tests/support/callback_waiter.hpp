// callback_waiter: a second implementation of the engine's waiter interface
// (include/courier/detail/wait/waiter.hpp), for tests. Its wake() runs a callback instead of
// unparking a thread; the callback here records the wake-up and signals a condition variable.
//
// callback_waiter_test compiles the engine with -DCOURIER_WAITER_HEADER naming this file, so every
// blocking send, receive and select waits here instead of in thread_waiter: the flavors and the
// waker run unchanged against another kind of waiter, and the shared suite checks the result.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>

namespace courier::detail {

class callback_waiter final : public waiter {
  public:
    /// Called once, by the party that selected this waiter, as its last access to it.
    using callback = void (*)(callback_waiter& self) noexcept;

    explicit callback_waiter(callback on_wake = &signal) noexcept
        : waiter(&dispatch, sync::thread_id()), on_wake_(on_wake) {}

    /// The waiter contract of thread_waiter::wait_until: returns the final selection; when
    /// another party made it, its wake() has completed. It never spins.
    std::uintptr_t wait_until(const deadline_t& deadline, bool /*for_partner*/ = false) {
        std::unique_lock<std::mutex> lock(mutex_);
        for (;;) {
            // Our own abort (also one made before this call, when an operation turned out ready
            // while registering) needs no wake-up; any other selection is complete once the
            // selector's wake() has run.
            if (const std::uintptr_t s = selected();
                s == sel_aborted || (s != sel_waiting && woken_)) {
                return s;
            }
            if (deadline != no_deadline && std::chrono::steady_clock::now() >= deadline) {
                if (try_select(sel_aborted)) {
                    return sel_aborted;
                }
                // Selected meanwhile: wait for the selector's wake(), its last access.
                cv_.wait(lock, [&] { return woken_; });
                return selected();
            }
            if (deadline == no_deadline) {
                cv_.wait(lock);
            } else {
                cv_.wait_until(lock, deadline);
            }
        }
    }

    /// How many wake-ups callbacks have delivered in this process.
    static std::uint64_t wakes() noexcept { return wakes_.load(std::memory_order_relaxed); }

  private:
    static void dispatch(waiter& w) noexcept {
        auto& self = static_cast<callback_waiter&>(w);
        self.on_wake_(self);
    }

    // The default callback: wake the thread blocked in wait_until(). Notifying under the lock
    // keeps the condition variable alive until notify_one() returns.
    static void signal(callback_waiter& self) noexcept {
        wakes_.fetch_add(1, std::memory_order_relaxed);
        std::lock_guard<std::mutex> lock(self.mutex_);
        self.woken_ = true;
        self.cv_.notify_one();
    }

    callback on_wake_;
    std::mutex mutex_;
    std::condition_variable cv_;
    bool woken_ = false;
    static inline std::atomic<std::uint64_t> wakes_{0};
};

using blocking_waiter = callback_waiter;

}  // namespace courier::detail
