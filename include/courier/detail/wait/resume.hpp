// resume_point: where a thread resumes the coroutines its operation woke (wait/async_waiter.hpp).
//
// A coroutine's waiter is never resumed inside courier: the thread that completes its operation is
// then holding a lock or is half-way through a hand-off. Its wake() queues the waiter on this
// thread's resume queue instead, and the thread resumes them when its public operation has
// finished with courier's internal state: every public operation that can wake a coroutine has a
// resume_point. It costs one thread-local load when nothing is queued. The queue and its drain
// are defined with the coroutine waiter; a program that never awaits anything never queues.
#pragma once

#include "courier/detail/config.hpp"
#include "courier/detail/sync.hpp"

namespace courier::detail {

class async_waiter;

/// The coroutines this thread has woken and not resumed yet, in the order woken.
struct resume_queue {
    async_waiter* head = nullptr;
    async_waiter* tail = nullptr;
    bool draining = false;               // a drain runs further up this thread's stack
    void (*drain)() noexcept = nullptr;  // set by the first wake-up that queues
};

/// This thread's resume queue.
COURIER_TRIVIAL resume_queue& resumes() noexcept {
    return sync::per_thread<resume_queue, resume_queue>();
}

/// Resumes the queued coroutines now, unless this thread is draining its queue further up its
/// stack already (that loop resumes them instead, so the stack never grows with a chain).
inline void resume_queued() noexcept {
    resume_queue& q = resumes();
    if (q.head != nullptr && !q.draining) [[unlikely]] {
        q.drain();
    }
}

/// Resumes the queued coroutines now even inside a drain: for a thread that must wait for a
/// coroutine it has just woken (a rendezvous hand-off whose receiver moves the message out of the
/// sender's packet), which would otherwise wait for itself. Nests only in that case.
inline void resume_queued_now() noexcept {
    resume_queue& q = resumes();
    if (q.head != nullptr) {
        q.drain();
    }
}

/// resume_queued() when the scope ends.
class resume_point {
  public:
    resume_point() = default;
    resume_point(const resume_point&) = delete;
    resume_point& operator=(const resume_point&) = delete;
    ~resume_point() { resume_queued(); }
};

/// `x`, after resuming the queued coroutines: for a result that must be complete before the
/// coroutines it woke run, and them before the caller's handler sees it.
template <class X>
X&& after_resuming(X&& x) noexcept {
    resume_queued();
    return static_cast<X&&>(x);
}

}  // namespace courier::detail
