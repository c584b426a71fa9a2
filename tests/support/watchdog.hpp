// A guard that ends the test process with a clear message when a test runs past its time limit,
// so that a lost wake-up shows up as a failure naming the test instead of a silent hang.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>
#include <thread>
#include <utility>

#include "stress.hpp"

namespace courier_test {

/// Ends the process with a failure if it is not destroyed within `limit` (scaled by time_scale()).
/// Declare it before the threads and handles of the test so that it outlives them.
class watchdog {
  public:
    explicit watchdog(std::chrono::milliseconds limit, std::string what = "a blocked operation")
        : what_(std::move(what)), limit_(limit * static_cast<long>(time_scale())) {
        const ::testing::TestInfo* info = ::testing::UnitTest::GetInstance()->current_test_info();
        if (info != nullptr) {
            test_name_ = std::string(info->test_suite_name()) + "." + info->name();
            if (info->type_param() != nullptr) {
                test_name_ += std::string(" [") + info->type_param() + "]";
            }
        }
        thread_ = std::thread([this] { run(); });
    }

    watchdog(const watchdog&) = delete;
    watchdog& operator=(const watchdog&) = delete;

    ~watchdog() {
        {
            std::lock_guard<std::mutex> lock(mutex_);
            done_ = true;
        }
        cv_.notify_all();
        thread_.join();
    }

  private:
    void run() {
        std::unique_lock<std::mutex> lock(mutex_);
        if (cv_.wait_for(lock, limit_, [this] { return done_; })) {
            return;
        }
        std::fprintf(stderr,
                     "\n[watchdog] FAILED: %s did not finish within %lld ms: %s never returned "
                     "(lost wake-up or deadlock). Ending the test process.\n",
                     test_name_.empty() ? "the test" : test_name_.c_str(),
                     static_cast<long long>(limit_.count()), what_.c_str());
        std::fflush(stderr);
        std::fflush(stdout);
        std::_Exit(EXIT_FAILURE);
    }

    std::string what_;
    std::string test_name_;
    std::chrono::milliseconds limit_;
    std::mutex mutex_;
    std::condition_variable cv_;
    bool done_ = false;
    std::thread thread_;
};

}  // namespace courier_test
