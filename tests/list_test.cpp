// Unbounded channels (courier::channel): the shared flavor suite, and what only an unbounded
// channel has. Includes the umbrella header to check that it brings in the MPSC API.
#include <courier/courier.hpp>

#include <gtest/gtest.h>

#include <cstdint>
#include <string>

#include "support/channel_suite.hpp"

namespace courier_test {

using list_flavors = ::testing::Types<list_flavor>;
INSTANTIATE_TYPED_TEST_SUITE_P(list, channel_suite, list_flavors);

TEST(list_channel, long_queue_keeps_order) {
    // Far more messages than fit in one internal block, queued before any is received.
    auto [tx, rx] = courier::channel<std::uint64_t>();
    const auto n = static_cast<std::uint64_t>(scaled(100000));
    for (std::uint64_t i = 0; i < n; ++i) {
        ASSERT_TRUE(tx.send(i).has_value());
    }
    EXPECT_EQ(rx.size(), n);
    EXPECT_EQ(tx.size(), n);
    for (std::uint64_t i = 0; i < n; ++i) {
        auto r = rx.try_recv();
        ASSERT_TRUE(r.has_value());
        ASSERT_EQ(*r, i);
    }
    EXPECT_TRUE(rx.empty());
}

TEST(list_channel, interleaved_growth_and_drain) {
    auto [tx, rx] = courier::channel<std::string>();
    std::uint64_t next_send = 0;
    std::uint64_t next_recv = 0;
    const auto rounds = static_cast<std::uint64_t>(scaled(300));
    for (std::uint64_t round = 0; round < rounds; ++round) {
        for (std::uint64_t i = 0; i < 50 + round % 70; ++i) {
            ASSERT_TRUE(tx.send(std::to_string(next_send++)).has_value());
        }
        for (std::uint64_t i = 0; i < 40 + round % 90 && next_recv < next_send; ++i) {
            auto r = rx.try_recv();
            ASSERT_TRUE(r.has_value());
            ASSERT_EQ(*r, std::to_string(next_recv++));
        }
        ASSERT_EQ(rx.size(), next_send - next_recv);
    }
    tx.reset();
    while (next_recv < next_send) {
        auto r = rx.recv();
        ASSERT_TRUE(r.has_value());
        ASSERT_EQ(*r, std::to_string(next_recv++));
    }
    EXPECT_EQ(rx.recv().error(), courier::recv_error{});
}

TEST(list_channel, send_never_blocks) {
    watchdog wd(std::chrono::seconds(30), "send on an unbounded channel");
    auto [tx, rx] = courier::channel<int>();
    EXPECT_EQ(tx.capacity(), std::nullopt);
    const int n = static_cast<int>(scaled(20000));
    for (int i = 0; i < n; ++i) {
        ASSERT_TRUE(tx.send(i).has_value());
    }
    EXPECT_EQ(rx.size(), static_cast<std::size_t>(n));
}

}  // namespace courier_test
