// list flavor: an unbounded channel on a linked list of blocks of slots.
//
// Algorithm: crossbeam-channel's list flavor (itself after Dmitry Vyukov's unbounded MPSC/MPMC
// queues): positions are indices into an infinite sequence of slots, cut into blocks of
// block_cap = 31 slots; one index per lap of 32 is never used and marks "the next block is being
// installed". Positions are packed: index = { position, 1 flag bit } where
//   tail's flag (mark_bit) = disconnected;
//   head's flag (mark_bit) = the head block is not the tail block (a next block exists), so a
//                            receiver need not read tail to know the channel is non-empty.
// A sender reserves slot `offset` of the tail block with a CAS on tail.index; the sender that
// takes the last slot of a block installs the next block (allocated beforehand, outside the CAS
// loop's critical step). A receiver reserves with a CAS on head.index, waits for the slot's WRITE
// bit, moves the message out and sets READ.
//
// Memory is given back as it is consumed: a block is freed when all its slots have been read.
// The reader of the last slot starts destruction; slots not yet read get a DESTROY bit, and the
// reader who later sets READ on such a slot continues the destruction from there. A few freed
// blocks are kept as spares for the next blocks a sender needs (new_block / free_block).
//
// Slot state bits: WRITE (message written), READ (message taken), DESTROY (continue freeing the
// block after reading), and, only when T's move may throw, HOLE (a write threw: no message).
// A read whose move throws queues the slot for recovery; the next receive takes it first.
#pragma once

#include <cstddef>
#include <exception>
#include <new>
#include <optional>
#include <type_traits>
#include <utility>

#if defined(__GLIBC__) && !defined(COURIER_NO_MALLOC_TRIM)
#include <malloc.h>
#define COURIER_HAS_MALLOC_TRIM 1
#else
#define COURIER_HAS_MALLOC_TRIM 0
#endif

#include "courier/detail/backoff.hpp"
#include "courier/detail/cache_padded.hpp"
#include "courier/detail/config.hpp"
#include "courier/detail/flavors/queue.hpp"
#include "courier/detail/flavors/recovery.hpp"
#include "courier/detail/memory.hpp"
#include "courier/detail/status.hpp"
#include "courier/detail/sync.hpp"
#include "courier/detail/wait/waker.hpp"

// Indices per block (block_cap + 1), a power of two. Only the Relacy models change it, to reach
// block ends in a few operations.
#ifndef COURIER_LIST_LAP
#define COURIER_LIST_LAP 32
#endif

namespace courier::detail {

template <class T>
class list_flavor : public queue_flavor<list_flavor<T>, T> {
    static constexpr bool throwing_move = !std::is_nothrow_move_constructible_v<T>;

    static constexpr std::size_t shift = 1;
    static constexpr std::size_t mark_bit = 1;
    static constexpr std::size_t lap = COURIER_LIST_LAP;
    static constexpr std::size_t block_cap = lap - 1;
    static_assert(lap >= 4 && (lap & (lap - 1)) == 0, "COURIER_LIST_LAP: a power of two >= 4");

    static constexpr std::size_t write_bit = 1;
    static constexpr std::size_t read_bit = 2;
    static constexpr std::size_t destroy_bit = 4;
    static constexpr std::size_t hole_bit = 8;
    static constexpr std::size_t rest_bit = 16;  // read, and so is every later slot of the block
    // Bits from run_shift up: a batch read this slot and the next (run - 1) slots of the block.
    static constexpr std::size_t run_shift = 5;
    static_assert((std::size_t{1} << run_shift) > rest_bit);

    struct block;
    struct slot;
    struct no_extra {};
    struct recovery_extra {
        block* owner = nullptr;
        std::size_t offset = 0;
        slot* recovery_next = nullptr;
    };

    struct slot {
        sync::atomic<std::size_t> state{0};
        [[no_unique_address]] std::conditional_t<throwing_move, recovery_extra, no_extra> extra;
        alignas(T) unsigned char storage[sizeof(T)];

        COURIER_TRIVIAL T* get() noexcept { return std::launder(reinterpret_cast<T*>(storage)); }

        COURIER_HOT std::size_t wait_write() noexcept {
            // pairs with the release fetch_or in write()
            const std::size_t st = state.load(std::memory_order_acquire);
            return (st & write_bit) ? st : wait_write_slow();
        }

        COURIER_COLD std::size_t wait_write_slow() noexcept {
            backoff b;
            for (;;) {
                b.snooze();
                // pairs with the release fetch_or in write()
                const std::size_t st = state.load(std::memory_order_acquire);
                if (st & write_bit) {
                    return st;
                }
            }
        }
    };

    struct block {
        sync::atomic<block*> next{nullptr};
        slot slots[block_cap];

        block* wait_next() noexcept {
            backoff b;
            for (;;) {
                // pairs with the release store in start_send()
                if (block* n = next.load(std::memory_order_acquire)) {
                    return n;
                }
                b.snooze();
            }
        }

        // True once every slot from `start` to `end` (excluded) has been read: then nobody else
        // touches `b` again, and the caller frees it (free_block). Otherwise leaves a DESTROY mark
        // on the first unread slot, whose reader calls destroy() again from the slot after it (a
        // batch, from the slot after its run). A slot marked REST ends the walk: a batch read it
        // and every later slot. A slot with a run length is the first of a batch's run, which
        // marks only that slot: the walk skips the rest of the run.
        static bool destroy(block* b, std::size_t start, std::size_t end = block_cap - 1) noexcept {
            // The last slot is not checked: its reader is the one that started the destruction.
            for (std::size_t i = start; i < end; ++i) {
                slot& s = b->slots[i];
                std::size_t st = s.state.load(std::memory_order_acquire);
                if ((st & read_bit) == 0) {
                    st = s.state.fetch_or(destroy_bit, std::memory_order_acq_rel);
                }
                if (st & rest_bit) {
                    break;
                }
                if ((st & read_bit) == 0) {
                    return false;  // that slot's reader will continue
                }
                if (const std::size_t run = st >> run_shift; run > 1) {
                    i += run - 1;
                }
            }
            COURIER_PERTURB();
            return true;
        }

        // Makes a freed block new again (as constructed: no slot written, no next block).
        void reset() noexcept {
            next.store(nullptr, std::memory_order_relaxed);
            for (slot& s : slots) {
                s.state.store(0, std::memory_order_relaxed);
            }
        }
    };

    struct position {
        sync::atomic<std::size_t> index{0};
        sync::atomic<block*> blk{nullptr};
    };

  public:
    /// An unbounded channel: a send never waits (queue_flavor::send).
    static constexpr bool never_full = true;

    /// A reserved slot: `blk == nullptr` means the channel is disconnected.
    struct token {
        block* blk = nullptr;
        std::size_t offset = 0;
        COURIER_TRIVIAL bool disconnected() const noexcept { return blk == nullptr; }
    };
    using select_state = queue_select_state<token>;

    list_flavor() = default;
    list_flavor(const list_flavor&) = delete;
    list_flavor& operator=(const list_flavor&) = delete;

    ~list_flavor() {
        // Every handle is gone: no other thread can touch the list. The last receiver's
        // disconnect has discarded the messages already; this frees what is left all the same
        // (nothing waits: every reserved slot was written or abandoned, no block is being
        // installed).
        discard_all_messages();
        for (auto& place : spares_) {
            delete place.load(std::memory_order_relaxed);
        }
    }

    // ---- reserve / finish ------------------------------------------------------------------

    /// Reserves a slot for a send. Always returns true (an unbounded channel is never full);
    /// token.blk is null when the channel is disconnected. May throw std::bad_alloc (a new block).
    COURIER_HOT bool start_send(token& t) {
        backoff b;
        std::size_t tail = tail_->index.load(std::memory_order_acquire);
        block* blk = tail_->blk.load(std::memory_order_acquire);
        owner<block> next_block;
        for (;;) {
            if (tail & mark_bit) {
                t.blk = nullptr;
                return true;
            }
            const std::size_t offset = (tail >> shift) % lap;
            if (offset == block_cap) {
                // Another sender is installing the next block.
                b.snooze();
                tail = tail_->index.load(std::memory_order_acquire);
                blk = tail_->blk.load(std::memory_order_acquire);
                continue;
            }
            // About to take the last slot: have the next block ready so that the install after the
            // CAS cannot fail (allocation happens outside the step other threads wait for).
            if (offset + 1 == block_cap && !next_block) {
                next_block = new_block();
            }
            if (blk == nullptr) {
                // The very first send installs the first block.
                auto fresh = new_block();
                block* expected = nullptr;
                COURIER_PERTURB();
                if (tail_->blk.compare_exchange_strong(expected, fresh.get(),
                                                       std::memory_order_release,
                                                       std::memory_order_relaxed)) {
                    blk = fresh.release();
                    head_->blk.store(blk, std::memory_order_release);  // pairs with start_recv()
                } else {
                    next_block = COURIER_MOVE(fresh);  // reuse it as a next block later, or free it
                    tail = tail_->index.load(std::memory_order_acquire);
                    blk = tail_->blk.load(std::memory_order_acquire);
                    continue;
                }
            }
            const std::size_t new_tail = tail + (1 << shift);
            if (tail_->index.compare_exchange_weak(tail, new_tail, std::memory_order_seq_cst,
                                                   std::memory_order_acquire)) {
                if (offset + 1 == block_cap) {
                    // Took the last slot: install the next block and skip the unused index.
                    block* nb = next_block.release();
                    tail_->blk.store(nb, std::memory_order_release);
                    tail_->index.fetch_add(1 << shift, std::memory_order_release);
                    blk->next.store(nb, std::memory_order_release);  // pairs with wait_next()
                }
                t.blk = blk;
                t.offset = offset;
                return true;
            }
            b.spin();
            blk = tail_->blk.load(std::memory_order_acquire);
        }
    }

    // What queue_flavor::write needs: where the reserved slot's message goes, how a written slot
    // is published, and what a send whose move threw leaves behind.
    COURIER_TRIVIAL static T* place_of(const token& t) noexcept {
        return t.blk->slots[t.offset].get();
    }

    COURIER_HOT static void publish_write(const token& t) noexcept {
        // pairs with the acquire load in slot::wait_write()
        t.blk->slots[t.offset].state.fetch_or(write_bit, std::memory_order_release);
    }

    /// Publishes the slot as a hole that receivers skip (and len() does not count).
    void abandon_write(const token& t) noexcept {
        holes_.fetch_add(1, std::memory_order_relaxed);
        t.blk->slots[t.offset].state.fetch_or(write_bit | hole_bit, std::memory_order_release);
        receivers_.notify();
    }

    /// Reserves the oldest message in the blocks (queue_flavor::reserve_recv looks at recovered
    /// slots first). Returns true with token.blk set (reserved) or null (disconnected and empty);
    /// false when the channel is empty.
    COURIER_HOT bool start_recv(token& t) noexcept {
        backoff b;
        std::size_t head = head_->index.load(std::memory_order_acquire);
        block* blk = head_->blk.load(std::memory_order_acquire);
        for (;;) {
            const std::size_t offset = (head >> shift) % lap;
            if (offset == block_cap) {
                // Another receiver is moving head to the next block.
                b.snooze();
                head = head_->index.load(std::memory_order_acquire);
                blk = head_->blk.load(std::memory_order_acquire);
                continue;
            }
            std::size_t new_head = head + (1 << shift);
            if ((new_head & mark_bit) == 0) {
                // Head and tail may share a block: is there a message at all?
                // seq_cst pairs with the seq_cst CAS on tail.index in start_send().
                const std::size_t tail = tail_->index.load(std::memory_order_seq_cst);
                if ((head >> shift) == (tail >> shift)) {
                    if (tail & mark_bit) {
                        t.blk = nullptr;
                        return true;
                    }
                    return false;
                }
                if ((head >> shift) / lap != (tail >> shift) / lap) {
                    new_head |= mark_bit;  // { position + 1, next block exists }
                }
            }
            if (blk == nullptr) {
                // The first block is being installed.
                b.snooze();
                head = head_->index.load(std::memory_order_acquire);
                blk = head_->blk.load(std::memory_order_acquire);
                continue;
            }
            if (head_->index.compare_exchange_weak(head, new_head, std::memory_order_seq_cst,
                                                   std::memory_order_acquire)) {
                if (offset + 1 == block_cap) {
                    move_head_past(blk, new_head);
                }
                t.blk = blk;
                t.offset = offset;
                if constexpr (throwing_move) {
                    slot& s = blk->slots[offset];
                    if (s.wait_write() & hole_bit) {
                        holes_.fetch_sub(1, std::memory_order_relaxed);
                        if (release_read(t)) {
                            free_block(t.blk);
                        }
                        head = head_->index.load(std::memory_order_acquire);
                        blk = head_->blk.load(std::memory_order_acquire);
                        continue;
                    }
                }
                return true;
            }
            b.spin();
            blk = head_->blk.load(std::memory_order_acquire);
        }
    }

    /// A batch receive's run (queue_flavor::try_recv_many; only when nothing can throw): claims
    /// up to `max` messages of the head block with one CAS on head, after sink.prepare(k) for the k
    /// it is about to claim (a run ends at the block's end); moves them into the sink in order as
    /// their senders finish writing, then marks the whole run read with one RMW on its first slot.
    /// Returns k; 0 when the channel is empty or a block is being installed (start_recv() handles
    /// those).
    ///
    /// One mark per run rather than one per slot: a receiver that keeps up with its sender reads
    /// the cache line the sender is writing, and a read mark (a locked RMW) on each slot took
    /// that line from the sender once per message; with one unbounded sender, recv_many was then
    /// slower than a loop of recv.
    ///
    /// `gather` (a blocking recv_many): when tail is in the head block and fewer messages than the
    /// run could take are there, gather_wait() gives the senders a moment to write more, reading
    /// tail twice more at most.
    template <class Sink>
    std::size_t recv_run(Sink& sink, std::size_t max, bool gather) {
        static_assert(!throwing_move);
        backoff b;
        std::size_t head = head_->index.load(std::memory_order_acquire);
        block* blk = head_->blk.load(std::memory_order_acquire);
        for (;;) {
            const std::size_t offset = (head >> shift) % lap;
            if (offset == block_cap || blk == nullptr) {
                return 0;
            }
            std::size_t k = block_cap - offset;
            std::size_t mark = head & mark_bit;
            if (mark == 0) {
                // As in start_recv(): is there a message, and does a next block exist?
                std::size_t tail = tail_->index.load(std::memory_order_seq_cst);
                if ((head >> shift) == (tail >> shift)) {
                    return 0;
                }
                const std::size_t want = k < max ? k : max;
                // Messages of the head block that tail has passed (all it could take once tail
                // is in a later block).
                auto ready = [&] {
                    return (head >> shift) / lap != (tail >> shift) / lap
                               ? want
                               : (tail >> shift) - (head >> shift);
                };
                if (gather && ready() < want) {
                    gather = false;
                    gather_wait(ready(), want, [&] {
                        // seq_cst as above
                        tail = tail_->index.load(std::memory_order_seq_cst);
                        return ready();
                    });
                }
                if ((head >> shift) / lap != (tail >> shift) / lap) {
                    mark = mark_bit;
                } else {
                    k = (tail >> shift) - (head >> shift);
                }
            }
            k = k < max ? k : max;
            sink.prepare(k);
            const std::size_t new_head = (head + (k << shift)) | mark;
            if (head_->index.compare_exchange_weak(head, new_head, std::memory_order_seq_cst,
                                                   std::memory_order_acquire)) {
                const bool to_end = offset + k == block_cap;
                if (to_end) {
                    move_head_past(blk, new_head);
                }
                for (std::size_t i = offset; i < offset + k; ++i) {
                    slot& s = blk->slots[i];
                    s.wait_write();
                    sink.put(COURIER_MOVE(*s.get()));
                    std::destroy_at(s.get());
                }
                if (!to_end) {
                    // Read marks for the run: READ and the run's length on its first slot. A walk
                    // that found that slot unread left a DESTROY mark there and stopped: go on
                    // freeing the block after the run.
                    const std::size_t read = read_bit | (k > 1 ? k << run_shift : 0);
                    if (blk->slots[offset].state.fetch_or(read, std::memory_order_acq_rel) &
                        destroy_bit) {
                        if (block::destroy(blk, offset + k)) {
                            free_block(blk);
                        }
                    }
                    return k;
                }
                // The run took the block's last slot, so it frees the block (as the reader of
                // that slot does in release_read()): one REST mark on its first slot stands for
                // the read marks of the whole run, then the slots before it are checked.
                if (k > 1) {
                    blk->slots[offset].state.fetch_or(read_bit | rest_bit,
                                                      std::memory_order_acq_rel);
                }
                if (block::destroy(blk, 0, offset)) {
                    free_block(blk);
                }
                return k;
            }
            b.spin();
            blk = head_->blk.load(std::memory_order_acquire);
        }
    }

    // What queue_flavor::read needs: the reserved message (once its sender has written it), and
    // freeing its slot after the read.
    static T* message_of(const token& t) noexcept {
        slot& s = t.blk->slots[t.offset];
        s.wait_write();
        return s.get();
    }

    /// Destroys the moved-from message and marks the slot read, freeing its block when it was the
    /// block's last unread slot.
    COURIER_HOT void finish_read(const token& t) noexcept {
        std::destroy_at(t.blk->slots[t.offset].get());
        if (release_read(t)) {
            free_block(t.blk);
        }
    }

    // ---- disconnection ----------------------------------------------------------------------

    /// Sets the disconnect bit in tail; true if this call set it (queue_flavor::disconnect).
    bool mark_disconnected() noexcept {
        const std::size_t tail = tail_->index.fetch_or(mark_bit, std::memory_order_seq_cst);
        return (tail & mark_bit) == 0;
    }

    // ---- snapshots ----------------------------------------------------------------------------

    bool is_disconnected() const noexcept {
        return (tail_->index.load(std::memory_order_seq_cst) & mark_bit) != 0;
    }

    // Linearization: tail, head, then tail again until stable, as in the array flavor.
    std::size_t len() const noexcept {
        for (;;) {
            std::size_t tail = tail_->index.load(std::memory_order_seq_cst);
            std::size_t head = head_->index.load(std::memory_order_seq_cst);
            if (tail_->index.load(std::memory_order_seq_cst) == tail) {
                tail = (tail & ~mark_bit) >> shift;
                head = (head & ~mark_bit) >> shift;
                // Indices at the unused lap position count as the start of the next block.
                if ((tail & (lap - 1)) == lap - 1) {
                    tail += 1;
                }
                if ((head & (lap - 1)) == lap - 1) {
                    head += 1;
                }
                // Remove the unused position of every lap in between.
                const std::size_t lo = head / lap;
                const std::size_t hi = tail / lap;
                const std::size_t n = tail - head - (hi - lo);
                if constexpr (throwing_move) {
                    const std::size_t h = holes_.load(std::memory_order_relaxed);
                    return n > h ? n - h : 0;
                }
                return n;
            }
        }
    }

    bool is_empty() const noexcept {
        if constexpr (throwing_move) {
            if (!recovery_.empty(std::memory_order_seq_cst)) {
                return false;
            }
        }
        const std::size_t head = head_->index.load(std::memory_order_seq_cst);
        const std::size_t tail = tail_->index.load(std::memory_order_seq_cst);
        return (head >> shift) == (tail >> shift);
    }

    COURIER_TRIVIAL bool is_full() const noexcept { return false; }
    COURIER_TRIVIAL std::optional<std::size_t> capacity() const noexcept { return std::nullopt; }

  private:
    friend class queue_flavor<list_flavor<T>, T>;

    COURIER_TRIVIAL sync_waker& senders() noexcept { return senders_; }
    COURIER_TRIVIAL sync_waker& receivers() noexcept { return receivers_; }

    // Freed blocks are kept as spares (up to spare_count, at most about 16 KiB of them), and the
    // next block a sender needs is a spare when there is one (tokio's mpsc list reuses its blocks
    // in the same spirit). Otherwise every block of a stream from one thread to another is
    // allocated by the sending thread and freed by the receiving one, and with glibc the two
    // contend for the sender's arena lock (a futex wait and wake for many blocks) while the arena
    // is grown and trimmed over and over (page faults): most of the time of such a stream. With
    // spares, a receiver that keeps up reuses one block over and over, and one that lags hands the
    // sender back what it frees, so that the receiving thread never calls free().
    //
    // Reuse is as safe as freeing: a block is given back only when destroy() says nobody touches
    // it again, the exchanges below order its last uses before its reuse, and a thread that still
    // holds an old pointer to a block that comes back cannot use it, because it reserves slots by a
    // CAS on the head or tail *index*, which only grows (a block's address may recur; an index
    // never does). Each spare place is one pointer, filled by a CAS from null and emptied by an
    // exchange: no ABA either.
    owner<block> new_block() {
        for (auto& place : spares_) {
            if (place.load(std::memory_order_relaxed) != nullptr) {
                // acquire: pairs with the CAS in free_block()
                if (block* b = place.exchange(nullptr, std::memory_order_acquire)) {
                    b->reset();
                    return owner<block>(b);
                }
            }
        }
        return make_owner<block>();
    }

    void free_block(block* b) noexcept {
        for (auto& place : spares_) {
            block* empty = nullptr;
            // release: the freeing thread's uses of `b` come before its reuse
            if (place.load(std::memory_order_relaxed) == nullptr &&
                place.compare_exchange_strong(empty, b, std::memory_order_release,
                                              std::memory_order_relaxed)) {
                return;
            }
        }
        delete b;
        block_freed();
    }

    // glibc keeps freed blocks in the allocating thread's arena instead of returning them to the
    // system, so after a large burst has drained, the process would go on holding the burst's
    // memory. Each time `trim_blocks` more blocks (about 32 MiB) have been freed, ask the allocator
    // to give free memory back (malloc_trim): under a millisecond per 2 million messages. Define
    // COURIER_NO_MALLOC_TRIM to leave the allocator alone.
    static constexpr std::size_t trim_blocks = (std::size_t{32} << 20) / sizeof(block);

    void block_freed() noexcept {
#if COURIER_HAS_MALLOC_TRIM
        if (freed_blocks_.fetch_add(1, std::memory_order_relaxed) + 1 >= trim_blocks) {
            freed_blocks_.store(0, std::memory_order_relaxed);
            malloc_trim(0);
        }
#endif
    }

    // A receive took the last slot of `blk`, moving head to `new_head`: moves head on to the next
    // block (waiting for the sender that installs it), skipping the unused index.
    void move_head_past(block* blk, std::size_t new_head) noexcept {
        block* next = blk->wait_next();
        std::size_t next_index = (new_head & ~mark_bit) + (1 << shift);
        if (next->next.load(std::memory_order_relaxed) != nullptr) {
            next_index |= mark_bit;
        }
        head_->blk.store(next, std::memory_order_release);
        head_->index.store(next_index, std::memory_order_release);
    }

    // Marks the slot read and frees its block when it was the block's last unread slot.
    COURIER_HOT static bool release_read(const token& t) noexcept {
        if (t.offset + 1 == block_cap) {
            return block::destroy(t.blk, 0);
        }
        if (t.blk->slots[t.offset].state.fetch_or(read_bit, std::memory_order_acq_rel) &
            destroy_bit) {
            return block::destroy(t.blk, t.offset + 1);
        }
        return false;
    }

    // What queue_flavor's recovery needs: the slot of a read whose move threw, with what it takes
    // to read it again recorded in it, and the token of a slot taken back from recovery.
    COURIER_HOT static slot& recovery_slot(const token& t) noexcept {
        slot& s = t.blk->slots[t.offset];
        if constexpr (throwing_move) {
            s.extra.owner = t.blk;
            s.extra.offset = t.offset;
        }
        return s;
    }

    static void recovered_token(slot& s, token& t) noexcept {
        if constexpr (throwing_move) {
            t.blk = s.extra.owner;
            t.offset = s.extra.offset;
        }
    }

    recovery_queue<slot>& recovery() noexcept {
        return recovery_;
    }

    void discard_all_messages() noexcept {
        // Recovered slots first: a block can only be freed through them once its last slot was
        // read, so this never frees the head block walked below.
        this->discard_recovered();
        backoff b;
        std::size_t tail = tail_->index.load(std::memory_order_acquire);
        for (;;) {
            // Wait until no sender is installing a block.
            if (((tail >> shift) % lap) != block_cap) {
                break;
            }
            b.snooze();
            tail = tail_->index.load(std::memory_order_acquire);
        }
        std::size_t head = head_->index.load(std::memory_order_acquire);
        block* blk = head_->blk.exchange(nullptr, std::memory_order_acq_rel);
        // If there is a message, the first block may still be being installed.
        if ((head >> shift) != (tail >> shift)) {
            while (blk == nullptr) {
                b.snooze();
                blk = head_->blk.exchange(nullptr, std::memory_order_acq_rel);
            }
        }
        while ((head >> shift) != (tail >> shift)) {
            const std::size_t offset = (head >> shift) % lap;
            if (offset < block_cap) {
                slot& s = blk->slots[offset];
                if ((s.wait_write() & hole_bit) == 0) {
                    std::destroy_at(s.get());
                }
            } else {
                block* next = blk->wait_next();
                delete blk;
                blk = next;
            }
            head += 1 << shift;
        }
        delete blk;
        head_->index.store(head & ~mark_bit, std::memory_order_release);
    }

    cache_padded<position> head_{};
    cache_padded<position> tail_{};
    sync_waker senders_;
    sync_waker receivers_;
    recovery_queue<slot> recovery_;              // throwing moves only; unused otherwise
    sync::atomic<std::size_t> holes_{0};         // published holes not yet skipped by a receiver
    sync::atomic<std::size_t> freed_blocks_{0};  // blocks freed since the last malloc_trim
    // Freed blocks for new_block(): as many as fit in 16 KiB, at least one, at most 8.
    static constexpr std::size_t spare_fit = (std::size_t{16} << 10) / sizeof(block);
    static constexpr std::size_t spare_count = spare_fit < 1 ? 1 : spare_fit > 8 ? 8 : spare_fit;
    sync::atomic<block*> spares_[spare_count] = {};
};

}  // namespace courier::detail
