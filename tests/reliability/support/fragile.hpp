// fragile: a message type whose move and copy constructors throw on command, and which counts its
// lifetimes, for fault-injection tests.
//
// arm_move(k): the k-th move construction from now (any thread) throws fault; arm_copy(k) likewise
// for copies. every_move(n): every n-th move throws, until disarmed. The source of a move or copy
// that throws is left unchanged. A payload that is destroyed without having been taken by the
// test (take()) counts as dropped.
#pragma once

#include <atomic>
#include <stdexcept>
#include <utility>

namespace courier_reliability {

/// Thrown by an armed fragile constructor; carries the payload of the object being moved or
/// copied.
class fault : public std::runtime_error {
  public:
    explicit fault(int value) : std::runtime_error("fragile: injected fault"), value_(value) {}
    int value() const noexcept { return value_; }

  private:
    int value_;
};

class fragile {
  public:
    static constexpr int none = -1;

    explicit fragile(int value) noexcept : value_(value) { on_construct(); }

    fragile(fragile&& other)
        : value_((before(state().move_countdown, state().move_period, state().moves, other.value_),
                  other.value_)),
          taken_(other.taken_) {
        other.value_ = none;
        other.taken_ = false;
        on_construct();
    }

    fragile(const fragile& other)
        : value_((before(state().copy_countdown, no_period(), state().copies, other.value_),
                  other.value_)),
          taken_(false) {
        on_construct();
    }

    fragile& operator=(const fragile&) = delete;
    fragile& operator=(fragile&&) = delete;

    ~fragile() {
        state().live.fetch_sub(1, std::memory_order_relaxed);
        if (value_ != none && !taken_) {
            state().dropped.fetch_add(1, std::memory_order_relaxed);
        }
    }

    int value() const noexcept { return value_; }

    /// Marks the payload as accounted for by the test; returns it.
    int take() noexcept {
        taken_ = true;
        return value_;
    }

    // ---- control and counters (process-wide) ----

    static void arm_move(long k) noexcept { state().move_countdown.store(k); }
    static void arm_copy(long k) noexcept { state().copy_countdown.store(k); }
    static void every_move(long n) noexcept {
        state().move_period.store(n);
        state().move_countdown.store(n);
    }
    static void disarm() noexcept {
        state().move_countdown.store(0);
        state().copy_countdown.store(0);
        state().move_period.store(0);
    }

    static long live() noexcept { return state().live.load(); }
    static long dropped() noexcept { return state().dropped.load(); }
    static long moves() noexcept { return state().moves.load(); }
    static long copies() noexcept { return state().copies.load(); }
    static long throws() noexcept { return state().throws.load(); }
    static void reset_counters() noexcept {
        disarm();
        state().dropped.store(0);
        state().moves.store(0);
        state().copies.store(0);
        state().throws.store(0);
    }

  private:
    struct counters {
        std::atomic<long> move_countdown{0};
        std::atomic<long> copy_countdown{0};
        std::atomic<long> move_period{0};
        std::atomic<long> live{0};
        std::atomic<long> dropped{0};
        std::atomic<long> moves{0};
        std::atomic<long> copies{0};
        std::atomic<long> throws{0};
    };

    static counters& state() noexcept {
        static counters c;
        return c;
    }

    static std::atomic<long>& no_period() noexcept {
        static std::atomic<long> zero{0};
        return zero;
    }

    // Counts the operation and throws when its countdown reaches zero (re-arming with the period).
    static void before(std::atomic<long>& countdown, std::atomic<long>& period,
                       std::atomic<long>& count, int value) {
        count.fetch_add(1, std::memory_order_relaxed);
        long c = countdown.load();
        while (c > 0) {
            if (countdown.compare_exchange_weak(c, c - 1)) {
                if (c == 1) {
                    const long p = period.load();
                    if (p > 0) {
                        countdown.fetch_add(p);
                    }
                    state().throws.fetch_add(1, std::memory_order_relaxed);
                    throw fault(value);
                }
                return;
            }
        }
    }

    void on_construct() noexcept { state().live.fetch_add(1, std::memory_order_relaxed); }

    int value_;
    bool taken_ = false;
};

}  // namespace courier_reliability
