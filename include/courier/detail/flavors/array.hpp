// array flavor: a bounded channel (capacity >= 1) on a preallocated ring of slots.
//
// Algorithm: Dmitry Vyukov's bounded MPMC queue, in the form crossbeam-channel's array flavor gives
// it (head/tail carry a lap count; a disconnect bit in tail). Each slot carries a stamp:
//   slot i is writable when stamp == tail  (the slot is free for the lap `tail` is in);
//   slot i is readable when stamp == head + 1 (a message was written in head's lap).
// Positions are packed: head = { lap, index }, tail = { lap, mark, index } where
//   mark_bit_ = the smallest power of two > capacity, and one_lap_ = 2 * mark_bit_;
// so index < capacity occupies the low bits, mark is the disconnect bit, lap counts above it.
// Advancing past the last index wraps to { lap + one_lap, index 0 }.
//
// Senders reserve a slot by a CAS on tail, write the message, then publish with stamp = tail + 1.
// Receivers reserve by a CAS on head, move the message out, then free the slot with
// stamp = head + one_lap (writable in the next lap). No allocation after construction.
//
// Throwing moves (only compiled in when T's move constructor may throw):
//   a write that throws gives its slot back when no later send has reserved after it (tail is moved
//   back); otherwise it leaves a *hole*: the slot is published with no message; receivers skip it.
//   a read whose move throws leaves the slot reserved and still holding the message; the slot is
//   queued for recovery and the next receive of any receiver takes it first (order is kept: it was
//   the oldest message). Until it is received again, a sender that reaches that slot after the ring
//   wrapped reports the channel full (the slot is occupied), even if slots after it are free.
#pragma once

#include <cstddef>
#include <exception>
#include <new>
#include <optional>
#include <stdexcept>
#include <type_traits>
#include <utility>

#include "courier/detail/backoff.hpp"
#include "courier/detail/cache_padded.hpp"
#include "courier/detail/config.hpp"
#include "courier/detail/flavors/queue.hpp"
#include "courier/detail/flavors/recovery.hpp"
#include "courier/detail/memory.hpp"
#include "courier/detail/status.hpp"
#include "courier/detail/sync.hpp"
#include "courier/detail/wait/waker.hpp"

namespace courier::detail {

template <class T>
class array_flavor : public queue_flavor<array_flavor<T>, T> {
    static constexpr bool throwing_move = !std::is_nothrow_move_constructible_v<T>;

    struct slot;
    struct no_extra {};
    struct recovery_extra {
        bool hole = false;               // published without a message (a write threw)
        std::size_t recovery_stamp = 0;  // the stamp that frees the slot once it is read
        slot* recovery_next = nullptr;
        // True while the slot waits in the recovery queue: it still holds a message that has not
        // been received, so a sender that reaches it after the ring wrapped sees a full channel.
        sync::atomic<bool> recovering{false};
    };

    struct slot {
        sync::atomic<std::size_t> stamp;
        [[no_unique_address]] std::conditional_t<throwing_move, recovery_extra, no_extra> extra;
        alignas(T) unsigned char storage[sizeof(T)];

        COURIER_TRIVIAL explicit slot(std::size_t s) noexcept : stamp(s) {}
        COURIER_TRIVIAL T* get() noexcept { return std::launder(reinterpret_cast<T*>(storage)); }
    };

  public:
    /// A bounded channel: a send waits while it is full (queue_flavor::send).
    static constexpr bool never_full = false;

    /// A reserved slot: `s == nullptr` means the channel is disconnected.
    struct token {
        slot* s = nullptr;
        std::size_t stamp = 0;
        COURIER_TRIVIAL bool disconnected() const noexcept { return s == nullptr; }
    };
    using select_state = queue_select_state<token>;

    explicit array_flavor(std::size_t capacity) : cap_(capacity) {
        if (capacity == 0) {
            throw std::length_error("courier: array flavor needs a capacity of at least 1");
        }
        // mark_bit_ = next power of two above capacity; one_lap_ = 2 * mark_bit_ must fit.
        if (capacity > (~std::size_t{0} >> 3)) {
            throw std::length_error("courier: channel capacity too large");
        }
        std::size_t m = 1;
        while (m <= capacity) {
            m <<= 1;
        }
        mark_bit_ = m;
        one_lap_ = m << 1;
        buffer_ = allocate(capacity);
        for (std::size_t i = 0; i < capacity; ++i) {
            // slot i starts writable in lap 0: stamp = { lap 0, index i }
            std::construct_at(buffer_ + i, i);
        }
    }

    array_flavor(const array_flavor&) = delete;
    array_flavor& operator=(const array_flavor&) = delete;

    ~array_flavor() {
        // Every handle is gone: no other thread can touch the ring.
        this->discard_recovered();
        std::size_t head = head_->load(std::memory_order_relaxed);
        const std::size_t tail = tail_->load(std::memory_order_relaxed) & ~mark_bit_;
        while (head != tail) {
            slot& s = buffer_[head & (mark_bit_ - 1)];
            if (s.stamp.load(std::memory_order_relaxed) == head + 1 && !is_hole(s)) {
                std::destroy_at(s.get());
            }
            head = advance(head);
        }
        for (std::size_t i = 0; i < cap_; ++i) {
            std::destroy_at(buffer_ + i);
        }
        deallocate(buffer_);
    }

    // ---- reserve / finish ------------------------------------------------------------------

    /// Reserves a slot for a send. Returns true with token.s set (reserved) or null (disconnected);
    /// false when the channel is full.
    COURIER_HOT bool start_send(token& t) noexcept {
        backoff b;
        std::size_t tail = tail_->load(std::memory_order_relaxed);
        for (;;) {
            if (tail & mark_bit_) {
                t.s = nullptr;
                return true;
            }
            const std::size_t index = tail & (mark_bit_ - 1);
            slot& s = buffer_[index];
            // pairs with the release store of the stamp in release_read()
            const std::size_t stamp = s.stamp.load(std::memory_order_acquire);
            if (tail == stamp) {
                const std::size_t next = advance(tail);
                if (tail_->compare_exchange_weak(tail, next, std::memory_order_seq_cst,
                                                 std::memory_order_relaxed)) {
                    t.s = &s;
                    t.stamp = tail + 1;  // { lap, index } + 1: readable in this lap
                    return true;
                }
                b.spin();
            } else if (stamp + one_lap_ == tail + 1) {
                // The slot still holds last lap's message: full, unless head has moved on.
                // seq_cst pairs with the seq_cst CAS on head in start_recv().
                const std::size_t head = head_->load(std::memory_order_seq_cst);
                if (head + one_lap_ == tail) {
                    return false;
                }
                if constexpr (throwing_move) {
                    // A receive whose move threw left its message here for recovery: the slot is
                    // occupied until some receiver takes it. Pairs with the release in
                    // recovery_slot().
                    if (s.extra.recovering.load(std::memory_order_acquire)) {
                        return false;
                    }
                }
                b.spin();
                tail = tail_->load(std::memory_order_relaxed);
            } else {
                // Another sender reserved this slot and has not moved tail yet, or a receiver is
                // still reading it.
                b.snooze();
                tail = tail_->load(std::memory_order_relaxed);
            }
        }
    }

    // What queue_flavor::write needs: where the reserved slot's message goes, how a written slot
    // is published, and what a send whose move threw leaves behind.
    COURIER_TRIVIAL static T* place_of(const token& t) noexcept { return t.s->get(); }

    COURIER_HOT void publish_write(const token& t) noexcept {
        // pairs with the acquire load of the stamp in start_recv()
        t.s->stamp.store(t.stamp, std::memory_order_release);
    }

    /// Gives the slot back if no later send has reserved after it (receivers never claim an
    /// unpublished slot, so moving tail back leaves no trace of this send); otherwise publishes it
    /// as a hole that receivers skip.
    void abandon_write(const token& t) noexcept {
        const std::size_t mine = t.stamp - 1;
        std::size_t expected = advance(mine);
        if (tail_->compare_exchange_strong(expected, mine, std::memory_order_seq_cst,
                                           std::memory_order_relaxed)) {
            senders_.notify();
            return;
        }
        if constexpr (throwing_move) {
            t.s->extra.hole = true;
        }
        t.s->stamp.store(t.stamp, std::memory_order_release);
        receivers_.notify();
    }

    /// Reserves the oldest message in the ring (queue_flavor::reserve_recv looks at recovered slots
    /// first). Returns true with token.s set (reserved) or null (disconnected and empty); false
    /// when the channel is empty.
    COURIER_HOT bool start_recv(token& t) noexcept {
        backoff b;
        std::size_t head = head_->load(std::memory_order_relaxed);
        for (;;) {
            const std::size_t index = head & (mark_bit_ - 1);
            slot& s = buffer_[index];
            // pairs with the release store of the stamp in write()
            const std::size_t stamp = s.stamp.load(std::memory_order_acquire);
            if (head + 1 == stamp) {
                const std::size_t next = advance(head);
                if (head_->compare_exchange_weak(head, next, std::memory_order_seq_cst,
                                                 std::memory_order_relaxed)) {
                    t.s = &s;
                    t.stamp = head + one_lap_;  // writable again in the next lap
                    if constexpr (throwing_move) {
                        if (s.extra.hole) {
                            s.extra.hole = false;
                            release_read(t);
                            head = head_->load(std::memory_order_relaxed);
                            continue;
                        }
                    }
                    return true;
                }
                b.spin();
            } else if (stamp == head) {
                // The slot is empty in this lap: the channel is empty unless tail moved on.
                // seq_cst pairs with the seq_cst CAS on tail in start_send().
                const std::size_t tail = tail_->load(std::memory_order_seq_cst);
                if ((tail & ~mark_bit_) == head) {
                    if (tail & mark_bit_) {
                        t.s = nullptr;
                        return true;
                    }
                    return false;
                }
                b.spin();
                head = head_->load(std::memory_order_relaxed);
            } else {
                b.snooze();
                head = head_->load(std::memory_order_relaxed);
            }
        }
    }

    /// A batch receive's run (queue_flavor::try_recv_many; only when nothing can throw): claims
    /// up to `max` consecutive published messages from head with one CAS, after sink.prepare(k)
    /// for the k it is about to claim; moves them into the sink in order, freeing each slot as it
    /// goes, and wakes up to k blocked senders at once. Returns k; 0 when the oldest message is
    /// not published (empty, disconnected, or a send still writing: start_recv() handles those).
    /// A published slot beyond head still holds its message: only a CAS on head takes slots.
    ///
    /// `gather` (a blocking recv_many): when fewer messages than the run could take are
    /// published, gather_wait() gives the senders a moment to publish more, counting on from the
    /// first unpublished slot.
    template <class Sink>
    std::size_t recv_run(Sink& sink, std::size_t max, bool gather) {
        static_assert(!throwing_move);
        // Locals: the acquire loads below would otherwise make the compiler re-read the members.
        slot* const buffer = buffer_;
        const std::size_t mask = mark_bit_ - 1;
        backoff b;
        std::size_t head = head_->load(std::memory_order_relaxed);
        std::size_t k = 0;
        for (;;) {
            std::size_t end = head;
            k = 0;
            auto count = [&] {
                // pairs with the release store of the stamp in publish_write()
                while (k < max &&
                       buffer[end & mask].stamp.load(std::memory_order_acquire) == end + 1) {
                    end = advance(end);
                    ++k;
                }
                return k;
            };
            if (count() == 0) {
                return 0;
            }
            const std::size_t want = max < cap_ ? max : cap_;
            if (gather && k < want) {
                gather = false;
                gather_wait(k, want, count);
            }
            sink.prepare(k);
            // seq_cst as in start_recv(): pairs with the seq_cst reads of head by senders.
            if (head_->compare_exchange_weak(head, end, std::memory_order_seq_cst,
                                             std::memory_order_relaxed)) {
                break;
            }
            b.spin();
        }
        const std::size_t one_lap = one_lap_;
        for (std::size_t i = 0; i < k; ++i, head = advance(head)) {
            slot& s = buffer[head & mask];
            sink.put(COURIER_MOVE(*s.get()));
            std::destroy_at(s.get());
            // pairs with the acquire load of the stamp in start_send()
            s.stamp.store(head + one_lap, std::memory_order_release);
        }
        senders_.notify_many(k);
        return k;
    }

    // What queue_flavor::read needs: the reserved message, and freeing its slot after the read.
    COURIER_TRIVIAL static T* message_of(const token& t) noexcept { return t.s->get(); }

    /// Destroys the moved-from message and frees the slot for the next lap's send.
    COURIER_HOT void finish_read(const token& t) noexcept {
        std::destroy_at(t.s->get());
        release_read(t);
    }

    // ---- disconnection ----------------------------------------------------------------------

    /// Sets the disconnect bit in tail; true if this call set it (queue_flavor::disconnect).
    bool mark_disconnected() noexcept {
        const std::size_t tail = tail_->fetch_or(mark_bit_, std::memory_order_seq_cst);
        return (tail & mark_bit_) == 0;
    }

    // ---- snapshots ----------------------------------------------------------------------------

    bool is_disconnected() const noexcept {
        return (tail_->load(std::memory_order_seq_cst) & mark_bit_) != 0;
    }

    // Linearization: tail is read, then head, then tail again until stable, so the pair belongs to
    // one instant at which both held those values.
    std::size_t len() const noexcept {
        for (;;) {
            const std::size_t tail = tail_->load(std::memory_order_seq_cst);
            const std::size_t head = head_->load(std::memory_order_seq_cst);
            if (tail_->load(std::memory_order_seq_cst) == tail) {
                const std::size_t hix = head & (mark_bit_ - 1);
                const std::size_t tix = tail & (mark_bit_ - 1);
                if (hix < tix) {
                    return tix - hix;
                }
                if (hix > tix) {
                    return cap_ - hix + tix;
                }
                return (tail & ~mark_bit_) == head ? 0 : cap_;
            }
        }
    }

    bool is_empty() const noexcept {
        if constexpr (throwing_move) {
            if (!recovery_.empty(std::memory_order_seq_cst)) {
                return false;
            }
        }
        const std::size_t head = head_->load(std::memory_order_seq_cst);
        const std::size_t tail = tail_->load(std::memory_order_seq_cst);
        return (tail & ~mark_bit_) == head;
    }

    bool is_full() const noexcept {
        const std::size_t tail = tail_->load(std::memory_order_seq_cst);
        const std::size_t head = head_->load(std::memory_order_seq_cst);
        return head + one_lap_ == (tail & ~mark_bit_);
    }

    COURIER_TRIVIAL std::optional<std::size_t> capacity() const noexcept { return cap_; }

  private:
    friend class queue_flavor<array_flavor<T>, T>;

    COURIER_TRIVIAL sync_waker& senders() noexcept { return senders_; }
    COURIER_TRIVIAL sync_waker& receivers() noexcept { return receivers_; }

    // The ring's storage, as std::allocator<slot> would get it (without <memory>).
    static constexpr bool over_aligned = alignof(slot) > __STDCPP_DEFAULT_NEW_ALIGNMENT__;

    static slot* allocate(std::size_t n) {
        if (n > ~std::size_t{0} / sizeof(slot)) {
            throw std::length_error("courier: channel capacity too large");
        }
        if constexpr (over_aligned) {
            return static_cast<slot*>(
                ::operator new (n * sizeof(slot), std::align_val_t{alignof(slot)}));
        } else {
            return static_cast<slot*>(::operator new(n * sizeof(slot)));
        }
    }

    static void deallocate(slot* p) noexcept {
        if constexpr (over_aligned) {
            ::operator delete (p, std::align_val_t{alignof(slot)});
        } else {
            ::operator delete(p);
        }
    }

    std::size_t advance(std::size_t pos) const noexcept {
        const std::size_t index = pos & (mark_bit_ - 1);
        const std::size_t lap = pos & ~(one_lap_ - 1);
        // { lap, index + 1 }, or at the end { lap + one_lap, index 0 }
        return index + 1 < cap_ ? pos + 1 : lap + one_lap_;
    }

    COURIER_HOT void release_read(const token& t) noexcept {
        // pairs with the acquire load of the stamp in start_send()
        t.s->stamp.store(t.stamp, std::memory_order_release);
        senders_.notify();
    }

    static bool is_hole(slot& s) noexcept {
        if constexpr (throwing_move) {
            return s.extra.hole;
        } else {
            return false;
        }
    }

    // What queue_flavor's recovery needs: the slot of a read whose move threw, with what it takes
    // to read it again recorded in it, and the token of a slot taken back from recovery.
    COURIER_HOT slot& recovery_slot(const token& t) noexcept {
        if constexpr (throwing_move) {
            t.s->extra.recovery_stamp = t.stamp;
            // pairs with the acquire in start_send(): senders stop waiting for this slot
            t.s->extra.recovering.store(true, std::memory_order_release);
        }
        return *t.s;
    }

    static void recovered_token(slot& s, token& t) noexcept {
        if constexpr (throwing_move) {
            // The slot is being read again: a sender waits for it as for any read in progress.
            s.extra.recovering.store(false, std::memory_order_relaxed);
            t.s = &s;
            t.stamp = s.extra.recovery_stamp;
        }
    }

    COURIER_TRIVIAL recovery_queue<slot>& recovery() noexcept { return recovery_; }

    void discard_all_messages() noexcept {
        this->discard_recovered();
        backoff b;
        // Only the last receiver gets here, so nobody else moves head.
        std::size_t head = head_->load(std::memory_order_relaxed);
        for (;;) {
            slot& s = buffer_[head & (mark_bit_ - 1)];
            const std::size_t stamp = s.stamp.load(std::memory_order_acquire);
            if (head + 1 == stamp) {
                token t{&s, head + one_lap_};
                head = advance(head);
                head_->store(head, std::memory_order_seq_cst);
                if (!is_hole(s)) {
                    std::destroy_at(s.get());
                }
                if constexpr (throwing_move) {
                    s.extra.hole = false;
                }
                release_read(t);
            } else if ((tail_->load(std::memory_order_seq_cst) & ~mark_bit_) == head) {
                return;
            } else {
                // A sender reserved this slot before the disconnect and is still writing.
                b.snooze();
            }
        }
    }

    cache_padded<sync::atomic<std::size_t>> head_{0};
    cache_padded<sync::atomic<std::size_t>> tail_{0};
    slot* buffer_ = nullptr;
    std::size_t cap_;
    std::size_t mark_bit_ = 0;
    std::size_t one_lap_ = 0;
    sync_waker senders_;
    sync_waker receivers_;
    recovery_queue<slot> recovery_;  // throwing moves only; unused otherwise
};

}  // namespace courier::detail
