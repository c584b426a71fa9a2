// Command line, timing, statistics and CSV output shared by every benchmark executable.
//
// Every executable prints one CSV row per case, `system,case,median_s,min_s,max_s,runs`, in the
// format of crossbeam-channel's benchmark suite (one row per scenario, seconds for the whole run).
// The rules for one case, identical in the Rust and Go peers:
//   - without a budget: one warm-up run of the full size, then `runs` measured runs;
//   - with a budget (seconds per case): a probe run with a hundredth of the messages predicts the
//     time of one full run; when that prediction is over the estimate limit (quick mode) or over
//     budget / runs, a second probe with a tenth of the messages replaces it (a hundredth is too
//     short a run, dominated by thread start-up, and it overstates the time several-fold); the
//     number of measured runs is budget / prediction, at least 1 and at most `runs`; the full-size
//     warm-up run is made only when it fits in the budget beside all `runs` (bench/run's rounds
//     give each process its round's share of the budget and one run, so a case that fills more
//     than half of that share is measured cold: its start-up is a thousandth of it);
//   - with `--estimate-over S` (used by the quick mode only): when the probe predicts more than S
//     seconds for one full run, no full run is made and the row reports the prediction (the probe
//     time scaled to N messages) with `runs` = 0.
// The `runs` column says how many measured runs the median, min and max come from (0: estimate).
#pragma once

#include <time.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <fnmatch.h>

namespace bench {

/// The message type of every throughput case: a machine word, like crossbeam's `usize`.
using message = std::size_t;

/// Number of producer (and consumer) threads in the multi-threaded shapes, crossbeam's THREADS.
inline constexpr std::size_t threads = 4;

/// Prints a message to stderr and ends the process; used when a channel misbehaves.
[[noreturn]] inline void fail(const char* what) {
    std::fprintf(stderr, "bench: %s\n", what);
    std::abort();
}

/// Settings of one executable, read from the command line.
struct options {
    std::size_t messages = 5'000'000;   ///< messages per run, rounded down to a multiple of threads
    int runs = 5;                       ///< measured runs per case
    double budget_s = 0.0;              ///< seconds per case that bound the runs; 0 = no bound
    double estimate_over_s = 0.0;       ///< estimate cases slower than this per run; 0 = never
    std::vector<std::string> patterns;  ///< case filter (shell wildcards); empty = every case
    bool list = false;                  ///< print the case names and exit
    bool header = true;                 ///< print the CSV header line first
    std::string extra;                  ///< "", or an --extra group: measure that instead
    std::size_t rtt_trips = 100'000;    ///< round trips per latency measurement
    std::size_t rss_messages = 10'000'000;  ///< messages in the memory burst
    double idle_s = 1.0;                    ///< how long the receiver stays blocked
};

inline void usage(const char* argv0) {
    std::fprintf(
        stderr,
        "usage: %s [--messages N] [--runs R] [--budget SECONDS] [--estimate-over SECONDS]\n"
        "          [--no-header] [--list]\n"
        "          [--extra rtt|rss|idle|stop|batch|cpu|async] [--rtt-trips N] [--rss-messages N]\n"
        "          [--idle-seconds S] [CASE_PATTERN...]\n"
        "CASE_PATTERN: shell wildcard over case names such as bounded1_spsc, 'bounded_*';\n"
        "several patterns select the union; none selects every case.\n"
        "Throughput rows: system,case,median_s,min_s,max_s,runs\n"
        "--extra rows:    system,metric,flavor,value,unit\n",
        argv0);
}

/// Parses the command line; prints the usage and exits on anything it does not understand.
inline options parse_options(int argc, char** argv) {
    options o;
    auto need = [&](int& i) -> const char* {
        if (i + 1 >= argc) {
            usage(argv[0]);
            std::exit(2);
        }
        return argv[++i];
    };
    auto to_size = [&](const char* s) -> std::size_t {
        char* end = nullptr;
        const double v = std::strtod(s, &end);  // accepts 5e6 as well as 5000000
        if (end == s || *end != '\0' || !(v >= 1)) {
            usage(argv[0]);
            std::exit(2);
        }
        return static_cast<std::size_t>(v);
    };
    auto to_double = [&](const char* s) -> double {
        char* end = nullptr;
        const double v = std::strtod(s, &end);
        if (end == s || *end != '\0' || !(v >= 0)) {
            usage(argv[0]);
            std::exit(2);
        }
        return v;
    };
    for (int i = 1; i < argc; ++i) {
        const std::string_view a = argv[i];
        if (a == "--messages") {
            o.messages = to_size(need(i));
        } else if (a == "--runs") {
            o.runs = static_cast<int>(to_size(need(i)));
        } else if (a == "--budget") {
            o.budget_s = to_double(need(i));
        } else if (a == "--estimate-over") {
            o.estimate_over_s = to_double(need(i));
        } else if (a == "--no-header") {
            o.header = false;
        } else if (a == "--list") {
            o.list = true;
        } else if (a == "--extra") {
            o.extra = need(i);
            if (o.extra != "rtt" && o.extra != "rss" && o.extra != "idle" && o.extra != "stop" &&
                o.extra != "batch" && o.extra != "cpu" && o.extra != "async") {
                usage(argv[0]);
                std::exit(2);
            }
        } else if (a == "--rtt-trips") {
            o.rtt_trips = to_size(need(i));
        } else if (a == "--rss-messages") {
            o.rss_messages = to_size(need(i));
        } else if (a == "--idle-seconds") {
            o.idle_s = to_double(need(i));
        } else if (a == "-h" || a == "--help") {
            usage(argv[0]);
            std::exit(0);
        } else if (!a.empty() && a.front() == '-') {
            usage(argv[0]);
            std::exit(2);
        } else {
            o.patterns.emplace_back(a);
        }
    }
    o.messages -= o.messages % threads;
    if (o.messages == 0) {
        o.messages = threads;
    }
    return o;
}

/// True when `name` is selected by the patterns of `o` (every name when there are none).
inline bool selected(const options& o, const std::string& name) {
    if (o.patterns.empty()) {
        return true;
    }
    return std::any_of(o.patterns.begin(), o.patterns.end(), [&](const std::string& p) {
        return ::fnmatch(p.c_str(), name.c_str(), 0) == 0;
    });
}

/// One benchmark case: its name and a function that performs one run with the given number of
/// messages (a multiple of `threads`).
struct bench_case {
    std::string name;
    std::function<void(std::size_t)> run;
};

/// Median, minimum and maximum of the measured runs of one case, in seconds.
struct summary {
    double median_s = 0;
    double min_s = 0;
    double max_s = 0;
    int runs = 0;
};

/// Wall-clock seconds of one call of `f(n)`.
inline double time_run(const std::function<void(std::size_t)>& f, std::size_t n) {
    const auto t0 = std::chrono::steady_clock::now();
    f(n);
    const auto t1 = std::chrono::steady_clock::now();
    return std::chrono::duration<double>(t1 - t0).count();
}

inline double median_of(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    const std::size_t k = v.size();
    return k % 2 == 1 ? v[k / 2] : (v[k / 2 - 1] + v[k / 2]) / 2;
}

/// Runs one case under the rules at the top of this file.
inline summary measure(const bench_case& c, const options& o) {
    const std::size_t n = o.messages;
    int runs = std::max(o.runs, 1);
    bool full_warm_up = true;
    if (o.budget_s > 0 || o.estimate_over_s > 0) {
        const auto predict = [&](std::size_t divisor) {
            std::size_t probe = n / divisor;
            probe -= probe % threads;
            probe = std::max(probe, threads);
            return time_run(c.run, probe) * static_cast<double>(n) / static_cast<double>(probe);
        };
        double predicted = predict(100);
        const double slow =
            o.estimate_over_s > 0 ? o.estimate_over_s : o.budget_s / static_cast<double>(runs);
        if (predicted > slow) {
            predicted = predict(10);
        }
        if (o.estimate_over_s > 0 && predicted > o.estimate_over_s) {
            return summary{predicted, predicted, predicted, 0};
        }
        if (o.budget_s > 0) {
            const double fit = predicted > 0 ? std::floor(o.budget_s / predicted) : runs;
            runs = static_cast<int>(std::clamp(fit, 1.0, static_cast<double>(runs)));
            full_warm_up = runs == std::max(o.runs, 1) && fit >= static_cast<double>(runs + 1);
        }
    }
    if (full_warm_up) {
        time_run(c.run, n);
    }
    std::vector<double> samples;
    samples.reserve(static_cast<std::size_t>(runs));
    for (int i = 0; i < runs; ++i) {
        samples.push_back(time_run(c.run, n));
    }
    summary s;
    s.median_s = median_of(samples);
    s.min_s = *std::min_element(samples.begin(), samples.end());
    s.max_s = *std::max_element(samples.begin(), samples.end());
    s.runs = runs;
    return s;
}

inline void print_throughput_header() {
    std::printf("system,case,median_s,min_s,max_s,runs\n");
    std::fflush(stdout);
}

inline void print_extra_header() {
    std::printf("system,metric,flavor,value,unit\n");
    std::fflush(stdout);
}

/// One row of the `--extra` table.
inline void print_extra(std::string_view system, std::string_view metric, std::string_view flavor,
                        double value, std::string_view unit) {
    std::printf("%.*s,%.*s,%.*s,%.3f,%.*s\n", static_cast<int>(system.size()), system.data(),
                static_cast<int>(metric.size()), metric.data(), static_cast<int>(flavor.size()),
                flavor.data(), value, static_cast<int>(unit.size()), unit.data());
    std::fflush(stdout);
}

/// Measures every selected case of `cases` and prints its CSV row as soon as it is known.
/// With `--list`, prints the selected case names instead. Returns the process exit status.
inline int run_cases(std::string_view system, const std::vector<bench_case>& cases,
                     const options& o) {
    if (o.list) {
        for (const auto& c : cases) {
            if (selected(o, c.name)) {
                std::printf("%s\n", c.name.c_str());
            }
        }
        return 0;
    }
    if (o.header) {
        print_throughput_header();
    }
    for (const auto& c : cases) {
        if (!selected(o, c.name)) {
            continue;
        }
        const summary s = measure(c, o);
        std::printf("%.*s,%s,%.6f,%.6f,%.6f,%d\n", static_cast<int>(system.size()), system.data(),
                    c.name.c_str(), s.median_s, s.min_s, s.max_s, s.runs);
        std::fflush(stdout);
    }
    return 0;
}

/// CPU time consumed so far by the calling thread, in microseconds.
inline double thread_cpu_us() {
    timespec ts{};
    ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) * 1e6 + static_cast<double>(ts.tv_nsec) / 1e3;
}

/// CPU time consumed so far by every thread of the process, in microseconds.
inline double process_cpu_us() {
    timespec ts{};
    ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) * 1e6 + static_cast<double>(ts.tv_nsec) / 1e3;
}

/// A field of /proc/self/status in KiB (VmRSS, VmHWM, ...); 0 when it cannot be read.
inline double proc_status_kib(std::string_view field) {
    std::ifstream in("/proc/self/status");
    std::string line;
    while (std::getline(in, line)) {
        if (line.size() > field.size() && line.compare(0, field.size(), field) == 0 &&
            line[field.size()] == ':') {
            return std::strtod(line.c_str() + field.size() + 1, nullptr);
        }
    }
    return 0;
}

}  // namespace bench
