// Timer receivers (docs/api.md section 5): after(d) delivers once and then stays empty without ever
// disconnecting, tick(d) delivers every period, never<T>() is never ready; all three are ordinary
// mpmc::receivers (copies share the timer) and work in select.
#include <courier/courier.hpp>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <memory>
#include <stop_token>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

#include "support/async.hpp"
#include "support/stress.hpp"
#include "support/watchdog.hpp"

namespace {

using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;
using courier_test::start_async;
using courier_test::watchdog;

/// How late a timer may fire and still count as on time. Generous: the machine that runs the
/// tests may be loaded, and a sanitizer slows every step.
constexpr auto late = courier_test::sanitized ? 500ms : 200ms;

using time_rx = courier::mpmc::receiver<steady::time_point>;
static_assert(std::is_same_v<decltype(courier::after(1ms)), time_rx>);
static_assert(std::is_same_v<decltype(courier::tick(1ms)), time_rx>);
static_assert(
    std::is_same_v<decltype(courier::never<std::string>()), courier::mpmc::receiver<std::string>>);

// ---- after -----------------------------------------------------------------------------------

TEST(after, delivers_once_no_earlier_than_the_duration) {
    watchdog wd(30s, "recv on after(50ms)");
    const auto t0 = steady::now();
    const time_rx rx = courier::after(50ms);
    EXPECT_FALSE(rx.is_disconnected());
    EXPECT_EQ(rx.try_recv().error(), courier::try_recv_error::empty) << "delivered too early";

    auto m = rx.recv();
    const auto t1 = steady::now();
    ASSERT_TRUE(m.has_value());
    EXPECT_GE(t1 - t0, 50ms) << "recv returned before the duration";
    EXPECT_GE(*m - t0, 50ms) << "the delivered time is earlier than the duration";
    EXPECT_LE(*m, t1) << "the delivered time is in the future";
    EXPECT_LT(t1 - t0, 50ms + late) << "after(50ms) fired late";

    // Then it stays empty and never disconnects.
    EXPECT_EQ(rx.try_recv().error(), courier::try_recv_error::empty);
    const auto t2 = steady::now();
    auto again = rx.recv_timeout(60ms);
    EXPECT_GE(steady::now() - t2, 60ms);
    ASSERT_FALSE(again.has_value()) << "after() delivered twice";
    EXPECT_EQ(again.error(), courier::recv_timeout_error::timeout);
    EXPECT_FALSE(rx.is_disconnected());
    EXPECT_EQ(rx.try_recv().error(), courier::try_recv_error::empty);
}

TEST(after, waits_for_its_time_under_recv_timeout) {
    watchdog wd(30s, "recv_timeout on after(300ms)");
    const time_rx rx = courier::after(300ms);
    const auto t0 = steady::now();
    auto r = rx.recv_timeout(30ms);
    EXPECT_GE(steady::now() - t0, 30ms);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error(), courier::recv_timeout_error::timeout);
    // The early timeout did not consume the delivery.
    auto m = rx.recv_timeout(10s);
    ASSERT_TRUE(m.has_value());
    EXPECT_GE(steady::now() - t0, 270ms);
}

TEST(after, zero_and_negative_durations_are_due_at_once) {
    watchdog wd(30s, "recv on after(0)");
    const auto t0 = steady::now();
    const time_rx zero = courier::after(0ms);
    const time_rx negative = courier::after(-1s);
    auto a = zero.recv_timeout(10s);
    auto b = negative.recv_timeout(10s);
    ASSERT_TRUE(a.has_value());
    ASSERT_TRUE(b.has_value());
    EXPECT_LT(steady::now() - t0, late);
    EXPECT_EQ(zero.try_recv().error(), courier::try_recv_error::empty);
    EXPECT_EQ(negative.try_recv().error(), courier::try_recv_error::empty);
}

TEST(after, copies_share_the_single_delivery) {
    watchdog wd(30s, "recv on copies of after(20ms)");
    const time_rx rx = courier::after(20ms);
    std::atomic<int> delivered{0};
    {
        std::vector<std::jthread> threads;
        for (int i = 0; i < 4; ++i) {
            threads.emplace_back([copy = rx, &delivered] {
                if (copy.recv_timeout(300ms)) {
                    ++delivered;
                }
            });
        }
    }
    EXPECT_EQ(delivered.load(), 1)
        << "one after() delivery reached " << delivered.load() << " receivers";
}

TEST(after, huge_durations_never_fire) {
    watchdog wd(30s, "recv_timeout on after(duration::max())");
    const std::vector<time_rx> timers = {
        courier::after(std::chrono::nanoseconds::max()),
        courier::after(std::chrono::hours::max()),
        courier::after(std::chrono::seconds::max()),
        courier::after(std::chrono::duration<double>::max()),
        courier::after(steady::duration::max()),
    };
    for (std::size_t i = 0; i < timers.size(); ++i) {
        EXPECT_EQ(timers[i].try_recv().error(), courier::try_recv_error::empty) << "timer " << i;
        EXPECT_FALSE(timers[i].is_disconnected()) << "timer " << i;
    }
    const auto t0 = steady::now();
    auto r = timers[0].recv_timeout(30ms);
    EXPECT_GE(steady::now() - t0, 30ms);
    ASSERT_FALSE(r.has_value()) << "after(nanoseconds::max()) fired";
    EXPECT_EQ(r.error(), courier::recv_timeout_error::timeout);
    std::size_t fired = 0;
    for (const auto& t : timers) {
        fired += t.recv_timeout(1ms).has_value() ? 1 : 0;
    }
    EXPECT_EQ(fired, 0u);
}

// ---- tick ------------------------------------------------------------------------------------

TEST(tick, delivers_every_period) {
    watchdog wd(30s, "recv on tick(20ms)");
    constexpr auto period = 20ms;
    const auto t0 = steady::now();
    const time_rx rx = courier::tick(period);
    EXPECT_EQ(rx.try_recv().error(), courier::try_recv_error::empty);
    steady::time_point previous = t0;
    for (int k = 1; k <= 5; ++k) {
        auto m = rx.recv();
        const auto now = steady::now();
        ASSERT_TRUE(m.has_value());
        EXPECT_GE(now - t0, k * period) << "tick " << k << " arrived early";
        EXPECT_GE(*m - t0, k * period) << "tick " << k << " carries an early time";
        EXPECT_GT(*m, previous) << "tick " << k << " does not advance";
        EXPECT_LE(*m, now);
        previous = *m;
    }
    EXPECT_LT(steady::now() - t0, 5 * period + late) << "five ticks took too long";
    EXPECT_FALSE(rx.is_disconnected());
}

TEST(tick, keeps_its_schedule_after_a_stall) {
    watchdog wd(30s, "recv on tick(20ms) after a stall");
    constexpr auto period = 20ms;
    const auto t0 = steady::now();
    const time_rx rx = courier::tick(period);
    std::this_thread::sleep_for(5 * period + period / 2);
    // The receiver fell behind: missed periods are not delivered as a burst.
    int burst = 0;
    while (rx.try_recv()) {
        ++burst;
    }
    EXPECT_GE(burst, 1) << "a due tick was not delivered";
    EXPECT_LE(burst, 2) << "missed ticks were delivered as a burst";
    auto next = rx.recv();
    ASSERT_TRUE(next.has_value());
    EXPECT_GE(*next - t0, 6 * period) << "a tick arrived before its period";
}

TEST(tick, copies_share_the_timer) {
    watchdog wd(30s, "recv on copies of tick(30ms)");
    constexpr auto period = 30ms;
    const auto t0 = steady::now();
    const time_rx a = courier::tick(period);
    const time_rx b = a;
    auto first = a.recv();
    auto second = b.recv();
    ASSERT_TRUE(first.has_value());
    ASSERT_TRUE(second.has_value());
    EXPECT_GE(*first - t0, period);
    // A copy is the same timer, not a new one: its first delivery is the second period.
    EXPECT_GE(*second - t0, 2 * period) << "a copy of tick() delivered the same period again";
    EXPECT_GT(*second, *first);

    // Several threads on copies: each delivery reaches one receiver, at most one per period.
    std::atomic<int> deliveries{0};
    const auto window = 200ms;
    {
        std::vector<std::jthread> threads;
        for (int i = 0; i < 3; ++i) {
            threads.emplace_back([copy = a, &deliveries, window] {
                const auto end = steady::now() + window;
                while (copy.recv_deadline(end)) {
                    ++deliveries;
                }
            });
        }
    }
    EXPECT_GE(deliveries.load(), 1);
    EXPECT_LE(deliveries.load(), static_cast<int>(window / period) + 1)
        << "copies of tick() delivered more often than once per period";
}

TEST(tick, non_positive_period_does_not_hang) {
    watchdog wd(30s, "recv on tick(0)");
    const time_rx rx = courier::tick(0ms);
    for (int i = 0; i < 3; ++i) {
        EXPECT_TRUE(rx.recv_timeout(5s).has_value());
    }
}

// ---- never -----------------------------------------------------------------------------------

TEST(never, is_never_ready) {
    watchdog wd(30s, "recv_timeout on never()");
    const auto rx = courier::never<int>();
    EXPECT_EQ(rx.try_recv().error(), courier::try_recv_error::empty);
    EXPECT_FALSE(rx.is_disconnected());
    const auto t0 = steady::now();
    auto r = rx.recv_timeout(50ms);
    const auto elapsed = steady::now() - t0;
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error(), courier::recv_timeout_error::timeout);
    EXPECT_GE(elapsed, 50ms);
    EXPECT_LT(elapsed, 50ms + late);
    auto d = rx.recv_deadline(std::chrono::system_clock::now() + 20ms);
    ASSERT_FALSE(d.has_value());
    EXPECT_EQ(d.error(), courier::recv_timeout_error::timeout);
    EXPECT_FALSE(rx.is_disconnected());
}

TEST(timers, a_stop_request_wakes_a_blocked_receive) {
    watchdog wd(30s, "a timer receive woken by a stop request");
    const auto never = courier::never<int>();
    const auto later = courier::after(1h);
    const auto ticks = courier::tick(1h);
    std::stop_source source;
    auto a = start_async([&] { return never.recv(source.get_token()); });
    auto b = start_async([&] { return later.recv_timeout(2h, source.get_token()); });
    auto c = start_async([&] {
        return ticks.recv_deadline(std::chrono::system_clock::now() + 2h, source.get_token());
    });
    std::this_thread::sleep_for(50ms);
    EXPECT_FALSE(a->done() || b->done() || c->done()) << "a timer receive returned early";
    const auto requested = steady::now();
    source.request_stop();
    EXPECT_EQ(a->get().error(), courier::recv_timeout_error::stopped);
    EXPECT_EQ(b->get().error(), courier::recv_timeout_error::stopped);
    EXPECT_EQ(c->get().error(), courier::recv_timeout_error::stopped);
    EXPECT_LT(steady::now() - requested, late);
    // A due delivery still arrives through a stopped call's one try.
    const auto due = courier::after(0ms);
    EXPECT_TRUE(due.recv(source.get_token()).has_value());
}

TEST(never, works_for_types_without_a_time_point_constructor) {
    struct no_default {
        explicit no_default(int) {}
    };
    const auto a = courier::never<std::unique_ptr<int>>();
    const auto b = courier::never<no_default>();
    const auto c = courier::never<std::string>();
    EXPECT_EQ(a.try_recv().error(), courier::try_recv_error::empty);
    EXPECT_EQ(b.try_recv().error(), courier::try_recv_error::empty);
    EXPECT_EQ(c.recv_timeout(5ms).error(), courier::recv_timeout_error::timeout);
    const auto copy = a;
    EXPECT_EQ(copy.try_recv().error(), courier::try_recv_error::empty);
}

// ---- timers in select ------------------------------------------------------------------------

TEST(timers_in_select, after_fires_its_arm) {
    watchdog wd(30s, "select on after(50ms)");
    auto [tx, rx] = courier::mpmc::channel<int>();
    const auto t0 = steady::now();
    const time_rx timer = courier::after(50ms);
    bool channel_fired = false;
    steady::time_point delivered{};
    const std::size_t fired = courier::select(
        courier::on_recv(
            rx, [&](courier::expected<int, courier::recv_error>) { channel_fired = true; }),
        courier::on_recv(timer, [&](courier::expected<steady::time_point, courier::recv_error> m) {
            ASSERT_TRUE(m.has_value());
            delivered = *m;
        }));
    const auto elapsed = steady::now() - t0;
    EXPECT_EQ(fired, 1u);
    EXPECT_FALSE(channel_fired);
    EXPECT_GE(elapsed, 50ms);
    EXPECT_GE(delivered - t0, 50ms);
    EXPECT_LT(elapsed, 50ms + late);
    tx.reset();
}

TEST(timers_in_select, the_earlier_timer_wins) {
    watchdog wd(30s, "select on two after() timers");
    const time_rx slow = courier::after(400ms);
    const time_rx fast = courier::after(30ms);
    const auto t0 = steady::now();
    const std::size_t fired =
        courier::select(courier::on_recv(slow, [](auto) {}), courier::on_recv(fast, [](auto) {}));
    EXPECT_EQ(fired, 1u);
    EXPECT_LT(steady::now() - t0, 30ms + late);
}

TEST(timers_in_select, tick_loop_with_an_after_deadline) {
    watchdog wd(30s, "select loop over tick() and after()");
    constexpr auto period = 20ms;
    const auto t0 = steady::now();
    const time_rx ticker = courier::tick(period);
    const time_rx stop = courier::after(5 * period + period / 2);
    int ticks = 0;
    bool done = false;
    while (!done) {
        courier::select(courier::on_recv(ticker,
                                         [&](auto m) {
                                             ASSERT_TRUE(m.has_value());
                                             ++ticks;
                                             EXPECT_GE(*m - t0, ticks * period);
                                         }),
                        courier::on_recv(stop, [&](auto) { done = true; }));
    }
    EXPECT_GE(ticks, 1);
    EXPECT_LE(ticks, 5) << "more ticks than periods";
}

TEST(timers_in_select, never_leaves_the_timeout_arm) {
    watchdog wd(30s, "select on never()");
    const auto n = courier::never<int>();
    const auto t0 = steady::now();
    bool timed_out = false;
    const std::size_t fired = courier::select(courier::on_recv(n, [](auto) {}),
                                              courier::on_timeout(40ms, [&] { timed_out = true; }));
    EXPECT_EQ(fired, 1u);
    EXPECT_TRUE(timed_out);
    EXPECT_GE(steady::now() - t0, 40ms);
    // A never() arm is also not ready for a non-blocking select.
    bool defaulted = false;
    EXPECT_EQ(courier::select(courier::on_recv(n, [](auto) {}),
                              courier::on_default([&] { defaulted = true; })),
              1u);
    EXPECT_TRUE(defaulted);
}

TEST(timers_in_select, a_shorter_timeout_wins_over_a_later_timer) {
    watchdog wd(30s, "select on after(300ms) with on_timeout(20ms)");
    const time_rx timer = courier::after(300ms);
    const auto t0 = steady::now();
    EXPECT_EQ(courier::select(courier::on_recv(timer, [](auto) { FAIL(); }),
                              courier::on_timeout(20ms, [] {})),
              1u);
    const auto elapsed = steady::now() - t0;
    EXPECT_GE(elapsed, 20ms);
    EXPECT_LT(elapsed, 20ms + late);
    // The timer keeps its own time and fires once.
    auto m = timer.recv_timeout(10s);
    ASSERT_TRUE(m.has_value());
    EXPECT_GE(*m - t0, 270ms);
}

TEST(timers_in_select, ready_waits_for_a_timer_without_consuming_it) {
    watchdog wd(30s, "selector ready() on after(40ms)");
    const auto t0 = steady::now();
    const time_rx timer = courier::after(40ms);
    courier::selector sel;
    const std::size_t i = sel.recv(timer);
    EXPECT_FALSE(sel.try_select().has_value()) << "the timer is not due yet";
    EXPECT_EQ(sel.ready(), i);
    EXPECT_GE(steady::now() - t0, 40ms) << "ready() returned before the timer was due";
    EXPECT_LT(steady::now() - t0, 40ms + late);
    auto m = timer.try_recv();
    ASSERT_TRUE(m.has_value()) << "ready() consumed the timer's delivery";
    EXPECT_GE(*m - t0, 40ms);
}

TEST(timers_in_select, with_a_selector) {
    watchdog wd(30s, "selector over after() and never()");
    const auto n = courier::never<steady::time_point>();
    const time_rx timer = courier::after(30ms);
    courier::selector sel;
    const std::size_t i_never = sel.recv(n);
    const std::size_t i_timer = sel.recv(timer);
    EXPECT_FALSE(sel.try_select().has_value());
    const auto t0 = steady::now();
    auto op = sel.select();
    EXPECT_EQ(op.index(), i_timer);
    EXPECT_NE(op.index(), i_never);
    auto m = op.recv(timer);
    ASSERT_TRUE(m.has_value());
    EXPECT_LT(steady::now() - t0, 30ms + late);
    // Afterwards nothing is ready: after() delivered its one message.
    EXPECT_FALSE(sel.ready_timeout(20ms).has_value());
}

}  // namespace
