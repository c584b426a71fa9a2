// Size and time knobs shared by the reliability tier.
//
// COURIER_TEST_STRESS (an integer >= 1, default 1) multiplies every CI size. Under a sanitizer or
// without optimization the sizes shrink by sanitizer_divisor so that those tiers stay within
// minutes on two cores; a plain optimized (Release) build runs the full CI size.
// COURIER_STRESS_WATCHDOG_S overrides the 30 s without progress after which a run is declared hung.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
#define COURIER_RELIABILITY_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer) || __has_feature(address_sanitizer)
#define COURIER_RELIABILITY_SANITIZED 1
#endif
#endif
#ifndef COURIER_RELIABILITY_SANITIZED
#define COURIER_RELIABILITY_SANITIZED 0
#endif

#if defined(__SANITIZE_THREAD__)
#define COURIER_RELIABILITY_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define COURIER_RELIABILITY_TSAN 1
#endif
#endif
#ifndef COURIER_RELIABILITY_TSAN
#define COURIER_RELIABILITY_TSAN 0
#endif

namespace courier_reliability {

/// True under ThreadSanitizer or AddressSanitizer.
inline constexpr bool sanitized = COURIER_RELIABILITY_SANITIZED != 0;

#if defined(__OPTIMIZE__)
inline constexpr bool optimized = true;
#else
inline constexpr bool optimized = false;
#endif

/// How much smaller the sizes are in this build: ThreadSanitizer is the slowest, then
/// AddressSanitizer, then an unoptimized (Debug) build. Plain optimized builds run the CI size.
inline constexpr std::size_t sanitizer_divisor =
    COURIER_RELIABILITY_TSAN != 0 ? 200 : (sanitized ? 50 : (optimized ? 1 : 10));

/// Parses a positive integer from the environment; `fallback` when unset or malformed.
inline std::uint64_t env_positive(const char* name, std::uint64_t fallback) {
    const char* text = std::getenv(name);
    if (text == nullptr || *text == '\0') {
        return fallback;
    }
    char* end = nullptr;
    const unsigned long long parsed = std::strtoull(text, &end, 10);
    if (end == text || *end != '\0' || parsed == 0) {
        return fallback;
    }
    return parsed;
}

/// The value of COURIER_TEST_STRESS, or 1.
inline std::uint64_t stress_factor() {
    static const std::uint64_t factor = env_positive("COURIER_TEST_STRESS", 1);
    return factor;
}

/// A CI size scaled by the stress factor and reduced under sanitizers; never less than `floor`.
inline std::uint64_t scaled(std::uint64_t ci_size, std::uint64_t floor = 1) {
    return std::max<std::uint64_t>(floor, ci_size * stress_factor() / sanitizer_divisor);
}

/// Seconds without progress after which a run counts as hung.
inline std::uint64_t watchdog_seconds() {
    static const std::uint64_t s = env_positive("COURIER_STRESS_WATCHDOG_S", 30);
    return s;
}

}  // namespace courier_reliability
