// select: wait on several channel operations at once and complete exactly one of them.
//
// clang-format off
//   std::size_t fired = courier::select(
//       courier::on_recv(rx1, [&](courier::expected<int, courier::recv_error> m) { ... }),
//       courier::on_send(tx, value, [&](courier::expected<void, courier::send_error<V>> r) { ... }),
//       courier::on_stop(st, [&] { ... }),          // ready once st.stop_requested()
//       courier::on_timeout(50ms, [&] { ... }));  // or on_deadline(tp, f), or on_default(f)
// clang-format on
// (A complete program: examples/select_timeout.cpp.)
//
// Works with the receivers and senders of courier::channel, courier::sync_channel and
// courier::mpmc, and with the timer receivers (after, tick, never), in any mix of element types. An
// operation on a disconnected channel is ready (its handler gets the error); when several are
// ready, one is chosen uniformly at random. Waiting registers with every channel and parks once (no
// polling).
//
// courier::selector is the same for a list of operations known only at run time.
#pragma once

#include <cstddef>
#include <cstdio>
#include <exception>
#include <optional>
#include <stdexcept>
#include <stop_token>
#include <tuple>
#include <type_traits>
#include <utility>

#include "courier/detail/channel.hpp"
#include "courier/detail/chrono.hpp"
#include "courier/detail/config.hpp"
#include "courier/detail/handle.hpp"
#include "courier/detail/memory.hpp"
#include "courier/detail/select_ops.hpp"
#include "courier/detail/status.hpp"
#include "courier/detail/time.hpp"
#include "courier/error.hpp"
#include "courier/expected.hpp"
#include "courier/mpmc.hpp"
#include "courier/mpsc.hpp"

namespace courier {

namespace detail {

template <class H>
using handle_value_t =
    typename std::remove_pointer_t<decltype(access::chan_of(std::declval<const H&>()))>::value_type;

template <class H>
concept receiver_handle = std::is_same_v<H, receiver<handle_value_t<H>>> ||
    std::is_same_v<H, mpmc::receiver<handle_value_t<H>>>;

template <class H>
concept sender_handle = std::is_same_v<H, sender<handle_value_t<H>>> ||
    std::is_same_v<H, sync_sender<handle_value_t<H>>> ||
    std::is_same_v<H, mpmc::sender<handle_value_t<H>>>;

// ---- the arms of select(...) ------------------------------------------------------------------

template <class T, class F>
struct recv_arm {
    recv_op<T> op;
    F handler;

    COURIER_TRIVIAL recv_arm(chan<T>* c, F&& f) : op(c), handler(COURIER_MOVE(f)) {}
    // Moved only before it is used (into async_select's awaiter): a fresh operation on the channel.
    COURIER_TRIVIAL recv_arm(recv_arm&& other)
        : op(other.op.channel()), handler(COURIER_MOVE(other.handler)) {}

    bool fire() {
        using result = expected<T, recv_error>;
        handler(
            after_resuming(op.complete([](T&& v) { return result(std::in_place, COURIER_MOVE(v)); },
                                       [](op_status) { return result(unexpect, recv_error{}); })));
        return true;
    }
};

template <class T, class F>
struct send_arm {
    T value;
    F handler;
    send_op<T> op;

    send_arm(chan<T>* c, T&& v, F&& f)
        : value(COURIER_MOVE(v)), handler(COURIER_MOVE(f)), op(c, std::addressof(value)) {}
    send_arm(send_arm&& other)
        : value(COURIER_MOVE(other.value)),
          handler(COURIER_MOVE(other.handler)),
          op(other.op.channel(), std::addressof(value)) {}

    bool fire() {
        const op_status s = op.complete(value);
        resume_queued();  // the coroutines this select woke run before the handler
        if (s == op_status::full) {
            return false;  // a rendezvous receiver's move threw: the message is ours, select again
        }
        if (s == op_status::ok) {
            handler(expected<void, send_error<T>>());
        } else {
            handler(expected<void, send_error<T>>(unexpect, send_error<T>{COURIER_MOVE(value)}));
        }
        return true;
    }
};

template <class F>
struct stop_arm {
    stop_op op;
    F handler;

    COURIER_TRIVIAL stop_arm(std::stop_token st, F&& f)
        : op(COURIER_MOVE(st)), handler(COURIER_MOVE(f)) {}
    COURIER_TRIVIAL stop_arm(stop_arm&& other)
        : op(other.op.token()), handler(COURIER_MOVE(other.handler)) {}

    bool fire() {
        handler();
        return true;
    }
};

template <class F>
struct timeout_arm {
    deadline dl;
    F handler;
};

template <class Clock, class Duration, class F>
struct deadline_arm {
    std::chrono::time_point<Clock, Duration> tp;
    F handler;
};

template <class F>
struct default_arm {
    F handler;
};

template <class A>
struct is_op_arm : std::false_type {};
template <class T, class F>
struct is_op_arm<recv_arm<T, F>> : std::true_type {};
template <class T, class F>
struct is_op_arm<send_arm<T, F>> : std::true_type {};
template <class F>
struct is_op_arm<stop_arm<F>> : std::true_type {};

template <class A>
struct is_default_arm : std::false_type {};
template <class F>
struct is_default_arm<default_arm<F>> : std::true_type {};

template <class A>
struct is_wait_arm : std::false_type {};
template <class F>
struct is_wait_arm<timeout_arm<F>> : std::true_type {};
template <class C, class D, class F>
struct is_wait_arm<deadline_arm<C, D, F>> : std::true_type {};
template <class F>
struct is_wait_arm<default_arm<F>> : std::true_type {};

}  // namespace detail

/// A receive arm: `handler(expected<T, recv_error>)` runs if this arm fires.
template <class Rx, class F>
requires detail::receiver_handle<std::remove_cvref_t<Rx>>
auto on_recv(const Rx& rx, F&& handler) {
    using T = detail::handle_value_t<std::remove_cvref_t<Rx>>;
    return detail::recv_arm<T, std::decay_t<F>>(detail::access::chan_of(rx),
                                                std::decay_t<F>(static_cast<F&&>(handler)));
}

/// A send arm: sends `value`; `handler(expected<void, send_error<T>>)` runs if this arm fires (a
/// failed send hands the value back in the error). If another arm fires, the value is destroyed
/// with the arm.
template <class Tx, class V, class F>
requires detail::sender_handle<std::remove_cvref_t<Tx>>
auto on_send(const Tx& tx, V&& value, F&& handler) {
    using T = detail::handle_value_t<std::remove_cvref_t<Tx>>;
    return detail::send_arm<T, std::decay_t<F>>(detail::access::chan_of(tx),
                                                T(static_cast<V&&>(value)),
                                                std::decay_t<F>(static_cast<F&&>(handler)));
}

/// An arm that is ready once a stop is requested on `st` (a std::jthread's token, say); then it
/// competes with the other ready arms like any operation, and `handler()` runs if it fires. A
/// stop request wakes a waiting select at once. on_default fires only when no arm, this one
/// included, is ready.
template <class F>
auto on_stop(std::stop_token st, F&& handler) {
    return detail::stop_arm<std::decay_t<F>>(COURIER_MOVE(st),
                                             std::decay_t<F>(static_cast<F&&>(handler)));
}

/// Fires `handler()` if no operation completes within `d` (measured from the select call).
template <class Rep, class Period, class F>
auto on_timeout(std::chrono::duration<Rep, Period> d, F&& handler) {
    return detail::timeout_arm<std::decay_t<F>>{detail::deadline::after(d),
                                                static_cast<F&&>(handler)};
}

/// Fires `handler()` if no operation completes before `tp` (any clock).
template <class Clock, class Duration, class F>
auto on_deadline(std::chrono::time_point<Clock, Duration> tp, F&& handler) {
    return detail::deadline_arm<Clock, Duration, std::decay_t<F>>{tp, static_cast<F&&>(handler)};
}

/// Fires `handler()` at once if no operation is ready: select never blocks.
template <class F>
auto on_default(F&& handler) {
    return detail::default_arm<std::decay_t<F>>{static_cast<F&&>(handler)};
}

/// Blocks until exactly one arm's operation completes (or its timeout/deadline/default arm
/// applies), runs only that arm's handler, and returns the arm's zero-based index. When several
/// operations are ready, one is chosen uniformly at random. A completed receive's matching send
/// happens-before its handler runs.
template <class... Arms>
std::size_t select(Arms&&... arms) {
    static_assert(sizeof...(Arms) > 0, "courier::select needs at least one arm");
    constexpr std::size_t n_wait =
        (std::size_t{detail::is_wait_arm<std::decay_t<Arms>>::value} + ... + 0);
    static_assert(n_wait <= 1,
                  "courier::select takes at most one of on_timeout, on_deadline, on_default");
    static_assert(((detail::is_wait_arm<std::decay_t<Arms>>::value ||
                    detail::is_op_arm<std::decay_t<Arms>>::value) &&
                   ...),
                  "courier::select arms are made with on_recv, on_send, on_stop, on_timeout, "
                  "on_deadline and on_default");
    constexpr std::size_t n_ops = sizeof...(Arms) - n_wait;

    auto all = std::forward_as_tuple(arms...);
    detail::select_op* ops[n_ops == 0 ? 1 : n_ops] = {};
    std::size_t arm_of[n_ops == 0 ? 1 : n_ops] = {};  // op index -> arm index
    std::size_t order[n_ops == 0 ? 1 : n_ops] = {};
    std::size_t wait_index = sizeof...(Arms);
    detail::deadline dl = detail::deadline::never();
    bool nonblocking = false;
    {
        std::size_t k = 0;
        std::size_t i = 0;
        auto collect = [&](auto& arm) {
            using A = std::decay_t<decltype(arm)>;
            if constexpr (detail::is_op_arm<A>::value) {
                ops[k] = &arm.op;
                arm_of[k] = i;
                ++k;
            } else {
                wait_index = i;
                if constexpr (std::is_same_v<A, detail::default_arm<decltype(arm.handler)>>) {
                    nonblocking = true;
                } else if constexpr (requires { arm.tp; }) {
                    dl = detail::deadline::at(arm.tp);
                } else {
                    dl = arm.dl;
                }
            }
            ++i;
        };
        std::apply([&](auto&... a) { (collect(a), ...); }, all);
    }

    for (;;) {
        const auto picked = detail::run_select(ops, order, n_ops, dl, nonblocking);
        std::size_t fired = wait_index;
        if (picked) {
            fired = arm_of[*picked];
        }
        bool done = true;
        std::size_t i = 0;
        auto run = [&](auto& arm) {
            if (i++ != fired) {
                return;
            }
            using A = std::decay_t<decltype(arm)>;
            if constexpr (detail::is_op_arm<A>::value) {
                done = arm.fire();
            } else {
                arm.handler();
            }
        };
        std::apply([&](auto&... a) { (run(a), ...); }, all);
        if (done) {
            return fired;
        }
    }
}

// ---- the dynamic selector ---------------------------------------------------------------------

// selector and selected_operation are the one instantiation of a class template each (the
// template parameter is unused): a class template's member functions are compiled only in the
// programs that call them, where an ordinary class's would be compiled, with all they call,
// in every file that includes this header.
template <class = void>
class basic_selector;
using selector = basic_selector<>;
template <class>
class basic_selected_operation;
using selected_operation = basic_selected_operation<void>;

/// The operation a selector chose, reserved and waiting to be completed with recv() or send() on
/// the handle it was registered for. It must be completed: destroying it uncompleted terminates
/// the program (the reservation would otherwise block the channel).
/// Thread safety: not to be shared between threads.
template <class>
class basic_selected_operation {
  public:
    basic_selected_operation(basic_selected_operation&& other) noexcept
        : sel_(other.sel_), index_(other.index_) {
        other.sel_ = nullptr;
    }
    basic_selected_operation& operator=(basic_selected_operation&&) = delete;
    basic_selected_operation(const basic_selected_operation&) = delete;
    basic_selected_operation& operator=(const basic_selected_operation&) = delete;
    ~basic_selected_operation() {
        if (sel_ != nullptr) {
            std::fputs("courier: a selected operation was destroyed without being completed\n",
                       stderr);
            std::terminate();
        }
    }

    /// The index the selector returned when this operation was added.
    COURIER_TRIVIAL std::size_t index() const noexcept { return index_; }

    /// Completes a selected receive on `rx` (the handle it was registered for). Throws
    /// std::invalid_argument if `rx` is not that handle's channel or the operation is a send.
    template <class Rx>
    requires detail::receiver_handle<Rx> expected<detail::handle_value_t<Rx>, recv_error> recv(
        const Rx& rx);

    /// Completes a selected send on `tx` with `value`. Throws std::invalid_argument if `tx` is not
    /// the registered handle's channel or the operation is a receive.
    template <class Tx, class V>
    requires detail::sender_handle<Tx> expected<void, send_error<detail::handle_value_t<Tx>>> send(
        const Tx& tx, V&& value);

  private:
    template <class>
    friend class basic_selector;
    COURIER_TRIVIAL basic_selected_operation(selector* s, std::size_t i) noexcept
        : sel_(s), index_(i) {}

    selector* sel_;
    std::size_t index_;
};

/// A run-time list of operations to select over. The handles must outlive the selector.
/// Thread safety: a selector is used by one thread at a time.
template <class>
class basic_selector {
  public:
    basic_selector() = default;
    basic_selector(const basic_selector&) = delete;
    basic_selector& operator=(const basic_selector&) = delete;
    basic_selector(basic_selector&&) noexcept = default;
    basic_selector& operator=(basic_selector&& o) noexcept {
        basic_selector gone(COURIER_MOVE(*this));
        ops_ = COURIER_MOVE(o.ops_);
        is_send_ = COURIER_MOVE(o.is_send_);
        order_ = COURIER_MOVE(o.order_);
        return *this;
    }
    ~basic_selector() {
        for (std::size_t i = 0; i < ops_.size(); ++i) {
            delete ops_[i];
        }
    }

    /// Adds a receive on `rx`; returns the operation's index.
    template <class Rx>
    requires detail::receiver_handle<Rx> std::size_t recv(const Rx& rx) {
        using T = detail::handle_value_t<Rx>;
        return add(detail::make_owner<detail::recv_op<T>>(detail::access::chan_of(rx)), false);
    }

    /// Adds a send on `tx` (the message is given when the operation is completed); returns the
    /// operation's index.
    template <class Tx>
    requires detail::sender_handle<Tx> std::size_t send(const Tx& tx) {
        using T = detail::handle_value_t<Tx>;
        return add(detail::make_owner<detail::send_op<T>>(detail::access::chan_of(tx)), true);
    }

    /// Blocks until one operation can proceed, reserves it and returns it for completion.
    selected_operation select() {
        detail::deadline dl = detail::deadline::never();
        return selected_operation(this, *pick(dl, false));
    }

    /// Like select(), but never blocks: empty when no operation is ready now.
    std::optional<selected_operation> try_select() {
        detail::deadline dl = detail::deadline::never();
        return wrap(pick(dl, true));
    }

    /// Like select(), but gives up after `d`.
    template <class Rep, class Period>
    std::optional<selected_operation> select_timeout(std::chrono::duration<Rep, Period> d) {
        auto dl = detail::deadline::after(d);
        return wrap(pick(dl, false));
    }

    /// Like select(), but gives up at `tp` (any clock).
    template <class Clock, class Duration>
    std::optional<selected_operation> select_deadline(std::chrono::time_point<Clock, Duration> tp) {
        auto dl = detail::deadline::at(tp);
        return wrap(pick(dl, false));
    }

    /// Blocks until one operation is ready and returns its index without performing it. By the
    /// time the caller acts, another thread may have taken the opportunity (use try_* then).
    std::size_t ready() {
        detail::deadline dl = detail::deadline::never();
        return *pick_ready(dl, false);
    }

    /// Like ready(), but never blocks.
    std::optional<std::size_t> try_ready() {
        detail::deadline dl = detail::deadline::never();
        return pick_ready(dl, true);
    }

    /// Like ready(), but gives up after `d`.
    template <class Rep, class Period>
    std::optional<std::size_t> ready_timeout(std::chrono::duration<Rep, Period> d) {
        auto dl = detail::deadline::after(d);
        return pick_ready(dl, false);
    }

    /// The number of operations added.
    COURIER_TRIVIAL std::size_t size() const noexcept { return ops_.size(); }

  private:
    template <class>
    friend class basic_selected_operation;

    std::size_t add(detail::owner<detail::select_op> op, bool is_send) {
        // Room first, so that the pushes cannot throw: an operation is in all three or in none.
        ops_.reserve(ops_.size() + 1);
        is_send_.reserve(ops_.size() + 1);
        order_.reserve(ops_.size() + 1);
        ops_.push_back(op.release());
        is_send_.push_back(is_send);
        order_.push_back(0);
        return ops_.size() - 1;
    }

    std::optional<std::size_t> pick(detail::deadline& dl, bool nonblocking) {
        if (ops_.empty()) {
            throw std::invalid_argument("courier::selector: no operation to select from");
        }
        return detail::run_select(ops_.data(), order_.data(), ops_.size(), dl, nonblocking);
    }

    std::optional<std::size_t> pick_ready(detail::deadline& dl, bool nonblocking) {
        if (ops_.empty()) {
            throw std::invalid_argument("courier::selector: no operation to select from");
        }
        return detail::run_ready(ops_.data(), order_.data(), ops_.size(), dl, nonblocking);
    }

    std::optional<selected_operation> wrap(std::optional<std::size_t> i) {
        if (!i) {
            return std::nullopt;
        }
        return selected_operation(this, *i);
    }

    detail::pod_vector<detail::select_op*> ops_;  // owned: deleted with the selector
    detail::pod_vector<bool> is_send_;
    detail::pod_vector<std::size_t> order_;
};

template <class X>
template <class Rx>
requires detail::receiver_handle<Rx> expected<detail::handle_value_t<Rx>, recv_error>
basic_selected_operation<X>::recv(const Rx& rx) {
    using T = detail::handle_value_t<Rx>;
    using result = expected<T, recv_error>;
    if (sel_ == nullptr || sel_->is_send_[index_]) {
        throw std::invalid_argument("courier::selected_operation::recv: the operation is a send");
    }
    auto* op = static_cast<detail::recv_op<T>*>(sel_->ops_[index_]);
    if (op->channel() != detail::access::chan_of(rx)) {
        throw std::invalid_argument(
            "courier::selected_operation::recv: not the receiver this operation was added for");
    }
    sel_ = nullptr;
    const detail::resume_point resume;
    return op->complete([](T&& v) { return result(std::in_place, COURIER_MOVE(v)); },
                        [](detail::op_status) { return result(unexpect, recv_error{}); });
}

template <class X>
template <class Tx, class V>
requires detail::sender_handle<Tx> expected<void, send_error<detail::handle_value_t<Tx>>>
basic_selected_operation<X>::send(const Tx& tx, V&& value) {
    using T = detail::handle_value_t<Tx>;
    if (sel_ == nullptr || !sel_->is_send_[index_]) {
        throw std::invalid_argument(
            "courier::selected_operation::send: the operation is a receive");
    }
    auto* op = static_cast<detail::send_op<T>*>(sel_->ops_[index_]);
    if (op->channel() != detail::access::chan_of(tx)) {
        throw std::invalid_argument(
            "courier::selected_operation::send: not the sender this operation was added for");
    }
    sel_ = nullptr;
    T v(static_cast<V&&>(value));
    const detail::op_status s = op->complete(v);
    detail::resume_queued();
    if (s == detail::op_status::ok) {
        return {};
    }
    if (s == detail::op_status::full) {
        // A rendezvous receiver's move threw; the message is still ours. Send it normally.
        return tx.send(COURIER_MOVE(v));
    }
    return expected<void, send_error<T>>(unexpect, send_error<T>{COURIER_MOVE(v)});
}

}  // namespace courier
