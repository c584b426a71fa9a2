// The throughput scenarios of crossbeam-channel's benchmark suite, written once and run through an
// adapter per channel implementation.
//
// A case is `<flavor>_<shape>`. Flavors: bounded0 (capacity 0, rendezvous), bounded1 (capacity 1),
// bounded (capacity = number of messages, so a sender never waits) and unbounded. Shapes, with
// N messages and `threads` = 4:
//   seq          one thread sends all N, then receives all N (not for bounded0/bounded1)
//   spsc         one sender thread, the main thread receives
//   mpsc         `threads` sender threads with N / threads each, the main thread receives
//   mpmc         `threads` sender threads and `threads` receiver threads, N / threads each
//   select_rx    `threads` channels with one sender thread each; the main thread receives all N
//                by selecting over every channel
// As in crossbeam's suite, the main thread holds a sender and a receiver of every channel until
// the run ends, so no channel disconnects while a select may still look at it.
//   select_both  `threads` channels; `threads` threads each send N / threads by selecting a send
//                over every channel, `threads` threads each receive N / threads by selecting a
//                receive over every channel
// Messages are 1..N (never 0, which some queues reserve as their empty marker); every scenario
// checks that the received messages add up to N (N + 1) / 2, so a lost or duplicated message
// ends the process instead of producing a number.
//
// An adapter A describes one implementation:
//   static constexpr std::string_view name;                    the `system` column
//   static constexpr bool supports(flavor, shape);             the cases it can express
//   template <flavor F> static std::pair<Tx, Rx> make_mpsc(std::size_t messages);
//       a channel of flavor F (bounded: capacity `messages`); Tx is copyable and a copy is one
//       more producer; Rx is at least movable
//   template <flavor F> static std::pair<Tx, Rx> make_mpmc(std::size_t messages);
//       the same with a copyable Rx whose copies share the messages (mpmc and select_both only)
//   static void send(const Tx&, message);                      blocks while the channel is full
//   static message recv(Rx&);                                  blocks while the channel is empty
//   static message select_recv(std::array<Rx, threads>&);      select_rx and select_both only
//   static void select_send(const std::array<Tx, threads>&, message);   select_both only
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "harness.hpp"

namespace bench {

enum class flavor { bounded0, bounded1, bounded, unbounded };
enum class shape { seq, spsc, mpsc, mpmc, select_rx, select_both };

inline constexpr std::array<flavor, 4> all_flavors = {flavor::bounded0, flavor::bounded1,
                                                      flavor::bounded, flavor::unbounded};

constexpr std::string_view name_of(flavor f) {
    switch (f) {
        case flavor::bounded0:
            return "bounded0";
        case flavor::bounded1:
            return "bounded1";
        case flavor::bounded:
            return "bounded";
        case flavor::unbounded:
            return "unbounded";
    }
    return "?";
}

constexpr std::string_view name_of(shape s) {
    switch (s) {
        case shape::seq:
            return "seq";
        case shape::spsc:
            return "spsc";
        case shape::mpsc:
            return "mpsc";
        case shape::mpmc:
            return "mpmc";
        case shape::select_rx:
            return "select_rx";
        case shape::select_both:
            return "select_both";
    }
    return "?";
}

/// Capacity of a bounded flavor for a run of `messages` messages (unused for unbounded).
constexpr std::size_t capacity_of(flavor f, std::size_t messages) {
    switch (f) {
        case flavor::bounded0:
            return 0;
        case flavor::bounded1:
            return 1;
        case flavor::bounded:
            return messages;
        case flavor::unbounded:
            return 0;
    }
    return 0;
}

/// seq needs the whole run to fit in the buffer, which capacity 0 and 1 cannot hold.
constexpr bool possible(flavor f, shape s) {
    return !(s == shape::seq && (f == flavor::bounded0 || f == flavor::bounded1));
}

/// Sum of the messages 1..n.
constexpr message expected_sum(std::size_t n) {
    return n * (n + 1) / 2;
}

inline void check_sum(message got, std::size_t n) {
    if (got != expected_sum(n)) {
        fail("received messages do not add up: a message was lost or duplicated");
    }
}

template <class T, std::size_t... I>
std::array<T, sizeof...(I)> move_to_array(std::vector<T>& v, std::index_sequence<I...>) {
    return {std::move(v[I])...};
}

/// The first `threads` handles of `v`, moved into an array (handles need no default constructor).
template <class T>
std::array<T, threads> move_to_array(std::vector<T>& v) {
    return move_to_array(v, std::make_index_sequence<threads>{});
}

template <class A, flavor F>
void run_seq(std::size_t n) {
    auto ch = A::template make_mpsc<F>(n);
    for (message i = 1; i <= n; ++i) {
        A::send(ch.first, i);
    }
    message sum = 0;
    for (std::size_t i = 0; i < n; ++i) {
        sum += A::recv(ch.second);
    }
    check_sum(sum, n);
}

template <class A, flavor F>
void run_spsc(std::size_t n) {
    auto ch = A::template make_mpsc<F>(n);
    std::thread producer([tx = ch.first, n] {
        for (message i = 1; i <= n; ++i) {
            A::send(tx, i);
        }
    });
    message sum = 0;
    for (std::size_t i = 0; i < n; ++i) {
        sum += A::recv(ch.second);
    }
    producer.join();
    check_sum(sum, n);
}

template <class A, flavor F>
void run_mpsc(std::size_t n) {
    auto ch = A::template make_mpsc<F>(n);
    const std::size_t per = n / threads;
    std::vector<std::thread> producers;
    for (std::size_t t = 0; t < threads; ++t) {
        producers.emplace_back([tx = ch.first, first = t * per + 1, per] {
            for (message i = first; i < first + per; ++i) {
                A::send(tx, i);
            }
        });
    }
    message sum = 0;
    for (std::size_t i = 0; i < n; ++i) {
        sum += A::recv(ch.second);
    }
    for (auto& p : producers) {
        p.join();
    }
    check_sum(sum, n);
}

template <class A, flavor F>
void run_mpmc(std::size_t n) {
    auto ch = A::template make_mpmc<F>(n);
    const std::size_t per = n / threads;
    std::atomic<message> sum{0};
    std::vector<std::thread> workers;
    for (std::size_t t = 0; t < threads; ++t) {
        workers.emplace_back([tx = ch.first, first = t * per + 1, per] {
            for (message i = first; i < first + per; ++i) {
                A::send(tx, i);
            }
        });
    }
    for (std::size_t t = 0; t < threads; ++t) {
        workers.emplace_back([rx = ch.second, per, &sum]() mutable {
            message local = 0;
            for (std::size_t i = 0; i < per; ++i) {
                local += A::recv(rx);
            }
            sum.fetch_add(local, std::memory_order_relaxed);
        });
    }
    for (auto& w : workers) {
        w.join();
    }
    check_sum(sum.load(), n);
}

template <class A, flavor F>
void run_select_rx(std::size_t n) {
    using pair_type = decltype(A::template make_mpsc<F>(n));
    using tx_type = typename pair_type::first_type;
    using rx_type = typename pair_type::second_type;
    const std::size_t per = n / threads;
    std::vector<std::thread> producers;
    // The main thread keeps a sender of every channel, as crossbeam's suite does, so that a
    // channel whose producer has finished does not disconnect (which would make it ready).
    std::vector<tx_type> tx_list;
    std::vector<rx_type> rx_list;
    for (std::size_t t = 0; t < threads; ++t) {
        auto ch = A::template make_mpsc<F>(n);
        producers.emplace_back([tx = ch.first, first = t * per + 1, per] {
            for (message i = first; i < first + per; ++i) {
                A::send(tx, i);
            }
        });
        tx_list.push_back(std::move(ch.first));
        rx_list.push_back(std::move(ch.second));
    }
    std::array<rx_type, threads> rxs = move_to_array(rx_list);
    message sum = 0;
    for (std::size_t i = 0; i < n; ++i) {
        sum += A::select_recv(rxs);
    }
    for (auto& p : producers) {
        p.join();
    }
    check_sum(sum, n);
}

template <class A, flavor F>
void run_select_both(std::size_t n) {
    using pair_type = decltype(A::template make_mpmc<F>(n));
    using tx_type = typename pair_type::first_type;
    using rx_type = typename pair_type::second_type;
    const std::size_t per = n / threads;
    std::vector<tx_type> tx_list;
    std::vector<rx_type> rx_list;
    for (std::size_t t = 0; t < threads; ++t) {
        auto ch = A::template make_mpmc<F>(n);
        tx_list.push_back(std::move(ch.first));
        rx_list.push_back(std::move(ch.second));
    }
    // Every worker gets its own copy of all senders or all receivers; the main thread keeps one
    // of each until the run ends.
    const std::pair handles{move_to_array(tx_list), move_to_array(rx_list)};
    std::atomic<message> sum{0};
    std::vector<std::thread> workers;
    for (std::size_t t = 0; t < threads; ++t) {
        workers.emplace_back([txs = handles.first, first = t * per + 1, per] {
            for (message i = first; i < first + per; ++i) {
                A::select_send(txs, i);
            }
        });
    }
    for (std::size_t t = 0; t < threads; ++t) {
        workers.emplace_back([rxs = handles.second, per, &sum]() mutable {
            message local = 0;
            for (std::size_t i = 0; i < per; ++i) {
                local += A::select_recv(rxs);
            }
            sum.fetch_add(local, std::memory_order_relaxed);
        });
    }
    for (auto& w : workers) {
        w.join();
    }
    check_sum(sum.load(), n);
}

template <class A, flavor F, shape S>
void add_case(std::vector<bench_case>& out) {
    if constexpr (possible(F, S) && A::supports(F, S)) {
        std::string name = std::string(name_of(F)) + "_" + std::string(name_of(S));
        if constexpr (S == shape::seq) {
            out.push_back({std::move(name), &run_seq<A, F>});
        } else if constexpr (S == shape::spsc) {
            out.push_back({std::move(name), &run_spsc<A, F>});
        } else if constexpr (S == shape::mpsc) {
            out.push_back({std::move(name), &run_mpsc<A, F>});
        } else if constexpr (S == shape::mpmc) {
            out.push_back({std::move(name), &run_mpmc<A, F>});
        } else if constexpr (S == shape::select_rx) {
            out.push_back({std::move(name), &run_select_rx<A, F>});
        } else {
            out.push_back({std::move(name), &run_select_both<A, F>});
        }
    }
}

template <class A, flavor F>
void add_flavor(std::vector<bench_case>& out) {
    add_case<A, F, shape::seq>(out);
    add_case<A, F, shape::spsc>(out);
    add_case<A, F, shape::mpsc>(out);
    add_case<A, F, shape::mpmc>(out);
    add_case<A, F, shape::select_rx>(out);
    add_case<A, F, shape::select_both>(out);
}

/// Every case adapter A can express, flavor by flavor in the order of all_flavors.
template <class A>
std::vector<bench_case> cases_for() {
    std::vector<bench_case> out;
    add_flavor<A, flavor::bounded0>(out);
    add_flavor<A, flavor::bounded1>(out);
    add_flavor<A, flavor::bounded>(out);
    add_flavor<A, flavor::unbounded>(out);
    return out;
}

}  // namespace bench
