// The Asio adapter (<courier/asio.hpp>): completion tokens (use_awaitable, callbacks, use_future,
// as_tuple), the handler's executor, per-operation cancellation that loses nothing, async_select
// from an asio::awaitable, and Asio coroutines mixed with threads on one channel.
#include <gtest/gtest.h>
#include <courier/asio.hpp>
#include <courier/courier.hpp>

#include <asio/bind_cancellation_slot.hpp>
#include <asio/bind_executor.hpp>
#include <asio/cancellation_signal.hpp>
#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/io_context.hpp>
#include <asio/post.hpp>
#include <asio/thread_pool.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/use_future.hpp>

#include <atomic>
#include <chrono>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "support/stress.hpp"
#include "support/tracked.hpp"
#include "support/watchdog.hpp"

namespace courier_test {
namespace {

using namespace std::chrono_literals;

TEST(asio_adapter, use_awaitable_receives_on_the_coroutines_executor) {
    watchdog wd(30s, "asio use_awaitable");
    asio::io_context io;
    auto ends = courier::sync_channel<int>(0);
    auto& tx = ends.first;
    auto& rx = ends.second;
    std::vector<int> got;
    std::thread::id io_thread;
    bool on_io_thread = true;
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
            for (;;) {
                auto m = co_await courier::asio::async_recv(rx, asio::use_awaitable);
                on_io_thread = on_io_thread && std::this_thread::get_id() == io_thread;
                if (!m) {
                    EXPECT_EQ(m.error(), courier::recv_timeout_error::disconnected);
                    co_return;
                }
                got.push_back(*m);
            }
        },
        asio::detached);
    std::thread sender([&, tx = std::move(tx)] {
        for (int i = 0; i < 1000; ++i) {
            ASSERT_TRUE(tx.send(i).has_value());  // a blocked thread pairs with the Asio coroutine
        }
    });
    io_thread = std::this_thread::get_id();
    io.run();  // returns once the coroutine ended: the operations kept the context busy
    sender.join();
    ASSERT_EQ(got.size(), 1000u);
    for (int i = 0; i < 1000; ++i) {
        EXPECT_EQ(got[static_cast<std::size_t>(i)], i);
    }
    EXPECT_TRUE(on_io_thread) << "a completion ran outside the io_context";
}

TEST(asio_adapter, callbacks_run_on_their_bound_executor_never_inside_the_initiating_call) {
    watchdog wd(30s, "asio callbacks");
    asio::io_context io;
    auto ends = courier::channel<std::string>();
    auto& tx = ends.first;
    auto& rx = ends.second;
    ASSERT_TRUE(tx.send("ready").has_value());
    bool called = false;
    std::thread::id ran_on;
    courier::asio::async_recv(rx, asio::bind_executor(io, [&](std::exception_ptr e, auto m) {
                                  EXPECT_FALSE(e);
                                  EXPECT_EQ(m.value_or(""), "ready");
                                  called = true;
                                  ran_on = std::this_thread::get_id();
                              }));
    EXPECT_FALSE(called) << "the handler ran inside the initiating function";
    std::thread runner([&] { io.run(); });
    const auto runner_id = runner.get_id();
    runner.join();
    EXPECT_TRUE(called);
    EXPECT_EQ(ran_on, runner_id);

    std::atomic<bool> sent{false};
    courier::asio::async_send(tx, std::string("x"), [&](std::exception_ptr, auto r) {
        sent = r.has_value();  // no associated executor: the system executor
    });
    for (int i = 0; i < 1000 && !sent; ++i) {
        std::this_thread::sleep_for(1ms);
    }
    EXPECT_TRUE(sent);
    EXPECT_EQ(rx.try_recv().value_or(""), "x");
}

TEST(asio_adapter, use_future_and_as_tuple) {
    watchdog wd(30s, "asio futures");
    auto ends = courier::mpmc::channel<int>();
    auto& tx = ends.first;
    auto& rx = ends.second;
    auto f = courier::asio::async_recv(rx, asio::use_future);
    ASSERT_TRUE(tx.send(5).has_value());
    EXPECT_EQ(f.get().value_or(-1), 5);

    asio::io_context io;
    int got = -1;
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
            auto [e, m] = co_await courier::asio::async_recv_timeout(
                rx, 10ms, asio::experimental::as_tuple(asio::use_awaitable));
            EXPECT_FALSE(e);
            got = m ? *m : static_cast<int>(m.error());
        },
        asio::detached);
    io.run();
    EXPECT_EQ(got, static_cast<int>(courier::recv_timeout_error::timeout));
}

TEST(asio_adapter, a_timed_send_on_a_full_channel_times_out_and_hands_its_value_back) {
    watchdog wd(30s, "asio timed send");
    auto ends = courier::sync_channel<std::string>(1);
    auto& tx = ends.first;
    auto& rx = ends.second;
    ASSERT_TRUE(tx.send("first").has_value());
    asio::io_context io;
    std::string handed_back;
    std::optional<courier::send_status> kind;
    bool no_deadline_sent = false;
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
            // Full: the timed send gives up after its timeout with the value in the error.
            auto r = co_await courier::asio::async_send_timeout(tx, std::string("second"), 20ms,
                                                                asio::use_awaitable);
            if (!r) {
                kind = r.error().kind;
                handed_back = std::move(r.error().value);
            }
            // Room again: the untimed send completes (the receive below made room).
            EXPECT_EQ(rx.recv().value_or(""), "first");
            no_deadline_sent =
                (co_await courier::asio::async_send(tx, std::string("third"), asio::use_awaitable))
                    .has_value();
        },
        asio::detached);
    io.run();
    EXPECT_EQ(kind, courier::send_status::timeout);
    EXPECT_EQ(handed_back, "second");
    EXPECT_TRUE(no_deadline_sent);
    EXPECT_EQ(rx.try_recv().value_or(""), "third");
}

TEST(asio_adapter, a_cancelled_receive_takes_nothing_and_a_cancelled_send_hands_its_value_back) {
    watchdog wd(30s, "asio cancellation");
    tracked::reset();
    asio::io_context io;
    auto ends = courier::sync_channel<tracked>(1);
    auto& tx = ends.first;
    auto& rx = ends.second;
    asio::cancellation_signal cancel_recv;
    asio::cancellation_signal cancel_send;
    std::optional<courier::recv_timeout_error> recv_error;
    courier::asio::async_recv(
        rx, asio::bind_cancellation_slot(cancel_recv.slot(),
                                         asio::bind_executor(io, [&](std::exception_ptr, auto m) {
                                             if (!m) {
                                                 recv_error = m.error();
                                             }
                                         })));
    asio::post(io, [&] { cancel_recv.emit(asio::cancellation_type::terminal); });
    io.run();
    io.restart();
    EXPECT_EQ(recv_error, courier::recv_timeout_error::stopped);

    ASSERT_TRUE(tx.send(tracked(1)).has_value());  // full now
    std::optional<std::int64_t> handed_back;
    courier::asio::async_send(
        tx, tracked(2),
        asio::bind_cancellation_slot(cancel_send.slot(),
                                     asio::bind_executor(io, [&](std::exception_ptr, auto r) {
                                         if (!r && r.error().is_stopped()) {
                                             handed_back = r.error().value.consume();
                                         }
                                     })));
    asio::post(io, [&] { cancel_send.emit(asio::cancellation_type::terminal); });
    io.run();
    EXPECT_EQ(handed_back, 2);
    auto first = rx.try_recv();
    ASSERT_TRUE(first.has_value());
    EXPECT_EQ(first->consume(), 1);
    EXPECT_FALSE(rx.try_recv().has_value()) << "the cancelled send delivered its value";
    EXPECT_EQ(tracked::dropped(), 0);
}

TEST(asio_adapter, cancellation_racing_a_sender_loses_no_message) {
    watchdog wd(120s, "asio cancellation race");
    const int rounds = static_cast<int>(scaled(500));
    int received = 0;
    int cancelled = 0;
    for (int i = 0; i < rounds; ++i) {
        asio::io_context io;
        auto ends = courier::sync_channel<int>(i % 2 == 0 ? 0 : 1);
        auto& tx = ends.first;
        auto& rx = ends.second;
        asio::cancellation_signal cancel;
        int outcome = 0;
        courier::asio::async_recv(
            rx, asio::bind_cancellation_slot(
                    cancel.slot(), asio::bind_executor(io, [&](std::exception_ptr, auto m) {
                        outcome = m ? 1 : 2;
                    })));
        std::atomic<bool> handed_back{false};
        std::thread sender([&] { handed_back = !tx.send_timeout(i, 2ms).has_value(); });
        asio::post(io, [&] { cancel.emit(asio::cancellation_type::terminal); });
        io.run();
        sender.join();
        if (outcome == 1) {
            ++received;
            EXPECT_FALSE(handed_back.load());
        } else {
            ASSERT_EQ(outcome, 2);
            ++cancelled;
            // Not received: handed back to the sender, or (capacity 1) still buffered.
            EXPECT_NE(handed_back.load(), rx.try_recv().has_value()) << "round " << i;
        }
    }
    EXPECT_EQ(received + cancelled, rounds);
}

TEST(asio_adapter, async_select_from_an_awaitable_runs_the_arm_on_its_executor) {
    watchdog wd(30s, "asio async_select");
    asio::io_context io;
    auto a = courier::mpmc::sync_channel<int>(0);
    auto b = courier::mpmc::channel<std::string>();
    std::string event;
    std::thread::id io_thread = std::this_thread::get_id();
    bool arm_on_io_thread = false;
    std::optional<std::size_t> fired;
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
            fired = co_await courier::asio::async_select(
                asio::use_awaitable, courier::on_recv(a.second, [&](auto) { event = "a"; }),
                courier::on_recv(b.second,
                                 [&](courier::expected<std::string, courier::recv_error> m) {
                                     event = m.value_or("closed");
                                     arm_on_io_thread = std::this_thread::get_id() == io_thread;
                                 }),
                courier::on_timeout(10s, [&] { event = "timeout"; }));
        },
        asio::detached);
    std::thread sender([&] {
        std::this_thread::sleep_for(20ms);
        ASSERT_TRUE(b.first.send("from a thread").has_value());
    });
    io.run();
    sender.join();
    EXPECT_EQ(fired, 1u);
    EXPECT_EQ(event, "from a thread");
    EXPECT_TRUE(arm_on_io_thread);
}

TEST(asio_adapter, asio_coroutines_on_two_threads_hand_off_through_a_rendezvous) {
    watchdog wd(60s, "asio rendezvous between coroutines on two threads");
    const std::uint64_t n = scaled(5'000);
    for (std::size_t capacity : {0u, 1u}) {
        asio::io_context io(2);
        auto ch = courier::mpmc::sync_channel<std::uint64_t>(capacity);
        std::uint64_t sum = 0;
        asio::co_spawn(
            io,
            [&]() -> asio::awaitable<void> {
                for (std::uint64_t i = 0; i < n; ++i) {
                    sum += (co_await courier::asio::async_recv(ch.second, asio::use_awaitable))
                               .value_or(0);
                }
            },
            asio::detached);
        asio::co_spawn(
            io,
            [&]() -> asio::awaitable<void> {
                for (std::uint64_t i = 1; i <= n; ++i) {
                    EXPECT_TRUE(
                        co_await courier::asio::async_send(ch.first, i, asio::use_awaitable));
                }
            },
            asio::detached);
        std::thread second([&] { io.run(); });
        io.run();
        second.join();
        EXPECT_EQ(sum, n * (n + 1) / 2) << "capacity " << capacity;
    }
}

TEST(asio_adapter, asio_coroutines_on_a_thread_pool_and_threads_share_the_work) {
    watchdog wd(60s, "asio pool and threads");
    const int n = static_cast<int>(scaled(20'000));
    asio::thread_pool pool(2);
    auto jobs = courier::mpmc::sync_channel<int>(16);
    auto results = courier::mpmc::channel<int>();
    for (int w = 0; w < 4; ++w) {
        asio::co_spawn(
            pool,
            [&jobs, &results]() -> asio::awaitable<void> {
                for (;;) {
                    auto job = co_await courier::asio::async_recv(jobs.second, asio::use_awaitable);
                    if (!job) {
                        co_return;
                    }
                    auto r = co_await courier::asio::async_send(results.first, *job * 2,
                                                                asio::use_awaitable);
                    EXPECT_TRUE(r.has_value());
                }
            },
            asio::detached);
    }
    std::thread thread_worker([rx = jobs.second, tx = results.first] {
        while (auto job = rx.recv()) {
            ASSERT_TRUE(tx.send(*job * 2).has_value());
        }
    });
    for (int i = 1; i <= n; ++i) {
        ASSERT_TRUE(jobs.first.send(i).has_value());
    }
    jobs.first.reset();
    long long sum = 0;
    for (int i = 0; i < n; ++i) {
        sum += results.second.recv().value_or(0);
    }
    thread_worker.join();
    pool.join();
    EXPECT_EQ(sum, static_cast<long long>(n) * (n + 1));
}

}  // namespace
}  // namespace courier_test
