// courier for Asio: channel operations as Asio asynchronous operations, with completion tokens.
//
// clang-format off
//   asio::awaitable<void> worker(courier::mpmc::receiver<job>& jobs) {
//       for (;;) {
//           auto [error, m] = co_await courier::asio::async_recv(jobs, asio::as_tuple(asio::use_awaitable));
//           ...
//       }
//   }
//   courier::asio::async_send(tx, v, [](std::exception_ptr e, auto result) { ... });  // a callback
//   auto f = courier::asio::async_recv(rx, asio::use_future);                          // a future
// clang-format on
// (A complete program: examples/asio_server.cpp.)
//
// Standalone Asio (Debian's libasio-dev, 1.22 or later: per-operation cancellation slots). Not part
// of courier.hpp: a program includes this header, and links courier::asio in CMake, only when it
// uses Asio. The core library stays standard-library only.
//
// Each operation follows Asio's conventions:
//   - completion signature void(std::exception_ptr, R): the exception is what the operation threw
//     (a message type whose move constructor throws), else null; R is courier's result:
//       async_recv, async_recv_timeout          expected<T, recv_timeout_error>
//       async_send, async_send_timeout          expected<void, send_timeout_error<T>>
//       async_select                            std::optional<std::size_t>: the arm that fired
//     With asio::use_awaitable, co_await yields R (an exception is rethrown); with use_future, a
//     std::future<R>; with a callback, handler(exception_ptr, R); deferred and as_tuple work too.
//   - the handler runs on its associated executor (asio::get_associated_executor: a
//     use_awaitable coroutine's executor, or one bound with asio::bind_executor; the system
//     executor otherwise), never inside the initiating function, and the executor is kept busy
//     (outstanding work) while the operation waits;
//   - per-operation cancellation through the handler's associated cancellation slot (any
//     cancellation type): the operation completes with `stopped` (async_select: nullopt). A
//     cancelled receive took nothing and a cancelled send hands its value back in the error;
//     a cancellation racing a partner lets exactly one of them complete the operation.
// The channel handles must outlive their operations (as an Asio I/O object outlives its own).
// Inside, each operation is a small coroutine of courier's awaiting the channel; the frame is
// allocated with operator new.
#pragma once

#include <asio/associated_cancellation_slot.hpp>
#include <asio/associated_executor.hpp>
#include <asio/async_result.hpp>
#include <asio/cancellation_type.hpp>
#include <asio/executor_work_guard.hpp>
#include <asio/post.hpp>

#include <chrono>
#include <coroutine>
#include <cstddef>
#include <exception>
#include <optional>
#include <stop_token>
#include <type_traits>
#include <utility>

#include "courier/async.hpp"
#include "courier/error.hpp"
#include "courier/expected.hpp"
#include "courier/select.hpp"

namespace courier::asio {

namespace detail {

using courier::detail::handle_value_t;
using courier::detail::receiver_handle;
using courier::detail::sender_handle;

/// The coroutine that runs one operation: starts at once, frees itself at the end.
struct operation {
    struct promise_type {
        operation get_return_object() noexcept { return {}; }
        std::suspend_never initial_suspend() noexcept { return {}; }
        std::suspend_never final_suspend() noexcept { return {}; }
        void return_void() noexcept {}
        void unhandled_exception() noexcept { std::terminate(); }  // the bodies catch everything
    };
};

/// Awaits a courier awaitable without taking its result (await_resume is called later, on the
/// handler's executor, where select's arm handlers must run too).
template <class Awaitable>
struct wait_for {
    Awaitable& a;
    bool await_ready() noexcept { return a.await_ready(); }
    bool await_suspend(std::coroutine_handle<> h) noexcept { return a.await_suspend(h); }
    void await_resume() const noexcept {}
};

/// Continues the coroutine on `ex` (always through post: a handler never runs inside the
/// initiating function, nor nested in the thread that completed the channel operation). The
/// operation's work guard is let go only after post() has returned on this thread: the executor
/// (an io_context whose run() is about to return, then be destroyed) is never left with a thread
/// still inside its post().
template <class Executor>
struct continue_on {
    const Executor& ex;
    std::optional<::asio::executor_work_guard<Executor>>& work;
    bool await_ready() const noexcept { return false; }
    void await_suspend(std::coroutine_handle<> h) const {
        ::asio::executor_work_guard<Executor> keep(std::move(*work));
        work.reset();
        ::asio::post(ex, [h] { h.resume(); });  // `h` may run, and end, before post() returns
    }
    void await_resume() const noexcept {}
};

/// What every operation does around its channel awaitable: the handler's executor kept busy, its
/// cancellation slot turned into a stop request, the completion posted to the executor.
template <class Handler>
class completion {
  public:
    explicit completion(Handler& h)
        : executor_(::asio::get_associated_executor(h)),
          work_(std::in_place, ::asio::make_work_guard(executor_)),
          slot_(::asio::get_associated_cancellation_slot(h)) {
        if (slot_.is_connected()) {
            slot_.assign([this](::asio::cancellation_type type) {
                if (type != ::asio::cancellation_type::none) {
                    stop_.request_stop();
                }
            });
        }
    }
    completion(const completion&) = delete;
    completion& operator=(const completion&) = delete;

    std::stop_token token() const noexcept { return stop_.get_token(); }
    continue_on<::asio::associated_executor_t<Handler>> on_executor() noexcept {
        return {executor_, work_};
    }
    /// On the executor, before the handler runs: the slot no longer refers to this operation.
    void finish() {
        if (slot_.is_connected()) {
            slot_.clear();
        }
    }

  private:
    ::asio::associated_executor_t<Handler> executor_;
    std::optional<::asio::executor_work_guard<::asio::associated_executor_t<Handler>>> work_;
    ::asio::associated_cancellation_slot_t<Handler> slot_;
    std::stop_source stop_;
};

template <class T>
using recv_result = expected<T, recv_timeout_error>;
template <class T>
using send_result = expected<void, send_timeout_error<T>>;

// Awaits the channel awaitable that `make(stop_token)` returns and hands the handler, on its
// executor, (the exception it threw or null, its result or else `fallback`).
template <class Result, class Make, class Handler>
operation run_op(Make make, Result fallback, Handler handler) {
    completion<Handler> c(handler);
    std::exception_ptr error;
    std::optional<Result> result;
    {
        auto a = make(c.token());
        co_await wait_for<decltype(a)>{a};
        co_await c.on_executor();
        try {
            result.emplace(a.await_resume());
        } catch (...) {
            error = std::current_exception();
        }
    }
    c.finish();
    std::move(handler)(error, result ? std::move(*result) : std::move(fallback));
}

/// A receive until `deadline` (time_point::max(): forever).
template <class Rx, class Handler>
void start_recv(const Rx* rx, std::chrono::steady_clock::time_point deadline, Handler handler) {
    using T = handle_value_t<Rx>;
    run_op<recv_result<T>>(
        [rx, deadline](std::stop_token st) { return rx->async_recv_deadline(deadline, st); },
        recv_result<T>(unexpect, recv_timeout_error::stopped), std::move(handler));
}

/// A send until `deadline` (time_point::max(): forever; an unbounded sender never waits). If the
/// value's move throws, the handler gets the exception and the value is gone with it.
template <class Tx, class Handler>
void start_send(const Tx* tx, handle_value_t<Tx> value,
                std::chrono::steady_clock::time_point deadline, Handler handler) {
    using T = handle_value_t<Tx>;
    run_op<send_result<T>>(
        [tx, deadline, v = std::move(value)](std::stop_token st) mutable {
            if constexpr (requires { tx->async_send_deadline(std::move(v), deadline, st); }) {
                return tx->async_send_deadline(std::move(v), deadline, st);
            } else {
                static_cast<void>(deadline);  // an unbounded send never waits
                return tx->async_send(std::move(v), st);
            }
        },
        send_result<T>(), std::move(handler));
}

template <class Handler, class... Arms>
operation run_select(Handler handler, Arms... arms) {
    completion<Handler> c(handler);
    std::exception_ptr error;
    std::optional<std::size_t> fired;
    {
        // The cancellation is one more arm, the last one.
        auto a = courier::async_select(std::move(arms)..., courier::on_stop(c.token(), [] {}));
        co_await wait_for<decltype(a)>{a};
        co_await c.on_executor();
        try {
            const std::size_t i = a.await_resume();  // runs the fired arm's handler, here
            if (i != sizeof...(Arms)) {
                fired = i;
            }
        } catch (...) {
            error = std::current_exception();
        }
    }
    c.finish();
    std::move(handler)(error, fired);
}

}  // namespace detail

/// Receives from `rx` (a receiver or mpmc::receiver): completes with
/// (exception_ptr, expected<T, recv_timeout_error>) - the message, `disconnected`, or `stopped`
/// when cancelled through the handler's cancellation slot.
template <class Rx, class CompletionToken>
requires detail::receiver_handle<Rx>
auto async_recv(const Rx& rx, CompletionToken&& token) {
    using T = detail::handle_value_t<Rx>;
    return ::asio::async_initiate<CompletionToken,
                                  void(std::exception_ptr, detail::recv_result<T>)>(
        [](auto handler, const Rx* r) {
            detail::start_recv(r, std::chrono::steady_clock::time_point::max(), std::move(handler));
        },
        token, &rx);
}

/// async_recv() that gives up after `timeout` (`timeout`).
template <class Rx, class Rep, class Period, class CompletionToken>
requires detail::receiver_handle<Rx>
auto async_recv_timeout(const Rx& rx, std::chrono::duration<Rep, Period> timeout,
                        CompletionToken&& token) {
    using T = detail::handle_value_t<Rx>;
    const auto d = courier::detail::deadline_after(timeout);
    const auto deadline = d ? *d : std::chrono::steady_clock::time_point::max();
    return ::asio::async_initiate<CompletionToken,
                                  void(std::exception_ptr, detail::recv_result<T>)>(
        [](auto handler, const Rx* r, std::chrono::steady_clock::time_point dl) {
            detail::start_recv(r, dl, std::move(handler));
        },
        token, &rx, deadline);
}

/// Sends `value` on `tx` (every sender type): completes with
/// (exception_ptr, expected<void, send_timeout_error<T>>) - sent, `disconnected` or `stopped`
/// (cancelled) with the value handed back in the error.
template <class Tx, class V, class CompletionToken>
requires detail::sender_handle<Tx>
auto async_send(const Tx& tx, V&& value, CompletionToken&& token) {
    using T = detail::handle_value_t<Tx>;
    return ::asio::async_initiate<CompletionToken,
                                  void(std::exception_ptr, detail::send_result<T>)>(
        [](auto handler, const Tx* t, T v) {
            detail::start_send(t, std::move(v), std::chrono::steady_clock::time_point::max(),
                               std::move(handler));
        },
        token, &tx, T(std::forward<V>(value)));
}

/// async_send() on a bounded sender that gives up after `timeout` (`timeout`, value back).
template <class Tx, class V, class Rep, class Period, class CompletionToken>
requires detail::sender_handle<Tx> && requires(const Tx& t, detail::handle_value_t<Tx> v) {
    t.try_send(std::move(v));
}
auto async_send_timeout(const Tx& tx, V&& value, std::chrono::duration<Rep, Period> timeout,
                        CompletionToken&& token) {
    using T = detail::handle_value_t<Tx>;
    const auto d = courier::detail::deadline_after(timeout);
    const auto deadline = d ? *d : std::chrono::steady_clock::time_point::max();
    return ::asio::async_initiate<CompletionToken,
                                  void(std::exception_ptr, detail::send_result<T>)>(
        [](auto handler, const Tx* t, T v, std::chrono::steady_clock::time_point dl) {
            detail::start_send(t, std::move(v), dl, std::move(handler));
        },
        token, &tx, T(std::forward<V>(value)), deadline);
}

/// courier::select's arms (on_recv, on_send, on_stop, and one of on_timeout, on_deadline,
/// on_default) as an Asio operation: completes with (exception_ptr, optional<size_t>), the index
/// of the arm that fired after its handler ran on the completion handler's executor, or nullopt
/// when cancelled (no arm fired). The arms are moved into the operation.
template <class CompletionToken, class... Arms>
auto async_select(CompletionToken&& token, Arms&&... arms) {
    return ::asio::async_initiate<CompletionToken,
                                  void(std::exception_ptr, std::optional<std::size_t>)>(
        [](auto handler, auto... a) { detail::run_select(std::move(handler), std::move(a)...); },
        token, std::forward<Arms>(arms)...);
}

}  // namespace courier::asio
