// What the hardware allows, as reference rows for the channel rows (system `limit`):
//   bounded_seq, unbounded_seq     one thread: std::deque push_back N times, then pop_front N times
//   bounded_spsc, unbounded_spsc   a single-producer single-consumer ring of N slots whose sides
//                                  keep a cached copy of the other side's index and spin when
//                                  they catch up (the design of Erik Rigtorp's SPSCQueue and of
//                                  folly's ProducerConsumerQueue); no channel can pass N messages
//                                  between two threads faster
//   bounded_mpsc, unbounded_mpsc,  two threads each perform N fetch_add on one shared counter:
//   bounded_mpmc, unbounded_mpmc   the cost of one contended read-modify-write per message, which
//                                  every multi-producer queue pays at least once per message
// `--extra rtt` reports the round trip of two threads handing a word back and forth through two
// atomics while spinning (flavor `spin`), the floor under every rtt row.
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <new>
#include <string>
#include <thread>
#include <vector>

#include "extra.hpp"
#include "harness.hpp"
#include "scenarios.hpp"

namespace {

using bench::message;

inline void spin_pause() {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#else
    std::this_thread::yield();
#endif
}

constexpr std::size_t cache_line = 64;

void deque_seq(std::size_t n) {
    std::deque<message> q;
    for (message i = 1; i <= n; ++i) {
        q.push_back(i);
    }
    message sum = 0;
    for (std::size_t i = 0; i < n; ++i) {
        sum += q.front();
        q.pop_front();
    }
    bench::check_sum(sum, n);
}

// Ring of `capacity + 1` slots. The producer owns tail_, the consumer owns head_; the ring is
// empty when head_ == tail_ and full when the slot after tail_ is head_.
class spsc_ring {
  public:
    explicit spsc_ring(std::size_t capacity) : slots_(capacity + 1) {}

    void push(message m) {
        const std::size_t t = tail_.load(std::memory_order_relaxed);
        const std::size_t next = t + 1 == slots_.size() ? 0 : t + 1;
        if (next == cached_head_) {
            // pairs with the release store of head_ in pop(): the slot is free to overwrite
            while (next == (cached_head_ = head_.load(std::memory_order_acquire))) {
                spin_pause();
            }
        }
        slots_[t] = m;
        tail_.store(next, std::memory_order_release);  // pairs with the acquire in pop()
    }

    message pop() {
        const std::size_t h = head_.load(std::memory_order_relaxed);
        if (h == cached_tail_) {
            // pairs with the release store of tail_ in push(): the slot holds a message
            while (h == (cached_tail_ = tail_.load(std::memory_order_acquire))) {
                spin_pause();
            }
        }
        const message m = slots_[h];
        head_.store(h + 1 == slots_.size() ? 0 : h + 1,
                    std::memory_order_release);  // pairs with the acquire in push()
        return m;
    }

  private:
    std::vector<message> slots_;
    alignas(cache_line) std::atomic<std::size_t> head_{0};
    alignas(cache_line) std::size_t cached_tail_ = 0;
    alignas(cache_line) std::atomic<std::size_t> tail_{0};
    alignas(cache_line) std::size_t cached_head_ = 0;
};

void ring_spsc(std::size_t n) {
    spsc_ring ring(n);
    std::thread producer([&ring, n] {
        for (message i = 1; i <= n; ++i) {
            ring.push(i);
        }
    });
    message sum = 0;
    for (std::size_t i = 0; i < n; ++i) {
        sum += ring.pop();
    }
    producer.join();
    bench::check_sum(sum, n);
}

void contended_fetch_add(std::size_t n) {
    alignas(cache_line) std::atomic<std::uint64_t> counter{0};
    auto hammer = [&counter, n] {
        for (std::size_t i = 0; i < n; ++i) {
            counter.fetch_add(1, std::memory_order_acq_rel);
        }
    };
    std::thread other(hammer);
    hammer();
    other.join();
    if (counter.load() != 2 * n) {
        bench::fail("fetch_add lost an increment");
    }
}

void spin_rtt(const bench::options& o) {
    alignas(cache_line) std::atomic<std::uint64_t> ping{0};
    alignas(cache_line) std::atomic<std::uint64_t> pong{0};
    const std::size_t trips = o.rtt_trips;
    const std::size_t warm = std::max<std::size_t>(trips / 10, 100);
    std::thread echo([&, total = warm + trips] {
        for (std::uint64_t i = 1; i <= total; ++i) {
            while (ping.load(std::memory_order_acquire) != i) {  // pairs with the store below
                spin_pause();
            }
            pong.store(i, std::memory_order_release);  // pairs with the acquire load below
        }
    });
    auto trip = [&](std::uint64_t i) {
        ping.store(i, std::memory_order_release);  // pairs with the acquire load in echo
        while (pong.load(std::memory_order_acquire) != i) {
            spin_pause();
        }
    };
    for (std::uint64_t i = 1; i <= warm; ++i) {
        trip(i);
    }
    std::vector<std::int64_t> ns(trips);
    for (std::size_t k = 0; k < trips; ++k) {
        const auto t0 = std::chrono::steady_clock::now();
        trip(warm + k + 1);
        const auto t1 = std::chrono::steady_clock::now();
        ns[k] = std::chrono::duration_cast<std::chrono::nanoseconds>(t1 - t0).count();
    }
    echo.join();
    bench::print_rtt("limit", "rtt", "spin", std::move(ns));
}

}  // namespace

int main(int argc, char** argv) {
    const bench::options o = bench::parse_options(argc, argv);
    if (!o.extra.empty()) {
        if (o.list) {
            return 0;
        }
        if (o.header) {
            bench::print_extra_header();
        }
        if (o.extra == "rtt") {
            spin_rtt(o);
        }
        return 0;
    }
    const std::vector<bench::bench_case> cases = {
        {"bounded_seq", &deque_seq},
        {"unbounded_seq", &deque_seq},
        {"bounded_spsc", &ring_spsc},
        {"unbounded_spsc", &ring_spsc},
        {"bounded_mpsc", &contended_fetch_add},
        {"unbounded_mpsc", &contended_fetch_add},
        {"bounded_mpmc", &contended_fetch_add},
        {"unbounded_mpmc", &contended_fetch_add},
    };
    return bench::run_cases("limit", cases, o);
}
