// Shared pieces of the Relacy models: the engine under COURIER_SYNC_RELACY, a message type whose
// payload is a Relacy variable (so that a message read without a happens-before edge from its
// write is reported as a data race), virtual time, and the driver that runs a model under a
// scheduler with a number of iterations taken from the environment.
//
// Include this header in exactly one translation unit per program: it defines
// std::chrono::steady_clock::now() (see sync_relacy.hpp, "Virtual time").
//
// Knobs:
//   COURIER_RELACY_ITERATIONS   iterations of the random scheduler (default: the model's CI size)
//   COURIER_RELACY_SCALE        multiplies the CI size (default 1)
//   COURIER_RELACY_BOUND        preemptions of the context-bound search (default 2)
#pragma once

#if !defined(COURIER_SYNC_RELACY)
#error "the Relacy models must be compiled with -DCOURIER_SYNC_RELACY"
#endif

#include <courier/detail/sync.hpp>  // first: sync_relacy.hpp includes relacy.hpp

#include <courier/mpmc.hpp>
#include <courier/mpsc.hpp>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

// Virtual time: each reading advances the clock by one tick; a timed park that times out moves it
// to its deadline (sync::parker). Replaces the library's steady_clock::now() in this program only.
std::chrono::steady_clock::time_point std::chrono::steady_clock::now() noexcept {
    auto& now = courier::detail::sync::virtual_now();
    now += courier::detail::sync::virtual_tick;
    return time_point(now);
}

namespace courier_model {

/// Live message objects in the current execution (Relacy runs every thread on one OS thread).
inline long& live() noexcept {
    static long n = 0;
    return n;
}

/// A message whose payload is an rl::var: its accesses are checked for data races.
class msg {
  public:
    explicit msg(int v) : v_(v) { ++live(); }
    msg(msg&& other) noexcept : v_(0) {
        v_(RL_INFO) = other.v_(RL_INFO).load();
        ++live();
    }
    msg(const msg&) = delete;
    msg& operator=(const msg&) = delete;
    msg& operator=(msg&&) = delete;
    ~msg() { --live(); }

    int value() const { return v_(RL_INFO); }

  private:
    rl::var<int> v_;
};

/// Counts how the schedules of one model ended, by outcome name (string literals), so that a run
/// shows which paths it took. Fixed storage: nothing is allocated inside a model.
class tally {
  public:
    void add(const char* outcome) noexcept {
        for (int i = 0; i < n_; ++i) {
            if (names_[i] == outcome) {
                ++counts_[i];
                return;
            }
        }
        if (n_ < capacity) {
            names_[n_] = outcome;
            counts_[n_++] = 1;
        }
    }
    void print_and_reset() {
        for (int i = 0; i < n_; ++i) {
            std::printf("  outcome: %-45s %llu\n", names_[i],
                        static_cast<unsigned long long>(counts_[i]));
        }
        n_ = 0;
    }

  private:
    static constexpr int capacity = 8;
    const char* names_[capacity] = {};
    std::uint64_t counts_[capacity] = {};
    int n_ = 0;
};

inline tally& outcomes() noexcept {
    static tally t;
    return t;
}

/// Lets the other threads run until virtual time reaches `t` (a thread that must not be faster
/// than another one's deadline), or until `other_done` (the thread that moves the clock has
/// finished), or for at most 10 000 scheduling steps. Virtual time moves when other threads read
/// the clock or when a timed park times out. For the random scheduler only: a systematic search
/// would explore every step of this loop.
inline void wait_until_virtual(std::chrono::steady_clock::duration t, const bool& other_done) {
    for (int i = 0; i < 10'000 && !other_done && courier::detail::sync::virtual_now() < t; ++i) {
        rl::yield(1, RL_INFO);
    }
}

/// A delay chosen by the scheduler among `choices` (in microseconds of virtual time): every
/// schedule explores one of them.
template <std::size_t N>
inline std::chrono::microseconds pick_delay(const std::chrono::microseconds (&choices)[N]) {
    return choices[rl::rand(static_cast<unsigned>(N))];
}

/// Resets the per-execution state; call from the model's before().
inline void start_execution() {
    courier::detail::sync::virtual_now() = std::chrono::steady_clock::duration::zero();
    live() = 0;
}

inline std::uint64_t env_u64(const char* name, std::uint64_t fallback) {
    const char* text = std::getenv(name);
    if (text == nullptr || *text == '\0') {
        return fallback;
    }
    char* end = nullptr;
    const unsigned long long v = std::strtoull(text, &end, 10);
    return end != text && *end == '\0' && v > 0 ? v : fallback;
}

/// How a model is explored.
enum class search {
    random,   // the random scheduler, `iterations` schedules
    bounded,  // every schedule with at most `bound` preemptions (Relacy's context-bound search)
    full,     // every schedule (Relacy's full search); only for the smallest models
};

struct plan {
    search how = search::random;
    std::uint64_t iterations = 100'000;  // random: the CI size
    unsigned bound = 2;                  // bounded: preemptions
};

/// Runs model M; prints one line with the outcome; returns true when no schedule failed.
template <class M>
bool run(const char* name, plan p) {
    rl::test_params params;
    params.execution_depth_limit = 200'000;
    const std::uint64_t scale = env_u64("COURIER_RELACY_SCALE", 1);
    switch (p.how) {
        case search::random:
            params.search_type = rl::random_scheduler_type;
            params.iteration_count = env_u64("COURIER_RELACY_ITERATIONS", p.iterations * scale);
            break;
        case search::bounded:
            params.search_type = rl::fair_context_bound_scheduler_type;
            p.bound = static_cast<unsigned>(env_u64("COURIER_RELACY_BOUND", p.bound));
            params.context_bound = p.bound;
            params.iteration_count = ~static_cast<rl::iteration_t>(0) / 2;  // until exhausted
            break;
        case search::full:
            params.search_type = rl::fair_full_search_scheduler_type;
            params.iteration_count = ~static_cast<rl::iteration_t>(0) / 2;
            break;
    }
    const auto t0 = std::chrono::system_clock::now();
    std::printf("model %s: %s%s\n", name,
                p.how == search::random    ? "random scheduler, iterations "
                : p.how == search::bounded ? "context-bound search, preemptions "
                                           : "full search",
                p.how == search::random    ? std::to_string(params.iteration_count).c_str()
                : p.how == search::bounded ? std::to_string(p.bound).c_str()
                                           : "");
    std::fflush(stdout);
    const bool ok = rl::simulate<M>(params);
    const double secs =
        std::chrono::duration<double>(std::chrono::system_clock::now() - t0).count();
    outcomes().print_and_reset();
    std::printf("model %s: %s, %llu schedules, %.1f s\n", name, ok ? "PASSED" : "FAILED",
                static_cast<unsigned long long>(params.stop_iteration), secs);
    std::fflush(stdout);
    return ok;
}

}  // namespace courier_model
