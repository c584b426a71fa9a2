// Test sizes: one knob for every stress and round count in the suite.
//
// COURIER_TEST_STRESS (an integer >= 1, default 1) multiplies the CI sizes written in the tests.
// Under ThreadSanitizer or AddressSanitizer the sizes are divided by sanitizer_divisor, and
// time limits that guard against hangs are multiplied by time_scale(), so that a sanitized run of
// the whole suite stays within a few minutes on two cores.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdlib>

#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
#define COURIER_TEST_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer) || __has_feature(address_sanitizer)
#define COURIER_TEST_SANITIZED 1
#endif
#endif
#ifndef COURIER_TEST_SANITIZED
#define COURIER_TEST_SANITIZED 0
#endif

namespace courier_test {

/// True when the tests run under ThreadSanitizer or AddressSanitizer.
inline constexpr bool sanitized = COURIER_TEST_SANITIZED != 0;

/// How much smaller stress sizes are under a sanitizer.
inline constexpr std::size_t sanitizer_divisor = sanitized ? 4 : 1;

/// The value of COURIER_TEST_STRESS, or 1 when it is unset or not a positive integer.
inline std::size_t stress_factor() {
    static const std::size_t factor = [] {
        const char* text = std::getenv("COURIER_TEST_STRESS");
        if (text == nullptr || *text == '\0') {
            return std::size_t{1};
        }
        char* end = nullptr;
        const unsigned long long parsed = std::strtoull(text, &end, 10);
        if (end == text || *end != '\0' || parsed == 0) {
            return std::size_t{1};
        }
        return static_cast<std::size_t>(parsed);
    }();
    return factor;
}

/// A CI size scaled by the stress factor and reduced under sanitizers; never less than 1.
inline std::size_t scaled(std::size_t ci_size) {
    return std::max<std::size_t>(1, ci_size * stress_factor() / sanitizer_divisor);
}

/// Multiplier for time limits that only guard against hangs (never for timing assertions).
inline std::size_t time_scale() {
    return (sanitized ? 4 : 1) * stress_factor();
}

}  // namespace courier_test
