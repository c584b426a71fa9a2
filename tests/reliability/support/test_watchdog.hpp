// A per-test watchdog for the GoogleTest programs of the reliability tier: when one test runs
// longer than the limit, the process prints the test's name and aborts, so that a lost wake-up or
// a livelock fails with a name instead of running into the CTest timeout.
//
// Include it in exactly one translation unit of a test program; it installs itself before main.
// The limit is COURIER_TEST_WATCHDOG_S seconds (default 120), times 4 under a sanitizer.
//
// A test may also guard single operations that must return quickly (a try operation, a send
// into a channel with room) with an op_guard: when one of them has not returned after
// op_limit_s seconds (default 10, times 4 under a sanitizer), the process aborts naming it.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>
#include <thread>

#include "support/knobs.hpp"

namespace courier_reliability {

/// Marks one operation that must not block; see the file comment.
class op_guard {
  public:
    explicit op_guard(const std::string& what) {
        std::lock_guard<std::mutex> lock(mutex());
        description() = what;
        started() = std::chrono::steady_clock::now();
        active() = true;
    }
    ~op_guard() {
        std::lock_guard<std::mutex> lock(mutex());
        active() = false;
    }
    op_guard(const op_guard&) = delete;
    op_guard& operator=(const op_guard&) = delete;

    /// If a guarded operation has run past its limit: its description; else empty.
    static std::string overdue() {
        std::lock_guard<std::mutex> lock(mutex());
        const auto limit = std::chrono::seconds(
            static_cast<long>(env_positive("COURIER_TEST_OP_LIMIT_S", 10)) * (sanitized ? 4 : 1));
        if (active() && std::chrono::steady_clock::now() - started() > limit) {
            return description();
        }
        return {};
    }

  private:
    static std::mutex& mutex() {
        static std::mutex m;
        return m;
    }
    static std::string& description() {
        static std::string d;
        return d;
    }
    static std::chrono::steady_clock::time_point& started() {
        static std::chrono::steady_clock::time_point t;
        return t;
    }
    static bool& active() {
        static bool a = false;
        return a;
    }
};

class test_watchdog : public ::testing::EmptyTestEventListener {
  public:
    test_watchdog() : thread_([this] { run(); }) {}
    ~test_watchdog() override {
        {
            std::lock_guard<std::mutex> lock(mutex_);
            stop_ = true;
        }
        cv_.notify_all();
        thread_.join();
    }

    void OnTestStart(const ::testing::TestInfo& info) override {
        std::lock_guard<std::mutex> lock(mutex_);
        name_ = std::string(info.test_suite_name()) + "." + info.name();
        deadline_ = std::chrono::steady_clock::now() + limit();
        running_ = true;
        cv_.notify_all();
    }

    void OnTestEnd(const ::testing::TestInfo&) override {
        std::lock_guard<std::mutex> lock(mutex_);
        running_ = false;
    }

  private:
    static std::chrono::seconds limit() {
        const auto s = static_cast<long>(env_positive("COURIER_TEST_WATCHDOG_S", 120));
        return std::chrono::seconds(sanitized ? 4 * s : s);
    }

    void run() {
        std::unique_lock<std::mutex> lock(mutex_);
        while (!stop_) {
            if (!running_) {
                cv_.wait(lock);
                continue;
            }
            const auto deadline = deadline_;
            cv_.wait_until(lock, std::min(deadline, std::chrono::steady_clock::now() +
                                                        std::chrono::milliseconds(500)));
            if (!running_ || stop_) {
                continue;
            }
            if (const std::string op = op_guard::overdue(); !op.empty()) {
                std::fprintf(stderr,
                             "\n[watchdog] FAILED: %s: an operation that must return at once "
                             "never did: %s. Aborting.\n",
                             name_.c_str(), op.c_str());
                std::fflush(stderr);
                std::abort();
            }
            if (std::chrono::steady_clock::now() >= deadline && deadline_ == deadline) {
                std::fprintf(stderr,
                             "\n[watchdog] FAILED: %s did not finish within %lld s (lost wake-up, "
                             "deadlock or livelock). Aborting.\n",
                             name_.c_str(), static_cast<long long>(limit().count()));
                std::fflush(stderr);
                std::abort();
            }
        }
    }

    std::mutex mutex_;
    std::condition_variable cv_;
    std::string name_;
    std::chrono::steady_clock::time_point deadline_{};
    bool running_ = false;
    bool stop_ = false;
    std::thread thread_;  // last: starts after the other members exist
};

namespace detail {
// Registered before main; GoogleTest owns and deletes the listener.
inline const bool test_watchdog_installed = [] {
    ::testing::UnitTest::GetInstance()->listeners().Append(new test_watchdog);
    return true;
}();
}  // namespace detail

}  // namespace courier_reliability
