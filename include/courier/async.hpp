// Coroutines: the same channels, awaited (C++20).
//
// clang-format off
//   courier::expected<int, courier::recv_error> m = co_await rx.async_recv();
//   auto r = co_await tx.async_send(COURIER_MOVE(v));            // r.error().value: the value back
//   auto t = co_await rx.async_recv_timeout(50ms);             // recv_timeout_error::timeout
//   std::size_t fired = co_await courier::async_select(
//       courier::on_recv(rx1, [&](courier::expected<int, courier::recv_error> m) { ... }),
//       courier::on_send(tx2, value, [&](auto r) { ... }),
//       courier::on_timeout(50ms, [&] { ... }));
// clang-format on
// (A complete program: examples/coroutine_pipeline.cpp.)
//
// Every channel serves threads and coroutines at once: a coroutine's operation pairs with a
// blocked thread's, and an async_select races a thread's select for the same messages. The
// awaitables are plain C++20 awaiters (await_ready / await_suspend / await_resume), usable from any
// coroutine type whose promise does not restrict co_await. Each is awaited at most once, and is
// neither copied nor moved (co_await it where it is made, or keep it in a local variable).
//
// Where a coroutine resumes: an operation that can complete at once (a message is buffered, there
// is room, a partner is waiting, the channel is disconnected) does not suspend. A suspended
// coroutine is resumed exactly once, after its operation completed, on the thread that completed
// it (the partner's send, receive or select, a disconnecting handle's release, a stop request's
// thread) or on courier's deadline thread when its deadline passes - after that thread has left
// courier's internals, so the coroutine may use the same channel at once. To continue on an
// executor of your own, await its scheduling operation after the courier operation.
//
// A coroutine frame destroyed while suspended in an operation takes the operation back: a
// receive took nothing and a send's value is destroyed with the frame, undelivered. If a partner
// completed the operation in the same instant (a rendezvous partner already handed its message
// over), the result is destroyed with the frame, as with a receiver that is dropped. Destroying
// a coroutine while another thread resumes it is a data race, as with any coroutine.
#pragma once

#include <coroutine>
#include <cstddef>
#include <exception>
#include <optional>
#include <stop_token>
#include <tuple>
#include <type_traits>
#include <utility>

#include "courier/detail/async_select.hpp"
#include "courier/detail/channel.hpp"
#include "courier/detail/chrono.hpp"
#include "courier/detail/config.hpp"
#include "courier/detail/handle.hpp"
#include "courier/detail/select_ops.hpp"
#include "courier/detail/status.hpp"
#include "courier/detail/time.hpp"
#include "courier/detail/wait/resume.hpp"
#include "courier/error.hpp"
#include "courier/expected.hpp"
#include "courier/handles.hpp"
#include "courier/select.hpp"

namespace courier::detail {

/// The deadline of one awaited operation; for a deadline on a clock, the time point it refers
/// to, kept beside it (the awaiter neither moves nor copies, so the reference stays valid).
/// With a std::stop_token, the token too (an empty one changes nothing).
template <class TimePoint>
struct deadline_holder {
    TimePoint tp;
    std::stop_token stop;
    deadline dl;
    explicit deadline_holder(TimePoint t, std::stop_token st = {})
        : tp(t), stop(COURIER_MOVE(st)), dl(deadline::at(tp).with_stop(stop)) {}
};
template <>
struct deadline_holder<void> {
    std::stop_token stop;
    deadline dl;
    explicit deadline_holder(deadline d, std::stop_token st = {}) noexcept
        : stop(COURIER_MOVE(st)), dl(COURIER_MOVE(d).with_stop(stop)) {}
};

/// The awaiters of one operation share this shape: await_ready() tries (the channel's own try: an
/// operation that can complete at once costs no more than a thread's try_recv / try_send) and
/// else registers (the select core), await_suspend() parks, await_resume() reports. Without a
/// deadline or a stop token, the registration moves to await_suspend(), where the coroutine is
/// suspended already: it then publishes the suspension too, and parking costs no CAS
/// (async_select_core::start_or_defer). await_ready_tried() is await_ready() for a caller that
/// has just made that same try itself (the Asio adapter, which completes at once without the
/// awaiter).
#define COURIER_AWAITER_PROTOCOL                              \
    bool await_ready() noexcept {                             \
        return this->try_at_once() || this->start_or_defer(); \
    }                                                         \
    bool await_ready_tried() noexcept {                       \
        return this->start_or_defer();                        \
    }                                                         \
    bool await_suspend(std::coroutine_handle<> h) noexcept {  \
        return this->suspend(h);                              \
    }

/// rx.async_recv(), async_recv_timeout(), async_recv_deadline(): `Error` is recv_error or
/// recv_timeout_error; `TimePoint` the deadline's type (void: none, or a duration's).
template <class T, class Error, class TimePoint>
class [[nodiscard]] recv_awaiter final : private deadline_holder<TimePoint>,
                                         private async_select_core<> {
  public:
    using result_type = expected<T, Error>;

    template <class D>
    recv_awaiter(chan<T>* c, D&& d, std::stop_token st = {})
        : deadline_holder<TimePoint>(static_cast<D&&>(d), COURIER_MOVE(st)),
          async_select_core<>(ops_, order_, 1, this->dl, false),
          op_(c) {
        ops_[0] = &op_;
    }
    recv_awaiter(const recv_awaiter&) = delete;
    recv_awaiter& operator=(const recv_awaiter&) = delete;
    ~recv_awaiter() { cancel(); }

    COURIER_AWAITER_PROTOCOL

    result_type await_resume() {
        const resume_point resume;
        if (!outcome()) {
            return result_type(unexpect, recv_failure<Error>(this->dl.expiry()));
        }
        return COURIER_MOVE(*result_);
    }

  private:
    // A message buffered, a rendezvous sender waiting, or a disconnection (an empty handle too):
    // the result now, without the select core.
    bool try_at_once() noexcept {
        try {
            const acting_as me(this->owner());  // as the select core's tries do
            chan<T>* c = op_.channel();
            const bool done =
                c == nullptr
                    ? keep_failure(op_status::disconnected)
                    : c->template try_recv<flavor_mask::all>(
                          [this](T&& v) { return keep(COURIER_MOVE(v)); },
                          [this](op_status s) { return s != op_status::empty && keep_failure(s); });
            if (done) {
                this->completed_at_once();
            }
            return done;
        } catch (...) {
            this->completed_at_once(std::current_exception());
            return true;
        }
    }

    bool complete(std::size_t) override {
        // The message is moved once, from the channel into the result.
        return op_.complete([this](T&& v) { return keep(COURIER_MOVE(v)); },
                            [this](op_status s) { return keep_failure(s); });
    }

    // The result, kept for await_resume(); true (the operation is complete).
    bool keep(T&& v) {
        result_.emplace(std::in_place, COURIER_MOVE(v));
        return true;
    }
    bool keep_failure(op_status s) {
        result_.emplace(unexpect, recv_failure<Error>(s));
        return true;
    }

    recv_op<T> op_;
    select_op* ops_[1] = {};
    std::size_t order_[1] = {};
    std::optional<result_type> result_;
};

/// tx.async_send(v), async_send_timeout(), async_send_deadline(): `Error` is send_error<T> or
/// send_timeout_error<T>. The awaiter owns the value until the operation ends; a failed send
/// hands it back in the error.
template <class T, class Error, class TimePoint>
class [[nodiscard]] send_awaiter final : private deadline_holder<TimePoint>,
                                         private async_select_core<> {
  public:
    using result_type = expected<void, Error>;

    template <class D>
    send_awaiter(chan<T>* c, T&& value, D&& d, std::stop_token st = {})
        : deadline_holder<TimePoint>(static_cast<D&&>(d), COURIER_MOVE(st)),
          async_select_core<>(ops_, order_, 1, this->dl, false),
          value_(COURIER_MOVE(value)),
          op_(c, std::addressof(value_)) {
        ops_[0] = &op_;
    }
    send_awaiter(const send_awaiter&) = delete;
    send_awaiter& operator=(const send_awaiter&) = delete;
    ~send_awaiter() { cancel(); }

    COURIER_AWAITER_PROTOCOL

    result_type await_resume() {
        const resume_point resume;
        const op_status s = outcome() ? status_ : this->dl.expiry();
        if (s == op_status::ok) {
            return {};
        }
        return result_type(unexpect, send_failure<Error>(s, value_));
    }

  private:
    // Room, a rendezvous receiver waiting, or a disconnection (an empty handle too): the outcome
    // now, without the select core.
    bool try_at_once() noexcept {
        try {
            const acting_as me(this->owner());  // as the select core's tries do
            chan<T>* c = op_.channel();
            const op_status s = c == nullptr ? op_status::disconnected
                                             : c->template try_send<flavor_mask::all>(value_);
            if (s == op_status::full) {
                return false;
            }
            status_ = s;
            this->completed_at_once();
        } catch (...) {
            this->completed_at_once(std::current_exception());
        }
        return true;
    }

    bool complete(std::size_t) override {
        const op_status s = op_.complete(value_);
        if (s == op_status::full) {
            return false;  // a rendezvous receiver's move threw: the value is ours, send again
        }
        status_ = s;
        return true;
    }

    T value_;
    send_op<T> op_;
    select_op* ops_[1] = {};
    std::size_t order_[1] = {};
    op_status status_ = op_status::disconnected;
};

// ---- async_select -------------------------------------------------------------------------------

/// What a fired arm's operation produced, kept from its completion (on the settling thread) until
/// its handler runs (on the coroutine).
template <class Arm>
struct arm_result {
    bool take(Arm&) { return true; }
    void run(Arm& arm) { arm.handler(); }
};
template <class T, class F>
struct arm_result<recv_arm<T, F>> {
    using result = expected<T, recv_error>;
    std::optional<result> value;

    bool take(recv_arm<T, F>& arm) {
        return arm.op.complete(
            [this](T&& v) {
                value.emplace(std::in_place, COURIER_MOVE(v));
                return true;
            },
            [this](op_status) {
                value.emplace(unexpect, recv_error{});
                return true;
            });
    }
    void run(recv_arm<T, F>& arm) { arm.handler(COURIER_MOVE(*value)); }
};
template <class T, class F>
struct arm_result<send_arm<T, F>> {
    op_status status = op_status::disconnected;

    bool take(send_arm<T, F>& arm) {
        status = arm.op.complete(arm.value);
        return status != op_status::full;  // full: a receiver's move threw; select again
    }
    void run(send_arm<T, F>& arm) {
        if (status == op_status::ok) {
            arm.handler(expected<void, send_error<T>>());
        } else {
            arm.handler(
                expected<void, send_error<T>>(unexpect, send_error<T>{COURIER_MOVE(arm.value)}));
        }
    }
};

template <class... Arms>
class [[nodiscard]] select_awaiter final : private deadline_holder<void>,
                                           private async_select_core<> {
    static constexpr std::size_t n_arms = sizeof...(Arms);
    static constexpr std::size_t n_wait = (std::size_t{is_wait_arm<Arms>::value} + ... + 0);
    static constexpr std::size_t n_ops = n_arms - n_wait;
    static constexpr bool nonblocking = (is_default_arm<Arms>::value || ...);
    static_assert(n_wait <= 1);

  public:
    template <class... A>
    explicit select_awaiter(A&&... arms)
        : deadline_holder<void>(deadline::never()),
          async_select_core<>(ops_, order_, n_ops, this->dl, nonblocking),
          arms_(static_cast<A&&>(arms)...) {
        std::size_t k = 0;
        for_each_arm([&](auto& arm, std::size_t i) {
            using A1 = std::decay_t<decltype(arm)>;
            if constexpr (is_op_arm<A1>::value) {
                ops_[k] = &arm.op;
                arm_of_[k] = i;
                ++k;
            } else {
                wait_index_ = i;
                if constexpr (requires { arm.tp; }) {
                    this->dl = deadline::at(arm.tp);
                } else if constexpr (requires { arm.dl; }) {
                    this->dl = arm.dl;
                }
            }
        });
    }
    select_awaiter(const select_awaiter&) = delete;
    select_awaiter& operator=(const select_awaiter&) = delete;
    ~select_awaiter() { cancel(); }

    bool await_ready() noexcept { return this->start(); }  // the core tries in a random order
    bool await_suspend(std::coroutine_handle<> h) noexcept { return this->park(h); }

    /// Runs the fired arm's handler and returns the arm's index.
    std::size_t await_resume() {
        resume_queued();  // the coroutines this operation woke run before the handler
        const auto picked = outcome();
        const std::size_t fired = picked ? arm_of_[*picked] : wait_index_;
        on_arm(fired, [](auto& arm, auto& result) { result.run(arm); });
        return fired;
    }

  private:
    // f(arm, its result slot) for arm i.
    template <class F>
    void on_arm(std::size_t i, F&& f) {
        [&]<std::size_t... I>(std::index_sequence<I...>) {
            static_cast<void>(
                ((I == i ? (f(std::get<I>(arms_), std::get<I>(results_)), true) : false) || ...));
        }
        (std::index_sequence_for<Arms...>{});
    }

    template <class F>
    void for_each_arm(F&& f) {
        [&]<std::size_t... I>(std::index_sequence<I...>) {
            (f(std::get<I>(arms_), I), ...);
        }
        (std::index_sequence_for<Arms...>{});
    }

    bool complete(std::size_t k) override {
        bool done = true;
        on_arm(arm_of_[k], [&](auto& arm, auto& result) { done = result.take(arm); });
        return done;
    }

    std::tuple<Arms...> arms_;
    std::tuple<arm_result<Arms>...> results_;
    select_op* ops_[n_ops == 0 ? 1 : n_ops] = {};
    std::size_t arm_of_[n_ops == 0 ? 1 : n_ops] = {};
    std::size_t order_[n_ops == 0 ? 1 : n_ops] = {};
    std::size_t wait_index_ = n_arms;
};

#undef COURIER_AWAITER_PROTOCOL

}  // namespace courier::detail

namespace courier {

/// Awaits exactly one of the arms, as select(...) does (the same arms: on_recv, on_send, on_stop,
/// and at most one of on_timeout, on_deadline, on_default): `co_await` yields the zero-based index
/// of the arm that fired, after its handler has run. The arms are moved into the awaitable.
template <class... Arms>
auto async_select(Arms&&... arms) {
    static_assert(sizeof...(Arms) > 0, "courier::async_select needs at least one arm");
    static_assert((std::size_t{detail::is_wait_arm<std::decay_t<Arms>>::value} + ... + 0) <= 1,
                  "courier::async_select takes at most one of on_timeout, on_deadline, on_default");
    static_assert(((detail::is_wait_arm<std::decay_t<Arms>>::value ||
                    detail::is_op_arm<std::decay_t<Arms>>::value) &&
                   ...),
                  "courier::async_select arms are made with on_recv, on_send, on_stop, "
                  "on_timeout, on_deadline and on_default");
    return detail::select_awaiter<std::decay_t<Arms>...>(static_cast<Arms&&>(arms)...);
}

}  // namespace courier
