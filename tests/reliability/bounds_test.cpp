// Memory and time bounds.
//
// Memory (through a counting global operator new, support/alloc_hooks.cpp):
//   - a bounded or rendezvous channel allocates nothing after construction: no operator new call
//     during 10^5 sends and receives, single-threaded and with a blocked partner thread, nor
//     during timed operations that time out;
//   - an unbounded channel gives its memory back as it is consumed: after a drain the live bytes
//     are back at the baseline of an empty channel, and dropping both ends frees everything;
//   - batch receives (runs of every length, mixed with single receives) give the blocks back too.
// Time:
//   - 10 000 timed operations with 1 ms deadlines racing sends on other threads: never early
//     (elapsed >= the timeout, on the caller's clock), and no message lost or duplicated;
//   - duration::max(), time_point::max() and other huge values saturate (wait forever) instead of
//     overflowing into an immediate timeout; zero, negative and min() values try once.
#include <gtest/gtest.h>

#include <courier/courier.hpp>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <random>
#include <thread>
#include <utility>
#include <vector>

#include "support/alloc_hooks.hpp"
#include "support/knobs.hpp"

namespace {

using namespace std::chrono_literals;
namespace alloc = courier_reliability::alloc;
using steady = std::chrono::steady_clock;

struct payload {
    std::uint64_t value;
};

constexpr int round_trips = 100'000;

// ---- bounded: nothing allocated after construction --------------------------------------------

template <class Tx, class Rx>
void no_alloc_single_thread(const Tx& tx, const Rx& rx) {
    const std::uint64_t before = alloc::calls();
    for (int i = 0; i < round_trips; ++i) {
        if (!tx.send(payload{static_cast<std::uint64_t>(i)})) {
            ADD_FAILURE() << "send failed";
            return;
        }
        auto r = rx.try_recv();
        if (!r || r->value != static_cast<std::uint64_t>(i)) {
            ADD_FAILURE() << "wrong message";
            return;
        }
    }
    // Timed operations that time out, and failed try operations.
    for (int i = 0; i < 100; ++i) {
        EXPECT_FALSE(rx.recv_timeout(10us).has_value());
        EXPECT_FALSE(rx.try_recv().has_value());
    }
    const std::uint64_t after = alloc::calls();
    EXPECT_EQ(after - before, 0u) << "operator new was called during send/recv";
}

/// Producer and consumer on two threads (senders block on a full ring, the receiver on an empty
/// one), counting allocations of the whole process between a start and an end barrier.
template <class Tx, class Rx>
void no_alloc_two_threads(Tx tx, Rx rx) {
    std::atomic<int> ready{0};
    std::atomic<bool> go{false};
    std::atomic<int> done{0};
    std::thread producer([&, tx = std::move(tx)]() mutable {
        ready.fetch_add(1);
        while (!go.load()) {
            std::this_thread::yield();
        }
        for (int i = 0; i < round_trips; ++i) {
            if (!tx.send(payload{static_cast<std::uint64_t>(i)})) {
                break;
            }
        }
        done.fetch_add(1);
        while (done.load() != 3) {
            std::this_thread::yield();
        }
    });
    std::thread consumer([&, rx = std::move(rx)]() mutable {
        ready.fetch_add(1);
        while (!go.load()) {
            std::this_thread::yield();
        }
        std::uint64_t expected = 0;
        for (int i = 0; i < round_trips; ++i) {
            auto r = rx.recv();
            if (!r || r->value != expected) {
                break;
            }
            ++expected;
        }
        EXPECT_EQ(expected, static_cast<std::uint64_t>(round_trips));
        done.fetch_add(1);
        while (done.load() != 3) {
            std::this_thread::yield();
        }
    });
    while (ready.load() != 2) {
        std::this_thread::yield();
    }
    const std::uint64_t before = alloc::calls();
    go.store(true);
    while (done.load() != 2) {
        std::this_thread::yield();
    }
    const std::uint64_t after = alloc::calls();
    done.store(3);
    producer.join();
    consumer.join();
    EXPECT_EQ(after - before, 0u) << "operator new was called while two threads exchanged "
                                  << round_trips << " messages";
}

TEST(MemoryBound, BoundedAllocatesNothingAfterConstruction) {
    for (std::size_t cap : {std::size_t{1}, std::size_t{3}, std::size_t{1000}}) {
        SCOPED_TRACE("capacity " + std::to_string(cap));
        {
            auto [tx, rx] = courier::sync_channel<payload>(cap);
            no_alloc_single_thread(tx, rx);
        }
        {
            auto [tx, rx] = courier::mpmc::sync_channel<payload>(cap);
            no_alloc_single_thread(tx, rx);
        }
        {
            auto [tx, rx] = courier::sync_channel<payload>(cap);
            no_alloc_two_threads(std::move(tx), std::move(rx));
        }
        {
            auto [tx, rx] = courier::mpmc::sync_channel<payload>(cap);
            no_alloc_two_threads(std::move(tx), std::move(rx));
        }
    }
}

TEST(MemoryBound, RendezvousAllocatesNothingAfterConstruction) {
    {
        auto [tx, rx] = courier::sync_channel<payload>(0);
        no_alloc_two_threads(std::move(tx), std::move(rx));
    }
    {
        auto [tx, rx] = courier::mpmc::sync_channel<payload>(0);
        no_alloc_two_threads(std::move(tx), std::move(rx));
    }
}

// ---- unbounded: back to the baseline after a drain --------------------------------------------

// The baseline of an unbounded channel: its live bytes once it has carried one message (its first
// block is installed), into `baseline`. Resets the largest-allocation record. Callers return when
// it failed (HasFatalFailure; ASSERT_NO_FATAL_FAILURE would allocate inside the measured scope).
template <class Tx, class Rx>
void carried_one(Tx& tx, Rx& rx, std::int64_t& baseline) {
    ASSERT_TRUE(tx.send(payload{0}).has_value());
    ASSERT_TRUE(rx.try_recv().has_value());
    baseline = alloc::live_bytes();
    alloc::reset_max();
}

// What a drained unbounded channel may hold besides its block in use: its spare blocks (kept for
// the next blocks a sender needs), at most 8 blocks and about 16 KiB, however large the burst was
// (a block is the largest allocation of the channel).
std::int64_t spares_allowance() {
    const auto block = static_cast<std::int64_t>(alloc::max_request());
    return std::max(block, std::min(8 * block, std::int64_t{16} << 10));
}

template <class Make>
void unbounded_returns_to_baseline(Make make, const char* name) {
    const std::int64_t empty_process = alloc::live_bytes();
    {
        auto ch = make();  // not a structured binding: Clang 14 cannot capture bindings
        auto& tx = ch.first;
        auto& rx = ch.second;
        std::int64_t baseline = 0;
        carried_one(tx, rx, baseline);
        if (::testing::Test::HasFatalFailure()) {
            return;
        }

        for (int i = 0; i < round_trips; ++i) {
            ASSERT_TRUE(tx.send(payload{static_cast<std::uint64_t>(i)}).has_value());
        }
        const std::int64_t peak = alloc::live_bytes();
        for (int i = 0; i < round_trips; ++i) {
            auto r = rx.try_recv();
            ASSERT_TRUE(r.has_value());
            ASSERT_EQ(r->value, static_cast<std::uint64_t>(i));
        }
        const std::int64_t drained = alloc::live_bytes();
        std::printf(
            "[ figures  ] %s: baseline %lld bytes, %d buffered %lld bytes (%.1f per "
            "message), after the drain %lld bytes, largest allocation %llu bytes\n",
            name, static_cast<long long>(baseline - empty_process), round_trips,
            static_cast<long long>(peak - baseline),
            static_cast<double>(peak - baseline) / round_trips,
            static_cast<long long>(drained - empty_process),
            static_cast<unsigned long long>(alloc::max_request()));
        EXPECT_GT(peak - baseline, 0);
        const std::int64_t spares = spares_allowance();
        EXPECT_LE(drained - baseline, spares) << "the drained channel holds more than its spares";

        // Concurrently: a producer and this thread draining as it goes.
        std::thread producer([&tx] {
            for (int i = 0; i < round_trips; ++i) {
                if (!tx.send(payload{static_cast<std::uint64_t>(i)})) {
                    return;
                }
            }
        });
        for (int i = 0; i < round_trips; ++i) {
            auto r = rx.recv();
            ASSERT_TRUE(r.has_value());
            ASSERT_EQ(r->value, static_cast<std::uint64_t>(i));
        }
        producer.join();
        EXPECT_LE(alloc::live_bytes() - baseline, spares);
        // Leave messages buffered: dropping both ends must free them and every block.
        for (int i = 0; i < 1000; ++i) {
            ASSERT_TRUE(tx.send(payload{0}).has_value());
        }
    }
    EXPECT_EQ(alloc::live_bytes(), empty_process) << "the channel was not freed entirely";
}

TEST(MemoryBound, UnboundedReturnsToBaselineAfterDrain) {
    unbounded_returns_to_baseline([] { return courier::channel<payload>(); }, "channel");
    unbounded_returns_to_baseline([] { return courier::mpmc::channel<payload>(); },
                                  "mpmc::channel");
}

// Batch receives give an unbounded channel's blocks back like single receives do, whatever mix of
// runs (which end inside a block or at its end) and single receives consumed each block: a block
// whose read marks a run left incomplete would never be freed, and the live bytes would grow by a
// block every few dozen messages. Then the same with a producer running, so that runs meet slots
// still being written and blocks being installed.
template <class Make>
void unbounded_batches_return_to_baseline(Make make, const char* name) {
    const std::int64_t empty_process = alloc::live_bytes();
    {
        auto ch = make();
        auto& tx = ch.first;
        auto& rx = ch.second;
        std::int64_t baseline = 0;
        carried_one(tx, rx, baseline);
        if (::testing::Test::HasFatalFailure()) {
            return;
        }
        constexpr std::array<std::size_t, 9> sizes = {1, 2, 3, 5, 7, 30, 31, 32, 64};
        std::array<payload, 64> buf{};
        std::uint64_t next = 0;
        auto take = [&](std::size_t round, bool blocking) {
            const std::size_t max = sizes[round % sizes.size()];
            std::size_t got = 0;
            if (round % 4 == 3) {
                auto r = rx.try_recv();  // a single receive between runs
                if (r) {
                    buf[0] = *r;
                    got = 1;
                }
            } else if (blocking) {
                auto r = rx.recv_many(buf.begin(), max);
                EXPECT_TRUE(r.has_value());
                got = r.value_or(0);
            } else {
                got = rx.try_recv_many(buf.begin(), max);
            }
            for (std::size_t i = 0; i < got; ++i) {
                EXPECT_EQ(buf[i].value, next) << name << ": out of order";
                ++next;
            }
            return got;
        };
        for (int i = 0; i < round_trips; ++i) {
            ASSERT_TRUE(tx.send(payload{static_cast<std::uint64_t>(i)}).has_value());
        }
        for (std::size_t round = 0; next < round_trips; ++round) {
            take(round, false);
        }
        const std::int64_t spares = spares_allowance();
        EXPECT_LE(alloc::live_bytes() - baseline, spares)
            << name << ": blocks drained by batches were not given back";

        next = 0;
        std::thread producer([&tx] {
            for (int i = 0; i < round_trips; ++i) {
                if (!tx.send(payload{static_cast<std::uint64_t>(i)})) {
                    return;
                }
            }
        });
        for (std::size_t round = 0; next < round_trips; ++round) {
            take(round, round % 4 != 3);
        }
        producer.join();
        EXPECT_LE(alloc::live_bytes() - baseline, spares)
            << name << ": blocks drained by batches beside a producer were not given back";
    }
    EXPECT_EQ(alloc::live_bytes(), empty_process) << name << ": the channel was not freed entirely";
}

TEST(MemoryBound, UnboundedBatchesReturnToBaseline) {
    unbounded_batches_return_to_baseline([] { return courier::channel<payload>(); }, "channel");
    unbounded_batches_return_to_baseline([] { return courier::mpmc::channel<payload>(); },
                                         "mpmc::channel");
}

// Whichever side goes last frees the channel, also when both sides go concurrently.
TEST(MemoryBound, LastHandleFreesTheChannel) {
    const std::int64_t before = alloc::live_bytes();
    for (int i = 0; i < 2000; ++i) {
        // unbounded, capacity 1..3, or rendezvous; 0..3 messages left buffered
        auto [tx, rx] =
            (i % 5 == 0)
                ? courier::mpmc::channel<payload>()
                : courier::mpmc::sync_channel<payload>(static_cast<std::size_t>(i % 5 - 1));
        for (int j = 0; j < i % 4; ++j) {
            static_cast<void>(tx.try_send(payload{0}));
        }
        std::thread t([tx = std::move(tx)]() mutable { tx.reset(); });
        rx.reset();
        t.join();
    }
    EXPECT_EQ(alloc::live_bytes(), before);
}

// ---- timeouts ---------------------------------------------------------------------------------

struct timing {
    std::atomic<long> timed_ops{0};
    std::atomic<long> timeouts{0};
    std::atomic<long> early{0};
    std::atomic<long long> worst_early_ns{0};

    void check(steady::duration elapsed, steady::duration limit) {
        timeouts.fetch_add(1);
        if (elapsed < limit) {
            early.fetch_add(1);
            const long long by =
                std::chrono::duration_cast<std::chrono::nanoseconds>(limit - elapsed).count();
            long long prev = worst_early_ns.load();
            while (by > prev && !worst_early_ns.compare_exchange_weak(prev, by)) {
            }
        }
    }
};

// Producers send with 1 ms send_timeout / send_deadline (retrying the value handed back on a
// timeout), receivers take with 1 ms recv_timeout / recv_deadline; pauses at random keep both
// sides timing out often. Every message is received once, in per-producer order.
template <class Tx, class Rx>
void timed_race(std::pair<Tx, Rx> ch, int producers, int receivers, int per_producer, timing& t) {
    std::vector<std::vector<std::uint64_t>> got(static_cast<std::size_t>(receivers));
    {
        auto [tx, rx] = std::move(ch);
        std::vector<std::thread> threads;
        for (int p = 0; p < producers; ++p) {
            threads.emplace_back([&, p, tx = tx]() mutable {
                std::minstd_rand rng(static_cast<unsigned>(p + 1));
                for (int i = 0; i < per_producer; ++i) {
                    payload v{static_cast<std::uint64_t>(p) << 32 | static_cast<unsigned>(i)};
                    if (rng() % 3 == 0) {
                        std::this_thread::sleep_for(std::chrono::microseconds(rng() % 2500));
                    }
                    for (int attempt = 0;; ++attempt) {
                        const auto t0 = steady::now();
                        const bool use_deadline = (i + attempt) % 2 == 1;
                        auto r = use_deadline ? tx.send_deadline(v, steady::now() + 1ms)
                                              : tx.send_timeout(v, 1ms);
                        const auto elapsed = steady::now() - t0;
                        t.timed_ops.fetch_add(1);
                        if (r) {
                            break;
                        }
                        ASSERT_TRUE(r.error().is_timeout());
                        t.check(elapsed, 1ms);
                        v = r.error().value;
                    }
                }
                tx.reset();
            });
        }
        tx.reset();
        for (int r = 0; r < receivers; ++r) {
            auto body = [&, r](const Rx& my) {
                std::minstd_rand rng(static_cast<unsigned>(100 + r));
                for (int i = 0;; ++i) {
                    if (rng() % 4 == 0) {
                        std::this_thread::sleep_for(std::chrono::microseconds(rng() % 2000));
                    }
                    const auto t0 = steady::now();
                    const auto s0 = std::chrono::system_clock::now();
                    auto m = i % 2 == 0 ? my.recv_timeout(1ms)
                                        : my.recv_deadline(std::chrono::system_clock::now() + 1ms);
                    const auto elapsed = steady::now() - t0;
                    const auto sys_elapsed = std::chrono::system_clock::now() - s0;
                    t.timed_ops.fetch_add(1);
                    if (m) {
                        got[static_cast<std::size_t>(r)].push_back(m->value);
                        continue;
                    }
                    if (m.error() == courier::recv_timeout_error::disconnected) {
                        break;
                    }
                    if (i % 2 == 0) {
                        t.check(elapsed, 1ms);
                    } else {
                        // A system_clock deadline is judged on system_clock.
                        t.check(std::chrono::duration_cast<steady::duration>(sys_elapsed), 1ms);
                    }
                }
            };
            if constexpr (std::is_copy_constructible_v<Rx>) {
                threads.emplace_back([body, my = rx]() mutable {
                    body(my);
                    my.reset();
                });
            } else {
                threads.emplace_back([body, my = std::move(rx)]() mutable {
                    body(my);
                    my.reset();
                });
            }
        }
        if constexpr (std::is_copy_constructible_v<Rx>) {
            rx.reset();
        }
        for (auto& th : threads) {
            th.join();
        }
    }
    std::vector<char> seen(static_cast<std::size_t>(producers * per_producer), 0);
    long count = 0;
    for (const auto& g : got) {
        std::vector<long> last(static_cast<std::size_t>(producers), -1);
        for (std::uint64_t id : g) {
            const auto p = static_cast<std::size_t>(id >> 32);
            const auto i = static_cast<long>(id & 0xffffffffu);
            ASSERT_LT(p, static_cast<std::size_t>(producers));
            ASSERT_LT(i, per_producer);
            auto& s =
                seen[p * static_cast<std::size_t>(per_producer) + static_cast<std::size_t>(i)];
            ASSERT_EQ(s, 0) << "duplicated";
            s = 1;
            ASSERT_GT(i, last[p]) << "reordered";
            last[p] = i;
            ++count;
        }
    }
    EXPECT_EQ(count, producers * per_producer) << "lost messages";
}

TEST(TimeBound, TimedOperationsRacingSendsAreNeverEarlyNorLossy) {
    timing t;
    constexpr long wanted = 10'000;
    const auto t0 = steady::now();
    // Several channel kinds, a few hundred messages each, until 10 000 timed operations ran.
    while (t.timed_ops.load() < wanted) {
        timed_race(courier::sync_channel<payload>(1), 2, 1, 300, t);
        timed_race(courier::sync_channel<payload>(0), 2, 1, 300, t);
        timed_race(courier::mpmc::sync_channel<payload>(1), 2, 2, 300, t);
        timed_race(courier::mpmc::sync_channel<payload>(0), 2, 2, 300, t);
        timed_race(courier::mpmc::channel<payload>(), 2, 2, 300, t);
        if (::testing::Test::HasFailure()) {
            return;
        }
    }
    const double secs = std::chrono::duration<double>(steady::now() - t0).count();
    std::printf(
        "[ figures  ] %ld timed operations with 1 ms deadlines, %ld timed out, %ld early "
        "(worst by %lld ns), %.1f s\n",
        t.timed_ops.load(), t.timeouts.load(), t.early.load(), t.worst_early_ns.load(), secs);
    EXPECT_EQ(t.early.load(), 0) << "a timed operation gave up before its deadline";
    EXPECT_GT(t.timeouts.load(), 100) << "the race did not make the operations time out";
}

// ---- saturation --------------------------------------------------------------------------------

/// Calls `wait(rx)` while another thread sends after 30 ms: a huge timeout must block until then
/// (not overflow into an immediate timeout or a negative wait) and return the message.
template <class Wait>
void blocks_until_sent(Wait wait, const char* what) {
    auto [tx, rx] = courier::channel<int>();
    // t0 before the sender starts: the message is sent at least 30 ms after t0 however the
    // threads are scheduled, so a wait that returned it early would show as elapsed < 25 ms.
    const auto t0 = steady::now();
    std::thread t([tx = std::move(tx)] {
        std::this_thread::sleep_for(30ms);
        static_cast<void>(tx.send(42));
    });
    auto r = wait(rx);
    const auto elapsed = steady::now() - t0;
    t.join();
    ASSERT_TRUE(r.has_value()) << what << ": returned without the message";
    EXPECT_EQ(*r, 42);
    EXPECT_GE(elapsed, 25ms) << what;
}

TEST(TimeBound, HugeTimeoutsSaturate) {
    using namespace std::chrono;
    blocks_until_sent([](auto& rx) { return rx.recv_timeout(nanoseconds::max()); },
                      "nanoseconds::max()");
    blocks_until_sent([](auto& rx) { return rx.recv_timeout(milliseconds::max()); },
                      "milliseconds::max()");
    blocks_until_sent([](auto& rx) { return rx.recv_timeout(hours::max()); }, "hours::max()");
    blocks_until_sent([](auto& rx) { return rx.recv_timeout(duration<double>(1e300)); },
                      "duration<double>(1e300)");
    blocks_until_sent([](auto& rx) { return rx.recv_timeout(duration<double>::max()); },
                      "duration<double>::max()");
    blocks_until_sent([](auto& rx) { return rx.recv_deadline(steady_clock::time_point::max()); },
                      "steady_clock::time_point::max()");
    blocks_until_sent([](auto& rx) { return rx.recv_deadline(system_clock::time_point::max()); },
                      "system_clock::time_point::max()");
    blocks_until_sent(
        [](auto& rx) { return rx.recv_deadline(time_point<steady_clock, hours>::max()); },
        "time_point<steady_clock, hours>::max()");
    blocks_until_sent(
        [](auto& rx) { return rx.recv_deadline(time_point<system_clock, seconds>::max()); },
        "time_point<system_clock, seconds>::max()");
}

TEST(TimeBound, HugeSendTimeoutsSaturate) {
    using namespace std::chrono;
    for (int which = 0; which < 3; ++which) {
        auto [tx, rx] = courier::sync_channel<int>(1);
        ASSERT_TRUE(tx.try_send(1).has_value());  // full
        const auto t0 = steady::now();  // before the receiver starts, as in blocks_until_sent()
        std::thread t([rx = std::move(rx)] {
            std::this_thread::sleep_for(30ms);
            auto a = rx.recv();
            auto b = rx.recv();
            EXPECT_TRUE(a && b && *a == 1 && *b == 2);
        });
        auto r = which == 0   ? tx.send_timeout(2, nanoseconds::max())
                 : which == 1 ? tx.send_timeout(2, hours::max())
                              : tx.send_deadline(2, system_clock::time_point::max());
        const auto elapsed = steady::now() - t0;
        t.join();
        EXPECT_TRUE(r.has_value()) << which;
        EXPECT_GE(elapsed, 25ms) << which;
    }
}

TEST(TimeBound, ZeroNegativeAndMinTryOnce) {
    using namespace std::chrono;
    auto [tx, rx] = courier::sync_channel<int>(1);
    const auto t0 = steady::now();
    EXPECT_EQ(rx.recv_timeout(0ns).error(), courier::recv_timeout_error::timeout);
    EXPECT_EQ(rx.recv_timeout(-1s).error(), courier::recv_timeout_error::timeout);
    EXPECT_EQ(rx.recv_timeout(nanoseconds::min()).error(), courier::recv_timeout_error::timeout);
    EXPECT_EQ(rx.recv_timeout(hours::min()).error(), courier::recv_timeout_error::timeout);
    EXPECT_EQ(rx.recv_deadline(steady_clock::time_point::min()).error(),
              courier::recv_timeout_error::timeout);
    EXPECT_EQ(rx.recv_deadline(system_clock::time_point::min()).error(),
              courier::recv_timeout_error::timeout);
    EXPECT_EQ(rx.recv_deadline(time_point<system_clock, hours>::min()).error(),
              courier::recv_timeout_error::timeout);
    EXPECT_LT(steady::now() - t0, 500ms) << "a zero or negative timeout waited";

    // With a message there, a zero or negative timeout still receives it.
    ASSERT_TRUE(tx.send(5).has_value());
    auto r = rx.recv_timeout(nanoseconds::min());
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(*r, 5);
    ASSERT_TRUE(tx.send_timeout(6, -1s).has_value());  // room: sent at once
    auto full = tx.send_timeout(7, hours::min());      // full: gives the value back at once
    ASSERT_FALSE(full.has_value());
    EXPECT_TRUE(full.error().is_timeout());
    EXPECT_EQ(full.error().value, 7);
    auto full2 = tx.send_deadline(8, system_clock::time_point::min());
    ASSERT_FALSE(full2.has_value());
    EXPECT_EQ(full2.error().value, 8);
}

}  // namespace
