// courier for Boost.Asio: the operations of <courier/asio.hpp>, for programs that use Boost.Asio
// instead of standalone Asio, in namespace courier::boost_asio.
//
// clang-format off
//   boost::asio::awaitable<void> worker(courier::mpmc::receiver<job>& jobs) {
//       for (;;) {
//           auto m = co_await courier::boost_asio::async_recv(jobs, boost::asio::use_awaitable);
//           ...
//       }
//   }
//   courier::boost_asio::async_send(tx, v, [](std::exception_ptr e, auto result) { ... });
// clang-format on
//
// The same functions (async_recv, async_recv_timeout, async_send, async_send_timeout,
// async_select), completion signatures, executor rules and cancellation guarantees as
// <courier/asio.hpp>; that header's comment describes them. Boost 1.74 or later (Boost.Asio
// 1.18: completion tokens, standard executors, any_io_executor). Per-operation cancellation needs
// Boost 1.77 (Boost.Asio 1.19) or later, where Boost.Asio has cancellation slots; with an older
// Boost an operation cannot be cancelled and completes only as a channel operation does. Not part
// of courier.hpp: a program includes this header, and links courier::boost_asio in CMake, only
// when it uses Boost.Asio.
//
// With Clang, Boost.Asio before 1.80 enables its coroutines (awaitable, use_awaitable) only under
// the Coroutines TS; the CMake target defines BOOST_ASIO_HAS_CO_AWAIT=1 for Clang in C++20 mode.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/version.hpp>

#if BOOST_ASIO_VERSION >= 101900
#include <boost/asio/associated_cancellation_slot.hpp>
#include <boost/asio/cancellation_type.hpp>
#define COURIER_ASIO_HAS_CANCELLATION 1
#else
#define COURIER_ASIO_HAS_CANCELLATION 0
#endif

#define COURIER_ASIO_NET ::boost::asio
#define COURIER_ASIO_ADAPTER boost_asio
#include "courier/detail/asio_adapter.hpp"
