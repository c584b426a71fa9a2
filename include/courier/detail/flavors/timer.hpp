// timer flavor: the receive-only channels behind courier::after, courier::tick and courier::never.
//
// A timer channel has no senders and never disconnects. Its state is one atomic: the steady-clock
// time (in clock ticks) of the next delivery.
//   never: next delivery = never (no message, ever);
//   at:    next delivery = the instant; delivering sets it to never (one message, then empty);
//   tick:  next delivery = the next period's instant; delivering advances it by one period (by
//          more when receivers fell behind: missed ticks are dropped, as Go's ticker does).
// Delivery is a CAS on that word, so with several receivers each tick goes to exactly one.
// Waiting is a plain timed sleep: nothing ever wakes a timer's receiver early except its clock.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <type_traits>
#include <utility>

#include "courier/detail/batch.hpp"
#include "courier/detail/chrono.hpp"
#include "courier/detail/config.hpp"
#include "courier/detail/status.hpp"
#include "courier/detail/sync.hpp"
#include "courier/detail/time.hpp"
#include "courier/detail/wait/stop.hpp"
#include "courier/detail/wait/thread_waiter.hpp"
#include "courier/detail/wait/waker.hpp"

namespace courier::detail {

template <class T>
class timer_flavor {
  public:
    using rep = clock::duration::rep;
    static constexpr rep never_rep = std::numeric_limits<rep>::max();

    /// The delivered time, when a receive has claimed one.
    struct token {
        clock::time_point when{};
        COURIER_TRIVIAL bool disconnected() const noexcept { return false; }
    };
    struct select_state {
        token t;
    };

    struct never_tag {};

    COURIER_TRIVIAL explicit timer_flavor(never_tag) noexcept : next_(never_rep), period_(0) {}
    timer_flavor(clock::time_point first, clock::duration period) noexcept
        : next_(first.time_since_epoch().count()), period_(period.count()) {}

    timer_flavor(const timer_flavor&) = delete;
    timer_flavor& operator=(const timer_flavor&) = delete;

    /// Claims the delivery that is due now, if any.
    bool start_recv(token& t) noexcept {
        rep next = next_.load(std::memory_order_acquire);
        for (;;) {
            if (next == never_rep) {
                return false;
            }
            const rep now = clock::now().time_since_epoch().count();
            if (now < next) {
                return false;
            }
            rep after = never_rep;
            if (period_ > 0) {
                after = next + period_;
                if (after <= now) {
                    after = now + period_;  // receivers fell behind: drop the missed ticks
                }
            }
            // acq_rel: exactly one receiver claims each delivery.
            if (next_.compare_exchange_weak(next, after, std::memory_order_acq_rel,
                                            std::memory_order_acquire)) {
                t.when = clock::time_point(clock::duration(next));
                return true;
            }
        }
    }

    /// A timer channel has no senders: every send fails as on a disconnected channel.
    COURIER_TRIVIAL op_status send(T&, deadline&) noexcept { return op_status::disconnected; }
    COURIER_TRIVIAL op_status try_send(T&) noexcept { return op_status::disconnected; }

    template <class Make>
    auto read(token& t, Make&& make) -> decltype(static_cast<Make&&>(make)(std::declval<T&&>())) {
        if constexpr (std::is_constructible_v<T, clock::time_point>) {
            return static_cast<Make&&>(make)(T(t.when));
        } else {
            // Only never<T>() uses this flavor with another T, and it never delivers.
            std::terminate();
        }
    }

    /// The next delivery time, or no_deadline for never.
    deadline_t next_delivery() const noexcept {
        const rep next = next_.load(std::memory_order_acquire);
        if (next == never_rep) {
            return no_deadline;
        }
        return clock::time_point(clock::duration(next));
    }

    template <class Make, class Fail>
    auto recv(deadline& dl, Make&& make, Fail&& fail)
        -> decltype(static_cast<Make&&>(make)(std::declval<T&&>())) {
        for (;;) {
            token t;
            if (start_recv(t)) {
                return read(t, static_cast<Make&&>(make));
            }
            if (dl.expired()) {
                return static_cast<Fail&&>(fail)(dl.expiry());
            }
            // Sleep until the next delivery or the deadline, whichever comes first (neither: until
            // a stop request, if any); a stop request cuts the sleep short.
            deadline_t wake = next_delivery();
            if (const deadline_t limit = dl.steady(); limit < wake) {
                wake = limit;
            }
            blocking_waiter w;
            stop_guard stop(dl, w);
            w.wait_until(wake);
        }
    }

    /// A batch receive: one try_recv per message (batch.hpp).
    template <class Sink>
    std::size_t try_recv_many(Sink& sink, std::size_t max, op_status& st, bool = false) {
        return recv_each<T>(*this, sink, max, st);
    }

    template <class Make, class Fail>
    auto try_recv(Make&& make, Fail&& fail)
        -> decltype(static_cast<Make&&>(make)(std::declval<T&&>())) {
        token t;
        if (start_recv(t)) {
            return read(t, static_cast<Make&&>(make));
        }
        return static_cast<Fail&&>(fail)(op_status::empty);
    }

    COURIER_TRIVIAL bool disconnect() noexcept { return false; }
    COURIER_TRIVIAL bool disconnect_receivers() noexcept { return false; }
    COURIER_TRIVIAL bool is_disconnected() const noexcept { return false; }

    COURIER_TRIVIAL std::size_t len() const noexcept { return is_empty() ? 0 : 1; }
    bool is_empty() const noexcept {
        const rep next = next_.load(std::memory_order_acquire);
        return next == never_rep || clock::now().time_since_epoch().count() < next;
    }
    COURIER_TRIVIAL bool is_full() const noexcept { return !is_empty(); }
    std::optional<std::size_t> capacity() const noexcept {
        return std::size_t{period_ == 0 && next_delivery() == no_deadline ? 0u : 1u};
    }

    // ---- select verbs (select_ops.hpp) ------------------------------------------------------
    // Nothing ever wakes a timer's waiters: a select that waits on a timer sleeps until
    // next_due() at the latest and tries again. The send side is always ready (disconnected).

    COURIER_TRIVIAL op_status select_try(send_side, select_state&) noexcept {
        return op_status::disconnected;
    }
    op_status select_try(recv_side, select_state& s) noexcept {
        return start_recv(s.t) ? op_status::ok : op_status::empty;
    }
    template <class Side>
    bool select_register(Side side, select_state&, waiter_entry&, T*) noexcept {
        return ready(side);
    }
    template <class Side>
    COURIER_TRIVIAL void select_unregister(Side, waiter_entry&) noexcept {}
    template <class Side>
    op_status select_accept(Side side, select_state& s) noexcept {
        return select_try(side, s);
    }
    template <class Side>
    void select_abandon(Side, select_state&) noexcept {}  // never selected by a partner
    bool ready(send_side) const noexcept { return true; }
    COURIER_TRIVIAL bool ready(recv_side) const noexcept { return !is_empty(); }
    template <class Side>
    bool select_watch(Side side, waiter_entry&) noexcept {
        return ready(side);
    }
    op_status select_complete(send_side, select_state&, T&) noexcept {
        return op_status::disconnected;
    }
    template <class Make>
    auto select_complete(recv_side, select_state& s, Make&& make)
        -> decltype(static_cast<Make&&>(make)(std::declval<T&&>())) {
        return read(s.t, static_cast<Make&&>(make));
    }

    /// When the next delivery is due (select sleeps no longer than that).
    COURIER_TRIVIAL deadline_t next_due() const noexcept { return next_delivery(); }

  private:
    sync::atomic<rep> next_;
    rep period_;
};

}  // namespace courier::detail
