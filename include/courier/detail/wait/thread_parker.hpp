// thread_parker: how a blocked OS thread sleeps and is woken. One parker per waiting operation.
//
// States (after Rust std's futex parker): empty = 0, notified = 1, parked = UINT32_MAX.
//   park():    empty -> parked, sleep while parked, then notified -> empty.
//              notified -> empty immediately (the token was already there).
//   unpark():  any -> notified; the kernel is entered only when the old state was parked, so a
//              wake-up of a thread that has not gone to sleep yet costs one atomic exchange.
// The token is sticky: an unpark() before park() makes that park() return at once, so a wake-up can
// never be lost between a waiter's last check and its sleep.
//
// unpark() touches the parker's memory only through the exchange; the futex wake that may follow
// is a system call on the address, which the kernel accepts even if the parked thread has already
// returned. This is what lets a waiter keep its parker on its own stack (see thread_waiter.hpp).
#pragma once

#include <cstdint>
#include <ctime>
#include <limits>

#include "courier/detail/chrono.hpp"
#include "courier/detail/config.hpp"
#include "courier/detail/sync.hpp"

#if defined(__linux__)
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>
#else
#include <condition_variable>
#include <mutex>
#endif

namespace courier::detail {

class thread_parker {
  public:
    using clock = std::chrono::steady_clock;

    thread_parker() noexcept = default;
    thread_parker(const thread_parker&) = delete;
    thread_parker& operator=(const thread_parker&) = delete;

    /// Sleeps until the token is available, then consumes it.
    void park() noexcept {
        if (state_.fetch_sub(1, std::memory_order_acquire) == notified) {
            return;  // notified -> empty; pairs with the release exchange in unpark()
        }
        for (;;) {
            wait_on(nullptr);
            std::uint32_t expected = notified;
            // pairs with the release exchange in unpark()
            if (state_.compare_exchange_strong(expected, empty, std::memory_order_acquire,
                                               std::memory_order_relaxed)) {
                return;
            }
        }
    }

    /// Sleeps until the token is available or `deadline` has passed; consumes the token if present.
    /// Returns true if the token was consumed. May return false early (spuriously); callers
    /// re-check.
    bool park_until(clock::time_point deadline) noexcept {
        if (state_.fetch_sub(1, std::memory_order_acquire) == notified) {
            return true;
        }
        if (clock::now() < deadline) {
            wait_on(&deadline);
        }
        // parked -> empty, or notified -> empty; pairs with the release exchange in unpark()
        return state_.exchange(empty, std::memory_order_acquire) == notified;
    }

    /// Consumes the token if it is available; never sleeps. True if it was consumed.
    bool try_park() noexcept {
        std::uint32_t expected = notified;
        // pairs with the release exchange in unpark()
        return state_.compare_exchange_strong(expected, empty, std::memory_order_acquire,
                                              std::memory_order_relaxed);
    }

    /// Makes the token available and wakes the parked thread, if any.
    void unpark() noexcept {
        // pairs with the acquire operations in park() / park_until()
        if (state_.exchange(notified, std::memory_order_release) == parked) {
            wake();
        }
    }

  private:
    static constexpr std::uint32_t empty = 0;
    static constexpr std::uint32_t notified = 1;
    static constexpr std::uint32_t parked = std::numeric_limits<std::uint32_t>::max();

#if defined(__linux__)
    void wait_on(const clock::time_point* deadline) noexcept {
        auto* addr = reinterpret_cast<std::uint32_t*>(&state_);
        if (deadline == nullptr) {
            syscall(SYS_futex, addr, FUTEX_WAIT_PRIVATE, parked, nullptr, nullptr, 0);
            return;
        }
        // FUTEX_WAIT_BITSET takes an absolute CLOCK_MONOTONIC time, which is steady_clock's clock
        // on Linux; an absolute deadline cannot drift across spurious returns.
        // In plain integers: a deadline is never before the epoch, and nanoseconds is
        // steady_clock's own duration (no conversion is instantiated for it).
        const auto ns = std::chrono::nanoseconds(deadline->time_since_epoch()).count();
        timespec ts{};
        ts.tv_sec = static_cast<time_t>(ns / 1'000'000'000);
        ts.tv_nsec = static_cast<long>(ns % 1'000'000'000);
        syscall(SYS_futex, addr, FUTEX_WAIT_BITSET | FUTEX_PRIVATE_FLAG, parked, &ts, nullptr,
                FUTEX_BITSET_MATCH_ANY);
    }

    void wake() noexcept {
        syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(&state_), FUTEX_WAKE_PRIVATE, 1,
                nullptr, nullptr, 0);
    }
#else
    // Portable fallback: a mutex and condition variable guard the sleeping itself; the state word
    // still carries the token. Here unpark() must not race with the parker's destruction, which
    // the waiter protocol (waiter.hpp) guarantees by making unpark() the notifier's last touch and
    // having the woken waiter wait for the token before it returns.
    void wait_on(const clock::time_point* deadline) noexcept {
        std::unique_lock<std::mutex> lock(mutex_);
        if (deadline == nullptr) {
            cv_.wait(lock, [&] { return state_.load(std::memory_order_relaxed) != parked; });
        } else {
            cv_.wait_until(lock, *deadline,
                           [&] { return state_.load(std::memory_order_relaxed) != parked; });
        }
    }

    void wake() noexcept {
        std::lock_guard<std::mutex> lock(mutex_);
        cv_.notify_one();
    }

    std::mutex mutex_;
    std::condition_variable cv_;
#endif

    sync::atomic<std::uint32_t> state_{empty};
};

}  // namespace courier::detail
