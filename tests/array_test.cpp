// Bounded channels (courier::sync_channel with capacity >= 1): the shared flavor suite, and what
// only a bounded channel has. The suite's capacity comes from COURIER_TEST_CAPACITY; CTest runs
// it at capacities 1, 3 and 1024 (tests/CMakeLists.txt).
#include <gtest/gtest.h>

#include <array>
#include <cstddef>
#include <limits>
#include <memory>
#include <new>
#include <stdexcept>
#include <string>

#include "support/channel_suite.hpp"

namespace courier_test {

INSTANTIATE_TYPED_TEST_SUITE_P(array, channel_suite, array_flavor);

template <class T>
void expect_capacity_refused(std::size_t capacity) {
    try {
        auto ends = courier::sync_channel<T>(capacity);
        ADD_FAILURE() << "sync_channel<" << sizeof(T) << "-byte T>(" << capacity
                      << ") succeeded; capacity() reports " << ends.first.capacity().value_or(0);
    } catch (const std::length_error&) {
    } catch (const std::bad_alloc&) {
    }
}

TEST(array_channel, impossible_capacity_throws) {
    constexpr std::size_t max = std::numeric_limits<std::size_t>::max();
    // Sizes whose byte count overflows size_t for any element type of 4 bytes or more: a
    // careless size computation wraps around to a small allocation.
    expect_capacity_refused<int>(max);
    expect_capacity_refused<int>(max - 1);
    expect_capacity_refused<int>(max / 2);
    expect_capacity_refused<int>(max / 2 + 1);
    expect_capacity_refused<int>(max / 4 + 1);
    expect_capacity_refused<int>(std::size_t{1} << 62);
    expect_capacity_refused<std::unique_ptr<int>>(max / 2);
    expect_capacity_refused<std::array<char, 4096>>(max / 4096 + 1);
    if constexpr (!sanitized) {
        // Sizes that fit in size_t but not in any address space; sanitizer allocators end the
        // process on such requests instead of throwing, so these run only without them.
        expect_capacity_refused<int>(std::size_t{1} << 60);
        expect_capacity_refused<std::array<char, 4096>>(std::size_t{1} << 40);
    }
    // The failures left nothing behind: a channel of sensible size works.
    auto [tx, rx] = courier::sync_channel<int>(2);
    ASSERT_TRUE(tx.try_send(1).has_value());
    auto r = rx.recv();
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(*r, 1);
}

TEST(array_channel, fifo_across_wraparound) {
    // Many laps around a small ring keep order.
    auto [tx, rx] = courier::sync_channel<int>(3);
    int next_send = 0;
    int next_recv = 0;
    const int total = static_cast<int>(scaled(10000));
    while (next_recv < total) {
        while (next_send < total && tx.try_send(next_send).has_value()) {
            ++next_send;
        }
        for (int i = 0; i < 1 + next_recv % 3 && next_recv < next_send; ++i) {
            auto r = rx.try_recv();
            ASSERT_TRUE(r.has_value());
            ASSERT_EQ(*r, next_recv);
            ++next_recv;
        }
    }
    EXPECT_EQ(rx.try_recv().error(), courier::try_recv_error::empty);
}

TEST(array_channel, capacity_is_reported) {
    for (std::size_t n :
         {std::size_t{1}, std::size_t{2}, std::size_t{7}, std::size_t{64}, std::size_t{1000}}) {
        auto [tx, rx] = courier::sync_channel<std::string>(n);
        EXPECT_EQ(tx.capacity(), std::optional<std::size_t>(n));
        EXPECT_EQ(rx.capacity(), std::optional<std::size_t>(n));
        for (std::size_t i = 0; i < n; ++i) {
            ASSERT_TRUE(tx.try_send(std::to_string(i)).has_value());
        }
        auto full = tx.try_send("x");
        ASSERT_FALSE(full.has_value());
        EXPECT_TRUE(full.error().is_full());
        EXPECT_EQ(full.error().value, "x");
        EXPECT_EQ(rx.size(), n);
    }
}

}  // namespace courier_test
