// The engine with another waiter: this program is compiled with COURIER_WAITER_HEADER naming
// support/callback_waiter.hpp, so every blocking operation and every select waits in a
// callback_waiter instead of a thread_waiter. The shared flavor suite and a select check run
// unchanged against it; the waker and the flavors know waiters only through their interface.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include <courier/select.hpp>

#include "support/channel_suite.hpp"

static_assert(std::is_same_v<courier::detail::blocking_waiter, courier::detail::callback_waiter>,
              "this test must be compiled with COURIER_WAITER_HEADER=support/callback_waiter.hpp");

namespace courier_test {

// The two flavors whose sends and receives both wait (list sends never do).
using callback_flavors = ::testing::Types<array_flavor, zero_flavor>;
INSTANTIATE_TYPED_TEST_SUITE_P(callback_waiter, channel_suite, callback_flavors);

// A receive that has to wait is woken through the callback, and so is a select over two channels.
TEST(callback_waiter_engine, blocked_operations_wake_through_the_callback) {
    watchdog wd(std::chrono::seconds(30), "waits on callback waiters");
    const auto before = courier::detail::callback_waiter::wakes();

    auto [tx, rx] = courier::sync_channel<int>(0);
    std::jthread sender([&tx = tx] {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        EXPECT_TRUE(tx.send(7).has_value());
    });
    auto r = rx.recv();
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(*r, 7);
    sender.join();

    auto [atx, arx] = courier::mpmc::channel<int>();
    auto [btx, brx] = courier::mpmc::sync_channel<int>(1);
    std::jthread late([&btx = btx] {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        EXPECT_TRUE(btx.send(9).has_value());
    });
    int got = 0;
    const std::size_t index = courier::select(
        courier::on_recv(arx, [&](courier::expected<int, courier::recv_error>) { got = -1; }),
        courier::on_recv(brx, [&](courier::expected<int, courier::recv_error> v) { got = *v; }));
    late.join();
    EXPECT_EQ(index, 1u);
    EXPECT_EQ(got, 9);

    EXPECT_GE(courier::detail::callback_waiter::wakes() - before, 2u)
        << "the blocked receive and the select were not woken through the callback";
}

}  // namespace courier_test
