// spin_hint: how long a waiter of one side of one channel yield-spins before it parks.
//
// Learned from that side's recent waits (after the adaptive spinning of glibc's
// PTHREAD_MUTEX_ADAPTIVE_NP): a wait that ended while spinning pulls the budget towards twice its
// length; a wait that had to park shrinks it. Where partners run on other cores, hand-offs
// complete within the spin and nobody enters the kernel; where they do not (more threads than
// cores, a loaded machine), the budget falls to the floor and waiters park almost at once instead
// of burning the partner's CPU.
#pragma once

#include <cstdint>

#include "courier/detail/sync.hpp"

namespace courier::detail {

class spin_hint {
  public:
    static constexpr std::uint32_t floor_ns = 2'000;
    static constexpr std::uint32_t initial_ns = 10'000;
    static constexpr std::uint32_t ceiling_ns = 50'000;

    std::uint32_t budget_ns() const noexcept { return budget_.load(std::memory_order_relaxed); }

    /// A wait completed while spinning, `elapsed_ns` after it started.
    void spun(std::uint64_t elapsed_ns) noexcept {
        const std::uint64_t wanted = 2 * elapsed_ns + floor_ns;
        const std::uint64_t target = wanted < ceiling_ns ? wanted : ceiling_ns;
        const std::uint32_t b = budget_ns();
        budget_.store(static_cast<std::uint32_t>(b + (static_cast<std::int64_t>(target) - b) / 4),
                      std::memory_order_relaxed);
    }

    /// A wait had to park.
    void parked() noexcept {
        const std::uint32_t b = budget_ns();
        const std::uint32_t shrunk = b - b / 4;
        budget_.store(shrunk > floor_ns ? shrunk : floor_ns, std::memory_order_relaxed);
    }

  private:
    // relaxed: a heuristic; a lost update only delays adaptation.
    sync::atomic<std::uint32_t> budget_{initial_ns};
};

}  // namespace courier::detail
