// context: one waiting operation (or one select over many) of one thread.
//
// A context lives on the waiting thread's stack for the duration of one blocking call. It holds
//   select_  which operation completed the wait: waiting (0), aborted (1), disconnected (2), or the
//            id of the operation that was selected (any other value, the address of a token);
//   packet_  an address handed over by the thread that selected us (the rendezvous packet);
//   parker_  how the thread sleeps.
//
// State transitions of select_ (each a CAS from waiting, so exactly one wins):
//   waiting -> aborted       by the waiting thread itself (timeout, or found an operation ready
//                            while registering);
//   waiting -> disconnected  by a thread disconnecting a channel the context is registered with;
//   waiting -> operation     by a thread that completes the pairing (a notify in waker.hpp).
// A thread that wins the CAS for another thread's context stores the packet (if any), then calls
// unpark(), and never touches the context again: unpark() is its last access. The waiting thread,
// when the winner was another thread, therefore consumes the parker's token before returning, and
// so never leaves (and frees the context) while the winner is still writing to it.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <optional>

#include "courier/detail/backoff.hpp"
#include "courier/detail/config.hpp"
#include "courier/detail/sync.hpp"
#include "courier/detail/time.hpp"
#include "courier/detail/wait/thread_parker.hpp"

namespace courier::detail {

#if defined(COURIER_SYNC_POLICY_HEADER)
using parker = sync::parker;  // a replacement sync policy brings its own parker
#else
using parker = thread_parker;
#endif

/// What completed a wait: the three fixed states, else the id of the selected operation.
/// How long a waiter of one side of one channel yield-spins before it parks, learned from that
/// side's recent waits (after the adaptive spinning of glibc's PTHREAD_MUTEX_ADAPTIVE_NP): a wait
/// that ended while spinning pulls the budget towards twice its length; a wait that had to park
/// shrinks it. Where partners run on other cores, hand-offs complete within the spin and nobody
/// enters the kernel; where they do not (more threads than cores, a loaded machine), the budget
/// falls to the floor and waiters park almost at once instead of burning the partner's CPU.
class spin_hint {
  public:
    static constexpr std::uint32_t floor_ns = 2'000;
    static constexpr std::uint32_t initial_ns = 10'000;
    static constexpr std::uint32_t ceiling_ns = 50'000;

    std::uint32_t budget_ns() const noexcept { return budget_.load(std::memory_order_relaxed); }

    /// A wait completed while spinning, `elapsed_ns` after it started.
    void spun(std::uint64_t elapsed_ns) noexcept {
        const std::uint64_t target = std::min<std::uint64_t>(2 * elapsed_ns + floor_ns, ceiling_ns);
        const std::uint32_t b = budget_ns();
        budget_.store(static_cast<std::uint32_t>(b + (static_cast<std::int64_t>(target) - b) / 4),
                      std::memory_order_relaxed);
    }

    /// A wait had to park.
    void parked() noexcept {
        const std::uint32_t b = budget_ns();
        budget_.store(std::max(floor_ns, b - b / 4), std::memory_order_relaxed);
    }

  private:
    // relaxed: a heuristic; a lost update only delays adaptation.
    sync::atomic<std::uint32_t> budget_{initial_ns};
};

enum selected : std::uintptr_t { sel_waiting = 0, sel_aborted = 1, sel_disconnected = 2 };

class context {
  public:
    context() noexcept : thread_(sync::thread_id()) {}
    context(const context&) = delete;
    context& operator=(const context&) = delete;

    std::uintptr_t thread() const noexcept { return thread_; }

    /// Tries to complete the wait with `s`; true if this call won.
    bool try_select(std::uintptr_t s) noexcept {
        std::uintptr_t expected = sel_waiting;
        // acq_rel: the winner's earlier writes (the packet contents) are published to the waiter,
        // which reads select_ with acquire in wait_until(); pairs with that load.
        return select_.compare_exchange_strong(expected, s, std::memory_order_acq_rel,
                                               std::memory_order_acquire);
    }

    std::uintptr_t selected() const noexcept { return select_.load(std::memory_order_acquire); }

    void store_packet(void* p) noexcept {
        packet_.store(p, std::memory_order_release);  // pairs with the acquire in packet()
    }
    void* packet() const noexcept { return packet_.load(std::memory_order_acquire); }

    /// Wakes the waiting thread. The caller must not touch this context afterwards.
    void unpark() noexcept { parker_.unpark(); }

    /// Blocks until the context is selected or `deadline` passes (then tries to abort). Spins
    /// briefly first: a partner running on another core often completes the pairing within
    /// microseconds, and a futex sleep/wake costs far more than that.
    /// Returns the final selection, never sel_waiting. When another thread made the selection,
    /// its unpark() has completed before this returns.
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
        // Only the winner of select_ ever unparks this context, so at most one token is ever
        // made available; `have_token` records whether we consumed it already.
        bool have_token = false;
        for (;;) {
            if (const auto s = selected(); s != sel_waiting) {
                return settle(s, have_token);
            }
            if (deadline) {
                if (clock::now() >= *deadline) {
                    // Mutant 13 gives up without the CAS that settles the race with a notifier.
                    if (COURIER_MUTANT(13) || try_select(sel_aborted)) {
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
    // The selection was made by someone else unless it is our own abort: wait for their unpark()
    // (their last access to this context) unless its token was consumed already.
    std::uintptr_t settle(std::uintptr_t s, bool have_token) noexcept {
        if (s != sel_aborted && !have_token) {
            parker_.park();
        }
        return s;
    }

    sync::atomic<std::uintptr_t> select_{sel_waiting};
    sync::atomic<void*> packet_{nullptr};
    std::uintptr_t thread_;
    parker parker_;
};

}  // namespace courier::detail
