// task: the smallest coroutine type that can await courier's awaitables, for tests. It starts at
// once (no initial suspension), keeps an exception that escapes the body, and stays suspended at
// its end so that a test can look at done() and destroy it; destroying a task that is suspended
// in an operation destroys its frame, which cancels the operation.
#pragma once

#include <atomic>
#include <coroutine>
#include <exception>
#include <utility>

namespace courier_test {

class task {
  public:
    struct promise_type {
        std::exception_ptr error;
        std::atomic<bool> finished{false};

        task get_return_object() noexcept {
            return task(std::coroutine_handle<promise_type>::from_promise(*this));
        }
        std::suspend_never initial_suspend() noexcept { return {}; }
        auto final_suspend() noexcept {
            struct mark_finished {
                promise_type* p;
                bool await_ready() const noexcept { return false; }
                void await_suspend(std::coroutine_handle<>) const noexcept {
                    p->finished.store(true, std::memory_order_release);
                }
                void await_resume() const noexcept {}
            };
            return mark_finished{this};
        }
        void return_void() noexcept {}
        void unhandled_exception() noexcept { error = std::current_exception(); }
    };

    task() = default;
    task(task&& other) noexcept : h_(std::exchange(other.h_, {})) {}
    task& operator=(task&& other) noexcept {
        reset();
        h_ = std::exchange(other.h_, {});
        return *this;
    }
    task(const task&) = delete;
    task& operator=(const task&) = delete;
    ~task() { reset(); }

    /// True once the body has finished (on any thread).
    bool done() const noexcept {
        return h_ && h_.promise().finished.load(std::memory_order_acquire);
    }
    /// Rethrows what escaped the body, if anything.
    void check() const {
        if (h_ && h_.promise().error) {
            std::rethrow_exception(h_.promise().error);
        }
    }
    /// Destroys the frame now (cancelling an operation it is suspended in).
    void reset() noexcept {
        if (h_) {
            std::exchange(h_, {}).destroy();
        }
    }

  private:
    explicit task(std::coroutine_handle<promise_type> h) noexcept : h_(h) {}
    std::coroutine_handle<promise_type> h_;
};

}  // namespace courier_test
