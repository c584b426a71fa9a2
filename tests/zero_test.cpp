// Rendezvous channels (courier::sync_channel(0)): the shared flavor suite, and what only a
// rendezvous channel has.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

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

TEST(zero_channel, capacity_and_size_are_zero) {
    auto [tx, rx] = courier::sync_channel<int>(0);
    EXPECT_EQ(tx.capacity(), std::optional<std::size_t>(0));
    EXPECT_EQ(rx.capacity(), std::optional<std::size_t>(0));
    EXPECT_EQ(tx.size(), 0u);
    EXPECT_TRUE(rx.empty());
}

}  // namespace courier_test
