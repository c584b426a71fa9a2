// The channel most C++ code writes by hand: a std::deque guarded by one std::mutex, one
// condition variable for "not empty" and one for "not full". It is the baseline courier has to
// beat to be worth a dependency.
//
// Capacity 0 is a rendezvous built on the same parts: the buffer holds at most one message, and
// its sender waits (on `taken_`) until a receiver has removed it. Messages are numbered by
// `pushed_` and `popped_`; the sender of message k returns once popped_ >= k. Since the buffer
// holds one message at a time, messages leave in the order of their numbers.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <limits>
#include <mutex>
#include <utility>

namespace bench {

/// Thread safety: every member function may be called concurrently from any number of threads.
template <class T>
class mutex_cv_channel {
  public:
    static constexpr std::size_t unbounded = std::numeric_limits<std::size_t>::max();

    /// A channel holding at most `capacity` messages; 0 = rendezvous, `unbounded` = no limit.
    explicit mutex_cv_channel(std::size_t capacity) : capacity_(capacity) {}

    /// Appends `v`; blocks while the buffer is full, and for capacity 0 until a receiver took it.
    void send(T v) {
        std::unique_lock lock(mutex_);
        const std::size_t limit = capacity_ == 0 ? 1 : capacity_;
        not_full_.wait(lock, [&] { return queue_.size() < limit; });
        queue_.push_back(std::move(v));
        const std::uint64_t ticket = ++pushed_;
        if (capacity_ == 0) {
            not_empty_.notify_one();
            taken_.wait(lock, [&] { return popped_ >= ticket; });
            return;
        }
        lock.unlock();
        not_empty_.notify_one();
    }

    /// Removes the oldest message; blocks while the buffer is empty.
    T recv() {
        std::unique_lock lock(mutex_);
        not_empty_.wait(lock, [&] { return !queue_.empty(); });
        T v = std::move(queue_.front());
        queue_.pop_front();
        ++popped_;
        lock.unlock();
        if (capacity_ == 0) {
            taken_.notify_all();
        }
        if (capacity_ != unbounded) {
            not_full_.notify_one();
        }
        return v;
    }

  private:
    std::mutex mutex_;
    std::condition_variable not_empty_;
    std::condition_variable not_full_;
    std::condition_variable taken_;
    std::deque<T> queue_;
    std::uint64_t pushed_ = 0;
    std::uint64_t popped_ = 0;
    const std::size_t capacity_;
};

}  // namespace bench
