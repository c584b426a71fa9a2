// CPU time consumed by a thread, for checking that a blocked thread sleeps instead of spinning.
#pragma once

#include <pthread.h>
#include <time.h>

#include <chrono>
#include <stdexcept>

namespace courier_test {

namespace detail {

inline std::chrono::nanoseconds read_clock(clockid_t id) {
    timespec ts{};
    if (clock_gettime(id, &ts) != 0) {
        throw std::runtime_error("clock_gettime failed for a thread CPU clock");
    }
    return std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec);
}

}  // namespace detail

/// CPU time the calling thread has used so far (CLOCK_THREAD_CPUTIME_ID).
inline std::chrono::nanoseconds thread_cpu_time() {
    return detail::read_clock(CLOCK_THREAD_CPUTIME_ID);
}

/// CPU time the given running thread has used so far (pthread_getcpuclockid).
inline std::chrono::nanoseconds thread_cpu_time(pthread_t thread) {
    clockid_t id{};
    if (pthread_getcpuclockid(thread, &id) != 0) {
        throw std::runtime_error("pthread_getcpuclockid failed");
    }
    return detail::read_clock(id);
}

}  // namespace courier_test
