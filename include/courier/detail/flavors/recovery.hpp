// recovery_queue: the slots of a queue flavor (array, list) whose message a receive could not move
// out because T's move constructor threw. The message stays in its slot and the slot waits here,
// oldest first; the next receive of any receiver takes it before anything else, so the message is
// neither lost nor reordered. Only channels of a T whose move may throw ever use it.
//
// Slot is the flavor's slot type; it links through `extra.recovery_next`. Whatever a flavor needs
// to read the slot again it records in the slot before push().
#pragma once

#include <atomic>
#include <cstddef>

#include "courier/detail/config.hpp"
#include "courier/detail/sync.hpp"

namespace courier::detail {

template <class Slot>
class recovery_queue {
  public:
    /// Queues `s` at the back.
    void push(Slot& s) noexcept {
        sync::lock_guard<sync::mutex> lock(mutex_);
        s.extra.recovery_next = nullptr;
        (tail_ != nullptr ? tail_->extra.recovery_next : head_) = &s;
        tail_ = &s;
        count_.fetch_add(1, std::memory_order_release);  // pairs with the acquire in pop()
    }

    /// Takes the oldest queued slot; nullptr when there is none.
    Slot* pop() noexcept {
        if (empty(std::memory_order_acquire)) {
            return nullptr;
        }
        sync::lock_guard<sync::mutex> lock(mutex_);
        Slot* s = head_;
        if (s == nullptr) {
            return nullptr;
        }
        head_ = s->extra.recovery_next;
        if (head_ == nullptr) {
            tail_ = nullptr;
        }
        count_.fetch_sub(1, std::memory_order_relaxed);
        return s;
    }

    /// True when no slot is queued (a lock-free check).
    COURIER_TRIVIAL bool empty(std::memory_order order) const noexcept {
        return count_.load(order) == 0;
    }

  private:
    sync::mutex mutex_;
    sync::atomic<std::size_t> count_{0};
    Slot* head_ = nullptr;
    Slot* tail_ = nullptr;
};

}  // namespace courier::detail
