// Stress with exact accounting.
//
// Producers send messages that carry (producer id, sequence number); receivers check per-producer
// FIFO order and mark each message in a shared seen-bitmap. Every message must end in exactly one
// of three places: received once, handed back to its sender in an error, or destroyed by the
// channel when the last receiver is dropped. The message type counts its constructions and
// destructions (per thread, summed when the thread exits), so a leak or a double destruction shows
// up as a non-zero live count; a payload destroyed without having been taken by the test is
// counted as destroyed by the channel.
//
// Matrix: flavors {unbounded, capacity 1, 3, 1000, rendezvous} x shapes {1->1, 4->1, 8->1 through
// courier::channel / sync_channel, 4->4 through courier::mpmc} x modes {blocking, try (spin), 1 ms
// timeouts}. Each case runs several rounds on a fresh channel; a round ends in one of three ways:
//   drain  the producers finish and drop their senders; the receivers drain until disconnected;
//   close  a receiver closes the channel after K messages; senders get their message back, the
//          receivers drain what is buffered;
//   drop   the receivers drop after K messages; senders get their message back, and whatever was
//          buffered is destroyed by the channel.
// In try mode on a rendezvous channel one side must block (two try operations never meet): even
// rounds pair try_send with a blocking recv, odd rounds a blocking send with try_recv.
//
// A watchdog thread ends the process with the case, the round and every thread's progress when
// nothing has moved for 30 s (COURIER_STRESS_WATCHDOG_S), so a lost wake-up is a failure with a
// name rather than a hang.
//
// The program is built twice: courier_stress, plain, moves the CI volume (over 10^8 messages at
// COURIER_TEST_STRESS=1 in an optimized build); courier_stress_perturbed is built with
// COURIER_ENABLE_PERTURBATION, which makes the engine yield or sleep at random on its init,
// disconnect, drop and wake paths, and moves a fraction of that volume.
//
//   courier_stress [--filter a,b] [--seed N] [--random N] [--scale X] [--list]
#include <courier/courier.hpp>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <latch>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

#include "support/knobs.hpp"

namespace {

using namespace std::chrono_literals;
using courier_reliability::scaled;
using steady = std::chrono::steady_clock;

// ---- lifetime accounting --------------------------------------------------------------------

struct global_counts {
    std::atomic<std::uint64_t> constructed{0};
    std::atomic<std::uint64_t> destroyed{0};
    std::atomic<std::uint64_t> dropped{0};  // payloads destroyed without having been taken
};
global_counts g_counts;

// Per-thread counters, added to the global ones when the thread exits (or on flush()), so that
// counting costs no shared cache line per message.
struct local_counts {
    std::uint64_t constructed = 0;
    std::uint64_t destroyed = 0;
    std::uint64_t dropped = 0;

    void flush() noexcept {
        g_counts.constructed.fetch_add(std::exchange(constructed, 0), std::memory_order_relaxed);
        g_counts.destroyed.fetch_add(std::exchange(destroyed, 0), std::memory_order_relaxed);
        g_counts.dropped.fetch_add(std::exchange(dropped, 0), std::memory_order_relaxed);
    }
    ~local_counts() { flush(); }
};
thread_local local_counts t_counts;

/// A move-only message: (producer << 40 | sequence), and whether the test has taken it.
class message {
  public:
    static constexpr std::uint64_t none = ~std::uint64_t{0};

    explicit message(std::uint64_t id) noexcept : id_(id) { ++t_counts.constructed; }
    message(message&& other) noexcept
        : id_(std::exchange(other.id_, none)), taken_(std::exchange(other.taken_, false)) {
        ++t_counts.constructed;
    }
    message(const message&) = delete;
    message& operator=(const message&) = delete;
    message& operator=(message&&) = delete;
    ~message() {
        ++t_counts.destroyed;
        if (id_ != none && !taken_) {
            ++t_counts.dropped;
        }
    }

    /// Marks the payload as accounted for by the test; returns it.
    std::uint64_t take() noexcept {
        taken_ = true;
        return id_;
    }

  private:
    std::uint64_t id_;
    bool taken_ = false;
};

static_assert(std::is_nothrow_move_constructible_v<message>);

constexpr int producer_shift = 40;

constexpr std::uint64_t seq_mask = (std::uint64_t{1} << producer_shift) - 1;

// ---- the matrix -----------------------------------------------------------------------------

enum class flavor { unbounded, cap1, cap3, cap1000, rendezvous };
enum class mode { blocking, try_spin, timeout };
enum class ending { drain, close, drop };

struct shape {
    const char* name;
    int producers;
    int receivers;
    bool mpmc;
};

constexpr std::array<flavor, 5> all_flavors{flavor::unbounded, flavor::cap1, flavor::cap3,
                                            flavor::cap1000, flavor::rendezvous};
constexpr std::array<shape, 4> all_shapes{shape{"1x1", 1, 1, false}, shape{"4x1", 4, 1, false},
                                          shape{"8x1", 8, 1, false}, shape{"4x4mpmc", 4, 4, true}};
constexpr std::array<mode, 3> all_modes{mode::blocking, mode::try_spin, mode::timeout};

const char* name_of(flavor f) {
    switch (f) {
        case flavor::unbounded:
            return "unbounded";
        case flavor::cap1:
            return "cap1";
        case flavor::cap3:
            return "cap3";
        case flavor::cap1000:
            return "cap1000";
        case flavor::rendezvous:
            return "rendezvous";
    }
    return "?";
}
const char* name_of(mode m) {
    switch (m) {
        case mode::blocking:
            return "block";
        case mode::try_spin:
            return "try";
        case mode::timeout:
            return "timeout";
    }
    return "?";
}
const char* name_of(ending e) {
    switch (e) {
        case ending::drain:
            return "drain";
        case ending::close:
            return "close";
        case ending::drop:
            return "drop";
    }
    return "?";
}

std::size_t capacity_of(flavor f) {
    switch (f) {
        case flavor::cap1:
            return 1;
        case flavor::cap3:
            return 3;
        case flavor::cap1000:
            return 1000;
        default:
            return 0;
    }
}

#if defined(COURIER_ENABLE_PERTURBATION)
/// How much smaller the perturbed build's cases are than the plain build's.
std::uint64_t perturbed_divisor(flavor f) {
    switch (f) {
        case flavor::unbounded:
            return 20;
        case flavor::cap1000:
            return 200;
        case flavor::cap1:
        case flavor::cap3:
            return 60;
        case flavor::rendezvous:
            return 40;
    }
    return 20;
}
#endif

/// Messages per case at COURIER_TEST_STRESS=1 in a plain optimized build (the CI size). The whole
/// matrix tries 1.6 * 10^8 sends, of which at least 5/8 (10^8) are always made whatever the seed
/// (see run_case), in a few minutes on two cores: the queue flavors that
/// rarely wait (unbounded, capacity 1000) carry the volume; capacity 1 and 3 and the rendezvous,
/// where nearly every message is a hand-off between a sleeping and a running thread, carry the
/// interleavings. Try and timeout modes move half as many as blocking.
std::uint64_t ci_messages(flavor f, mode m) {
    std::uint64_t n = 0;
    switch (f) {
        case flavor::unbounded:
        case flavor::cap1000:
            n = 9'500'000;
            break;
        case flavor::cap3:
            n = 400'000;
            break;
        case flavor::cap1:
            n = 300'000;
            break;
        case flavor::rendezvous:
            n = 500'000;
            break;
    }
    n = m == mode::blocking ? n : n / 2;
#if defined(COURIER_ENABLE_PERTURBATION)
    // The perturbed build yields or sleeps at random inside the engine: 10 to 100 times slower per
    // message, most where a full ring or a hand-off makes other threads wait for the sleeper.
    n /= perturbed_divisor(f);
#endif
    return n;
}

struct case_spec {
    flavor fl;
    shape sh;
    mode md;
    std::uint64_t messages;  // over all rounds
    int rounds;

    std::string name() const {
        return std::string(name_of(fl)) + "/" + sh.name + "/" + name_of(md);
    }
};

// ---- progress and the watchdog ----------------------------------------------------------------

constexpr int max_threads = 16;

struct alignas(64) progress_slot {
    std::atomic<std::uint64_t> count{0};
};
std::array<progress_slot, max_threads> g_progress;

struct watchdog_state {
    std::mutex mutex;
    std::condition_variable cv;
    std::string what = "startup";
    int producers = 0;
    int receivers = 0;
    bool done = false;
};
watchdog_state g_watch;

void watchdog_set(std::string what, int producers, int receivers) {
    std::lock_guard<std::mutex> lock(g_watch.mutex);
    g_watch.what = std::move(what);
    g_watch.producers = producers;
    g_watch.receivers = receivers;
}

void watchdog_run() {
    const auto limit = std::chrono::seconds(courier_reliability::watchdog_seconds());
    std::uint64_t last_sum = ~std::uint64_t{0};
    std::string last_what;
    auto last_change = steady::now();
    std::unique_lock<std::mutex> lock(g_watch.mutex);
    while (!g_watch.done) {
        g_watch.cv.wait_for(lock, 250ms);
        std::uint64_t sum = 0;
        for (const auto& s : g_progress) {
            sum += s.count.load(std::memory_order_relaxed);
        }
        const auto now = steady::now();
        if (sum != last_sum || g_watch.what != last_what) {
            last_sum = sum;
            last_what = g_watch.what;
            last_change = now;
            continue;
        }
        if (now - last_change < limit) {
            continue;
        }
        std::fprintf(stderr,
                     "\n[watchdog] HANG in %s: no message moved for %lld s (lost wake-up or "
                     "deadlock).\n",
                     g_watch.what.c_str(), static_cast<long long>(limit.count()));
        for (int i = 0; i < g_watch.producers + g_watch.receivers; ++i) {
            std::fprintf(stderr, "[watchdog]   %s %d: %llu messages\n",
                         i < g_watch.producers ? "producer" : "receiver",
                         i < g_watch.producers ? i : i - g_watch.producers,
                         static_cast<unsigned long long>(
                             g_progress[static_cast<std::size_t>(i)].count.load()));
        }
        std::fprintf(stderr, "[watchdog] FAILED: hangs 1. Aborting.\n");
        std::fflush(stderr);
        std::fflush(stdout);
        std::abort();
    }
}

// ---- waiting in the try mode ------------------------------------------------------------------

class spinner {
  public:
    void wait() noexcept {
        if (n_ < 8) {
            for (unsigned i = 0; i < (1u << n_); ++i) {
#if defined(__x86_64__) || defined(__i386__)
                _mm_pause();
#endif
            }
            ++n_;
        } else {
            std::this_thread::yield();
        }
    }

  private:
    unsigned n_ = 0;
};

// ---- one round --------------------------------------------------------------------------------

struct alignas(64) producer_result {
    std::uint64_t attempted = 0;
    std::uint64_t handed_back = 0;
    std::uint64_t timeouts = 0;
};

struct alignas(64) receiver_result {
    std::uint64_t received = 0;
    std::uint64_t reordered = 0;
    std::uint64_t duplicated = 0;
    std::uint64_t corrupt = 0;  // an id that no producer sent
    std::uint64_t timeouts = 0;
};

struct round_spec {
    flavor fl;
    shape sh;
    mode md;
    ending end;
    std::uint64_t per_producer;  // messages each producer tries to send
    std::uint64_t stop_after;    // close / drop: after this many messages received in total
    bool producers_try;          // try mode: which side tries (see the file comment)
    bool receivers_try;
};

class round_state {
  public:
    explicit round_state(const round_spec& s)
        : spec(s),
          words_(static_cast<std::size_t>((s.per_producer + 63) / 64)),
          seen_(std::make_unique<std::atomic<std::uint64_t>[]>(
              words_ * static_cast<std::size_t>(s.sh.producers))),
          producers(static_cast<std::size_t>(s.sh.producers)),
          receivers(static_cast<std::size_t>(s.sh.receivers)) {
        for (std::size_t i = 0; i < words_ * static_cast<std::size_t>(s.sh.producers); ++i) {
            seen_[i].store(0, std::memory_order_relaxed);
        }
    }

    /// Marks `id` seen; returns false if it was seen before.
    bool mark(std::uint64_t id) noexcept {
        const std::uint64_t p = id >> producer_shift;
        const std::uint64_t seq = id & seq_mask;
        const std::uint64_t bit = std::uint64_t{1} << (seq % 64);
        const std::size_t word =
            static_cast<std::size_t>(p) * words_ + static_cast<std::size_t>(seq / 64);
        return (seen_[word].fetch_or(bit, std::memory_order_relaxed) & bit) == 0;
    }

    bool valid(std::uint64_t id) const noexcept {
        return (id >> producer_shift) < static_cast<std::uint64_t>(spec.sh.producers) &&
               (id & seq_mask) < spec.per_producer;
    }

    std::uint64_t seen_count() const noexcept {
        std::uint64_t n = 0;
        for (std::size_t i = 0; i < words_ * static_cast<std::size_t>(spec.sh.producers); ++i) {
            n += static_cast<std::uint64_t>(
                __builtin_popcountll(seen_[i].load(std::memory_order_relaxed)));
        }
        return n;
    }

    const round_spec spec;

  private:
    std::size_t words_;
    std::unique_ptr<std::atomic<std::uint64_t>[]> seen_;

  public:
    std::vector<producer_result> producers;
    std::vector<receiver_result> receivers;
    std::atomic<std::uint64_t> received_total{0};
    std::atomic<bool> closed{false};
};

template <class Tx>
constexpr bool has_try_send = requires(const Tx& tx, message m) {
    tx.try_send(std::move(m));
};

/// Sends `msg` the way the mode says. Returns the message when the channel handed it back because
/// it is disconnected (the send failed for good); nullopt when it was sent.
template <class Tx>
std::optional<message> push(const Tx& tx, message msg, const round_spec& rs, producer_result& pr) {
    if constexpr (has_try_send<Tx>) {
        if (rs.md == mode::try_spin && rs.producers_try) {
            std::optional<message> cur(std::in_place, std::move(msg));
            spinner spin;
            for (;;) {
                auto r = tx.try_send(std::move(*cur));
                if (r) {
                    return std::nullopt;
                }
                if (r.error().is_disconnected()) {
                    return std::optional<message>(std::move(r.error().value));
                }
                cur.emplace(std::move(r.error().value));
                spin.wait();
            }
        }
        if (rs.md == mode::timeout) {
            std::optional<message> cur(std::in_place, std::move(msg));
            for (;;) {
                auto r = tx.send_timeout(std::move(*cur), 1ms);
                if (r) {
                    return std::nullopt;
                }
                if (r.error().is_disconnected()) {
                    return std::optional<message>(std::move(r.error().value));
                }
                ++pr.timeouts;
                cur.emplace(std::move(r.error().value));
            }
        }
    }
    auto r = tx.send(std::move(msg));
    if (r) {
        return std::nullopt;
    }
    return std::optional<message>(std::move(r.error().value));
}

/// Receives one message the way the mode says; nullopt when the channel is disconnected.
template <class Rx>
std::optional<message> pull(const Rx& rx, const round_spec& rs, receiver_result& rr) {
    if (rs.md == mode::try_spin && rs.receivers_try) {
        spinner spin;
        for (;;) {
            auto r = rx.try_recv();
            if (r) {
                return std::optional<message>(std::move(*r));
            }
            if (r.error() == courier::try_recv_error::disconnected) {
                return std::nullopt;
            }
            spin.wait();
        }
    }
    if (rs.md == mode::timeout) {
        for (;;) {
            auto r = rx.recv_timeout(1ms);
            if (r) {
                return std::optional<message>(std::move(*r));
            }
            if (r.error() == courier::recv_timeout_error::disconnected) {
                return std::nullopt;
            }
            ++rr.timeouts;
        }
    }
    auto r = rx.recv();
    if (r) {
        return std::optional<message>(std::move(*r));
    }
    return std::nullopt;
}

template <class Tx>
void produce(Tx tx, int p, round_state& st, std::latch& start) {
    producer_result& pr = st.producers[static_cast<std::size_t>(p)];
    std::atomic<std::uint64_t>& progress = g_progress[static_cast<std::size_t>(p)].count;
    const std::uint64_t base = static_cast<std::uint64_t>(p) << producer_shift;
    start.arrive_and_wait();
    for (std::uint64_t seq = 0; seq < st.spec.per_producer; ++seq) {
        ++pr.attempted;
        std::optional<message> back = push(tx, message(base | seq), st.spec, pr);
        progress.store(progress.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
        if (back) {
            const std::uint64_t id = back->take();
            if (id != (base | seq) || !st.mark(id)) {
                std::fprintf(stderr, "producer %d: handed back a wrong or duplicated message\n", p);
                std::abort();
            }
            ++pr.handed_back;
            break;
        }
    }
    tx.reset();  // the last sender disconnects the channel
}

template <class Rx>
void consume(Rx rx, int r, round_state& st, std::latch& start) {
    receiver_result& rr = st.receivers[static_cast<std::size_t>(r)];
    std::atomic<std::uint64_t>& progress =
        g_progress[static_cast<std::size_t>(st.spec.sh.producers + r)].count;
    std::vector<std::int64_t> last(static_cast<std::size_t>(st.spec.sh.producers), -1);
    const bool counting = st.spec.end != ending::drain;
    start.arrive_and_wait();
    for (;;) {
        if (counting && st.received_total.load(std::memory_order_relaxed) >= st.spec.stop_after) {
            if (st.spec.end == ending::drop) {
                break;
            }
            if (!st.closed.exchange(true, std::memory_order_relaxed)) {
                rx.close();
            }
        }
        std::optional<message> m = pull(rx, st.spec, rr);
        if (!m) {
            break;
        }
        const std::uint64_t id = m->take();
        progress.store(progress.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
        ++rr.received;
        if (counting) {
            st.received_total.fetch_add(1, std::memory_order_relaxed);
        }
        if (!st.valid(id)) {
            ++rr.corrupt;
            continue;
        }
        if (!st.mark(id)) {
            ++rr.duplicated;
        }
        auto& prev = last[static_cast<std::size_t>(id >> producer_shift)];
        const auto seq = static_cast<std::int64_t>(id & seq_mask);
        if (seq <= prev) {
            ++rr.reordered;
        }
        prev = seq;
    }
    rx.reset();  // drop: destroys whatever is still buffered before returning
}

/// Runs the producers and receivers of one round on the given channel ends.
template <class Tx, class Rx>
void run_threads(Tx tx, Rx rx, round_state& st) {
    const int np = st.spec.sh.producers;
    const int nr = st.spec.sh.receivers;
    std::latch start(np + nr);
    std::vector<std::thread> threads;
    threads.reserve(static_cast<std::size_t>(np + nr));
    for (int p = 0; p < np; ++p) {
        threads.emplace_back(produce<Tx>, p + 1 < np ? Tx(tx) : std::move(tx), p, std::ref(st),
                             std::ref(start));
    }
    for (int r = 0; r < nr; ++r) {
        if constexpr (std::is_copy_constructible_v<Rx>) {
            threads.emplace_back(consume<Rx>, r + 1 < nr ? Rx(rx) : std::move(rx), r, std::ref(st),
                                 std::ref(start));
        } else {
            threads.emplace_back(consume<Rx>, std::move(rx), r, std::ref(st), std::ref(start));
        }
    }
    for (auto& t : threads) {
        t.join();
    }
}

void run_round_threads(round_state& st) {
    const std::size_t cap = capacity_of(st.spec.fl);
    if (st.spec.sh.mpmc) {
        if (st.spec.fl == flavor::unbounded) {
            auto [tx, rx] = courier::mpmc::channel<message>();
            run_threads(std::move(tx), std::move(rx), st);
        } else {
            auto [tx, rx] = courier::mpmc::sync_channel<message>(cap);
            run_threads(std::move(tx), std::move(rx), st);
        }
    } else if (st.spec.fl == flavor::unbounded) {
        auto [tx, rx] = courier::channel<message>();
        run_threads(std::move(tx), std::move(rx), st);
    } else {
        auto [tx, rx] = courier::sync_channel<message>(cap);
        run_threads(std::move(tx), std::move(rx), st);
    }
}

// ---- verification -------------------------------------------------------------------------

struct figures {
    std::uint64_t rounds = 0;
    std::uint64_t attempted = 0;
    std::uint64_t sent = 0;
    std::uint64_t received = 0;
    std::uint64_t handed_back = 0;
    std::uint64_t destroyed_by_drop = 0;
    std::uint64_t lost = 0;
    std::uint64_t duplicated = 0;
    std::uint64_t reordered = 0;
    std::uint64_t corrupt = 0;
    std::uint64_t live = 0;
    std::uint64_t timeouts = 0;
    std::uint64_t failures = 0;

    void add(const figures& o) {
        rounds += o.rounds;
        attempted += o.attempted;
        sent += o.sent;
        received += o.received;
        handed_back += o.handed_back;
        destroyed_by_drop += o.destroyed_by_drop;
        lost += o.lost;
        duplicated += o.duplicated;
        reordered += o.reordered;
        corrupt += o.corrupt;
        live += o.live;
        timeouts += o.timeouts;
        failures += o.failures;
    }
};

std::uint64_t live_objects() {
    t_counts.flush();
    return g_counts.constructed.load() - g_counts.destroyed.load();
}

/// Runs one round and checks every message is accounted for. Failures are printed with the case.
figures run_round(const round_spec& rs, const std::string& label) {
    const std::uint64_t dropped_before = (t_counts.flush(), g_counts.dropped.load());
    round_state st(rs);
    for (auto& s : g_progress) {
        s.count.store(0, std::memory_order_relaxed);
    }
    watchdog_set(label, rs.sh.producers, rs.sh.receivers);
    run_round_threads(st);

    figures f;
    f.rounds = 1;
    for (const auto& p : st.producers) {
        f.attempted += p.attempted;
        f.handed_back += p.handed_back;
        f.timeouts += p.timeouts;
    }
    for (const auto& r : st.receivers) {
        f.received += r.received;
        f.duplicated += r.duplicated;
        f.reordered += r.reordered;
        f.corrupt += r.corrupt;
        f.timeouts += r.timeouts;
    }
    f.sent = f.attempted - f.handed_back;
    f.live = live_objects();
    f.destroyed_by_drop = g_counts.dropped.load() - dropped_before;
    const std::uint64_t accounted = f.received - f.duplicated - f.corrupt + f.destroyed_by_drop;
    f.lost = f.sent > accounted ? f.sent - accounted : 0;
    if (accounted > f.sent) {
        f.duplicated += accounted - f.sent;  // more messages came out than went in
    }
    // The bitmap holds exactly the received and the handed-back messages.
    const std::uint64_t seen = st.seen_count();
    const bool bitmap_ok = seen == f.received - f.duplicated - f.corrupt + f.handed_back;

    std::vector<std::string> why;
    if (f.lost != 0) {
        why.push_back("lost " + std::to_string(f.lost));
    }
    if (f.duplicated != 0) {
        why.push_back("duplicated " + std::to_string(f.duplicated));
    }
    if (f.reordered != 0) {
        why.push_back("reordered " + std::to_string(f.reordered));
    }
    if (f.corrupt != 0) {
        why.push_back("corrupt ids " + std::to_string(f.corrupt));
    }
    if (f.live != 0) {
        why.push_back("live objects after the round " + std::to_string(f.live));
    }
    if (!bitmap_ok) {
        why.push_back("seen-bitmap holds " + std::to_string(seen) + " ids");
    }
    if (rs.end == ending::drain) {
        // Nobody dropped or closed the receiving side: every send must succeed and be received.
        if (f.handed_back != 0) {
            why.push_back("spurious disconnect: " + std::to_string(f.handed_back) +
                          " sends failed while the receiver was alive");
        }
        if (f.attempted != rs.per_producer * static_cast<std::uint64_t>(rs.sh.producers)) {
            why.push_back("producers stopped early");
        }
    }
    if (rs.end != ending::drop && f.destroyed_by_drop != 0) {
        why.push_back(std::to_string(f.destroyed_by_drop) +
                      " messages destroyed although the receivers drained the channel");
    }
    if (!why.empty()) {
        f.failures = 1;
        std::string all;
        for (const auto& w : why) {
            if (!all.empty()) {
                all += ", ";
            }
            all += w;
        }
        std::printf("FAILED %s: %s\n", label.c_str(), all.c_str());
        std::fflush(stdout);
        // Do not let one failed round's leftovers fail every later round as well.
        g_counts.destroyed.store(g_counts.constructed.load());
    }
    return f;
}

/// Runs every round of one case; prints one line with its figures.
figures run_case(const case_spec& cs, std::mt19937_64& rng) {
    figures total;
    const auto t0 = steady::now();
    const auto np = static_cast<std::uint64_t>(cs.sh.producers);
    const std::uint64_t per_producer =
        std::max<std::uint64_t>(1, cs.messages / static_cast<std::uint64_t>(cs.rounds) / np);
    // Round endings cycle so that every case sees each at least once when it has 4 rounds.
    constexpr std::array<ending, 4> cycle{ending::drain, ending::drop, ending::close,
                                          ending::drain};
    for (int r = 0; r < cs.rounds; ++r) {
        round_spec rs{};
        rs.fl = cs.fl;
        rs.sh = cs.sh;
        rs.md = cs.md;
        rs.end = cycle[static_cast<std::size_t>(r) % cycle.size()];
        rs.per_producer = per_producer;
        // A close may come at any point; a drop comes in the second half of the round, so that
        // at least 5/8 of a case's volume is always sent (the CI volume is a guaranteed figure).
        const std::uint64_t volume = per_producer * np;
        rs.stop_after = std::uniform_int_distribution<std::uint64_t>(
            rs.end == ending::drop ? volume / 2 : 0, volume)(rng);
        rs.producers_try = true;
        rs.receivers_try = true;
        if (cs.fl == flavor::rendezvous && cs.md == mode::try_spin) {
            rs.producers_try = r % 2 == 0;
            rs.receivers_try = !rs.producers_try;
        }
        const std::string label = cs.name() + " round " + std::to_string(r) + " (" +
                                  name_of(rs.end) + ", " + std::to_string(per_producer) +
                                  " per producer, stop after " + std::to_string(rs.stop_after) +
                                  ")";
        total.add(run_round(rs, label));
    }
    const double secs = std::chrono::duration<double>(steady::now() - t0).count();
    std::printf(
        "%-28s rounds %2llu  sent %10llu  received %10llu  handed back %6llu  destroyed by drop "
        "%6llu  lost %llu  duplicated %llu  reordered %llu  live %llu  timeouts %6llu  %6.2f s%s\n",
        cs.name().c_str(), static_cast<unsigned long long>(total.rounds),
        static_cast<unsigned long long>(total.sent),
        static_cast<unsigned long long>(total.received),
        static_cast<unsigned long long>(total.handed_back),
        static_cast<unsigned long long>(total.destroyed_by_drop),
        static_cast<unsigned long long>(total.lost),
        static_cast<unsigned long long>(total.duplicated),
        static_cast<unsigned long long>(total.reordered),
        static_cast<unsigned long long>(total.live),
        static_cast<unsigned long long>(total.timeouts), secs,
        total.failures != 0 ? "  FAILED" : "");
    std::fflush(stdout);
    return total;
}

// ---- command line -----------------------------------------------------------------------------

struct options {
    std::vector<std::string> filters;
    std::uint64_t seed = 0;
    bool seed_given = false;
    std::uint64_t random_cases = 0;
    double scale = 1.0;
    bool list = false;
};

[[noreturn]] void usage() {
    std::fprintf(stderr,
                 "usage: courier_stress [--filter a,b,...] [--seed N] [--random N] [--scale X] "
                 "[--list]\n"
                 "  --filter   run the cases whose name contains one of the comma-separated "
                 "strings\n"
                 "  --seed     seed of the random choices (printed when not given)\n"
                 "  --random   instead of the matrix, run N random cases (random flavor, shape, "
                 "mode, size, rounds)\n"
                 "  --scale    multiply every size (on top of COURIER_TEST_STRESS)\n"
                 "  --list     print the case names and exit\n");
    std::exit(2);
}

options parse(int argc, char** argv) {
    options o;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= argc) {
                usage();
            }
            return argv[++i];
        };
        if (a == "--filter") {
            const std::string v = value();
            std::size_t pos = 0;
            while (pos <= v.size()) {
                const std::size_t comma = std::min(v.find(',', pos), v.size());
                if (comma > pos) {
                    o.filters.push_back(v.substr(pos, comma - pos));
                }
                pos = comma + 1;
            }
        } else if (a == "--seed") {
            o.seed = std::strtoull(value().c_str(), nullptr, 10);
            o.seed_given = true;
        } else if (a == "--random") {
            o.random_cases = std::strtoull(value().c_str(), nullptr, 10);
        } else if (a == "--scale") {
            o.scale = std::strtod(value().c_str(), nullptr);
            if (!(o.scale > 0)) {
                usage();
            }
        } else if (a == "--list") {
            o.list = true;
        } else {
            usage();
        }
    }
    return o;
}

std::vector<case_spec> matrix(const options& o) {
    std::vector<case_spec> cases;
    for (flavor f : all_flavors) {
        for (const shape& s : all_shapes) {
            for (mode m : all_modes) {
                case_spec c{f, s, m, 0, 4};
                c.messages = static_cast<std::uint64_t>(
                    static_cast<double>(scaled(ci_messages(f, m), 400)) * o.scale);
                if (!o.filters.empty() &&
                    std::none_of(o.filters.begin(), o.filters.end(), [&](const std::string& x) {
                        return c.name().find(x) != std::string::npos;
                    })) {
                    continue;
                }
                cases.push_back(c);
            }
        }
    }
    return cases;
}

std::vector<case_spec> random_cases(const options& o, std::mt19937_64& rng) {
    std::vector<case_spec> cases;
    auto pick = [&](std::size_t n) {
        return static_cast<std::size_t>(std::uniform_int_distribution<std::size_t>(0, n - 1)(rng));
    };
    for (std::uint64_t i = 0; i < o.random_cases; ++i) {
        case_spec c{all_flavors[pick(all_flavors.size())], all_shapes[pick(all_shapes.size())],
                    all_modes[pick(all_modes.size())], 0, 0};
        // Between 1/20 and 1/2 of the CI size of the case, in 1 to 8 rounds.
        const double fraction = std::uniform_real_distribution<double>(0.05, 0.5)(rng);
        c.messages = std::max<std::uint64_t>(
            400, static_cast<std::uint64_t>(static_cast<double>(scaled(ci_messages(c.fl, c.md))) *
                                            fraction * o.scale));
        c.rounds = static_cast<int>(1 + pick(8));
        cases.push_back(c);
    }
    return cases;
}

}  // namespace

int main(int argc, char** argv) {
    const options opt = parse(argc, argv);
    const std::uint64_t seed = opt.seed_given ? opt.seed : std::random_device{}();
    std::mt19937_64 rng(seed);
    const std::vector<case_spec> cases =
        opt.random_cases != 0 ? random_cases(opt, rng) : matrix(opt);
    if (opt.list) {
        for (const auto& c : cases) {
            std::printf("%s\n", c.name().c_str());
        }
        return 0;
    }
    if (cases.empty()) {
        std::fprintf(stderr, "courier_stress: no case matches the filter\n");
        return 2;
    }

#if defined(COURIER_ENABLE_PERTURBATION)
    const char* perturbation = "on";
#else
    const char* perturbation = "off";
#endif
    std::printf(
        "courier_stress: seed %llu, %zu cases, COURIER_TEST_STRESS=%llu, scale %g, "
        "perturbation %s, watchdog %llu s\n",
        static_cast<unsigned long long>(seed), cases.size(),
        static_cast<unsigned long long>(courier_reliability::stress_factor()), opt.scale,
        perturbation, static_cast<unsigned long long>(courier_reliability::watchdog_seconds()));
    std::fflush(stdout);

    std::thread watchdog(watchdog_run);
    const auto t0 = steady::now();
    figures total;
    for (const auto& c : cases) {
        total.add(run_case(c, rng));
    }
    {
        std::lock_guard<std::mutex> lock(g_watch.mutex);
        g_watch.done = true;
    }
    g_watch.cv.notify_all();
    watchdog.join();

    const std::uint64_t live_at_exit = live_objects();
    const double secs = std::chrono::duration<double>(steady::now() - t0).count();
    std::printf(
        "\ntotal: cases %zu, rounds %llu, %.1f s\n"
        "  messages sent           %llu\n"
        "  received                %llu\n"
        "  handed back             %llu\n"
        "  destroyed by drop       %llu\n"
        "  lost                    %llu\n"
        "  duplicated              %llu\n"
        "  reordered               %llu\n"
        "  corrupt                 %llu\n"
        "  live objects at exit    %llu\n"
        "  timeouts fired          %llu\n"
        "  hangs                   0\n"
        "  failed rounds           %llu\n",
        cases.size(), static_cast<unsigned long long>(total.rounds), secs,
        static_cast<unsigned long long>(total.sent),
        static_cast<unsigned long long>(total.received),
        static_cast<unsigned long long>(total.handed_back),
        static_cast<unsigned long long>(total.destroyed_by_drop),
        static_cast<unsigned long long>(total.lost),
        static_cast<unsigned long long>(total.duplicated),
        static_cast<unsigned long long>(total.reordered),
        static_cast<unsigned long long>(total.corrupt),
        static_cast<unsigned long long>(live_at_exit),
        static_cast<unsigned long long>(total.timeouts),
        static_cast<unsigned long long>(total.failures));
    const bool ok = total.failures == 0 && live_at_exit == 0;
    std::string replay;
    for (int i = 0; i < argc; ++i) {
        if (i != 0) {
            replay += ' ';
        }
        replay += argv[i];
    }
    if (!opt.seed_given) {
        replay += " --seed " + std::to_string(seed);
    }
    std::printf("%s (replay: %s)\n", ok ? "PASSED" : "FAILED", replay.c_str());
    return ok ? 0 : 1;
}
