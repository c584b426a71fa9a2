// Clocks other than steady_clock and system_clock, for the deadline overloads.
#pragma once

#include <chrono>
#include <ratio>

namespace courier_test {

/// A non-steady clock with its own epoch (steady_clock's plus 1000 hours) and a millisecond tick
/// stored as long long. Advances at the speed of steady_clock.
struct offset_clock {
    using rep = long long;
    using period = std::milli;
    using duration = std::chrono::duration<rep, period>;
    using time_point = std::chrono::time_point<offset_clock>;
    static constexpr bool is_steady = false;

    static time_point now() noexcept {
        const auto since = std::chrono::steady_clock::now().time_since_epoch();
        return time_point(std::chrono::duration_cast<duration>(since) + std::chrono::hours(1000));
    }
};

/// A clock that counts seconds in a double. Advances at the speed of steady_clock.
struct float_clock {
    using rep = double;
    using period = std::ratio<1>;
    using duration = std::chrono::duration<rep, period>;
    using time_point = std::chrono::time_point<float_clock>;
    static constexpr bool is_steady = true;

    static time_point now() noexcept {
        return time_point(duration(std::chrono::steady_clock::now().time_since_epoch()));
    }
};

}  // namespace courier_test
