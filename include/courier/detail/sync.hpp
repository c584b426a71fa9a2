// The sync policy: every shared-state primitive the engine uses comes from here.
//
// Flavors, wakers and waiters never name std::atomic, std::mutex or a futex directly; they use
// courier::detail::sync::{atomic, mutex, lock_guard, cpu_relax, yield_now, thread_id,
// per_thread, random_below, spin_seats, stop_callback, stop_requested}. A build that defines
// COURIER_SYNC_POLICY_HEADER (the model checker's) substitutes its own primitives here, so the very
// same flavor code is explored under every interleaving. Memory orders are passed explicitly
// everywhere; the engine uses no standalone fences (ThreadSanitizer does not model them):
// publication is always a release store or RMW on the atomic that carries the state, paired with an
// acquire on the reader's side.
#pragma once

#include <cstdint>

#if defined(COURIER_SYNC_POLICY_HEADER)
// A replacement policy (the model checker's, kept with its models under tests/reliability/): it
// defines the same names in courier::detail::sync, plus sync::parker.
#include COURIER_SYNC_POLICY_HEADER
#else

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <stop_token>
#include <thread>
#include <type_traits>

#if defined(_MSC_VER) && (defined(_M_X64) || defined(_M_IX86))
#include <intrin.h>  // _mm_pause; GCC and Clang use a builtin instead of <immintrin.h>
#endif

#include "courier/detail/cache_padded.hpp"
#include "courier/detail/chrono.hpp"
#include "courier/detail/config.hpp"

// std::mutex, std::lock_guard and std::unique_lock, which libstdc++ keeps in <bits/std_mutex.h>
// and <bits/unique_lock.h>; the rest of <mutex> (timed and recursive mutexes, call_once, std::lock
// and scoped_lock over several mutexes) is not needed here.
#if defined(__GLIBCXX__) && __has_include(<bits/std_mutex.h>) && __has_include(<bits/unique_lock.h>)
#include <bits/std_mutex.h>
#include <bits/unique_lock.h>
#else
#include <mutex>
#endif

namespace courier::detail::sync {

#if defined(__GNUC__) || defined(__clang__)
/// The engine's atomic integer, bool or pointer: the operations of std::atomic that the engine
/// uses, with the same meaning and the same default orders, on the compiler's __atomic builtins
/// (those libstdc++ and libc++ build std::atomic on; ThreadSanitizer instruments them the same).
/// Optimized, both compile to the same instructions. Unoptimized, they do not cost the compiler the
/// same: GCC 12 inlines libstdc++'s checks of the memory order into every atomic operation (about
/// 2.4 million of the compiler's instructions each, against 0.5 million for one of these), and
/// every operation on a std::atomic<T*> or std::atomic<bool> is a function of its own in each
/// translation unit; a file that uses a channel compiles a few dozen of them.
template <class T>
class atomic {
    static_assert(std::is_integral_v<T> || std::is_pointer_v<T>,
                  "courier: sync::atomic holds an integer, a bool or a pointer");
    static_assert(__atomic_always_lock_free(sizeof(T), 0),
                  "courier: sync::atomic needs a lock-free type");

  public:
    constexpr atomic() noexcept : v_() {}
    // NOLINTNEXTLINE(google-explicit-constructor): initialized from a T, as std::atomic<T> is
    constexpr atomic(T v) noexcept : v_(v) {}
    atomic(const atomic&) = delete;
    atomic& operator=(const atomic&) = delete;

    COURIER_TRIVIAL T load(std::memory_order o = std::memory_order_seq_cst) const noexcept {
        return __atomic_load_n(&v_, static_cast<int>(o));
    }
    COURIER_TRIVIAL void store(T v, std::memory_order o = std::memory_order_seq_cst) noexcept {
        __atomic_store_n(&v_, v, static_cast<int>(o));
    }
    COURIER_TRIVIAL T exchange(T v, std::memory_order o = std::memory_order_seq_cst) noexcept {
        return __atomic_exchange_n(&v_, v, static_cast<int>(o));
    }
    COURIER_TRIVIAL bool compare_exchange_strong(T& expected, T desired, std::memory_order success,
                                                 std::memory_order failure) noexcept {
        return __atomic_compare_exchange_n(&v_, &expected, desired, false,
                                           static_cast<int>(success), static_cast<int>(failure));
    }
    COURIER_TRIVIAL bool compare_exchange_weak(T& expected, T desired, std::memory_order success,
                                               std::memory_order failure) noexcept {
        return __atomic_compare_exchange_n(&v_, &expected, desired, true, static_cast<int>(success),
                                           static_cast<int>(failure));
    }
    COURIER_TRIVIAL bool compare_exchange_strong(
        T& expected, T desired, std::memory_order o = std::memory_order_seq_cst) noexcept {
        return compare_exchange_strong(expected, desired, o, failure_order(o));
    }
    COURIER_TRIVIAL bool compare_exchange_weak(
        T& expected, T desired, std::memory_order o = std::memory_order_seq_cst) noexcept {
        return compare_exchange_weak(expected, desired, o, failure_order(o));
    }
    // Arithmetic and bits: integers only (std::atomic<T*> scales by the pointee, which the engine
    // never needs).
    COURIER_TRIVIAL T fetch_add(T d, std::memory_order o = std::memory_order_seq_cst) noexcept
        requires std::is_integral_v<T> {
        return __atomic_fetch_add(&v_, d, static_cast<int>(o));
    }
    COURIER_TRIVIAL T fetch_sub(T d, std::memory_order o = std::memory_order_seq_cst) noexcept
        requires std::is_integral_v<T> {
        return __atomic_fetch_sub(&v_, d, static_cast<int>(o));
    }
    COURIER_TRIVIAL T fetch_or(T b, std::memory_order o = std::memory_order_seq_cst) noexcept
        requires std::is_integral_v<T> {
        return __atomic_fetch_or(&v_, b, static_cast<int>(o));
    }
    COURIER_TRIVIAL T fetch_and(T b, std::memory_order o = std::memory_order_seq_cst) noexcept
        requires std::is_integral_v<T> {
        return __atomic_fetch_and(&v_, b, static_cast<int>(o));
    }

  private:
    /// The order of a compare-exchange's failure given only its success order (as std::atomic's
    /// single-order forms: no release part, since a failure stores nothing).
    COURIER_TRIVIAL static std::memory_order failure_order(std::memory_order o) noexcept {
        return o == std::memory_order_acq_rel   ? std::memory_order_acquire
               : o == std::memory_order_release ? std::memory_order_relaxed
                                                : o;
    }

    alignas(sizeof(T)) T v_;
};
#else
template <class T>
using atomic = std::atomic<T>;
#endif
using mutex = std::mutex;
template <class M>
using lock_guard = std::lock_guard<M>;
template <class M>
using unique_lock = std::unique_lock<M>;

/// Runs a callback when a stop is requested on a std::stop_token (std::stop_callback: its
/// destructor waits for a callback running on another thread).
template <class F>
using stop_callback = std::stop_callback<F>;

COURIER_TRIVIAL bool stop_requested(const std::stop_token& st) noexcept {
    return st.stop_requested();
}

/// A hint that the caller is busy-waiting (PAUSE on x86, YIELD on Arm).
COURIER_TRIVIAL void cpu_relax() noexcept {
#if (defined(__x86_64__) || defined(__i386__)) && (defined(__GNUC__) || defined(__clang__))
    __builtin_ia32_pause();
#elif defined(_MSC_VER) && (defined(_M_X64) || defined(_M_IX86))
    _mm_pause();
#elif defined(__aarch64__) || defined(__arm__)
    asm volatile("yield" ::: "memory");
#endif
}

/// Give the processor to another runnable thread.
COURIER_TRIVIAL void yield_now() noexcept {
    std::this_thread::yield();
}

/// A cheap identity of the calling thread (the address of a thread_local), never 0.
COURIER_TRIVIAL std::uintptr_t thread_id() noexcept {
    thread_local char marker;
    return reinterpret_cast<std::uintptr_t>(&marker);
}

/// The engine's per-thread state of type T (`Tag` tells the uses apart): a thread_local, zero- or
/// default-initialized, constant-initialized so that reading it costs one thread-local load. The
/// model checker's policy keeps one per simulated thread instead.
template <class Tag, class T>
COURIER_TRIVIAL T& per_thread() noexcept {
    constinit thread_local T value{};
    return value;
}

/// A pseudo-random number in [0, n) from a per-thread generator (n > 0): splitmix64 (Sebastiano
/// Vigna's seeding generator: a Weyl sequence through a 64-bit finalizer), so that select's
/// shuffle needs no <random>. Reduced by modulo: the bias, n / 2^64, is far below anything a
/// select over a few operations could show.
inline std::size_t random_below(std::size_t n) noexcept {
    thread_local std::uint64_t state =
        static_cast<std::uint64_t>(thread_id()) ^
        static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
    std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    z ^= z >> 31;
    return static_cast<std::size_t>(z % static_cast<std::uint64_t>(n));
}

/// The seats for waiters that spin before they park, one count for the whole process: half the
/// processors, at least one (thread_waiter.hpp says why). try_enter() takes a seat if one is
/// free; leave() gives it back.
class spin_seats {
  public:
    static bool try_enter() noexcept {
        shared& s = get();
        // relaxed: a count of spinners, not a publication; a stale read only changes whether one
        // more waiter spins.
        std::uint32_t n = s.taken.load(std::memory_order_relaxed);
        do {
            if (n >= s.seats) {
                return false;
            }
        } while (!s.taken.compare_exchange_weak(n, n + 1, std::memory_order_relaxed,
                                                std::memory_order_relaxed));
        return true;
    }

    COURIER_TRIVIAL static void leave() noexcept {
        get().taken.fetch_sub(1, std::memory_order_relaxed);
    }

  private:
    struct alignas(cache_line) shared {  // its own cache line: every spinning waiter touches it
        atomic<std::uint32_t> taken{0};
        std::uint32_t seats = half_the_processors();
    };

    static std::uint32_t half_the_processors() noexcept {
        const unsigned n = std::thread::hardware_concurrency() / 2;
        return n > 1 ? n : 1;
    }

    static shared& get() noexcept {
        static shared s;
        return s;
    }
};

}  // namespace courier::detail::sync

#endif
