// Timer receivers for use in select (and on their own): after, tick, never.
//
// clang-format off
//   courier::after(50ms)  delivers one steady_clock::time_point no earlier than 50 ms from the call,
//                         then stays empty (it never disconnects);
//   courier::tick(10ms)   delivers the time of each period (missed periods are dropped);
//   courier::never<T>()   is never ready.
// clang-format on
// All three are ordinary courier::mpmc::receiver objects: copies share the timer, and each delivery
// goes to exactly one receiver.
#pragma once

#include <utility>

#include "courier/detail/channel.hpp"
#include "courier/detail/chrono.hpp"
#include "courier/detail/config.hpp"
#include "courier/detail/flavors/timer.hpp"
#include "courier/detail/handle.hpp"
#include "courier/detail/time.hpp"
#include "courier/mpmc.hpp"

namespace courier {

namespace detail {

struct timer_factory {
    template <class T, class... Args>
    static mpmc::receiver<T> make(Args&&... args) {
        chan<T>* c = chan<T>::make_timer(static_cast<Args&&>(args)...);
        return access::adopt<mpmc::receiver<T>>(c);
    }
};

}  // namespace detail

/// A receiver that delivers the current time once, no earlier than `d` from now.
template <class Rep, class Period>
mpmc::receiver<std::chrono::steady_clock::time_point> after(std::chrono::duration<Rep, Period> d) {
    using tp = std::chrono::steady_clock::time_point;
    const auto at = detail::deadline_after(d);
    if (at == detail::no_deadline) {
        return detail::timer_factory::make<tp>(typename detail::timer_flavor<tp>::never_tag{});
    }
    return detail::timer_factory::make<tp>(at, detail::clock::duration::zero());
}

/// A receiver that delivers the time of each period of length `d`, the first one `d` from now.
/// A non-positive period delivers as fast as it is received.
template <class Rep, class Period>
mpmc::receiver<std::chrono::steady_clock::time_point> tick(std::chrono::duration<Rep, Period> d) {
    using tp = std::chrono::steady_clock::time_point;
    auto period = detail::timer_duration(d);
    if (period <= detail::clock::duration::zero()) {
        period = detail::clock::duration(1);
    }
    return detail::timer_factory::make<tp>(detail::clock::now() + period, period);
}

/// A receiver that never delivers and never disconnects.
template <class T>
mpmc::receiver<T> never() {
    return detail::timer_factory::make<T>(typename detail::timer_flavor<T>::never_tag{});
}

}  // namespace courier
