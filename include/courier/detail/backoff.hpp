// Exponential backoff for short waits inside lock-free loops (after crossbeam-utils' Backoff).
//
// spin(): a CAS lost to another thread; retry soon. snooze(): waiting for another thread to finish
// a step (publish a slot, link a block); spin first, then yield the processor. completed(): the
// wait has lasted long enough that the caller should block instead of burning CPU.
#pragma once

#include <cstddef>
#include <cstdint>

#include "courier/detail/config.hpp"
#include "courier/detail/sync.hpp"

namespace courier::detail {

/// The gathering wait of a blocking batch receive (recv_many) that found fewer messages ready
/// than it could take: `have` is how many are ready, `ready()` counts them again. Waits a probe's
/// worth of pauses (gather_probe) and counts again. If none arrived meanwhile, the senders are not
/// writing and the run takes what it has (the probe is all the delay). If some did, waits as long
/// as the missing ones would take at a sixteenth of the rate just seen, at most gather_most
/// pauses, and counts once more. Returns the last count.
///
/// Why wait that long: a receiver that stays right behind its sender reads the cache lines the
/// sender is writing (in the list flavor, also tail, which the sender updates with every message),
/// and each such read moves a line between their processors and back: a batch receiver that kept
/// up with one sender took fewer messages per second than a loop of recv (which falls behind and
/// then reads finished blocks). Letting the senders get a few batches ahead lets the following
/// runs read lines the senders are done with. This is the "temporal slipping" of FastForward
/// (Giacomoni, Moseley and Vachharajani, PPoPP 2008), applied per batch.
#if defined(COURIER_SYNC_POLICY_HEADER)
// The model checker explores every pause as a scheduling point: one each is enough there.
inline constexpr std::uint32_t gather_probe = 1;
inline constexpr std::uint32_t gather_most = 1;
#else
inline constexpr std::uint32_t gather_probe = 16;  // pauses: about 0.3 µs on a current x86
inline constexpr std::uint32_t gather_most = 512;  // at most about 10 µs of waiting per run
#endif
inline constexpr std::size_t gather_margin = 16;  // how much slower than seen the wait assumes

template <class Ready>
std::size_t gather_wait(std::size_t have, std::size_t want, Ready ready) noexcept {
    for (std::uint32_t i = 0; i < gather_probe; ++i) {
        sync::cpu_relax();
    }
    const std::size_t now = ready();
    if (now <= have || now >= want) {
        return now;
    }
    const std::size_t missing = want - now;
    const std::size_t pauses =
        missing < gather_most ? missing * gather_probe * gather_margin / (now - have) : gather_most;
    const std::uint32_t n = pauses < gather_most ? static_cast<std::uint32_t>(pauses) : gather_most;
    for (std::uint32_t i = 0; i < n; ++i) {
        sync::cpu_relax();
    }
    return ready();
}

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
