// Coroutines (<courier/async.hpp>): async_recv / async_send and their timed forms on every
// flavor, threads and coroutines mixed on one channel, async_select racing select, where and how
// often a coroutine resumes, deadlines without any other thread, and frames destroyed while
// suspended.
#include <gtest/gtest.h>
#include <courier/courier.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "support/coro.hpp"
#include "support/stress.hpp"
#include "support/tracked.hpp"
#include "support/watchdog.hpp"

namespace courier_test {
namespace {

using namespace std::chrono_literals;

// The channel kinds, as type parameters: how to make one and what its sender is.
template <class Tx, class Rx>
struct kind {
    using sender = Tx;
    using receiver = Rx;
};
struct unbounded : kind<courier::sender<int>, courier::receiver<int>> {
    static auto make() { return courier::channel<int>(); }
};
struct bounded1 : kind<courier::sync_sender<int>, courier::receiver<int>> {
    static auto make() { return courier::sync_channel<int>(1); }
};
struct bounded3 : kind<courier::sync_sender<int>, courier::receiver<int>> {
    static auto make() { return courier::sync_channel<int>(3); }
};
struct rendezvous : kind<courier::sync_sender<int>, courier::receiver<int>> {
    static auto make() { return courier::sync_channel<int>(0); }
};
struct mpmc_unbounded : kind<courier::mpmc::sender<int>, courier::mpmc::receiver<int>> {
    static auto make() { return courier::mpmc::channel<int>(); }
};
struct mpmc_rendezvous : kind<courier::mpmc::sender<int>, courier::mpmc::receiver<int>> {
    static auto make() { return courier::mpmc::sync_channel<int>(0); }
};

template <class K>
class async_flavor : public ::testing::Test {};
using kinds =
    ::testing::Types<unbounded, bounded1, bounded3, rendezvous, mpmc_unbounded, mpmc_rendezvous>;
TYPED_TEST_SUITE(async_flavor, kinds);

template <class Tx>
task produce(Tx tx, int first, int n, std::atomic<int>* failures) {
    for (int i = first; i < first + n; ++i) {
        if (!(co_await tx.async_send(i))) {
            ++*failures;
        }
    }
}

template <class Rx>
task consume(Rx rx, std::vector<int>* out) {
    for (;;) {
        auto m = co_await rx.async_recv();
        if (!m) {
            co_return;
        }
        out->push_back(*m);
    }
}

// Waits (with a limit) until every task has finished.
template <class... Tasks>
bool wait_done(std::chrono::milliseconds limit, const Tasks&... ts) {
    const auto end = std::chrono::steady_clock::now() + limit;
    while (!(ts.done() && ...)) {
        if (std::chrono::steady_clock::now() > end) {
            return false;
        }
        std::this_thread::sleep_for(1ms);
    }
    return true;
}

TYPED_TEST(async_flavor, coroutines_on_one_thread_hand_over_every_message_in_order) {
    watchdog wd(30s, "coroutines on one thread");
    auto ends = TypeParam::make();
    auto& tx = ends.first;
    auto& rx = ends.second;
    std::vector<int> got;
    std::atomic<int> failures{0};
    task c = consume(std::move(rx), &got);
    EXPECT_FALSE(c.done());  // nothing sent yet: suspended, not blocked (we are still running)
    const int n = static_cast<int>(scaled(20'000));
    {
        task p = produce(tx, 0, n, &failures);
        EXPECT_TRUE(p.done());
        p.check();
    }
    tx.reset();  // disconnects: the consumer sees recv_error and finishes
    ASSERT_TRUE(c.done());
    c.check();
    EXPECT_EQ(failures.load(), 0);
    ASSERT_EQ(got.size(), static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i) {
        ASSERT_EQ(got[static_cast<std::size_t>(i)], i);
    }
}

TYPED_TEST(async_flavor, coroutines_on_two_threads_hand_over_every_message_in_order) {
    watchdog wd(60s, "coroutines on two threads");
    auto ends = TypeParam::make();
    auto& tx = ends.first;
    auto& rx = ends.second;
    std::vector<int> got;
    std::atomic<int> failures{0};
    const int n = static_cast<int>(scaled(50'000));
    task c;
    task p;
    std::thread a([&, rx = std::move(rx)]() mutable { c = consume(std::move(rx), &got); });
    std::thread b(
        [&, tx = std::move(tx)]() mutable { p = produce(std::move(tx), 0, n, &failures); });
    a.join();
    b.join();
    p.check();
    ASSERT_TRUE(wait_done(30s, p));
    p.reset();  // its frame holds the last sender: the consumer sees disconnection
    ASSERT_TRUE(wait_done(30s, c));
    c.check();
    EXPECT_EQ(failures.load(), 0);
    ASSERT_EQ(got.size(), static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i) {
        ASSERT_EQ(got[static_cast<std::size_t>(i)], i);
    }
}

TYPED_TEST(async_flavor, a_blocked_thread_and_a_coroutine_pair_both_ways) {
    watchdog wd(60s, "threads and coroutines mixed");
    const int n = static_cast<int>(scaled(20'000));
    {
        // thread sends, coroutine receives
        auto ends = TypeParam::make();
        auto& tx = ends.first;
        auto& rx = ends.second;
        std::vector<int> got;
        task c = consume(std::move(rx), &got);
        std::thread t([&, tx = std::move(tx)] {
            for (int i = 0; i < n; ++i) {
                ASSERT_TRUE(tx.send(i).has_value());
            }
        });
        t.join();
        ASSERT_TRUE(wait_done(30s, c));
        ASSERT_EQ(got.size(), static_cast<std::size_t>(n));
        for (int i = 0; i < n; ++i) {
            ASSERT_EQ(got[static_cast<std::size_t>(i)], i);
        }
    }
    {
        // coroutine sends, thread receives
        auto ends = TypeParam::make();
        auto& tx = ends.first;
        auto& rx = ends.second;
        std::atomic<int> failures{0};
        std::vector<int> got;
        std::thread t([&, rx = std::move(rx)] {
            while (auto m = rx.recv()) {
                got.push_back(*m);
            }
        });
        task p = produce(std::move(tx), 0, n, &failures);
        ASSERT_TRUE(wait_done(30s, p));
        p.reset();  // the frame held the last sender: the receiving thread sees disconnection
        t.join();
        EXPECT_EQ(failures.load(), 0);
        ASSERT_EQ(got.size(), static_cast<std::size_t>(n));
        for (int i = 0; i < n; ++i) {
            ASSERT_EQ(got[static_cast<std::size_t>(i)], i);
        }
    }
}

TYPED_TEST(async_flavor, disconnection_wakes_a_suspended_coroutine) {
    watchdog wd(30s, "disconnection");
    {
        auto ends = TypeParam::make();
        auto& tx = ends.first;
        auto& rx = ends.second;
        std::vector<int> got;
        task c = consume(std::move(rx), &got);
        EXPECT_FALSE(c.done());
        tx.reset();
        EXPECT_TRUE(c.done());  // resumed by the thread whose release disconnected
        EXPECT_TRUE(got.empty());
    }
    if constexpr (!std::is_same_v<TypeParam, unbounded> &&
                  !std::is_same_v<TypeParam, mpmc_unbounded>) {
        auto ends = TypeParam::make();
        auto& tx = ends.first;
        auto& rx = ends.second;
        bool handed_back = false;
        auto send_all = [&](typename TypeParam::sender tx2) -> task {
            for (int i = 0;; ++i) {
                auto r = co_await tx2.async_send(i);
                if (!r) {
                    handed_back = r.error().value == i;
                    co_return;
                }
            }
        };
        task p = send_all(tx);
        EXPECT_FALSE(p.done());  // blocked on a full channel
        rx.reset();
        EXPECT_TRUE(p.done());
        EXPECT_TRUE(handed_back) << "a send failed by disconnection hands its value back";
    }
}

TYPED_TEST(async_flavor, a_stop_request_ends_a_suspended_operation_and_loses_nothing) {
    watchdog wd(30s, "async stop on every kind");
    auto ends = TypeParam::make();
    auto& tx = ends.first;
    auto& rx = ends.second;
    std::stop_source source;
    std::optional<courier::recv_timeout_error> recv_error;
    auto receiving = [&]() -> task {
        auto m = co_await rx.async_recv_timeout(10s, source.get_token());
        if (!m) {
            recv_error = m.error();
        }
    };
    task r = receiving();
    EXPECT_FALSE(r.done());
    source.request_stop();
    ASSERT_TRUE(r.done());
    EXPECT_EQ(recv_error, courier::recv_timeout_error::stopped);
    if constexpr (!std::is_same_v<TypeParam, unbounded> &&
                  !std::is_same_v<TypeParam, mpmc_unbounded>) {
        // Fill the channel (a rendezvous is full already), then a send waits until stopped.
        for (int i = 0; tx.try_send(i).has_value(); ++i) {
        }
        std::stop_source send_stop;
        std::optional<int> handed_back;
        auto sending = [&]() -> task {
            auto s = co_await tx.async_send(99, send_stop.get_token());
            if (!s && s.error().is_stopped()) {
                handed_back = s.error().value;
            }
        };
        task w = sending();
        EXPECT_FALSE(w.done());
        send_stop.request_stop();
        ASSERT_TRUE(w.done());
        EXPECT_EQ(handed_back, 99);
        for (auto m = rx.try_recv(); m; m = rx.try_recv()) {
            EXPECT_NE(*m, 99) << "a stopped send delivered its value";
        }
    } else {
        std::stop_source stopped;
        stopped.request_stop();
        auto sending = [&]() -> task {
            auto s = co_await tx.async_send(5, stopped.get_token());  // never waits: sent
            EXPECT_TRUE(s.has_value());
        };
        task w = sending();
        EXPECT_TRUE(w.done());
        EXPECT_EQ(rx.try_recv().value_or(-1), 5);
    }
}

// ---- select -------------------------------------------------------------------------------------

TEST(async_select, a_coroutine_and_a_thread_select_race_for_the_same_messages) {
    watchdog wd(60s, "select racing async_select");
    for (std::size_t capacity : {0u, 1u, 64u}) {
        auto ends_1 = courier::mpmc::sync_channel<int>(capacity);
        auto& tx1 = ends_1.first;
        auto& rx1 = ends_1.second;
        auto ends_2 = courier::mpmc::sync_channel<int>(capacity);
        auto& tx2 = ends_2.first;
        auto& rx2 = ends_2.second;
        const int n = static_cast<int>(scaled(20'000));
        std::vector<int> by_thread;
        std::vector<int> by_coroutine;
        // Selects while both channels are open, then drains the other one.
        auto selecting = [&]() -> task {
            bool open1 = true;
            bool open2 = true;
            while (open1 && open2) {
                co_await courier::async_select(
                    courier::on_recv(rx1,
                                     [&](courier::expected<int, courier::recv_error> m) {
                                         m ? by_coroutine.push_back(*m) : void(open1 = false);
                                     }),
                    courier::on_recv(rx2, [&](courier::expected<int, courier::recv_error> m) {
                        m ? by_coroutine.push_back(*m) : void(open2 = false);
                    }));
            }
            auto& rest = open1 ? rx1 : rx2;
            while (auto m = co_await rest.async_recv()) {
                by_coroutine.push_back(*m);
            }
        };
        task c;
        std::thread coroutine_home([&] { c = selecting(); });
        coroutine_home.join();
        std::thread thread_selector([&, rx1 = rx1, rx2 = rx2] {
            bool open1 = true;
            bool open2 = true;
            while (open1 && open2) {
                courier::select(
                    courier::on_recv(rx1,
                                     [&](courier::expected<int, courier::recv_error> m) {
                                         m ? by_thread.push_back(*m) : void(open1 = false);
                                     }),
                    courier::on_recv(rx2, [&](courier::expected<int, courier::recv_error> m) {
                        m ? by_thread.push_back(*m) : void(open2 = false);
                    }));
            }
            while (auto m = (open1 ? rx1 : rx2).recv()) {
                by_thread.push_back(*m);
            }
        });
        std::thread p1([&, tx = std::move(tx1)] {
            for (int i = 0; i < n; i += 2) {
                ASSERT_TRUE(tx.send(i).has_value());
            }
        });
        std::thread p2([&, tx = std::move(tx2)] {
            for (int i = 1; i < n; i += 2) {
                ASSERT_TRUE(tx.send(i).has_value());
            }
        });
        p1.join();
        p2.join();
        thread_selector.join();
        ASSERT_TRUE(wait_done(30s, c)) << "capacity " << capacity;
        std::vector<int> seen(static_cast<std::size_t>(n), 0);
        for (int v : by_thread) {
            ++seen[static_cast<std::size_t>(v)];
        }
        for (int v : by_coroutine) {
            ++seen[static_cast<std::size_t>(v)];
        }
        for (int i = 0; i < n; ++i) {
            ASSERT_EQ(seen[static_cast<std::size_t>(i)], 1)
                << "message " << i << ", capacity " << capacity;
        }
    }
}

TEST(async_select, send_arms_timeouts_default_and_stop) {
    watchdog wd(30s, "async_select arms");
    auto ends = courier::sync_channel<std::string>(0);
    auto& tx = ends.first;
    auto& rx = ends.second;
    std::string event;
    std::size_t fired = 99;
    auto offer = [&]() -> task {
        fired = co_await courier::async_select(
            courier::on_send(tx, std::string("hello"),
                             [&](courier::expected<void, courier::send_error<std::string>> r) {
                                 event = r ? "sent" : "failed";
                             }),
            courier::on_timeout(10s, [&] { event = "timeout"; }));
    };
    task t = offer();
    EXPECT_FALSE(t.done());
    auto m = rx.recv();  // a blocked-thread receive pairs with the coroutine's offer
    ASSERT_TRUE(m.has_value());
    EXPECT_EQ(*m, "hello");
    ASSERT_TRUE(t.done());  // resumed by this thread before recv() returned
    EXPECT_EQ(fired, 0u);
    EXPECT_EQ(event, "sent");

    auto nothing = [&]() -> task {
        fired = co_await courier::async_select(courier::on_recv(rx, [&](auto) { event = "recv"; }),
                                               courier::on_default([&] { event = "default"; }));
    };
    task d = nothing();
    EXPECT_TRUE(d.done());
    EXPECT_EQ(fired, 1u);
    EXPECT_EQ(event, "default");

    const auto t0 = std::chrono::steady_clock::now();
    auto timing = [&]() -> task {
        fired =
            co_await courier::async_select(courier::on_recv(rx, [&](auto) { event = "recv"; }),
                                           courier::on_timeout(30ms, [&] { event = "timeout"; }));
    };
    task to = timing();
    ASSERT_TRUE(wait_done(10s, to));
    EXPECT_GE(std::chrono::steady_clock::now() - t0, 30ms);
    EXPECT_EQ(fired, 1u);
    EXPECT_EQ(event, "timeout");

    std::stop_source source;
    auto stoppable = [&]() -> task {
        fired = co_await courier::async_select(
            courier::on_recv(rx, [&](auto) { event = "recv"; }),
            courier::on_stop(source.get_token(), [&] { event = "stopped"; }));
    };
    task st = stoppable();
    EXPECT_FALSE(st.done());
    source.request_stop();  // resumes the coroutine on this thread, inside request_stop()
    EXPECT_TRUE(st.done());
    EXPECT_EQ(fired, 1u);
    EXPECT_EQ(event, "stopped");
}

TEST(async_select, timer_receivers_wake_a_suspended_select) {
    watchdog wd(30s, "async_select on a timer");
    auto never = courier::never<int>();
    auto after = courier::after(20ms);
    std::size_t fired = 99;
    auto wait_timer = [&]() -> task {
        fired = co_await courier::async_select(courier::on_recv(never, [](auto) {}),
                                               courier::on_recv(after, [](auto) {}));
    };
    task t = wait_timer();
    EXPECT_FALSE(t.done());
    ASSERT_TRUE(wait_done(10s, t));
    EXPECT_EQ(fired, 1u);
}

// ---- timeouts
// ------------------------------------------------------------------------------------

TEST(async_timeout, deadlines_fire_with_no_other_thread) {
    watchdog wd(30s, "async timeouts");
    auto ends = courier::sync_channel<int>(1);
    auto& tx = ends.first;
    auto& rx = ends.second;
    courier::recv_timeout_error recv_error{};
    courier::send_status send_kind{};
    int handed_back = 0;
    auto timed = [&]() -> task {
        auto m = co_await rx.async_recv_timeout(20ms);
        recv_error = m.error();
        EXPECT_TRUE(co_await tx.async_send(1));  // fills the channel
        auto r = co_await tx.async_send_timeout(2, 20ms);
        send_kind = r.error().kind;
        handed_back = r.error().value;
        auto late = co_await rx.async_recv_deadline(std::chrono::system_clock::now() + 10ms);
        EXPECT_EQ(late.value_or(-1), 1);  // ready: no waiting
        auto d = co_await rx.async_recv_deadline(std::chrono::system_clock::now() + 20ms);
        EXPECT_EQ(d.error(), courier::recv_timeout_error::timeout);
    };
    const auto t0 = std::chrono::steady_clock::now();
    task t = timed();
    ASSERT_TRUE(wait_done(10s, t));
    t.check();
    EXPECT_GE(std::chrono::steady_clock::now() - t0, 60ms);
    EXPECT_EQ(recv_error, courier::recv_timeout_error::timeout);
    EXPECT_EQ(send_kind, courier::send_status::timeout);
    EXPECT_EQ(handed_back, 2);
}

TEST(async_timeout, a_message_before_the_deadline_wins) {
    watchdog wd(30s, "async timeout beaten by a message");
    auto ends = courier::sync_channel<int>(0);
    auto& tx = ends.first;
    auto& rx = ends.second;
    int got = -1;
    auto timed = [&]() -> task {
        auto m = co_await rx.async_recv_timeout(10s);
        got = m.value_or(-2);
    };
    task t = timed();
    ASSERT_TRUE(tx.send(7).has_value());
    EXPECT_TRUE(t.done());
    EXPECT_EQ(got, 7);
}

// ---- resumption
// ----------------------------------------------------------------------------------

// Stage i of a ring: receives from its left channel, adds one, sends to its right channel.
task ring_stage(courier::receiver<int> left, courier::sync_sender<int> right, int laps) {
    for (int lap = 0; lap < laps; ++lap) {
        auto m = co_await left.async_recv();
        if (!m) {
            co_return;
        }
        if (!(co_await right.async_send(*m + 1))) {
            co_return;
        }
    }
}

TEST(async_resumption, a_ring_of_ten_thousand_rendezvous_stages_runs_on_an_ordinary_stack) {
    watchdog wd(120s, "a ring of 10 000 coroutines");
    constexpr int stages = 10'000;
    constexpr int laps = 3;
    int result = -1;
    // On a thread of its own with an 8 MiB stack (the Linux default): resumption must not nest.
    std::thread ring_thread([&] {
        std::vector<courier::sync_sender<int>> txs;
        std::vector<courier::receiver<int>> rxs;
        for (int i = 0; i <= stages; ++i) {
            auto ends = courier::sync_channel<int>(0);
            auto& tx = ends.first;
            auto& rx = ends.second;
            txs.push_back(std::move(tx));
            rxs.push_back(std::move(rx));
        }
        std::vector<task> ring;
        for (int i = 0; i < stages; ++i) {
            ring.push_back(ring_stage(std::move(rxs[static_cast<std::size_t>(i)]),
                                      txs[static_cast<std::size_t>(i) + 1], laps));
        }
        auto driver = [&]() -> task {
            for (int lap = 0; lap < laps; ++lap) {
                EXPECT_TRUE(co_await txs[0].async_send(0));
                auto m = co_await rxs[static_cast<std::size_t>(stages)].async_recv();
                result = m.value_or(-1);
            }
        };
        task d = driver();
        EXPECT_TRUE(d.done());
        for (auto& t : ring) {
            EXPECT_TRUE(t.done());
        }
    });
    ring_thread.join();
    EXPECT_EQ(result, stages);
}

TEST(async_resumption, a_coroutine_is_resumed_once_and_may_use_the_channel_at_once) {
    watchdog wd(30s, "resumed once");
    auto ends = courier::sync_channel<int>(0);
    auto& tx = ends.first;
    auto& rx = ends.second;
    std::atomic<int> resumes{0};
    std::atomic<int> last{-1};
    auto echo = [&]() -> task {
        for (int i = 0; i < 1000; ++i) {
            auto m = co_await rx.async_recv();
            ++resumes;
            last = m.value_or(-1);
        }
    };
    task t = echo();
    for (int i = 0; i < 1000; ++i) {
        ASSERT_TRUE(tx.send(i).has_value());
        // recv() resumed the coroutine before send() returned; it is suspended again, waiting.
        ASSERT_EQ(resumes.load(), i + 1);
        ASSERT_EQ(last.load(), i);
    }
    EXPECT_TRUE(t.done());
}

TEST(async_resumption, completes_without_suspending_when_the_operation_is_ready) {
    auto ends = courier::channel<int>();
    auto& tx = ends.first;
    auto& rx = ends.second;
    ASSERT_TRUE(tx.send(5).has_value());
    auto recv = rx.async_recv();
    EXPECT_TRUE(recv.await_ready());
    EXPECT_EQ(recv.await_resume().value_or(-1), 5);
    auto send = tx.async_send(6);
    EXPECT_TRUE(send.await_ready());
    EXPECT_TRUE(send.await_resume().has_value());
    EXPECT_EQ(rx.try_recv().value_or(-1), 6);
}

std::size_t thread_count() {
    std::ifstream status("/proc/self/status");
    std::string key;
    while (status >> key) {
        if (key == "Threads:") {
            std::size_t n = 0;
            status >> n;
            return n;
        }
    }
    return 0;
}

TEST(async_resumption, a_completed_await_ready_has_resumed_the_partner_it_woke) {
    // An awaitable driven by hand (as an executor adapter does, taking the result later): when
    // await_ready() completes the operation, the coroutine it paired with has run already.
    auto ends = courier::sync_channel<int>(0);
    auto& tx = ends.first;
    auto& rx = ends.second;
    int got = -1;
    auto receiving = [&]() -> task { got = (co_await rx.async_recv()).value_or(-2); };
    task t = receiving();
    ASSERT_FALSE(t.done());
    auto send = tx.async_send(8);
    ASSERT_TRUE(send.await_ready());
    EXPECT_TRUE(t.done()) << "the receiver was left queued until await_resume";
    EXPECT_EQ(got, 8);
    EXPECT_TRUE(send.await_resume().has_value());
}

TEST(async_resumption, suspended_coroutines_use_no_thread) {
    watchdog wd(60s, "many suspended coroutines");
    auto ends = courier::mpmc::channel<int>();
    auto& tx = ends.first;
    auto& rx = ends.second;
    const std::size_t threads_before = thread_count();
    constexpr int n = 10'000;
    std::vector<task> waiting;
    std::atomic<int> got{0};
    auto one = [&]() -> task {
        auto m = co_await rx.async_recv();
        got += m.value_or(0);
    };
    for (int i = 0; i < n; ++i) {
        waiting.push_back(one());
    }
    EXPECT_EQ(thread_count(), threads_before);
    for (int i = 0; i < n; ++i) {
        ASSERT_TRUE(tx.send(1).has_value());
    }
    EXPECT_EQ(got.load(), n);
    for (auto& t : waiting) {
        EXPECT_TRUE(t.done());
    }
}

// ---- destroyed while suspended
// -------------------------------------------------------------------

TEST(async_cancel, a_destroyed_receive_takes_nothing) {
    watchdog wd(30s, "a destroyed receive");
    for (std::size_t capacity : {0u, 1u}) {
        auto ends = courier::mpmc::sync_channel<int>(capacity);
        auto& tx = ends.first;
        auto& rx = ends.second;
        auto other = rx;
        std::vector<int> got;
        task gone = consume(rx, &got);
        EXPECT_FALSE(gone.done());
        gone.reset();  // the frame (and its receive) goes before anything was sent
        auto later = std::thread([&] { EXPECT_EQ(other.recv().value_or(-1), 9); });
        ASSERT_TRUE(tx.send(9).has_value());  // reaches the other receiver
        later.join();
        EXPECT_TRUE(got.empty());
    }
}

TEST(async_cancel, a_destroyed_send_destroys_its_value_undelivered) {
    watchdog wd(30s, "a destroyed send");
    tracked::reset();
    for (std::size_t capacity : {0u, 1u}) {
        auto ends = courier::sync_channel<tracked>(capacity);
        auto& tx = ends.first;
        auto& rx = ends.second;
        if (capacity == 1) {
            ASSERT_TRUE(tx.send(tracked(1)).has_value());  // full
        }
        auto send_one = [](courier::sync_sender<tracked> s) -> task {
            auto r = co_await s.async_send(tracked(2));
            static_cast<void>(r);
        };
        task gone = send_one(tx);
        EXPECT_FALSE(gone.done());
        gone.reset();
        if (capacity == 1) {
            auto m = rx.try_recv();
            ASSERT_TRUE(m.has_value());
            EXPECT_EQ(m->consume(), 1);
        }
        EXPECT_FALSE(rx.try_recv().has_value()) << "the destroyed send delivered its value";
    }
    EXPECT_EQ(tracked::live(), 0);
    EXPECT_EQ(tracked::dropped(), 2);  // the undelivered values, destroyed with their frames
}

TEST(async_cancel, a_coroutine_destroyed_while_queued_for_resumption_is_never_resumed) {
    watchdog wd(30s, "destroyed while queued");
    tracked::reset();
    auto ends = courier::mpmc::channel<tracked>();
    auto& tx = ends.first;
    auto& rx = ends.second;
    task victim;
    bool victim_resumed = false;
    bool killer_resumed = false;
    // The killer waits first, so a disconnection wakes it first; when it runs, the victim has been
    // woken too and is queued on this thread for resumption. The killer destroys it there.
    auto killer = [&]() -> task {
        auto m = co_await rx.async_recv();
        killer_resumed = !m.has_value();
        victim.reset();
    };
    auto prey = [&]() -> task {
        auto m = co_await rx.async_recv();
        victim_resumed = true;
        static_cast<void>(m);
    };
    task k = killer();
    victim = prey();
    EXPECT_FALSE(k.done());
    tx.reset();  // disconnects: both are woken, in the order they waited
    EXPECT_TRUE(k.done());
    EXPECT_TRUE(killer_resumed);
    EXPECT_FALSE(victim_resumed) << "a destroyed coroutine was resumed";
}

// ---- stop tokens

TEST(async_stop, a_stop_request_resumes_a_suspended_receive_having_taken_nothing) {
    watchdog wd(30s, "async_recv(st)");
    auto ends = courier::sync_channel<int>(0);
    auto& tx = ends.first;
    auto& rx = ends.second;
    std::stop_source source;
    courier::expected<int, courier::recv_timeout_error> got(courier::unexpect,
                                                            courier::recv_timeout_error::timeout);
    auto waiting = [&]() -> task { got = co_await rx.async_recv(source.get_token()); };
    task t = waiting();
    EXPECT_FALSE(t.done());
    std::thread stopper([&] { source.request_stop(); });  // resumes it on that thread
    stopper.join();
    EXPECT_TRUE(t.done());
    ASSERT_FALSE(got.has_value());
    EXPECT_EQ(got.error(), courier::recv_timeout_error::stopped);
    EXPECT_FALSE(tx.try_send(1).has_value()) << "the stopped receive is no longer waiting";
}

TEST(async_stop, a_stopped_send_hands_its_value_back) {
    watchdog wd(30s, "async_send(v, st)");
    auto ends = courier::sync_channel<std::string>(1);
    auto& tx = ends.first;
    auto& rx = ends.second;
    ASSERT_TRUE(tx.send("first").has_value());
    std::stop_source source;
    std::string back;
    bool stopped = false;
    auto sending = [&]() -> task {
        auto r = co_await tx.async_send_timeout(std::string("second"), 10s, source.get_token());
        stopped = !r && r.error().is_stopped();
        back = r ? "" : std::move(r.error().value);
    };
    task t = sending();
    EXPECT_FALSE(t.done());
    source.request_stop();
    EXPECT_TRUE(t.done());
    EXPECT_TRUE(stopped);
    EXPECT_EQ(back, "second");
    EXPECT_EQ(rx.try_recv().value_or(""), "first");
    EXPECT_FALSE(rx.try_recv().has_value());
}

TEST(async_stop, a_stop_requested_before_the_call_tries_once) {
    auto ends = courier::sync_channel<int>(1);
    auto& tx = ends.first;
    auto& rx = ends.second;
    std::stop_source source;
    source.request_stop();
    auto check = [&]() -> task {
        auto empty = co_await rx.async_recv(source.get_token());
        EXPECT_EQ(empty.error(), courier::recv_timeout_error::stopped);
        EXPECT_TRUE(co_await tx.async_send(7, source.get_token()));  // room: sent
        auto full = co_await tx.async_send_deadline(8, std::chrono::system_clock::now() + 10s,
                                                    source.get_token());
        EXPECT_TRUE(full.error().is_stopped());
        auto m = co_await rx.async_recv_timeout(10s, source.get_token());  // a message: taken
        EXPECT_EQ(m.value_or(-1), 7);
        tx.reset();
        auto gone = co_await rx.async_recv_deadline(std::chrono::steady_clock::now() + 10s,
                                                    source.get_token());
        EXPECT_EQ(gone.error(), courier::recv_timeout_error::disconnected);
        // Empty handles behave as a disconnected channel's, stopped or not.
        const courier::mpmc::receiver<int> no_rx;
        const courier::mpmc::sender<int> no_tx;
        auto none = co_await no_rx.async_recv(source.get_token());
        EXPECT_EQ(none.error(), courier::recv_timeout_error::disconnected);
        auto back = co_await no_tx.async_send(9, source.get_token());
        EXPECT_FALSE(back.has_value());
        EXPECT_TRUE(!back && back.error().is_disconnected());
        EXPECT_EQ(!back ? back.error().value : -1, 9);
        EXPECT_FALSE(co_await no_rx.async_recv());
    };
    task t = check();
    EXPECT_TRUE(t.done());
    t.check();
}

TEST(async_stop, a_stop_racing_a_partner_lets_exactly_one_win) {
    watchdog wd(120s, "a stop racing a partner");
    const int rounds = static_cast<int>(scaled(1'000));
    int received = 0;
    int stopped = 0;
    int not_delivered = 0;
    for (int i = 0; i < rounds; ++i) {
        const std::size_t capacity = i % 2 == 0 ? 0 : 1;
        auto ends = courier::sync_channel<int>(capacity);
        auto& tx = ends.first;
        auto& rx = ends.second;
        std::stop_source source;
        std::atomic<int> outcome{0};  // 1 received, 2 stopped, 3 something else
        auto waiting = [&]() -> task {
            auto m = co_await rx.async_recv(source.get_token());
            outcome = m ? 1 : (m.error() == courier::recv_timeout_error::stopped ? 2 : 3);
        };
        task t = waiting();
        std::atomic<bool> handed_back{false};
        std::thread partner([&] { handed_back = !tx.send_timeout(i, 2ms).has_value(); });
        std::thread stopper([&] { source.request_stop(); });
        partner.join();
        stopper.join();
        ASSERT_TRUE(wait_done(10s, t));
        ASSERT_NE(outcome.load(), 3);
        if (outcome == 1) {
            ++received;
            EXPECT_FALSE(handed_back.load());
            continue;
        }
        ++stopped;
        // Stopped: the message was handed back, or (capacity 1) is still buffered.
        const bool buffered = rx.try_recv().has_value();
        EXPECT_TRUE(handed_back.load() != buffered) << "round " << i;
        ++not_delivered;
    }
    EXPECT_EQ(received + stopped, rounds);
    EXPECT_EQ(received + not_delivered, rounds);
}

// ---- errors
// ---------------------------------------------------------------------------------------

TEST(async_errors, a_throwing_move_reaches_the_awaiting_coroutine_and_loses_nothing) {
    watchdog wd(30s, "a throwing move");
    throwing_move::counters().reset();
    auto ends = courier::channel<throwing_move>();
    auto& tx = ends.first;
    auto& rx = ends.second;
    ASSERT_TRUE(tx.send(throwing_move(1)).has_value());
    bool caught = false;
    auto recv_one = [&]() -> task {
        try {
            throwing_move::arm(1);
            auto m = co_await rx.async_recv();
            static_cast<void>(m);
        } catch (const move_error&) {
            caught = true;
        }
        throwing_move::disarm();
    };
    task t = recv_one();
    EXPECT_TRUE(t.done());
    EXPECT_TRUE(caught);
    auto again = rx.try_recv();  // the message stayed in the channel
    ASSERT_TRUE(again.has_value());
    EXPECT_EQ(again->consume(), 1);
}

TEST(async_errors, a_rendezvous_receive_whose_move_throws_leaves_the_message_with_the_sender) {
    watchdog wd(30s, "a throwing move in a rendezvous hand-off to a coroutine");
    throwing_move::counters().reset();
    auto ends = courier::sync_channel<throwing_move>(0);
    auto& tx = ends.first;
    auto& rx = ends.second;
    bool caught = false;
    auto recv_one = [&]() -> task {
        try {
            auto m = co_await rx.async_recv();
            static_cast<void>(m);
        } catch (const move_error&) {
            caught = true;
        }
    };
    task t = recv_one();
    ASSERT_FALSE(t.done());
    throwing_move value(5);
    throwing_move::arm(2);  // 1: into send_timeout's parameter; 2: the coroutine's move out
    auto r = tx.send_timeout(std::move(value), 50ms);
    EXPECT_TRUE(throwing_move::disarm());
    EXPECT_TRUE(t.done());
    EXPECT_TRUE(caught) << "the exception reaches the receiving coroutine";
    ASSERT_FALSE(r.has_value()) << "no receiver was left to take it";
    EXPECT_TRUE(r.error().is_timeout());
    EXPECT_EQ(r.error().value.consume(), 5) << "the sender kept its message";
}

}  // namespace
}  // namespace courier_test
