// select and selector (docs/api.md section 4).
//
// The first part follows the select programs of Go's test/chan directory: fairness, non-blocking
// selects, timeouts and deadlines, disconnected arms, a FIFO through a chain of threads, the prime
// sieve, "doubleselect", zero-size messages, and mixed element types and handle kinds. The second
// part follows crossbeam-channel's select tests: both sides of one rendezvous channel selecting at
// once, many threads selecting over many channels, timeouts, the dynamic selector (completion,
// ready(), wrong handles), and that timed-out selects leak nothing.
#include <courier/courier.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <memory>
#include <new>
#include <optional>
#include <stdexcept>
#include <stop_token>
#include <string>
#include <thread>
#include <utility>
#include <variant>
#include <vector>

#include "support/async.hpp"
#include "support/stress.hpp"
#include "support/tracked.hpp"
#include "support/watchdog.hpp"

// ---------------------------------------------------------------------------------------------
// Allocation counting, for checking that timed-out selects give back all of their memory.
// Sanitizers bring their own allocator, so the counting is off under them.

#if !COURIER_TEST_SANITIZED
namespace {
std::atomic<long> live_allocations{0};

void* counted_alloc(std::size_t size, std::size_t align) {
    void* p = nullptr;
    if (align <= alignof(std::max_align_t)) {
        p = std::malloc(size == 0 ? 1 : size);
    } else if (posix_memalign(&p, align, size == 0 ? 1 : size) != 0) {
        p = nullptr;
    }
    if (p == nullptr) {
        throw std::bad_alloc();
    }
    live_allocations.fetch_add(1, std::memory_order_relaxed);
    return p;
}

void counted_free(void* p) noexcept {
    if (p != nullptr) {
        live_allocations.fetch_sub(1, std::memory_order_relaxed);
        std::free(p);
    }
}
}  // namespace

void* operator new(std::size_t size) {
    return counted_alloc(size, 0);
}
void* operator new[](std::size_t size) {
    return counted_alloc(size, 0);
}
void* operator new(std::size_t size, std::align_val_t align) {
    return counted_alloc(size, static_cast<std::size_t>(align));
}
void* operator new[](std::size_t size, std::align_val_t align) {
    return counted_alloc(size, static_cast<std::size_t>(align));
}
void operator delete(void* p) noexcept {
    counted_free(p);
}
void operator delete[](void* p) noexcept {
    counted_free(p);
}
void operator delete(void* p, std::size_t) noexcept {
    counted_free(p);
}
void operator delete[](void* p, std::size_t) noexcept {
    counted_free(p);
}
void operator delete(void* p, std::align_val_t) noexcept {
    counted_free(p);
}
void operator delete[](void* p, std::align_val_t) noexcept {
    counted_free(p);
}
void operator delete(void* p, std::size_t, std::align_val_t) noexcept {
    counted_free(p);
}
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept {
    counted_free(p);
}
#endif

namespace {

using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;
using courier_test::scaled;
using courier_test::start_async;
using courier_test::tracked;
using courier_test::watchdog;

/// Time given to another thread to reach a blocking call before the test relies on it blocking.
constexpr auto settle = 50ms;

/// How late a timeout may fire and still count as on time. Generous: the machine that runs the
/// tests may be loaded, and a sanitizer slows every step.
constexpr auto late = courier_test::sanitized ? 500ms : 200ms;

using int_tx = courier::mpmc::sender<int>;
using int_rx = courier::mpmc::receiver<int>;
using recv_result = courier::expected<int, courier::recv_error>;
using send_result = courier::expected<void, courier::send_error<int>>;
using try_result = courier::expected<int, courier::try_recv_error>;

/// An MPMC channel of int: std::nullopt capacity is unbounded, 0 is rendezvous.
std::pair<int_tx, int_rx> make_channel(std::optional<std::size_t> capacity) {
    if (capacity) {
        return courier::mpmc::sync_channel<int>(*capacity);
    }
    return courier::mpmc::channel<int>();
}

std::string capacity_name(const ::testing::TestParamInfo<std::optional<std::size_t>>& info) {
    if (!info.param) {
        return "unbounded";
    }
    return *info.param == 0 ? "rendezvous" : "capacity" + std::to_string(*info.param);
}

/// Receives one message through a one-arm select.
template <class Rx>
auto select_recv(const Rx& rx) {
    using result = decltype(rx.recv());
    std::optional<result> got;
    courier::select(courier::on_recv(rx, [&](result m) { got.emplace(std::move(m)); }));
    return std::move(*got);
}

/// Sends one message through a one-arm select; false when the channel is disconnected.
template <class Tx, class V>
bool select_send(const Tx& tx, V&& value) {
    bool ok = false;
    courier::select(
        courier::on_send(tx, std::forward<V>(value), [&](auto r) { ok = r.has_value(); }));
    return ok;
}

// =============================================================================================
// Go: test/chan

// ---- the returned index is the arm's position ------------------------------------------------

TEST(select_index, is_the_arm_position) {
    watchdog wd(30s, "select over three channels and a timeout");
    std::array<std::pair<int_tx, int_rx>, 3> ch = {make_channel(std::nullopt), make_channel(4),
                                                   make_channel(0)};
    for (std::size_t k = 0; k < 3; ++k) {
        std::array<int, 4> runs{};
        if (k == 2) {
            // The rendezvous channel is ready when a sender waits.
            std::jthread sender([&t = ch[2].first] { EXPECT_TRUE(t.send(2).has_value()); });
            const std::size_t fired =
                courier::select(courier::on_recv(ch[0].second, [&](recv_result) { ++runs[0]; }),
                                courier::on_recv(ch[1].second, [&](recv_result) { ++runs[1]; }),
                                courier::on_timeout(30s, [&] { ++runs[2]; }),
                                courier::on_recv(ch[2].second, [&](recv_result m) {
                                    ++runs[3];
                                    ASSERT_TRUE(m.has_value());
                                    EXPECT_EQ(*m, 2);
                                }));
            EXPECT_EQ(fired, 3u) << "the arm after the timeout arm has index 3";
            EXPECT_EQ(runs, (std::array<int, 4>{0, 0, 0, 1}));
            continue;
        }
        ASSERT_TRUE(ch[k].first.send(static_cast<int>(k)).has_value());
        const std::size_t fired =
            courier::select(courier::on_recv(ch[0].second,
                                             [&](recv_result m) {
                                                 ++runs[0];
                                                 EXPECT_EQ(m, recv_result(0));
                                             }),
                            courier::on_recv(ch[1].second,
                                             [&](recv_result m) {
                                                 ++runs[1];
                                                 EXPECT_EQ(m, recv_result(1));
                                             }),
                            courier::on_timeout(30s, [&] { ++runs[2]; }),
                            courier::on_recv(ch[2].second, [&](recv_result) { ++runs[3]; }));
        EXPECT_EQ(fired, k);
        std::array<int, 4> expected{};
        expected[k] = 1;
        EXPECT_EQ(runs, expected) << "a handler other than the fired arm's ran";
    }

    // Nothing ready: the timeout arm fires and its position is returned, wherever it is.
    for (std::size_t position = 0; position < 3; ++position) {
        bool timed_out = false;
        std::size_t fired = 0;
        auto on_time = courier::on_timeout(5ms, [&] { timed_out = true; });
        auto a = courier::on_recv(ch[0].second, [](recv_result) { FAIL(); });
        auto b = courier::on_recv(ch[2].second, [](recv_result) { FAIL(); });
        if (position == 0) {
            fired = courier::select(std::move(on_time), std::move(a), std::move(b));
        } else if (position == 1) {
            fired = courier::select(std::move(a), std::move(on_time), std::move(b));
        } else {
            fired = courier::select(std::move(a), std::move(b), std::move(on_time));
        }
        EXPECT_EQ(fired, position);
        EXPECT_TRUE(timed_out);
    }
}

TEST(select_index, send_arms) {
    watchdog wd(30s, "select over send arms");
    auto full = make_channel(1);
    auto room = make_channel(1);
    auto gone = make_channel(0);
    gone.first.reset();
    ASSERT_TRUE(full.first.send(1).has_value());
    int received_handler_runs = 0;
    const std::size_t fired = courier::select(
        courier::on_send(full.first, 10,
                         [&](send_result) { FAIL() << "sent into a full channel"; }),
        courier::on_recv(gone.second,
                         [&](recv_result) { ++received_handler_runs; }),  // disconnected: ready
        courier::on_send(room.first, 20, [&](send_result r) { EXPECT_TRUE(r.has_value()); }));
    // Arm 1 (a disconnected receiver) and arm 2 (room) are both ready; either may fire.
    ASSERT_TRUE(fired == 1u || fired == 2u) << fired;
    if (fired == 2u) {
        EXPECT_EQ(room.second.try_recv(), try_result(20));
        EXPECT_EQ(received_handler_runs, 0);
    } else {
        EXPECT_EQ(received_handler_runs, 1);
        EXPECT_TRUE(room.second.empty());
    }
    EXPECT_EQ(full.second.size(), 1u);
}

// ---- fairness --------------------------------------------------------------------------------

TEST(select_fairness, two_ready_receive_arms_fire_half_each) {
    watchdog wd(60s, "fairness selects");
    const std::size_t n = scaled(100000);
    auto a = make_channel(std::nullopt);
    auto b = make_channel(std::nullopt);
    for (std::size_t i = 0; i < n; ++i) {
        ASSERT_TRUE(a.first.send(static_cast<int>(i)).has_value());
        ASSERT_TRUE(b.first.send(static_cast<int>(i)).has_value());
    }
    std::array<std::size_t, 2> fired{};
    std::array<int, 2> next{};
    std::size_t out_of_order = 0;
    for (std::size_t i = 0; i < n; ++i) {
        const std::size_t k = courier::select(courier::on_recv(a.second,
                                                               [&](recv_result m) {
                                                                   if (!m || *m != next[0]++) {
                                                                       ++out_of_order;
                                                                   }
                                                               }),
                                              courier::on_recv(b.second, [&](recv_result m) {
                                                  if (!m || *m != next[1]++) {
                                                      ++out_of_order;
                                                  }
                                              }));
        ASSERT_LT(k, 2u);
        ++fired[k];
    }
    const double share0 = 100.0 * static_cast<double>(fired[0]) / static_cast<double>(n);
    const double share1 = 100.0 * static_cast<double>(fired[1]) / static_cast<double>(n);
    std::printf(
        "[ figure   ] select fairness, two ready receive arms, %zu selects: "
        "arm 0 %.2f %%, arm 1 %.2f %%\n",
        n, share0, share1);
    EXPECT_EQ(fired[0] + fired[1], n);
    EXPECT_NEAR(share0, 50.0, 3.0) << "select favours one ready arm";
    EXPECT_EQ(out_of_order, 0u);
}

TEST(select_fairness, two_ready_send_arms_fire_half_each) {
    watchdog wd(60s, "fairness selects");
    const std::size_t n = scaled(100000);
    auto a = make_channel(std::nullopt);
    auto b = make_channel(std::nullopt);
    std::array<std::size_t, 2> fired{};
    for (std::size_t i = 0; i < n; ++i) {
        const std::size_t k = courier::select(
            courier::on_send(a.first, 0, [](send_result r) { EXPECT_TRUE(r.has_value()); }),
            courier::on_send(b.first, 1, [](send_result r) { EXPECT_TRUE(r.has_value()); }));
        ASSERT_LT(k, 2u);
        ++fired[k];
    }
    const double share0 = 100.0 * static_cast<double>(fired[0]) / static_cast<double>(n);
    std::printf(
        "[ figure   ] select fairness, two ready send arms, %zu selects: "
        "arm 0 %.2f %%, arm 1 %.2f %%\n",
        n, share0, 100.0 - share0);
    EXPECT_EQ(a.second.size(), fired[0]) << "a send arm fired without sending, or sent twice";
    EXPECT_EQ(b.second.size(), fired[1]);
    EXPECT_NEAR(share0, 50.0, 3.0) << "select favours one ready arm";
}

// ---- non-blocking selects (on_default) and non-blocking operations ---------------------------

TEST(select_default, fires_when_nothing_is_ready) {
    watchdog wd(30s, "select with on_default");
    auto unbuffered = make_channel(0);
    auto buffered = make_channel(1);
    const auto t0 = steady::now();
    int defaults = 0;
    // Receive from an empty channel, send to a rendezvous channel with no receiver.
    EXPECT_EQ(courier::select(courier::on_recv(unbuffered.second, [](recv_result) { FAIL(); }),
                              courier::on_recv(buffered.second, [](recv_result) { FAIL(); }),
                              courier::on_send(unbuffered.first, 1, [](send_result) { FAIL(); }),
                              courier::on_default([&] { ++defaults; })),
              3u);
    EXPECT_EQ(defaults, 1);
    // The default arm may come first.
    EXPECT_EQ(courier::select(courier::on_default([&] { ++defaults; }),
                              courier::on_recv(buffered.second, [](recv_result) { FAIL(); })),
              0u);
    EXPECT_EQ(defaults, 2);
    EXPECT_LT(steady::now() - t0, late) << "a select with on_default waited";

    // A buffered send with room succeeds instead of the default; a second one finds it full.
    bool sent = false;
    EXPECT_EQ(courier::select(
                  courier::on_send(buffered.first, 5, [&](send_result r) { sent = r.has_value(); }),
                  courier::on_default([&] { ++defaults; })),
              0u);
    EXPECT_TRUE(sent);
    EXPECT_EQ(courier::select(courier::on_send(buffered.first, 6, [](send_result) { FAIL(); }),
                              courier::on_default([&] { ++defaults; })),
              1u);
    EXPECT_EQ(defaults, 3);
    // A ready receive wins over the default.
    std::optional<int> got;
    EXPECT_EQ(courier::select(courier::on_recv(buffered.second,
                                               [&](recv_result m) {
                                                   ASSERT_TRUE(m.has_value());
                                                   got = *m;
                                               }),
                              courier::on_default([&] { ++defaults; })),
              0u);
    EXPECT_EQ(got, 5);
    EXPECT_EQ(defaults, 3);
}

TEST(select_default, unsent_value_is_destroyed_with_the_arm) {
    tracked::reset();
    watchdog wd(30s, "select with on_default");
    {
        auto [tx, rx] = courier::mpmc::sync_channel<tracked>(0);
        EXPECT_EQ(courier::select(courier::on_send(tx, tracked(1), [](auto) { FAIL(); }),
                                  courier::on_default([] {})),
                  1u);
        EXPECT_EQ(tracked::live(), 0) << "the value of an arm that did not fire was kept";
    }
    EXPECT_EQ(tracked::live(), 0);
}

// Go's nonblock.go: non-blocking operations on an unbuffered channel succeed only with a waiting
// partner, and then eventually do.
TEST(select_default, rendezvous_with_a_waiting_partner) {
    watchdog wd(30s, "non-blocking rendezvous");
    auto [tx, rx] = make_channel(0);
    EXPECT_EQ(rx.try_recv().error(), courier::try_recv_error::empty);
    EXPECT_TRUE(tx.try_send(1).error().is_full());

    // A blocked sender: a non-blocking receive (select with default) eventually takes its value.
    {
        std::jthread sender([&t = tx] { EXPECT_TRUE(t.send(42).has_value()); });
        std::optional<int> got;
        int attempts = 0;
        while (!got) {
            ++attempts;
            courier::select(courier::on_recv(rx,
                                             [&](recv_result m) {
                                                 ASSERT_TRUE(m.has_value());
                                                 got = *m;
                                             }),
                            courier::on_default([] { std::this_thread::sleep_for(1ms); }));
        }
        EXPECT_EQ(got, 42);
    }
    // A blocked receiver: a non-blocking send eventually hands its value over.
    {
        auto receiver = start_async([&r = rx] { return r.recv(); });
        bool sent = false;
        while (!sent) {
            courier::select(courier::on_send(tx, 43, [&](send_result r) { sent = r.has_value(); }),
                            courier::on_default([] { std::this_thread::sleep_for(1ms); }));
        }
        EXPECT_EQ(receiver->get(), recv_result(43));
    }
    // try_recv / try_send likewise.
    {
        std::jthread sender([&t = tx] { EXPECT_TRUE(t.send(44).has_value()); });
        for (;;) {
            auto m = rx.try_recv();
            if (m) {
                EXPECT_EQ(*m, 44);
                break;
            }
            ASSERT_EQ(m.error(), courier::try_recv_error::empty);
            std::this_thread::sleep_for(1ms);
        }
    }
}

// ---- timeouts and deadlines ------------------------------------------------------------------

TEST(select_timeout, fires_on_time) {
    watchdog wd(30s, "select with on_timeout");
    auto [tx, rx] = make_channel(0);
    for (auto d : {10ms, 50ms, 100ms}) {
        bool timed_out = false;
        const auto t0 = steady::now();
        const std::size_t fired =
            courier::select(courier::on_recv(rx, [](recv_result) { FAIL(); }),
                            courier::on_send(tx, 1, [](send_result) { FAIL(); }),
                            courier::on_timeout(d, [&] { timed_out = true; }));
        const auto elapsed = steady::now() - t0;
        EXPECT_EQ(fired, 2u);
        EXPECT_TRUE(timed_out);
        EXPECT_GE(elapsed, d) << "on_timeout fired early";
        EXPECT_LT(elapsed, d + late) << "on_timeout(" << d.count() << "ms) fired late";
    }
}

TEST(select_timeout, an_operation_that_becomes_ready_wins) {
    watchdog wd(30s, "select with on_timeout");
    auto [tx, rx] = make_channel(0);
    std::jthread producer([&t = tx] {
        std::this_thread::sleep_for(30ms);
        EXPECT_TRUE(t.send(5).has_value());
    });
    const auto t0 = steady::now();
    std::optional<int> got;
    const std::size_t fired = courier::select(courier::on_recv(rx,
                                                               [&](recv_result m) {
                                                                   ASSERT_TRUE(m.has_value());
                                                                   got = *m;
                                                               }),
                                              courier::on_timeout(30s, [] { FAIL(); }));
    EXPECT_EQ(fired, 0u);
    EXPECT_EQ(got, 5);
    EXPECT_LT(steady::now() - t0, 10s);
}

TEST(select_timeout, zero_huge_and_negative_timeouts) {
    watchdog wd(30s, "select with on_timeout");
    auto [tx, rx] = make_channel(2);
    // Zero and negative: one try. A ready operation still fires.
    for (auto d : {std::chrono::nanoseconds(0), std::chrono::nanoseconds(-1000000)}) {
        const auto t0 = steady::now();
        EXPECT_EQ(courier::select(courier::on_recv(rx, [](recv_result) { FAIL(); }),
                                  courier::on_timeout(d, [] {})),
                  1u);
        EXPECT_LT(steady::now() - t0, late);
        ASSERT_TRUE(tx.send(3).has_value());
        EXPECT_EQ(courier::select(courier::on_recv(rx, [](recv_result m) { EXPECT_EQ(*m, 3); }),
                                  courier::on_timeout(d, [] { FAIL(); })),
                  0u)
            << "a zero timeout does not try the ready operation";
    }
    // duration::max() does not overflow: the select waits for the message.
    std::jthread producer([&t = tx] {
        std::this_thread::sleep_for(20ms);
        EXPECT_TRUE(t.send(4).has_value());
    });
    EXPECT_EQ(courier::select(courier::on_recv(rx, [](recv_result m) { EXPECT_EQ(*m, 4); }),
                              courier::on_timeout(std::chrono::nanoseconds::max(), [] { FAIL(); })),
              0u);
    EXPECT_EQ(courier::select(courier::on_recv(rx, [](recv_result) { FAIL(); }),
                              courier::on_timeout(std::chrono::hours::max(), [] { FAIL(); }),
                              courier::on_recv(courier::after(10ms), [](auto) {})),
              2u);
}

template <class Clock>
void expect_deadline_fires_on_time() {
    auto [tx, rx] = make_channel(0);
    const auto t0 = steady::now();
    const auto tp = Clock::now() + 40ms;
    bool expired = false;
    const std::size_t fired = courier::select(courier::on_recv(rx, [](recv_result) { FAIL(); }),
                                              courier::on_deadline(tp, [&] { expired = true; }));
    EXPECT_GE(Clock::now(), tp) << "on_deadline fired before its time";
    EXPECT_LT(steady::now() - t0, 40ms + late) << "on_deadline fired late";
    EXPECT_EQ(fired, 1u);
    EXPECT_TRUE(expired);

    // A deadline in the past fires at once when nothing is ready.
    const auto t1 = steady::now();
    EXPECT_EQ(courier::select(courier::on_deadline(Clock::now() - 1s, [] {}),
                              courier::on_recv(rx, [](recv_result) { FAIL(); })),
              0u);
    EXPECT_LT(steady::now() - t1, late);

    // An operation that becomes ready first wins.
    std::jthread producer([&t = tx] {
        std::this_thread::sleep_for(20ms);
        EXPECT_TRUE(t.send(8).has_value());
    });
    EXPECT_EQ(courier::select(courier::on_recv(rx, [](recv_result m) { EXPECT_EQ(*m, 8); }),
                              courier::on_deadline(Clock::now() + 30s, [] { FAIL(); })),
              0u);
}

TEST(select_deadline, system_clock) {
    watchdog wd(30s, "select with on_deadline(system_clock)");
    expect_deadline_fires_on_time<std::chrono::system_clock>();
}

TEST(select_deadline, steady_clock) {
    watchdog wd(30s, "select with on_deadline(steady_clock)");
    expect_deadline_fires_on_time<std::chrono::steady_clock>();
}

// ---- disconnection ---------------------------------------------------------------------------

TEST(select_disconnected, a_disconnected_receive_arm_is_ready) {
    watchdog wd(30s, "select over a disconnected channel");
    auto idle = make_channel(0);
    auto gone = make_channel(std::nullopt);
    gone.first.reset();
    bool got_error = false;
    const std::size_t fired =
        courier::select(courier::on_recv(idle.second, [](recv_result) { FAIL(); }),
                        courier::on_recv(gone.second, [&](recv_result m) {
                            ASSERT_FALSE(m.has_value());
                            EXPECT_EQ(m.error(), courier::recv_error{});
                            got_error = true;
                        }));
    EXPECT_EQ(fired, 1u);
    EXPECT_TRUE(got_error);

    // A blocked select wakes when a channel disconnects.
    auto later = make_channel(1);
    auto drop = start_async([t = std::move(later.first)]() mutable {
        std::this_thread::sleep_for(settle);
        t.reset();
        return true;
    });
    bool woke = false;
    EXPECT_EQ(courier::select(
                  courier::on_recv(idle.second, [](recv_result) { FAIL(); }),
                  courier::on_recv(later.second, [&](recv_result m) { woke = !m.has_value(); }),
                  courier::on_send(idle.first, 1, [](send_result) { FAIL(); })),
              1u);
    EXPECT_TRUE(woke);
    EXPECT_TRUE(drop->get());

    // An empty (default-constructed) receiver is a disconnected arm too.
    int_rx empty;
    EXPECT_EQ(courier::select(courier::on_recv(empty, [](recv_result m) { EXPECT_FALSE(m); })), 0u);
}

TEST(select_disconnected, a_failed_send_hands_the_value_back) {
    watchdog wd(30s, "select send to a disconnected channel");
    using box = std::unique_ptr<int>;
    using box_result = courier::expected<void, courier::send_error<box>>;
    auto check = [](const auto& tx, int v) {
        box back;
        const std::size_t fired =
            courier::select(courier::on_send(tx, std::make_unique<int>(v), [&](box_result r) {
                ASSERT_FALSE(r.has_value());
                back = std::move(r.error().value);
            }));
        EXPECT_EQ(fired, 0u);
        ASSERT_NE(back, nullptr) << "the unsent value was not handed back";
        EXPECT_EQ(*back, v);
    };
    {
        auto [tx, rx] = courier::mpmc::sync_channel<box>(0);
        rx.reset();
        check(tx, 1);
    }
    {
        auto [tx, rx] = courier::mpmc::channel<box>();
        rx.close();
        check(tx, 2);
    }
    {
        auto [tx, rx] = courier::channel<box>();
        rx.reset();
        check(tx, 3);
    }
    {
        auto [tx, rx] = courier::sync_channel<box>(2);
        rx.reset();
        check(tx, 4);
    }
    {
        courier::mpmc::sender<box> empty;
        check(empty, 5);
    }
    // A send blocked in select (full channel) gets its value back when the receiver goes.
    {
        auto [tx, rx] = courier::mpmc::sync_channel<box>(1);
        ASSERT_TRUE(tx.send(std::make_unique<int>(0)).has_value());
        auto dropper = start_async([r = std::move(rx)]() mutable {
            std::this_thread::sleep_for(settle);
            r.reset();
            return true;
        });
        check(tx, 6);
        EXPECT_TRUE(dropper->get());
    }
}

// ---- a FIFO through a chain of threads (Go's fifo.go) -----------------------------------------

/// Forwards every message from `in` to `out`, both through select, until either side disconnects.
template <class In, class Out>
void forward_stage(In in, Out out) {
    for (;;) {
        std::optional<int> value;
        courier::select(courier::on_recv(in, [&](recv_result m) {
            if (m) {
                value = *m;
            }
        }));
        if (!value || !select_send(out, *value)) {
            return;
        }
    }
}

TEST(select_chain, fifo) {
    watchdog wd(60s, "a select chain of threads");
    const int n = static_cast<int>(scaled(2000));
    constexpr int stages = 8;
    // First link: an MPSC rendezvous channel; middle: MPMC channels of several capacities; last:
    // an MPSC unbounded channel.
    auto [first_tx, first_rx] = courier::sync_channel<int>(0);
    auto [last_tx, last_rx] = courier::channel<int>();
    std::vector<std::jthread> threads;
    {
        const std::array<std::optional<std::size_t>, 4> capacities = {0, 1, 3, std::nullopt};
        auto mid = make_channel(capacities[0]);
        threads.emplace_back(forward_stage<courier::receiver<int>, int_tx>, std::move(first_rx),
                             std::move(mid.first));
        int_rx in = std::move(mid.second);
        for (int s = 1; s < stages - 1; ++s) {
            auto next = make_channel(capacities[static_cast<std::size_t>(s) % capacities.size()]);
            threads.emplace_back(forward_stage<int_rx, int_tx>, std::move(in),
                                 std::move(next.first));
            in = std::move(next.second);
        }
        threads.emplace_back(forward_stage<int_rx, courier::sender<int>>, std::move(in),
                             std::move(last_tx));
    }
    std::jthread source([n, tx = std::move(first_tx)] {
        for (int i = 0; i < n; ++i) {
            ASSERT_TRUE(select_send(tx, i));
        }
    });
    int expected = 0;
    for (;;) {
        auto m = select_recv(last_rx);
        if (!m) {
            break;
        }
        ASSERT_EQ(*m, expected) << "the chain reordered messages";
        ++expected;
    }
    EXPECT_EQ(expected, n) << "the chain lost messages";
}

// ---- the prime sieve (Go's sieve1.go) ---------------------------------------------------------

void sieve_generate(int_tx out) {
    for (int i = 2; select_send(out, i); ++i) {
    }
}

void sieve_filter(int_rx in, int_tx out, int prime) {
    for (;;) {
        const recv_result m = select_recv(in);
        if (!m) {
            return;
        }
        if (*m % prime != 0 && !select_send(out, *m)) {
            return;
        }
    }
}

std::vector<int> first_primes(std::size_t count) {
    std::vector<int> primes;
    for (int candidate = 2; primes.size() < count; ++candidate) {
        if (std::none_of(primes.begin(), primes.end(),
                         [candidate](int p) { return candidate % p == 0; })) {
            primes.push_back(candidate);
        }
    }
    return primes;
}

TEST(select_chain, prime_sieve) {
    watchdog wd(60s, "the prime sieve");
    constexpr std::size_t count = 100;
    std::vector<int> primes;
    {
        std::vector<std::jthread> threads;  // declared first: joined after `ch` is dropped
        auto [tx, rx] = make_channel(0);
        threads.emplace_back(sieve_generate, std::move(tx));
        int_rx ch = std::move(rx);
        for (std::size_t i = 0; i < count; ++i) {
            const recv_result m = select_recv(ch);
            ASSERT_TRUE(m.has_value()) << "the sieve ended early";
            primes.push_back(*m);
            // Rendezvous links as in Go; every third link buffered to vary the interleavings.
            auto next = make_channel(i % 3 == 2 ? std::optional<std::size_t>(4)
                                                : std::optional<std::size_t>(0));
            threads.emplace_back(sieve_filter, std::move(ch), std::move(next.first), *m);
            ch = std::move(next.second);
        }
        // Dropping the last receiver makes each stage's next send fail, back to the generator.
        ch.reset();
    }
    EXPECT_EQ(primes, first_primes(count));
    EXPECT_EQ(primes.back(), 541);
}

// ---- doubleselect (Go's doubleselect.go) -----------------------------------------------------

class select_race : public ::testing::TestWithParam<std::optional<std::size_t>> {};

/// Receives from every channel in `rxs` through select until one reports disconnection, then
/// drains all of them; records each value received.
void select_receive_all(const std::vector<int_rx>& rxs, std::vector<int>& got) {
    ASSERT_EQ(rxs.size(), 4u);
    bool disconnected = false;
    auto arm = [&](const int_rx& rx) {
        return courier::on_recv(rx, [&](recv_result m) {
            if (m) {
                got.push_back(*m);
            } else {
                disconnected = true;
            }
        });
    };
    while (!disconnected) {
        courier::select(arm(rxs[0]), arm(rxs[1]), arm(rxs[2]), arm(rxs[3]));
    }
    // Every channel's senders go at about the same time; take what is still buffered.
    std::size_t open = rxs.size();
    std::vector<bool> done(rxs.size(), false);
    while (open > 0) {
        for (std::size_t k = 0; k < rxs.size(); ++k) {
            if (done[k]) {
                continue;
            }
            auto m = rxs[k].try_recv();
            if (m) {
                got.push_back(*m);
            } else if (m.error() == courier::try_recv_error::disconnected) {
                done[k] = true;
                --open;
            } else {
                std::this_thread::yield();
            }
        }
    }
}

/// Checks that values 0..n-1 were received exactly once across `per_thread`.
void expect_each_once(const std::vector<std::vector<int>>& per_thread, std::size_t n) {
    std::vector<int> seen(n, 0);
    std::size_t total = 0;
    std::size_t out_of_range = 0;
    for (const auto& v : per_thread) {
        total += v.size();
        for (int x : v) {
            if (x < 0 || static_cast<std::size_t>(x) >= n) {
                ++out_of_range;
            } else {
                ++seen[static_cast<std::size_t>(x)];
            }
        }
    }
    EXPECT_EQ(out_of_range, 0u);
    EXPECT_EQ(total, n) << "messages received in all";
    EXPECT_EQ(std::count(seen.begin(), seen.end(), 0), 0) << "values never received";
    EXPECT_EQ(std::count_if(seen.begin(), seen.end(), [](int c) { return c > 1; }), 0)
        << "values received twice";
}

TEST_P(select_race, doubleselect) {
    watchdog wd(60s, "doubleselect");
    const std::size_t n = scaled(4000);
    std::vector<int_tx> txs;
    std::vector<int_rx> rxs;
    for (int k = 0; k < 4; ++k) {
        auto c = make_channel(GetParam());
        txs.push_back(std::move(c.first));
        rxs.push_back(std::move(c.second));
    }
    std::vector<std::vector<int>> got(2);
    {
        std::jthread a([&] { select_receive_all(rxs, got[0]); });
        std::jthread b([&] { select_receive_all(rxs, got[1]); });
        std::jthread sender([&] {
            for (std::size_t i = 0; i < n; ++i) {
                const int v = static_cast<int>(i);
                courier::select(courier::on_send(txs[0], v, [](send_result r) { ASSERT_TRUE(r); }),
                                courier::on_send(txs[1], v, [](send_result r) { ASSERT_TRUE(r); }),
                                courier::on_send(txs[2], v, [](send_result r) { ASSERT_TRUE(r); }),
                                courier::on_send(txs[3], v, [](send_result r) { ASSERT_TRUE(r); }));
            }
        });
        sender.join();
        for (auto& tx : txs) {
            tx.reset();
        }
    }
    expect_each_once(got, n);
}

// ---- crossbeam: both sides of one rendezvous channel selecting at once -----------------------

TEST(select_same_channel, a_thread_never_pairs_with_itself) {
    watchdog wd(30s, "select on both ends of one rendezvous channel");
    auto [tx, rx] = make_channel(0);
    int runs = 0;
    const auto t0 = steady::now();
    const std::size_t fired = courier::select(courier::on_send(tx, 1, [&](send_result) { ++runs; }),
                                              courier::on_recv(rx, [&](recv_result) { ++runs; }),
                                              courier::on_timeout(30ms, [] {}));
    EXPECT_EQ(fired, 2u) << "a select completed a rendezvous with itself";
    EXPECT_EQ(runs, 0);
    EXPECT_GE(steady::now() - t0, 30ms);

    courier::selector sel;
    sel.send(tx);
    sel.recv(rx);
    EXPECT_FALSE(sel.try_select().has_value());
    EXPECT_FALSE(sel.select_timeout(20ms).has_value());
}

TEST(select_same_channel, two_threads_selecting_send_and_recv_complete_pairs) {
    watchdog wd(60s, "two threads selecting send and recv on one rendezvous channel");
    const int n = static_cast<int>(scaled(2000));
    const auto c = make_channel(0);
    const int_tx& tx = c.first;
    const int_rx& rx = c.second;
    struct result {
        int sends = 0;
        int recvs = 0;
        int multi = 0;      // selects that ran more or less than one handler
        int own_value = 0;  // values received from this thread's own send
        int errors = 0;
    };
    std::array<result, 2> results{};
    auto body = [&, n](int id) {
        result& me = results[static_cast<std::size_t>(id)];
        for (int i = 0; i < n; ++i) {
            int runs = 0;
            const int value = id * n + i;
            const std::size_t fired = courier::select(courier::on_send(tx, value,
                                                                       [&](send_result r) {
                                                                           ++runs;
                                                                           me.errors += r ? 0 : 1;
                                                                           ++me.sends;
                                                                       }),
                                                      courier::on_recv(rx, [&](recv_result m) {
                                                          ++runs;
                                                          ++me.recvs;
                                                          if (!m) {
                                                              ++me.errors;
                                                          } else if (*m / n == id) {
                                                              ++me.own_value;
                                                          }
                                                      }));
            if (runs != 1 || fired > 1) {
                ++me.multi;
            }
        }
    };
    {
        std::jthread a(body, 0);
        std::jthread b(body, 1);
    }
    EXPECT_EQ(results[0].multi + results[1].multi, 0) << "a select completed two operations";
    EXPECT_EQ(results[0].own_value + results[1].own_value, 0)
        << "a thread received its own message";
    EXPECT_EQ(results[0].errors + results[1].errors, 0);
    EXPECT_EQ(results[0].sends, results[1].recvs) << "every send pairs with the other's receive";
    EXPECT_EQ(results[1].sends, results[0].recvs);
    EXPECT_EQ(results[0].sends + results[1].sends, n);
}

// ---- crossbeam: many threads selecting over many channels ------------------------------------

TEST_P(select_race, many_threads_many_channels) {
    watchdog wd(60s, "4 senders and 4 receivers selecting over 4 channels");
    constexpr int threads_per_side = 4;
    const std::size_t per_sender = scaled(1500);
    std::vector<int_tx> txs;
    std::vector<int_rx> rxs;
    for (int k = 0; k < 4; ++k) {
        auto c = make_channel(GetParam());
        txs.push_back(std::move(c.first));
        rxs.push_back(std::move(c.second));
    }
    std::vector<std::vector<int>> got(threads_per_side);
    std::array<std::atomic<std::size_t>, 4> sent_on{};
    {
        std::vector<std::jthread> receivers;
        for (int r = 0; r < threads_per_side; ++r) {
            receivers.emplace_back(
                [&, r] { select_receive_all(rxs, got[static_cast<std::size_t>(r)]); });
        }
        {
            std::vector<std::jthread> senders;
            for (int s = 0; s < threads_per_side; ++s) {
                senders.emplace_back([&, s] {
                    for (std::size_t i = 0; i < per_sender; ++i) {
                        const int v =
                            static_cast<int>(static_cast<std::size_t>(s) * per_sender + i);
                        auto arm = [&](std::size_t k) {
                            return courier::on_send(txs[k], v, [&, k](send_result r) {
                                ASSERT_TRUE(r);
                                ++sent_on[k];
                            });
                        };
                        courier::select(arm(0), arm(1), arm(2), arm(3));
                    }
                });
            }
        }
        for (auto& tx : txs) {
            tx.reset();
        }
    }
    std::size_t sent = 0;
    for (auto& c : sent_on) {
        sent += c.load();
    }
    EXPECT_EQ(sent, threads_per_side * per_sender) << "send handlers run";
    expect_each_once(got, threads_per_side * per_sender);
}

INSTANTIATE_TEST_SUITE_P(capacities, select_race,
                         ::testing::Values(std::optional<std::size_t>(0),
                                           std::optional<std::size_t>(1),
                                           std::optional<std::size_t>(1000),
                                           std::optional<std::size_t>()),
                         capacity_name);

// ---- zero-size messages ----------------------------------------------------------------------

struct nothing {};

TEST(select_zero_size, monostate_and_empty_struct) {
    watchdog wd(30s, "select over zero-size messages");
    const int n = static_cast<int>(scaled(2000));
    auto [mono_tx, mono_rx] = courier::mpmc::channel<std::monostate>();
    auto [empty_tx, empty_rx] = courier::mpmc::sync_channel<nothing>(0);
    std::jthread a([n, t = mono_tx] {
        for (int i = 0; i < n; ++i) {
            ASSERT_TRUE(select_send(t, std::monostate{}));
        }
    });
    std::jthread b([n, t = empty_tx] {
        for (int i = 0; i < n; ++i) {
            ASSERT_TRUE(select_send(t, nothing{}));
        }
    });
    mono_tx.reset();
    empty_tx.reset();
    int monos = 0;
    int empties = 0;
    bool mono_done = false;
    bool empty_done = false;
    auto on_mono = [&](courier::expected<std::monostate, courier::recv_error> m) {
        monos += m ? 1 : 0;
        mono_done = !m;
        if (m) {
            EXPECT_EQ(*m, std::monostate{});
        }
    };
    auto on_empty = [&](courier::expected<nothing, courier::recv_error> m) {
        empties += m ? 1 : 0;
        empty_done = !m;
    };
    // Both arms while both channels are open; then the other one alone (a disconnected arm is
    // always ready, so selecting on it again would only spin).
    while (!mono_done && !empty_done) {
        courier::select(courier::on_recv(mono_rx, on_mono), courier::on_recv(empty_rx, on_empty));
    }
    while (!mono_done) {
        courier::select(courier::on_recv(mono_rx, on_mono));
    }
    while (!empty_done) {
        courier::select(courier::on_recv(empty_rx, on_empty));
    }
    EXPECT_EQ(monos, n);
    EXPECT_EQ(empties, n);
}

// ---- mixed element types and handle kinds ----------------------------------------------------

TEST(select_mixed, element_types_and_handle_kinds) {
    watchdog wd(30s, "select over mixed handles");
    // Lambdas below capture these names: plain references, not structured bindings (Clang 14).
    auto num = courier::channel<int>();                           // MPSC unbounded
    auto str = courier::mpmc::channel<std::string>();             // MPMC unbounded
    auto dbl = courier::sync_channel<double>(1);                  // MPSC bounded
    auto vec = courier::mpmc::sync_channel<std::vector<int>>(0);  // MPMC rendezvous
    const auto& num_tx = num.first;
    const auto& num_rx = num.second;
    const auto& str_tx = str.first;
    const auto& str_rx = str.second;
    const auto& dbl_tx = dbl.first;
    const auto& dbl_rx = dbl.second;
    const auto& vec_tx = vec.first;
    const auto& vec_rx = vec.second;
    const auto timer = courier::after(1h);
    ASSERT_TRUE(dbl_tx.send(0.5).has_value());  // full

    std::array<int, 6> runs{};
    auto run_select = [&] {
        return courier::select(
            courier::on_recv(num_rx,
                             [&](courier::expected<int, courier::recv_error> m) {
                                 ++runs[0];
                                 EXPECT_EQ(m, recv_result(7));
                             }),
            courier::on_recv(str_rx,
                             [&](courier::expected<std::string, courier::recv_error> m) {
                                 ++runs[1];
                                 ASSERT_TRUE(m.has_value());
                                 EXPECT_EQ(*m, "seven");
                             }),
            courier::on_send(dbl_tx, 7.5,
                             [&](courier::expected<void, courier::send_error<double>> r) {
                                 ++runs[2];
                                 EXPECT_TRUE(r.has_value());
                             }),
            courier::on_send(vec_tx, std::vector<int>{7, 7},
                             [&](courier::expected<void, courier::send_error<std::vector<int>>> r) {
                                 ++runs[3];
                                 EXPECT_TRUE(r.has_value());
                             }),
            courier::on_recv(timer, [&](auto) { ++runs[4]; }),
            courier::on_timeout(30s, [&] { ++runs[5]; }));
    };

    ASSERT_TRUE(num_tx.send(7).has_value());
    EXPECT_EQ(run_select(), 0u);
    ASSERT_TRUE(str_tx.send("seven").has_value());
    EXPECT_EQ(run_select(), 1u);
    EXPECT_EQ(dbl_rx.recv(), (courier::expected<double, courier::recv_error>(0.5)));  // room
    EXPECT_EQ(run_select(), 2u);
    EXPECT_EQ(dbl_rx.try_recv(), (courier::expected<double, courier::try_recv_error>(7.5)));
    ASSERT_TRUE(dbl_tx.send(0.5).has_value());  // full again
    {
        auto receiver = start_async([&r = vec_rx] { return r.recv(); });
        EXPECT_EQ(run_select(), 3u);
        auto v = receiver->get();
        ASSERT_TRUE(v.has_value());
        EXPECT_EQ(*v, (std::vector<int>{7, 7}));
    }
    EXPECT_EQ(runs, (std::array<int, 6>{1, 1, 1, 1, 0, 0}));

    // An MPSC unbounded sender and an MPMC unbounded sender are always ready.
    auto [box_tx, box_rx] = courier::channel<std::unique_ptr<int>>();
    auto [any_tx, any_rx] = courier::mpmc::channel<std::unique_ptr<int>>();
    const std::size_t fired = courier::select(
        courier::on_recv(num_rx, [](auto) { FAIL(); }),
        courier::on_send(box_tx, std::make_unique<int>(1), [](auto r) { EXPECT_TRUE(r); }),
        courier::on_recv(timer, [](auto) { FAIL(); }),
        courier::on_send(any_tx, std::make_unique<int>(2), [](auto r) { EXPECT_TRUE(r); }));
    ASSERT_TRUE(fired == 1u || fired == 3u) << fired;
    EXPECT_EQ(box_rx.size() + any_rx.size(), 1u);
}

// =============================================================================================
// The dynamic selector

TEST(selector, indices_and_completion) {
    watchdog wd(30s, "selector select()");
    auto a = make_channel(std::nullopt);
    auto b = make_channel(1);
    auto [s_tx, s_rx] = courier::channel<std::string>();  // an MPSC receiver
    courier::selector sel;
    const std::size_t ia = sel.recv(a.second);
    const std::size_t ib = sel.send(b.first);
    const std::size_t is = sel.recv(s_rx);
    EXPECT_EQ(ia, 0u);
    EXPECT_EQ(ib, 1u);
    EXPECT_EQ(is, 2u);
    ASSERT_TRUE(b.first.send(0).has_value());  // full: the send operation is not ready

    ASSERT_TRUE(a.first.send(11).has_value());
    {
        auto op = sel.select();
        ASSERT_EQ(op.index(), ia);
        EXPECT_EQ(op.recv(a.second), recv_result(11));
    }
    ASSERT_TRUE(s_tx.send("x").has_value());
    {
        auto op = sel.select();
        ASSERT_EQ(op.index(), is);
        auto m = op.recv(s_rx);
        ASSERT_TRUE(m.has_value());
        EXPECT_EQ(*m, "x");
    }
    ASSERT_EQ(b.second.recv(), recv_result(0));  // room
    {
        auto op = sel.select();
        ASSERT_EQ(op.index(), ib);
        EXPECT_TRUE(op.send(b.first, 12).has_value());
    }
    EXPECT_EQ(b.second.try_recv(), try_result(12));

    // The same selector, reused, blocks until a partner arrives.
    std::jthread producer([&t = a.first] {
        std::this_thread::sleep_for(20ms);
        EXPECT_TRUE(t.send(13).has_value());
    });
    ASSERT_TRUE(b.first.send(0).has_value());  // full again
    auto op = sel.select();
    ASSERT_EQ(op.index(), ia);
    EXPECT_EQ(op.recv(a.second), recv_result(13));
}

TEST(selector, moves_keep_the_operations_and_free_each_once) {
    watchdog wd(30s, "moved selectors");
    std::vector<std::pair<int_tx, int_rx>> chans;
    for (int i = 0; i < 9; ++i) {
        chans.push_back(make_channel(i % 3 == 0 ? std::optional<std::size_t>() : 2));
    }
#if !COURIER_TEST_SANITIZED
    const long allocations_before = live_allocations.load();
#endif
    {
        courier::selector a;
        for (std::size_t i = 0; i < 6; ++i) {  // past the first growth of its arrays
            EXPECT_EQ(a.recv(chans[i].second), i);
        }
        courier::selector b(std::move(a));
        EXPECT_EQ(a.size(), 0u);  // NOLINT(bugprone-use-after-move): moved-from is empty
        EXPECT_EQ(b.size(), 6u);
        courier::selector c;
        c.recv(chans[6].second);
        c.recv(chans[7].second);
        c = std::move(b);  // c's own two operations are freed here
        EXPECT_EQ(c.size(), 6u);
        EXPECT_EQ(c.send(chans[8].first), 6u);
        ASSERT_TRUE(chans[8].first.send(80).has_value());  // full: the send is not ready
        ASSERT_TRUE(chans[8].first.send(81).has_value());
        ASSERT_TRUE(chans[4].first.send(44).has_value());
        {
            auto op = c.select();
            ASSERT_EQ(op.index(), 4u);
            EXPECT_EQ(op.recv(chans[4].second), recv_result(44));
        }
        EXPECT_EQ(chans[8].second.try_recv(), try_result(80));
        {
            auto op = c.select();  // only the send is ready now
            ASSERT_EQ(op.index(), 6u);
            EXPECT_TRUE(op.send(chans[8].first, 88).has_value());
        }
        EXPECT_EQ(chans[8].second.try_recv(), try_result(81));
        EXPECT_EQ(chans[8].second.try_recv(), try_result(88));
        a = std::move(c);  // a moved-from selector takes operations again
        EXPECT_EQ(a.size(), 7u);
        EXPECT_EQ(a.recv(chans[7].second), 7u);
    }
#if !COURIER_TEST_SANITIZED
    EXPECT_EQ(live_allocations.load(), allocations_before) << "a moved selector leaked";
#endif
}

TEST(selector, rendezvous_operations) {
    watchdog wd(30s, "selector on a rendezvous channel");
    auto c = make_channel(0);
    {
        courier::selector sel;
        const std::size_t i = sel.send(c.first);
        EXPECT_FALSE(sel.try_select().has_value()) << "no receiver waits";
        auto receiver = start_async([&r = c.second] { return r.recv(); });
        auto op = sel.select();
        ASSERT_EQ(op.index(), i);
        EXPECT_TRUE(op.send(c.first, 21).has_value());
        EXPECT_EQ(receiver->get(), recv_result(21));
    }
    {
        courier::selector sel;
        const std::size_t i = sel.recv(c.second);
        EXPECT_FALSE(sel.try_select().has_value()) << "no sender waits";
        std::jthread sender([&t = c.first] { EXPECT_TRUE(t.send(22).has_value()); });
        auto op = sel.select();
        ASSERT_EQ(op.index(), i);
        EXPECT_EQ(op.recv(c.second), recv_result(22));
    }
}

TEST(selector, try_select_and_select_timeout) {
    watchdog wd(30s, "selector try_select/select_timeout");
    auto a = make_channel(0);
    auto b = make_channel(2);
    courier::selector sel;
    sel.recv(a.second);
    const std::size_t ib = sel.recv(b.second);
    EXPECT_FALSE(sel.try_select().has_value());
    for (auto d : {10ms, 50ms}) {
        const auto t0 = steady::now();
        auto op = sel.select_timeout(d);
        const auto elapsed = steady::now() - t0;
        EXPECT_FALSE(op.has_value());
        EXPECT_GE(elapsed, d) << "select_timeout gave up early";
        EXPECT_LT(elapsed, d + late) << "select_timeout gave up late";
    }
    ASSERT_TRUE(b.first.send(1).has_value());
    {
        auto op = sel.try_select();
        ASSERT_TRUE(op.has_value());
        EXPECT_EQ(op->index(), ib);
        EXPECT_EQ(op->recv(b.second), recv_result(1));
    }
    ASSERT_TRUE(b.first.send(2).has_value());
    {
        auto op = sel.select_timeout(10s);
        ASSERT_TRUE(op.has_value());
        EXPECT_EQ(op->index(), ib);
        EXPECT_EQ(op->recv(b.second), recv_result(2));
    }
}

TEST(selector, completing_with_the_wrong_handle_throws) {
    watchdog wd(30s, "selector completion with a wrong handle");
    auto a = make_channel(4);
    auto other = make_channel(4);
    courier::selector sel;
    const std::size_t ia = sel.recv(a.second);
    ASSERT_TRUE(a.first.send(1).has_value());
    ASSERT_TRUE(other.first.send(2).has_value());
    auto op = sel.select();
    ASSERT_EQ(op.index(), ia);
    EXPECT_THROW((void)op.recv(other.second), std::invalid_argument);
    EXPECT_THROW((void)op.send(a.first, 3), std::invalid_argument)
        << "a receive completed as a send";
    // The operation is still reserved and completes with the right handle.
    EXPECT_EQ(op.recv(a.second), recv_result(1));
    EXPECT_EQ(other.second.try_recv(), try_result(2)) << "the wrong handle's message was consumed";

    courier::selector send_sel;
    const std::size_t is = send_sel.send(a.first);
    auto sop = send_sel.select();
    ASSERT_EQ(sop.index(), is);
    EXPECT_THROW((void)sop.send(other.first, 4), std::invalid_argument);
    EXPECT_TRUE(sop.send(a.first, 5).has_value());
    EXPECT_EQ(a.second.try_recv(), try_result(5));
    EXPECT_EQ(other.second.size(), 0u);
}

TEST(selector, disconnected_operations) {
    watchdog wd(30s, "selector over disconnected channels");
    using box = std::unique_ptr<int>;
    auto [tx, rx] = courier::mpmc::sync_channel<box>(0);
    auto [tx2, rx2] = courier::mpmc::channel<int>();
    {
        courier::selector sel;
        const std::size_t i = sel.send(tx);
        rx.reset();
        auto op = sel.select();
        ASSERT_EQ(op.index(), i);
        auto r = op.send(tx, std::make_unique<int>(9));
        ASSERT_FALSE(r.has_value());
        ASSERT_NE(r.error().value, nullptr) << "the unsent value was not handed back";
        EXPECT_EQ(*r.error().value, 9);
    }
    {
        courier::selector sel;
        const std::size_t i = sel.recv(rx2);
        tx2.reset();
        auto op = sel.select();
        ASSERT_EQ(op.index(), i);
        EXPECT_FALSE(op.recv(rx2).has_value());
    }
}

TEST(selector, ready_does_not_consume) {
    watchdog wd(30s, "selector ready()");
    auto a = make_channel(std::nullopt);
    auto b = make_channel(std::nullopt);
    courier::selector sel;
    sel.recv(a.second);
    const std::size_t ib = sel.recv(b.second);
    ASSERT_TRUE(b.first.send(1).has_value());
    EXPECT_EQ(sel.ready(), ib);
    EXPECT_EQ(sel.ready(), ib) << "ready() consumed the message";
    EXPECT_EQ(b.second.size(), 1u);
    EXPECT_EQ(b.second.try_recv(), try_result(1));

    // Nothing ready: ready_timeout gives up on time.
    const auto t0 = steady::now();
    auto r = sel.ready_timeout(40ms);
    const auto elapsed = steady::now() - t0;
    EXPECT_FALSE(r.has_value());
    EXPECT_GE(elapsed, 40ms);
    EXPECT_LT(elapsed, 40ms + late);

    // A blocked ready() wakes when a message arrives and still leaves it in the channel.
    std::jthread producer([&t = b.first] {
        std::this_thread::sleep_for(30ms);
        EXPECT_TRUE(t.send(2).has_value());
    });
    EXPECT_EQ(sel.ready(), ib);
    producer.join();
    EXPECT_EQ(b.second.try_recv(), try_result(2));
    // The channel is empty now; a disconnected one is ready.
    b.first.reset();
    auto disconnected = sel.ready_timeout(10s);
    ASSERT_TRUE(disconnected.has_value());
    EXPECT_EQ(*disconnected, ib);
}

TEST(selector, ready_on_send_operations) {
    watchdog wd(30s, "selector ready() on send operations");
    auto full = make_channel(1);
    auto zero = make_channel(0);
    ASSERT_TRUE(full.first.send(1).has_value());
    courier::selector sel;
    const std::size_t i_full = sel.send(full.first);
    const std::size_t i_zero = sel.send(zero.first);
    EXPECT_FALSE(sel.ready_timeout(20ms).has_value()) << "a full or unpaired send is ready";
    // Room appears: the send operation is ready, and ready() sends nothing.
    std::jthread consumer([&r = full.second] {
        std::this_thread::sleep_for(20ms);
        EXPECT_EQ(r.recv(), recv_result(1));
    });
    EXPECT_EQ(sel.ready(), i_full);
    consumer.join();
    EXPECT_TRUE(full.second.empty()) << "ready() performed the send";
    ASSERT_TRUE(full.first.send(2).has_value());  // full again
    // A waiting rendezvous receiver makes the other send ready.
    auto receiver = start_async([&r = zero.second] { return r.recv(); });
    EXPECT_EQ(sel.ready(), i_zero);
    ASSERT_TRUE(zero.first.send(3).has_value());
    EXPECT_EQ(receiver->get(), recv_result(3));
}

TEST(selector, rendezvous_ready_does_not_consume) {
    watchdog wd(30s, "selector ready() on a rendezvous channel");
    auto c = make_channel(0);
    courier::selector sel;
    const std::size_t i = sel.recv(c.second);
    EXPECT_FALSE(sel.ready_timeout(20ms).has_value());
    std::jthread sender([&t = c.first] { EXPECT_TRUE(t.send(3).has_value()); });
    EXPECT_EQ(sel.ready(), i);
    // The sender is still waiting for a receiver.
    EXPECT_EQ(c.second.recv_timeout(10s), (courier::expected<int, courier::recv_timeout_error>(3)));
}

TEST(selector, many_channels_from_many_threads) {
    watchdog wd(60s, "a selector receiving from 4 producers");
    const std::size_t per = scaled(1000);
    std::vector<int_tx> txs;
    std::vector<int_rx> rxs;
    for (std::optional<std::size_t> cap :
         {std::optional<std::size_t>(0), std::optional<std::size_t>(1),
          std::optional<std::size_t>(1000), std::optional<std::size_t>()}) {
        auto c = make_channel(cap);
        txs.push_back(std::move(c.first));
        rxs.push_back(std::move(c.second));
    }
    courier::selector sel;
    for (const auto& rx : rxs) {
        sel.recv(rx);
    }
    std::vector<std::jthread> producers;
    for (std::size_t k = 0; k < txs.size(); ++k) {
        producers.emplace_back([k, per, t = std::move(txs[k])] {
            for (std::size_t i = 0; i < per; ++i) {
                ASSERT_TRUE(t.send(static_cast<int>(k * per + i)).has_value());
            }
        });
    }
    std::vector<std::vector<int>> got(1);
    std::vector<int> next(rxs.size(), 0);
    std::size_t out_of_order = 0;
    auto record = [&](std::size_t k, int v) {
        got[0].push_back(v);
        if (v != static_cast<int>(k * per) + next[k]++) {
            ++out_of_order;
        }
    };
    for (;;) {
        auto op = sel.select();
        const std::size_t k = op.index();
        auto m = op.recv(rxs[k]);
        if (!m) {
            break;  // a disconnected channel stays ready; take the rest with ordinary calls
        }
        record(k, *m);
    }
    for (std::size_t k = 0; k < rxs.size(); ++k) {
        for (auto m = rxs[k].recv(); m; m = rxs[k].recv()) {
            record(k, *m);
        }
    }
    producers.clear();
    EXPECT_EQ(out_of_order, 0u);
    expect_each_once(got, rxs.size() * per);
}

// ---- timed-out selects leak nothing ----------------------------------------------------------

// ---------------------------------------------------------------------------------------------
// on_stop: a stop request as an arm

TEST(select_stop, a_stop_request_wakes_a_blocked_select) {
    watchdog wd(30s, "a select woken by a stop request");
    for (int round = 0; round < 3; ++round) {
        auto a = make_channel(std::nullopt);
        auto z = make_channel(0);
        std::stop_source source;
        std::atomic<int> stopped{0};
        auto call = start_async([&] {
            return courier::select(courier::on_recv(a.second, [](recv_result) { FAIL(); }),
                                   courier::on_recv(z.second, [](recv_result) { FAIL(); }),
                                   courier::on_stop(source.get_token(), [&] { ++stopped; }));
        });
        std::this_thread::sleep_for(settle);
        EXPECT_FALSE(call->done()) << "the select returned before the stop";
        const auto requested = steady::now();
        source.request_stop();
        EXPECT_EQ(call->get(), 2u);
        EXPECT_LT(steady::now() - requested, 5s);
        EXPECT_EQ(stopped.load(), 1);
        // The select left no registration behind: both channels work as before.
        ASSERT_TRUE(a.first.send(1).has_value());
        EXPECT_EQ(*a.second.recv(), 1);
        EXPECT_TRUE(z.first.try_send(2).error().is_full());
    }
}

TEST(select_stop, competes_with_ready_arms_and_beats_default) {
    watchdog wd(60s, "on_stop among ready arms");
    std::stop_source source;
    source.request_stop();
    auto a = make_channel(std::nullopt);
    const std::size_t n = scaled(4000);
    std::array<std::size_t, 2> fired{};
    int next = 0;
    for (std::size_t i = 0; i < n; ++i) {
        ASSERT_TRUE(a.first.send(static_cast<int>(i)).has_value());
        const std::size_t k = courier::select(
            courier::on_recv(a.second, [&](recv_result m) { EXPECT_EQ(*m, next++); }),
            courier::on_stop(source.get_token(), [] {}));
        ASSERT_LT(k, 2u);
        ++fired[k];
        if (k == 1) {
            EXPECT_EQ(*a.second.recv(), next++) << "on_stop fired, but the message was taken";
        }
    }
    EXPECT_GT(fired[0], n / 4) << "a ready receive never won against a requested stop";
    EXPECT_GT(fired[1], n / 4) << "a requested stop never won against a ready receive";

    // on_default fires only when no arm, on_stop included, is ready.
    bool defaulted = false;
    EXPECT_EQ(courier::select(courier::on_recv(a.second, [](recv_result) { FAIL(); }),
                              courier::on_stop(source.get_token(), [] {}),
                              courier::on_default([&] { defaulted = true; })),
              1u);
    EXPECT_FALSE(defaulted);
    std::stop_source idle;
    EXPECT_EQ(courier::select(courier::on_recv(a.second, [](recv_result) { FAIL(); }),
                              courier::on_stop(idle.get_token(), [] { FAIL(); }),
                              courier::on_default([&] { defaulted = true; })),
              2u);
    EXPECT_TRUE(defaulted);
    // With a timeout: the timeout fires while no stop is requested.
    EXPECT_EQ(courier::select(courier::on_stop(idle.get_token(), [] { FAIL(); }),
                              courier::on_timeout(10ms, [] {})),
              1u);
    // A token without a stop state is never ready.
    EXPECT_EQ(courier::select(courier::on_stop(std::stop_token{}, [] { FAIL(); }),
                              courier::on_timeout(10ms, [] {})),
              1u);
}

TEST(select_leaks, timed_out_selects_leak_nothing) {
    tracked::reset();
    watchdog wd(60s, "timed-out selects");
    const std::size_t n = scaled(10000);
    auto full = courier::mpmc::sync_channel<tracked>(1);
    auto zero = courier::mpmc::sync_channel<tracked>(0);
    auto list = courier::mpmc::channel<int>();
    const auto& full_tx = full.first;
    const auto& full_rx = full.second;
    const auto& zero_tx = zero.first;
    const auto& zero_rx = zero.second;
    const auto& list_rx = list.second;
    ASSERT_TRUE(full_tx.send(tracked(1000001)).has_value());

    auto one_select = [&](std::size_t i) {
        // Half of them give up at once, half after registering with every channel.
        const auto timeout =
            i % 2 == 0 ? std::chrono::microseconds(0) : std::chrono::microseconds(20);
        return courier::select(
            courier::on_send(full_tx, tracked(static_cast<std::int64_t>(i)), [](auto) { FAIL(); }),
            courier::on_send(zero_tx, tracked(static_cast<std::int64_t>(i)), [](auto) { FAIL(); }),
            courier::on_recv(zero_rx, [](auto) { FAIL(); }),
            courier::on_recv(list_rx, [](auto) { FAIL(); }), courier::on_timeout(timeout, [] {}));
    };
    one_select(1);  // first use of the thread's select state
#if !COURIER_TEST_SANITIZED
    const long allocations_before = live_allocations.load();
#endif
    std::size_t timeouts = 0;
    for (std::size_t i = 0; i < n; ++i) {
        timeouts += one_select(i) == 4u ? 1 : 0;
    }
#if !COURIER_TEST_SANITIZED
    EXPECT_EQ(live_allocations.load(), allocations_before) << "timed-out selects leaked memory";
#endif
    EXPECT_EQ(timeouts, n);
    EXPECT_EQ(tracked::payloads(), 1) << "only the buffered message is alive";

    // No stale registration remains: the channels behave as if no select had happened.
    EXPECT_TRUE(zero_tx.try_send(tracked(1000002)).error().is_full())
        << "a rendezvous send paired with a select that had given up";
    EXPECT_EQ(zero_rx.try_recv().error(), courier::try_recv_error::empty);
    auto receiver = start_async([&r = zero_rx] { return r.recv(); });
    ASSERT_TRUE(zero_tx.send(tracked(1000003)).has_value());
    auto m = receiver->get();
    ASSERT_TRUE(m.has_value());
    EXPECT_EQ(m->consume(), 1000003);
    auto buffered = full_rx.recv();
    ASSERT_TRUE(buffered.has_value());
    EXPECT_EQ(buffered->consume(), 1000001);
    list.first.reset();
}

TEST(select_leaks, timed_out_selectors_leak_nothing) {
    watchdog wd(60s, "timed-out selector selects");
    const std::size_t n = scaled(10000);
    auto a = make_channel(0);
    auto b = make_channel(1);
    ASSERT_TRUE(b.first.send(0).has_value());
    courier::selector sel;
    sel.recv(a.second);
    sel.send(b.first);
    (void)sel.select_timeout(0ms);
#if !COURIER_TEST_SANITIZED
    const long allocations_before = live_allocations.load();
#endif
    std::size_t empty = 0;
    for (std::size_t i = 0; i < n; ++i) {
        const auto timeout =
            i % 2 == 0 ? std::chrono::microseconds(0) : std::chrono::microseconds(20);
        empty += sel.select_timeout(timeout).has_value() ? 0 : 1;
        empty += sel.ready_timeout(timeout).has_value() ? 0 : 1;
    }
#if !COURIER_TEST_SANITIZED
    EXPECT_EQ(live_allocations.load(), allocations_before) << "timed-out selects leaked memory";
#endif
    EXPECT_EQ(empty, 2 * n);
    EXPECT_TRUE(a.first.try_send(1).error().is_full());
    EXPECT_EQ(a.second.try_recv().error(), courier::try_recv_error::empty);
}

}  // namespace
