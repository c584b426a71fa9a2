// Value types that count their own lifetimes, for checking that channels neither lose, duplicate
// nor leak messages.
//
// tracked: counts live objects, constructions, destructions and copies; carries a sequence payload.
// throwing_move: like tracked, and its move constructor can be armed to throw on the k-th move.
//
// A "payload" is an object that has not been moved from. A test marks a payload it has received
// (or got back in an error) as consumed; a payload destroyed while not consumed was dropped by the
// channel, which dropped() counts.
#pragma once

#include <atomic>
#include <cstdint>
#include <stdexcept>

namespace courier_test {

/// Counts objects of a test type. All counters are process-wide.
struct lifetime_counters {
    std::atomic<long> live{0};         // objects not yet destroyed, moved-from shells included
    std::atomic<long> payloads{0};     // live objects that still hold a payload
    std::atomic<long> constructed{0};  // every constructor that completed
    std::atomic<long> destroyed{0};    // every destructor
    std::atomic<long> copies{0};       // copy constructions
    std::atomic<long> dropped{0};      // payloads destroyed without having been consumed

    void reset() noexcept {
        live = 0;
        payloads = 0;
        constructed = 0;
        destroyed = 0;
        copies = 0;
        dropped = 0;
    }
};

/// A copyable and movable value with a sequence payload that counts its lifetimes.
/// Assignment is deleted: channels may only move-construct their elements.
class tracked {
  public:
    static constexpr std::int64_t moved_from = -1;

    explicit tracked(std::int64_t seq) noexcept : seq_(seq) { on_construct(); }

    tracked(tracked&& other) noexcept : seq_(other.seq_), consumed_(other.consumed_) {
        other.seq_ = moved_from;
        other.consumed_ = false;
        if (seq_ != moved_from) {
            --counters().payloads;  // the payload changed hands; on_construct() adds it back
        }
        on_construct();
    }

    tracked(const tracked& other) noexcept : seq_(other.seq_), consumed_(other.consumed_) {
        ++counters().copies;
        on_construct();
    }

    tracked& operator=(const tracked&) = delete;
    tracked& operator=(tracked&&) = delete;

    ~tracked() {
        --counters().live;
        ++counters().destroyed;
        if (seq_ != moved_from) {
            --counters().payloads;
            if (!consumed_) {
                ++counters().dropped;
            }
        }
    }

    /// The payload, or moved_from.
    std::int64_t seq() const noexcept { return seq_; }

    /// Marks the payload as taken by the test; returns it.
    std::int64_t consume() noexcept {
        consumed_ = true;
        return seq_;
    }

    friend bool operator==(const tracked& a, const tracked& b) noexcept { return a.seq_ == b.seq_; }

    static lifetime_counters& counters() noexcept {
        static lifetime_counters c;
        return c;
    }
    static long live() noexcept { return counters().live.load(); }
    static long payloads() noexcept { return counters().payloads.load(); }
    static long copies() noexcept { return counters().copies.load(); }
    static long dropped() noexcept { return counters().dropped.load(); }
    static void reset() noexcept { counters().reset(); }

  private:
    void on_construct() noexcept {
        ++counters().live;
        ++counters().constructed;
        if (seq_ != moved_from) {
            ++counters().payloads;
        }
    }

    std::int64_t seq_;
    bool consumed_ = false;
};

/// Thrown by an armed throwing_move move constructor.
class move_error : public std::runtime_error {
  public:
    move_error() : std::runtime_error("throwing_move: the armed move constructor threw") {}
};

/// A move-only value whose move constructor throws move_error on the k-th move after arm(k).
/// Neither copyable nor assignable; no default constructor. The source of a move that throws is
/// left unchanged.
class throwing_move {
  public:
    static constexpr int moved_from = -1;

    explicit throwing_move(int value) noexcept : value_(value) { on_construct(); }

    throwing_move(throwing_move&& other) : value_((before_move(), other.value_)) {
        other.value_ = moved_from;
        const bool had_payload = value_ != moved_from;
        consumed_ = other.consumed_;
        other.consumed_ = false;
        if (had_payload) {
            --counters().payloads;
        }
        on_construct();
    }

    throwing_move(const throwing_move&) = delete;
    throwing_move& operator=(const throwing_move&) = delete;
    throwing_move& operator=(throwing_move&&) = delete;

    ~throwing_move() {
        --counters().live;
        ++counters().destroyed;
        if (value_ != moved_from) {
            --counters().payloads;
            if (!consumed_) {
                ++counters().dropped;
            }
        }
    }

    int value() const noexcept { return value_; }

    int consume() noexcept {
        consumed_ = true;
        return value_;
    }

    /// The k-th move construction from now (k >= 1, counted in every thread) throws, once.
    static void arm(long k) noexcept {
        fired_flag().store(false);
        countdown().store(k);
    }

    /// Stops the countdown; returns whether the armed move threw since the last arm().
    static bool disarm() noexcept {
        countdown().store(0);
        return fired_flag().exchange(false);
    }

    static lifetime_counters& counters() noexcept {
        static lifetime_counters c;
        return c;
    }
    static long live() noexcept { return counters().live.load(); }
    static long payloads() noexcept { return counters().payloads.load(); }
    static long dropped() noexcept { return counters().dropped.load(); }
    static long throws() noexcept { return throw_count().load(); }
    static long moves() noexcept { return move_count().load(); }
    static void reset() noexcept {
        disarm();
        counters().reset();
        throw_count().store(0);
        move_count().store(0);
    }

  private:
    static std::atomic<long>& countdown() noexcept {
        static std::atomic<long> c{0};
        return c;
    }
    static std::atomic<bool>& fired_flag() noexcept {
        static std::atomic<bool> f{false};
        return f;
    }
    static std::atomic<long>& throw_count() noexcept {
        static std::atomic<long> c{0};
        return c;
    }
    static std::atomic<long>& move_count() noexcept {
        static std::atomic<long> c{0};
        return c;
    }

    static void before_move() {
        ++move_count();
        long c = countdown().load();
        while (c > 0) {
            if (countdown().compare_exchange_weak(c, c - 1)) {
                if (c == 1) {
                    fired_flag().store(true);
                    ++throw_count();
                    throw move_error();
                }
                return;
            }
        }
    }

    void on_construct() noexcept {
        ++counters().live;
        ++counters().constructed;
        if (value_ != moved_from) {
            ++counters().payloads;
        }
    }

    int value_;
    bool consumed_ = false;
};

}  // namespace courier_test
