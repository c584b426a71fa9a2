// The MPSC handle types (docs/api.md section 2): their types and signatures, empty handles,
// copying and assignment, and that a channel's memory is freed when its last handle goes.
#include <courier/mpsc.hpp>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <memory>
#include <new>
#include <optional>
#include <ranges>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include "support/stress.hpp"
#include "support/tracked.hpp"
#include "support/watchdog.hpp"

// ---------------------------------------------------------------------------------------------
// Allocation counting: every global operator new/delete of this program goes through here, so a
// test can check that a channel gives back all of its memory. Sanitizers bring their own
// allocator, so the counting (and the tests that use it) is off under them.

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
using courier::receiver;
using courier::sender;
using courier::sync_sender;
using courier_test::tracked;
using courier_test::watchdog;

// ---------------------------------------------------------------------------------------------
// Types and signatures

static_assert(
    std::is_same_v<decltype(courier::channel<int>()), std::pair<sender<int>, receiver<int>>>);
static_assert(std::is_same_v<decltype(courier::sync_channel<int>(std::size_t{1})),
                             std::pair<sync_sender<int>, receiver<int>>>);

template <class S>
constexpr bool sender_handle_traits =
    std::is_default_constructible_v<S>&& std::is_copy_constructible_v<S>&&
        std::is_copy_assignable_v<S>&& std::is_move_constructible_v<S>&&
            std::is_move_assignable_v<S>&& std::is_constructible_v<bool, const S&> &&
    !std::is_convertible_v<const S&, bool>;
static_assert(sender_handle_traits<sender<int>>);
static_assert(sender_handle_traits<sync_sender<int>>);
static_assert(sender_handle_traits<sender<std::unique_ptr<int>>>);
static_assert(sender_handle_traits<sync_sender<std::unique_ptr<int>>>);

static_assert(std::is_default_constructible_v<receiver<int>>);
static_assert(!std::is_copy_constructible_v<receiver<int>>, "a receiver is move-only");
static_assert(!std::is_copy_assignable_v<receiver<int>>, "a receiver is move-only");
static_assert(std::is_move_constructible_v<receiver<int>>);
static_assert(std::is_move_assignable_v<receiver<int>>);
static_assert(std::is_constructible_v<bool, const receiver<int>&>);
static_assert(!std::is_convertible_v<const receiver<int>&, bool>);

template <class T>
using send_result = courier::expected<void, courier::send_error<T>>;

// send and friends are const.
static_assert(
    std::is_same_v<decltype(std::declval<const sender<int>&>().send(1)), send_result<int>>);
static_assert(
    std::is_same_v<decltype(std::declval<const sync_sender<int>&>().send(1)), send_result<int>>);
static_assert(std::is_same_v<decltype(std::declval<const sync_sender<int>&>().try_send(1)),
                             courier::expected<void, courier::try_send_error<int>>>);
static_assert(std::is_same_v<decltype(std::declval<const sync_sender<int>&>().send_timeout(1, 1ms)),
                             courier::expected<void, courier::send_timeout_error<int>>>);
static_assert(std::is_same_v<decltype(std::declval<const sync_sender<int>&>().send_timeout(
                                 1, std::chrono::duration<double>(0.5))),
                             courier::expected<void, courier::send_timeout_error<int>>>);
static_assert(std::is_same_v<decltype(std::declval<const sync_sender<int>&>().send_deadline(
                                 1, std::chrono::steady_clock::now())),
                             courier::expected<void, courier::send_timeout_error<int>>>);
static_assert(std::is_same_v<decltype(std::declval<const sync_sender<int>&>().send_deadline(
                                 1, std::chrono::system_clock::now())),
                             courier::expected<void, courier::send_timeout_error<int>>>);

template <class S>
constexpr bool sender_snapshots =
    std::is_same_v<decltype(std::declval<const S&>().is_disconnected()), bool>&&
        std::is_same_v<decltype(std::declval<const S&>().size()), std::size_t>&&
            std::is_same_v<decltype(std::declval<const S&>().empty()), bool>&& std::is_same_v<
                decltype(std::declval<const S&>().capacity()), std::optional<std::size_t>>&&
                std::is_same_v<decltype(std::declval<S&>().reset()), void>;
static_assert(sender_snapshots<sender<int>>);
static_assert(sender_snapshots<sync_sender<int>>);

static_assert(std::is_same_v<decltype(std::declval<receiver<int>&>().recv()),
                             courier::expected<int, courier::recv_error>>);
static_assert(std::is_same_v<decltype(std::declval<receiver<int>&>().try_recv()),
                             courier::expected<int, courier::try_recv_error>>);
static_assert(std::is_same_v<decltype(std::declval<receiver<int>&>().recv_timeout(1ms)),
                             courier::expected<int, courier::recv_timeout_error>>);
static_assert(std::is_same_v<decltype(std::declval<receiver<int>&>().recv_deadline(
                                 std::chrono::steady_clock::now())),
                             courier::expected<int, courier::recv_timeout_error>>);
static_assert(std::is_same_v<decltype(std::declval<receiver<int>&>().close()), void>);
static_assert(std::is_same_v<decltype(std::declval<receiver<int>&>().reset()), void>);
static_assert(std::is_same_v<decltype(std::declval<const receiver<int>&>().size()), std::size_t>);
static_assert(std::is_same_v<decltype(std::declval<const receiver<int>&>().empty()), bool>);
static_assert(std::is_same_v<decltype(std::declval<const receiver<int>&>().capacity()),
                             std::optional<std::size_t>>);
static_assert(
    std::is_same_v<decltype(std::declval<const receiver<int>&>().is_disconnected()), bool>);

// A receiver is an input range but not a sized one (size() is only a snapshot).
static_assert(std::ranges::input_range<receiver<int>&>);
static_assert(!std::ranges::sized_range<receiver<int>&>);
static_assert(!std::ranges::forward_range<receiver<int>&>);
static_assert(std::is_same_v<std::ranges::range_value_t<receiver<int>&>, int>);
static_assert(std::ranges::input_range<receiver<std::unique_ptr<int>>&>);
static_assert(std::ranges::input_range<decltype(std::declval<receiver<int>&>().iter())>);
static_assert(std::ranges::input_range<decltype(std::declval<receiver<int>&>().try_iter())>);

// The iteration types have public names: what begin(), iter() and try_iter() return.
static_assert(std::is_same_v<receiver<int>::iterator, courier::recv_iterator<int>>);
static_assert(std::is_same_v<decltype(std::declval<const receiver<int>&>().begin()),
                             courier::recv_iterator<int>>);
static_assert(std::is_same_v<decltype(std::declval<const receiver<int>&>().iter()),
                             courier::recv_range<int>>);
static_assert(std::is_same_v<decltype(std::declval<const receiver<int>&>().try_iter()),
                             courier::try_recv_range<int>>);
static_assert(std::is_same_v<decltype(std::declval<const courier::recv_range<int>&>().begin()),
                             courier::recv_iterator<int>>);
static_assert(std::is_same_v<decltype(std::declval<const courier::try_recv_range<int>&>().begin()),
                             courier::try_recv_iterator<int>>);

// Every handle comes from one of the two handle templates.
static_assert(
    std::is_base_of_v<courier::basic_sender<int, courier::handle_kind<false, false>>, sender<int>>);
static_assert(std::is_base_of_v<courier::basic_sender<int, courier::handle_kind<true, false>>,
                                sync_sender<int>>);
static_assert(std::is_base_of_v<courier::basic_receiver<int, courier::handle_kind<true, false>>,
                                receiver<int>>);

// Only a sender of a channel that may be bounded has try_send, send_timeout and send_deadline.
template <class S>
concept has_try_send = requires(const S& s) {
    s.try_send(1);
};
template <class S>
concept has_send_timeout = requires(const S& s) {
    s.send_timeout(1, 1ms);
};
template <class S>
concept has_send_deadline = requires(const S& s) {
    s.send_deadline(1, std::chrono::steady_clock::now());
};
static_assert(!has_try_send<sender<int>>, "an unbounded sender has no try_send");
static_assert(!has_send_timeout<sender<int>>);
static_assert(!has_send_deadline<sender<int>>);
static_assert(has_try_send<sync_sender<int>>);
static_assert(has_send_timeout<sync_sender<int>>);
static_assert(has_send_deadline<sync_sender<int>>);

// ---------------------------------------------------------------------------------------------
// Default-constructed handles act as endpoints of a permanently disconnected channel.

TEST(mpsc_handles, default_constructed_sender) {
    watchdog wd(30s, "an operation on a default-constructed sender");
    sender<int> tx;
    EXPECT_FALSE(static_cast<bool>(tx));
    EXPECT_TRUE(tx.is_disconnected());
    EXPECT_EQ(tx.size(), 0u);
    EXPECT_TRUE(tx.empty());
    auto r = tx.send(5);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().value, 5);
    sender<int> copy = tx;
    EXPECT_FALSE(static_cast<bool>(copy));
    tx.reset();
    EXPECT_FALSE(static_cast<bool>(tx));

    sender<std::unique_ptr<int>> ptx;
    auto p = std::make_unique<int>(1);
    int* raw = p.get();
    auto pr = ptx.send(std::move(p));
    ASSERT_FALSE(pr.has_value());
    EXPECT_EQ(pr.error().value.get(), raw);
}

TEST(mpsc_handles, default_constructed_sync_sender) {
    watchdog wd(30s, "an operation on a default-constructed sync_sender");
    sync_sender<int> tx;
    EXPECT_FALSE(static_cast<bool>(tx));
    EXPECT_TRUE(tx.is_disconnected());
    auto r = tx.send(1);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().value, 1);
    auto t = tx.try_send(2);
    ASSERT_FALSE(t.has_value());
    EXPECT_TRUE(t.error().is_disconnected());
    EXPECT_EQ(t.error().value, 2);
    auto s = tx.send_timeout(3, 1h);
    ASSERT_FALSE(s.has_value());
    EXPECT_TRUE(s.error().is_disconnected());
    EXPECT_EQ(s.error().value, 3);
    auto d = tx.send_deadline(4, std::chrono::steady_clock::time_point::max());
    ASSERT_FALSE(d.has_value());
    EXPECT_TRUE(d.error().is_disconnected());
    EXPECT_EQ(d.error().value, 4);
    sync_sender<int> copy = tx;
    EXPECT_FALSE(static_cast<bool>(copy));
    tx.reset();
}

TEST(mpsc_handles, default_constructed_receiver) {
    watchdog wd(30s, "an operation on a default-constructed receiver");
    receiver<int> rx;
    EXPECT_FALSE(static_cast<bool>(rx));
    EXPECT_TRUE(rx.is_disconnected());
    EXPECT_EQ(rx.size(), 0u);
    EXPECT_TRUE(rx.empty());
    EXPECT_EQ(rx.recv().error(), courier::recv_error{});
    EXPECT_EQ(rx.try_recv().error(), courier::try_recv_error::disconnected);
    EXPECT_EQ(rx.recv_timeout(1h).error(), courier::recv_timeout_error::disconnected);
    EXPECT_EQ(rx.recv_deadline(std::chrono::steady_clock::time_point::max()).error(),
              courier::recv_timeout_error::disconnected);
    int n = 0;
    for (int v : rx) {
        n += v + 1;
    }
    for (int v : rx.iter()) {
        n += v + 1;
    }
    for (int v : rx.try_iter()) {
        n += v + 1;
    }
    EXPECT_EQ(n, 0);
    rx.close();
    rx.reset();
    EXPECT_FALSE(static_cast<bool>(rx));
}

// ---------------------------------------------------------------------------------------------
// Copying and assignment

TEST(mpsc_handles, copies_are_senders) {
    auto [tx, rx] = courier::channel<int>();
    std::vector<sender<int>> copies(10, tx);
    tx.reset();
    for (std::size_t i = 0; i < copies.size(); ++i) {
        ASSERT_TRUE(copies[i].send(static_cast<int>(i)).has_value());
        EXPECT_FALSE(rx.is_disconnected());
    }
    copies.resize(1);
    EXPECT_FALSE(rx.is_disconnected());
    sender<int> last = std::move(copies[0]);
    copies.clear();
    EXPECT_FALSE(rx.is_disconnected());
    last.reset();
    EXPECT_TRUE(rx.is_disconnected());
    for (int i = 0; i < 10; ++i) {
        auto r = rx.recv();
        ASSERT_TRUE(r.has_value());
        EXPECT_EQ(*r, i);
    }
    EXPECT_EQ(rx.recv().error(), courier::recv_error{});
}

template <class Make>
void check_sender_assignment(Make make) {
    {
        // Copy assignment drops the channel the target belonged to.
        auto [tx1, rx1] = make();
        auto [tx2, rx2] = make();
        tx2 = tx1;
        EXPECT_TRUE(rx2.is_disconnected()) << "the overwritten sender was the last of channel 2";
        EXPECT_FALSE(rx1.is_disconnected());
        ASSERT_TRUE(tx2.try_send(1).has_value());
        auto r = rx1.try_recv();
        ASSERT_TRUE(r.has_value()) << "the assigned sender sends into channel 1";
        EXPECT_EQ(*r, 1);
        tx1.reset();
        EXPECT_FALSE(rx1.is_disconnected());
        tx2.reset();
        EXPECT_TRUE(rx1.is_disconnected());
    }
    {
        // Move assignment likewise; the source becomes empty.
        auto [tx1, rx1] = make();
        auto [tx2, rx2] = make();
        tx2 = std::move(tx1);
        EXPECT_FALSE(static_cast<bool>(tx1));
        EXPECT_TRUE(rx2.is_disconnected());
        EXPECT_FALSE(rx1.is_disconnected());
        ASSERT_TRUE(tx2.try_send(2).has_value());
        EXPECT_TRUE(rx1.try_recv() == 2);
        tx2.reset();
        EXPECT_TRUE(rx1.is_disconnected());
    }
    {
        // Self copy assignment keeps the channel connected.
        auto [tx, rx] = make();
        auto& alias = tx;
        tx = alias;
        EXPECT_TRUE(static_cast<bool>(tx));
        EXPECT_FALSE(rx.is_disconnected());
        ASSERT_TRUE(tx.try_send(3).has_value());
        EXPECT_TRUE(rx.try_recv() == 3);
    }
    {
        // Swapping two senders swaps their channels and disconnects nothing.
        auto [tx1, rx1] = make();
        auto [tx2, rx2] = make();
        std::swap(tx1, tx2);
        EXPECT_FALSE(rx1.is_disconnected());
        EXPECT_FALSE(rx2.is_disconnected());
        ASSERT_TRUE(tx1.try_send(4).has_value());
        EXPECT_TRUE(rx2.try_recv() == 4);
    }
}

TEST(mpsc_handles, sync_sender_assignment) {
    check_sender_assignment([] { return courier::sync_channel<int>(4); });
}

TEST(mpsc_handles, sender_assignment) {
    {
        auto [tx1, rx1] = courier::channel<int>();
        auto [tx2, rx2] = courier::channel<int>();
        tx2 = tx1;
        EXPECT_TRUE(rx2.is_disconnected());
        ASSERT_TRUE(tx2.send(1).has_value());
        EXPECT_TRUE(rx1.try_recv() == 1);
        tx2 = std::move(tx1);
        EXPECT_FALSE(static_cast<bool>(tx1));
        EXPECT_FALSE(rx1.is_disconnected());
        tx2 = sender<int>();
        EXPECT_TRUE(rx1.is_disconnected()) << "assigning an empty sender drops the last one";
    }
    {
        auto [tx, rx] = courier::channel<int>();
        auto& alias = tx;
        tx = alias;
        EXPECT_FALSE(rx.is_disconnected());
        ASSERT_TRUE(tx.send(2).has_value());
        EXPECT_TRUE(rx.try_recv() == 2);
    }
}

TEST(mpsc_handles, receiver_assignment) {
    auto [tx1, rx1] = courier::sync_channel<int>(2);
    auto [tx2, rx2] = courier::sync_channel<int>(2);
    ASSERT_TRUE(tx1.try_send(1).has_value());
    ASSERT_TRUE(tx2.try_send(2).has_value());
    rx2 = std::move(rx1);
    EXPECT_FALSE(static_cast<bool>(rx1));
    EXPECT_TRUE(tx2.is_disconnected()) << "the overwritten receiver of channel 2 is dropped";
    EXPECT_FALSE(tx1.is_disconnected());
    auto r = rx2.try_recv();
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(*r, 1);
    auto refused = tx2.send(3);
    ASSERT_FALSE(refused.has_value());
    EXPECT_EQ(refused.error().value, 3);
    rx2 = receiver<int>();
    EXPECT_TRUE(tx1.is_disconnected());
}

TEST(mpsc_handles, receiver_assignment_destroys_buffered_messages) {
    tracked::reset();
    {
        auto [tx1, rx1] = courier::channel<tracked>();
        auto [tx2, rx2] = courier::channel<tracked>();
        for (int i = 0; i < 5; ++i) {
            ASSERT_TRUE(tx2.send(tracked(i)).has_value());
        }
        EXPECT_EQ(tracked::payloads(), 5);
        rx2 = std::move(rx1);
        EXPECT_EQ(tracked::payloads(), 0) << "messages of the dropped receiver are destroyed";
        EXPECT_EQ(tracked::dropped(), 5);
    }
    EXPECT_EQ(tracked::live(), 0);
}

// An iterator holds the message it received until it is dereferenced or advanced: copying the
// iterator copies the message, moving it moves the message, and destroying it destroys the message.
TEST(mpsc_handles, iterator_owns_its_message) {
    using courier_test::tracked;
    tracked::reset();
    {
        auto [tx, rx] = courier::sync_channel<tracked>(4);
        for (int i = 0; i < 3; ++i) {
            ASSERT_TRUE(tx.send(tracked(i)).has_value());
        }
        auto it = rx.try_iter().begin();
        ASSERT_FALSE(it == std::default_sentinel);  // receives message 0 into the iterator
        EXPECT_EQ(it->seq(), 0);
        EXPECT_EQ(rx.size(), 2u);
        EXPECT_EQ(tracked::payloads(), 3);

        auto copy = it;  // copies the held message
        EXPECT_EQ(tracked::copies(), 1);
        EXPECT_EQ(copy->seq(), 0);
        EXPECT_EQ(tracked::payloads(), 4);
        auto moved = std::move(copy);
        EXPECT_EQ(moved->seq(), 0);
        EXPECT_EQ(tracked::payloads(), 4);

        ++it;  // drops its message without receiving another
        EXPECT_EQ(tracked::payloads(), 3);
        EXPECT_EQ(rx.size(), 2u);
        ASSERT_FALSE(it == std::default_sentinel);  // now receives message 1
        tracked m = *it;
        EXPECT_EQ(m.consume(), 1);
        EXPECT_EQ(rx.size(), 1u);
        static_cast<void>(moved->seq());
    }
    // The copies held by iterators were destroyed with them; message 2 with the channel.
    EXPECT_EQ(tracked::live(), 0);
    EXPECT_EQ(tracked::payloads(), 0);
}

// recv() constructs the message in the result it returns: one move from the channel, no copy.
TEST(mpsc_handles, recv_moves_once_into_its_result) {
    using courier_test::tracked;
    tracked::reset();
    {
        auto [tx, rx] = courier::channel<tracked>();
        ASSERT_TRUE(tx.send(tracked(7)).has_value());
        const long before = tracked::counters().constructed.load();
        auto r = rx.recv();
        ASSERT_TRUE(r.has_value());
        EXPECT_EQ(r->seq(), 7);
        EXPECT_EQ(tracked::counters().constructed.load() - before, 1);
        EXPECT_EQ(tracked::copies(), 0);
        r->consume();
        auto e = rx.try_recv();
        ASSERT_FALSE(e.has_value());
        EXPECT_EQ(e.error(), courier::try_recv_error::empty);
    }
    EXPECT_EQ(tracked::live(), 0);
}

TEST(mpsc_handles, handles_move_between_threads) {
    watchdog wd(30s, "handles moved to other threads");
    auto [tx, rx] = courier::sync_channel<int>(1);
    std::jthread consumer([rx = std::move(rx)]() mutable {
        int expected = 0;
        for (int v : rx) {
            EXPECT_EQ(v, expected);
            ++expected;
        }
        EXPECT_EQ(expected, 100);
    });
    std::jthread producer([tx = std::move(tx)] {
        for (int i = 0; i < 100; ++i) {
            EXPECT_TRUE(tx.send(i).has_value());
        }
    });
}

// ---------------------------------------------------------------------------------------------
// Memory: when the last handle of either side goes, all memory of the channel is freed.

#if !COURIER_TEST_SANITIZED

long allocations_now() {
    return live_allocations.load();
}

/// Runs scenario twice (the first run may create one-time state) and checks that the second
/// run leaves the number of live allocations unchanged, while it did allocate something.
template <class Scenario>
void expect_no_memory_kept(Scenario scenario) {
    long peak = 0;
    scenario(peak);
    const long before = allocations_now();
    peak = before;
    scenario(peak);
    const long after = allocations_now();
    EXPECT_GT(peak, before) << "the counting did not see the channel allocate";
    EXPECT_EQ(after, before) << (after - before) << " allocation(s) kept after every handle went";
}

template <class Make>
void memory_scenarios(Make make, int messages) {
    // Receiver goes first, with messages buffered.
    expect_no_memory_kept([&](long& peak) {
        auto ends = make();
        for (int i = 0; i < messages; ++i) {
            ASSERT_TRUE(ends.first.send(tracked(i)).has_value());
        }
        peak = std::max(peak, allocations_now());
        ends.second.reset();
        ends.first.reset();
    });
    // Senders go first; the receiver takes some messages, then goes.
    expect_no_memory_kept([&](long& peak) {
        auto ends = make();
        auto copy = ends.first;
        for (int i = 0; i < messages; ++i) {
            ASSERT_TRUE(copy.send(tracked(i)).has_value());
        }
        peak = std::max(peak, allocations_now());
        ends.first.reset();
        copy.reset();
        for (int i = 0; i < messages / 2; ++i) {
            auto r = ends.second.recv();
            ASSERT_TRUE(r.has_value());
            r->consume();
        }
        ends.second.reset();
    });
    // close(), then everything drained, then the handles go in the other order.
    expect_no_memory_kept([&](long& peak) {
        auto ends = make();
        for (int i = 0; i < messages; ++i) {
            ASSERT_TRUE(ends.first.send(tracked(i)).has_value());
        }
        peak = std::max(peak, allocations_now());
        ends.second.close();
        auto refused = ends.first.send(tracked(-5));
        ASSERT_FALSE(refused.has_value());
        refused.error().value.consume();
        for (auto m : ends.second.try_iter()) {
            m.consume();
        }
        ends.first.reset();
        ends.second.reset();
    });
}

TEST(mpsc_memory, unbounded_channel_frees_everything) {
    tracked::reset();
    memory_scenarios([] { return courier::channel<tracked>(); }, 1000);
    EXPECT_EQ(tracked::live(), 0);
}

TEST(mpsc_memory, bounded_channel_frees_everything) {
    tracked::reset();
    memory_scenarios([] { return courier::sync_channel<tracked>(64); }, 64);
    EXPECT_EQ(tracked::live(), 0);
}

TEST(mpsc_memory, rendezvous_channel_frees_everything) {
    watchdog wd(30s, "a rendezvous exchange");
    expect_no_memory_kept([](long& peak) {
        auto [tx, rx] = courier::sync_channel<int>(0);
        {
            std::jthread sender([tx = std::move(tx)] {
                for (int i = 0; i < 20; ++i) {
                    EXPECT_TRUE(tx.send(i).has_value());
                }
            });
            for (int i = 0; i < 20; ++i) {
                auto r = rx.recv();
                ASSERT_TRUE(r.has_value());
                EXPECT_EQ(*r, i);
            }
            peak = std::max(peak, allocations_now());
        }
        rx.reset();
    });
    expect_no_memory_kept([](long& peak) {
        auto [tx, rx] = courier::sync_channel<int>(0);
        peak = std::max(peak, allocations_now());
        rx.reset();
        EXPECT_FALSE(tx.send(1).has_value());
    });
}

#else

TEST(mpsc_memory, unbounded_channel_frees_everything) {
    GTEST_SKIP() << "allocation counting is off under sanitizers (they check leaks themselves)";
}
TEST(mpsc_memory, bounded_channel_frees_everything) {
    GTEST_SKIP() << "allocation counting is off under sanitizers (they check leaks themselves)";
}
TEST(mpsc_memory, rendezvous_channel_frees_everything) {
    GTEST_SKIP() << "allocation counting is off under sanitizers (they check leaks themselves)";
}

#endif

}  // namespace
