// Exponential backoff for short waits inside lock-free loops (after crossbeam-utils' Backoff).
//
// spin(): a CAS lost to another thread; retry soon. snooze(): waiting for another thread to finish
// a step (publish a slot, link a block); spin first, then yield the processor. completed(): the
// wait has lasted long enough that the caller should block instead of burning CPU.
#pragma once

#include <cstdint>

#include "courier/detail/config.hpp"
#include "courier/detail/sync.hpp"

namespace courier::detail {

class backoff {
  public:
    static constexpr std::uint32_t spin_limit = 6;
    static constexpr std::uint32_t yield_limit = 10;

    void spin() noexcept {
        const std::uint32_t n = 1u << (step_ < spin_limit ? step_ : spin_limit);
        for (std::uint32_t i = 0; i < n; ++i) {
            sync::cpu_relax();
        }
        if (step_ <= spin_limit) {
            ++step_;
        }
    }

    void snooze() noexcept {
        if (step_ <= spin_limit) {
            const std::uint32_t n = 1u << step_;
            for (std::uint32_t i = 0; i < n; ++i) {
                sync::cpu_relax();
            }
        } else {
            sync::yield_now();
        }
        if (step_ <= yield_limit) {
            ++step_;
        }
    }

    COURIER_TRIVIAL bool completed() const noexcept { return step_ > yield_limit; }

  private:
    std::uint32_t step_ = 0;
};

}  // namespace courier::detail
