// The headline figures of courier's core, in one program:
//   throughput of 1 -> 1 and 4 -> 1 on an unbounded and a bounded(1024) channel (one warm-up run,
//   then the median of 5, min and max), the resident memory of a 10 M-message burst through an
//   unbounded channel (before, at the peak, after draining, after dropping the channel), and the
//   CPU time a receiver blocked for one second uses.
//
//   build/bench-run/core_figures [--messages N]
#include <courier/courier.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

namespace {

double seconds_since(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

template <class Make>
double one_run(Make make, int senders, std::size_t messages) {
    auto [tx, rx] = make();
    const auto start = std::chrono::steady_clock::now();
    std::vector<std::thread> threads;
    for (int s = 0; s < senders; ++s) {
        threads.emplace_back([tx = tx, n = messages / senders] {
            for (std::size_t i = 0; i < n; ++i) {
                if (!tx.send(i)) {
                    std::abort();
                }
            }
        });
    }
    tx.reset();
    std::size_t received = 0;
    while (rx.recv()) {
        ++received;
    }
    for (auto& t : threads) {
        t.join();
    }
    if (received != messages / senders * senders) {
        std::fprintf(stderr, "lost messages: %zu of %zu\n", received, messages);
        std::exit(1);
    }
    return seconds_since(start);
}

template <class Make>
void throughput(const char* name, Make make, int senders, std::size_t messages) {
    one_run(make, senders, messages / 10);  // warm-up
    std::vector<double> t;
    for (int r = 0; r < 5; ++r) {
        t.push_back(one_run(make, senders, messages));
    }
    std::sort(t.begin(), t.end());
    const double m = static_cast<double>(messages) / 1e6;
    std::printf("| %s | %d -> 1 | %.1f | %.1f | %.1f |\n", name, senders, m / t[2], m / t[4],
                m / t[0]);
}

long rss_kib() {
    std::ifstream status("/proc/self/status");
    std::string line;
    while (std::getline(status, line)) {
        if (line.rfind("VmRSS:", 0) == 0) {
            return std::stol(line.substr(6));
        }
    }
    return -1;
}

double thread_cpu_us() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) * 1e6 + static_cast<double>(ts.tv_nsec) / 1e3;
}

}  // namespace

int main(int argc, char** argv) {
    std::size_t messages = 5'000'000;
    for (int i = 1; i + 1 < argc; ++i) {
        if (std::strcmp(argv[i], "--messages") == 0) {
            messages = std::strtoull(argv[i + 1], nullptr, 10);
        }
    }
    std::printf(
        "| channel | shape | median M msg/s | min | max |\n| --- | --- | ---: | ---: | ---: |\n");
    for (int senders : {1, 4}) {
        throughput(
            "unbounded", [] { return courier::channel<std::size_t>(); }, senders, messages);
        throughput(
            "bounded(1024)", [] { return courier::sync_channel<std::size_t>(1024); }, senders,
            messages);
    }

    const long before = rss_kib();
    long peak = 0;
    long drained = 0;
    {
        auto [tx, rx] = courier::channel<std::size_t>();
        std::thread producer([tx = std::move(tx)] {
            for (std::size_t i = 0; i < 10'000'000; ++i) {
                tx.send(i);
            }
        });
        producer.join();
        peak = rss_kib();
        while (rx.try_recv()) {
        }
        drained = rss_kib();
    }
    std::printf(
        "\n10 M-message burst, RSS KiB: before %ld, peak %ld, after drain %ld, after drop %ld\n",
        before, peak, drained, rss_kib());

    auto [tx, rx] = courier::channel<int>();
    double cpu = 0;
    std::thread blocked([&cpu, &rx = rx] {
        const double start = thread_cpu_us();
        static_cast<void>(rx.recv());
        cpu = thread_cpu_us() - start;
    });
    std::this_thread::sleep_for(std::chrono::seconds(1));
    tx.send(1);
    blocked.join();
    std::printf("receiver blocked for 1 s: %.0f us of CPU\n", cpu);
}
