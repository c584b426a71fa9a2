// Runs one call on its own thread and keeps its result, so that a test can check that the call
// is still blocked, wake it, and then inspect what it returned.
#pragma once

#include <atomic>
#include <memory>
#include <optional>
#include <thread>
#include <type_traits>
#include <utility>

namespace courier_test {

template <class R>
class async_call {
  public:
    template <class Fn>
    explicit async_call(Fn fn)
        : thread_([this, fn = std::move(fn)]() mutable {
              result_.emplace(fn());
              done_.store(true, std::memory_order_release);
          }) {}

    async_call(const async_call&) = delete;
    async_call& operator=(const async_call&) = delete;

    ~async_call() {
        if (thread_.joinable()) {
            thread_.join();
        }
    }

    /// Whether the call has returned (a snapshot).
    bool done() const noexcept { return done_.load(std::memory_order_acquire); }

    /// Waits for the call to return and hands out its result.
    R get() {
        if (thread_.joinable()) {
            thread_.join();
        }
        return std::move(*result_);
    }

  private:
    std::atomic<bool> done_{false};
    std::optional<R> result_;
    std::thread thread_;  // last: starts after the other members exist
};

/// Starts fn() on a new thread.
template <class Fn>
auto start_async(Fn fn) {
    using result = std::invoke_result_t<Fn&>;
    return std::make_unique<async_call<result>>(std::move(fn));
}

}  // namespace courier_test
