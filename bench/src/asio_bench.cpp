// Coroutines under Asio: Asio's own experimental::concurrent_channel (system asio_channel) beside
// courier's channels awaited through <courier/asio.hpp> (system courier_asio), the same
// asio::awaitable coroutines on the same executors. Only `--extra async` measures anything (the
// thread cases are not Asio's); its rows use the metric names of bench_courier's async group:
//   async_pingpong_1thread  bounded0 / bounded1   ns per round trip of two coroutines on an
//                                                 io_context run by one thread
//   async_seconds           <flavor>_spsc / _mpsc seconds for N messages, producer and consumer
//                                                 coroutines on an io_context run by two threads
#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/experimental/concurrent_channel.hpp>
#include <asio/io_context.hpp>
#include <asio/use_awaitable.hpp>
#include <courier/asio.hpp>
#include <courier/courier.hpp>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string_view>
#include <system_error>
#include <thread>
#include <vector>

#include "harness.hpp"

namespace {

using message = std::uint64_t;
using asio_channel = asio::experimental::concurrent_channel<void(asio::error_code, message)>;

double seconds_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// Runs `io` on `threads` threads until it has no more work.
void run(asio::io_context& io, int threads) {
    std::vector<std::thread> extra;
    for (int i = 1; i < threads; ++i) {
        extra.emplace_back([&io] { io.run(); });
    }
    io.run();
    for (auto& t : extra) {
        t.join();
    }
}

// ---- Asio's channel
// ------------------------------------------------------------------------------

struct asio_side {
    static constexpr std::string_view name = "asio_channel";

    struct channel {
        asio_channel ch;
        channel(asio::io_context& io, std::size_t capacity) : ch(io, capacity) {}
    };

    static asio::awaitable<void> send(channel& c, message m) {
        co_await c.ch.async_send(asio::error_code{}, m, asio::use_awaitable);
    }
    static asio::awaitable<message> recv(channel& c) {
        co_return co_await c.ch.async_receive(asio::use_awaitable);
    }
};

// ---- courier through the adapter ------------------------------------------------------------

struct courier_side {
    static constexpr std::string_view name = "courier_asio";

    struct channel {
        std::pair<courier::mpmc::sender<message>, courier::mpmc::receiver<message>> ends;
        channel(asio::io_context&, std::size_t capacity)
            : ends(courier::mpmc::sync_channel<message>(capacity)) {}
    };

    static asio::awaitable<void> send(channel& c, message m) {
        auto r = co_await courier::asio::async_send(c.ends.first, m, asio::use_awaitable);
        if (!r) {
            bench::fail("courier_asio: a send failed");
        }
    }
    static asio::awaitable<message> recv(channel& c) {
        auto r = co_await courier::asio::async_recv(c.ends.second, asio::use_awaitable);
        if (!r) {
            bench::fail("courier_asio: a receive failed");
        }
        co_return *r;
    }
};

template <class Side>
double pingpong(std::size_t capacity, std::size_t trips) {
    asio::io_context io(1);
    typename Side::channel ping(io, capacity);
    typename Side::channel pong(io, capacity);
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
            for (std::size_t i = 0; i < trips; ++i) {
                co_await Side::send(pong, co_await Side::recv(ping));
            }
        },
        asio::detached);
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
            for (std::size_t i = 0; i < trips; ++i) {
                co_await Side::send(ping, i);
                if (co_await Side::recv(pong) != i) {
                    bench::fail("ping-pong: wrong reply");
                }
            }
        },
        asio::detached);
    const auto t0 = std::chrono::steady_clock::now();
    io.run();
    return seconds_since(t0) * 1e9 / static_cast<double>(trips);
}

template <class Side>
double transfer(std::size_t capacity, std::size_t n, std::size_t producers) {
    asio::io_context io(2);
    typename Side::channel ch(io, capacity);
    message sum = 0;
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
            for (std::size_t i = 0; i < n; ++i) {
                sum += co_await Side::recv(ch);
            }
        },
        asio::detached);
    for (std::size_t p = 0; p < producers; ++p) {
        asio::co_spawn(
            io,
            [&, p]() -> asio::awaitable<void> {
                for (std::size_t i = p + 1; i <= n; i += producers) {
                    co_await Side::send(ch, i);
                }
            },
            asio::detached);
    }
    const auto t0 = std::chrono::steady_clock::now();
    run(io, 2);
    const double s = seconds_since(t0);
    if (sum != static_cast<message>(n) * (n + 1) / 2) {
        bench::fail("transfer: the messages received do not add up");
    }
    return s;
}

template <class F>
double median_of(int runs, F f) {
    std::vector<double> v;
    for (int r = 0; r < runs; ++r) {
        v.push_back(f());
    }
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

template <class Side>
void measure(const bench::options& o) {
    const int runs = std::max(o.runs, 3);
    const std::size_t trips = std::min<std::size_t>(o.rtt_trips, 200'000);
    for (std::size_t capacity : {std::size_t{0}, std::size_t{1}}) {
        pingpong<Side>(capacity, trips / 10);
        bench::print_extra(Side::name, "async_pingpong_1thread",
                           capacity == 0 ? "bounded0" : "bounded1",
                           median_of(runs, [&] { return pingpong<Side>(capacity, trips); }), "ns");
    }
    const std::size_t n = std::min<std::size_t>(o.messages, 1'000'000);
    struct shape {
        const char* name;
        std::size_t capacity;
        std::size_t producers;
    };
    for (const shape s : {shape{"bounded0_spsc", 0, 1}, shape{"bounded1_spsc", 1, 1},
                          shape{"bounded_spsc", n, 1}, shape{"bounded0_mpsc", 0, 4},
                          shape{"bounded1_mpsc", 1, 4}, shape{"bounded_mpsc", n, 4}}) {
        transfer<Side>(s.capacity, n / 10, s.producers);
        bench::print_extra(
            Side::name, "async_seconds", s.name,
            median_of(runs, [&] { return transfer<Side>(s.capacity, n, s.producers); }), "s");
    }
}

}  // namespace

int main(int argc, char** argv) {
    const bench::options o = bench::parse_options(argc, argv);
    if (o.extra != "async" || o.list) {
        return 0;  // no thread cases: Asio's channels are for its coroutines
    }
    if (o.header) {
        bench::print_extra_header();
    }
    measure<asio_side>(o);
    measure<courier_side>(o);
    return 0;
}
