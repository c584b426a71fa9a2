// The behaviour every MPSC channel flavor promises (docs/api.md section 2), as one typed
// test suite.
//
// array_test.cpp, list_test.cpp and zero_test.cpp instantiate it with their flavors, so every
// flavor runs under the same test names. A test whose subject does not exist for a flavor (an
// unbounded sender never waits) says so with GTEST_SKIP and the reason.
//
// Sizes come from scaled() (COURIER_TEST_STRESS); every test that could hang on a lost wake-up
// holds a watchdog that ends it with a message naming the blocked operation.
#pragma once

#include <gtest/gtest.h>

#include <courier/mpsc.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <iterator>
#include <memory>
#include <mutex>
#include <numeric>
#include <optional>
#include <ranges>
#include <stdexcept>
#include <stop_token>
#include <string>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include "async.hpp"
#include "clocks.hpp"
#include "cpu_time.hpp"
#include "flavors.hpp"
#include "stress.hpp"
#include "tracked.hpp"
#include "watchdog.hpp"

// libstdc++ 12's range adaptors do not compile with Clang 14; plain range-for still must.
#if !defined(__clang__) || __clang_major__ >= 15
#define COURIER_TEST_HAS_RANGE_ADAPTORS 1
#else
#define COURIER_TEST_HAS_RANGE_ADAPTORS 0
#endif

namespace courier_test {

using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;

/// Time given to another thread to reach a blocking call before the test checks that it blocks.
inline constexpr std::chrono::milliseconds settle{50};

/// A value with only an explicit constructor, a move constructor and a destructor.
struct minimal {
    explicit minimal(int v) noexcept : value(v) {}
    minimal(minimal&&) noexcept = default;
    minimal(const minimal&) = delete;
    minimal& operator=(const minimal&) = delete;
    minimal& operator=(minimal&&) = delete;
    ~minimal() = default;
    int value;
};

/// Payload of the multi-producer tests.
struct stamped {
    std::uint32_t producer;
    std::uint32_t seq;
    std::uint64_t seen;  // test specific
};

/// Checks messages from several producers: each exactly once and, per producer, in order.
class fifo_checker {
  public:
    fifo_checker(std::size_t producers, std::size_t per_producer)
        : per_(per_producer), next_(producers, 0), seen_(producers * per_producer, 0) {}

    void record(std::uint32_t producer, std::uint32_t seq) {
        ++count_;
        if (producer >= next_.size() || seq >= per_) {
            note("message out of range: producer " + std::to_string(producer) + " seq " +
                 std::to_string(seq));
            return;
        }
        if (++seen_[producer * per_ + seq] > 1) {
            note("duplicate: producer " + std::to_string(producer) + " seq " + std::to_string(seq));
        }
        if (seq != next_[producer]) {
            note("producer " + std::to_string(producer) + ": expected seq " +
                 std::to_string(next_[producer]) + ", received " + std::to_string(seq));
        }
        next_[producer] = seq + 1;
    }

    /// Call after the last message: everything arrived exactly once and in order.
    void expect_complete() const {
        EXPECT_EQ(problems_, 0u) << "first problem: " << first_problem_;
        EXPECT_EQ(count_, seen_.size()) << "messages received";
        const auto missing = static_cast<std::size_t>(std::count(seen_.begin(), seen_.end(), 0));
        EXPECT_EQ(missing, 0u) << "messages never received";
    }

    std::size_t count() const noexcept { return count_; }

  private:
    void note(std::string what) {
        if (problems_++ == 0) {
            first_problem_ = std::move(what);
        }
    }

    std::size_t per_;
    std::vector<std::uint32_t> next_;
    std::vector<std::uint8_t> seen_;
    std::size_t count_ = 0;
    std::size_t problems_ = 0;
    std::string first_problem_;
};

/// Fills a buffered channel to its capacity (messages first, first + 1, ...); no-op for others.
template <class F, class Tx>
void fill(const Tx& tx, int first = 0) {
    if constexpr (F::bounded && F::buffered) {
        for (std::size_t i = 0; i < F::buffer; ++i) {
            auto r = tx.try_send(first + static_cast<int>(i));
            ASSERT_TRUE(r.has_value()) << "filling slot " << i;
        }
    }
}

template <class T>
std::vector<T> iota_vector(T n) {
    std::vector<T> v(static_cast<std::size_t>(n));
    std::iota(v.begin(), v.end(), T{0});
    return v;
}

template <class F>
class channel_suite : public ::testing::Test {
  protected:
    void SetUp() override {
        tracked::reset();
        throwing_move::reset();
    }
};

TYPED_TEST_SUITE_P(channel_suite);

// ---------------------------------------------------------------------------------------------
// Basic operations

TYPED_TEST_P(channel_suite, smoke) {
    using F = TypeParam;
    watchdog wd(30s, "send/recv in smoke");
    chan<F, int> c;
    if constexpr (F::buffered) {
        ASSERT_TRUE(c.tx.send(7).has_value());
        auto r = c.rx.recv();
        ASSERT_TRUE(r.has_value());
        EXPECT_EQ(*r, 7);
    }
    constexpr int n = 100;
    std::jthread producer([&c] {
        for (int i = 0; i < n; ++i) {
            EXPECT_TRUE(c.tx.send(i).has_value());
        }
    });
    for (int i = 0; i < n; ++i) {
        auto r = c.rx.recv();
        ASSERT_TRUE(r.has_value());
        EXPECT_EQ(*r, i);
    }
}

TYPED_TEST_P(channel_suite, try_recv) {
    using F = TypeParam;
    watchdog wd(30s, "try_recv test");
    chan<F, int> c;
    {
        auto r = c.rx.try_recv();
        ASSERT_FALSE(r.has_value());
        EXPECT_EQ(r.error(), courier::try_recv_error::empty);
    }
    if constexpr (F::buffered) {
        ASSERT_TRUE(c.tx.send(1).has_value());
        auto r = c.rx.try_recv();
        ASSERT_TRUE(r.has_value());
        EXPECT_EQ(*r, 1);
        EXPECT_EQ(c.rx.try_recv().error(), courier::try_recv_error::empty);

        ASSERT_TRUE(c.tx.send(2).has_value());
        c.tx.reset();
        auto buffered = c.rx.try_recv();
        ASSERT_TRUE(buffered.has_value()) << "a buffered message is lost at disconnection";
        EXPECT_EQ(*buffered, 2);
    } else {
        // A rendezvous try_recv succeeds when a sender is waiting.
        std::jthread sender([&c] { EXPECT_TRUE(c.tx.send(1).has_value()); });
        for (;;) {
            auto r = c.rx.try_recv();
            if (r) {
                EXPECT_EQ(*r, 1);
                break;
            }
            EXPECT_EQ(r.error(), courier::try_recv_error::empty);
            std::this_thread::sleep_for(1ms);
        }
        sender.join();
        c.tx.reset();
    }
    auto r = c.rx.try_recv();
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error(), courier::try_recv_error::disconnected);
}

TYPED_TEST_P(channel_suite, try_send) {
    using F = TypeParam;
    watchdog wd(30s, "try_send test");
    chan<F, int> c;
    if constexpr (!F::bounded) {
        // An unbounded sender has no try_send: its send never reports full and never blocks.
        const int n = static_cast<int>(scaled(10000));
        for (int i = 0; i < n; ++i) {
            ASSERT_TRUE(c.tx.send(i).has_value());
        }
        EXPECT_EQ(c.rx.size(), static_cast<std::size_t>(n));
        c.rx.reset();
        auto r = c.tx.send(-1);
        ASSERT_FALSE(r.has_value());
        EXPECT_EQ(r.error().value, -1);
    } else {
        if constexpr (F::buffered) {
            for (std::size_t i = 0; i < F::buffer; ++i) {
                ASSERT_TRUE(c.tx.try_send(static_cast<int>(i)).has_value());
            }
            auto full = c.tx.try_send(1000);
            ASSERT_FALSE(full.has_value());
            EXPECT_EQ(full.error().kind, courier::send_status::full);
            EXPECT_TRUE(full.error().is_full());
            EXPECT_FALSE(full.error().is_disconnected());
            EXPECT_EQ(full.error().value, 1000);
            EXPECT_EQ(c.rx.size(), F::buffer);

            auto first = c.rx.recv();
            ASSERT_TRUE(first.has_value());
            EXPECT_EQ(*first, 0);
            ASSERT_TRUE(c.tx.try_send(1001).has_value()) << "room made by recv is not usable";
            for (std::size_t i = 1; i < F::buffer; ++i) {
                auto r = c.rx.recv();
                ASSERT_TRUE(r.has_value());
                EXPECT_EQ(*r, static_cast<int>(i));
            }
            auto last = c.rx.recv();
            ASSERT_TRUE(last.has_value());
            EXPECT_EQ(*last, 1001);
        } else {
            auto full = c.tx.try_send(1);
            ASSERT_FALSE(full.has_value()) << "rendezvous try_send succeeded with no receiver";
            EXPECT_TRUE(full.error().is_full());
            EXPECT_EQ(full.error().value, 1);

            // With a receiver waiting, try_send hands the value over.
            auto receiver = start_async([&c] { return c.rx.recv(); });
            int value = 2;
            for (;;) {
                auto r = c.tx.try_send(value);
                if (r) {
                    break;
                }
                ASSERT_TRUE(r.error().is_full());
                value = r.error().value;
                std::this_thread::sleep_for(1ms);
            }
            auto got = receiver->get();
            ASSERT_TRUE(got.has_value());
            EXPECT_EQ(*got, 2);
        }
        c.rx.reset();
        auto r = c.tx.try_send(5);
        ASSERT_FALSE(r.has_value());
        EXPECT_EQ(r.error().kind, courier::send_status::disconnected);
        EXPECT_TRUE(r.error().is_disconnected());
        EXPECT_FALSE(r.error().is_full());
        EXPECT_EQ(r.error().value, 5);
    }
}

// ---------------------------------------------------------------------------------------------
// Timeouts and deadlines

TYPED_TEST_P(channel_suite, recv_timeout) {
    using F = TypeParam;
    watchdog wd(30s, "recv_timeout");
    chan<F, int> c;
    {
        const auto t0 = steady::now();
        auto r = c.rx.recv_timeout(50ms);
        const auto elapsed = steady::now() - t0;
        ASSERT_FALSE(r.has_value());
        EXPECT_EQ(r.error(), courier::recv_timeout_error::timeout);
        EXPECT_GE(elapsed, 50ms);
        EXPECT_LT(elapsed, 10s);
    }
    {
        const auto t0 = steady::now();
        auto r = c.rx.recv_timeout(std::chrono::microseconds(30000));
        const auto elapsed = steady::now() - t0;
        ASSERT_FALSE(r.has_value());
        EXPECT_EQ(r.error(), courier::recv_timeout_error::timeout);
        EXPECT_GE(elapsed, 30ms);
    }
    {
        const auto deadline = steady::now() + 40ms;
        auto r = c.rx.recv_deadline(deadline);
        EXPECT_GE(steady::now(), deadline);
        ASSERT_FALSE(r.has_value());
        EXPECT_EQ(r.error(), courier::recv_timeout_error::timeout);
    }
    {
        // A message that arrives during the wait is received.
        std::jthread producer([&c] {
            std::this_thread::sleep_for(30ms);
            EXPECT_TRUE(c.tx.send(9).has_value());
        });
        const auto t0 = steady::now();
        auto r = c.rx.recv_timeout(30s);
        ASSERT_TRUE(r.has_value());
        EXPECT_EQ(*r, 9);
        EXPECT_LT(steady::now() - t0, 20s);
    }
    if constexpr (F::buffered) {
        ASSERT_TRUE(c.tx.send(3).has_value());
        auto r = c.rx.recv_timeout(1ms);
        ASSERT_TRUE(r.has_value());
        EXPECT_EQ(*r, 3);
    }
    c.tx.reset();
    const auto t0 = steady::now();
    auto r = c.rx.recv_timeout(30s);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error(), courier::recv_timeout_error::disconnected);
    EXPECT_LT(steady::now() - t0, 10s) << "recv_timeout waited on a disconnected channel";
}

template <class Clock, class Rx>
void expect_recv_deadline_expires(Rx& rx, std::chrono::milliseconds timeout) {
    const auto deadline =
        Clock::now() + std::chrono::duration_cast<typename Clock::duration>(timeout);
    auto r = rx.recv_deadline(deadline);
    EXPECT_GE(Clock::now(), deadline) << "recv_deadline returned before its deadline";
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error(), courier::recv_timeout_error::timeout);
}

template <class Clock, class F>
void expect_recv_deadline_receives(chan<F, int>& c, int value) {
    std::jthread producer([&c, value] {
        std::this_thread::sleep_for(20ms);
        EXPECT_TRUE(c.tx.send(value).has_value());
    });
    const auto deadline = Clock::now() + std::chrono::duration_cast<typename Clock::duration>(30s);
    auto r = c.rx.recv_deadline(deadline);
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(*r, value);
}

TYPED_TEST_P(channel_suite, recv_deadline_clocks) {
    using F = TypeParam;
    watchdog wd(60s, "recv_deadline");
    chan<F, int> c;
    expect_recv_deadline_expires<steady>(c.rx, 40ms);
    expect_recv_deadline_expires<std::chrono::system_clock>(c.rx, 40ms);
    expect_recv_deadline_expires<offset_clock>(c.rx, 40ms);
    expect_recv_deadline_expires<float_clock>(c.rx, 40ms);
    {
        // A steady_clock time_point with a coarser duration.
        const auto deadline =
            std::chrono::time_point_cast<std::chrono::milliseconds>(steady::now()) + 40ms;
        auto r = c.rx.recv_deadline(deadline);
        EXPECT_GE(steady::now(), deadline);
        ASSERT_FALSE(r.has_value());
        EXPECT_EQ(r.error(), courier::recv_timeout_error::timeout);
    }
    expect_recv_deadline_receives<steady>(c, 1);
    expect_recv_deadline_receives<std::chrono::system_clock>(c, 2);
    expect_recv_deadline_receives<offset_clock>(c, 3);
    expect_recv_deadline_receives<float_clock>(c, 4);
}

TYPED_TEST_P(channel_suite, send_timeout) {
    using F = TypeParam;
    if constexpr (!F::bounded) {
        GTEST_SKIP() << "an unbounded sender never waits, so it has no send_timeout";
    } else {
        watchdog wd(30s, "send_timeout");
        chan<F, int> c;
        fill<F>(c.tx);
        {
            const auto t0 = steady::now();
            auto r = c.tx.send_timeout(99, 50ms);
            const auto elapsed = steady::now() - t0;
            ASSERT_FALSE(r.has_value());
            EXPECT_EQ(r.error().kind, courier::send_status::timeout);
            EXPECT_TRUE(r.error().is_timeout());
            EXPECT_FALSE(r.error().is_disconnected());
            EXPECT_EQ(r.error().value, 99);
            EXPECT_GE(elapsed, 50ms);
            EXPECT_LT(elapsed, 10s);
        }
        {
            const auto deadline = steady::now() + 40ms;
            auto r = c.tx.send_deadline(98, deadline);
            EXPECT_GE(steady::now(), deadline);
            ASSERT_FALSE(r.has_value());
            EXPECT_TRUE(r.error().is_timeout());
            EXPECT_EQ(r.error().value, 98);
        }
        {
            // Room made (or a receiver arriving) during the wait lets the send complete.
            auto receiver = start_async([&c] {
                std::this_thread::sleep_for(30ms);
                return c.rx.recv();
            });
            auto r = c.tx.send_timeout(100, 30s);
            EXPECT_TRUE(r.has_value());
            auto got = receiver->get();
            ASSERT_TRUE(got.has_value());
            EXPECT_EQ(*got, F::buffer > 0 ? 0 : 100);
        }
        c.rx.reset();
        const auto t0 = steady::now();
        auto r = c.tx.send_timeout(5, 30s);
        ASSERT_FALSE(r.has_value());
        EXPECT_EQ(r.error().kind, courier::send_status::disconnected);
        EXPECT_TRUE(r.error().is_disconnected());
        EXPECT_FALSE(r.error().is_timeout());
        EXPECT_EQ(r.error().value, 5);
        EXPECT_LT(steady::now() - t0, 10s) << "send_timeout waited on a disconnected channel";
    }
}

template <class Clock, class Tx>
void expect_send_deadline_expires(const Tx& tx, std::chrono::milliseconds timeout, int value) {
    const auto deadline =
        Clock::now() + std::chrono::duration_cast<typename Clock::duration>(timeout);
    auto r = tx.send_deadline(value, deadline);
    EXPECT_GE(Clock::now(), deadline) << "send_deadline returned before its deadline";
    ASSERT_FALSE(r.has_value());
    EXPECT_TRUE(r.error().is_timeout());
    EXPECT_EQ(r.error().value, value);
}

template <class Clock, class F>
void expect_send_deadline_completes(chan<F, int>& c, int value) {
    auto receiver = start_async([&c] {
        std::this_thread::sleep_for(20ms);
        return c.rx.recv();
    });
    const auto deadline = Clock::now() + std::chrono::duration_cast<typename Clock::duration>(30s);
    auto r = c.tx.send_deadline(value, deadline);
    EXPECT_TRUE(r.has_value());
    auto got = receiver->get();
    ASSERT_TRUE(got.has_value());
    if constexpr (!F::buffered) {
        EXPECT_EQ(*got, value);
    }
}

TYPED_TEST_P(channel_suite, send_deadline_clocks) {
    using F = TypeParam;
    if constexpr (!F::bounded) {
        GTEST_SKIP() << "an unbounded sender never waits, so it has no send_deadline";
    } else {
        watchdog wd(60s, "send_deadline");
        chan<F, int> c;
        fill<F>(c.tx);
        expect_send_deadline_expires<steady>(c.tx, 40ms, 1);
        expect_send_deadline_expires<std::chrono::system_clock>(c.tx, 40ms, 2);
        expect_send_deadline_expires<offset_clock>(c.tx, 40ms, 3);
        expect_send_deadline_expires<float_clock>(c.tx, 40ms, 4);
        expect_send_deadline_completes<steady>(c, 5);
        expect_send_deadline_completes<std::chrono::system_clock>(c, 6);
        expect_send_deadline_completes<offset_clock>(c, 7);
        expect_send_deadline_completes<float_clock>(c, 8);
    }
}

/// op(rx) waits with a huge timeout; a message sent 10 ms later must still be received.
template <class F, class Op>
void expect_late_message_received(chan<F, int>& c, Op op, const char* what) {
    std::jthread producer([&c] {
        std::this_thread::sleep_for(10ms);
        EXPECT_TRUE(c.tx.send(5).has_value());
    });
    auto r = op(c.rx);
    ASSERT_TRUE(r.has_value()) << what << " did not receive a message that arrived";
    EXPECT_EQ(*r, 5) << what;
}

/// op(tx) waits with a huge timeout; a receiver arriving 10 ms later must let it complete.
template <class F, class Op>
void expect_late_room_used(chan<F, int>& c, Op op, const char* what) {
    auto receiver = start_async([&c] {
        std::this_thread::sleep_for(10ms);
        return c.rx.recv();
    });
    auto r = op(c.tx);
    EXPECT_TRUE(r.has_value()) << what << " did not complete when room appeared";
    EXPECT_TRUE(receiver->get().has_value()) << what;
}

TYPED_TEST_P(channel_suite, huge_timeouts) {
    using F = TypeParam;
    using namespace std::chrono;
    watchdog wd(60s, "a wait with a huge timeout (overflow turns it into a wrong wait)");
    chan<F, int> c;
    expect_late_message_received(
        c, [](auto& rx) { return rx.recv_timeout(nanoseconds::max()); }, "recv_timeout(ns::max)");
    expect_late_message_received(
        c, [](auto& rx) { return rx.recv_timeout(microseconds::max()); }, "recv_timeout(us::max)");
    expect_late_message_received(
        c, [](auto& rx) { return rx.recv_timeout(milliseconds::max()); }, "recv_timeout(ms::max)");
    expect_late_message_received(
        c, [](auto& rx) { return rx.recv_timeout(seconds::max()); }, "recv_timeout(s::max)");
    expect_late_message_received(
        c, [](auto& rx) { return rx.recv_timeout(hours::max()); }, "recv_timeout(hours::max)");
    expect_late_message_received(
        c,
        [](auto& rx) { return rx.recv_timeout(duration<std::int32_t, std::ratio<86400>>::max()); },
        "recv_timeout(int32 days::max)");
    expect_late_message_received(
        c, [](auto& rx) { return rx.recv_deadline(steady_clock::time_point::max()); },
        "recv_deadline(steady::time_point::max)");
    expect_late_message_received(
        c, [](auto& rx) { return rx.recv_deadline(system_clock::time_point::max()); },
        "recv_deadline(system::time_point::max)");
    expect_late_message_received(
        c, [](auto& rx) { return rx.recv_deadline(time_point<steady_clock, hours>::max()); },
        "recv_deadline(time_point<steady, hours>::max)");
    expect_late_message_received(
        c, [](auto& rx) { return rx.recv_deadline(offset_clock::time_point::max()); },
        "recv_deadline(offset_clock::time_point::max)");
    expect_late_message_received(
        c, [](auto& rx) { return rx.recv_deadline(steady_clock::now() + hours(24 * 365 * 100)); },
        "recv_deadline(now + 100 years)");

    if constexpr (F::bounded) {
        fill<F>(c.tx);
        expect_late_room_used(
            c, [](auto& tx) { return tx.send_timeout(1, nanoseconds::max()); },
            "send_timeout(ns::max)");
        expect_late_room_used(
            c, [](auto& tx) { return tx.send_timeout(2, seconds::max()); }, "send_timeout(s::max)");
        expect_late_room_used(
            c, [](auto& tx) { return tx.send_timeout(3, hours::max()); },
            "send_timeout(hours::max)");
        expect_late_room_used(
            c, [](auto& tx) { return tx.send_deadline(4, steady_clock::time_point::max()); },
            "send_deadline(steady::time_point::max)");
        expect_late_room_used(
            c, [](auto& tx) { return tx.send_deadline(5, system_clock::time_point::max()); },
            "send_deadline(system::time_point::max)");
        expect_late_room_used(
            c, [](auto& tx) { return tx.send_deadline(6, time_point<steady_clock, hours>::max()); },
            "send_deadline(time_point<steady, hours>::max)");
    }
}

TYPED_TEST_P(channel_suite, floating_point_timeouts) {
    using F = TypeParam;
    using namespace std::chrono;
    watchdog wd(60s, "a wait with a floating-point timeout");
    chan<F, int> c;
    {
        const auto t0 = steady_clock::now();
        auto r = c.rx.recv_timeout(duration<double, std::milli>(40.0));
        const auto elapsed = steady_clock::now() - t0;
        ASSERT_FALSE(r.has_value());
        EXPECT_EQ(r.error(), courier::recv_timeout_error::timeout);
        EXPECT_GE(elapsed, 40ms);
    }
    {
        const auto t0 = steady_clock::now();
        auto r = c.rx.recv_timeout(duration<double>(-1.5));
        ASSERT_FALSE(r.has_value());
        EXPECT_EQ(r.error(), courier::recv_timeout_error::timeout);
        EXPECT_LT(steady_clock::now() - t0, 5s);
    }
    expect_late_message_received(
        c, [](auto& rx) { return rx.recv_timeout(duration<double>::max()); },
        "recv_timeout(duration<double>::max)");
    expect_late_message_received(
        c, [](auto& rx) { return rx.recv_timeout(duration<float, std::ratio<3600>>::max()); },
        "recv_timeout(duration<float, hours>::max)");
    expect_late_message_received(
        c, [](auto& rx) { return rx.recv_deadline(float_clock::time_point::max()); },
        "recv_deadline(float_clock::time_point::max)");
    if constexpr (F::bounded) {
        fill<F>(c.tx);
        const auto t0 = steady_clock::now();
        auto r = c.tx.send_timeout(7, duration<double, std::milli>(40.0));
        EXPECT_GE(steady_clock::now() - t0, 40ms);
        ASSERT_FALSE(r.has_value());
        EXPECT_TRUE(r.error().is_timeout());
        expect_late_room_used(
            c, [](auto& tx) { return tx.send_timeout(8, duration<double>::max()); },
            "send_timeout(duration<double>::max)");
    }
}

TYPED_TEST_P(channel_suite, zero_and_negative_timeouts) {
    using F = TypeParam;
    using namespace std::chrono;
    watchdog wd(30s, "a receive or send with a zero or negative timeout (must try once)");
    chan<F, int> c;
    auto expect_recv_timeout_now = [](auto r, const char* what) {
        ASSERT_FALSE(r.has_value()) << what;
        EXPECT_EQ(r.error(), courier::recv_timeout_error::timeout) << what;
    };
    const auto t0 = steady_clock::now();
    expect_recv_timeout_now(c.rx.recv_timeout(0s), "recv_timeout(0s)");
    expect_recv_timeout_now(c.rx.recv_timeout(-1s), "recv_timeout(-1s)");
    expect_recv_timeout_now(c.rx.recv_timeout(nanoseconds::min()), "recv_timeout(ns::min)");
    expect_recv_timeout_now(c.rx.recv_timeout(hours::min()), "recv_timeout(hours::min)");
    expect_recv_timeout_now(c.rx.recv_deadline(steady_clock::now() - 1h), "recv_deadline(past)");
    expect_recv_timeout_now(c.rx.recv_deadline(steady_clock::time_point::min()),
                            "recv_deadline(steady::time_point::min)");
    expect_recv_timeout_now(c.rx.recv_deadline(system_clock::time_point::min()),
                            "recv_deadline(system::time_point::min)");
    expect_recv_timeout_now(c.rx.recv_deadline(system_clock::now() - 1s),
                            "recv_deadline(system past)");
    EXPECT_LT(steady_clock::now() - t0, 5s) << "zero or negative receive timeouts waited";

    if constexpr (F::buffered) {
        ASSERT_TRUE(c.tx.send(1).has_value());
        auto a = c.rx.recv_timeout(0s);
        ASSERT_TRUE(a.has_value()) << "recv_timeout(0) missed a buffered message";
        EXPECT_EQ(*a, 1);
        ASSERT_TRUE(c.tx.send(2).has_value());
        auto b = c.rx.recv_deadline(steady_clock::time_point::min());
        ASSERT_TRUE(b.has_value()) << "recv_deadline(min) missed a buffered message";
        EXPECT_EQ(*b, 2);
    } else {
        // A waiting rendezvous sender is found by a single try.
        std::jthread sender([&c] { EXPECT_TRUE(c.tx.send(1).has_value()); });
        for (;;) {
            auto r = c.rx.recv_timeout(-1ms);
            if (r) {
                EXPECT_EQ(*r, 1);
                break;
            }
            ASSERT_EQ(r.error(), courier::recv_timeout_error::timeout);
            std::this_thread::sleep_for(1ms);
        }
    }

    if constexpr (F::bounded) {
        fill<F>(c.tx);
        const auto t1 = steady_clock::now();
        auto expect_send_timeout_now = [](auto r, int value, const char* what) {
            ASSERT_FALSE(r.has_value()) << what;
            EXPECT_TRUE(r.error().is_timeout()) << what;
            EXPECT_EQ(r.error().value, value) << what;
        };
        expect_send_timeout_now(c.tx.send_timeout(10, 0s), 10, "send_timeout(0s)");
        expect_send_timeout_now(c.tx.send_timeout(11, -5s), 11, "send_timeout(-5s)");
        expect_send_timeout_now(c.tx.send_timeout(12, nanoseconds::min()), 12,
                                "send_timeout(ns::min)");
        expect_send_timeout_now(c.tx.send_deadline(13, steady_clock::now() - 1h), 13,
                                "send_deadline(past)");
        expect_send_timeout_now(c.tx.send_deadline(14, steady_clock::time_point::min()), 14,
                                "send_deadline(min)");
        EXPECT_LT(steady_clock::now() - t1, 5s) << "zero or negative send timeouts waited";

        if constexpr (F::buffered) {
            ASSERT_TRUE(c.rx.recv().has_value());
            EXPECT_TRUE(c.tx.send_timeout(15, 0s).has_value()) << "send_timeout(0) with room";
        } else {
            auto receiver = start_async([&c] { return c.rx.recv(); });
            for (;;) {
                auto r = c.tx.send_timeout(15, 0s);
                if (r) {
                    break;
                }
                ASSERT_TRUE(r.error().is_timeout());
                std::this_thread::sleep_for(1ms);
            }
            auto got = receiver->get();
            ASSERT_TRUE(got.has_value());
            EXPECT_EQ(*got, 15);
        }
    }

    // Zero timeouts on a disconnected channel report disconnection, not a timeout.
    chan<F, int> d;
    d.tx.reset();
    auto r = d.rx.recv_timeout(0s);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error(), courier::recv_timeout_error::disconnected);
    if constexpr (F::bounded) {
        chan<F, int> e;
        e.rx.reset();
        auto s = e.tx.send_timeout(1, 0s);
        ASSERT_FALSE(s.has_value());
        EXPECT_TRUE(s.error().is_disconnected());
    }
}

// ---------------------------------------------------------------------------------------------
// Disconnection and close

TYPED_TEST_P(channel_suite, disconnect_wakes_receiver) {
    using F = TypeParam;
    watchdog wd(30s, "recv() while the last sender went away");
    {
        chan<F, int> c;
        auto copy = c.tx;
        auto call = start_async([&c] { return c.rx.recv(); });
        std::this_thread::sleep_for(settle);
        c.tx.reset();
        std::this_thread::sleep_for(settle);
        EXPECT_FALSE(call->done()) << "recv() returned while a sender copy was still alive";
        {
            auto last = std::move(copy);  // the last sender is destroyed here
        }
        auto r = call->get();
        ASSERT_FALSE(r.has_value());
        EXPECT_EQ(r.error(), courier::recv_error{});
    }
    {
        chan<F, int> c;
        auto call = start_async([&c] { return c.rx.recv_timeout(1h); });
        std::this_thread::sleep_for(settle);
        EXPECT_FALSE(call->done());
        c.tx.reset();
        auto r = call->get();
        ASSERT_FALSE(r.has_value());
        EXPECT_EQ(r.error(), courier::recv_timeout_error::disconnected);
    }
}

TYPED_TEST_P(channel_suite, disconnect_drains_buffer) {
    using F = TypeParam;
    watchdog wd(30s, "draining a disconnected channel");
    chan<F, int> c;
    auto copy = c.tx;
    auto copy_of_copy = copy;
    decltype(copy) assigned;
    assigned = copy_of_copy;
    const int k = static_cast<int>(std::min<std::size_t>(F::buffer, 5));
    std::vector<int> sent;
    if constexpr (F::buffered) {
        for (int i = 0; i < k; ++i) {
            const auto& tx = (i % 2 == 0) ? c.tx : copy;
            ASSERT_TRUE(tx.send(i).has_value());
            sent.push_back(i);
        }
    } else {
        std::jthread sender([s = copy] { EXPECT_TRUE(s.send(42).has_value()); });
        auto r = c.rx.recv();
        ASSERT_TRUE(r.has_value());
        EXPECT_EQ(*r, 42);
    }
    c.tx.reset();
    copy.reset();
    copy_of_copy.reset();
    EXPECT_FALSE(c.rx.is_disconnected()) << "a copy-assigned sender is still alive";
    auto still = c.rx.try_recv();
    if (sent.empty()) {
        ASSERT_FALSE(still.has_value());
        EXPECT_EQ(still.error(), courier::try_recv_error::empty);
    }
    assigned.reset();
    EXPECT_TRUE(c.rx.is_disconnected());

    std::vector<int> got;
    if (still) {
        got.push_back(*still);
    }
    for (;;) {
        auto r = c.rx.recv();
        if (!r) {
            break;
        }
        got.push_back(*r);
    }
    EXPECT_EQ(got, sent) << "buffered messages must be received after the last sender left";
    EXPECT_FALSE(c.rx.recv().has_value());
    EXPECT_EQ(c.rx.try_recv().error(), courier::try_recv_error::disconnected);
    EXPECT_EQ(c.rx.recv_timeout(1h).error(), courier::recv_timeout_error::disconnected);
}

TYPED_TEST_P(channel_suite, receiver_drop_fails_send) {
    using F = TypeParam;
    watchdog wd(30s, "a send to a channel without receiver");
    {
        chan<F, int> c;
        auto copy = c.tx;
        EXPECT_FALSE(c.tx.is_disconnected());
        c.rx.reset();
        EXPECT_TRUE(c.tx.is_disconnected());
        EXPECT_TRUE(copy.is_disconnected());
        auto r = c.tx.send(5);
        ASSERT_FALSE(r.has_value());
        EXPECT_EQ(r.error().value, 5);
        auto r2 = copy.send(6);
        ASSERT_FALSE(r2.has_value());
        EXPECT_EQ(r2.error().value, 6);
        if constexpr (F::bounded) {
            auto t = c.tx.try_send(7);
            ASSERT_FALSE(t.has_value());
            EXPECT_TRUE(t.error().is_disconnected());
            EXPECT_EQ(t.error().value, 7);
            auto s = c.tx.send_timeout(8, 1h);
            ASSERT_FALSE(s.has_value());
            EXPECT_TRUE(s.error().is_disconnected());
            EXPECT_EQ(s.error().value, 8);
            auto d = c.tx.send_deadline(9, steady::time_point::max());
            ASSERT_FALSE(d.has_value());
            EXPECT_TRUE(d.error().is_disconnected());
            EXPECT_EQ(d.error().value, 9);
        }
    }
    {
        chan<F, int> c;
        {
            auto gone = std::move(c.rx);  // destroyed at the end of this block
        }
        EXPECT_TRUE(c.tx.is_disconnected());
        auto r = c.tx.send(10);
        ASSERT_FALSE(r.has_value());
        EXPECT_EQ(r.error().value, 10);
    }
}

TYPED_TEST_P(channel_suite, receiver_drop_wakes_sender) {
    using F = TypeParam;
    if constexpr (!F::bounded) {
        GTEST_SKIP() << "an unbounded sender never waits";
    } else {
        watchdog wd(30s, "a send blocked while the receiver was dropped");
        {
            chan<F, int> c;
            fill<F>(c.tx);
            auto call = start_async([&c] { return c.tx.send(99); });
            std::this_thread::sleep_for(settle);
            EXPECT_FALSE(call->done()) << "send() on a full channel returned";
            c.rx.reset();
            auto r = call->get();
            ASSERT_FALSE(r.has_value());
            EXPECT_EQ(r.error().value, 99);
        }
        {
            chan<F, int> c;
            fill<F>(c.tx);
            auto call = start_async([&c] { return c.tx.send_timeout(98, 1h); });
            std::this_thread::sleep_for(settle);
            EXPECT_FALSE(call->done());
            { auto gone = std::move(c.rx); }
            auto r = call->get();
            ASSERT_FALSE(r.has_value());
            EXPECT_TRUE(r.error().is_disconnected());
            EXPECT_EQ(r.error().value, 98);
        }
    }
}

TYPED_TEST_P(channel_suite, close_wakes_sender) {
    using F = TypeParam;
    watchdog wd(30s, "a send blocked while the receiver closed the channel");
    if constexpr (!F::bounded) {
        // A sending loop stops at close: the next send fails and hands its value back.
        chan<F, int> c;
        std::atomic<int> accepted{0};
        auto loop = start_async([&c, &accepted] {
            for (int i = 0;; ++i) {
                auto r = c.tx.send(i);
                if (!r) {
                    return r.error().value;
                }
                accepted.store(i + 1);
                if (i % 64 == 63) {
                    std::this_thread::yield();
                }
            }
        });
        for (int i = 0; i < 10; ++i) {
            auto r = c.rx.recv();
            ASSERT_TRUE(r.has_value());
            EXPECT_EQ(*r, i);
        }
        c.rx.close();
        const int refused = loop->get();
        EXPECT_EQ(refused, accepted.load())
            << "the refused value is the one after the last accepted";
        int next = 10;
        for (;;) {
            auto r = c.rx.recv();
            if (!r) {
                break;
            }
            EXPECT_EQ(*r, next);
            ++next;
        }
        EXPECT_EQ(next, accepted.load()) << "every accepted message is received after close";
    } else {
        chan<F, int> c;
        fill<F>(c.tx);
        auto blocked_send = start_async([&c] { return c.tx.send(99); });
        auto blocked_timeout = start_async([&c] { return c.tx.send_timeout(98, 1h); });
        std::this_thread::sleep_for(settle);
        EXPECT_FALSE(blocked_send->done());
        EXPECT_FALSE(blocked_timeout->done());
        c.rx.close();
        auto r = blocked_send->get();
        ASSERT_FALSE(r.has_value());
        EXPECT_EQ(r.error().value, 99);
        auto t = blocked_timeout->get();
        ASSERT_FALSE(t.has_value());
        EXPECT_TRUE(t.error().is_disconnected());
        EXPECT_EQ(t.error().value, 98);
        for (std::size_t i = 0; i < F::buffer; ++i) {
            auto m = c.rx.recv();
            ASSERT_TRUE(m.has_value()) << "buffered message " << i << " lost at close";
            EXPECT_EQ(*m, static_cast<int>(i));
        }
        EXPECT_FALSE(c.rx.recv().has_value());
    }
}

TYPED_TEST_P(channel_suite, close_keeps_buffer) {
    using F = TypeParam;
    watchdog wd(30s, "operations on a closed channel");
    chan<F, int> c;
    auto copy = c.tx;
    const int k = static_cast<int>(std::min<std::size_t>(F::buffer, 5));
    if constexpr (F::buffered) {
        for (int i = 0; i < k; ++i) {
            ASSERT_TRUE(c.tx.send(i).has_value());
        }
    }
    EXPECT_FALSE(c.tx.is_disconnected());
    c.rx.close();
    EXPECT_TRUE(c.tx.is_disconnected());
    EXPECT_TRUE(copy.is_disconnected());
    {
        auto r = c.tx.send(100);
        ASSERT_FALSE(r.has_value());
        EXPECT_EQ(r.error().value, 100);
    }
    if constexpr (F::bounded) {
        auto t = c.tx.try_send(101);
        ASSERT_FALSE(t.has_value());
        EXPECT_TRUE(t.error().is_disconnected())
            << "a closed channel reports disconnected, not full";
        EXPECT_EQ(t.error().value, 101);
        auto s = c.tx.send_timeout(102, 1h);
        ASSERT_FALSE(s.has_value());
        EXPECT_TRUE(s.error().is_disconnected());
        EXPECT_EQ(s.error().value, 102);
    }
    for (int i = 0; i < k; ++i) {
        auto r = c.rx.recv();
        ASSERT_TRUE(r.has_value()) << "buffered message " << i << " not received after close";
        EXPECT_EQ(*r, i);
    }
    EXPECT_EQ(c.rx.recv().error(), courier::recv_error{});
    EXPECT_EQ(c.rx.try_recv().error(), courier::try_recv_error::disconnected);
    EXPECT_EQ(c.rx.recv_timeout(1h).error(), courier::recv_timeout_error::disconnected);
    c.rx.close();  // a second close changes nothing
    EXPECT_EQ(c.rx.try_recv().error(), courier::try_recv_error::disconnected);
    EXPECT_TRUE(c.tx.is_disconnected());
    c.rx.reset();
    EXPECT_TRUE(c.tx.is_disconnected());
}

TYPED_TEST_P(channel_suite, moved_from_handles) {
    using F = TypeParam;
    watchdog wd(30s, "an operation on a moved-from handle");
    chan<F, int> c;
    auto tx2 = std::move(c.tx);
    auto rx2 = std::move(c.rx);
    EXPECT_FALSE(static_cast<bool>(c.tx));
    EXPECT_FALSE(static_cast<bool>(c.rx));
    EXPECT_TRUE(static_cast<bool>(tx2));
    EXPECT_TRUE(static_cast<bool>(rx2));
    EXPECT_FALSE(tx2.is_disconnected()) << "moving the receiver must not disconnect";
    EXPECT_FALSE(rx2.is_disconnected()) << "moving the sender must not disconnect";

    // The moved-from sender acts as the sender of a permanently disconnected channel.
    EXPECT_TRUE(c.tx.is_disconnected());
    {
        auto r = c.tx.send(1);
        ASSERT_FALSE(r.has_value());
        EXPECT_EQ(r.error().value, 1);
    }
    if constexpr (F::bounded) {
        auto t = c.tx.try_send(2);
        ASSERT_FALSE(t.has_value());
        EXPECT_TRUE(t.error().is_disconnected());
        EXPECT_EQ(t.error().value, 2);
        auto s = c.tx.send_timeout(3, 1h);
        ASSERT_FALSE(s.has_value());
        EXPECT_TRUE(s.error().is_disconnected());
        EXPECT_EQ(s.error().value, 3);
    }
    auto empty_copy = c.tx;
    EXPECT_FALSE(static_cast<bool>(empty_copy));
    c.tx.reset();  // no effect on the channel
    empty_copy.reset();

    // The moved-from receiver acts as the receiver of a permanently disconnected channel.
    EXPECT_TRUE(c.rx.is_disconnected());
    EXPECT_EQ(c.rx.recv().error(), courier::recv_error{});
    EXPECT_EQ(c.rx.try_recv().error(), courier::try_recv_error::disconnected);
    EXPECT_EQ(c.rx.recv_timeout(1h).error(), courier::recv_timeout_error::disconnected);
    {
        int n = 0;
        for (int v : c.rx) {
            n += v + 1;
        }
        for (int v : c.rx.try_iter()) {
            n += v + 1;
        }
        EXPECT_EQ(n, 0);
    }
    c.rx.close();
    c.rx.reset();

    // The channel itself is untouched.
    EXPECT_FALSE(tx2.is_disconnected());
    std::jthread producer([&tx2] { EXPECT_TRUE(tx2.send(7).has_value()); });
    auto r = rx2.recv();
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(*r, 7);
    producer.join();

    // Move assignment moves the endpoint back.
    c.rx = std::move(rx2);
    c.tx = std::move(tx2);
    EXPECT_FALSE(static_cast<bool>(rx2));
    EXPECT_FALSE(static_cast<bool>(tx2));
    std::jthread producer2([&c] { EXPECT_TRUE(c.tx.send(8).has_value()); });
    auto r2 = c.rx.recv();
    ASSERT_TRUE(r2.has_value());
    EXPECT_EQ(*r2, 8);
}

TYPED_TEST_P(channel_suite, snapshots) {
    using F = TypeParam;
    watchdog wd(30s, "snapshots");
    chan<F, int> c;
    static_assert(!std::is_convertible_v<typename F::template sender<int>, bool>);
    static_assert(!std::is_convertible_v<courier::receiver<int>, bool>);
    EXPECT_TRUE(static_cast<bool>(c.tx));
    EXPECT_TRUE(static_cast<bool>(c.rx));
    EXPECT_EQ(c.tx.capacity(), F::capacity);
    EXPECT_EQ(c.rx.capacity(), F::capacity);
    EXPECT_EQ(c.tx.size(), 0u);
    EXPECT_EQ(c.rx.size(), 0u);
    EXPECT_TRUE(c.tx.empty());
    EXPECT_TRUE(c.rx.empty());
    EXPECT_FALSE(c.tx.is_disconnected());
    EXPECT_FALSE(c.rx.is_disconnected());

    if constexpr (F::buffered) {
        const std::size_t k = std::min<std::size_t>(F::buffer, 3);
        for (std::size_t i = 0; i < k; ++i) {
            ASSERT_TRUE(c.tx.send(static_cast<int>(i)).has_value());
        }
        EXPECT_EQ(c.tx.size(), k);
        EXPECT_EQ(c.rx.size(), k);
        EXPECT_FALSE(c.tx.empty());
        EXPECT_FALSE(c.rx.empty());
        ASSERT_TRUE(c.rx.recv().has_value());
        EXPECT_EQ(c.rx.size(), k - 1);
        EXPECT_EQ(c.tx.size(), k - 1);
        if constexpr (F::bounded) {
            for (std::size_t i = k - 1; i < F::buffer; ++i) {
                ASSERT_TRUE(c.tx.try_send(0).has_value());
            }
            EXPECT_EQ(c.rx.size(), F::buffer);
            EXPECT_EQ(c.tx.size(), *c.tx.capacity());
        }
    } else {
        // A rendezvous channel holds nothing, even while a sender waits.
        auto call = start_async([&c] { return c.tx.send(1); });
        std::this_thread::sleep_for(settle);
        EXPECT_EQ(c.rx.size(), 0u);
        EXPECT_TRUE(c.rx.empty());
        EXPECT_EQ(c.tx.size(), 0u);
        ASSERT_TRUE(c.rx.recv().has_value());
        EXPECT_TRUE(call->get().has_value());
    }

    auto copy = c.tx;
    c.tx.reset();
    EXPECT_FALSE(c.rx.is_disconnected());
    copy.reset();
    EXPECT_TRUE(c.rx.is_disconnected());
    EXPECT_EQ(c.rx.capacity(), F::capacity);

    chan<F, int> d;
    d.rx.reset();
    EXPECT_TRUE(d.tx.is_disconnected());
    EXPECT_TRUE(static_cast<bool>(d.tx)) << "the sender handle itself is not empty";
}

TYPED_TEST_P(channel_suite, counts_and_identity) {
    using F = TypeParam;
    watchdog wd(30s, "counts and identity");
    chan<F, int> c;
    EXPECT_EQ(c.tx.sender_count(), 1u);
    EXPECT_EQ(c.tx.receiver_count(), 1u);
    EXPECT_EQ(c.rx.sender_count(), 1u);
    EXPECT_EQ(c.rx.receiver_count(), 1u);
    EXPECT_TRUE(c.tx.same_channel(c.rx));
    EXPECT_TRUE(c.rx.same_channel(c.tx));
    EXPECT_TRUE(c.tx.same_channel(c.tx));
    {
        auto copy = c.tx;
        auto copy2 = copy;
        EXPECT_EQ(c.rx.sender_count(), 3u);
        EXPECT_TRUE(copy2.same_channel(c.tx));
        copy.reset();
        EXPECT_EQ(c.rx.sender_count(), 2u);
        EXPECT_EQ(copy.sender_count(), 0u) << "an empty handle counts nothing";
    }
    EXPECT_EQ(c.rx.sender_count(), 1u);

    // Another channel, of another element type too, is another channel.
    chan<F, int> d;
    chan<F, long> e;
    EXPECT_FALSE(c.tx.same_channel(d.tx));
    EXPECT_FALSE(c.rx.same_channel(d.rx));
    EXPECT_FALSE(c.tx.same_channel(e.rx));

    // A closed receiver still counts until it is dropped; an empty handle is on no channel.
    c.rx.close();
    EXPECT_EQ(c.tx.receiver_count(), 1u);
    typename F::template sender<int> empty;
    EXPECT_FALSE(empty.same_channel(c.tx));
    EXPECT_FALSE(c.tx.same_channel(empty));
    EXPECT_FALSE(empty.same_channel(empty));
    EXPECT_EQ(empty.receiver_count(), 0u);
    c.rx.reset();
    EXPECT_EQ(c.tx.receiver_count(), 0u);
    EXPECT_EQ(c.tx.sender_count(), 1u);
    EXPECT_FALSE(c.tx.same_channel(c.rx));
}

TYPED_TEST_P(channel_suite, weak_senders) {
    using F = TypeParam;
    using weak = decltype(std::declval<typename F::template sender<int>&>().downgrade());
    if constexpr (F::bounded) {
        static_assert(std::is_same_v<weak, courier::weak_sync_sender<int>>);
    } else {
        static_assert(std::is_same_v<weak, courier::weak_sender<int>>);
    }
    static_assert(std::is_copy_constructible_v<weak> && std::is_nothrow_move_constructible_v<weak>);
    watchdog wd(30s, "weak senders");
    chan<F, int> c;
    weak w = c.tx.downgrade();
    EXPECT_TRUE(static_cast<bool>(w));
    EXPECT_EQ(c.rx.sender_count(), 1u) << "a weak sender is not counted";
    EXPECT_EQ(w.sender_count(), 1u);
    EXPECT_EQ(w.receiver_count(), 1u);
    {
        std::optional<typename F::template sender<int>> strong = w.upgrade();
        ASSERT_TRUE(strong.has_value());
        EXPECT_TRUE(strong->same_channel(c.rx));
        EXPECT_EQ(c.rx.sender_count(), 2u);
        auto call = start_async([&strong] { return strong->send(5); });
        auto r = c.rx.recv();
        ASSERT_TRUE(r.has_value());
        EXPECT_EQ(*r, 5);
        EXPECT_TRUE(call->get().has_value());
    }
    EXPECT_EQ(c.rx.sender_count(), 1u);

    // A weak sender does not keep the channel connected: a receiver blocked on it wakes with
    // disconnected when the last strong sender goes.
    weak w2 = w;
    auto blocked = start_async([&c] { return c.rx.recv(); });
    std::this_thread::sleep_for(settle);
    c.tx.reset();
    auto r = blocked->get();
    EXPECT_FALSE(r.has_value()) << "the weak senders kept the channel connected";
    EXPECT_TRUE(c.rx.is_disconnected());
    EXPECT_FALSE(w.upgrade().has_value()) << "a channel whose senders are gone was revived";
    EXPECT_FALSE(w2.upgrade().has_value());
    EXPECT_EQ(c.rx.sender_count(), 0u);

    // The weak handles outlive the receiver too: the channel's memory lives as long as they do.
    c.rx.reset();
    EXPECT_FALSE(w.upgrade().has_value());
    EXPECT_EQ(w.receiver_count(), 0u);
    w.reset();
    EXPECT_FALSE(static_cast<bool>(w));
    EXPECT_FALSE(w.upgrade().has_value());
    EXPECT_FALSE(w2.upgrade().has_value());

    // Upgrading fails once every receiver is gone or closed, while strong senders still live.
    chan<F, int> d;
    weak wd1 = d.tx.downgrade();
    d.rx.close();
    EXPECT_FALSE(wd1.upgrade().has_value()) << "upgraded after close()";
    EXPECT_EQ(d.tx.sender_count(), 1u);
    chan<F, int> e;
    weak we = e.tx.downgrade();
    e.rx.reset();
    EXPECT_FALSE(we.upgrade().has_value()) << "upgraded after the receiver was dropped";
    EXPECT_EQ(e.tx.sender_count(), 1u) << "a failed upgrade leaves a count behind";

    // Empty handles.
    weak none;
    EXPECT_FALSE(static_cast<bool>(none));
    EXPECT_FALSE(none.upgrade().has_value());
    EXPECT_EQ(none.sender_count(), 0u);
    typename F::template sender<int> empty;
    EXPECT_FALSE(static_cast<bool>(empty.downgrade()));
}

// Upgrading a weak sender races with the last strong sender's drop: either the upgrade wins (its
// message arrives, then the channel disconnects) or the drop does (the upgrade fails and the
// receiver sees the disconnection); never a revived channel or a lost message.
TYPED_TEST_P(channel_suite, weak_upgrade_races_last_drop) {
    using F = TypeParam;
    watchdog wd(60s, "upgrade against the last sender's drop");
    const std::size_t rounds = scaled(2000);
    std::size_t won = 0;
    for (std::size_t round = 0; round < rounds; ++round) {
        chan<F, int> c;
        auto w = c.tx.downgrade();
        std::atomic<bool> upgraded{false};
        std::jthread dropper([&c] { c.tx.reset(); });
        std::jthread upgrader([&w, &upgraded] {
            if (auto s = w.upgrade()) {
                upgraded = true;
                EXPECT_TRUE(s->send(1).has_value()) << "a sender made by upgrade() failed to send";
            }
        });
        auto first = c.rx.recv();
        upgrader.join();
        dropper.join();
        if (upgraded) {
            ++won;
            ASSERT_TRUE(first.has_value())
                << "round " << round << ": the upgraded sender's message";
            EXPECT_EQ(*first, 1);
            EXPECT_FALSE(c.rx.recv().has_value()) << "round " << round;
        } else {
            ASSERT_FALSE(first.has_value()) << "round " << round << ": a message from nowhere";
        }
        EXPECT_FALSE(w.upgrade().has_value()) << "round " << round;
        EXPECT_EQ(c.rx.sender_count(), 0u) << "round " << round;
    }
    this->RecordProperty("upgrades_won", static_cast<int>(won));
}

// ---------------------------------------------------------------------------------------------
// Stop tokens

TYPED_TEST_P(channel_suite, stop_wakes_blocked_recv) {
    using F = TypeParam;
    watchdog wd(30s, "recv(stop_token) on an empty channel");
    chan<F, int> c;
    for (int form = 0; form < 3; ++form) {
        std::stop_source source;
        auto call = start_async([&c, &source, form] {
            const std::stop_token st = source.get_token();
            switch (form) {
                case 0:
                    return c.rx.recv(st);
                case 1:
                    return c.rx.recv_timeout(1h, st);
                default:
                    return c.rx.recv_deadline(std::chrono::system_clock::now() + 1h, st);
            }
        });
        std::this_thread::sleep_for(settle);
        EXPECT_FALSE(call->done()) << "form " << form << ": returned without a stop";
        const auto requested = steady::now();
        source.request_stop();
        auto r = call->get();
        const auto latency = steady::now() - requested;
        ASSERT_FALSE(r.has_value()) << "form " << form;
        EXPECT_EQ(r.error(), courier::recv_timeout_error::stopped) << "form " << form;
        EXPECT_LT(latency, 5s) << "form " << form << ": the stop did not wake the receiver";
    }
    // Nothing was consumed: what is sent now is received next.
    auto call = start_async([&c] { return c.tx.send(7); });
    auto r = c.rx.recv(std::stop_token{});
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(*r, 7);
    EXPECT_TRUE(call->get().has_value());
}

TYPED_TEST_P(channel_suite, stop_requested_before_the_call_tries_once) {
    using F = TypeParam;
    watchdog wd(30s, "recv(stop_token) with the stop already requested");
    std::stop_source source;
    source.request_stop();
    const std::stop_token st = source.get_token();
    chan<F, int> c;
    EXPECT_EQ(c.rx.recv(st).error(), courier::recv_timeout_error::stopped);
    EXPECT_EQ(c.rx.recv_timeout(1h, st).error(), courier::recv_timeout_error::stopped);
    EXPECT_EQ(c.rx.recv_timeout(-1s, st).error(), courier::recv_timeout_error::stopped)
        << "a stop takes precedence over a timeout";
    if constexpr (F::buffered) {
        ASSERT_TRUE(c.tx.send(3).has_value());
        auto r = c.rx.recv(st);
        ASSERT_TRUE(r.has_value()) << "a stopped call must still try once";
        EXPECT_EQ(*r, 3);
    } else {
        auto call = start_async([&c] { return c.tx.send(3); });
        std::this_thread::sleep_for(settle);  // the sender waits for a receiver
        auto r = c.rx.recv(st);
        ASSERT_TRUE(r.has_value()) << "a stopped call must still try once";
        EXPECT_EQ(*r, 3);
        EXPECT_TRUE(call->get().has_value());
    }
    if constexpr (F::bounded) {
        for (std::size_t i = 0; i < F::buffer; ++i) {
            ASSERT_TRUE(c.tx.try_send(static_cast<int>(i)).has_value());
        }
        auto s = c.tx.send(99, st);
        ASSERT_FALSE(s.has_value());
        EXPECT_TRUE(s.error().is_stopped());
        EXPECT_EQ(s.error().value, 99);
        EXPECT_EQ(c.rx.size(), F::buffer);
    }
    // Disconnected and empty: disconnected, not stopped.
    c.tx.reset();
    while (c.rx.try_recv().has_value()) {
    }
    EXPECT_EQ(c.rx.recv(st).error(), courier::recv_timeout_error::disconnected);
}

TYPED_TEST_P(channel_suite, stop_wakes_blocked_send) {
    using F = TypeParam;
    if constexpr (!F::bounded) {
        GTEST_SKIP() << "a send on an unbounded channel never blocks";
    } else {
        watchdog wd(30s, "send(value, stop_token) on a full channel");
        chan<F, std::string> c;
        for (std::size_t i = 0; i < F::buffer; ++i) {
            ASSERT_TRUE(c.tx.try_send("fill").has_value());
        }
        for (int form = 0; form < 3; ++form) {
            std::stop_source source;
            auto call = start_async([&c, &source, form] {
                const std::stop_token st = source.get_token();
                switch (form) {
                    case 0:
                        return c.tx.send("mine", st);
                    case 1:
                        return c.tx.send_timeout("mine", 1h, st);
                    default:
                        return c.tx.send_deadline("mine", steady::now() + 1h, st);
                }
            });
            std::this_thread::sleep_for(settle);
            EXPECT_FALSE(call->done()) << "form " << form << ": returned without a stop";
            source.request_stop();
            auto r = call->get();
            ASSERT_FALSE(r.has_value()) << "form " << form;
            EXPECT_TRUE(r.error().is_stopped()) << "form " << form;
            EXPECT_FALSE(r.error().is_timeout());
            EXPECT_EQ(r.error().value, "mine") << "a stopped send hands its value back";
            EXPECT_EQ(std::string(r.error().what()), "send operation stopped by a stop request");
        }
        EXPECT_EQ(c.rx.size(), F::buffer) << "a stopped send left something in the channel";
        for (std::size_t i = 0; i < F::buffer; ++i) {
            auto m = c.rx.try_recv();
            ASSERT_TRUE(m.has_value());
            EXPECT_EQ(*m, "fill");
        }
        EXPECT_FALSE(c.rx.try_recv().has_value());
        // A timeout is still a timeout with a token that is never stopped.
        std::stop_source idle;
        if constexpr (F::buffered) {
            for (std::size_t i = 0; i < F::buffer; ++i) {
                ASSERT_TRUE(c.tx.try_send("fill").has_value());
            }
        }
        auto t = c.tx.send_timeout("late", 20ms, idle.get_token());
        ASSERT_FALSE(t.has_value());
        EXPECT_TRUE(t.error().is_timeout());
    }
}

// Receives and sends with stop tokens while other threads request stops at random moments: every
// message is received exactly once and in order, whatever the stops interrupt.
TYPED_TEST_P(channel_suite, stop_never_loses_a_message) {
    using F = TypeParam;
    watchdog wd(120s, "sends and receives interrupted by stop requests");
    const std::size_t messages = scaled(20000);
    chan<F, std::uint64_t> c;
    std::atomic<bool> done{false};
    std::atomic<std::size_t> recv_stops{0};
    std::atomic<std::size_t> send_stops{0};
    std::mutex sources_mutex;
    std::vector<std::shared_ptr<std::stop_source>> sources;
    auto fresh_source = [&] {
        auto s = std::make_shared<std::stop_source>();
        std::lock_guard<std::mutex> lock(sources_mutex);
        sources.push_back(s);
        return s;
    };
    std::jthread stopper([&] {
        std::size_t next = 0;
        while (!done.load()) {
            std::shared_ptr<std::stop_source> s;
            {
                std::lock_guard<std::mutex> lock(sources_mutex);
                if (next < sources.size()) {
                    s = sources[next++];
                }
            }
            if (s) {
                s->request_stop();
            }
            std::this_thread::sleep_for(std::chrono::microseconds(50));
        }
    });
    std::jthread producer([&] {
        auto source = fresh_source();
        for (std::uint64_t v = 0; v < messages;) {
            if constexpr (F::bounded) {
                auto r = c.tx.send(v, source->get_token());
                if (!r.has_value()) {
                    ASSERT_TRUE(r.error().is_stopped());
                    ASSERT_EQ(r.error().value, v) << "a stopped send handed back another value";
                    ++send_stops;
                    source = fresh_source();
                    continue;  // send the same value again
                }
            } else {
                ASSERT_TRUE(c.tx.send(v).has_value());
            }
            ++v;
        }
    });
    auto source = fresh_source();
    std::uint64_t next = 0;
    while (next < messages) {
        auto r = c.rx.recv(source->get_token());
        if (!r.has_value()) {
            ASSERT_EQ(r.error(), courier::recv_timeout_error::stopped);
            ++recv_stops;
            source = fresh_source();
            continue;
        }
        ASSERT_EQ(*r, next) << "a message was lost, duplicated or reordered";
        ++next;
    }
    producer.join();
    done = true;
    EXPECT_FALSE(c.rx.try_recv().has_value()) << "a message beyond the last one";
    this->RecordProperty("recv_stops", static_cast<int>(recv_stops.load()));
    this->RecordProperty("send_stops", static_cast<int>(send_stops.load()));
}

// ---------------------------------------------------------------------------------------------
// Iteration

TYPED_TEST_P(channel_suite, range_for) {
    using F = TypeParam;
    watchdog wd(30s, "range-for over a receiver");
    constexpr int n = 20;
    {
        chan<F, int> c;
        std::jthread producer([tx = std::move(c.tx)] {
            for (int i = 0; i < n; ++i) {
                EXPECT_TRUE(tx.send(i).has_value());
            }
        });
        std::vector<int> got;
        for (auto v : c.rx) {
            got.push_back(v);
        }
        EXPECT_EQ(got, iota_vector(n));
        EXPECT_FALSE(c.rx.recv().has_value());
    }
    {
        chan<F, int> c;
        std::jthread producer([tx = std::move(c.tx)] {
            for (int i = 0; i < n; ++i) {
                EXPECT_TRUE(tx.send(i).has_value());
            }
        });
        std::vector<int> got;
        for (int v : c.rx.iter()) {
            got.push_back(v);
        }
        EXPECT_EQ(got, iota_vector(n));
    }
    {
        chan<F, std::unique_ptr<int>> c;
        std::jthread producer([tx = std::move(c.tx)] {
            for (int i = 0; i < n; ++i) {
                EXPECT_TRUE(tx.send(std::make_unique<int>(i)).has_value());
            }
        });
        std::vector<int> got;
        for (auto p : c.rx) {
            got.push_back(*p);
        }
        EXPECT_EQ(got, iota_vector(n));
    }
}

TYPED_TEST_P(channel_suite, views_take) {
#if COURIER_TEST_HAS_RANGE_ADAPTORS
    using F = TypeParam;
    watchdog wd(30s, "rx | std::views::take(3)");
    chan<F, int> c;
    std::atomic<int> sent{0};
    std::jthread producer([&c, &sent] {
        for (int i = 0; i < 4; ++i) {
            EXPECT_TRUE(c.tx.send(i).has_value());
            sent.store(i + 1);
        }
    });
    std::vector<int> got;
    for (int v : c.rx | std::views::take(3)) {
        got.push_back(v);
    }
    EXPECT_EQ(got, (std::vector<int>{0, 1, 2}));
    if constexpr (!F::buffered) {
        std::this_thread::sleep_for(settle);
        EXPECT_EQ(sent.load(), 3) << "take(3) received a fourth message";
    } else {
        producer.join();
        EXPECT_EQ(c.rx.size(), 1u) << "take(3) received a fourth message";
    }
    auto r = c.rx.recv();
    ASSERT_TRUE(r.has_value()) << "the fourth message is gone";
    EXPECT_EQ(*r, 3);
#else
    GTEST_SKIP() << "libstdc++ range adaptors do not compile with this Clang";
#endif
}

TYPED_TEST_P(channel_suite, try_iter) {
    using F = TypeParam;
    watchdog wd(30s, "try_iter() (it must never block)");
    chan<F, int> c;
    auto collect = [&c] {
        std::vector<int> got;
        for (int v : c.rx.try_iter()) {
            got.push_back(v);
        }
        return got;
    };
    EXPECT_TRUE(collect().empty());
    if constexpr (F::buffered) {
        const int k = static_cast<int>(std::min<std::size_t>(F::buffer, 5));
        for (int i = 0; i < k; ++i) {
            ASSERT_TRUE(c.tx.send(i).has_value());
        }
        EXPECT_EQ(collect(), iota_vector(k));
        EXPECT_TRUE(collect().empty()) << "senders are alive; try_iter must end when empty";
        ASSERT_TRUE(c.tx.send(10).has_value());
        c.tx.reset();
        EXPECT_EQ(collect(), (std::vector<int>{10}));
        EXPECT_TRUE(collect().empty());
    } else {
        std::jthread sender([&c] { EXPECT_TRUE(c.tx.send(10).has_value()); });
        std::vector<int> got;
        while (got.empty()) {
            got = collect();
            EXPECT_LE(got.size(), 1u);
            std::this_thread::sleep_for(1ms);
        }
        EXPECT_EQ(got, (std::vector<int>{10}));
        sender.join();
        c.tx.reset();
        EXPECT_TRUE(collect().empty());
    }
    EXPECT_EQ(c.rx.try_recv().error(), courier::try_recv_error::disconnected);
}

// ---------------------------------------------------------------------------------------------
// Element types

TYPED_TEST_P(channel_suite, move_only_payload) {
    using F = TypeParam;
    watchdog wd(30s, "move-only payloads");
    chan<F, std::unique_ptr<int>> c;
    if constexpr (F::buffered) {
        ASSERT_TRUE(c.tx.send(std::make_unique<int>(1)).has_value());
        auto r = c.rx.try_recv();
        ASSERT_TRUE(r.has_value());
        ASSERT_NE(*r, nullptr);
        EXPECT_EQ(**r, 1);
    }
    {
        std::vector<int*> addresses(10);
        std::jthread producer([&c, &addresses] {
            for (int i = 0; i < 10; ++i) {
                auto p = std::make_unique<int>(i);
                addresses[static_cast<std::size_t>(i)] = p.get();
                EXPECT_TRUE(c.tx.send(std::move(p)).has_value());
            }
        });
        std::vector<std::unique_ptr<int>> got;
        for (int i = 0; i < 10; ++i) {
            auto r = c.rx.recv_timeout(30s);
            ASSERT_TRUE(r.has_value());
            got.push_back(std::move(*r));
        }
        producer.join();
        for (int i = 0; i < 10; ++i) {
            ASSERT_NE(got[static_cast<std::size_t>(i)], nullptr);
            EXPECT_EQ(*got[static_cast<std::size_t>(i)], i);
            EXPECT_EQ(got[static_cast<std::size_t>(i)].get(),
                      addresses[static_cast<std::size_t>(i)]);
        }
    }
    if constexpr (F::bounded) {
        if constexpr (F::buffered) {
            for (std::size_t i = 0; i < F::buffer; ++i) {
                ASSERT_TRUE(c.tx.try_send(std::make_unique<int>(0)).has_value());
            }
        }
        auto p = std::make_unique<int>(2);
        int* raw = p.get();
        auto full = c.tx.try_send(std::move(p));
        ASSERT_FALSE(full.has_value());
        EXPECT_TRUE(full.error().is_full());
        EXPECT_EQ(full.error().value.get(), raw) << "try_send must hand back the same object";
        auto timed = c.tx.send_timeout(std::move(full.error().value), 1ms);
        ASSERT_FALSE(timed.has_value());
        EXPECT_TRUE(timed.error().is_timeout());
        EXPECT_EQ(timed.error().value.get(), raw) << "send_timeout must hand back the same object";
    }
    c.rx.reset();
    auto p = std::make_unique<int>(3);
    int* raw = p.get();
    auto r = c.tx.send(std::move(p));
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().value.get(), raw) << "send must hand back the same object";
}

TYPED_TEST_P(channel_suite, no_default_constructor) {
    using F = TypeParam;
    static_assert(!std::is_default_constructible_v<minimal>);
    static_assert(!std::is_copy_constructible_v<minimal>);
    static_assert(!std::is_move_assignable_v<minimal>);
    watchdog wd(30s, "a type with only a move constructor");
    {
        chan<F, minimal> c;
        std::jthread producer([tx = std::move(c.tx)] {
            for (int i = 0; i < 5; ++i) {
                EXPECT_TRUE(tx.send(minimal(i)).has_value());
            }
        });
        auto a = c.rx.recv();
        ASSERT_TRUE(a.has_value());
        EXPECT_EQ(a->value, 0);
        auto b = c.rx.recv_timeout(30s);
        ASSERT_TRUE(b.has_value());
        EXPECT_EQ(b->value, 1);
        int expected = 2;
        for (auto m : c.rx) {
            EXPECT_EQ(m.value, expected);
            ++expected;
        }
        EXPECT_EQ(expected, 5);
        for (auto m : c.rx.try_iter()) {
            ADD_FAILURE() << "unexpected message " << m.value;
        }
        EXPECT_EQ(c.rx.try_recv().error(), courier::try_recv_error::disconnected);
    }
    {
        chan<F, minimal> c;
        if constexpr (F::bounded) {
            // Succeeds when there is room; a rendezvous with no receiver times out.
            auto t = c.tx.send_timeout(minimal(-1), 0s);
            EXPECT_EQ(t.has_value(), F::buffer > 0);
            if (!t) {
                EXPECT_EQ(t.error().value.value, -1);
            }
        }
        c.rx.reset();
        auto r = c.tx.send(minimal(6));
        ASSERT_FALSE(r.has_value());
        EXPECT_EQ(r.error().value.value, 6);
        if constexpr (F::bounded) {
            auto t = c.tx.try_send(minimal(7));
            ASSERT_FALSE(t.has_value());
            EXPECT_EQ(t.error().value.value, 7);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Ordering

TYPED_TEST_P(channel_suite, exactly_once_fifo) {
    using F = TypeParam;
    constexpr std::size_t producers = 8;
    const std::size_t per = scaled(2000);
    watchdog wd(120s, "exactly_once_fifo with 8 producers");
    chan<F, stamped> c;
    std::vector<std::jthread> threads;
    for (std::size_t p = 0; p < producers; ++p) {
        threads.emplace_back([tx = c.tx, p, per] {
            for (std::size_t s = 0; s < per; ++s) {
                auto r = tx.send(
                    stamped{static_cast<std::uint32_t>(p), static_cast<std::uint32_t>(s), 0});
                if (!r) {
                    ADD_FAILURE() << "send failed with a live receiver";
                    return;
                }
            }
        });
    }
    c.tx.reset();
    fifo_checker check(producers, per);
    for (;;) {
        auto r = c.rx.recv();
        if (!r) {
            break;
        }
        check.record(r->producer, r->seq);
    }
    check.expect_complete();
}

TYPED_TEST_P(channel_suite, linearizable) {
    // Each message carries how many sends had completed before its own send began. Those sends
    // happen-before it, so a linearizable channel delivers all of them first.
    using F = TypeParam;
    constexpr std::size_t producers = 4;
    const std::size_t per = scaled(2000);
    watchdog wd(120s, "linearizable");
    chan<F, stamped> c;
    std::atomic<std::uint64_t> completed{0};
    std::vector<std::jthread> threads;
    for (std::size_t p = 0; p < producers; ++p) {
        threads.emplace_back([tx = c.tx, p, per, &completed] {
            for (std::size_t s = 0; s < per; ++s) {
                const std::uint64_t seen = completed.load(std::memory_order_seq_cst);
                EXPECT_TRUE(tx.send(stamped{static_cast<std::uint32_t>(p),
                                            static_cast<std::uint32_t>(s), seen})
                                .has_value());
                completed.fetch_add(1, std::memory_order_seq_cst);
            }
        });
    }
    c.tx.reset();
    std::uint64_t received = 0;
    std::uint64_t violations = 0;
    std::string first;
    fifo_checker check(producers, per);
    for (;;) {
        auto r = c.rx.recv();
        if (!r) {
            break;
        }
        if (r->seen > received && violations++ == 0) {
            first = "message " + std::to_string(received) + " was sent after " +
                    std::to_string(r->seen) + " sends had completed";
        }
        check.record(r->producer, r->seq);
        ++received;
    }
    EXPECT_EQ(violations, 0u) << first;
    check.expect_complete();
}

TYPED_TEST_P(channel_suite, linearizable_try_recv) {
    // A thread that has completed a send finds a message with try_recv: the channel cannot look
    // empty after a send returned (one receiver shared under a mutex).
    using F = TypeParam;
    if constexpr (!F::buffered) {
        GTEST_SKIP() << "a rendezvous send completes only by a receive, so nothing is left to find";
    } else {
        constexpr int threads_count = 4;
        const std::size_t rounds = scaled(2000);
        watchdog wd(120s, "linearizable_try_recv");
        chan<F, int> c;
        std::mutex rx_mutex;
        std::atomic<std::size_t> misses{0};
        {
            std::vector<std::jthread> threads;
            for (int t = 0; t < threads_count; ++t) {
                threads.emplace_back([&, t] {
                    for (std::size_t i = 0; i < rounds; ++i) {
                        if (!c.tx.send(t).has_value()) {
                            ADD_FAILURE() << "send failed";
                            return;
                        }
                        std::lock_guard<std::mutex> lock(rx_mutex);
                        if (!c.rx.try_recv().has_value()) {
                            ++misses;
                        }
                    }
                });
            }
        }
        EXPECT_EQ(misses.load(), 0u) << "try_recv found the channel empty after a completed send";
        EXPECT_EQ(c.rx.try_recv().error(), courier::try_recv_error::empty);
    }
}

TYPED_TEST_P(channel_suite, linearizable_handoff) {
    // Thread A sends (r, 0), then tells thread B, which sends (r, 1): (r, 0) arrives first.
    using F = TypeParam;
    const std::uint32_t rounds = static_cast<std::uint32_t>(scaled(2000));
    watchdog wd(120s, "linearizable_handoff");
    chan<F, stamped> c;
    std::atomic<std::uint32_t> a_done{0};
    std::jthread a([tx = c.tx, rounds, &a_done] {
        for (std::uint32_t r = 1; r <= rounds; ++r) {
            EXPECT_TRUE(tx.send(stamped{0, r, 0}).has_value());
            a_done.store(r, std::memory_order_release);
            a_done.notify_one();
        }
    });
    std::jthread b([tx = c.tx, rounds, &a_done] {
        for (std::uint32_t r = 1; r <= rounds; ++r) {
            std::uint32_t seen = a_done.load(std::memory_order_acquire);
            while (seen < r) {
                a_done.wait(seen, std::memory_order_acquire);
                seen = a_done.load(std::memory_order_acquire);
            }
            EXPECT_TRUE(tx.send(stamped{1, r, 0}).has_value());
        }
    });
    c.tx.reset();
    std::vector<std::uint8_t> got_a(rounds + 1, 0);
    std::size_t violations = 0;
    std::size_t count = 0;
    for (;;) {
        auto m = c.rx.recv();
        if (!m) {
            break;
        }
        ++count;
        if (m->producer == 0) {
            got_a[m->seq] = 1;
        } else if (got_a[m->seq] == 0) {
            ++violations;
        }
    }
    EXPECT_EQ(violations, 0u) << "a send received before a send that happened-before it";
    EXPECT_EQ(count, 2u * rounds);
}

TYPED_TEST_P(channel_suite, send_happens_before_recv) {
    // Plain (non-atomic) data written before a send is visible after the matching receive.
    // ThreadSanitizer reports a data race here if the channel does not order them.
    using F = TypeParam;
    struct block {
        int values[16];
    };
    const std::size_t rounds = scaled(2000);
    watchdog wd(120s, "send_happens_before_recv");
    std::vector<int> board(rounds, 0);
    chan<F, std::unique_ptr<block>> c;
    std::jthread producer([tx = std::move(c.tx), &board, rounds] {
        for (std::size_t i = 0; i < rounds; ++i) {
            board[i] = static_cast<int>(i) + 1;
            auto b = std::make_unique<block>();
            for (int j = 0; j < 16; ++j) {
                b->values[j] = static_cast<int>(i) * 16 + j;
            }
            EXPECT_TRUE(tx.send(std::move(b)).has_value());
        }
    });
    std::size_t wrong = 0;
    for (std::size_t i = 0; i < rounds; ++i) {
        auto r = c.rx.recv();
        ASSERT_TRUE(r.has_value());
        if (board[i] != static_cast<int>(i) + 1) {
            ++wrong;
        }
        for (int j = 0; j < 16; ++j) {
            if ((*r)->values[j] != static_cast<int>(i) * 16 + j) {
                ++wrong;
            }
        }
    }
    EXPECT_EQ(wrong, 0u);
}

// ---------------------------------------------------------------------------------------------
// Lifetimes

TYPED_TEST_P(channel_suite, drops) {
    using F = TypeParam;
    watchdog wd(30s, "drops");
    {
        chan<F, tracked> c;
        std::int64_t k = 0;
        if constexpr (F::buffered) {
            k = static_cast<std::int64_t>(std::min<std::size_t>(F::buffer, 50));
            for (std::int64_t i = 0; i < k; ++i) {
                ASSERT_TRUE(c.tx.send(tracked(i)).has_value());
            }
            EXPECT_EQ(tracked::payloads(), k) << "the channel holds the sent messages";
        }
        c.rx.reset();
        EXPECT_EQ(tracked::payloads(), 0) << "buffered messages destroyed when the receiver goes";
        EXPECT_EQ(tracked::dropped(), k);
        {
            auto r = c.tx.send(tracked(100));
            ASSERT_FALSE(r.has_value());
            EXPECT_EQ(r.error().value.seq(), 100);
            r.error().value.consume();
        }
        EXPECT_EQ(tracked::dropped(), k);
    }
    EXPECT_EQ(tracked::live(), 0) << "objects leaked";
    EXPECT_EQ(tracked::copies(), 0) << "the channel copied a message";
}

TYPED_TEST_P(channel_suite, drops_after_senders_gone) {
    using F = TypeParam;
    watchdog wd(30s, "drops after senders are gone");
    {
        chan<F, tracked> c;
        const auto k = static_cast<std::int64_t>(std::min<std::size_t>(F::buffer, 40));
        if constexpr (F::buffered) {
            for (std::int64_t i = 0; i < k; ++i) {
                ASSERT_TRUE(c.tx.send(tracked(i)).has_value());
            }
        } else {
            std::jthread sender([&c] { EXPECT_TRUE(c.tx.send(tracked(0)).has_value()); });
            auto r = c.rx.recv();
            ASSERT_TRUE(r.has_value());
            r->consume();
        }
        c.tx.reset();
        EXPECT_EQ(tracked::payloads(), k) << "the last sender's drop must not destroy messages";
        for (std::int64_t i = 0; i < k / 2; ++i) {
            auto r = c.rx.recv();
            ASSERT_TRUE(r.has_value());
            EXPECT_EQ(r->consume(), i);
        }
        c.rx.reset();
        EXPECT_EQ(tracked::payloads(), 0);
        EXPECT_EQ(tracked::dropped(), k - k / 2);
    }
    EXPECT_EQ(tracked::live(), 0) << "objects leaked";
    EXPECT_EQ(tracked::copies(), 0);
}

TYPED_TEST_P(channel_suite, no_leak_partial_consume) {
    // Many messages (several internal blocks of an unbounded channel), half received, then the
    // handles go in either order: every message is received or destroyed exactly once.
    using F = TypeParam;
    watchdog wd(60s, "no_leak_partial_consume");
    const auto n = static_cast<std::int64_t>(scaled(1000));
    for (int receiver_first = 0; receiver_first < 2; ++receiver_first) {
        tracked::reset();
        std::int64_t received = 0;
        {
            chan<F, tracked> c;
            auto producer = start_async([tx = c.tx, n] {
                std::int64_t sent = 0;
                for (std::int64_t i = 0; i < n; ++i) {
                    auto r = tx.send(tracked(i));
                    if (!r) {
                        r.error().value.consume();
                        break;
                    }
                    ++sent;
                }
                return sent;
            });
            for (; received < n / 3; ++received) {
                auto r = c.rx.recv();
                ASSERT_TRUE(r.has_value());
                EXPECT_EQ(r->consume(), received);
            }
            std::int64_t sent = 0;
            if (receiver_first != 0) {
                c.rx.reset();
                sent = producer->get();
                c.tx.reset();
            } else {
                c.tx.reset();
                if constexpr (!F::bounded) {
                    // The unbounded producer finishes alone; everything unreceived is buffered.
                    sent = producer->get();
                    EXPECT_EQ(sent, n);
                    EXPECT_EQ(tracked::payloads(), n - received);
                    c.rx.reset();
                } else {
                    c.rx.reset();
                    sent = producer->get();
                }
            }
            EXPECT_EQ(tracked::payloads(), 0);
            EXPECT_EQ(tracked::dropped(), sent - received);
        }
        EXPECT_EQ(tracked::live(), 0)
            << "objects leaked (receiver first: " << receiver_first << ")";
        EXPECT_EQ(tracked::copies(), 0);
    }
}

TYPED_TEST_P(channel_suite, error_values_are_the_sent_ones) {
    using F = TypeParam;
    watchdog wd(30s, "errors returning values");
    {
        chan<F, tracked> c;
        if constexpr (F::bounded) {
            if constexpr (F::buffered) {
                for (std::size_t i = 0; i < F::buffer; ++i) {
                    ASSERT_TRUE(
                        c.tx.try_send(tracked(1000 + static_cast<std::int64_t>(i))).has_value());
                }
            }
            auto full = c.tx.try_send(tracked(1));
            ASSERT_FALSE(full.has_value());
            EXPECT_EQ(full.error().value.seq(), 1);
            full.error().value.consume();
            auto timed = c.tx.send_timeout(tracked(2), 1ms);
            ASSERT_FALSE(timed.has_value());
            EXPECT_EQ(timed.error().value.seq(), 2);
            timed.error().value.consume();
            for (std::size_t i = 0; i < F::buffer; ++i) {
                auto r = c.rx.recv();
                ASSERT_TRUE(r.has_value());
                EXPECT_EQ(r->consume(), 1000 + static_cast<std::int64_t>(i));
            }
        }
        c.rx.close();
        auto closed = c.tx.send(tracked(3));
        ASSERT_FALSE(closed.has_value());
        EXPECT_EQ(closed.error().value.seq(), 3);
        closed.error().value.consume();
        c.rx.reset();
        auto gone = c.tx.send(tracked(4));
        ASSERT_FALSE(gone.has_value());
        EXPECT_EQ(gone.error().value.seq(), 4);
        gone.error().value.consume();
        // The error is movable and keeps its value.
        auto moved = std::move(gone);
        EXPECT_EQ(moved.error().value.seq(), 4);
        moved.error().value.consume();
    }
    EXPECT_EQ(tracked::dropped(), 0) << "a returned value was destroyed behind the caller's back";
    EXPECT_EQ(tracked::live(), 0);
    EXPECT_EQ(tracked::copies(), 0);
}

// ---------------------------------------------------------------------------------------------
// Throwing moves
//
// The documented guarantee: if the move that stores a message throws inside send, the message is
// not sent (the exception propagates; the argument is destroyed with the call); if the move that
// hands a message out of a receive throws, the message stays in the channel and the next receive
// returns it, order kept.

/// Results of a two-thread exchange of throwing_move messages.
struct exchange_log {
    std::vector<int> sent;      // sends that returned success, in order
    std::vector<int> threw;     // sends that threw move_error
    std::vector<int> received;  // values received, in order
    long send_throws = 0;
    long recv_throws = 0;
};

/// Checks an exchange: received == sent (each once, in order), and thrown sends never arrive.
inline void expect_exchange_consistent(const exchange_log& log, int attempts) {
    EXPECT_EQ(log.received, log.sent) << "successful sends and receives do not match";
    EXPECT_EQ(static_cast<int>(log.sent.size() + log.threw.size()), attempts);
    for (int v : log.threw) {
        EXPECT_EQ(std::count(log.received.begin(), log.received.end(), v), 0)
            << "message " << v << " was received although its send threw";
    }
    EXPECT_GT(log.send_throws + log.recv_throws, 0)
        << "no move ever threw; the test tested nothing";
}

/// Receives until disconnection, catching move_error; used by the rendezvous variants.
template <class Rx>
void receive_all_catching(Rx& rx, exchange_log& log) {
    for (;;) {
        try {
            auto r = rx.recv();
            if (!r) {
                return;
            }
            log.received.push_back(r->consume());
        } catch (const move_error&) {
            ++log.recv_throws;
        }
    }
}

/// After the throwing phase: the channel still carries messages in order.
template <class F>
void expect_still_usable(chan<F, throwing_move>& c) {
    throwing_move::disarm();
    std::jthread producer([&c] {
        for (int i = 0; i < 10; ++i) {
            EXPECT_TRUE(c.tx.send(throwing_move(1000 + i)).has_value());
        }
    });
    for (int i = 0; i < 10; ++i) {
        auto r = c.rx.recv();
        ASSERT_TRUE(r.has_value());
        EXPECT_EQ(r->consume(), 1000 + i);
    }
}

TYPED_TEST_P(channel_suite, throwing_move_send) {
    using F = TypeParam;
    watchdog wd(60s, "throwing_move_send");
    long thrown_sends = 0;  // each destroys its argument, a payload never received
    {
        chan<F, throwing_move> c;
        if constexpr (F::buffered) {
            // One thread: the model `in_channel` is exact, and a send that threw must leave the
            // channel as if it had not been called (no message, no slot taken). The non-blocking
            // forms run first, so that a slot lost to a throw shows as a failure, not a hang.
            enum class outcome { sent, threw, refused };
            constexpr int op_try_send = 0;
            constexpr int op_send_timeout = 1;
            constexpr int op_send = 2;
            auto attempt = [&c](int op, int v) {
                try {
                    if constexpr (F::bounded) {
                        if (op == op_try_send) {
                            auto r = c.tx.try_send(throwing_move(v));
                            if (!r) {
                                r.error().value.consume();
                                return outcome::refused;
                            }
                            return outcome::sent;
                        }
                        if (op == op_send_timeout) {
                            auto r = c.tx.send_timeout(throwing_move(v), 10s);
                            if (!r) {
                                r.error().value.consume();
                                return outcome::refused;
                            }
                            return outcome::sent;
                        }
                    }
                    watchdog guard(
                        20s, "send() on a channel with room (a send that threw kept its slot)");
                    auto r = c.tx.send(throwing_move(v));
                    if (!r) {
                        r.error().value.consume();
                        return outcome::refused;
                    }
                    return outcome::sent;
                } catch (const move_error&) {
                    return outcome::threw;
                }
            };
            const char* const op_names[] = {"try_send", "send_timeout", "send"};
            std::deque<int> in_channel;
            int next = 0;
            int fired_count = 0;
            int size_mismatches = 0;
            std::string first_mismatch;
            for (int op = F::bounded ? op_try_send : op_send; op <= op_send; ++op) {
                for (long k = 1; k <= 6; ++k) {
                    for (int round = 0; round < 3; ++round) {
                        if (in_channel.size() >= F::buffer) {
                            auto r = c.rx.try_recv();
                            ASSERT_TRUE(r.has_value());
                            EXPECT_EQ(r->consume(), in_channel.front());
                            in_channel.pop_front();
                        }
                        throwing_move::arm(k);
                        const outcome o = attempt(op, next);
                        const bool fired = throwing_move::disarm();
                        ASSERT_NE(o, outcome::refused)
                            << op_names[op] << " of " << next << " refused with "
                            << in_channel.size() << " of " << F::buffer
                            << " slots in use (earlier sends threw: " << thrown_sends << ")";
                        EXPECT_EQ(o == outcome::threw, fired)
                            << "a move inside " << op_names[op] << " threw but the call did not";
                        fired_count += fired ? 1 : 0;
                        if (o == outcome::threw) {
                            ++thrown_sends;
                        } else {
                            in_channel.push_back(next);
                        }
                        if (c.rx.size() != in_channel.size() && size_mismatches++ == 0) {
                            first_mismatch = std::string("after ") + op_names[op] + " of " +
                                             std::to_string(next) +
                                             (o == outcome::threw ? " (threw)" : "") +
                                             ": size() is " + std::to_string(c.rx.size()) +
                                             ", messages " + std::to_string(in_channel.size());
                        }
                        ++next;
                    }
                }
            }
            EXPECT_GT(fired_count, 0);
            EXPECT_EQ(size_mismatches, 0)
                << "size() counts a send that threw; first: " << first_mismatch;
            while (!in_channel.empty()) {
                auto r = c.rx.try_recv();
                ASSERT_TRUE(r.has_value()) << "message " << in_channel.front() << " lost";
                EXPECT_EQ(r->consume(), in_channel.front());
                in_channel.pop_front();
            }
            EXPECT_EQ(c.rx.try_recv().error(), courier::try_recv_error::empty);
            EXPECT_EQ(throwing_move::payloads(), 0);
        } else {
            exchange_log log;
            int attempts = 0;
            {
                std::jthread receiver([&c, &log] { receive_all_catching(c.rx, log); });
                auto tx = std::move(c.tx);
                for (long k = 1; k <= 6; ++k) {
                    for (int round = 0; round < 3; ++round) {
                        const int v = attempts++;
                        throwing_move::arm(k);
                        try {
                            auto r = tx.send(throwing_move(v));
                            EXPECT_TRUE(r.has_value());
                            log.sent.push_back(v);
                        } catch (const move_error&) {
                            log.threw.push_back(v);
                            ++log.send_throws;
                        }
                        throwing_move::disarm();
                    }
                }
            }
            expect_exchange_consistent(log, attempts);
            thrown_sends = log.send_throws;
            c.ends = F::template make<throwing_move>();
        }
        expect_still_usable<F>(c);
    }
    EXPECT_EQ(throwing_move::live(), 0) << "objects leaked";
    EXPECT_EQ(throwing_move::dropped(), thrown_sends)
        << "only the arguments of sends that threw may be destroyed without being received";
}

template <class F, class Receive>
void expect_recv_throw_keeps_message(chan<F, throwing_move>& c, Receive receive, const char* what) {
    static_assert(F::buffered);
    const int m = static_cast<int>(std::min<std::size_t>(F::buffer, 4));
    int next_send = 0;
    for (; next_send < m; ++next_send) {
        ASSERT_TRUE(c.tx.send(throwing_move(next_send)).has_value());
    }
    int expected = 0;
    int fired_count = 0;
    for (long k = 1; k <= 5; ++k) {
        for (int round = 0; round < 2; ++round) {
            throwing_move::arm(k);
            try {
                auto r = receive(c.rx);
                const bool fired = throwing_move::disarm();
                EXPECT_FALSE(fired) << what << ": a move threw but the receive did not";
                ASSERT_TRUE(r.has_value()) << what;
                EXPECT_EQ(r->consume(), expected) << what;
            } catch (const move_error&) {
                throwing_move::disarm();
                ++fired_count;
                auto again = c.rx.try_recv();
                ASSERT_TRUE(again.has_value())
                    << what << ": the message whose hand-out threw left the channel";
                EXPECT_EQ(again->consume(), expected) << what << ": order changed after a throw";
            }
            ++expected;
            ASSERT_TRUE(c.tx.send(throwing_move(next_send++)).has_value());
        }
    }
    EXPECT_GT(fired_count, 0) << what;
    for (; expected < next_send; ++expected) {
        auto r = c.rx.try_recv();
        ASSERT_TRUE(r.has_value());
        EXPECT_EQ(r->consume(), expected);
    }
}

TYPED_TEST_P(channel_suite, throwing_move_recv) {
    using F = TypeParam;
    watchdog wd(60s, "throwing_move_recv");
    long thrown_sends = 0;  // each destroys its argument, a payload never received
    {
        chan<F, throwing_move> c;
        if constexpr (F::buffered) {
            expect_recv_throw_keeps_message<F>(
                c, [](auto& rx) { return rx.recv(); }, "recv");
            expect_recv_throw_keeps_message<F>(
                c, [](auto& rx) { return rx.try_recv(); }, "try_recv");
            expect_recv_throw_keeps_message<F>(
                c, [](auto& rx) { return rx.recv_timeout(30s); }, "recv_timeout");
            expect_recv_throw_keeps_message<F>(
                c, [](auto& rx) { return rx.recv_deadline(steady::now() + 30s); }, "recv_deadline");
            EXPECT_EQ(throwing_move::payloads(), 0);
        } else {
            exchange_log log;
            const int attempts = 40;
            std::jthread sender([tx = std::move(c.tx), &log] {
                for (int v = 0; v < attempts; ++v) {
                    try {
                        auto r = tx.send(throwing_move(v));
                        EXPECT_TRUE(r.has_value());
                        log.sent.push_back(v);
                    } catch (const move_error&) {
                        log.threw.push_back(v);
                        ++log.send_throws;
                    }
                }
            });
            for (long k = 1;; k = k % 4 + 1) {
                throwing_move::arm(k);
                try {
                    auto r = c.rx.recv();
                    throwing_move::disarm();
                    if (!r) {
                        break;
                    }
                    log.received.push_back(r->consume());
                } catch (const move_error&) {
                    throwing_move::disarm();
                    ++log.recv_throws;
                }
            }
            sender.join();
            expect_exchange_consistent(log, attempts);
            thrown_sends = log.send_throws;
            c.ends = F::template make<throwing_move>();
        }
        expect_still_usable<F>(c);
    }
    EXPECT_EQ(throwing_move::live(), 0) << "objects leaked";
    EXPECT_EQ(throwing_move::dropped(), thrown_sends)
        << "only the arguments of sends that threw may be destroyed without being received";
}

TYPED_TEST_P(channel_suite, throwing_move_concurrent) {
    // Two producers arm throws while a consumer receives: per producer, what was received equals
    // what was sent successfully, in order; nothing leaks.
    using F = TypeParam;
    constexpr int producers = 2;
    const int per = static_cast<int>(scaled(400));
    watchdog wd(120s, "throwing_move_concurrent");
    long thrown_sends = 0;  // each destroys its argument, a payload never received
    {
        chan<F, throwing_move> c;
        std::vector<exchange_log> logs(producers);
        {
            std::vector<std::jthread> threads;
            for (int p = 0; p < producers; ++p) {
                threads.emplace_back([tx = c.tx, p, per, &log = logs[static_cast<std::size_t>(p)]] {
                    for (int s = 0; s < per; ++s) {
                        const int v = p * per + s;
                        if (s % 3 == 0) {
                            throwing_move::arm(1 + s % 4);
                        }
                        try {
                            auto r = tx.send(throwing_move(v));
                            EXPECT_TRUE(r.has_value());
                            log.sent.push_back(v);
                        } catch (const move_error&) {
                            log.threw.push_back(v);
                            ++log.send_throws;
                        }
                    }
                });
            }
            c.tx.reset();
            long recv_throws = 0;
            for (;;) {
                try {
                    auto r = c.rx.recv();
                    if (!r) {
                        break;
                    }
                    const int v = r->consume();
                    logs[static_cast<std::size_t>(v / per)].received.push_back(v);
                } catch (const move_error&) {
                    ++recv_throws;
                }
            }
            logs[0].recv_throws = recv_throws;
        }
        throwing_move::disarm();
        long throws = 0;
        for (int p = 0; p < producers; ++p) {
            const auto& log = logs[static_cast<std::size_t>(p)];
            thrown_sends += log.send_throws;
            EXPECT_EQ(log.received, log.sent) << "producer " << p;
            EXPECT_EQ(static_cast<int>(log.sent.size() + log.threw.size()), per);
            throws += log.send_throws + log.recv_throws;
        }
        EXPECT_GT(throws, 0);
    }
    EXPECT_EQ(throwing_move::live(), 0) << "objects leaked";
    EXPECT_EQ(throwing_move::dropped(), thrown_sends)
        << "only the arguments of sends that threw may be destroyed without being received";
}

// ---------------------------------------------------------------------------------------------
// Blocking

/// Runs op on a new thread that blocks for about `block`; returns {cpu time, wall time} of op.
template <class Op, class Wake>
std::pair<std::chrono::nanoseconds, std::chrono::nanoseconds> measure_blocked(
    Op op, Wake wake, std::chrono::milliseconds block) {
    std::chrono::nanoseconds cpu{0};
    std::chrono::nanoseconds wall{0};
    std::atomic<bool> started{false};
    std::jthread t([&] {
        started.store(true);
        const auto c0 = thread_cpu_time();
        const auto w0 = steady::now();
        op();
        wall = steady::now() - w0;
        cpu = thread_cpu_time() - c0;
    });
    while (!started.load()) {
        std::this_thread::yield();
    }
    std::this_thread::sleep_for(block);
    wake();
    t.join();
    return {cpu, wall};
}

TYPED_TEST_P(channel_suite, blocked_recv_uses_no_cpu) {
    using F = TypeParam;
    watchdog wd(30s, "blocked_recv_uses_no_cpu");
    chan<F, int> c;
    {
        auto [cpu, wall] = measure_blocked([&c] { EXPECT_TRUE(c.rx.recv().has_value()); },
                                           [&c] { EXPECT_TRUE(c.tx.send(1).has_value()); }, 300ms);
        EXPECT_GE(wall, 250ms) << "recv returned without a message";
        EXPECT_LT(cpu, wall / 10) << "recv used CPU while it waited";
    }
    {
        auto [cpu, wall] = measure_blocked([&c] { EXPECT_TRUE(c.rx.recv_timeout(1h).has_value()); },
                                           [&c] { EXPECT_TRUE(c.tx.send(2).has_value()); }, 300ms);
        EXPECT_LT(cpu, wall / 10) << "recv_timeout used CPU while it waited";
    }
    {
        const auto c0 = thread_cpu_time();
        const auto w0 = steady::now();
        EXPECT_FALSE(c.rx.recv_timeout(300ms).has_value());
        const auto wall = steady::now() - w0;
        EXPECT_LT(thread_cpu_time() - c0, wall / 10) << "an expiring recv_timeout used CPU";
    }
}

TYPED_TEST_P(channel_suite, blocked_send_uses_no_cpu) {
    using F = TypeParam;
    if constexpr (!F::bounded) {
        GTEST_SKIP() << "an unbounded sender never waits";
    } else {
        watchdog wd(30s, "blocked_send_uses_no_cpu");
        chan<F, int> c;
        fill<F>(c.tx);
        {
            auto [cpu, wall] =
                measure_blocked([&c] { EXPECT_TRUE(c.tx.send(1).has_value()); },
                                [&c] { EXPECT_TRUE(c.rx.recv().has_value()); }, 300ms);
            EXPECT_GE(wall, 250ms) << "send on a full channel returned early";
            EXPECT_LT(cpu, wall / 10) << "send used CPU while it waited";
        }
        {
            auto [cpu, wall] =
                measure_blocked([&c] { EXPECT_TRUE(c.tx.send_timeout(2, 1h).has_value()); },
                                [&c] { EXPECT_TRUE(c.rx.recv().has_value()); }, 300ms);
            EXPECT_LT(cpu, wall / 10) << "send_timeout used CPU while it waited";
        }
    }
}

TYPED_TEST_P(channel_suite, no_lost_wakeups) {
    // Ping-pong between two threads: nearly every receive (and, when bounded, send) blocks and
    // must be woken.
    using F = TypeParam;
    const int rounds = static_cast<int>(scaled(3000));
    watchdog wd(120s, "a blocked recv/send in the ping-pong (lost wake-up)");
    chan<F, int> ping;
    chan<F, int> pong;
    std::jthread echo([&ping, &pong] {
        for (;;) {
            auto r = ping.rx.recv();
            if (!r) {
                return;
            }
            EXPECT_TRUE(pong.tx.send(*r + 1).has_value());
        }
    });
    for (int i = 0; i < rounds; ++i) {
        ASSERT_TRUE(ping.tx.send(i).has_value());
        auto r = pong.rx.recv();
        ASSERT_TRUE(r.has_value());
        ASSERT_EQ(*r, i + 1);
    }
    ping.tx.reset();
}

TYPED_TEST_P(channel_suite, no_lost_wakeups_timeout) {
    // The ping-pong again with the timed operations: a wake-up lost there shows as a timeout.
    using F = TypeParam;
    const int rounds = static_cast<int>(scaled(2000));
    watchdog wd(120s, "a blocked timed recv/send in the ping-pong");
    chan<F, int> ping;
    chan<F, int> pong;
    std::jthread echo([&ping, &pong] {
        for (;;) {
            auto r = ping.rx.recv_deadline(steady::now() + 1h);
            if (!r) {
                EXPECT_EQ(r.error(), courier::recv_timeout_error::disconnected);
                return;
            }
            if constexpr (F::bounded) {
                EXPECT_TRUE(pong.tx.send_timeout(*r + 1, 1h).has_value());
            } else {
                EXPECT_TRUE(pong.tx.send(*r + 1).has_value());
            }
        }
    });
    for (int i = 0; i < rounds; ++i) {
        if constexpr (F::bounded) {
            ASSERT_TRUE(ping.tx.send_deadline(i, steady::now() + 1h).has_value());
        } else {
            ASSERT_TRUE(ping.tx.send(i).has_value());
        }
        auto r = pong.rx.recv_timeout(1h);
        ASSERT_TRUE(r.has_value());
        ASSERT_EQ(*r, i + 1);
    }
    ping.tx.reset();
}

TYPED_TEST_P(channel_suite, many_blocked_senders) {
    using F = TypeParam;
    constexpr int senders = 6;
    watchdog wd(60s, "one of several blocked senders");
    chan<F, int> c;
    fill<F>(c.tx, 1000);
    std::vector<std::unique_ptr<async_call<bool>>> calls;
    for (int i = 0; i < senders; ++i) {
        calls.push_back(start_async([&c, i] { return c.tx.send(i).has_value(); }));
    }
    std::this_thread::sleep_for(settle);
    if constexpr (F::bounded) {
        for (const auto& call : calls) {
            EXPECT_FALSE(call->done()) << "a send on a full channel returned";
        }
    }
    std::vector<int> got;
    const std::size_t total = senders + (F::bounded ? F::buffer : 0);
    for (std::size_t i = 0; i < total; ++i) {
        auto r = c.rx.recv();
        ASSERT_TRUE(r.has_value());
        got.push_back(*r);
        std::this_thread::sleep_for(1ms);
    }
    for (const auto& call : calls) {
        EXPECT_TRUE(call->get());
    }
    std::sort(got.begin(), got.end());
    std::vector<int> expected = iota_vector(senders);
    if constexpr (F::bounded) {
        for (std::size_t i = 0; i < F::buffer; ++i) {
            expected.push_back(1000 + static_cast<int>(i));
        }
    }
    EXPECT_EQ(got, expected);
    EXPECT_EQ(c.rx.try_recv().error(), courier::try_recv_error::empty);
}

TYPED_TEST_P(channel_suite, concurrent_send_same_object) {
    // send is const and may be called concurrently on one sender object.
    using F = TypeParam;
    constexpr std::size_t threads_count = 4;
    const std::size_t per = scaled(2000);
    watchdog wd(120s, "concurrent sends on one sender object");
    chan<F, stamped> c;
    const auto& shared = c.tx;
    fifo_checker check(threads_count, per);
    {
        std::vector<std::jthread> threads;
        for (std::size_t t = 0; t < threads_count; ++t) {
            threads.emplace_back([&shared, t, per] {
                for (std::size_t s = 0; s < per; ++s) {
                    EXPECT_TRUE(shared
                                    .send(stamped{static_cast<std::uint32_t>(t),
                                                  static_cast<std::uint32_t>(s), 0})
                                    .has_value());
                }
            });
        }
        for (std::size_t i = 0; i < threads_count * per; ++i) {
            auto r = c.rx.recv();
            ASSERT_TRUE(r.has_value());
            check.record(r->producer, r->seq);
        }
    }
    check.expect_complete();
}

// ---------------------------------------------------------------------------------------------
// Stress

TYPED_TEST_P(channel_suite, stress) {
    // Producers and the consumer mix every kind of operation; every message arrives exactly once
    // and in order per producer.
    using F = TypeParam;
    constexpr std::size_t producers = 4;
    const std::size_t per = scaled(5000);
    watchdog wd(120s, "stress");
    chan<F, stamped> c;
    {
        std::vector<std::jthread> threads;
        for (std::size_t p = 0; p < producers; ++p) {
            threads.emplace_back([tx = c.tx, p, per] {
                for (std::size_t s = 0; s < per; ++s) {
                    stamped m{static_cast<std::uint32_t>(p), static_cast<std::uint32_t>(s), 0};
                    bool ok = false;
                    if constexpr (F::bounded) {
                        switch ((s + p) % 4) {
                            case 0:
                                ok = tx.send(m).has_value();
                                break;
                            case 1: {
                                // Poll a little, then wait, so that a rendezvous can meet.
                                auto r = tx.try_send(m);
                                for (int spins = 0; !r && r.error().is_full() && spins < 4;
                                     ++spins) {
                                    std::this_thread::yield();
                                    r = tx.try_send(m);
                                }
                                if (r) {
                                    ok = true;
                                } else if (r.error().is_full()) {
                                    ok = tx.send(m).has_value();
                                }
                                break;
                            }
                            case 2: {
                                for (;;) {
                                    auto r = tx.send_timeout(m, 1ms);
                                    if (r || !r.error().is_timeout()) {
                                        ok = r.has_value();
                                        break;
                                    }
                                }
                                break;
                            }
                            default: {
                                for (;;) {
                                    auto r = tx.send_deadline(m, steady::now() + 2ms);
                                    if (r || !r.error().is_timeout()) {
                                        ok = r.has_value();
                                        break;
                                    }
                                }
                                break;
                            }
                        }
                    } else {
                        ok = tx.send(m).has_value();
                        if (s % 128 == 0) {
                            std::this_thread::yield();
                        }
                    }
                    if (!ok) {
                        ADD_FAILURE() << "send failed with a live receiver";
                        return;
                    }
                }
            });
        }
        c.tx.reset();
        fifo_checker check(producers, per);
        for (std::size_t i = 0;; ++i) {
            std::optional<stamped> m;
            bool disconnected = false;
            switch (i % 4) {
                case 0: {
                    auto r = c.rx.recv();
                    if (r) {
                        m = *r;
                    } else {
                        disconnected = true;
                    }
                    break;
                }
                case 1: {
                    auto r = c.rx.try_recv();
                    if (r) {
                        m = *r;
                    } else if (r.error() == courier::try_recv_error::disconnected) {
                        disconnected = true;
                    } else {
                        auto w = c.rx.recv();
                        if (w) {
                            m = *w;
                        } else {
                            disconnected = true;
                        }
                    }
                    break;
                }
                case 2: {
                    for (;;) {
                        auto r = c.rx.recv_timeout(1ms);
                        if (r) {
                            m = *r;
                            break;
                        }
                        if (r.error() == courier::recv_timeout_error::disconnected) {
                            disconnected = true;
                            break;
                        }
                    }
                    break;
                }
                default: {
                    for (;;) {
                        auto r = c.rx.recv_deadline(steady::now() + 2ms);
                        if (r) {
                            m = *r;
                            break;
                        }
                        if (r.error() == courier::recv_timeout_error::disconnected) {
                            disconnected = true;
                            break;
                        }
                    }
                    break;
                }
            }
            if (disconnected) {
                break;
            }
            check.record(m->producer, m->seq);
        }
        check.expect_complete();
    }
}

TYPED_TEST_P(channel_suite, stress_disconnect) {
    // The receiver goes while producers send: every attempt is received, handed back, or
    // destroyed by the channel, exactly once; nothing leaks; blocked producers wake.
    using F = TypeParam;
    const std::size_t rounds = scaled(200);
    const std::int64_t cap = static_cast<std::int64_t>(scaled(500));
    watchdog wd(120s, "stress_disconnect (a producer blocked after the receiver went)");
    for (std::size_t round = 0; round < rounds; ++round) {
        tracked::reset();
        std::atomic<std::int64_t> attempts{0};
        std::atomic<std::int64_t> returned{0};
        std::atomic<std::int64_t> sent{0};
        std::int64_t received = 0;
        {
            chan<F, tracked> c;
            std::vector<std::jthread> threads;
            for (int p = 0; p < 2; ++p) {
                threads.emplace_back([tx = c.tx, cap, &attempts, &returned, &sent] {
                    for (std::int64_t i = 0; i < cap; ++i) {
                        ++attempts;
                        auto r = tx.send(tracked(i));
                        if (!r) {
                            r.error().value.consume();
                            ++returned;
                            return;
                        }
                        ++sent;
                    }
                });
            }
            c.tx.reset();
            const std::size_t take = round % 20;
            for (std::size_t i = 0; i < take; ++i) {
                auto r = c.rx.recv();
                if (!r) {
                    break;
                }
                r->consume();
                ++received;
            }
            c.rx.reset();
        }
        ASSERT_EQ(tracked::live(), 0) << "round " << round << ": objects leaked";
        ASSERT_EQ(received + tracked::dropped(), sent.load()) << "round " << round;
        ASSERT_EQ(sent.load() + returned.load(), attempts.load()) << "round " << round;
        ASSERT_EQ(tracked::copies(), 0);
    }
}

TYPED_TEST_P(channel_suite, stress_close) {
    // The receiver closes while producers send: every accepted message is still received,
    // refused ones come back; nothing is dropped or leaked.
    using F = TypeParam;
    const std::size_t rounds = scaled(200);
    const std::int64_t cap = static_cast<std::int64_t>(scaled(500));
    watchdog wd(120s, "stress_close (a producer blocked after close)");
    for (std::size_t round = 0; round < rounds; ++round) {
        tracked::reset();
        std::atomic<std::int64_t> attempts{0};
        std::atomic<std::int64_t> returned{0};
        std::atomic<std::int64_t> sent{0};
        std::int64_t received = 0;
        {
            chan<F, tracked> c;
            {
                std::vector<std::jthread> threads;
                for (int p = 0; p < 2; ++p) {
                    threads.emplace_back([tx = c.tx, cap, &attempts, &returned, &sent] {
                        for (std::int64_t i = 0; i < cap; ++i) {
                            ++attempts;
                            auto r = tx.send(tracked(i));
                            if (!r) {
                                r.error().value.consume();
                                ++returned;
                                return;
                            }
                            ++sent;
                        }
                    });
                }
                c.tx.reset();
                const std::size_t take = round % 20;
                for (std::size_t i = 0; i < take; ++i) {
                    auto r = c.rx.recv();
                    if (!r) {
                        break;
                    }
                    r->consume();
                    ++received;
                }
                c.rx.close();
                for (;;) {
                    auto r = c.rx.recv();
                    if (!r) {
                        break;
                    }
                    r->consume();
                    ++received;
                }
            }
            EXPECT_EQ(c.rx.try_recv().error(), courier::try_recv_error::disconnected);
        }
        ASSERT_EQ(tracked::live(), 0) << "round " << round << ": objects leaked";
        ASSERT_EQ(tracked::dropped(), 0)
            << "round " << round << ": an accepted message was dropped";
        ASSERT_EQ(received, sent.load()) << "round " << round;
        ASSERT_EQ(sent.load() + returned.load(), attempts.load()) << "round " << round;
    }
}

// ---------------------------------------------------------------------------------------------
// Batches (docs/api.md "Batches")

/// An output iterator that appends to a vector and throws on its `fail_at`-th write (1-based).
template <class T>
struct throwing_sink {
    using difference_type = std::ptrdiff_t;
    std::vector<T>* out = nullptr;
    int* countdown = nullptr;

    const throwing_sink& operator*() const { return *this; }
    throwing_sink& operator++() { return *this; }
    throwing_sink operator++(int) { return *this; }
    const throwing_sink& operator=(T&& v) const {
        if (--*countdown == 0) {
            throw std::runtime_error("throwing_sink: full");
        }
        out->push_back(std::move(v));
        return *this;
    }
};

TYPED_TEST_P(channel_suite, batch_receives) {
    using F = TypeParam;
    watchdog wd(30s, "batch_receives");
    {
        courier::receiver<int> empty;
        std::vector<int> v;
        EXPECT_EQ(empty.try_recv_many(std::back_inserter(v), 4), 0u);
        EXPECT_FALSE(empty.recv_many(std::back_inserter(v), 4).has_value());
    }
    chan<F, int> c;
    std::vector<int> v;
    EXPECT_EQ(c.rx.try_recv_many(std::back_inserter(v), 8), 0u) << "an empty channel";
    const std::size_t n = F::buffered ? std::min<std::size_t>(F::buffer, 100) : 1;
    std::jthread rendezvous_sender;
    if constexpr (F::buffered) {
        for (std::size_t i = 0; i < n; ++i) {
            ASSERT_TRUE(c.tx.send(static_cast<int>(i)).has_value());
        }
    } else {
        rendezvous_sender = std::jthread([tx = c.tx] { EXPECT_TRUE(tx.send(0).has_value()); });
        std::this_thread::sleep_for(settle);
    }
    // max == 0 takes nothing, at once.
    EXPECT_EQ(c.rx.try_recv_many(std::back_inserter(v), 0), 0u);
    auto none = c.rx.recv_many(std::back_inserter(v), 0);
    ASSERT_TRUE(none.has_value());
    EXPECT_EQ(*none, 0u);
    EXPECT_TRUE(v.empty());
    // A run into a vector, then the rest through a plain pointer, in order.
    const std::size_t first = std::min<std::size_t>(n, 3);
    EXPECT_EQ(c.rx.try_recv_many(std::back_inserter(v), 3), first);
    std::vector<int> rest(200, -1);
    if (n > first) {
        auto r = c.rx.recv_many(rest.data(), rest.size());
        ASSERT_TRUE(r.has_value());
        EXPECT_EQ(*r, n - first);
        v.insert(v.end(), rest.begin(), rest.begin() + static_cast<std::ptrdiff_t>(*r));
    }
    EXPECT_EQ(v, iota_vector(static_cast<int>(n)));
    if (rendezvous_sender.joinable()) {
        rendezvous_sender.join();
    }
    EXPECT_EQ(c.rx.try_recv_many(std::back_inserter(v), 8), 0u) << "taken twice";
    // After disconnection: what is buffered, then recv_error.
    if constexpr (F::buffered) {
        ASSERT_TRUE(c.tx.send(7).has_value());
    }
    c.tx.reset();
    std::deque<int> d;
    if constexpr (F::buffered) {
        auto r = c.rx.recv_many(std::back_inserter(d), 8);
        ASSERT_TRUE(r.has_value());
        EXPECT_EQ(*r, 1u);
        EXPECT_EQ(d, std::deque<int>{7});
    }
    EXPECT_FALSE(c.rx.recv_many(std::back_inserter(d), 8).has_value());
    EXPECT_EQ(c.rx.try_recv_many(std::back_inserter(d), 8), 0u);
}

TYPED_TEST_P(channel_suite, recv_many_blocks_and_wakes) {
    using F = TypeParam;
    watchdog wd(30s, "recv_many_blocks_and_wakes");
    chan<F, int> c;
    std::vector<int> v;
    auto [cpu, wall] = measure_blocked(
        [&] {
            auto r = c.rx.recv_many(std::back_inserter(v), 16);
            EXPECT_TRUE(r.has_value());
            EXPECT_EQ(r.value_or(0), 1u);
        },
        [&c] { EXPECT_TRUE(c.tx.send(5).has_value()); }, 300ms);
    EXPECT_GE(wall, 250ms) << "recv_many returned without a message";
    EXPECT_LT(cpu, wall / 10) << "recv_many used CPU while it waited";
    EXPECT_EQ(v, std::vector<int>{5});
    // A disconnection wakes it too.
    std::jthread dropper([&c] {
        std::this_thread::sleep_for(settle);
        c.tx.reset();
    });
    EXPECT_FALSE(c.rx.recv_many(std::back_inserter(v), 16).has_value());
}

TYPED_TEST_P(channel_suite, batch_exactly_once_fifo) {
    using F = TypeParam;
    constexpr std::size_t producers = 4;
    const std::size_t per = scaled(5000);
    watchdog wd(120s, "batch_exactly_once_fifo with 4 producers");
    chan<F, stamped> c;
    std::vector<std::jthread> threads;
    for (std::size_t p = 0; p < producers; ++p) {
        threads.emplace_back([tx = c.tx, p, per] {
            for (std::size_t s = 0; s < per; ++s) {
                if (!tx.send(
                        stamped{static_cast<std::uint32_t>(p), static_cast<std::uint32_t>(s), 0})) {
                    ADD_FAILURE() << "send failed with a live receiver";
                    return;
                }
            }
        });
    }
    c.tx.reset();
    fifo_checker check(producers, per);
    constexpr std::array<std::size_t, 8> sizes = {1, 2, 3, 7, 31, 32, 64, 100};
    std::array<stamped, 100> buf{};
    std::vector<stamped> vec;
    for (std::size_t round = 0;; ++round) {
        const std::size_t max = sizes[round % sizes.size()];
        std::size_t got = 0;
        if (round % 3 == 2) {
            vec.clear();
            got = c.rx.try_recv_many(std::back_inserter(vec), max);
            for (const stamped& m : vec) {
                check.record(m.producer, m.seq);
            }
            if (got == 0 && c.rx.is_disconnected() && c.rx.empty()) {
                break;
            }
        } else {
            auto r = c.rx.recv_many(buf.begin(), max);
            if (!r) {
                break;
            }
            got = *r;
            EXPECT_GE(got, 1u);
            for (std::size_t i = 0; i < got; ++i) {
                check.record(buf[i].producer, buf[i].seq);
            }
        }
        EXPECT_LE(got, max) << "more than max";
    }
    check.expect_complete();
}

TYPED_TEST_P(channel_suite, batch_lifetimes) {
    using F = TypeParam;
    if constexpr (!F::buffered) {
        GTEST_SKIP() << "a rendezvous channel buffers nothing to take in a batch";
    } else {
        watchdog wd(30s, "batch_lifetimes");
        const int n = static_cast<int>(std::min<std::size_t>(F::buffer, 40));
        {
            chan<F, tracked> c;
            for (int i = 0; i < n; ++i) {
                ASSERT_TRUE(c.tx.send(tracked(i)).has_value());
            }
            std::vector<tracked> v;  // runs, with room reserved first
            std::deque<tracked> d;   // one at a time through push_back
            const auto half = static_cast<std::size_t>(n / 2);
            EXPECT_EQ(c.rx.try_recv_many(std::back_inserter(v), half), half);
            auto r = c.rx.recv_many(std::back_inserter(d), 3);
            ASSERT_TRUE(r.has_value());
            EXPECT_EQ(tracked::live(), n) << "a batch copied or leaked a message";
            EXPECT_EQ(tracked::copies(), 0);
            int expect = 0;
            for (tracked& t : v) {
                EXPECT_EQ(t.consume(), expect++);
            }
            for (tracked& t : d) {
                EXPECT_EQ(t.consume(), expect++);
            }
        }  // the receiver goes with the messages still buffered: each destroyed once
        EXPECT_EQ(tracked::live(), 0) << "objects leaked";
        EXPECT_EQ(tracked::dropped(), n - static_cast<long>(n / 2) - std::min<long>(3, n - n / 2));
    }
}

TYPED_TEST_P(channel_suite, batch_throwing_sink) {
    using F = TypeParam;
    if constexpr (!F::buffered) {
        GTEST_SKIP() << "a rendezvous channel buffers nothing to take in a batch";
    } else {
        watchdog wd(30s, "batch_throwing_sink");
        const int n = static_cast<int>(std::min<std::size_t>(F::buffer, 10));
        if (n < 2) {
            GTEST_SKIP() << "needs a buffer of 2 messages";
        }
        {
            chan<F, tracked> c;
            for (int i = 0; i < n; ++i) {
                ASSERT_TRUE(c.tx.send(tracked(i)).has_value());
            }
            std::vector<tracked> out;
            int countdown = 2;  // the second write throws
            EXPECT_THROW(c.rx.try_recv_many(throwing_sink<tracked>{&out, &countdown}, 5),
                         std::runtime_error);
            ASSERT_EQ(out.size(), 1u);
            EXPECT_EQ(out[0].consume(), 0);
            EXPECT_EQ(tracked::dropped(), 1) << "the message the sink refused is destroyed";
            // The others are still there, in order.
            std::vector<tracked> rest;
            auto r = c.rx.recv_many(std::back_inserter(rest), 100);
            ASSERT_TRUE(r.has_value());
            ASSERT_EQ(*r, static_cast<std::size_t>(n - 2));
            for (int i = 0; i < n - 2; ++i) {
                EXPECT_EQ(rest[static_cast<std::size_t>(i)].consume(), i + 2);
            }
        }
        EXPECT_EQ(tracked::live(), 0) << "objects leaked";
        EXPECT_EQ(tracked::dropped(), 1);
    }
}

TYPED_TEST_P(channel_suite, batch_throwing_move) {
    using F = TypeParam;
    if constexpr (!F::buffered) {
        GTEST_SKIP() << "a rendezvous channel buffers nothing to take in a batch";
    } else {
        watchdog wd(30s, "batch_throwing_move");
        const int n = static_cast<int>(std::min<std::size_t>(F::buffer, 6));
        {
            chan<F, throwing_move> c;
            for (int i = 0; i < n; ++i) {
                ASSERT_TRUE(c.tx.send(throwing_move(i)).has_value());
            }
            std::deque<throwing_move> out;
            throwing_move::arm(n >= 2 ? 2 : 1);  // the move of the second message throws
            EXPECT_THROW(c.rx.try_recv_many(std::back_inserter(out), 100), move_error);
            throwing_move::disarm();
            ASSERT_EQ(out.size(), n >= 2 ? 1u : 0u);
            // The message whose move threw is still the oldest.
            auto r = c.rx.recv_many(std::back_inserter(out), 100);
            ASSERT_TRUE(r.has_value());
            ASSERT_EQ(out.size(), static_cast<std::size_t>(n));
            for (int i = 0; i < n; ++i) {
                EXPECT_EQ(out[static_cast<std::size_t>(i)].consume(), i);
            }
        }
        EXPECT_EQ(throwing_move::live(), 0) << "objects leaked";
        EXPECT_EQ(throwing_move::dropped(), 0) << "a message was lost";
    }
}

TYPED_TEST_P(channel_suite, batch_wakes_blocked_senders) {
    using F = TypeParam;
    if constexpr (!F::bounded || !F::buffered) {
        GTEST_SKIP() << "only senders of a buffered bounded channel wait for room";
    } else {
        watchdog wd(60s, "senders blocked on a full channel after recv_many freed room");
        chan<F, int> c;
        fill<F>(c.tx);
        const std::size_t k = std::min<std::size_t>(F::buffer, 8);
        std::atomic<std::size_t> sent{0};
        std::vector<std::jthread> senders;
        for (std::size_t i = 0; i < k; ++i) {
            senders.emplace_back([tx = c.tx, &sent, i] {
                EXPECT_TRUE(tx.send(1000 + static_cast<int>(i)).has_value());
                ++sent;
            });
        }
        std::this_thread::sleep_for(settle);
        EXPECT_EQ(sent.load(), 0u) << "a send did not wait for room";
        std::vector<int> v;
        EXPECT_EQ(c.rx.try_recv_many(std::back_inserter(v), k), k);
        for (auto& t : senders) {
            t.join();  // each woke: the watchdog ends a lost wake-up
        }
        EXPECT_EQ(sent.load(), k);
        EXPECT_EQ(c.rx.size(), F::buffer);
    }
}

REGISTER_TYPED_TEST_SUITE_P(
    channel_suite, smoke, try_recv, try_send, recv_timeout, recv_deadline_clocks, send_timeout,
    send_deadline_clocks, huge_timeouts, floating_point_timeouts, zero_and_negative_timeouts,
    disconnect_wakes_receiver, disconnect_drains_buffer, receiver_drop_fails_send,
    receiver_drop_wakes_sender, close_wakes_sender, close_keeps_buffer, moved_from_handles,
    snapshots, counts_and_identity, weak_senders, weak_upgrade_races_last_drop,
    stop_wakes_blocked_recv, stop_requested_before_the_call_tries_once, stop_wakes_blocked_send,
    stop_never_loses_a_message, batch_receives, recv_many_blocks_and_wakes, batch_exactly_once_fifo,
    batch_lifetimes, batch_throwing_sink, batch_throwing_move, batch_wakes_blocked_senders,
    range_for, views_take, try_iter, move_only_payload, no_default_constructor, exactly_once_fifo,
    linearizable, linearizable_try_recv, linearizable_handoff, send_happens_before_recv, drops,
    drops_after_senders_gone, no_leak_partial_consume, error_values_are_the_sent_ones,
    throwing_move_send, throwing_move_recv, throwing_move_concurrent, blocked_recv_uses_no_cpu,
    blocked_send_uses_no_cpu, no_lost_wakeups, no_lost_wakeups_timeout, many_blocked_senders,
    concurrent_send_same_object, stress, stress_disconnect, stress_close);

}  // namespace courier_test
