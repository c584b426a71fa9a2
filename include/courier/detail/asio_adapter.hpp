// The body of courier's Asio adapter, shared by standalone Asio (<courier/asio.hpp>) and
// Boost.Asio (<courier/boost_asio.hpp>); how it works is described in asio.hpp. Not a header to
// include on its own: the including header first includes its Asio's headers and defines
//   COURIER_ASIO_NET               that Asio's namespace (::asio or ::boost::asio)
//   COURIER_ASIO_ADAPTER           the namespace of courier's operations (asio or boost_asio)
//   COURIER_ASIO_HAS_CANCELLATION  1 where that Asio has per-operation cancellation slots
// This file is read once per Asio (it has no include guard of its own; the two public headers
// have) and undefines the three macros at its end.
#if !defined(COURIER_ASIO_NET) || !defined(COURIER_ASIO_ADAPTER) || \
    !defined(COURIER_ASIO_HAS_CANCELLATION)
#error "courier: include <courier/asio.hpp> or <courier/boost_asio.hpp>, not this file"
#endif

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

namespace courier::COURIER_ASIO_ADAPTER {

namespace detail {

namespace net = COURIER_ASIO_NET;

using courier::detail::handle_value_t;
using courier::detail::receiver_handle;
using courier::detail::sender_handle;

/// Where an exception thrown by a completion handler that an operation coroutine invoked goes: the
/// function that resumed the coroutine on the executor (resume_point::post_resume) rethrows it
/// once the coroutine has ended, so it leaves the executor's run() as an exception from any Asio
/// handler does. Null outside such a resumption.
inline std::exception_ptr*& handler_exception_slot() noexcept {
    static thread_local std::exception_ptr* slot = nullptr;
    return slot;
}

/// While it lives, handler exceptions on this thread are kept in `*to` (nested scopes restore the
/// outer one).
class catching_handler_exceptions {
  public:
    explicit catching_handler_exceptions(std::exception_ptr* to) noexcept
        : previous_(handler_exception_slot()) {
        handler_exception_slot() = to;
    }
    catching_handler_exceptions(const catching_handler_exceptions&) = delete;
    catching_handler_exceptions& operator=(const catching_handler_exceptions&) = delete;
    ~catching_handler_exceptions() { handler_exception_slot() = previous_; }

  private:
    std::exception_ptr* previous_;
};

/// Invokes the completion handler from an operation coroutine: what it throws is passed to the
/// resuming function (a handler is only invoked after the coroutine was resumed through
/// post_resume, so there is always one).
template <class Handler, class... Args>
void invoke_handler(Handler&& handler, Args&&... args) noexcept {
    try {
        std::move(handler)(std::forward<Args>(args)...);
    } catch (...) {
        if (std::exception_ptr* slot = handler_exception_slot()) {
            *slot = std::current_exception();
        } else {
            std::terminate();
        }
    }
}

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
/// handler's executor, where select's arm handlers must run too). A receive's or send's try was
/// made by start_recv / start_send already.
template <class Awaitable>
struct wait_for {
    Awaitable& a;
    bool await_ready() noexcept {
        if constexpr (requires { a.await_ready_tried(); }) {
            return a.await_ready_tried();
        } else {
            return a.await_ready();
        }
    }
    bool await_suspend(std::coroutine_handle<> h) noexcept { return a.await_suspend(h); }
    void await_resume() const noexcept {}
};

/// The io_context executor inside `ex`, when `ex` is an any_io_executor that holds one
/// (asio::awaitable's executor, and most programs'), else null. Unwrapped, its work count and its
/// post are direct calls on the io_context instead of type-erased executor copies and
/// preferences, which cost more than the channel operation itself.
template <class Executor>
const net::io_context::executor_type* io_executor_in(const Executor& ex) noexcept {
    if constexpr (std::is_same_v<Executor, net::any_io_executor>) {
        return ex.template target<net::io_context::executor_type>();
    } else {
        return nullptr;
    }
}

/// Runs `f` through an Asio executor's execute (a member from Asio 1.24 on, a free function
/// before).
template <class Ex, class F>
void execute_on(const Ex& ex, F&& f) {
    if constexpr (requires { ex.execute(std::forward<F>(f)); }) {
        ex.execute(std::forward<F>(f));
    } else {
        net::execution::execute(ex, std::forward<F>(f));
    }
}

/// Where an operation's coroutine continues: the handler's associated executor, kept busy
/// (outstanding work) from the start of the operation until the continuation is posted. The
/// continuation is always posted: a handler never runs inside the initiating function, nor nested
/// in the thread that completed the channel operation.
///
/// An any_io_executor that holds an io_context's executor is unwrapped once, when the operation
/// starts (io_executor_in).
template <class Executor>
class resume_point {
    using io_executor = net::io_context::executor_type;
    // An io_context executor that never runs a function inline and counts as outstanding work.
    using io_busy = std::decay_t<decltype(net::require(
        net::require(std::declval<io_executor>(), net::execution::blocking.never),
        net::execution::outstanding_work.tracked))>;

  public:
    explicit resume_point(const Executor& ex) {
        if (const io_executor* io = io_executor_in(ex)) {
            io_.emplace(net::require(net::require(*io, net::execution::blocking.never),
                                     net::execution::outstanding_work.tracked));
            return;
        }
        other_.emplace(ex);
    }
    resume_point(const resume_point&) = delete;
    resume_point& operator=(const resume_point&) = delete;

    /// Posts `f()`, once. The work is let go only after the post has returned on this thread
    /// (an io_context whose run() is about to return, then be destroyed, is never left with a
    /// thread still inside its post); `f` may run, and end the frame that holds *this, before the
    /// post returns, so nothing here is touched after it.
    template <class F>
    void post(F f) {
        if (io_) {
            const io_busy keep(std::move(*io_));
            io_.reset();
            execute_on(keep, std::move(f));
            return;
        }
        net::executor_work_guard<Executor> keep(std::move(*other_));
        other_.reset();
        net::post(keep.get_executor(), std::move(f));
    }

    /// Posts `h.resume()`; an exception from the completion handler that the coroutine then
    /// invokes is rethrown here, after the coroutine has ended.
    void post_resume(std::coroutine_handle<> h) {
        post([h] {
            std::exception_ptr thrown;
            {
                const catching_handler_exceptions scope(&thrown);
                h.resume();
            }
            if (thrown) {
                std::rethrow_exception(thrown);
            }
        });
    }

  private:
    std::optional<io_busy> io_;
    std::optional<net::executor_work_guard<Executor>> other_;
};

/// Continues the awaiting coroutine through `to` (resume_point::post_resume).
template <class Executor>
struct continue_on {
    resume_point<Executor>& to;
    bool await_ready() const noexcept { return false; }
    void await_suspend(std::coroutine_handle<> h) const { to.post_resume(h); }
    void await_resume() const noexcept {}
};

#if COURIER_ASIO_HAS_CANCELLATION
/// The handler's associated cancellation slot as a std::stop_token: any cancellation type but
/// `none` requests a stop. The stop state (an allocation, and a callback registered by every
/// wait) exists only when the slot is connected; otherwise token() is empty and never stops.
template <class Handler>
class cancellation_link {
  public:
    explicit cancellation_link(Handler& h) : slot_(net::get_associated_cancellation_slot(h)) {
        if (slot_.is_connected()) {
            stop_ = std::stop_source();
            slot_.assign([this](net::cancellation_type type) {
                if (type != net::cancellation_type::none) {
                    stop_.request_stop();
                }
            });
        }
    }
    cancellation_link(const cancellation_link&) = delete;
    cancellation_link& operator=(const cancellation_link&) = delete;

    std::stop_token token() const noexcept { return stop_.get_token(); }
    /// On the executor, before the handler runs: the slot no longer refers to this operation.
    void finish() {
        if (slot_.is_connected()) {
            slot_.clear();
        }
    }

  private:
    net::associated_cancellation_slot_t<Handler> slot_;
    std::stop_source stop_{std::nostopstate};
};
#else
/// This Asio predates per-operation cancellation (Asio 1.19, Boost 1.77): nothing to link.
template <class Handler>
class cancellation_link {
  public:
    explicit cancellation_link(Handler&) noexcept {}
    std::stop_token token() const noexcept { return {}; }
    void finish() noexcept {}
};
#endif

/// What every operation does around its channel awaitable: the handler's executor kept busy, its
/// cancellation slot turned into a stop request, the completion posted to the executor.
template <class Handler>
class completion {
  public:
    explicit completion(Handler& h) : resume_(net::get_associated_executor(h)), cancel_(h) {}
    completion(const completion&) = delete;
    completion& operator=(const completion&) = delete;

    std::stop_token token() const noexcept { return cancel_.token(); }
    continue_on<net::associated_executor_t<Handler>> on_executor() noexcept { return {resume_}; }
    void finish() { cancel_.finish(); }

  private:
    resume_point<net::associated_executor_t<Handler>> resume_;
    cancellation_link<Handler> cancel_;
};

template <class T>
using recv_result = expected<T, recv_timeout_error>;
template <class T>
using send_result = expected<void, send_timeout_error<T>>;

// The Kind of a public handle type (which flavors its channel can have: flavor_mask).
template <class T, class Kind>
Kind kind_of(const courier::basic_sender<T, Kind>&);
template <class T, class Kind>
Kind kind_of(const courier::basic_receiver<T, Kind>&);
template <class H>
using kind_of_t = decltype(kind_of(std::declval<const H&>()));

/// Hands the handler (error, result) on its executor, for an operation that finished inside its
/// initiating function: one post, as Asio's own operations complete at once, without the
/// operation coroutine, its channel awaitable or the cancellation slot.
/// The posted function is work of its own (run() does not return before it ran), so no work is
/// tracked besides it; an io_context's executor inside an any_io_executor is unwrapped
/// (io_executor_in).
template <class Handler, class Result>
void complete_now(Handler handler, std::exception_ptr error, Result result) {
    const auto ex = net::get_associated_executor(handler);
    auto f = [h = std::move(handler), error, r = std::move(result)]() mutable {
        std::move(h)(error, std::move(r));
    };
    if (const auto* io = io_executor_in(ex)) {
        execute_on(net::require(*io, net::execution::blocking.never), std::move(f));
        return;
    }
    net::post(ex, std::move(f));
}

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
    invoke_handler(std::move(handler), error, result ? std::move(*result) : std::move(fallback));
}

/// A receive until `deadline` (time_point::max(): forever, without reading the clock).
///
/// First, the try that the operation's awaitable would begin with: a message that is there now,
/// a rendezvous sender that waits, or a disconnection completes the operation at once. What a
/// handler can observe is the same as through the awaitable (the result, the post, the
/// coroutines this receive woke resumed before it returns); only the waiting path costs more.
template <class Rx, class Handler>
void start_recv(const Rx* rx, std::chrono::steady_clock::time_point deadline, Handler handler) {
    using T = handle_value_t<Rx>;
    using courier::detail::op_status;
    recv_result<T> stopped(unexpect, recv_timeout_error::stopped);
    std::optional<recv_result<T>> now;
    std::exception_ptr error;
    try {
        if (courier::detail::chan<T>* c = courier::detail::access::chan_of(*rx)) {
            constexpr unsigned mask = courier::detail::flavor_mask::receiver_side<kind_of_t<Rx>>;
            now = c->template try_recv<mask>(
                [](T&& v) {
                    return std::optional<recv_result<T>>(std::in_place, std::in_place,
                                                         std::move(v));
                },
                [](op_status s) {
                    if (s == op_status::empty) {
                        return std::optional<recv_result<T>>();
                    }
                    return std::optional<recv_result<T>>(
                        std::in_place, unexpect,
                        courier::detail::recv_failure<recv_timeout_error>(s));
                });
        } else {
            now.emplace(unexpect, recv_timeout_error::disconnected);
        }
    } catch (...) {
        error = std::current_exception();  // the message's move threw (the channel's rule applies)
    }
    if (error || now) {
        complete_now(std::move(handler), error, now ? std::move(*now) : std::move(stopped));
        return;
    }
    if (deadline != std::chrono::steady_clock::time_point::max()) {
        run_op<recv_result<T>>(
            [rx, deadline](std::stop_token st) { return rx->async_recv_deadline(deadline, st); },
            std::move(stopped), std::move(handler));
        return;
    }
    run_op<recv_result<T>>([rx](std::stop_token st) { return rx->async_recv(std::move(st)); },
                           std::move(stopped), std::move(handler));
}

/// A send until `deadline` (time_point::max(): forever, without reading the clock; an unbounded
/// sender never waits). If the value's move throws, the handler gets the exception and the value
/// is gone with it.
///
/// First, as for a receive, the try that the awaitable would begin with: room now, a waiting
/// rendezvous receiver, or a disconnection (the value handed back) completes it at once.
template <class Tx, class Handler>
void start_send(const Tx* tx, handle_value_t<Tx> value,
                std::chrono::steady_clock::time_point deadline, Handler handler) {
    using T = handle_value_t<Tx>;
    using courier::detail::op_status;
    {
        op_status s = op_status::disconnected;
        std::exception_ptr error;
        try {
            if (courier::detail::chan<T>* c = courier::detail::access::chan_of(*tx)) {
                constexpr unsigned mask = courier::detail::flavor_mask::sender_side<kind_of_t<Tx>>;
                s = c->template try_send<mask>(value);
            }
        } catch (...) {
            error = std::current_exception();
        }
        if (error) {
            complete_now(std::move(handler), error, send_result<T>());
            return;
        }
        if (s == op_status::ok) {
            complete_now(std::move(handler), nullptr, send_result<T>());
            return;
        }
        if (s != op_status::full) {
            complete_now(
                std::move(handler), nullptr,
                send_result<T>(unexpect,
                               courier::detail::send_failure<send_timeout_error<T>>(s, value)));
            return;
        }
    }
    if constexpr (requires(T v, std::stop_token st) {
                      tx->async_send_deadline(std::move(v), deadline, st);
                  }) {
        if (deadline != std::chrono::steady_clock::time_point::max()) {
            run_op<send_result<T>>(
                [tx, deadline, v = std::move(value)](std::stop_token st) mutable {
                    return tx->async_send_deadline(std::move(v), deadline, st);
                },
                send_result<T>(), std::move(handler));
            return;
        }
    }
    run_op<send_result<T>>(
        [tx, v = std::move(value)](std::stop_token st) mutable {
            return tx->async_send(std::move(v), std::move(st));
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
    invoke_handler(std::move(handler), error, fired);
}

}  // namespace detail

/// Receives from `rx` (a receiver or mpmc::receiver): completes with
/// (exception_ptr, expected<T, recv_timeout_error>) - the message, `disconnected`, or `stopped`
/// when cancelled through the handler's cancellation slot.
template <class Rx, class CompletionToken>
requires detail::receiver_handle<Rx>
auto async_recv(const Rx& rx, CompletionToken&& token) {
    using T = detail::handle_value_t<Rx>;
    return detail::net::async_initiate<CompletionToken,
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
    const auto deadline = courier::detail::deadline_after(timeout);  // no_deadline: max()
    return detail::net::async_initiate<CompletionToken,
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
    return detail::net::async_initiate<CompletionToken,
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
    const auto deadline = courier::detail::deadline_after(timeout);  // no_deadline: max()
    return detail::net::async_initiate<CompletionToken,
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
    return detail::net::async_initiate<CompletionToken,
                                       void(std::exception_ptr, std::optional<std::size_t>)>(
        [](auto handler, auto... a) { detail::run_select(std::move(handler), std::move(a)...); },
        token, std::forward<Arms>(arms)...);
}

}  // namespace courier::COURIER_ASIO_ADAPTER

#undef COURIER_ASIO_NET
#undef COURIER_ASIO_ADAPTER
#undef COURIER_ASIO_HAS_CANCELLATION
