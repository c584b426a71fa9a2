// MPMC channels (docs/api.md section 3): copyable receivers, each message to exactly one receiver,
// disconnection from either side, close(), empty handles, and the sending calls of
// mpmc::sender for the bounded and unbounded kinds.
//
// Every test runs on each kind: unbounded, bounded with capacity 1, 3 and 1000, and rendezvous.
#include <courier/mpmc.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <limits>
#include <memory>
#include <optional>
#include <ranges>
#include <string>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include "support/async.hpp"
#include "support/flavors.hpp"
#include "support/stress.hpp"
#include "support/tracked.hpp"
#include "support/watchdog.hpp"

namespace {

using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;
using courier_test::scaled;
using courier_test::start_async;
using courier_test::tracked;
using courier_test::watchdog;

/// Time given to another thread to reach a blocking call before the test relies on it blocking.
constexpr auto settle = 50ms;

// ---- the kinds of MPMC channel, as type parameters ----------------------------------------

/// `buffer`: how many messages can be sent while no receiver is waiting; `buffered`: whether that
/// is more than none (a constant even where `buffer` is read at run time).
struct unbounded_kind {
    static constexpr bool bounded = false;
    static constexpr bool buffered = true;
    static constexpr std::size_t buffer = std::numeric_limits<std::size_t>::max();
    static constexpr std::optional<std::size_t> capacity = std::nullopt;
    template <class T>
    static auto make() {
        return courier::mpmc::channel<T>();
    }
};

/// A bounded channel of capacity >= 1. One type for every capacity, so the suite is compiled once:
/// the capacity comes from COURIER_TEST_CAPACITY (default 1), and CTest runs the suite at
/// capacities 1, 3 and 1000 (tests/CMakeLists.txt).
struct bounded_kind {
    static constexpr bool bounded = true;
    static constexpr bool buffered = true;
    static inline const std::size_t buffer = courier_test::capacity_from_environment();
    static inline const std::optional<std::size_t> capacity = buffer;
    template <class T>
    static auto make() {
        return courier::mpmc::sync_channel<T>(buffer);
    }
};

struct rendezvous_kind {
    static constexpr bool bounded = true;
    static constexpr bool buffered = false;
    static constexpr std::size_t buffer = 0;
    static constexpr std::optional<std::size_t> capacity = 0;
    template <class T>
    static auto make() {
        return courier::mpmc::sync_channel<T>(0);
    }
};

struct kind_name {
    template <class K>
    static std::string GetName(int) {
        if constexpr (!K::bounded) {
            return "unbounded";
        } else if constexpr (!K::buffered) {
            return "rendezvous";
        } else {
            return "bounded";
        }
    }
};

using kinds = ::testing::Types<unbounded_kind, bounded_kind, rendezvous_kind>;

template <class K>
class mpmc_test : public ::testing::Test {
  protected:
    void SetUp() override { tracked::reset(); }
};

TYPED_TEST_SUITE(mpmc_test, kinds, kind_name);

/// Payload of the many-producer tests.
struct stamped {
    std::uint32_t producer;
    std::uint32_t seq;
};

// ---- handle types ----------------------------------------------------------------------------

static_assert(std::is_copy_constructible_v<courier::mpmc::receiver<int>>);
static_assert(std::is_copy_assignable_v<courier::mpmc::receiver<int>>);
static_assert(std::is_copy_constructible_v<courier::mpmc::sender<int>>);
static_assert(std::is_nothrow_move_constructible_v<courier::mpmc::receiver<int>>);
static_assert(std::is_nothrow_move_constructible_v<courier::mpmc::sender<int>>);
static_assert(std::is_nothrow_default_constructible_v<courier::mpmc::receiver<int>>);
static_assert(std::is_base_of_v<courier::basic_sender<int, courier::handle_kind<true, true>>,
                                courier::mpmc::sender<int>>);
static_assert(std::is_base_of_v<courier::basic_receiver<int, courier::handle_kind<true, true>>,
                                courier::mpmc::receiver<int>>);
// The receivers of both APIs iterate with the same public types.
static_assert(std::is_same_v<courier::mpmc::receiver<int>::iterator, courier::recv_iterator<int>>);
static_assert(std::is_same_v<decltype(std::declval<const courier::mpmc::receiver<int>&>().begin()),
                             courier::recv_iterator<int>>);
static_assert(std::is_same_v<decltype(std::declval<const courier::mpmc::receiver<int>&>().iter()),
                             courier::recv_range<int>>);
static_assert(
    std::is_same_v<decltype(std::declval<const courier::mpmc::receiver<int>&>().try_iter()),
                   courier::try_recv_range<int>>);
static_assert(!std::ranges::sized_range<courier::mpmc::receiver<int>&>);
static_assert(std::is_same_v<decltype(courier::mpmc::channel<int>()),
                             std::pair<courier::mpmc::sender<int>, courier::mpmc::receiver<int>>>);
static_assert(std::is_same_v<decltype(courier::mpmc::sync_channel<int>(1)),
                             std::pair<courier::mpmc::sender<int>, courier::mpmc::receiver<int>>>);
// Move-only payloads work.
static_assert(
    std::is_same_v<decltype(courier::mpmc::channel<std::unique_ptr<int>>().first.send(nullptr)),
                   courier::expected<void, courier::send_error<std::unique_ptr<int>>>>);

TYPED_TEST(mpmc_test, capacity) {
    using K = TypeParam;
    auto [tx, rx] = K::template make<int>();
    EXPECT_EQ(tx.capacity(), K::capacity);
    EXPECT_EQ(rx.capacity(), K::capacity);
    EXPECT_TRUE(static_cast<bool>(tx));
    EXPECT_TRUE(static_cast<bool>(rx));
    EXPECT_TRUE(rx.empty());
    EXPECT_EQ(rx.size(), 0u);
}

TYPED_TEST(mpmc_test, copies_share_the_channel) {
    using K = TypeParam;
    watchdog wd(30s, "send/recv through copied handles");
    auto [tx, rx] = K::template make<std::string>();
    const auto rx2 = rx;
    const auto tx2 = tx;
    if (K::buffer >= 2) {
        ASSERT_TRUE(tx.send("a").has_value());
        ASSERT_TRUE(tx2.send("b").has_value());
        EXPECT_EQ(rx.size(), 2u);
        EXPECT_EQ(rx2.size(), 2u) << "a copied receiver does not see the same channel";
        auto a = rx2.recv();
        auto b = rx.recv();
        ASSERT_TRUE(a.has_value());
        ASSERT_TRUE(b.has_value());
        EXPECT_EQ(*a, "a");
        EXPECT_EQ(*b, "b");
    } else {
        std::jthread producer([tx3 = tx2] {
            EXPECT_TRUE(tx3.send("a").has_value());
            EXPECT_TRUE(tx3.send("b").has_value());
        });
        auto a = rx2.recv();
        auto b = rx.recv();
        ASSERT_TRUE(a.has_value());
        ASSERT_TRUE(b.has_value());
        EXPECT_EQ(*a, "a");
        EXPECT_EQ(*b, "b");
    }
    EXPECT_EQ(rx.try_recv().error(), courier::try_recv_error::empty);
    EXPECT_EQ(rx2.try_recv().error(), courier::try_recv_error::empty);

    // Copy assignment makes one more consumer of the other channel.
    auto [tx_other, rx_other] = K::template make<std::string>();
    auto rx3 = rx_other;
    rx3 = rx;
    rx_other.reset();
    EXPECT_TRUE(tx_other.is_disconnected()) << "copy assignment kept the old channel alive";
    EXPECT_FALSE(tx.is_disconnected());
}

// ---- counts, identity and weak senders ------------------------------------------------------

TYPED_TEST(mpmc_test, counts_identity_and_weak_senders) {
    using K = TypeParam;
    watchdog wd(30s, "counts and weak senders of an mpmc channel");
    auto [tx, rx] = K::template make<int>();
    auto rx2 = rx;
    auto tx2 = tx;
    EXPECT_EQ(tx.sender_count(), 2u);
    EXPECT_EQ(tx.receiver_count(), 2u);
    EXPECT_TRUE(rx2.same_channel(tx));
    EXPECT_TRUE(rx2.same_channel(rx));
    auto [tx_other, rx_other] = K::template make<int>();
    EXPECT_FALSE(rx.same_channel(rx_other));

    // The weak handle of an mpmc::sender upgrades to an mpmc::sender.
    courier::mpmc::weak_sender<int> w = tx.downgrade();
    static_assert(std::is_same_v<decltype(w.upgrade()), std::optional<courier::mpmc::sender<int>>>);
    EXPECT_EQ(rx.sender_count(), 2u);
    {
        auto s = w.upgrade();
        ASSERT_TRUE(s.has_value());
        EXPECT_EQ(rx.sender_count(), 3u);
        auto call = start_async([&s] { return s->send(3); });
        auto r = rx2.recv();
        ASSERT_TRUE(r.has_value());
        EXPECT_EQ(*r, 3);
        EXPECT_TRUE(call->get().has_value());
    }

    // One receiver closed: the channel is disconnected for senders; the count stays until drop.
    rx.close();
    EXPECT_EQ(tx.receiver_count(), 2u);
    EXPECT_FALSE(w.upgrade().has_value());
    rx.reset();
    rx2.reset();
    EXPECT_EQ(tx.receiver_count(), 0u);

    // Both strong senders gone: the weak one cannot bring the channel back.
    auto [tx3, rx3] = K::template make<int>();
    auto w3 = tx3.downgrade();
    auto w4 = w3;
    tx3.reset();
    EXPECT_TRUE(rx3.is_disconnected());
    EXPECT_FALSE(w4.upgrade().has_value());
    EXPECT_EQ(rx3.sender_count(), 0u);
    EXPECT_EQ(w3.receiver_count(), 1u);
}

// ---- each message goes to exactly one receiver ----------------------------------------------

/// Runs 4 producers and 4 consumers over a channel of kind `K`; `consume(rx, mine)` is each
/// consumer's loop, appending what it receives to `mine` until the channel disconnects. Checks
/// that every message reached exactly one consumer, and each consumer saw each producer's messages
/// in order.
template <class K, class Consume>
void expect_each_message_once(Consume consume) {
    constexpr std::uint32_t producers = 4;
    constexpr std::uint32_t consumers = 4;
    const auto per_producer = static_cast<std::uint32_t>(scaled(4000));

    std::vector<std::vector<stamped>> received(consumers);
    {
        auto [tx, rx] = K::template make<stamped>();
        std::vector<std::jthread> threads;
        for (std::uint32_t c = 0; c < consumers; ++c) {
            threads.emplace_back(
                [rx_copy = rx, &mine = received[c], c, &consume] { consume(rx_copy, mine, c); });
        }
        for (std::uint32_t p = 0; p < producers; ++p) {
            threads.emplace_back([tx_copy = tx, p, per_producer] {
                for (std::uint32_t i = 0; i < per_producer; ++i) {
                    ASSERT_TRUE(tx_copy.send(stamped{p, i}).has_value());
                }
            });
        }
        // Only the threads' copies remain: the last producer to finish disconnects the consumers.
        tx.reset();
        rx.reset();
    }  // joins every thread

    std::vector<std::uint8_t> seen(std::size_t{producers} * per_producer, 0);
    std::size_t total = 0;
    std::size_t duplicates = 0;
    std::size_t out_of_order = 0;
    std::size_t consumers_used = 0;
    for (std::uint32_t c = 0; c < consumers; ++c) {
        std::vector<std::int64_t> last(producers, -1);
        total += received[c].size();
        consumers_used += received[c].empty() ? 0 : 1;
        for (const stamped& m : received[c]) {
            ASSERT_LT(m.producer, producers);
            ASSERT_LT(m.seq, per_producer);
            if (++seen[std::size_t{m.producer} * per_producer + m.seq] > 1) {
                ++duplicates;
            }
            // Per producer, one consumer sees increasing sequence numbers.
            if (static_cast<std::int64_t>(m.seq) <= last[m.producer]) {
                ++out_of_order;
            }
            last[m.producer] = m.seq;
        }
    }
    const auto missing = static_cast<std::size_t>(std::count(seen.begin(), seen.end(), 0));
    EXPECT_EQ(total, std::size_t{producers} * per_producer);
    EXPECT_EQ(duplicates, 0u) << "a message reached more than one receiver";
    EXPECT_EQ(missing, 0u) << "messages never received";
    EXPECT_EQ(out_of_order, 0u) << "a consumer saw one producer's messages out of order";
    EXPECT_GE(consumers_used, 1u);
}

TYPED_TEST(mpmc_test, each_message_to_exactly_one_receiver) {
    watchdog wd(60s, "send/recv with 4 producers and 4 consumers");
    expect_each_message_once<TypeParam>(
        [](const courier::mpmc::receiver<stamped>& rx, std::vector<stamped>& mine, std::uint32_t) {
            for (;;) {
                auto m = rx.recv();
                if (!m) {
                    return;
                }
                mine.push_back(*m);
            }
        });
}

TYPED_TEST(mpmc_test, batches_reach_exactly_one_receiver) {
    watchdog wd(60s, "recv_many/try_recv_many with 4 producers and 4 consumers");
    // Consumers take batches of different sizes, one of them mixing in non-blocking batches, so
    // runs claimed by one consumer interleave with single claims by the others.
    expect_each_message_once<TypeParam>([](const courier::mpmc::receiver<stamped>& rx,
                                           std::vector<stamped>& mine, std::uint32_t c) {
        constexpr std::array<std::size_t, 4> max_of = {1, 3, 16, 64};
        const std::size_t max = max_of[c];
        for (std::size_t round = 0;; ++round) {
            if (c == 3 && round % 2 == 1) {
                const std::size_t got = rx.try_recv_many(std::back_inserter(mine), max);
                EXPECT_LE(got, max);
                continue;
            }
            const std::size_t before = mine.size();
            auto r = rx.recv_many(std::back_inserter(mine), max);
            if (!r) {
                return;
            }
            EXPECT_GE(*r, 1u);
            EXPECT_LE(*r, max);
            EXPECT_EQ(mine.size() - before, *r);
        }
    });
}

TYPED_TEST(mpmc_test, no_message_is_lost_or_leaked) {
    using K = TypeParam;
    watchdog wd(60s, "tracked messages through copied receivers");
    const auto n = static_cast<std::int64_t>(scaled(2000));
    std::atomic<std::int64_t> sum{0};
    std::atomic<std::int64_t> count{0};
    {
        auto [tx, rx] = K::template make<tracked>();
        std::vector<std::jthread> threads;
        for (int c = 0; c < 3; ++c) {
            threads.emplace_back([rx_copy = rx, &sum, &count] {
                for (auto m = rx_copy.recv(); m; m = rx_copy.recv()) {
                    sum += m->consume();
                    ++count;
                }
            });
        }
        for (int p = 0; p < 2; ++p) {
            threads.emplace_back([tx_copy = tx, p, n] {
                for (std::int64_t i = p; i < n; i += 2) {
                    ASSERT_TRUE(tx_copy.send(tracked(i)).has_value());
                }
            });
        }
        tx.reset();
        rx.reset();
    }
    EXPECT_EQ(count.load(), n);
    EXPECT_EQ(sum.load(), n * (n - 1) / 2);
    EXPECT_EQ(tracked::live(), 0);
    EXPECT_EQ(tracked::dropped(), 0);
}

// ---- disconnection ---------------------------------------------------------------------------

TYPED_TEST(mpmc_test, last_sender_disconnects_every_receiver) {
    using K = TypeParam;
    watchdog wd(30s, "recv on copied receivers after the last sender went");
    auto [tx, rx] = K::template make<int>();
    auto tx2 = tx;
    tx.reset();
    EXPECT_FALSE(rx.is_disconnected()) << "a sender copy remains";

    // Blocked receivers (several copies) all wake when the last sender goes.
    std::vector<
        std::unique_ptr<courier_test::async_call<courier::expected<int, courier::recv_error>>>>
        blocked;
    for (int i = 0; i < 3; ++i) {
        blocked.push_back(start_async([r = rx] { return r.recv(); }));
    }
    std::this_thread::sleep_for(settle);
    for (auto& b : blocked) {
        EXPECT_FALSE(b->done()) << "recv returned while a sender remains";
    }
    if constexpr (K::buffered) {
        // One message: exactly one of the blocked receivers gets it.
        ASSERT_TRUE(tx2.send(42).has_value());
    }
    tx2.reset();
    int values = 0;
    int errors = 0;
    for (auto& b : blocked) {
        auto r = b->get();
        if (r) {
            EXPECT_EQ(*r, 42);
            ++values;
        } else {
            EXPECT_EQ(r.error(), courier::recv_error{});
            ++errors;
        }
    }
    EXPECT_EQ(values, K::buffer > 0 ? 1 : 0);
    EXPECT_EQ(values + errors, 3);
    EXPECT_TRUE(rx.is_disconnected());
    EXPECT_EQ(rx.try_recv().error(), courier::try_recv_error::disconnected);
    EXPECT_EQ(rx.recv_timeout(10s).error(), courier::recv_timeout_error::disconnected);
}

TYPED_TEST(mpmc_test, receivers_drain_before_disconnected) {
    using K = TypeParam;
    watchdog wd(30s, "draining a disconnected channel");
    auto [tx, rx] = K::template make<int>();
    const auto rx2 = rx;
    if constexpr (K::buffered) {
        ASSERT_TRUE(tx.send(1).has_value());
    }
    tx.reset();
    EXPECT_TRUE(rx.is_disconnected());
    if constexpr (K::buffered) {
        auto m = rx2.recv();
        ASSERT_TRUE(m.has_value()) << "a buffered message is lost at disconnection";
        EXPECT_EQ(*m, 1);
    }
    // A rendezvous channel buffers nothing: disconnected at once.
    EXPECT_FALSE(rx.recv().has_value());
    EXPECT_FALSE(rx2.recv().has_value());
}

TYPED_TEST(mpmc_test, last_receiver_disconnects_every_sender) {
    using K = TypeParam;
    watchdog wd(30s, "send after the last receiver went");
    auto [tx, rx] = K::template make<tracked>();
    const auto tx2 = tx;
    auto rx2 = rx;
    rx.reset();
    EXPECT_FALSE(tx.is_disconnected()) << "a receiver copy remains";
    if constexpr (K::buffered) {
        ASSERT_TRUE(tx.send(tracked(1)).has_value()) << "send failed while a receiver remains";
    }

    // A blocked sender (the channel is full, or rendezvous) wakes when the last receiver goes.
    std::unique_ptr<courier_test::async_call<courier::expected<void, courier::send_error<tracked>>>>
        blocked;
    if constexpr (K::bounded) {
        for (std::size_t i = K::buffer > 0 ? 1 : 0; i < K::buffer; ++i) {
            ASSERT_TRUE(tx.try_send(tracked(100 + static_cast<std::int64_t>(i))).has_value());
        }
        const long before = tracked::payloads();
        blocked = start_async([&tx2] { return tx2.send(tracked(7)); });
        // The sender's value exists before the receivers go, however slowly its thread starts.
        while (tracked::payloads() == before) {
            std::this_thread::yield();
        }
        std::this_thread::sleep_for(settle);
        EXPECT_FALSE(blocked->done()) << "send into a full channel did not block";
    }
    rx2.reset();
    // The woken sender moves its value into the error it returns; count once it has returned
    // (a move hands the payload from one object to the other, not atomically for the counters).
    std::optional<courier::expected<void, courier::send_error<tracked>>> handed_back;
    if (blocked) {
        handed_back.emplace(blocked->get());
    }
    EXPECT_EQ(tracked::payloads(), K::bounded ? 1 : 0)
        << "the last receiver did not destroy the buffered messages";
    EXPECT_EQ(tracked::dropped(), static_cast<long>(K::bounded ? K::buffer : 1))
        << "buffered messages destroyed by the last receiver";
    if (handed_back) {
        ASSERT_FALSE(handed_back->has_value());
        EXPECT_EQ(handed_back->error().value.consume(), 7)
            << "the blocked send's value was not returned";
    }
    EXPECT_TRUE(tx.is_disconnected());
    EXPECT_TRUE(tx2.is_disconnected());

    auto r = tx2.send(tracked(3));
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().value.consume(), 3);
    auto t = tx.try_send(tracked(4));
    ASSERT_FALSE(t.has_value());
    EXPECT_TRUE(t.error().is_disconnected());
    EXPECT_EQ(t.error().value.consume(), 4);
    auto s = tx.send_timeout(tracked(5), 10s);
    ASSERT_FALSE(s.has_value());
    EXPECT_TRUE(s.error().is_disconnected());
    EXPECT_EQ(s.error().value.consume(), 5);
}

TYPED_TEST(mpmc_test, close) {
    using K = TypeParam;
    watchdog wd(30s, "send/recv around close()");
    auto [tx, rx] = K::template make<int>();
    const auto rx2 = rx;
    const auto tx2 = tx;
    if constexpr (K::buffered) {
        ASSERT_TRUE(tx.send(1).has_value());
    }
    std::unique_ptr<courier_test::async_call<courier::expected<void, courier::send_error<int>>>>
        blocked;
    if constexpr (K::bounded) {
        for (std::size_t i = 1; i < K::buffer; ++i) {
            ASSERT_TRUE(tx.try_send(1 + static_cast<int>(i)).has_value());
        }
        blocked = start_async([&tx2] { return tx2.send(-7); });
        std::this_thread::sleep_for(settle);
        EXPECT_FALSE(blocked->done());
    }

    rx2.close();
    EXPECT_TRUE(tx.is_disconnected());
    EXPECT_TRUE(tx2.is_disconnected());
    EXPECT_TRUE(rx.is_disconnected());
    if (blocked) {
        auto r = blocked->get();
        ASSERT_FALSE(r.has_value()) << "a blocked send completed after close()";
        EXPECT_EQ(r.error().value, -7);
    }
    auto r = tx.send(9);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().value, 9);
    auto t = tx2.try_send(10);
    ASSERT_FALSE(t.has_value());
    EXPECT_TRUE(t.error().is_disconnected());
    EXPECT_EQ(t.error().value, 10);

    // What was buffered before close() is still received, by any receiver copy.
    if constexpr (K::buffered) {
        const std::size_t buffered = K::bounded ? K::buffer : 1;
        for (std::size_t i = 0; i < buffered; ++i) {
            auto m = (i % 2 == 0 ? rx : rx2).recv();
            ASSERT_TRUE(m.has_value()) << "message " << i << " was lost by close()";
            EXPECT_EQ(*m, static_cast<int>(i) + 1);
        }
    }
    EXPECT_FALSE(rx.recv().has_value());
    EXPECT_EQ(rx2.try_recv().error(), courier::try_recv_error::disconnected);
    rx.close();  // closing twice is harmless
    EXPECT_TRUE(rx.is_disconnected());
}

TYPED_TEST(mpmc_test, close_wakes_blocked_receivers) {
    using K = TypeParam;
    watchdog wd(30s, "recv blocked across close()");
    auto [tx, rx] = K::template make<int>();
    auto a = start_async([r = rx] { return r.recv(); });
    auto b = start_async([r = rx] { return r.recv(); });
    std::this_thread::sleep_for(settle);
    EXPECT_FALSE(a->done());
    EXPECT_FALSE(b->done());
    rx.close();
    EXPECT_FALSE(a->get().has_value());
    EXPECT_FALSE(b->get().has_value());
    EXPECT_FALSE(tx.send(1).has_value());
}

TYPED_TEST(mpmc_test, iteration_over_copies) {
    using K = TypeParam;
    watchdog wd(30s, "range-for over copied receivers");
    auto [tx, rx] = K::template make<int>();
    const int n = 100;
    std::vector<int> a;
    std::vector<int> b;
    {
        std::jthread first([r = rx, &a] {
            for (int v : r) {
                a.push_back(v);
            }
        });
        std::jthread second([r = rx, &b] {
            for (int v : r.iter()) {
                b.push_back(v);
            }
        });
        for (int i = 0; i < n; ++i) {
            ASSERT_TRUE(tx.send(i).has_value());
        }
        tx.reset();
    }
    std::vector<int> all = a;
    all.insert(all.end(), b.begin(), b.end());
    std::sort(all.begin(), all.end());
    std::vector<int> expected(n);
    for (int i = 0; i < n; ++i) {
        expected[static_cast<std::size_t>(i)] = i;
    }
    EXPECT_EQ(all, expected) << "each message reaches exactly one iterating receiver";
    EXPECT_TRUE(std::is_sorted(a.begin(), a.end()));
    EXPECT_TRUE(std::is_sorted(b.begin(), b.end()));
    int left = 0;
    for (int v : rx.try_iter()) {
        (void)v;
        ++left;
    }
    EXPECT_EQ(left, 0);
}

// ---- empty handles ---------------------------------------------------------------------------

TEST(mpmc_empty_handles, behave_as_a_disconnected_channel) {
    watchdog wd(30s, "calls on empty handles");
    courier::mpmc::sender<std::unique_ptr<int>> tx;
    courier::mpmc::receiver<std::unique_ptr<int>> rx;
    EXPECT_FALSE(static_cast<bool>(tx));
    EXPECT_FALSE(static_cast<bool>(rx));
    EXPECT_TRUE(tx.is_disconnected());
    EXPECT_TRUE(rx.is_disconnected());

    auto s = tx.send(std::make_unique<int>(1));
    ASSERT_FALSE(s.has_value());
    ASSERT_NE(s.error().value, nullptr);
    EXPECT_EQ(*s.error().value, 1);
    auto t = tx.try_send(std::make_unique<int>(2));
    ASSERT_FALSE(t.has_value());
    EXPECT_TRUE(t.error().is_disconnected());
    EXPECT_EQ(*t.error().value, 2);
    const auto t0 = steady::now();
    auto st = tx.send_timeout(std::make_unique<int>(3), 10s);
    ASSERT_FALSE(st.has_value());
    EXPECT_TRUE(st.error().is_disconnected());
    EXPECT_EQ(*st.error().value, 3);
    auto sd = tx.send_deadline(std::make_unique<int>(4), std::chrono::system_clock::now() + 10s);
    ASSERT_FALSE(sd.has_value());
    EXPECT_TRUE(sd.error().is_disconnected());

    EXPECT_FALSE(rx.recv().has_value());
    EXPECT_EQ(rx.try_recv().error(), courier::try_recv_error::disconnected);
    EXPECT_EQ(rx.recv_timeout(10s).error(), courier::recv_timeout_error::disconnected);
    EXPECT_EQ(rx.recv_deadline(steady::now() + 10s).error(),
              courier::recv_timeout_error::disconnected);
    EXPECT_LT(steady::now() - t0, 5s) << "a call on an empty handle waited";
    rx.close();
    rx.reset();
    tx.reset();

    // Copies of empty handles are empty.
    const auto rx_copy = rx;
    const auto tx_copy = tx;
    EXPECT_FALSE(static_cast<bool>(rx_copy));
    EXPECT_FALSE(static_cast<bool>(tx_copy));
}

TEST(mpmc_empty_handles, moved_from_handles_are_empty) {
    auto [tx, rx] = courier::mpmc::sync_channel<int>(4);
    auto tx2 = std::move(tx);
    auto rx2 = std::move(rx);
    EXPECT_FALSE(static_cast<bool>(tx));  // NOLINT(bugprone-use-after-move)
    EXPECT_FALSE(static_cast<bool>(rx));  // NOLINT(bugprone-use-after-move)
    auto s = tx.send(5);                  // NOLINT(bugprone-use-after-move)
    ASSERT_FALSE(s.has_value());
    EXPECT_EQ(s.error().value, 5);
    EXPECT_EQ(rx.try_recv().error(), courier::try_recv_error::disconnected);
    // The moved-to handles own the channel.
    ASSERT_TRUE(tx2.send(6).has_value());
    auto m = rx2.recv();
    ASSERT_TRUE(m.has_value());
    EXPECT_EQ(*m, 6);
    EXPECT_FALSE(tx2.is_disconnected());
}

// ---- try_send, send_timeout, send_deadline on mpmc::sender -------------------------------------

TYPED_TEST(mpmc_test, try_send) {
    using K = TypeParam;
    watchdog wd(30s, "try_send");
    auto [tx, rx] = K::template make<int>();
    if constexpr (!K::bounded) {
        const int n = static_cast<int>(scaled(5000));
        for (int i = 0; i < n; ++i) {
            ASSERT_TRUE(tx.try_send(i).has_value()) << "try_send on an unbounded channel failed";
        }
        EXPECT_EQ(rx.size(), static_cast<std::size_t>(n));
    } else if constexpr (K::buffered) {
        for (std::size_t i = 0; i < K::buffer; ++i) {
            ASSERT_TRUE(tx.try_send(static_cast<int>(i)).has_value());
        }
        auto full = tx.try_send(-1);
        ASSERT_FALSE(full.has_value());
        EXPECT_TRUE(full.error().is_full());
        EXPECT_EQ(full.error().kind, courier::send_status::full);
        EXPECT_EQ(full.error().value, -1);
        auto first = rx.recv();
        ASSERT_TRUE(first.has_value());
        EXPECT_EQ(*first, 0);
        EXPECT_TRUE(tx.try_send(-2).has_value()) << "the room made by recv is not usable";
    } else {
        auto full = tx.try_send(1);
        ASSERT_FALSE(full.has_value()) << "rendezvous try_send succeeded with no receiver";
        EXPECT_TRUE(full.error().is_full());
        EXPECT_EQ(full.error().value, 1);
        // With a receiver waiting, try_send hands the value over.
        auto receiver = start_async([r = rx] { return r.recv(); });
        int value = 2;
        for (;;) {
            auto r = tx.try_send(value);
            if (r) {
                break;
            }
            ASSERT_TRUE(r.error().is_full());
            value = r.error().value;
            std::this_thread::sleep_for(1ms);
        }
        auto got = receiver->get();
        ASSERT_TRUE(got.has_value());
        EXPECT_EQ(*got, 2);
    }
    rx.reset();
    auto r = tx.try_send(5);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().kind, courier::send_status::disconnected);
    EXPECT_EQ(r.error().value, 5);
}

TYPED_TEST(mpmc_test, send_timeout) {
    using K = TypeParam;
    watchdog wd(30s, "send_timeout");
    auto [tx, rx] = K::template make<std::unique_ptr<int>>();
    if constexpr (!K::bounded) {
        // An unbounded channel never makes a sender wait.
        const auto t0 = steady::now();
        for (int i = 0; i < 100; ++i) {
            ASSERT_TRUE(tx.send_timeout(std::make_unique<int>(i), 1h).has_value());
        }
        ASSERT_TRUE(tx.send_deadline(std::make_unique<int>(100), steady::now()).has_value());
        EXPECT_LT(steady::now() - t0, 5s);
        EXPECT_EQ(rx.size(), 101u);
    } else {
        for (std::size_t i = 0; i < K::buffer; ++i) {
            ASSERT_TRUE(tx.try_send(std::make_unique<int>(static_cast<int>(i))).has_value());
        }
        // Full (or rendezvous with no receiver): the send times out no earlier than asked and
        // hands the value back.
        {
            const auto t0 = steady::now();
            auto r = tx.send_timeout(std::make_unique<int>(-1), 50ms);
            EXPECT_GE(steady::now() - t0, 50ms);
            ASSERT_FALSE(r.has_value());
            EXPECT_TRUE(r.error().is_timeout());
            EXPECT_EQ(r.error().kind, courier::send_status::timeout);
            ASSERT_NE(r.error().value, nullptr);
            EXPECT_EQ(*r.error().value, -1);
        }
        {
            const auto deadline = std::chrono::system_clock::now() + 30ms;
            auto r = tx.send_deadline(std::make_unique<int>(-2), deadline);
            EXPECT_GE(std::chrono::system_clock::now(), deadline);
            ASSERT_FALSE(r.has_value());
            EXPECT_TRUE(r.error().is_timeout());
            EXPECT_EQ(*r.error().value, -2);
        }
        {
            const auto deadline = steady::now() + 30ms;
            auto r = tx.send_deadline(std::make_unique<int>(-3), deadline);
            EXPECT_GE(steady::now(), deadline);
            ASSERT_FALSE(r.has_value());
            EXPECT_TRUE(r.error().is_timeout());
            EXPECT_EQ(*r.error().value, -3);
        }
        {
            // Zero and negative timeouts try once.
            auto r = tx.send_timeout(std::make_unique<int>(-4), -5ms);
            ASSERT_FALSE(r.has_value());
            EXPECT_TRUE(r.error().is_timeout());
            EXPECT_EQ(*r.error().value, -4);
        }
        // A receiver that arrives during the wait takes the message.
        std::jthread consumer([r = rx] {
            std::this_thread::sleep_for(30ms);
            for (std::size_t i = 0; i <= K::buffer && i <= 1000; ++i) {
                EXPECT_TRUE(r.recv().has_value());
            }
        });
        const auto t0 = steady::now();
        auto r = tx.send_timeout(std::make_unique<int>(7), 30s);
        EXPECT_TRUE(r.has_value()) << "send_timeout failed although a receiver took messages";
        EXPECT_LT(steady::now() - t0, 20s);
        consumer.join();
    }
    rx.reset();
    auto r = tx.send_timeout(std::make_unique<int>(8), 10s);
    ASSERT_FALSE(r.has_value());
    EXPECT_TRUE(r.error().is_disconnected());
    EXPECT_EQ(r.error().kind, courier::send_status::disconnected);
    EXPECT_EQ(*r.error().value, 8);
    auto d = tx.send_deadline(std::make_unique<int>(9), std::chrono::system_clock::now() + 10s);
    ASSERT_FALSE(d.has_value());
    EXPECT_TRUE(d.error().is_disconnected());
    EXPECT_EQ(*d.error().value, 9);
}

TYPED_TEST(mpmc_test, recv_timeout_on_copies) {
    using K = TypeParam;
    watchdog wd(30s, "recv_timeout on copied receivers");
    auto [tx, rx] = K::template make<int>();
    const auto rx2 = rx;
    const auto t0 = steady::now();
    auto r = rx2.recv_timeout(40ms);
    EXPECT_GE(steady::now() - t0, 40ms);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error(), courier::recv_timeout_error::timeout);
    std::jthread producer([&t = tx] {
        std::this_thread::sleep_for(20ms);
        EXPECT_TRUE(t.send(11).has_value());
    });
    auto m = rx.recv_deadline(std::chrono::system_clock::now() + 30s);
    ASSERT_TRUE(m.has_value());
    EXPECT_EQ(*m, 11);
}

}  // namespace
