// thread_waiter: a waiter (waiter.hpp) for a blocked OS thread. It lives on the waiting thread's
// stack for the duration of one blocking call and sleeps on a thread_parker.
//
// When another thread selects it, that thread's wake() (the parker's unpark()) is its last access;
// the waiting thread therefore consumes the parker's token before it returns, and so never leaves
// (and frees the waiter) while the winner is still writing to it.
//
// blocking_waiter is the waiter every blocking operation of the engine (a send or receive that has
// to wait, a select) puts on its stack: this one, unless the build names another implementation
// of the same shape in COURIER_WAITER_HEADER (default-constructible, wait_until() as below).
#pragma once

#include <cstdint>

#include "courier/detail/backoff.hpp"
#include "courier/detail/chrono.hpp"
#include "courier/detail/config.hpp"
#include "courier/detail/sync.hpp"
#include "courier/detail/time.hpp"
#include "courier/detail/wait/spin_hint.hpp"
#include "courier/detail/wait/thread_parker.hpp"
#include "courier/detail/wait/waiter.hpp"

namespace courier::detail {

#if defined(COURIER_SYNC_POLICY_HEADER)
using parker = sync::parker;  // a replacement sync policy brings its own parker
#else
using parker = thread_parker;
#endif

class thread_waiter final : public waiter {
  public:
    thread_waiter() noexcept : waiter(&wake_thread, sync::thread_id()) {}

    /// Blocks until the waiter is selected or `deadline` passes (then tries to abort). Spins
    /// briefly first: a partner running on another core often completes the pairing within
    /// microseconds, and a futex sleep/wake costs far more than that.
    /// Returns the final selection, never sel_waiting. When another thread made the selection,
    /// its wake() has completed before this returns.
    std::uintptr_t wait_until(const deadline_t& deadline, spin_hint* hint = nullptr) noexcept {
        backoff b;
        while (!b.completed()) {
            if (const auto s = selected(); s != sel_waiting) {
                return settle(s, false);
            }
            b.snooze();
        }
        // Yield-spin for the side's learned budget: a partner that is running (or runnable on
        // this core) completes the pairing without either side entering the kernel's sleep/wake
        // path, which costs several microseconds per hand-off on virtual machines.
        if (hint != nullptr) {
            const auto start = clock::now();
            const auto limit = start + std::chrono::nanoseconds(hint->budget_ns());
            for (auto now = start; now < limit; now = clock::now()) {
                if (const auto s = selected(); s != sel_waiting) {
                    hint->spun(static_cast<std::uint64_t>(
                        std::chrono::duration_cast<std::chrono::nanoseconds>(now - start).count()));
                    return settle(s, false);
                }
                if (deadline && now >= *deadline) {
                    break;
                }
                sync::yield_now();
            }
            hint->parked();
        }
        // Only the winner of the selection ever wakes this waiter, so at most one token is ever
        // made available; `have_token` records whether we consumed it already.
        bool have_token = false;
        for (;;) {
            if (const auto s = selected(); s != sel_waiting) {
                return settle(s, have_token);
            }
            if (deadline) {
                if (clock::now() >= *deadline) {
                    if (try_select(sel_aborted)) {
                        return sel_aborted;
                    }
                    return settle(selected(), have_token);
                }
                have_token = parker_.park_until(*deadline) || have_token;
            } else {
                parker_.park();
                have_token = true;
            }
        }
    }

  private:
    static void wake_thread(waiter& w) noexcept { static_cast<thread_waiter&>(w).parker_.unpark(); }

    // The selection was made by someone else unless it is our own abort: wait for their wake()
    // (their last access to this waiter) unless its token was consumed already.
    std::uintptr_t settle(std::uintptr_t s, bool have_token) noexcept {
        if (s != sel_aborted && !have_token) {
            parker_.park();
        }
        return s;
    }

    parker parker_;
};

}  // namespace courier::detail

#if defined(COURIER_WAITER_HEADER)
#include COURIER_WAITER_HEADER  // defines courier::detail::blocking_waiter
#else
namespace courier::detail {
using blocking_waiter = thread_waiter;
}  // namespace courier::detail
#endif
