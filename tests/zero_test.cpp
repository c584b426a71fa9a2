// Rendezvous channels (courier::sync_channel(0)): the shared flavor suite, and what only a
// rendezvous channel has.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include <courier/select.hpp>

#include "support/channel_suite.hpp"

namespace courier_test {

using zero_flavors = ::testing::Types<zero_flavor>;
INSTANTIATE_TYPED_TEST_SUITE_P(zero, channel_suite, zero_flavors);

TEST(zero_channel, send_waits_for_the_receiver) {
    watchdog wd(std::chrono::seconds(30), "a rendezvous send");
    auto [tx, rx] = courier::sync_channel<int>(0);
    std::atomic<bool> returned{false};
    std::jthread sender([&tx = tx, &returned] {
        EXPECT_TRUE(tx.send(1).has_value());
        returned.store(true);
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    EXPECT_FALSE(returned.load()) << "send returned before any receive";
    auto r = rx.recv();
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(*r, 1);
    sender.join();
    EXPECT_TRUE(returned.load());
}

TEST(zero_channel, receiver_waits_for_the_sender) {
    watchdog wd(std::chrono::seconds(30), "a rendezvous receive");
    auto [tx, rx] = courier::sync_channel<int>(0);
    auto call = start_async([&rx = rx] { return rx.recv(); });
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    EXPECT_FALSE(call->done());
    // A waiting receiver lets try_send complete at once.
    auto t = tx.try_send(3);
    for (int i = 0; !t && i < 1000; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
        t = tx.try_send(std::move(t.error().value));
    }
    EXPECT_TRUE(t.has_value()) << "try_send did not meet a waiting receiver";
    auto r = call->get();
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(*r, 3);
}

// A try pairs with an operation waiting in a select, on either side, and once that select has
// given up (its timeout) the try finds nobody again: tries see every registration and every
// withdrawal, also where they skip the channel's lock because nobody waits.
TEST(zero_channel, tries_pair_with_waiting_select_arms) {
    using namespace std::chrono_literals;
    watchdog wd(std::chrono::seconds(30), "tries against waiting select arms");
    auto [tx, rx] = courier::sync_channel<int>(0);
    EXPECT_EQ(rx.try_recv().error(), courier::try_recv_error::empty);
    EXPECT_TRUE(tx.try_send(0).error().is_full());

    // A receiving select waits; try_send hands it the message.
    auto receiving = start_async([&rx = rx] {
        int got = -1;
        const std::size_t arm =
            courier::select(courier::on_recv(rx, [&](auto m) { got = m.value_or(-2); }),
                            courier::on_timeout(20s, [] {}));
        return arm == 0 ? got : -3;
    });
    auto t = tx.try_send(7);
    while (!t) {
        std::this_thread::sleep_for(1ms);
        t = tx.try_send(std::move(t.error().value));
    }
    EXPECT_EQ(receiving->get(), 7);

    // A sending select waits; try_recv takes its message.
    auto sending = start_async([&tx = tx] {
        bool ok = false;
        const std::size_t arm =
            courier::select(courier::on_send(tx, 8, [&](auto r) { ok = r.has_value(); }),
                            courier::on_timeout(20s, [] {}));
        return arm == 0 && ok;
    });
    auto r = rx.try_recv();
    while (!r) {
        std::this_thread::sleep_for(1ms);
        r = rx.try_recv();
    }
    EXPECT_EQ(*r, 8);
    EXPECT_TRUE(sending->get());

    // A select that timed out has withdrawn: nobody to pair with, on either side.
    for (int round = 0; round < 2; ++round) {
        const std::size_t arm =
            courier::select(courier::on_send(tx, 9, [](auto) {}), courier::on_timeout(1ms, [] {}));
        EXPECT_EQ(arm, 1u);
        EXPECT_EQ(rx.try_recv().error(), courier::try_recv_error::empty);
        const std::size_t arm2 =
            courier::select(courier::on_recv(rx, [](auto) {}), courier::on_timeout(1ms, [] {}));
        EXPECT_EQ(arm2, 1u);
        EXPECT_TRUE(tx.try_send(10).error().is_full());
    }

    // After a disconnection a try reports it at once.
    { auto gone = std::move(rx); }
    EXPECT_TRUE(tx.try_send(11).error().is_disconnected());
}

TEST(zero_channel, capacity_and_size_are_zero) {
    auto [tx, rx] = courier::sync_channel<int>(0);
    EXPECT_EQ(tx.capacity(), std::optional<std::size_t>(0));
    EXPECT_EQ(rx.capacity(), std::optional<std::size_t>(0));
    EXPECT_EQ(tx.size(), 0u);
    EXPECT_TRUE(rx.empty());
}

}  // namespace courier_test
