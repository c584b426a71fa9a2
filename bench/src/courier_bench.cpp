// courier through its public API only: courier::channel / courier::sync_channel for the
// single-consumer shapes and select_rx, courier::mpmc for mpmc and select_both, courier::select
// with on_recv / on_send arms for the select shapes.
#include <courier/error.hpp>
#include <courier/expected.hpp>
#include <courier/mpsc.hpp>

#if __has_include(<courier/mpmc.hpp>)
#include <courier/mpmc.hpp>
#define COURIER_BENCH_HAS_MPMC 1
#else
#define COURIER_BENCH_HAS_MPMC 0
#endif

#if __has_include(<courier/select.hpp>)
#include <courier/select.hpp>
#define COURIER_BENCH_HAS_SELECT 1
#else
#define COURIER_BENCH_HAS_SELECT 0
#endif

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <stop_token>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "extra.hpp"
#include "scenarios.hpp"

namespace {

using bench::flavor;
using bench::message;
using bench::shape;

struct courier_adapter {
    static constexpr std::string_view name = "courier";

    static constexpr bool supports(flavor, shape s) {
        switch (s) {
            case shape::mpmc:
                return COURIER_BENCH_HAS_MPMC != 0;
            case shape::select_rx:
                return COURIER_BENCH_HAS_SELECT != 0;
            case shape::select_both:
                return COURIER_BENCH_HAS_MPMC != 0 && COURIER_BENCH_HAS_SELECT != 0;
            default:
                return true;
        }
    }

    template <flavor F>
    static auto make_mpsc(std::size_t messages) {
        if constexpr (F == flavor::unbounded) {
            return courier::channel<message>();
        } else {
            return courier::sync_channel<message>(bench::capacity_of(F, messages));
        }
    }

#if COURIER_BENCH_HAS_MPMC
    template <flavor F>
    static auto make_mpmc(std::size_t messages) {
        if constexpr (F == flavor::unbounded) {
            return courier::mpmc::channel<message>();
        } else {
            return courier::mpmc::sync_channel<message>(bench::capacity_of(F, messages));
        }
    }
#endif

    template <class Tx>
    static void send(const Tx& tx, message m) {
        if (!tx.send(m)) {
            bench::fail("courier send failed");
        }
    }

    template <class Rx>
    static message recv(Rx& rx) {
        auto r = rx.recv();
        if (!r) {
            bench::fail("courier recv failed");
        }
        return *r;
    }

#if COURIER_BENCH_HAS_SELECT
    template <class Rx, std::size_t K>
    static message select_recv(std::array<Rx, K>& rxs) {
        return select_recv_over(rxs, std::make_index_sequence<K>{});
    }

    template <class Tx, std::size_t K>
    static void select_send(const std::array<Tx, K>& txs, message m) {
        select_send_over(txs, m, std::make_index_sequence<K>{});
    }

    // One courier::select with an on_recv arm per receiver.
    template <class Rx, std::size_t K, std::size_t... I>
    static message select_recv_over(std::array<Rx, K>& rxs, std::index_sequence<I...>) {
        message out = 0;
        auto on_message = [&out](courier::expected<message, courier::recv_error> m) {
            if (!m) {
                bench::fail("courier select recv failed");
            }
            out = *m;
        };
        courier::select(courier::on_recv(rxs[I], on_message)...);
        return out;
    }

    // One courier::select with an on_send arm per sender, each offering the same message.
    template <class Tx, std::size_t K, std::size_t... I>
    static void select_send_over(const std::array<Tx, K>& txs, message m,
                                 std::index_sequence<I...>) {
        auto on_sent = [](courier::expected<void, courier::send_error<message>> r) {
            if (!r) {
                bench::fail("courier select send failed");
            }
        };
        courier::select(courier::on_send(txs[I], m, on_sent)...);
    }
#endif
};

}  // namespace

namespace {

std::int64_t now_ns() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

/// `--extra stop`: how long a receive blocked on an empty, connected channel takes to return after
/// request_stop() on its std::stop_token (1 000 tries; each receiver has been blocked 1 ms, long
/// enough to have stopped spinning and parked). Rows stop_wake_median and stop_wake_max, in ns.
void measure_stop_wake() {
    constexpr std::size_t tries = 1000;
    auto [tx, rx] = courier::channel<bench::message>();
    std::vector<std::int64_t> ns;
    ns.reserve(tries);
    std::size_t wrong = 0;
    for (std::size_t i = 0; i < tries; ++i) {
        std::stop_source source;
        std::atomic<std::int64_t> returned{0};
        std::thread receiver([&rx = rx, &source, &returned, &wrong] {
            auto r = rx.recv(source.get_token());
            returned.store(now_ns(), std::memory_order_release);
            if (r || r.error() != courier::recv_timeout_error::stopped) {
                ++wrong;
            }
        });
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
        const std::int64_t requested = now_ns();
        source.request_stop();
        receiver.join();
        ns.push_back(returned.load(std::memory_order_acquire) - requested);
    }
    if (wrong != 0) {
        std::fprintf(stderr, "stop: %zu receives did not report stopped\n", wrong);
        std::exit(1);
    }
    std::sort(ns.begin(), ns.end());
    bench::print_extra("courier", "stop_wake_median", "unbounded",
                       static_cast<double>(ns[tries / 2]), "ns");
    bench::print_extra("courier", "stop_wake_max", "unbounded", static_cast<double>(ns.back()),
                       "ns");
}

// ---- `--extra batch`: recv_many (batches of 64) against single recv ---------------------------

constexpr std::size_t batch_size = 64;
constexpr std::size_t batch_capacity = 1024;  // the bounded channel of the live shapes
constexpr std::size_t batch_chunk = 65'536;   // a backlog drained at once: 1 MiB of messages

/// Receives `n` messages from `rx` one recv() at a time, or recv_many() batches of 64; returns
/// their sum (checked by the caller).
template <class Rx>
std::uint64_t receive_all(Rx& rx, std::size_t n, bool batched) {
    std::uint64_t sum = 0;
    std::size_t got = 0;
    if (batched) {
        std::array<bench::message, batch_size> buf{};
        while (got < n) {
            auto r = rx.recv_many(buf.begin(), batch_size);
            if (!r) {
                bench::fail("courier recv_many failed");
            }
            for (std::size_t i = 0; i < *r; ++i) {
                sum += buf[i];
            }
            got += *r;
        }
    } else {
        for (; got < n; ++got) {
            auto r = rx.recv();
            if (!r) {
                bench::fail("courier recv failed");
            }
            sum += *r;
        }
    }
    return sum;
}

/// One timed run: `senders` threads send 1..n between them while the main thread receives
/// (senders == 0: the main thread sends a chunk of batch_chunk messages, then receives them; only
/// the receiving is timed). Messages/s.
template <class Make>
double batch_run(Make make, std::size_t n, std::size_t senders, bool batched) {
    auto [tx, rx] = make();
    std::vector<std::thread> threads;
    std::uint64_t sum = 0;
    std::int64_t elapsed = 0;
    if (senders == 0) {
        for (std::size_t first = 1; first <= n; first += batch_chunk) {
            const std::size_t last = std::min(n, first + batch_chunk - 1);
            for (std::size_t i = first; i <= last; ++i) {
                courier_adapter::send(tx, i);
            }
            const std::int64_t t0 = now_ns();
            sum += receive_all(rx, last - first + 1, batched);
            elapsed += now_ns() - t0;
        }
    } else {
        const std::int64_t t0 = now_ns();
        for (std::size_t s = 0; s < senders; ++s) {
            threads.emplace_back([&tx = tx, s, senders, n] {
                for (std::size_t i = s + 1; i <= n; i += senders) {
                    courier_adapter::send(tx, i);
                }
            });
        }
        sum = receive_all(rx, n, batched);
        elapsed = now_ns() - t0;
        for (auto& t : threads) {
            t.join();
        }
    }
    if (sum != static_cast<std::uint64_t>(n) * (n + 1) / 2) {
        bench::fail("batch: the messages received do not add up");
    }
    return static_cast<double>(n) * 1e9 / static_cast<double>(elapsed);
}

/// Runs recv and recv_many alternately, `runs` times each, and prints the median messages/s of
/// each and the min / median / max of the per-pair ratio recv_many / recv.
template <class Make>
void batch_case(std::string_view name, Make make, std::size_t n, std::size_t senders, int runs) {
    std::vector<double> single;
    std::vector<double> many;
    std::vector<double> ratio;
    batch_run(make, n / 10, senders, false);  // warm-up
    batch_run(make, n / 10, senders, true);
    for (int r = 0; r < runs; ++r) {
        single.push_back(batch_run(make, n, senders, false));
        many.push_back(batch_run(make, n, senders, true));
        ratio.push_back(many.back() / single.back());
    }
    auto median = [](std::vector<double> v) {
        std::sort(v.begin(), v.end());
        return v[v.size() / 2];
    };
    bench::print_extra("courier", "batch_recv_rate", name, median(single) / 1e6, "M msg/s");
    bench::print_extra("courier", "batch_recv_many64_rate", name, median(many) / 1e6, "M msg/s");
    std::sort(ratio.begin(), ratio.end());
    bench::print_extra("courier", "batch_speedup_min", name, ratio.front(), "x");
    bench::print_extra("courier", "batch_speedup_median", name, ratio[ratio.size() / 2], "x");
    bench::print_extra("courier", "batch_speedup_max", name, ratio.back(), "x");
}

/// `--extra batch`: messages/s of recv_many(out, 64) against single recv(), on an unbounded and a
/// bounded (capacity 1024) channel with one sender (spsc) and 4 senders (mpsc) running, and on a
/// backlog of 65 536 messages received by the main thread after it sent them (drain: the
/// receiving alone; bounded capacity 65 536).
void measure_batch(const bench::options& o) {
    const std::size_t n = std::min<std::size_t>(o.messages, 2'000'000);
    const int runs = std::max(o.runs, 7);
    auto unbounded = [] { return courier::channel<bench::message>(); };
    auto bounded = [] { return courier::sync_channel<bench::message>(batch_capacity); };
    auto bounded_all = [] { return courier::sync_channel<bench::message>(batch_chunk); };
    batch_case("unbounded_spsc", unbounded, n, 1, runs);
    batch_case("bounded_spsc", bounded, n, 1, runs);
    batch_case("unbounded_mpsc", unbounded, n, 4, runs);
    batch_case("bounded_mpsc", bounded, n, 4, runs);
    batch_case("unbounded_drain", unbounded, n, 0, runs);
    batch_case("bounded_drain", bounded_all, n, 0, runs);
}

}  // namespace

int main(int argc, char** argv) {
    const bench::options o = bench::parse_options(argc, argv);
    if (o.extra == "stop") {
        if (!o.list) {
            if (o.header) {
                bench::print_extra_header();
            }
            measure_stop_wake();
        }
        return 0;
    }
    if (o.extra == "batch") {
        if (!o.list) {
            if (o.header) {
                bench::print_extra_header();
            }
            measure_batch(o);
        }
        return 0;
    }
    return bench::run_for<courier_adapter>(o);
}
