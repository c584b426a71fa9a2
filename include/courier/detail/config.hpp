// Build-time switches shared by the whole engine.
//
// COURIER_PERTURB(point): a schedule-perturbation point. It compiles to nothing unless
// COURIER_ENABLE_PERTURBATION is defined (stress builds), where it randomly yields or sleeps so
// that rare interleavings on the init, disconnect, drop and wake paths show up in tests.
#pragma once

#include <cstdint>
#include <type_traits>

#if defined(COURIER_ENABLE_PERTURBATION)
#include <chrono>
#include <random>
#include <thread>
#endif

// COURIER_TRIVIAL: the one-line functions (accessors, forwarding calls, small constructors) are
// inlined in every build. Unoptimized, a compiler emits each inline function a translation unit
// uses as a function of its own, and for a one-liner that costs several times more compile time
// than the line itself inlined at its call sites (GCC 12 at -O0: about a million of the
// compiler's instructions per function, a third of that inlined); the compile time of any program
// that includes courier is mostly this. Unoptimized programs also run these without a call.
//
// COURIER_HOT / COURIER_COLD: the per-message fast paths (reserve, write, read, the waker's
// "anybody waiting?" check) are forced inline so that a send or receive that needs no waiting is
// one straight-line function in the caller; the waiting and recovery paths are kept out of line.
// Only optimized builds force the inlining: an unoptimized build gains no speed from it and pays
// for it in compile time at every call site.
#if defined(__GNUC__) || defined(__clang__)
#if defined(__OPTIMIZE__)
#define COURIER_HOT [[gnu::always_inline]] inline
#else
#define COURIER_HOT inline
#endif
#define COURIER_COLD [[gnu::noinline, gnu::cold]]
#define COURIER_NOINLINE [[gnu::noinline]]
#define COURIER_TRIVIAL [[gnu::always_inline]] inline
#else
#define COURIER_HOT inline
#define COURIER_COLD
#define COURIER_NOINLINE
#define COURIER_TRIVIAL inline
#endif

// COURIER_MOVE(x) and static_cast<X&&>(x) are std::move(x) and std::forward<X>(x) as casts. GCC
// before 13 compiles each std::move<U> and std::forward<U> a file uses, unoptimized, as a
// function of its own (unless -ffold-simple-inlines is given); a cast costs nothing. COURIER_MOVE
// takes the type from its argument as std::move does (constness included).
#define COURIER_MOVE(...) \
    static_cast<std::remove_reference_t<decltype((__VA_ARGS__))>&&>(__VA_ARGS__)

namespace courier::detail {

#if defined(COURIER_ENABLE_PERTURBATION)
/// One perturbation decision: mostly nothing, sometimes a yield, rarely a short sleep.
inline void perturb() noexcept {
    thread_local std::minstd_rand rng{static_cast<std::uint32_t>(
        std::hash<std::thread::id>{}(std::this_thread::get_id()) ^
        static_cast<std::size_t>(std::chrono::steady_clock::now().time_since_epoch().count()))};
    const auto r = rng() % 64;
    if (r < 6) {
        std::this_thread::yield();
    } else if (r == 6) {
        std::this_thread::sleep_for(std::chrono::microseconds(rng() % 50));
    }
}
#define COURIER_PERTURB() ::courier::detail::perturb()
#else
#define COURIER_PERTURB() static_cast<void>(0)
#endif

}  // namespace courier::detail
