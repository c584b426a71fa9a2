// The sync policy for model checking with Relacy (Dmitry Vyukov's Relacy Race Detector,
// relacy-dev: /usr/include/relacy/relacy.hpp). Selected by sync.hpp when COURIER_SYNC_POLICY_HEADER
// names this file (and COURIER_SYNC_RELACY is defined); only the model programs under
// tests/reliability/relacy/ do that. It is a test file: it is not installed.
//
// It gives the engine the same names as the normal policy, backed by Relacy's simulated
// primitives, so the unchanged flavor code runs under Relacy's scheduler and memory model:
//   atomic<T>            wraps rl::atomic<T>; std::memory_order arguments map to rl::memory_order;
//                        each access records the caller's source position in Relacy's history
//                        (std::source_location where the library has it, else this file's,
//                        through RL_INFO, the macro behind Relacy's `$`);
//   mutex, lock_guard, unique_lock
//                        rl::mutex behind the std lock adaptors;
//   cpu_relax, yield_now rl::yield: tells the scheduler the thread is spinning;
//   thread_id            the Relacy thread index + 1 (never 0);
//   per_thread           one slot per Relacy thread (a thread_local would be shared by all);
//   random_below         rl::rand: the select fast path's random order is a scheduler choice;
//   spin_seats           every waiter may spin (no static rl::atomic);
//   parker               park / park_until / unpark with the semantics of thread_parker (a sticky
//                        token), on rl::mutex + rl::condition_variable. A timed park may time out
//                        at any point the scheduler chooses.
//   stop_callback, stop_requested
//                        a std::stop_token in a model stands for a model_stop_state that the model
//                        registered for it (bind_stop_token); the model requests the stop through
//                        that state, on Relacy's primitives. std's own stop machinery would block
//                        the one OS thread Relacy runs every model thread on.
//
// Virtual time. The engine measures deadlines with std::chrono::steady_clock. A model program
// replaces steady_clock::now() by virtual time (tests/reliability/relacy/model.hpp): every call
// advances it by virtual_tick, and a timed park that times out moves it to the deadline. Runs are
// then deterministic (Relacy replays schedules) and a deadline expires exactly when the schedule
// says so.
//
// Relacy's std-alias mode (relacy_std.hpp) does not compile with GCC 12, so only the rl:: API is
// used, and the macros relacy.hpp defines over common lowercase names (new, delete, malloc, free,
// assert, errno, memory_order_*) are removed right after including it. Every standard header the
// engine uses is included first: relacy.hpp also defines pthread_* macros that break standard
// headers parsed after it.
#pragma once

#if !defined(COURIER_SYNC_RELACY)
#error "sync_relacy.hpp is the model-checking policy; define COURIER_SYNC_RELACY to use it"
#endif

// ---- every standard header the engine (and the model programs) include, before relacy.hpp ----
#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <compare>
#include <concepts>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <deque>
#include <exception>
#include <functional>
#include <initializer_list>
#include <iterator>
#include <limits>
#include <memory>
#include <mutex>
#include <new>
#include <optional>
#include <random>
#include <stdexcept>
#include <stop_token>
#include <string>
#include <string_view>
#include <thread>
#include <tuple>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>
#include <version>
#if __has_include(<expected>)
#include <expected>
#endif
#if __has_include(<source_location>)
#include <source_location>
#endif
#if defined(__linux__)
#include <linux/futex.h>
#include <malloc.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

#include <relacy/relacy.hpp>

#undef new
#undef delete
#undef malloc
#undef calloc
#undef realloc
#undef free
#undef assert
#undef errno
#undef memory_order_relaxed
#undef memory_order_consume
#undef memory_order_acquire
#undef memory_order_release
#undef memory_order_acq_rel
#undef memory_order_seq_cst

namespace courier::detail::sync {

// ---- where an access comes from, for Relacy's history -------------------------------------

#if defined(__cpp_lib_source_location)
using site = std::source_location;
#define COURIER_RL_HERE = std::source_location::current()
inline rl::debug_info info(const site& s) noexcept {
    return rl::debug_info(s.function_name(), s.file_name(), static_cast<unsigned>(s.line()));
}
#else
// No std::source_location (Clang 14 with libstdc++ 12): the history names this file.
struct site {};
#define COURIER_RL_HERE \
    = ::courier::detail::sync::site {}
inline rl::debug_info info(const site&) noexcept {
    return RL_INFO;
}
#endif

constexpr rl::memory_order to_rl(std::memory_order mo) noexcept {
    switch (mo) {
        case std::memory_order_relaxed:
            return rl::mo_relaxed;
        case std::memory_order_consume:
            return rl::mo_consume;
        case std::memory_order_acquire:
            return rl::mo_acquire;
        case std::memory_order_release:
            return rl::mo_release;
        case std::memory_order_acq_rel:
            return rl::mo_acq_rel;
        case std::memory_order_seq_cst:
            return rl::mo_seq_cst;
    }
    return rl::mo_seq_cst;
}

// The failure order of a single-order compare-exchange, as std::atomic derives it.
constexpr std::memory_order failure_order(std::memory_order mo) noexcept {
    if (mo == std::memory_order_acq_rel) {
        return std::memory_order_acquire;
    }
    if (mo == std::memory_order_release) {
        return std::memory_order_relaxed;
    }
    return mo;
}

/// std::atomic's interface (the part the engine uses) over rl::atomic.
template <class T>
class atomic {
  public:
    atomic() noexcept : atomic(T()) {}
    // Implicit, as std::atomic's.
    atomic(T v) noexcept { a_.store(v, rl::mo_relaxed, RL_INFO); }
    atomic(const atomic&) = delete;
    atomic& operator=(const atomic&) = delete;

    T load(std::memory_order mo = std::memory_order_seq_cst, site s COURIER_RL_HERE) const {
        return a_.load(to_rl(mo), info(s));
    }
    void store(T v, std::memory_order mo = std::memory_order_seq_cst, site s COURIER_RL_HERE) {
        a_.store(v, to_rl(mo), info(s));
    }
    T exchange(T v, std::memory_order mo = std::memory_order_seq_cst, site s COURIER_RL_HERE) {
        return a_.exchange(v, to_rl(mo), info(s));
    }
    bool compare_exchange_weak(T& expected, T desired, std::memory_order success,
                               std::memory_order failure, site s COURIER_RL_HERE) {
        return a_.compare_exchange_weak(expected, desired, to_rl(success), info(s), to_rl(failure),
                                        info(s));
    }
    bool compare_exchange_weak(T& expected, T desired,
                               std::memory_order mo = std::memory_order_seq_cst,
                               site s COURIER_RL_HERE) {
        return compare_exchange_weak(expected, desired, mo, failure_order(mo), s);
    }
    bool compare_exchange_strong(T& expected, T desired, std::memory_order success,
                                 std::memory_order failure, site s COURIER_RL_HERE) {
        return a_.compare_exchange_strong(expected, desired, to_rl(success), info(s),
                                          to_rl(failure), info(s));
    }
    bool compare_exchange_strong(T& expected, T desired,
                                 std::memory_order mo = std::memory_order_seq_cst,
                                 site s COURIER_RL_HERE) {
        return compare_exchange_strong(expected, desired, mo, failure_order(mo), s);
    }
    template <class U = T>
    requires std::is_integral_v<U> T fetch_add(U v,
                                               std::memory_order mo = std::memory_order_seq_cst,
                                               site s COURIER_RL_HERE) {
        return a_.fetch_add(v, to_rl(mo), info(s));
    }
    template <class U = T>
    requires std::is_integral_v<U> T fetch_sub(U v,
                                               std::memory_order mo = std::memory_order_seq_cst,
                                               site s COURIER_RL_HERE) {
        return a_.fetch_sub(v, to_rl(mo), info(s));
    }
    template <class U = T>
    requires std::is_integral_v<U> T fetch_or(U v, std::memory_order mo = std::memory_order_seq_cst,
                                              site s COURIER_RL_HERE) {
        return a_.fetch_or(v, to_rl(mo), info(s));
    }
    template <class U = T>
    requires std::is_integral_v<U> T fetch_and(U v,
                                               std::memory_order mo = std::memory_order_seq_cst,
                                               site s COURIER_RL_HERE) {
        return a_.fetch_and(v, to_rl(mo), info(s));
    }

  private:
    mutable rl::atomic<T> a_;
};

/// A mutex for the std lock adaptors (BasicLockable over rl::mutex).
class mutex {
  public:
    mutex() = default;
    mutex(const mutex&) = delete;
    mutex& operator=(const mutex&) = delete;

    void lock(site s COURIER_RL_HERE) { m_.lock(info(s)); }
    bool try_lock(site s COURIER_RL_HERE) { return m_.try_lock(info(s)); }
    void unlock(site s COURIER_RL_HERE) { m_.unlock(info(s)); }

  private:
    rl::mutex m_;
};

template <class M>
using lock_guard = std::lock_guard<M>;
template <class M>
using unique_lock = std::unique_lock<M>;

/// A busy-wait step: lets the scheduler run another thread.
inline void cpu_relax(site s COURIER_RL_HERE) {
    rl::yield(1, info(s));
}

/// Gives the processor to another thread.
inline void yield_now(site s COURIER_RL_HERE) {
    rl::yield(1, info(s));
}

/// The Relacy thread index + 1 (0 is reserved for "no thread").
inline std::uintptr_t thread_id() {
    return static_cast<std::uintptr_t>(rl::thread_index()) + 1;
}

/// The engine's per-thread state (the resume queue of coroutines, the acting owner): one per
/// simulated thread, since Relacy runs every simulated thread on one OS thread. Each must be back
/// to its initial value at the end of an execution (an empty queue, no acting owner), which the
/// engine guarantees when it runs correctly.
template <class Tag, class T>
inline T& per_thread() {
    static T slots[16]{};
    return slots[rl::thread_index() % 16];
}

/// A choice of the scheduler in [0, n): explored by the search and repeated exactly on replay (a
/// generator of our own would carry its state from one execution to the next).
inline std::size_t random_below(std::size_t n) {
    return rl::rand(static_cast<unsigned>(n));
}

/// Every waiter may spin: the spin is a performance choice that changes no outcome, and a static
/// rl::atomic count would outlive the execution that made it (Relacy reports an atomic leak).
struct spin_seats {
    static bool try_enter() noexcept { return true; }
    static void leave() noexcept {}
};

// ---- virtual time ---------------------------------------------------------------------------

/// How far the virtual steady clock advances at each reading.
inline constexpr std::chrono::steady_clock::duration virtual_tick = std::chrono::microseconds(100);

/// The current virtual time (since the virtual epoch). A model resets it at the start of every
/// execution and advances it through its steady_clock::now().
inline std::chrono::steady_clock::duration& virtual_now() noexcept {
    static std::chrono::steady_clock::duration now{};
    return now;
}

/// Moves virtual time forward to `t` (never backwards).
inline void advance_virtual_time(std::chrono::steady_clock::time_point t) noexcept {
    if (t.time_since_epoch() > virtual_now()) {
        virtual_now() = t.time_since_epoch();
    }
}

// ---- parking --------------------------------------------------------------------------------

/// thread_parker's contract on Relacy's primitives: a sticky token; unpark() before park() makes
/// that park() return at once; park_until() may also return when the scheduler times it out.
class parker {
  public:
    parker() = default;
    parker(const parker&) = delete;
    parker& operator=(const parker&) = delete;
    ~parker() { alive_ = 0; }

    /// Sleeps until the token is available, then consumes it.
    void park() {
        m_.lock(RL_INFO);
        while (!token_(RL_INFO)) {
            cv_.wait(m_, RL_INFO);
        }
        token_(RL_INFO) = false;
        m_.unlock(RL_INFO);
    }

    /// Sleeps until the token is available or the scheduler decides the deadline has passed
    /// (virtual time then jumps to `deadline`). True if the token was consumed.
    bool park_until(std::chrono::steady_clock::time_point deadline) {
        m_.lock(RL_INFO);
        if (!token_(RL_INFO)) {
            cv_.wait_for(m_, std::chrono::steady_clock::duration::zero(), RL_INFO);
        }
        const bool had = token_(RL_INFO);
        token_(RL_INFO) = false;
        m_.unlock(RL_INFO);
        if (!had) {
            advance_virtual_time(deadline);
        }
        return had;
    }

    /// Consumes the token if it is available; never sleeps. True if it was consumed.
    bool try_park() {
        m_.lock(RL_INFO);
        const bool had = token_(RL_INFO);
        token_(RL_INFO) = false;
        m_.unlock(RL_INFO);
        return had;
    }

    /// Makes the token available and wakes the parked thread, if any.
    void unpark() {
        // The waiter protocol keeps a parker alive until its unpark() (the notifier's last access,
        // waiter.hpp); a waiter that returned without the token has destroyed it by now. The
        // canary catches that while the dead frame's memory is not yet reused.
        RL_ASSERT(alive_ == alive_mark);
        m_.lock(RL_INFO);
        token_(RL_INFO) = true;
        cv_.notify_one(RL_INFO);
        m_.unlock(RL_INFO);
    }

  private:
    static constexpr std::uint32_t alive_mark = 0x5a17c0deu;

    rl::mutex m_;
    rl::condition_variable cv_;
    rl::var<bool> token_{false};
    volatile std::uint32_t alive_ = alive_mark;  // volatile: the destructor's store must stay
};

// ---- stop requests --------------------------------------------------------------------------

/// The stop state of a std::stop_token in a model: a flag and the callbacks registered for it,
/// under an rl::mutex. request() runs the callbacks while holding the mutex, so a stop_callback's
/// destructor, which takes it too, returns only after its callback has finished (as std's waits
/// for a callback running on another thread).
class model_stop_state {
  public:
    struct node {
        node* next;
        void (*run)(node*) noexcept;
    };

    /// Requests the stop: sets the flag and runs every registered callback, once.
    void request() {
        m_.lock(RL_INFO);
        requested_.store(true, rl::mo_release, RL_INFO);
        runner_ = rl::thread_index() + 1;
        for (node* n = head_; n != nullptr;) {
            node* next = n->next;
            n->run(n);  // may destroy its own stop_callback (a coroutine resumed by the callback)
            n = next;
        }
        head_ = nullptr;
        runner_ = 0;
        m_.unlock(RL_INFO);
    }

    bool requested() { return requested_.load(rl::mo_acquire, RL_INFO); }

    /// Registers `n`; false (not registered) when the stop was requested already.
    bool add(node* n) {
        m_.lock(RL_INFO);
        const bool open = !requested_.load(rl::mo_relaxed, RL_INFO);
        if (open) {
            n->next = head_;
            head_ = n;
        }
        m_.unlock(RL_INFO);
        return open;
    }

    /// Unregisters `n` if it is still registered; returns once its callback (if running) is done.
    void remove(node* n) {
        if (runner_ == rl::thread_index() + 1) {
            // Destroyed by a callback that request() runs on this thread (std::stop_callback
            // allows it and does not wait): request() drops the whole list when it is done.
            return;
        }
        m_.lock(RL_INFO);
        for (node** p = &head_; *p != nullptr; p = &(*p)->next) {
            if (*p == n) {
                *p = n->next;
                break;
            }
        }
        m_.unlock(RL_INFO);
    }

  private:
    rl::mutex m_;
    rl::atomic<bool> requested_{false};
    node* head_ = nullptr;
    unsigned runner_ = 0;  // the Relacy thread index + 1 of the thread inside request(), or 0
};

/// The tokens of the current model execution and their states (cleared by the model).
inline std::vector<std::pair<std::stop_token, model_stop_state*>>& stop_bindings() {
    static std::vector<std::pair<std::stop_token, model_stop_state*>> bindings;
    return bindings;
}

/// Forgets every binding and frees the list (at the end of an execution).
inline void unbind_stop_tokens() {
    std::vector<std::pair<std::stop_token, model_stop_state*>>().swap(stop_bindings());
}

/// Makes `st` stand for `state` in the engine's stop calls.
inline void bind_stop_token(const std::stop_token& st, model_stop_state* state) {
    stop_bindings().emplace_back(st, state);
}

inline model_stop_state* find_stop_state(const std::stop_token& st) {
    for (auto& [token, state] : stop_bindings()) {
        if (token == st) {
            return state;
        }
    }
    return nullptr;
}

inline bool stop_requested(const std::stop_token& st) noexcept {
    model_stop_state* state = find_stop_state(st);
    return state != nullptr && state->requested();
}

/// std::stop_callback's contract on model_stop_state.
template <class F>
class stop_callback : private model_stop_state::node {
  public:
    stop_callback(const std::stop_token& st, F f) : node{nullptr, &invoke}, f_(std::move(f)) {
        state_ = find_stop_state(st);
        if (state_ != nullptr && !state_->add(this)) {
            state_ = nullptr;
            f_();  // already requested: run now, in this thread
        }
    }
    stop_callback(const stop_callback&) = delete;
    stop_callback& operator=(const stop_callback&) = delete;
    ~stop_callback() {
        if (state_ != nullptr) {
            state_->remove(this);
        }
    }

  private:
    static void invoke(model_stop_state::node* n) noexcept { static_cast<stop_callback*>(n)->f_(); }

    F f_;
    model_stop_state* state_ = nullptr;
};

}  // namespace courier::detail::sync

#undef COURIER_RL_HERE
