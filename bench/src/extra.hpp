// Measurements beyond throughput, run through the same adapters as scenarios.hpp
// (`--extra rtt|rss|idle`, one group per process so that the memory figures of one group do not
// carry into the next). Rows: `system,metric,flavor,value,unit`.
//
//   rtt   round-trip latency: one thread sends a message on a `ping` channel, a second thread
//         receives it and sends it back on a `pong` channel; each round trip is timed on its own
//         with steady_clock. Two rendezvous channels (bounded0) and two capacity-1 channels
//         (bounded1), where the implementation has them. Reported: rtt_median and rtt_p99 in ns,
//         after a tenth as many unrecorded trips to warm up.
//         Then the same ping-pong runs for 300 ms beside one busy thread per processor, the busy
//         threads stop, and the next trips (a tenth as many, at least 1 000) are timed:
//         rtt_after_load_median and rtt_after_load_p99. A waiting policy that learns from past
//         waits can stay in its "park at once" state long after the load is gone; this shows it.
//   rss   memory of a burst: one thread sends `--rss-messages` messages (default 10 M) into an
//         unbounded channel, then receives them all. Reported in KiB from /proc/self/status:
//         rss_before (VmRSS before the channel exists), rss_peak (VmHWM, the peak, reached while
//         everything is buffered), rss_after_drain (VmRSS with the channel empty but alive),
//         rss_after_drop (VmRSS after the channel is destroyed).
//   idle  cost of waiting: a thread blocks in recv on an empty channel for `--idle-seconds`
//         (default 1 s) until the main thread sends one message. Reported in microseconds:
//         blocked_recv_thread_cpu (CPU clock of the receiving thread across its recv) and
//         blocked_recv_process_cpu (CPU clock of the whole process while the main thread sleeps).
//         Flavors bounded1 and unbounded where the implementation has them, else its first one.
//   cpu   processor time per message of the hand-off cases (bounded0_spsc, bounded0_mpsc,
//         bounded1_spsc, bounded1_mpsc, where the implementation has them): a warm-up run, then
//         `--runs` runs of `--messages` messages, each timed by the process CPU clock and the
//         wall clock. Reported per case (as the flavor column): cpu_per_msg (median over the runs,
//         ns of CPU per message) and cpu_busy (CPU time / wall time of that run: how many
//         processors the case kept busy).
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <thread>
#include <vector>

#include "harness.hpp"
#include "scenarios.hpp"

namespace bench {

/// Prints the median and the 99th percentile of round-trip times given in nanoseconds, as the
/// metrics `<metric>_median` and `<metric>_p99`.
inline void print_rtt(std::string_view system, std::string_view metric,
                      std::string_view flavor_name, std::vector<std::int64_t> ns) {
    std::sort(ns.begin(), ns.end());
    const std::size_t k = ns.size();
    const std::size_t p99 = static_cast<std::size_t>(std::ceil(0.99 * static_cast<double>(k))) - 1;
    const std::string name(metric);
    print_extra(system, name + "_median", flavor_name, static_cast<double>(ns[k / 2]), "ns");
    print_extra(system, name + "_p99", flavor_name, static_cast<double>(ns[p99]), "ns");
}

template <class A, flavor F>
void measure_rtt(const options& o) {
    auto ping = A::template make_mpsc<F>(1);
    auto pong = A::template make_mpsc<F>(1);
    const std::size_t trips = o.rtt_trips;
    const std::size_t warm = std::max<std::size_t>(trips / 10, 100);
    std::thread echo(
        [rx = std::move(ping.second), tx = pong.first, total = warm + trips]() mutable {
            for (std::size_t i = 0; i < total; ++i) {
                A::send(tx, A::recv(rx));
            }
        });
    for (std::size_t i = 0; i < warm; ++i) {
        A::send(ping.first, i + 1);
        if (A::recv(pong.second) != i + 1) {
            fail("ping-pong returned another message");
        }
    }
    std::vector<std::int64_t> ns(trips);
    for (std::size_t i = 0; i < trips; ++i) {
        const auto t0 = std::chrono::steady_clock::now();
        A::send(ping.first, i + 1);
        const message back = A::recv(pong.second);
        const auto t1 = std::chrono::steady_clock::now();
        if (back != i + 1) {
            fail("ping-pong returned another message");
        }
        ns[i] = std::chrono::duration_cast<std::chrono::nanoseconds>(t1 - t0).count();
    }
    echo.join();
    print_rtt(A::name, "rtt", name_of(F), std::move(ns));
}

template <class A>
void measure_rss(const options& o) {
    const std::size_t n = o.rss_messages;
    const double before = proc_status_kib("VmRSS");
    double after_drain = 0;
    {
        auto ch = A::template make_mpsc<flavor::unbounded>(n);
        for (message i = 1; i <= n; ++i) {
            A::send(ch.first, i);
        }
        message sum = 0;
        for (std::size_t i = 0; i < n; ++i) {
            sum += A::recv(ch.second);
        }
        check_sum(sum, n);
        after_drain = proc_status_kib("VmRSS");
    }
    const double after_drop = proc_status_kib("VmRSS");
    const double peak = proc_status_kib("VmHWM");
    print_extra(A::name, "rss_before", "unbounded", before, "KiB");
    print_extra(A::name, "rss_peak", "unbounded", peak, "KiB");
    print_extra(A::name, "rss_after_drain", "unbounded", after_drain, "KiB");
    print_extra(A::name, "rss_after_drop", "unbounded", after_drop, "KiB");
}

template <class A, flavor F>
void measure_idle(const options& o) {
    auto ch = A::template make_mpsc<F>(1);
    std::atomic<bool> started{false};
    double thread_us = 0;
    std::thread receiver([&] {
        started.store(true);
        const double t0 = thread_cpu_us();
        const message m = A::recv(ch.second);
        thread_us = thread_cpu_us() - t0;
        if (m != 42) {
            fail("idle receiver got another message");
        }
    });
    while (!started.load()) {
        std::this_thread::yield();
    }
    const double p0 = process_cpu_us();
    std::this_thread::sleep_for(std::chrono::duration<double>(o.idle_s));
    const double p1 = process_cpu_us();
    A::send(ch.first, 42);
    receiver.join();
    print_extra(A::name, "blocked_recv_thread_cpu", name_of(F), thread_us, "us");
    print_extra(A::name, "blocked_recv_process_cpu", name_of(F), p1 - p0, "us");
}

/// CPU time per message of the hand-off cases (see the top of this file).
template <class A>
void measure_cpu(const options& o) {
    for (const bench_case& c : cases_for<A>()) {
        if (c.name != "bounded0_spsc" && c.name != "bounded0_mpsc" && c.name != "bounded1_spsc" &&
            c.name != "bounded1_mpsc") {
            continue;
        }
        const std::size_t n = o.messages - o.messages % threads;
        c.run(n);                                     // warm-up
        std::vector<std::pair<double, double>> runs;  // (ns per message, busy processors)
        for (int i = 0; i < std::max(o.runs, 1); ++i) {
            const double p0 = process_cpu_us();
            const auto w0 = std::chrono::steady_clock::now();
            c.run(n);
            const double wall_us =
                std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - w0)
                    .count();
            const double cpu_us = process_cpu_us() - p0;
            runs.emplace_back(cpu_us * 1000.0 / static_cast<double>(n), cpu_us / wall_us);
        }
        std::sort(runs.begin(), runs.end());
        const auto& mid = runs[runs.size() / 2];
        print_extra(A::name, "cpu_per_msg", c.name, mid.first, "ns");
        print_extra(A::name, "cpu_busy", c.name, mid.second, "cores");
    }
}

/// Runs the `--extra` group named in `o` for adapter A.
/// Round trips right after a period of load (see the top of this file).
template <class A, flavor F>
void measure_rtt_after_load(const options& o) {
    auto ping = A::template make_mpsc<F>(1);
    auto pong = A::template make_mpsc<F>(1);
    const std::size_t trips = std::max<std::size_t>(o.rtt_trips / 10, 1000);
    std::atomic<bool> loaded{true};
    std::atomic<std::uint64_t> sink{0};  // keeps the busy loops from being optimized away
    std::atomic<std::size_t> echoed{0};
    std::thread echo([&, rx = std::move(ping.second), tx = pong.first]() mutable {
        for (;;) {
            const message m = A::recv(rx);
            if (m == 0) {
                return;
            }
            A::send(tx, m);
            echoed.fetch_add(1, std::memory_order_relaxed);
        }
    });
    std::vector<std::thread> busy;
    const unsigned processors = std::max(1u, std::thread::hardware_concurrency());
    for (unsigned i = 0; i < processors; ++i) {
        busy.emplace_back([&loaded, &sink] {
            std::uint64_t x = 0;
            while (loaded.load(std::memory_order_relaxed)) {
                x = x * 6364136223846793005ULL + 1;
            }
            sink.fetch_add(x, std::memory_order_relaxed);
        });
    }
    message next = 1;
    const auto load_end = std::chrono::steady_clock::now() + std::chrono::milliseconds(300);
    while (std::chrono::steady_clock::now() < load_end) {
        A::send(ping.first, next);
        if (A::recv(pong.second) != next) {
            fail("ping-pong returned another message");
        }
        ++next;
    }
    loaded.store(false, std::memory_order_relaxed);
    for (auto& t : busy) {
        t.join();
    }
    std::vector<std::int64_t> ns(trips);
    for (std::size_t i = 0; i < trips; ++i, ++next) {
        const auto t0 = std::chrono::steady_clock::now();
        A::send(ping.first, next);
        const message back = A::recv(pong.second);
        const auto t1 = std::chrono::steady_clock::now();
        if (back != next) {
            fail("ping-pong returned another message");
        }
        ns[i] = std::chrono::duration_cast<std::chrono::nanoseconds>(t1 - t0).count();
    }
    A::send(ping.first, 0);  // tells the echo thread to stop
    echo.join();
    if (echoed.load() != next - 1) {
        fail("ping-pong lost a message");
    }
    print_rtt(A::name, "rtt_after_load", name_of(F), std::move(ns));
}

template <class A>
int run_extra(const options& o) {
    if (o.header) {
        print_extra_header();
    }
    constexpr bool has0 = A::supports(flavor::bounded0, shape::spsc);
    constexpr bool has1 = A::supports(flavor::bounded1, shape::spsc);
    constexpr bool has_bounded = A::supports(flavor::bounded, shape::spsc);
    constexpr bool has_unbounded = A::supports(flavor::unbounded, shape::spsc);
    if (o.extra == "rtt") {
        if constexpr (has0) {
            measure_rtt<A, flavor::bounded0>(o);
            measure_rtt_after_load<A, flavor::bounded0>(o);
        }
        if constexpr (has1) {
            measure_rtt<A, flavor::bounded1>(o);
            measure_rtt_after_load<A, flavor::bounded1>(o);
        }
    } else if (o.extra == "cpu") {
        measure_cpu<A>(o);
    } else if (o.extra == "rss") {
        if constexpr (has_unbounded) {
            measure_rss<A>(o);
        }
    } else if (o.extra == "idle") {
        if constexpr (has1) {
            measure_idle<A, flavor::bounded1>(o);
        }
        if constexpr (has_unbounded) {
            measure_idle<A, flavor::unbounded>(o);
        }
        if constexpr (!has1 && !has_unbounded && has_bounded) {
            measure_idle<A, flavor::bounded>(o);
        } else if constexpr (!has1 && !has_unbounded && !has_bounded && has0) {
            measure_idle<A, flavor::bounded0>(o);
        }
    }
    return 0;
}

/// What an executable that benchmarks adapter A does with its parsed options.
template <class A>
int run_for(const options& o) {
    if (!o.extra.empty()) {
        return o.list ? 0 : run_extra<A>(o);
    }
    return run_cases(A::name, cases_for<A>(), o);
}

/// The whole `main` of an executable that benchmarks adapter A.
template <class A>
int main_for(int argc, char** argv) {
    return run_for<A>(parse_options(argc, argv));
}

}  // namespace bench
