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
    return bench::run_for<courier_adapter>(o);
}
