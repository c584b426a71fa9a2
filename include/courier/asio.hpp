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
//   - an exception thrown by the handler leaves the executor's run(), as from any Asio handler;
//   - per-operation cancellation through the handler's associated cancellation slot (any
//     cancellation type): the operation completes with `stopped` (async_select: nullopt). A
//     cancelled receive took nothing and a cancelled send hands its value back in the error;
//     a cancellation racing a partner lets exactly one of them complete the operation.
// The channel handles must outlive their operations (as an Asio I/O object outlives its own).
// Inside, a receive or send that can complete at once (a message or room is there, a rendezvous
// partner waits, the channel is disconnected) posts its handler with the result; an operation
// that must wait is a small coroutine of courier's awaiting the channel, its frame allocated with
// operator new.
#pragma once

#include <asio/any_io_executor.hpp>
#include <asio/associated_cancellation_slot.hpp>
#include <asio/associated_executor.hpp>
#include <asio/async_result.hpp>
#include <asio/cancellation_type.hpp>
#include <asio/executor_work_guard.hpp>
#include <asio/io_context.hpp>
#include <asio/post.hpp>

#define COURIER_ASIO_NET ::asio
#define COURIER_ASIO_ADAPTER asio
#define COURIER_ASIO_HAS_CANCELLATION 1
#include "courier/detail/asio_adapter.hpp"
