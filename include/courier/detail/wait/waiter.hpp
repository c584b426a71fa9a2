// waiter: one waiting operation (or one select over many), as every waker sees it.
//
// A waker queues waiting operations (waker.hpp) and completes them through this interface alone;
// how the waiting party sleeps and is woken is the business of the implementation behind wake():
// thread_waiter (thread_waiter.hpp) parks an OS thread. A waiter holds
//   selected_  which operation completed the wait: waiting (0), aborted (1), disconnected (2),
//              stopped (3), or the id of the operation that was selected (any other value, the
//              address of a token);
//   packet_    an address handed over by whoever selected it (the rendezvous packet);
//   owner_     who waits: a thread id for a blocked thread, the waiter's own address for a
//              suspended coroutine (async_waiter.hpp). A waker never pairs two operations of the
//              same owner; the party that looks for a partner is acting_owner(): the calling
//              thread, unless a coroutine's operation runs on it (acting_as).
//
// State transitions of selected_ (each a CAS from waiting, so exactly one wins):
//   waiting -> aborted       by the waiting party itself (timeout, or found an operation ready
//                            while registering);
//   waiting -> disconnected  by a thread disconnecting a channel the waiter is registered with;
//   waiting -> stopped       by a thread requesting a stop on the operation's std::stop_token
//                            (stop.hpp);
//   waiting -> operation     by a thread that completes the pairing (a notify in waker.hpp).
// A thread that wins the CAS for another party's waiter stores the packet (if any), then calls
// wake(), and never touches the waiter again: wake() is its last access. An implementation must
// therefore keep its memory alive until its wake() has returned (thread_waiter waits for the
// parker's token before it returns).
#pragma once

#include <cstdint>

#include "courier/detail/config.hpp"
#include "courier/detail/sync.hpp"

namespace courier::detail {

/// What completed a wait: the four fixed states, else the id of the selected operation.
enum selected : std::uintptr_t {
    sel_waiting = 0,
    sel_aborted = 1,
    sel_disconnected = 2,
    sel_stopped = 3
};

/// True when `s` is the id of an operation a partner selected (and unlinked from its waker), not
/// one of the fixed states.
COURIER_TRIVIAL constexpr bool selected_by_partner(std::uintptr_t s) noexcept {
    return s > sel_stopped;
}

/// Which owner's operations the calling code performs, when not its thread's own (0: the thread's).
struct acting_owner_tag;
COURIER_TRIVIAL std::uintptr_t& acting_owner_slot() noexcept {
    return sync::per_thread<acting_owner_tag, std::uintptr_t>();
}

/// The owner the calling code acts for: a coroutine operation's waiter while one runs its tries
/// and registrations on this thread (acting_as), else the thread itself.
COURIER_TRIVIAL std::uintptr_t acting_owner() noexcept {
    const std::uintptr_t o = acting_owner_slot();
    return o != 0 ? o : sync::thread_id();
}

/// While it lives, the calling thread acts for `owner` (a coroutine operation's waiter), so that
/// the operation never pairs with its own other arms, while two coroutines on one thread can
/// pair with each other.
class acting_as {
  public:
    explicit acting_as(std::uintptr_t owner) noexcept : previous_(acting_owner_slot()) {
        acting_owner_slot() = owner;
    }
    acting_as(const acting_as&) = delete;
    acting_as& operator=(const acting_as&) = delete;
    ~acting_as() { acting_owner_slot() = previous_; }

  private:
    std::uintptr_t previous_;
};

class waiter {
  public:
    waiter(const waiter&) = delete;
    waiter& operator=(const waiter&) = delete;

    /// Who waits; operations of one owner are never paired with each other.
    COURIER_TRIVIAL std::uintptr_t owner() const noexcept { return owner_; }

    /// Tries to complete the wait with `s`; true if this call won.
    bool try_select(std::uintptr_t s) noexcept {
        std::uintptr_t expected = sel_waiting;
        // acq_rel: the winner's earlier writes (the packet contents) are published to the waiting
        // party, which reads selected_ with acquire; pairs with that load.
        return selected_.compare_exchange_strong(expected, s, std::memory_order_acq_rel,
                                                 std::memory_order_acquire);
    }

    COURIER_TRIVIAL std::uintptr_t selected() const noexcept {
        return selected_.load(std::memory_order_acquire);
    }

    void store_packet(void* p) noexcept {
        packet_.store(p, std::memory_order_release);  // pairs with the acquire in packet()
    }
    COURIER_TRIVIAL void* packet() const noexcept {
        return packet_.load(std::memory_order_acquire);
    }

    /// Wakes the waiting party after a try_select() won. The caller's last access to this waiter.
    COURIER_TRIVIAL void wake() noexcept { wake_(*this); }

  protected:
    using wake_fn = void (*)(waiter&) noexcept;

    COURIER_TRIVIAL waiter(wake_fn on_wake, std::uintptr_t owner) noexcept
        : owner_(owner), wake_(on_wake) {}
    ~waiter() = default;

    /// Makes a completed waiter wait again (a coroutine's operation that registers once more).
    /// Only when no waker, timer or stop callback can reach it any more.
    void rearm() noexcept {
        selected_.store(sel_waiting, std::memory_order_relaxed);
        packet_.store(nullptr, std::memory_order_relaxed);
    }

  private:
    sync::atomic<std::uintptr_t> selected_{sel_waiting};
    sync::atomic<void*> packet_{nullptr};
    std::uintptr_t owner_;
    wake_fn wake_;
};

}  // namespace courier::detail
