// The Asio adapters (<courier/asio.hpp>, and <courier/boost_asio.hpp> when this file is built with
// COURIER_TEST_BOOST_ASIO): completion tokens (use_awaitable, callbacks, use_future, as_tuple), the
// handler's executor, per-operation cancellation that loses nothing, async_select from an
// awaitable, and Asio coroutines mixed with threads on one channel. One source for both adapters:
// `net` is the Asio, `adapter` courier's namespace for it.
#include <gtest/gtest.h>
#include <courier/courier.hpp>

#if defined(COURIER_TEST_BOOST_ASIO)
#include <courier/boost_asio.hpp>

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/asio/version.hpp>
namespace net = boost::asio;
namespace adapter = courier::boost_asio;
// Per-operation cancellation (cancellation slots) and as_tuple: Boost 1.77 (Boost.Asio 1.19) on.
#if BOOST_ASIO_VERSION >= 101900
#define COURIER_TEST_ASIO_1_19 1
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/experimental/as_tuple.hpp>
#else
#define COURIER_TEST_ASIO_1_19 0
#endif
#else
#include <courier/asio.hpp>

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
namespace net = ::asio;
namespace adapter = courier::asio;
#define COURIER_TEST_ASIO_1_19 1
#endif

#include <atomic>
#include <chrono>
#include <optional>
#include <stdexcept>
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
    net::io_context io;
    auto ends = courier::sync_channel<int>(0);
    auto& tx = ends.first;
    auto& rx = ends.second;
    std::vector<int> got;
    std::thread::id io_thread;
    bool on_io_thread = true;
    net::co_spawn(
        io,
        [&]() -> net::awaitable<void> {
            for (;;) {
                auto m = co_await adapter::async_recv(rx, net::use_awaitable);
                on_io_thread = on_io_thread && std::this_thread::get_id() == io_thread;
                if (!m) {
                    EXPECT_EQ(m.error(), courier::recv_timeout_error::disconnected);
                    co_return;
                }
                got.push_back(*m);
            }
        },
        net::detached);
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
    net::io_context io;
    auto ends = courier::channel<std::string>();
    auto& tx = ends.first;
    auto& rx = ends.second;
    ASSERT_TRUE(tx.send("ready").has_value());
    bool called = false;
    std::thread::id ran_on;
    adapter::async_recv(rx, net::bind_executor(io, [&](std::exception_ptr e, auto m) {
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
    adapter::async_send(tx, std::string("x"), [&](std::exception_ptr, auto r) {
        sent = r.has_value();  // no associated executor: the system executor
    });
    for (int i = 0; i < 1000 && !sent; ++i) {
        std::this_thread::sleep_for(1ms);
    }
    EXPECT_TRUE(sent);
    EXPECT_EQ(rx.try_recv().value_or(""), "x");
}

// Operations that can complete in their initiating function (a message or room is there, the
// channel is disconnected) still complete only through the
// handler's executor, with the same results, exceptions and values handed back as when they wait.
TEST(asio_adapter, operations_that_complete_at_once_still_complete_on_the_executor) {
    watchdog wd(30s, "asio immediate completions");
    net::io_context io;
    int calls = 0;
    const auto on_io = [&](auto f) { return net::bind_executor(io, std::move(f)); };

    // Disconnected: a receive reports it, a send hands its value back.
    auto [dead_tx, dead_rx] = courier::sync_channel<std::string>(4);
    dead_tx.reset();
    std::optional<courier::recv_timeout_error> recv_error;
    adapter::async_recv(dead_rx, on_io([&](std::exception_ptr e, auto m) {
                            EXPECT_FALSE(e);
                            recv_error = m.error();
                            ++calls;
                        }));
    auto [lone_tx, lone_rx] = courier::mpmc::sync_channel<std::string>(0);
    lone_rx.reset();
    std::optional<courier::send_status> send_kind;
    std::string handed_back;
    adapter::async_send(lone_tx, std::string("kept"), on_io([&](std::exception_ptr e, auto r) {
                            EXPECT_FALSE(e);
                            send_kind = r.error().kind;
                            handed_back = std::move(r.error().value);
                            ++calls;
                        }));

    // Room in a bounded channel: the send completes at once.
    auto [room_tx, room_rx] = courier::sync_channel<int>(1);
    bool room_sent = false;
    adapter::async_send(room_tx, 7, on_io([&](std::exception_ptr e, auto r) {
                            EXPECT_FALSE(e);
                            room_sent = r.has_value();
                            ++calls;
                        }));

    // A buffered message whose move throws: the handler gets the exception, and the message stays
    // in the channel.
    throwing_move::reset();
    auto [tm_tx, tm_rx] = courier::channel<throwing_move>();
    ASSERT_TRUE(tm_tx.send(throwing_move(5)).has_value());
    std::exception_ptr thrown;
    throwing_move::arm(1);
    adapter::async_recv(tm_rx, on_io([&](std::exception_ptr e, auto) {
                            thrown = e;
                            ++calls;
                        }));
    throwing_move::disarm();

    EXPECT_EQ(calls, 0) << "a handler ran inside its initiating function";
    io.run();
    EXPECT_EQ(calls, 4);
    EXPECT_EQ(recv_error, courier::recv_timeout_error::disconnected);
    EXPECT_EQ(send_kind, courier::send_status::disconnected);
    EXPECT_EQ(handed_back, "kept");
    EXPECT_TRUE(room_sent);
    EXPECT_EQ(room_rx.try_recv().value_or(-1), 7);
    ASSERT_TRUE(thrown);
    EXPECT_THROW(std::rethrow_exception(thrown), move_error);
    auto m = tm_rx.try_recv();
    ASSERT_TRUE(m.has_value()) << "the message whose move threw was lost";
    EXPECT_EQ(m->consume(), 5);
    EXPECT_EQ(throwing_move::dropped(), 0);
}

// A completion handler that throws: the exception leaves the executor's run(), as one from any
// Asio handler does, whether the operation waited or completed at once; the context stays usable.
TEST(asio_adapter, an_exception_from_a_completion_handler_leaves_run) {
    watchdog wd(30s, "asio throwing handlers");
    net::io_context io;
    auto ends = courier::sync_channel<int>(1);
    auto& tx = ends.first;
    auto& rx = ends.second;
    int handled = 0;
    const auto throwing = [&](std::exception_ptr e, auto m) {
        EXPECT_FALSE(e);
        EXPECT_TRUE(m.has_value());
        ++handled;
        throw std::runtime_error("from the handler");
    };
    // Waits (nothing is there), then a send on this thread completes it.
    adapter::async_recv(rx, net::bind_executor(io, throwing));
    ASSERT_TRUE(tx.send(1).has_value());
    EXPECT_THROW(io.run(), std::runtime_error);
    EXPECT_EQ(handled, 1);
    // Completes at once (a message is there).
    ASSERT_TRUE(tx.send(2).has_value());
    adapter::async_recv(rx, net::bind_executor(io, throwing));
    io.restart();
    EXPECT_THROW(io.run(), std::runtime_error);
    EXPECT_EQ(handled, 2);
    // The context goes on working.
    bool sent = false;
    adapter::async_send(
        tx, 3, net::bind_executor(io, [&](std::exception_ptr, auto r) { sent = r.has_value(); }));
    io.restart();
    io.run();
    EXPECT_TRUE(sent);
    EXPECT_EQ(rx.try_recv().value_or(-1), 3);
}

TEST(asio_adapter, use_future_and_as_tuple) {
    watchdog wd(30s, "asio futures");
    auto ends = courier::mpmc::channel<int>();
    auto& tx = ends.first;
    auto& rx = ends.second;
    auto f = adapter::async_recv(rx, net::use_future);
    ASSERT_TRUE(tx.send(5).has_value());
    EXPECT_EQ(f.get().value_or(-1), 5);

    net::io_context io;
    int got = -1;
    net::co_spawn(
        io,
        [&]() -> net::awaitable<void> {
#if COURIER_TEST_ASIO_1_19
            auto [e, m] = co_await adapter::async_recv_timeout(
                rx, 10ms, net::experimental::as_tuple(net::use_awaitable));
            EXPECT_FALSE(e);
#else
            auto m = co_await adapter::async_recv_timeout(rx, 10ms, net::use_awaitable);
#endif
            got = m ? *m : static_cast<int>(m.error());
        },
        net::detached);
    io.run();
    EXPECT_EQ(got, static_cast<int>(courier::recv_timeout_error::timeout));
}

TEST(asio_adapter, a_timed_send_on_a_full_channel_times_out_and_hands_its_value_back) {
    watchdog wd(30s, "asio timed send");
    auto ends = courier::sync_channel<std::string>(1);
    auto& tx = ends.first;
    auto& rx = ends.second;
    ASSERT_TRUE(tx.send("first").has_value());
    net::io_context io;
    std::string handed_back;
    std::optional<courier::send_status> kind;
    bool no_deadline_sent = false;
    net::co_spawn(
        io,
        [&]() -> net::awaitable<void> {
            // Full: the timed send gives up after its timeout with the value in the error.
            auto r = co_await adapter::async_send_timeout(tx, std::string("second"), 20ms,
                                                          net::use_awaitable);
            if (!r) {
                kind = r.error().kind;
                handed_back = std::move(r.error().value);
            }
            // Room again: the untimed send completes (the receive below made room).
            EXPECT_EQ(rx.recv().value_or(""), "first");
            no_deadline_sent =
                (co_await adapter::async_send(tx, std::string("third"), net::use_awaitable))
                    .has_value();
        },
        net::detached);
    io.run();
    EXPECT_EQ(kind, courier::send_status::timeout);
    EXPECT_EQ(handed_back, "second");
    EXPECT_TRUE(no_deadline_sent);
    EXPECT_EQ(rx.try_recv().value_or(""), "third");
}

#if COURIER_TEST_ASIO_1_19  // per-operation cancellation
TEST(asio_adapter, a_cancelled_receive_takes_nothing_and_a_cancelled_send_hands_its_value_back) {
    watchdog wd(30s, "asio cancellation");
    tracked::reset();
    net::io_context io;
    auto ends = courier::sync_channel<tracked>(1);
    auto& tx = ends.first;
    auto& rx = ends.second;
    net::cancellation_signal cancel_recv;
    net::cancellation_signal cancel_send;
    std::optional<courier::recv_timeout_error> recv_error;
    adapter::async_recv(
        rx, net::bind_cancellation_slot(cancel_recv.slot(),
                                        net::bind_executor(io, [&](std::exception_ptr, auto m) {
                                            if (!m) {
                                                recv_error = m.error();
                                            }
                                        })));
    net::post(io, [&] { cancel_recv.emit(net::cancellation_type::terminal); });
    io.run();
    io.restart();
    EXPECT_EQ(recv_error, courier::recv_timeout_error::stopped);

    ASSERT_TRUE(tx.send(tracked(1)).has_value());  // full now
    std::optional<std::int64_t> handed_back;
    adapter::async_send(
        tx, tracked(2),
        net::bind_cancellation_slot(cancel_send.slot(),
                                    net::bind_executor(io, [&](std::exception_ptr, auto r) {
                                        if (!r && r.error().is_stopped()) {
                                            handed_back = r.error().value.consume();
                                        }
                                    })));
    net::post(io, [&] { cancel_send.emit(net::cancellation_type::terminal); });
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
        net::io_context io;
        auto ends = courier::sync_channel<int>(i % 2 == 0 ? 0 : 1);
        auto& tx = ends.first;
        auto& rx = ends.second;
        net::cancellation_signal cancel;
        int outcome = 0;
        adapter::async_recv(
            rx, net::bind_cancellation_slot(cancel.slot(),
                                            net::bind_executor(io, [&](std::exception_ptr, auto m) {
                                                outcome = m ? 1 : 2;
                                            })));
        std::atomic<bool> handed_back{false};
        std::thread sender([&] { handed_back = !tx.send_timeout(i, 2ms).has_value(); });
        net::post(io, [&] { cancel.emit(net::cancellation_type::terminal); });
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
#endif

TEST(asio_adapter, async_select_from_an_awaitable_runs_the_arm_on_its_executor) {
    watchdog wd(30s, "asio async_select");
    net::io_context io;
    auto a = courier::mpmc::sync_channel<int>(0);
    auto b = courier::mpmc::channel<std::string>();
    std::string event;
    std::thread::id io_thread = std::this_thread::get_id();
    bool arm_on_io_thread = false;
    std::optional<std::size_t> fired;
    net::co_spawn(
        io,
        [&]() -> net::awaitable<void> {
            fired = co_await adapter::async_select(
                net::use_awaitable, courier::on_recv(a.second, [&](auto) { event = "a"; }),
                courier::on_recv(b.second,
                                 [&](courier::expected<std::string, courier::recv_error> m) {
                                     event = m.value_or("closed");
                                     arm_on_io_thread = std::this_thread::get_id() == io_thread;
                                 }),
                courier::on_timeout(10s, [&] { event = "timeout"; }));
        },
        net::detached);
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
        net::io_context io(2);
        auto ch = courier::mpmc::sync_channel<std::uint64_t>(capacity);
        std::uint64_t sum = 0;
        net::co_spawn(
            io,
            [&]() -> net::awaitable<void> {
                for (std::uint64_t i = 0; i < n; ++i) {
                    sum +=
                        (co_await adapter::async_recv(ch.second, net::use_awaitable)).value_or(0);
                }
            },
            net::detached);
        net::co_spawn(
            io,
            [&]() -> net::awaitable<void> {
                for (std::uint64_t i = 1; i <= n; ++i) {
                    EXPECT_TRUE(co_await adapter::async_send(ch.first, i, net::use_awaitable));
                }
            },
            net::detached);
        std::thread second([&] { io.run(); });
        io.run();
        second.join();
        EXPECT_EQ(sum, n * (n + 1) / 2) << "capacity " << capacity;
    }
}

TEST(asio_adapter, asio_coroutines_on_a_thread_pool_and_threads_share_the_work) {
    watchdog wd(60s, "asio pool and threads");
    const int n = static_cast<int>(scaled(20'000));
    net::thread_pool pool(2);
    auto jobs = courier::mpmc::sync_channel<int>(16);
    auto results = courier::mpmc::channel<int>();
    for (int w = 0; w < 4; ++w) {
        net::co_spawn(
            pool,
            [&jobs, &results]() -> net::awaitable<void> {
                for (;;) {
                    auto job = co_await adapter::async_recv(jobs.second, net::use_awaitable);
                    if (!job) {
                        co_return;
                    }
                    auto r =
                        co_await adapter::async_send(results.first, *job * 2, net::use_awaitable);
                    EXPECT_TRUE(r.has_value());
                }
            },
            net::detached);
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
