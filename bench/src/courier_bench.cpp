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

#if __has_include(<courier/async.hpp>)
#include <courier/async.hpp>

#include <coroutine>
#include <exception>
#include <fstream>
#include <new>
#define COURIER_BENCH_HAS_ASYNC 1
#else
#define COURIER_BENCH_HAS_ASYNC 0
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

#if COURIER_BENCH_HAS_ASYNC
// ---- `--extra async`: coroutines as the parties
// ---------------------------------------------------

/// A coroutine that starts at once, records when its body has finished, and records the size of
/// the frames the compiler allocates for it.
struct bench_task {
    struct promise_type {
        std::atomic<bool>* done = nullptr;

        static inline std::atomic<std::size_t> last_frame_bytes{0};
        static void* operator new(std::size_t n) {
            last_frame_bytes.store(n, std::memory_order_relaxed);
            return ::operator new(n);
        }
        static void operator delete(void* p) noexcept { ::operator delete(p); }

        bench_task get_return_object() noexcept { return {}; }
        std::suspend_never initial_suspend() noexcept { return {}; }
        std::suspend_never final_suspend() noexcept { return {}; }
        void return_void() noexcept {}
        void unhandled_exception() noexcept { std::terminate(); }
    };
};

/// Sets `flag` when the coroutine that owns it ends (it lives in the frame).
struct done_on_exit {
    std::atomic<bool>* flag;
    ~done_on_exit() { flag->store(true, std::memory_order_release); }
};

void wait_for(const std::atomic<bool>& flag) {
    while (!flag.load(std::memory_order_acquire)) {
        std::this_thread::yield();
    }
}

template <class Tx>
bench_task async_produce(Tx tx, std::size_t first, std::size_t step, std::size_t n,
                         std::atomic<bool>* done) {
    done_on_exit guard{done};
    for (std::size_t i = first; i <= n; i += step) {
        if (!co_await tx.async_send(i)) {
            bench::fail("async_send failed");
        }
    }
}

template <class Rx>
bench_task async_consume(Rx rx, std::size_t n, std::uint64_t* sum, std::atomic<bool>* done) {
    done_on_exit guard{done};
    for (std::size_t i = 0; i < n; ++i) {
        auto m = co_await rx.async_recv();
        if (!m) {
            bench::fail("async_recv failed");
        }
        *sum += *m;
    }
}

/// Ping-pong of two coroutines on this thread through two channels of `capacity` (0: rendezvous):
/// nanoseconds per round trip (two hand-offs).
double async_pingpong(std::size_t capacity, std::size_t trips) {
    auto [ping_tx, ping_rx] = courier::sync_channel<bench::message>(capacity);
    auto [pong_tx, pong_rx] = courier::sync_channel<bench::message>(capacity);
    std::atomic<bool> pong_done{false};
    std::atomic<bool> ping_done{false};
    auto pong = [](courier::receiver<bench::message> rx, courier::sync_sender<bench::message> tx,
                   std::size_t n, std::atomic<bool>* done) -> bench_task {
        done_on_exit guard{done};
        for (std::size_t i = 0; i < n; ++i) {
            auto m = co_await rx.async_recv();
            co_await tx.async_send(*m);
        }
    };
    auto ping = [](courier::sync_sender<bench::message> tx, courier::receiver<bench::message> rx,
                   std::size_t n, std::atomic<bool>* done) -> bench_task {
        done_on_exit guard{done};
        for (std::size_t i = 0; i < n; ++i) {
            co_await tx.async_send(i);
            if ((co_await rx.async_recv()).value_or(n + 1) != i) {
                bench::fail("async ping-pong: wrong reply");
            }
        }
    };
    const std::int64_t t0 = now_ns();
    pong(std::move(ping_rx), std::move(pong_tx), trips, &pong_done);
    ping(std::move(ping_tx), std::move(pong_rx), trips, &ping_done);
    wait_for(ping_done);
    wait_for(pong_done);
    return static_cast<double>(now_ns() - t0) / static_cast<double>(trips);
}

enum class party { coroutine, thread };

/// n messages from `producers` parties to one consumer, each party started on one of two threads
/// (a coroutine resumes wherever its partner completes it; a thread blocks). Seconds.
template <class Make>
double async_transfer(Make make, std::size_t n, std::size_t producers, party prod, party cons) {
    auto [tx, rx] = make();
    // done[0 .. producers-1]: the producers; done[producers]: the consumer.
    std::vector<std::atomic<bool>> done(producers + 1);
    std::uint64_t sum = 0;
    const std::int64_t t0 = now_ns();
    std::thread consumer([&, rx = std::move(rx)]() mutable {
        if (cons == party::coroutine) {
            async_consume(std::move(rx), n, &sum, &done[producers]);
            return;
        }
        for (std::size_t i = 0; i < n; ++i) {
            sum += courier_adapter::recv(rx);
        }
        done[producers].store(true, std::memory_order_release);
    });
    std::thread producer([&, tx = std::move(tx)] {
        if (prod == party::coroutine) {
            for (std::size_t p = 0; p < producers; ++p) {
                async_produce(tx, p + 1, producers, n, &done[p]);
            }
            return;
        }
        for (std::size_t i = 1; i <= n; ++i) {
            courier_adapter::send(tx, i);
        }
        for (std::size_t p = 0; p < producers; ++p) {
            done[p].store(true, std::memory_order_release);
        }
    });
    consumer.join();
    producer.join();
    for (auto& d : done) {
        wait_for(d);
    }
    const double s = static_cast<double>(now_ns() - t0) / 1e9;
    if (sum != static_cast<std::uint64_t>(n) * (n + 1) / 2) {
        bench::fail("async transfer: the messages received do not add up");
    }
    return s;
}

template <class Make>
void async_case(std::string_view name, Make make, std::size_t n, std::size_t producers, party prod,
                party cons, int runs) {
    std::vector<double> t;
    async_transfer(make, n / 10, producers, prod, cons);  // warm-up
    for (int r = 0; r < runs; ++r) {
        t.push_back(async_transfer(make, n, producers, prod, cons));
    }
    std::sort(t.begin(), t.end());
    bench::print_extra("courier", "async_seconds", name, t[t.size() / 2], "s");
}

std::size_t rss_bytes() {
    std::ifstream statm("/proc/self/statm");
    std::size_t pages_total = 0;
    std::size_t pages_resident = 0;
    statm >> pages_total >> pages_resident;
    return pages_resident * 4096;
}

/// 1 000 000 coroutines suspended in async_recv on one channel: resident bytes per coroutine, the
/// size of each frame (which holds the awaitable), and the awaitable alone.
void async_memory(std::size_t n) {
    auto [tx, rx] = courier::mpmc::channel<bench::message>();
    std::vector<std::atomic<bool>> done(n);
    std::uint64_t sum = 0;
    const std::size_t before = rss_bytes();
    for (std::size_t i = 0; i < n; ++i) {
        async_consume(rx, 1, &sum, &done[i]);
    }
    const std::size_t after = rss_bytes();
    const std::size_t frame = bench_task::promise_type::last_frame_bytes.load();
    for (std::size_t i = 1; i <= n; ++i) {
        courier_adapter::send(tx, i);
    }
    for (auto& d : done) {
        wait_for(d);
    }
    const double per = static_cast<double>(after - before) / static_cast<double>(n);
    bench::print_extra("courier", "async_suspended_rss", "per_coroutine", per, "B");
    bench::print_extra("courier", "async_frame", "per_coroutine", static_cast<double>(frame), "B");
    bench::print_extra("courier", "async_awaiter", "recv",
                       static_cast<double>(sizeof(rx.async_recv())), "B");
    bench::print_extra("courier", "async_beyond_frame", "per_coroutine",
                       per - static_cast<double>(frame), "B");
}

/// `--extra async`: coroutines as the parties. One thread: ns per round trip of a coroutine
/// ping-pong. Two threads: seconds for the message count, coroutine to coroutine (spsc, and mpsc
/// with 4 producers), thread to coroutine and coroutine to thread. Memory of suspended coroutines.
void measure_async(const bench::options& o) {
    const int runs = std::max(o.runs, 3);
    const std::size_t trips = std::min<std::size_t>(o.rtt_trips, 200'000);
    for (std::size_t capacity : {std::size_t{0}, std::size_t{1}}) {
        std::vector<double> ns;
        async_pingpong(capacity, trips / 10);
        for (int r = 0; r < runs; ++r) {
            ns.push_back(async_pingpong(capacity, trips));
        }
        std::sort(ns.begin(), ns.end());
        bench::print_extra("courier", "async_pingpong_1thread",
                           capacity == 0 ? "bounded0" : "bounded1", ns[ns.size() / 2], "ns");
    }
    const std::size_t n = std::min<std::size_t>(o.messages, 1'000'000);
    auto b0 = [] { return courier::mpmc::sync_channel<bench::message>(0); };
    auto b1 = [] { return courier::mpmc::sync_channel<bench::message>(1); };
    auto bn = [n] { return courier::mpmc::sync_channel<bench::message>(n); };
    auto un = [] { return courier::mpmc::channel<bench::message>(); };
    const party co = party::coroutine;
    const party th = party::thread;
    async_case("bounded0_spsc", b0, n, 1, co, co, runs);
    async_case("bounded1_spsc", b1, n, 1, co, co, runs);
    async_case("bounded_spsc", bn, n, 1, co, co, runs);
    async_case("unbounded_spsc", un, n, 1, co, co, runs);
    async_case("bounded0_mpsc", b0, n, 4, co, co, runs);
    async_case("bounded1_mpsc", b1, n, 4, co, co, runs);
    async_case("bounded_mpsc", bn, n, 4, co, co, runs);
    async_case("unbounded_mpsc", un, n, 4, co, co, runs);
    async_case("bounded0_thread_to_coroutine", b0, n, 1, th, co, runs);
    async_case("bounded1_thread_to_coroutine", b1, n, 1, th, co, runs);
    async_case("bounded0_coroutine_to_thread", b0, n, 1, co, th, runs);
    async_case("bounded1_coroutine_to_thread", b1, n, 1, co, th, runs);
    async_memory(1'000'000);
}
#endif

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
#if COURIER_BENCH_HAS_ASYNC
    if (o.extra == "async") {
        if (!o.list) {
            if (o.header) {
                bench::print_extra_header();
            }
            measure_async(o);
        }
        return 0;
    }
#endif
    return bench::run_for<courier_adapter>(o);
}
