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
#include "courier/detail/wait/thread_parker.hpp"
#include "courier/detail/wait/waiter.hpp"

#if !defined(COURIER_SPIN_NS)
#define COURIER_SPIN_NS 50000
#endif

namespace courier::detail {

#if defined(COURIER_SYNC_POLICY_HEADER)
using parker = sync::parker;  // a replacement sync policy brings its own parker
#else
using parker = thread_parker;
#endif

class thread_waiter final : public waiter {
  public:
    COURIER_TRIVIAL thread_waiter() noexcept : waiter(&wake_thread, sync::thread_id()) {}

    /// How long a waiter for a partner yield-spins before it parks (COURIER_SPIN_NS overrides it).
    static constexpr std::uint32_t spin_ns = COURIER_SPIN_NS;
    /// How long a waiter that finds no free spin seat keeps yielding for one before it parks.
    static constexpr std::uint32_t seat_wait_ns = 5'000;

    /// Blocks until the waiter is selected or `deadline` passes (then tries to abort).
    /// `for_partner`: the wait ends when another thread operates on a channel (not at a time, not
    /// on a mere change of readiness), so a short spin may save both sides the kernel's sleep and
    /// wake-up. Returns the final selection, never sel_waiting. When another thread made the
    /// selection, its wake() has completed before this returns.
    std::uintptr_t wait_until(const deadline_t& deadline, bool for_partner = false) noexcept {
        backoff b;
        while (!b.completed()) {
            if (const auto s = selected(); s != sel_waiting) {
                return settle(s, false);
            }
            b.snooze();
        }
        if (for_partner) {
            if (const std::uintptr_t s = spin(deadline); s != sel_waiting) {
                return settle(s, false);
            }
        }
        // Only the winner of the selection ever wakes this waiter, so at most one token is ever
        // made available; `have_token` records whether we consumed it already.
        bool have_token = false;
        for (;;) {
            if (const auto s = selected(); s != sel_waiting) {
                return settle(s, have_token);
            }
            if (deadline == no_deadline) {
                parker_.park();
                have_token = true;
            } else {
                if (clock::now() >= deadline) {
                    if (try_select(sel_aborted)) {
                        return sel_aborted;
                    }
                    return settle(selected(), have_token);
                }
                have_token = parker_.park_until(deadline) || have_token;
            }
        }
    }

  private:
    // The spin phase. A partner that is running completes the pairing within microseconds, and
    // then neither side enters the kernel; a futex sleep and wake-up costs several microseconds on
    // each side, tens on a virtual machine, and the partner that had to wake us then finds us
    // still waking when it waits in turn. The length is fixed, not learned from past waits: a
    // budget that grows when spins succeed and shrinks when waits park is bistable (short spins
    // park, parked partners answer late, so the next spins fail too), and a program would be fast
    // or ten times slower by the luck of its first waits. What keeps spinning from stealing the
    // processor from the partners we wait for is decided from the present instead: the spin
    // yields the processor on every round (a runnable partner on this processor runs first), and
    // a process-wide count of seats, half the processors and at least one, bounds how many waiters
    // spin at once (sync::spin_seats): a spinner only helps while its partner runs on another
    // processor, so more spinners than that only take processor time from the threads they wait
    // for (Go's scheduler keeps its spinning threads under half its busy processors for the same
    // reason). A waiter that finds no free seat keeps yielding for one for seat_wait_ns, then
    // parks: in a ping-pong the side just selected still holds its seat for a moment when the
    // other side begins to wait. A blocked thread uses no processor time after its spin.
    std::uintptr_t spin(const deadline_t& deadline) noexcept {
        const auto start = clock::now();
        const auto limit = start + std::chrono::nanoseconds(spin_ns);
        const auto seat_limit = start + std::chrono::nanoseconds(seat_wait_ns);
        bool seated = false;
        std::uintptr_t s = sel_waiting;
        for (auto now = start; now < limit; now = clock::now()) {
            if (s = selected(); s != sel_waiting) {
                break;
            }
            if (now >= deadline) {  // never true for no_deadline
                break;
            }
            if (!seated && !(seated = sync::spin_seats::try_enter()) && now >= seat_limit) {
                break;
            }
            sync::yield_now();
        }
        if (seated) {
            sync::spin_seats::leave();
        }
        return s;
    }

    COURIER_TRIVIAL static void wake_thread(waiter& w) noexcept {
        static_cast<thread_waiter&>(w).parker_.unpark();
    }

    // The selection was made by someone else unless it is our own abort: wait for their wake()
    // (their last access to this waiter) unless its token was consumed already.
    // The winner calls wake() a few instructions after its selection (it may still be storing
    // the packet), so wait for the token without sleeping first: a waiter that saw the selection
    // while spinning and then slept in the kernel would turn a hand-off of a few hundred
    // nanoseconds into a futex wake-up of ten microseconds or more.
    std::uintptr_t settle(std::uintptr_t s, bool have_token) noexcept {
        if (s != sel_aborted && !have_token) {
            for (backoff b; !b.completed(); b.snooze()) {
                if (parker_.try_park()) {
                    return s;
                }
            }
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
