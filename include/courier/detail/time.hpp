// Time for the engine: the clock every wait uses, the "forever" bound, and the deadline of one
// blocking operation (converted from any duration or any clock's time point), which also says
// whether the operation gives up on a stop request (a std::stop_token).
//
// Waiting always uses the steady clock. A deadline given on another clock is re-checked on that
// clock when the steady deadline fires (see `deadline`). Durations of a century or more, and
// time points as far away, mean "no deadline": that bound is `forever`, written once here.
#pragma once

#include <stop_token>
#include <type_traits>

#include "courier/detail/chrono.hpp"
#include "courier/detail/config.hpp"
#include "courier/detail/status.hpp"
#include "courier/detail/sync.hpp"

namespace courier::detail {

class stop_guard;  // wait/stop.hpp
class waiter;      // wait/waiter.hpp

using clock = std::chrono::steady_clock;
/// A steady_clock time to wait until; no_deadline (the clock's last time point) waits forever.
/// A plain time point rather than an optional one: every wait tests it, and it keeps
/// std::optional's member functions out of the code a blocking operation instantiates.
using deadline_t = clock::time_point;
inline constexpr deadline_t no_deadline = deadline_t::max();

/// Any wait at least this long is a wait without deadline (a century; durations::max() included).
inline constexpr std::chrono::duration<double> forever = std::chrono::hours(24 * 365 * 100);

/// A relative timeout as a steady_clock deadline. Zero or negative: now (try once). Durations too
/// large to represent (duration::max(), hours::max(), ...) saturate to "no deadline" instead of
/// overflowing; anything beyond a century is treated as forever.
template <class Rep, class Period>
deadline_t deadline_after(std::chrono::duration<Rep, Period> d) {
    using namespace std::chrono;
    const auto now = clock::now();
    if (d <= d.zero()) {
        return now;
    }
    // Compare in floating point so that no integer conversion can overflow.
    if (duration<double>(d) >= forever) {
        return no_deadline;
    }
    // Round up: a timed operation must never give up before the full duration has elapsed.
    return now + ceil<clock::duration>(d);
}

/// A deadline on any clock as a steady_clock deadline: the remaining time, measured on the
/// caller's clock now, from the steady clock's now. Callers re-check the original clock after a
/// timeout (clocks other than steady_clock may be adjusted while waiting).
template <class Clock, class Duration>
deadline_t deadline_at(std::chrono::time_point<Clock, Duration> tp) {
    using namespace std::chrono;
    const auto now = Clock::now();
    // In floating point first: time_point::max() of a coarse duration (hours) would overflow any
    // conversion to the common integer duration.
    const duration<double> remaining =
        duration<double>(tp.time_since_epoch()) - duration<double>(now.time_since_epoch());
    if (remaining <= duration<double>::zero()) {
        return clock::now();
    }
    if (remaining >= forever) {
        return no_deadline;
    }
    return deadline_after(tp - now);
}

/// When a blocking operation gives up. Waiting itself always uses the steady clock; a deadline
/// given on another clock (system_clock may be adjusted while we wait) is re-checked on that clock
/// when the steady deadline fires, and the wait goes on if it has not really passed yet.
class deadline {
  public:
    /// No deadline: wait forever.
    COURIER_TRIVIAL static deadline never() noexcept { return deadline{}; }

    template <class Rep, class Period>
    static deadline after(std::chrono::duration<Rep, Period> d) {
        deadline r;
        r.steady_ = deadline_after(d);
        return r;
    }

    /// `tp` must outlive the deadline object (it is the caller's argument).
    template <class Clock, class Duration>
    static deadline at(const std::chrono::time_point<Clock, Duration>& tp) {
        deadline r;
        r.steady_ = deadline_at(tp);
        if constexpr (!std::is_same_v<Clock, clock>) {
            r.user_ = &tp;
            r.refresh_ = [](const void* p, deadline_t& steady) {
                const auto& t = *static_cast<const std::chrono::time_point<Clock, Duration>*>(p);
                // In floating point: comparing time points converts both to the common duration,
                // which overflows for the extremes of a coarse one (time_point<C, hours>::min()).
                const std::chrono::duration<double> now(Clock::now().time_since_epoch());
                if (now >= std::chrono::duration<double>(t.time_since_epoch())) {
                    return true;
                }
                steady = deadline_at(t);
                return false;
            };
        }
        return r;
    }

    /// This deadline, also giving up once a stop is requested on `st`, which must outlive the
    /// result (it is the caller's argument). A token that can never be stopped changes nothing.
    /// (A template, so that stop_guard, which includes this header, is complete where it is used.)
    template <class Guard = stop_guard>
    deadline with_stop(const std::stop_token& st) && noexcept {
        if (st.stop_possible()) {
            stop_ = &st;
            watch_ = &Guard::template watch_stopped<>;
        }
        return *this;
    }

    /// True once the deadline has passed (on the clock it was given on), or a stop was requested.
    bool expired() {
        if (stop_requested()) {
            return true;
        }
        if (steady_ == no_deadline || clock::now() < steady_) {
            return false;
        }
        return refresh_ == nullptr || refresh_(user_, steady_);
    }

    /// What an operation that gives up reports: `stopped` if a stop was requested, else `timeout`.
    op_status expiry() const noexcept {
        return stop_requested() ? op_status::stopped : op_status::timeout;
    }

    COURIER_TRIVIAL const deadline_t& steady() const noexcept { return steady_; }
    /// The stop token to watch while waiting, or nullptr.
    COURIER_TRIVIAL const std::stop_token* stop_token() const noexcept { return stop_; }
    /// How a wait watches stop_token() (stop_guard::watch_stopped), or nullptr without one.
    using stop_watch_fn = void (*)(stop_guard&, const std::stop_token&, waiter&) noexcept;
    COURIER_TRIVIAL stop_watch_fn stop_watch() const noexcept { return watch_; }

  private:
    deadline() = default;

    bool stop_requested() const noexcept {
        return stop_ != nullptr && sync::stop_requested(*stop_);
    }

    deadline_t steady_ = no_deadline;
    const void* user_ = nullptr;
    bool (*refresh_)(const void*, deadline_t&) = nullptr;
    const std::stop_token* stop_ = nullptr;
    stop_watch_fn watch_ = nullptr;
};

/// A timer period as a steady_clock duration: zero or negative stays zero, anything from
/// `forever` on is capped at `forever`, and the rest is rounded up (never shorter than asked).
template <class Rep, class Period>
clock::duration timer_duration(std::chrono::duration<Rep, Period> d) {
    using namespace std::chrono;
    if (d <= d.zero()) {
        return clock::duration::zero();
    }
    // In floating point, so that the conversion of hours::max() cannot overflow.
    if (duration<double>(d) >= forever) {
        return duration_cast<clock::duration>(forever);
    }
    return ceil<clock::duration>(d);
}

}  // namespace courier::detail
