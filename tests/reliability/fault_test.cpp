// Fault injection: throwing moves and copies, and failing allocations, enumerated over every
// point of a fixed script of sends and receives on every flavor.
//
// For each k, the k-th move construction of the run throws (then k + 1, ...until a run sees no
// fault at all). The script checks each outcome against a sequential model (a deque of values and
// holes) and the documented guarantees:
//   - a move that throws while send stores the message: the exception reaches the caller and the
//     message is not sent (it is destroyed with the caller's argument);
//   - a move that throws while recv hands the message out: the exception reaches the caller and
//     the message stays in the channel; the next receive returns it, in order;
//   - the channel stays usable, and nothing leaks (live count 0 once every handle is gone).
// The same enumeration runs over the n-th allocation of the process (a counting global operator
// new): an allocation failure in send of an unbounded channel throws std::bad_alloc and the
// message is not sent.
#include <gtest/gtest.h>

#include <courier/courier.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdio>
#include <deque>
#include <new>
#include <optional>
#include <string>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include "support/alloc_hooks.hpp"
#include "support/fragile.hpp"
#include "support/knobs.hpp"
#include "support/test_watchdog.hpp"

namespace {

using namespace std::chrono_literals;
using courier_reliability::fault;
using courier_reliability::fragile;
namespace alloc = courier_reliability::alloc;

static_assert(!std::is_nothrow_move_constructible_v<fragile>);

// ---- a sequential model of one queue channel ------------------------------------------------

/// What the channel holds, oldest first. A send whose write threw may leave a hole: a slot with no
/// message that takes a place in a bounded ring until a receiver skips it, and is never received.
/// Whether it does is the flavor's choice (the array flavor gives the slot back when no later send
/// reserved after it), so the model keeps "maybe holes": a send must succeed when the messages
/// alone leave room, may report full only when messages and maybe-holes fill the capacity.
class model {
  public:
    explicit model(std::optional<std::size_t> cap) : cap_(cap) {}

    /// Certainly room: a blocking send cannot block.
    bool surely_room() const { return !cap_ || q_.size() < *cap_; }
    /// Possibly room: a send may succeed.
    bool maybe_room() const { return !cap_ || messages() < *cap_; }
    void push(int v) {
        // A successful send into a ring whose maybe-holes would fill it proves the oldest of
        // them absent.
        while (cap_ && q_.size() >= *cap_ && drop_one_hole()) {
        }
        q_.push_back(v);
    }
    void push_hole() { q_.push_back(std::nullopt); }
    // A receive skips (and frees) every hole in front of the oldest message.
    void skip_holes() {
        while (!q_.empty() && !q_.front()) {
            q_.pop_front();
        }
    }
    bool has_message() const { return messages() != 0; }
    int front() const { return *q_.front(); }
    void pop() { q_.pop_front(); }

  private:
    std::size_t messages() const {
        return static_cast<std::size_t>(
            std::count_if(q_.begin(), q_.end(), [](const auto& e) { return e.has_value(); }));
    }
    bool drop_one_hole() {
        for (auto it = q_.begin(); it != q_.end(); ++it) {
            if (!*it) {
                q_.erase(it);
                return true;
            }
        }
        return false;
    }

    std::optional<std::size_t> cap_;
    std::deque<std::optional<int>> q_;
};

enum class how { blocking, try_once, zero_timeout };

// Ends of one channel under test, through a uniform interface (mpsc or mpmc, bounded or not).
template <class Tx, class Rx>
struct ends {
    Tx tx;
    Rx rx;
};

template <class Tx>
constexpr bool bounded_sender = requires(const Tx& tx, fragile v) {
    tx.try_send(std::move(v));
};

/// Sends `v`; returns "sent", "full", or "threw". Values handed back are checked and taken.
/// A blocking send is only made where it cannot block (`room`); a try_send instead.
template <class Tx>
std::string do_send(const Tx& tx, int v, how h, bool room) {
    try {
        if constexpr (bounded_sender<Tx>) {
            if (h == how::try_once || (h == how::blocking && !room)) {
                auto r = tx.try_send(fragile(v));
                if (r) {
                    return "sent";
                }
                EXPECT_EQ(r.error().value.value(), v);
                r.error().value.take();
                return r.error().is_full() ? "full" : "disconnected";
            }
            if (h == how::zero_timeout) {
                auto r = tx.send_timeout(fragile(v), 0ms);
                if (r) {
                    return "sent";
                }
                EXPECT_EQ(r.error().value.value(), v);
                r.error().value.take();
                return r.error().is_timeout() ? "full" : "disconnected";
            }
        }
        auto r = tx.send(fragile(v));
        if (r) {
            return "sent";
        }
        r.error().value.take();
        return "disconnected";
    } catch (const fault&) {
        return "threw";
    }
}

/// Receives once; returns the value, or -1 for empty, or -2 if it threw.
template <class Rx>
int do_recv(const Rx& rx, how h, bool model_has_message) {
    try {
        if (h == how::blocking && model_has_message) {
            auto r = rx.recv();
            return r ? r->take() : -3;
        }
        if (h == how::zero_timeout) {
            auto r = rx.recv_timeout(0ms);
            return r ? r->take() : -1;
        }
        auto r = rx.try_recv();
        return r ? r->take() : -1;
    } catch (const fault&) {
        return -2;
    }
}

// The script: 's' sends the next value, 'r' receives once. Mixed so that the channel fills,
// drains, and wraps around small rings.
constexpr const char* script = "ssrsrrsssrrrsrsrrssssrrrrsrsssrrr";

struct script_result {
    long moves = 0;         // move constructions during the run
    long faults = 0;        // faults that fired
    long failed_sends = 0;  // sends that threw
    bool ok = true;
};

/// Runs the script on a fresh channel from `make`, with the k-th move throwing (k == 0: never),
/// checking every outcome against the model; then drains, drops, and checks the counts.
template <class Make>
script_result run_script(Make make, std::optional<std::size_t> cap, long k) {
    script_result res;
    fragile::reset_counters();
    const long live_before = fragile::live();
    {
        auto [tx, rx] = make();
        model m(cap);
        fragile::arm_move(k);
        int next = 1;
        std::size_t step = 0;
        for (const char* c = script; *c != '\0'; ++c, ++step) {
            const how h = static_cast<how>(step % 3);
            const std::string where = "k=" + std::to_string(k) + " step " + std::to_string(step);
            if (*c == 's') {
                const int v = next++;
                const bool room = m.surely_room();
                const bool maybe = m.maybe_room();
                std::string out;
                {
                    courier_reliability::op_guard guard(where + ": send " + std::to_string(v));
                    out = do_send(tx, v, h, room);
                }
                if (out == "sent") {
                    EXPECT_TRUE(maybe) << where << ": send succeeded on a full channel";
                    res.ok = res.ok && maybe;
                    m.push(v);
                } else if (out == "full") {
                    EXPECT_FALSE(room) << where << ": full reported on a channel with room";
                    res.ok = res.ok && !room;
                } else if (out == "threw") {
                    ++res.failed_sends;
                    // If the write threw after a slot was reserved, the slot may be a hole now.
                    // If the channel was full, the throw came from handing the value back.
                    if (maybe) {
                        m.push_hole();
                    }
                } else {
                    ADD_FAILURE() << where << ": unexpected send outcome " << out;
                    res.ok = false;
                }
            } else {
                m.skip_holes();
                const bool has = m.has_message();
                int got = 0;
                {
                    courier_reliability::op_guard guard(where + ": receive");
                    got = do_recv(rx, h, has);
                }
                if (got >= 0) {
                    if (!has) {
                        ADD_FAILURE() << where << ": received " << got << " from an empty channel";
                        res.ok = false;
                    } else {
                        EXPECT_EQ(got, m.front()) << where << ": out of order";
                        res.ok = res.ok && got == m.front();
                        m.pop();
                    }
                } else if (got == -1) {
                    EXPECT_FALSE(has) << where << ": empty reported with a message buffered";
                    res.ok = res.ok && !has;
                } else if (got == -2) {
                    // The move out threw: the message stays, in front.
                    EXPECT_TRUE(has) << where << ": a receive threw on an empty channel";
                } else {
                    ADD_FAILURE() << where << ": recv reported disconnected";
                    res.ok = false;
                }
            }
        }
        res.moves = fragile::moves();
        res.faults = fragile::throws();
        fragile::disarm();
        // Drain: exactly the model's messages, in order.
        for (;;) {
            m.skip_holes();
            auto r = rx.try_recv();
            if (!r) {
                EXPECT_FALSE(m.has_message()) << "k=" << k << ": drain ended early";
                res.ok = res.ok && !m.has_message();
                break;
            }
            const int got = r->take();
            if (!m.has_message()) {
                ADD_FAILURE() << "k=" << k << ": drained an extra message " << got;
                res.ok = false;
                break;
            }
            EXPECT_EQ(got, m.front()) << "k=" << k << ": drain out of order";
            m.pop();
        }
        // Still usable: one more round trip.
        if constexpr (bounded_sender<decltype(tx)>) {
            EXPECT_TRUE(tx.try_send(fragile(1000)).has_value()) << "k=" << k;
        } else {
            EXPECT_TRUE(tx.send(fragile(1000)).has_value()) << "k=" << k;
        }
        auto last = rx.try_recv();
        EXPECT_TRUE(last.has_value()) << "k=" << k;
        if (last) {
            EXPECT_EQ(last->take(), 1000);
        }
    }
    EXPECT_EQ(fragile::live(), live_before) << "k=" << k << ": objects leaked or destroyed twice";
    // Only the payloads of sends that threw are destroyed without being received.
    EXPECT_EQ(fragile::dropped(), res.failed_sends) << "k=" << k;
    res.ok = res.ok && fragile::live() == live_before && fragile::dropped() == res.failed_sends;
    return res;
}

/// Enumerates k = 1, 2, ... until a run completes with no fault, over one channel kind.
template <class Make>
void enumerate_moves(Make make, std::optional<std::size_t> cap) {
    const script_result clean = run_script(make, cap, 0);
    ASSERT_TRUE(clean.ok);
    ASSERT_EQ(clean.faults, 0);
    ASSERT_GT(clean.moves, 0);
    long k = 1;
    long points = 0;
    for (;; ++k) {
        const script_result r = run_script(make, cap, k);
        ASSERT_TRUE(r.ok) << "failed with the move #" << k << " throwing";
        if (r.faults == 0) {
            break;
        }
        ++points;
        ASSERT_LE(k, 2 * clean.moves + 5) << "the enumeration does not end";
    }
    std::printf("[ figures  ] %ld moves in a clean run, %ld fault points enumerated\n", clean.moves,
                points);
    EXPECT_GE(points, clean.moves / 2) << "too few of the moves were reached by the enumeration";
}

TEST(FaultMove, Unbounded) {
    enumerate_moves([] { return courier::channel<fragile>(); }, std::nullopt);
}
TEST(FaultMove, Capacity1) {
    enumerate_moves([] { return courier::sync_channel<fragile>(1); }, 1);
}
TEST(FaultMove, Capacity3) {
    enumerate_moves([] { return courier::sync_channel<fragile>(3); }, 3);
}
TEST(FaultMove, MpmcUnbounded) {
    enumerate_moves([] { return courier::mpmc::channel<fragile>(); }, std::nullopt);
}
TEST(FaultMove, MpmcCapacity2) {
    enumerate_moves([] { return courier::mpmc::sync_channel<fragile>(2); }, 2);
}

// ---- rendezvous: the two sides are different threads -----------------------------------------

struct rendezvous_result {
    std::vector<int> failed_sends;
    std::vector<int> received;
    long recv_faults = 0;
    long faults = 0;
};

template <class Make>
rendezvous_result run_rendezvous(Make make, int n, long k) {
    rendezvous_result res;
    fragile::reset_counters();
    {
        auto [tx, rx] = make();
        fragile::arm_move(k);
        std::thread sender([&, tx = std::move(tx)]() mutable {
            for (int v = 1; v <= n; ++v) {
                try {
                    auto r = tx.send(fragile(v));
                    EXPECT_TRUE(r.has_value());
                } catch (const fault&) {
                    res.failed_sends.push_back(v);
                }
            }
            tx.reset();
        });
        for (;;) {
            try {
                auto r = rx.recv();
                if (!r) {
                    break;
                }
                res.received.push_back(r->take());
            } catch (const fault&) {
                ++res.recv_faults;
            }
        }
        sender.join();
        res.faults = fragile::throws();
        fragile::disarm();
    }
    return res;
}

template <class Make>
void enumerate_rendezvous(Make make) {
    constexpr int n = 6;
    for (long k = 1;; ++k) {
        const rendezvous_result r = run_rendezvous(make, n, k);
        std::vector<int> expected;
        for (int v = 1; v <= n; ++v) {
            if (std::find(r.failed_sends.begin(), r.failed_sends.end(), v) ==
                r.failed_sends.end()) {
                expected.push_back(v);
            }
        }
        ASSERT_EQ(r.received, expected) << "k=" << k << ": lost, duplicated or reordered";
        ASSERT_EQ(fragile::live(), 0) << "k=" << k;
        ASSERT_EQ(fragile::dropped(), static_cast<long>(r.failed_sends.size())) << "k=" << k;
        if (r.faults == 0) {
            break;
        }
        ASSERT_LT(k, 100);
    }
}

TEST(FaultMove, Rendezvous) {
    enumerate_rendezvous([] { return courier::sync_channel<fragile>(0); });
}
TEST(FaultMove, MpmcRendezvous) {
    enumerate_rendezvous([] { return courier::mpmc::sync_channel<fragile>(0); });
}

// ---- handing a value back when the move throws ---------------------------------------------

// Every move on the error path of a send to a disconnected channel may throw: the exception
// propagates and the value is destroyed, never leaked.
template <class Make>
void disconnected_send_faults(Make make) {
    for (long k = 1; k <= 4; ++k) {
        fragile::reset_counters();
        {
            auto [tx, rx] = make();
            rx.reset();
            fragile::arm_move(k);
            bool threw = false;
            try {
                auto r = tx.send(fragile(7));
                ASSERT_FALSE(r.has_value());
                EXPECT_EQ(r.error().value.take(), 7);
            } catch (const fault&) {
                threw = true;
            }
            fragile::disarm();
            EXPECT_EQ(fragile::dropped(), threw ? 1 : 0) << "k=" << k;
        }
        EXPECT_EQ(fragile::live(), 0) << "k=" << k;
    }
}

TEST(FaultMove, SendToDisconnected) {
    disconnected_send_faults([] { return courier::channel<fragile>(); });
    disconnected_send_faults([] { return courier::sync_channel<fragile>(2); });
    disconnected_send_faults([] { return courier::sync_channel<fragile>(0); });
    disconnected_send_faults([] { return courier::mpmc::channel<fragile>(); });
}

// ---- copies ----------------------------------------------------------------------------------

// The channel never copies a message; a copy the caller makes to pass an lvalue throws before the
// channel is involved and leaves it untouched.
TEST(FaultCopy, ChannelNeverCopiesAndCallSiteCopyLeavesChannelUsable) {
    fragile::reset_counters();
    {
        auto [tx, rx] = courier::sync_channel<fragile>(4);
        fragile kept(5);
        fragile::arm_copy(1);
        EXPECT_THROW(static_cast<void>(tx.send(kept)), fault);
        fragile::disarm();
        EXPECT_EQ(kept.value(), 5);
        EXPECT_TRUE(rx.empty());
        for (int v = 0; v < 8; ++v) {
            ASSERT_TRUE(tx.send(fragile(v)).has_value());
            auto r = rx.recv();
            ASSERT_TRUE(r.has_value());
            EXPECT_EQ(r->take(), v);
        }
        EXPECT_EQ(fragile::copies(), 1);  // only the caller's copy above
        kept.take();
    }
    {
        auto [tx, rx] = courier::channel<fragile>();
        for (int v = 0; v < 100; ++v) {
            ASSERT_TRUE(tx.send(fragile(v)).has_value());
        }
        for (int v = 0; v < 100; ++v) {
            auto r = rx.recv();
            ASSERT_TRUE(r.has_value());
            EXPECT_EQ(r->take(), v);
        }
    }
    EXPECT_EQ(fragile::copies(), 1);
    EXPECT_EQ(fragile::live(), 0);
}

// ---- many threads, faults at random points ---------------------------------------------------

// Every 7th move of the process throws while producers and receivers run; each message must be
// received exactly once, in per-producer order, unless its send threw. With several receivers, a
// message whose hand-out threw goes back to the front of the channel while other receivers may
// already hold later ones: it is exempt from the order check (every other message is not).
template <class Tx, class Rx>
void storm(std::pair<Tx, Rx> ch, int producers, int receivers, int per_producer) {
    fragile::reset_counters();
    std::atomic<long> failed{0};
    std::vector<std::vector<int>> got(static_cast<std::size_t>(receivers));
    std::vector<std::vector<int>> recv_faults(static_cast<std::size_t>(receivers));
    std::vector<std::vector<char>> sent_ok(
        static_cast<std::size_t>(producers),
        std::vector<char>(static_cast<std::size_t>(per_producer)));
    {
        auto [tx, rx] = std::move(ch);
        fragile::every_move(7);
        std::vector<std::thread> threads;
        for (int p = 0; p < producers; ++p) {
            threads.emplace_back([&, p, tx = tx]() mutable {
                for (int i = 0; i < per_producer; ++i) {
                    try {
                        auto r = tx.send(fragile(p * per_producer + i));
                        EXPECT_TRUE(r.has_value());
                        sent_ok[static_cast<std::size_t>(p)][static_cast<std::size_t>(i)] = 1;
                    } catch (const fault&) {
                        failed.fetch_add(1);
                    }
                }
                tx.reset();
            });
        }
        tx.reset();
        for (int r = 0; r < receivers; ++r) {
            auto body = [&, r](const Rx& my) {
                for (;;) {
                    try {
                        auto m = my.recv();
                        if (!m) {
                            break;
                        }
                        got[static_cast<std::size_t>(r)].push_back(m->take());
                    } catch (const fault& f) {
                        recv_faults[static_cast<std::size_t>(r)].push_back(f.value());
                    }
                }
            };
            if constexpr (std::is_copy_constructible_v<Rx>) {
                threads.emplace_back([body, my = rx]() mutable {
                    body(my);
                    my.reset();
                });
            } else {
                threads.emplace_back([body, my = std::move(rx)]() mutable {
                    body(my);
                    my.reset();
                });
            }
        }
        if constexpr (std::is_copy_constructible_v<Rx>) {
            rx.reset();
        }
        for (auto& t : threads) {
            t.join();
        }
        fragile::disarm();
    }
    std::vector<char> seen(static_cast<std::size_t>(producers * per_producer), 0);
    std::vector<char> exempt(static_cast<std::size_t>(producers * per_producer), 0);
    if (receivers > 1) {
        for (const auto& faults : recv_faults) {
            for (int v : faults) {
                exempt[static_cast<std::size_t>(v)] = 1;
            }
        }
    }
    long received = 0;
    for (const auto& g : got) {
        std::vector<int> last(static_cast<std::size_t>(producers), -1);
        for (int v : g) {
            ASSERT_GE(v, 0);
            ASSERT_LT(v, producers * per_producer);
            ASSERT_EQ(seen[static_cast<std::size_t>(v)], 0) << "duplicated " << v;
            seen[static_cast<std::size_t>(v)] = 1;
            ++received;
            if (exempt[static_cast<std::size_t>(v)]) {
                continue;
            }
            const int p = v / per_producer;
            ASSERT_GT(v, last[static_cast<std::size_t>(p)]) << "reordered " << v;
            last[static_cast<std::size_t>(p)] = v;
        }
    }
    for (int p = 0; p < producers; ++p) {
        for (int i = 0; i < per_producer; ++i) {
            const int v = p * per_producer + i;
            ASSERT_EQ(seen[static_cast<std::size_t>(v)],
                      sent_ok[static_cast<std::size_t>(p)][static_cast<std::size_t>(i)])
                << "message " << v
                << (seen[static_cast<std::size_t>(v)] ? " received but its "
                                                        "send threw"
                                                      : " lost");
        }
    }
    EXPECT_EQ(received + failed.load(), producers * per_producer);
    EXPECT_GT(fragile::throws(), 0);
    EXPECT_EQ(fragile::dropped(), failed.load());
    EXPECT_EQ(fragile::live(), 0);
}

int storm_size() {
    return static_cast<int>(courier_reliability::scaled(4000, 200));
}

TEST(FaultStorm, Unbounded) {
    storm(courier::channel<fragile>(), 3, 1, storm_size());
}
TEST(FaultStorm, Capacity1) {
    storm(courier::sync_channel<fragile>(1), 3, 1, storm_size());
}
TEST(FaultStorm, Capacity3) {
    storm(courier::sync_channel<fragile>(3), 3, 1, storm_size());
}
TEST(FaultStorm, Rendezvous) {
    storm(courier::sync_channel<fragile>(0), 3, 1, storm_size());
}
TEST(FaultStorm, MpmcUnbounded) {
    storm(courier::mpmc::channel<fragile>(), 2, 2, storm_size());
}
TEST(FaultStorm, MpmcCapacity2) {
    storm(courier::mpmc::sync_channel<fragile>(2), 2, 2, storm_size());
}
TEST(FaultStorm, MpmcRendezvous) {
    storm(courier::mpmc::sync_channel<fragile>(0), 2, 2, storm_size());
}

// ---- allocation failures -------------------------------------------------------------------

// The script for the unbounded flavor crosses several block boundaries (a block holds 31
// messages), so every allocation of the list is reached.
struct alloc_result {
    long scoped_allocs = 0;
    bool fired = false;
    bool created = false;
    long failed_sends = 0;
};

/// One step of an allocation script: send or receive `count` messages.
struct alloc_step {
    char op;  // 's' or 'r'
    int count;
};

// Crosses several block boundaries of the unbounded flavor (a block holds 31 messages) and leaves
// messages buffered at the drop.
const std::vector<alloc_step> unbounded_plan{{'s', 70},   {'r', 35}, {'s', 40},
                                             {'r', 1000}, {'s', 33}, {'r', 10}};
// Stays within a capacity of 3 (a send never blocks), wrapping the ring several times.
const std::vector<alloc_step> bounded_plan{{'s', 3},  {'r', 2}, {'s', 2}, {'r', 1}, {'s', 1},
                                           {'r', 10}, {'s', 3}, {'r', 3}, {'s', 2}};

template <class Make>
alloc_result run_alloc_script(Make make, const std::vector<alloc_step>& plan, long n) {
    alloc_result res;
    fragile::reset_counters();
    std::vector<int> expected;
    expected.reserve(512);
    std::size_t head = 0;
    const std::int64_t bytes_before = alloc::live_bytes();
    {
        alloc::fail_nth(n);
        using pair_t = decltype(make());
        std::optional<pair_t> ch;
        try {
            alloc::failure_scope scope;
            ch.emplace(make());
        } catch (const std::bad_alloc&) {
        }
        res.created = ch.has_value();
        if (ch) {
            // Named references, not a structured binding: Clang 14 cannot capture bindings.
            auto& tx = ch->first;
            auto& rx = ch->second;
            int next = 0;
            auto send_some = [&](int count) {
                for (int i = 0; i < count; ++i) {
                    const int v = next++;
                    try {
                        alloc::failure_scope scope;
                        auto r = tx.send(fragile(v));
                        EXPECT_TRUE(r.has_value());
                        expected.push_back(v);
                    } catch (const std::bad_alloc&) {
                        ++res.failed_sends;
                    }
                }
            };
            auto recv_some = [&](int count) {
                for (int i = 0; i < count && head < expected.size(); ++i) {
                    alloc::failure_scope scope;
                    auto r = rx.try_recv();
                    ASSERT_TRUE(r.has_value()) << "n=" << n;
                    EXPECT_EQ(r->take(), expected[head]) << "n=" << n;
                    ++head;
                }
            };
            for (const alloc_step& step : plan) {
                if (step.op == 's') {
                    send_some(step.count);
                } else {
                    recv_some(step.count);
                }
            }
            // Drop with messages still buffered: the drop frees them and every block.
        }
        res.scoped_allocs = alloc::scoped_count();
        res.fired = alloc::fired();
        alloc::fail_nth(0);
    }
    EXPECT_EQ(alloc::live_bytes(), bytes_before) << "n=" << n << ": memory leaked";
    EXPECT_EQ(fragile::live(), 0) << "n=" << n;
    // The messages of failed sends and the ones still buffered at the drop are destroyed unread.
    EXPECT_EQ(fragile::dropped(), res.failed_sends + static_cast<long>(expected.size() - head))
        << "n=" << n;
    return res;
}

template <class Make>
void enumerate_allocs(Make make, bool unbounded) {
    const std::vector<alloc_step>& plan = unbounded ? unbounded_plan : bounded_plan;
    const alloc_result clean = run_alloc_script(make, plan, 0);
    ASSERT_TRUE(clean.created);
    ASSERT_GT(clean.scoped_allocs, 0);
    if (!unbounded) {
        // Creation is the only place a bounded channel allocates.
        EXPECT_LE(clean.scoped_allocs, 3);
    }
    long failed_sends_seen = 0;
    for (long n = 1; n <= clean.scoped_allocs + 1; ++n) {
        const alloc_result r = run_alloc_script(make, plan, n);
        if (n <= clean.scoped_allocs) {
            EXPECT_TRUE(r.fired) << "n=" << n;
        } else {
            EXPECT_FALSE(r.fired);
        }
        failed_sends_seen += r.failed_sends;
        if (::testing::Test::HasFailure()) {
            return;
        }
    }
    if (unbounded) {
        EXPECT_GT(failed_sends_seen, 0) << "no send ever saw an allocation failure";
    }
}

TEST(FaultAlloc, Unbounded) {
    enumerate_allocs([] { return courier::channel<fragile>(); }, true);
}
TEST(FaultAlloc, MpmcUnbounded) {
    enumerate_allocs([] { return courier::mpmc::channel<fragile>(); }, true);
}
TEST(FaultAlloc, Capacity3) {
    enumerate_allocs([] { return courier::sync_channel<fragile>(3); }, false);
}
TEST(FaultAlloc, Rendezvous) {
    // A rendezvous channel buffers nothing: only creation allocates; the script's sends would
    // block, so only creation is enumerated.
    for (long n = 1; n <= 4; ++n) {
        const std::int64_t before = alloc::live_bytes();
        alloc::fail_nth(n);
        try {
            alloc::failure_scope scope;
            auto ch = courier::sync_channel<fragile>(0);
        } catch (const std::bad_alloc&) {
        }
        alloc::fail_nth(0);
        EXPECT_EQ(alloc::live_bytes(), before) << "n=" << n;
    }
}

// A capacity that cannot be allocated throws std::length_error or std::bad_alloc.
TEST(FaultAlloc, HugeCapacityThrows) {
    const std::int64_t before = alloc::live_bytes();
    for (std::size_t cap :
         {std::size_t{1} << 62, ~std::size_t{0}, ~std::size_t{0} / 2, std::size_t{1} << 40}) {
        bool threw = false;
        try {
            auto ch = courier::sync_channel<fragile>(cap);
        } catch (const std::length_error&) {
            threw = true;
        } catch (const std::bad_alloc&) {
            threw = true;
        }
        EXPECT_TRUE(threw) << cap;
    }
    EXPECT_EQ(alloc::live_bytes(), before);
}

// ---- drop -------------------------------------------------------------------------------------

// Dropping the last receiver destroys every buffered message before reset() returns, while
// senders are still alive; later sends hand the value back.
template <class Make>
void drop_destroys_now(Make make, int buffered) {
    fragile::reset_counters();
    auto [tx, rx] = make();
    for (int v = 0; v < buffered; ++v) {
        ASSERT_TRUE(tx.send(fragile(v)).has_value());
    }
    EXPECT_EQ(fragile::live(), buffered);
    rx.reset();
    EXPECT_EQ(fragile::live(), 0) << "buffered messages outlived the receiver";
    EXPECT_EQ(fragile::dropped(), buffered);
    auto r = tx.send(fragile(99));
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().value.take(), 99);
}

TEST(Drop, ReceiverDropDestroysBufferedMessagesNow) {
    drop_destroys_now([] { return courier::channel<fragile>(); }, 100);
    drop_destroys_now([] { return courier::sync_channel<fragile>(3); }, 3);
    drop_destroys_now([] { return courier::sync_channel<fragile>(1000); }, 999);
    drop_destroys_now([] { return courier::mpmc::channel<fragile>(); }, 40);
    EXPECT_EQ(fragile::live(), 0);
}

}  // namespace
