// courier's ZeroMQ bridge (<courier/zmq.hpp>) beside raw ZeroMQ (cppzmq, PUSH/PULL), in one
// process but through the real transports: ipc:// (in a temporary directory) and
// tcp://127.0.0.1 (a wildcard port). Two measurements per transport:
//
//   throughput  N messages one way, 8 B (std::uint64_t) and 1 KiB (a std::string of 1024 bytes;
//               N/4 of them): seconds from the first send to the N-th receive, and messages/s.
//               raw:    one PUSH socket (binds) sends each message with one send, one PULL socket
//                       (connects) receives them, one context with one I/O thread for both.
//               bridge: tx.send per message into export_channel (binds), rx.recv from
//                       import_channel (connects), courier's default context (one I/O thread).
//               Both: the producer is the main thread, the consumer a second thread; one message
//               goes through untimed first (the connection is up and the handshake done before
//               the clock starts). Messages carry their index and must arrive in order; the raw
//               consumer counts N, the bridge's receiver must end (disconnection) right after N.
//   rtt         ping-pong of one 8 B message, `--trips` round trips (after a tenth as many
//               untimed), each timed on its own; median and p99 in microseconds.
//               raw:    PUSH/PULL in both directions (the sender of each direction binds).
//               bridge: two bridges, one each way; the echo thread receives from one imported
//                       receiver and sends into the other export.
//
// Every case gets one untimed warm-up run per system (a tenth of the messages or trips), then
// `--runs` runs, the two systems alternating. Printed (Markdown on stdout): min / median / max
// over the runs and the ratio bridge / raw of the medians. `--csv FILE` writes one row per
// system, case and run: system,case,run,count,seconds,rate_per_s,cpu_s,median_us,p99_us (cpu_s:
// processor time of the whole process over the timed part; median_us, p99_us: rtt rows only).
//
//   bench_zmq [--messages N] [--runs R] [--trips T] [--quick] [--csv FILE] [--no-header]
#include <courier/courier.hpp>
#include <courier/zmq.hpp>
#include <zmq.hpp>

#include <sys/utsname.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include "harness.hpp"

namespace {

using steady = std::chrono::steady_clock;

constexpr std::string_view raw_name = "zmq_raw";
constexpr std::string_view bridge_name = "courier_zmq";

// ---- settings -------------------------------------------------------------------------------

struct settings {
    std::size_t messages = 1'000'000;  ///< 8 B throughput messages; 1 KiB cases use a quarter
    int runs = 5;
    std::size_t trips = 10'000;  ///< timed round trips per latency run
    bool quick = false;
    bool header = true;
    std::string csv;
};

void usage(const char* argv0) {
    std::fprintf(stderr,
                 "usage: %s [--messages N] [--runs R] [--trips T] [--quick] [--csv FILE] "
                 "[--no-header]\n"
                 "  --messages N  8-byte messages per throughput run (default 1000000; 1 KiB "
                 "runs send N/4)\n"
                 "  --runs R      measured runs per case and system (default 5)\n"
                 "  --trips T     timed round trips per latency run (default 10000)\n"
                 "  --quick       200000 messages, 3 runs, 2000 trips (explicit flags win)\n"
                 "  --csv FILE    one row per system, case and run:\n"
                 "                system,case,run,count,seconds,rate_per_s,cpu_s,median_us,p99_us\n"
                 "  --no-header   leave out the title and the machine lines\n",
                 argv0);
}

settings parse(int argc, char** argv) {
    settings s;
    std::optional<std::size_t> messages;
    std::optional<std::size_t> trips;
    std::optional<int> runs;
    auto need = [&](int& i) -> const char* {
        if (i + 1 >= argc) {
            usage(argv[0]);
            std::exit(2);
        }
        return argv[++i];
    };
    auto to_size = [&](const char* text) -> std::size_t {
        char* end = nullptr;
        const double v = std::strtod(text, &end);  // accepts 5e5 as well as 500000
        if (end == text || *end != '\0' || !(v >= 1) || v > 1e12) {
            usage(argv[0]);
            std::exit(2);
        }
        return static_cast<std::size_t>(v);
    };
    for (int i = 1; i < argc; ++i) {
        const std::string_view a = argv[i];
        if (a == "--messages") {
            messages = to_size(need(i));
        } else if (a == "--runs") {
            runs = static_cast<int>(std::min<std::size_t>(to_size(need(i)), 1000));
        } else if (a == "--trips") {
            trips = to_size(need(i));
        } else if (a == "--quick") {
            s.quick = true;
        } else if (a == "--csv") {
            s.csv = need(i);
        } else if (a == "--no-header") {
            s.header = false;
        } else if (a == "-h" || a == "--help") {
            usage(argv[0]);
            std::exit(0);
        } else {
            usage(argv[0]);
            std::exit(2);
        }
    }
    if (s.quick) {
        s.messages = 200'000;
        s.runs = 3;
        s.trips = 2'000;
    }
    s.messages = messages.value_or(s.messages);
    s.runs = runs.value_or(s.runs);
    s.trips = trips.value_or(s.trips);
    return s;
}

// ---- what travels ---------------------------------------------------------------------------

// Every message carries its index in its first 8 bytes; the rest of a 1 KiB message is filler.
struct word {
    using type = std::uint64_t;
    static constexpr std::size_t size = sizeof(type);
    static constexpr std::string_view name = "8B";
    static type make(std::uint64_t i) { return i; }
    static std::uint64_t index(const type& v) { return v; }
};

struct kibibyte {
    using type = std::string;
    static constexpr std::size_t size = 1024;
    static constexpr std::string_view name = "1KiB";
    static type make(std::uint64_t i) {
        std::string s(size, 'x');
        std::memcpy(s.data(), &i, sizeof i);
        return s;
    }
    static std::uint64_t index(const type& v) {
        if (v.size() != size) {
            bench::fail("zmq: a 1 KiB message of another size");
        }
        std::uint64_t i = 0;
        std::memcpy(&i, v.data(), sizeof i);
        return i;
    }
};

// The raw side's message: P::size bytes, the index first.
template <class P>
struct raw_buffer {
    std::array<char, P::size> bytes{};
    raw_buffer() { bytes.fill('x'); }
    ::zmq::const_buffer with(std::uint64_t i) {
        std::memcpy(bytes.data(), &i, sizeof i);
        return ::zmq::const_buffer(bytes.data(), bytes.size());
    }
};

template <class P>
std::uint64_t raw_index(const ::zmq::message_t& m) {
    if (m.size() != P::size) {
        bench::fail("zmq: a raw message of another size");
    }
    std::uint64_t i = 0;
    std::memcpy(&i, m.data(), sizeof i);
    return i;
}

// ---- transports -----------------------------------------------------------------------------

enum class transport { ipc, tcp };

std::string_view name_of(transport t) {
    return t == transport::ipc ? "ipc" : "tcp";
}

// A temporary directory for the ipc:// endpoints, removed at the end.
class temp_dir {
  public:
    temp_dir() {
        std::string pattern =
            (std::filesystem::temp_directory_path() / "courier-zmq-bench-XXXXXX").string();
        if (::mkdtemp(pattern.data()) == nullptr) {
            bench::fail("zmq: mkdtemp failed");
        }
        path_ = pattern;
    }
    temp_dir(const temp_dir&) = delete;
    temp_dir& operator=(const temp_dir&) = delete;
    ~temp_dir() {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    // An address to bind to: a fresh ipc:// file, or a wildcard port on the loopback.
    std::string address(transport t) {
        if (t == transport::tcp) {
            return "tcp://127.0.0.1:*";
        }
        return "ipc://" + (path_ / ("s" + std::to_string(next_++))).string();
    }

  private:
    std::filesystem::path path_;
    int next_ = 0;
};

// ---- one run --------------------------------------------------------------------------------

// What one run measured. cpu_s: processor time of the whole process (both ends, their ZeroMQ
// I/O thread and, for the bridge, its exporter and importer threads) over the timed part.
struct run_row {
    std::size_t count = 0;  ///< messages, or timed round trips
    double seconds = 0;     ///< throughput: first send to last receive; rtt: the timed trips
    double cpu_s = 0;
    double median_us = 0;  ///< rtt only
    double p99_us = 0;     ///< rtt only
    double cpu_us_per_item() const { return cpu_s * 1e6 / static_cast<double>(count); }
};

run_row summarize(std::vector<std::int64_t> ns, double cpu_us) {
    std::sort(ns.begin(), ns.end());
    const std::size_t k = ns.size();
    const std::size_t p99 = static_cast<std::size_t>(std::ceil(0.99 * static_cast<double>(k))) - 1;
    run_row r;
    r.count = k;
    r.cpu_s = cpu_us / 1e6;
    for (const std::int64_t v : ns) {
        r.seconds += static_cast<double>(v) / 1e9;
    }
    r.median_us = static_cast<double>(ns[k / 2]) / 1e3;
    r.p99_us = static_cast<double>(ns[p99]) / 1e3;
    return r;
}

void check_sent(bool ok) {
    if (!ok) {
        bench::fail("zmq: a raw send failed");
    }
}

void wait_for(const std::atomic<bool>& flag) {
    while (!flag.load(std::memory_order_acquire)) {
        std::this_thread::yield();
    }
}

template <class P>
run_row raw_throughput(temp_dir& dir, transport t, std::size_t n) {
    ::zmq::context_t ctx(1);
    ::zmq::socket_t push(ctx, ::zmq::socket_type::push);
    ::zmq::socket_t pull(ctx, ::zmq::socket_type::pull);
    push.bind(dir.address(t));
    pull.connect(push.get(::zmq::sockopt::last_endpoint));
    raw_buffer<P> out;
    check_sent(push.send(out.with(~std::uint64_t{0}), ::zmq::send_flags::none).has_value());
    ::zmq::message_t first;
    if (!pull.recv(first) || raw_index<P>(first) != ~std::uint64_t{0}) {
        bench::fail("zmq: the raw connection check failed");
    }
    std::atomic<bool> ready{false};
    steady::time_point end;
    double end_cpu_us = 0;
    std::thread consumer([&] {
        ready.store(true, std::memory_order_release);
        ::zmq::message_t m;
        for (std::uint64_t i = 0; i < n; ++i) {
            if (!pull.recv(m) || raw_index<P>(m) != i) {
                bench::fail("zmq: raw PULL received another message");
            }
        }
        end = steady::now();
        end_cpu_us = bench::process_cpu_us();
    });
    wait_for(ready);
    const double start_cpu_us = bench::process_cpu_us();
    const auto start = steady::now();
    for (std::uint64_t i = 0; i < n; ++i) {
        check_sent(push.send(out.with(i), ::zmq::send_flags::none).has_value());
    }
    consumer.join();
    return run_row{n, std::chrono::duration<double>(end - start).count(),
                   (end_cpu_us - start_cpu_us) / 1e6, 0, 0};
}

template <class P>
run_row bridge_throughput(temp_dir& dir, transport t, std::size_t n) {
    namespace cz = courier::zmq;
    auto out = cz::export_channel<typename P::type>(cz::bind(dir.address(t)));
    auto in = cz::import_channel<typename P::type>(cz::connect(out.second.endpoint()));
    auto& tx = out.first;
    auto& rx = in.first;
    if (!tx.send(P::make(~std::uint64_t{0}))) {
        bench::fail("zmq: the bridge refused the first message");
    }
    auto first = rx.recv();
    if (!first || P::index(*first) != ~std::uint64_t{0}) {
        bench::fail("zmq: the bridge's connection check failed");
    }
    std::atomic<bool> ready{false};
    steady::time_point end;
    double end_cpu_us = 0;
    std::thread consumer([&] {
        ready.store(true, std::memory_order_release);
        for (std::uint64_t i = 0; i < n; ++i) {
            auto m = rx.recv();
            if (!m || P::index(*m) != i) {
                bench::fail("zmq: the bridge's receiver got another message, or ended early");
            }
        }
        end = steady::now();
        end_cpu_us = bench::process_cpu_us();
        if (rx.recv()) {  // the stream ends on disconnection, after exactly N
            bench::fail("zmq: the bridge delivered more than N messages");
        }
    });
    wait_for(ready);
    const double start_cpu_us = bench::process_cpu_us();
    const auto start = steady::now();
    for (std::uint64_t i = 0; i < n; ++i) {
        if (!tx.send(P::make(i))) {
            bench::fail("zmq: a bridge send failed");
        }
    }
    tx.reset();
    if (!out.second.wait()) {
        bench::fail("zmq: the exporter did not end cleanly");
    }
    consumer.join();
    if (!in.second.wait()) {
        bench::fail("zmq: the importer did not end cleanly");
    }
    return run_row{n, std::chrono::duration<double>(end - start).count(),
                   (end_cpu_us - start_cpu_us) / 1e6, 0, 0};
}

run_row raw_rtt(temp_dir& dir, transport t, std::size_t trips) {
    ::zmq::context_t ctx(1);
    ::zmq::socket_t ping_out(ctx, ::zmq::socket_type::push);
    ::zmq::socket_t ping_in(ctx, ::zmq::socket_type::pull);
    ::zmq::socket_t pong_out(ctx, ::zmq::socket_type::push);
    ::zmq::socket_t pong_in(ctx, ::zmq::socket_type::pull);
    ping_out.bind(dir.address(t));
    ping_in.connect(ping_out.get(::zmq::sockopt::last_endpoint));
    pong_out.bind(dir.address(t));
    pong_in.connect(pong_out.get(::zmq::sockopt::last_endpoint));
    const std::size_t warm = std::max<std::size_t>(trips / 10, 100);
    std::thread echo([&, total = warm + trips] {
        ::zmq::message_t m;
        for (std::size_t i = 0; i < total; ++i) {
            if (!ping_in.recv(m)) {
                bench::fail("zmq: raw echo receive failed");
            }
            check_sent(pong_out.send(m, ::zmq::send_flags::none).has_value());
        }
    });
    raw_buffer<word> out;
    ::zmq::message_t back;
    std::vector<std::int64_t> ns(trips);
    double start_cpu_us = 0;
    for (std::size_t i = 0; i < warm + trips; ++i) {
        if (i == warm) {
            start_cpu_us = bench::process_cpu_us();
        }
        const auto t0 = steady::now();
        check_sent(ping_out.send(out.with(i), ::zmq::send_flags::none).has_value());
        if (!pong_in.recv(back) || raw_index<word>(back) != i) {
            bench::fail("zmq: raw ping-pong returned another message");
        }
        const auto t1 = steady::now();
        if (i >= warm) {
            ns[i - warm] = std::chrono::duration_cast<std::chrono::nanoseconds>(t1 - t0).count();
        }
    }
    const double cpu_us = bench::process_cpu_us() - start_cpu_us;
    echo.join();
    return summarize(std::move(ns), cpu_us);
}

run_row bridge_rtt(temp_dir& dir, transport t, std::size_t trips) {
    namespace cz = courier::zmq;
    auto ping_out = cz::export_channel<std::uint64_t>(cz::bind(dir.address(t)));
    auto ping_in = cz::import_channel<std::uint64_t>(cz::connect(ping_out.second.endpoint()));
    auto pong_out = cz::export_channel<std::uint64_t>(cz::bind(dir.address(t)));
    auto pong_in = cz::import_channel<std::uint64_t>(cz::connect(pong_out.second.endpoint()));
    const std::size_t warm = std::max<std::size_t>(trips / 10, 100);
    std::thread echo([&rx = ping_in.first, tx = std::move(pong_out.first)]() mutable {
        for (std::uint64_t v : rx) {
            if (!tx.send(v)) {
                bench::fail("zmq: bridge echo send failed");
            }
        }
        tx.reset();  // the pong stream ends after the ping stream
    });
    auto& tx = ping_out.first;
    auto& rx = pong_in.first;
    std::vector<std::int64_t> ns(trips);
    double start_cpu_us = 0;
    for (std::size_t i = 0; i < warm + trips; ++i) {
        if (i == warm) {
            start_cpu_us = bench::process_cpu_us();
        }
        const auto t0 = steady::now();
        if (!tx.send(i)) {
            bench::fail("zmq: bridge ping send failed");
        }
        auto back = rx.recv();
        const auto t1 = steady::now();
        if (!back || *back != i) {
            bench::fail("zmq: bridge ping-pong returned another message");
        }
        if (i >= warm) {
            ns[i - warm] = std::chrono::duration_cast<std::chrono::nanoseconds>(t1 - t0).count();
        }
    }
    const double cpu_us = bench::process_cpu_us() - start_cpu_us;
    tx.reset();
    echo.join();
    if (rx.recv()) {
        bench::fail("zmq: the pong stream went on after the last trip");
    }
    if (!ping_out.second.wait() || !ping_in.second.wait() || !pong_out.second.wait() ||
        !pong_in.second.wait()) {
        bench::fail("zmq: a ping-pong bridge did not end cleanly");
    }
    return summarize(std::move(ns), cpu_us);
}

// ---- cases, statistics, output --------------------------------------------------------------

// One case: a run of each system, with the size of a run (messages or trips).
struct bench_case {
    std::string name;  ///< throughput_<transport>_<size> or rtt_<transport>_<size>
    bool rtt = false;
    std::size_t count = 0;
    std::function<run_row(std::size_t)> raw;
    std::function<run_row(std::size_t)> bridge;
};

template <class P>
bench_case throughput_case(temp_dir& dir, transport t, std::size_t n) {
    bench_case c;
    c.name = "throughput_" + std::string(name_of(t)) + "_" + std::string(P::name);
    c.count = n;
    c.raw = [&dir, t](std::size_t k) { return raw_throughput<P>(dir, t, k); };
    c.bridge = [&dir, t](std::size_t k) { return bridge_throughput<P>(dir, t, k); };
    return c;
}

bench_case rtt_case(temp_dir& dir, transport t, std::size_t trips) {
    bench_case c;
    c.name = "rtt_" + std::string(name_of(t)) + "_8B";
    c.rtt = true;
    c.count = trips;
    c.raw = [&dir, t](std::size_t k) { return raw_rtt(dir, t, k); };
    c.bridge = [&dir, t](std::size_t k) { return bridge_rtt(dir, t, k); };
    return c;
}

// min / median / max of one figure over the runs.
struct spread {
    double min = 0;
    double median = 0;
    double max = 0;
};

template <class Figure>
spread spread_of(const std::vector<run_row>& runs, Figure figure) {
    std::vector<double> v;
    for (const run_row& r : runs) {
        v.push_back(std::invoke(figure, r));
    }
    return spread{*std::min_element(v.begin(), v.end()), bench::median_of(v),
                  *std::max_element(v.begin(), v.end())};
}

// "1234567" -> "1 234 567", the way the bench tables write large counts.
std::string grouped(double value) {
    const std::string digits = std::to_string(std::llround(value));
    std::string out;
    for (std::size_t i = 0; i < digits.size(); ++i) {
        if (i > 0 && (digits.size() - i) % 3 == 0) {
            out.push_back(' ');
        }
        out.push_back(digits[i]);
    }
    return out;
}

void csv_row(std::FILE* csv, std::string_view system, const bench_case& c, int run,
             const run_row& r) {
    if (csv == nullptr) {
        return;
    }
    const double rate = static_cast<double>(r.count) / r.seconds;
    std::fprintf(csv, "%.*s,%s,%d,%zu,%.6f,%.1f,%.6f,", static_cast<int>(system.size()),
                 system.data(), c.name.c_str(), run, r.count, r.seconds, rate, r.cpu_s);
    if (c.rtt) {
        std::fprintf(csv, "%.3f,%.3f\n", r.median_us, r.p99_us);
    } else {
        std::fprintf(csv, ",\n");
    }
    std::fflush(csv);
}

struct measured {
    std::vector<run_row> raw;
    std::vector<run_row> bridge;
};

// A warm-up run of each system (a tenth of the size), then `runs` runs, the systems alternating.
measured measure(const bench_case& c, int runs, std::FILE* csv) {
    const std::size_t warm = std::max<std::size_t>(c.count / 10, 100);
    c.raw(warm);
    c.bridge(warm);
    measured m;
    for (int r = 1; r <= runs; ++r) {
        m.raw.push_back(c.raw(c.count));
        csv_row(csv, raw_name, c, r, m.raw.back());
        m.bridge.push_back(c.bridge(c.count));
        csv_row(csv, bridge_name, c, r, m.bridge.back());
    }
    return m;
}

// The last cell of a row: bridge / raw of the medians, or nothing on the raw row.
void print_ratio(const spread& s, const spread* raw) {
    if (raw != nullptr) {
        std::printf(" %.2f× |\n", s.median / raw->median);
    } else {
        std::printf("  |\n");
    }
}

void print_throughput_row(const std::string& name, std::string_view system,
                          const std::vector<run_row>& runs, const spread* raw) {
    const spread s = spread_of(runs, &run_row::seconds);
    const spread cpu = spread_of(runs, &run_row::cpu_us_per_item);
    const double rate = static_cast<double>(runs.front().count) / s.median;
    std::printf("| %s | %.*s | %.4f / %.4f / %.4f | %s | %.2f |", name.c_str(),
                static_cast<int>(system.size()), system.data(), s.min, s.median, s.max,
                grouped(rate).c_str(), cpu.median);
    print_ratio(s, raw);
}

void print_rtt_row(const std::string& name, std::string_view system,
                   const std::vector<run_row>& runs, const spread* raw) {
    const spread med = spread_of(runs, &run_row::median_us);
    const spread p99 = spread_of(runs, &run_row::p99_us);
    const spread cpu = spread_of(runs, &run_row::cpu_us_per_item);
    std::printf("| %s | %.*s | %.1f / %.1f / %.1f | %.1f / %.1f / %.1f | %.1f |", name.c_str(),
                static_cast<int>(system.size()), system.data(), med.min, med.median, med.max,
                p99.min, p99.median, p99.max, cpu.median);
    print_ratio(med, raw);
}

// ---- the machine ----------------------------------------------------------------------------

std::string cpu_model() {
    std::ifstream in("/proc/cpuinfo");
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind("model name", 0) == 0) {
            const std::size_t colon = line.find(':');
            if (colon != std::string::npos && colon + 2 <= line.size()) {
                return line.substr(colon + 2);
            }
        }
    }
    return "unknown CPU";
}

std::string load_average() {
    std::ifstream in("/proc/loadavg");
    double one = 0;
    double five = 0;
    double fifteen = 0;
    if (!(in >> one >> five >> fifteen)) {
        return "unknown";
    }
    char text[64];
    std::snprintf(text, sizeof text, "%.2f %.2f %.2f", one, five, fifteen);
    return text;
}

void print_header(const settings& s) {
#if defined(__clang__)
    const char* compiler = "Clang " __clang_version__;
#elif defined(__GNUC__)
    const char* compiler = "GCC " __VERSION__;
#else
    const char* compiler = "unknown compiler";
#endif
#ifdef COURIER_BENCH_CXX_FLAGS
    const char* flags = COURIER_BENCH_CXX_FLAGS;
#else
    const char* flags = "(not recorded: built outside bench/CMakeLists.txt)";
#endif
    utsname u{};
    ::uname(&u);
    int major = 0;
    int minor = 0;
    int patch = 0;
    ::zmq_version(&major, &minor, &patch);
    std::printf("# courier ZeroMQ bridge against raw ZeroMQ\n\n");
    std::printf("- compiler: %s; flags: %s\n", compiler, flags);
    std::printf("- machine: %s, nproc %u, %s %s; load average at start %s\n", cpu_model().c_str(),
                std::thread::hardware_concurrency(), u.sysname, u.release, load_average().c_str());
    std::printf("- libzmq %d.%d.%d, cppzmq %d.%d.%d\n", major, minor, patch, CPPZMQ_VERSION_MAJOR,
                CPPZMQ_VERSION_MINOR, CPPZMQ_VERSION_PATCH);
    std::printf(
        "- settings: %s8 B: %zu messages, 1 KiB: %zu messages, rtt: %zu trips (+ %zu untimed); "
        "a warm-up run per case and system, then %d runs, the systems alternating\n",
        s.quick ? "quick; " : "", s.messages, std::max<std::size_t>(s.messages / 4, 1), s.trips,
        std::max<std::size_t>(s.trips / 10, 100), s.runs);
    std::printf(
        "- %.*s: cppzmq PUSH -> PULL (rtt: PUSH/PULL both ways), one context with one I/O thread "
        "shared by both ends, default high-water marks; %.*s: export_channel -> import_channel, "
        "default options (capacity 1024, window 1024, batch 256), courier's default context\n\n",
        static_cast<int>(raw_name.size()), raw_name.data(), static_cast<int>(bridge_name.size()),
        bridge_name.data());
    std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
    const settings s = parse(argc, argv);
    std::FILE* csv = nullptr;
    if (!s.csv.empty()) {
        csv = std::fopen(s.csv.c_str(), "w");
        if (csv == nullptr) {
            std::perror(s.csv.c_str());
            return 2;
        }
        std::fprintf(csv, "system,case,run,count,seconds,rate_per_s,cpu_s,median_us,p99_us\n");
    }
    if (s.header) {
        print_header(s);
    }
    temp_dir dir;
    const std::size_t kib_messages = std::max<std::size_t>(s.messages / 4, 1);
    std::vector<bench_case> throughput;
    std::vector<bench_case> rtt;
    for (const transport t : {transport::ipc, transport::tcp}) {
        throughput.push_back(throughput_case<word>(dir, t, s.messages));
        throughput.push_back(throughput_case<kibibyte>(dir, t, kib_messages));
        rtt.push_back(rtt_case(dir, t, s.trips));
    }

    std::printf(
        "Throughput: seconds from the first send to the last receive, min / median / max over "
        "the runs; messages/s of the median; CPU time of the whole process per message (µs, "
        "median run); bridge / raw of the median times (above 1: the bridge is slower).\n\n");
    std::printf(
        "| case | system | seconds min / median / max | messages/s | CPU µs/msg | bridge / raw "
        "|\n"
        "| --- | --- | ---: | ---: | ---: | ---: |\n");
    std::fflush(stdout);
    for (const bench_case& c : throughput) {
        const measured m = measure(c, s.runs, csv);
        const spread raw = spread_of(m.raw, &run_row::seconds);
        print_throughput_row(c.name, raw_name, m.raw, nullptr);
        print_throughput_row(c.name, bridge_name, m.bridge, &raw);
        std::fflush(stdout);
    }

    std::printf(
        "\nRound trip of one 8 B message (µs): each run's median and 99th percentile, min / "
        "median / max over the runs; CPU time of the whole process per round trip (µs, median "
        "run); bridge / raw of the median medians.\n\n");
    std::printf(
        "| case | system | median µs min / median / max | p99 µs min / median / max | CPU "
        "µs/trip | bridge / raw |\n"
        "| --- | --- | ---: | ---: | ---: | ---: |\n");
    std::fflush(stdout);
    for (const bench_case& c : rtt) {
        const measured m = measure(c, s.runs, csv);
        const spread raw = spread_of(m.raw, &run_row::median_us);
        print_rtt_row(c.name, raw_name, m.raw, nullptr);
        print_rtt_row(c.name, bridge_name, m.bridge, &raw);
        std::fflush(stdout);
    }
    if (csv != nullptr) {
        std::fclose(csv);
    }
    return 0;
}
