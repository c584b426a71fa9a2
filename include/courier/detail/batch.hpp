// batch_sink: where try_recv_many / recv_many put the messages they take, over the caller's output
// iterator. A flavor that claims a run of k messages in one step calls prepare(k) *before* it
// claims them and put() once per message after; it claims runs only when put() cannot throw once
// prepare() returned (nothrow_put), so that no claimed message can be stranded by an exception.
// Otherwise (a sink that may throw) it takes one message at a time.
//
// An iterator that appends to a vector-like container (std::back_insert_iterator over a container
// with reserve() and capacity() whose value_type is T) reserves room in prepare() and then appends
// without allocating; any other iterator is written through as `*out = COURIER_MOVE(v); ++out;`.
#pragma once

#include <cstddef>
#include <iterator>
#include <type_traits>
#include <utility>

#include "courier/detail/config.hpp"
#include "courier/detail/status.hpp"

namespace courier::detail {

/// Writes through (a copy of) the output iterator `out`.
template <class T, class Out>
class batch_sink {
  public:
    explicit batch_sink(Out& out) noexcept(std::is_nothrow_move_constructible_v<Out>)
        : out_(COURIER_MOVE(out)) {}

    static constexpr bool nothrow_put =
        noexcept(*std::declval<Out&>() = std::declval<T&&>())&& noexcept(++std::declval<Out&>());

    COURIER_TRIVIAL void prepare(std::size_t) noexcept {}

    void put(T&& v) noexcept(nothrow_put) {
        *out_ = COURIER_MOVE(v);
        ++out_;
    }

  private:
    Out out_;
};

/// A container that back_inserter appends to without allocating once reserve() made room.
template <class C, class T>
concept reservable_sequence = std::is_same_v<typename C::value_type, T> && requires(C& c) {
    c.reserve(c.size());
    { c.capacity() } -> std::convertible_to<std::size_t>;
    c.push_back(std::declval<T&&>());
};

template <class T, class C>
requires reservable_sequence<C, T>
class batch_sink<T, std::back_insert_iterator<C>> {
    // back_insert_iterator keeps its container in a protected member.
    struct container_of : std::back_insert_iterator<C> {
        static C& get(std::back_insert_iterator<C>& it) noexcept {
            return *(it.*(&container_of::container));
        }
    };

  public:
    COURIER_TRIVIAL explicit batch_sink(std::back_insert_iterator<C>& out) noexcept
        : c_(container_of::get(out)) {}

    static constexpr bool nothrow_put = std::is_nothrow_move_constructible_v<T>;

    /// Makes room for `k` more messages (growing geometrically, so that many small batches cost
    /// amortized constant time each); may throw, before anything is claimed.
    void prepare(std::size_t k) {
        const std::size_t size = c_.size();
        const std::size_t cap = c_.capacity();
        if (cap - size < k) {
            c_.reserve(size + k > 2 * cap ? size + k : 2 * cap);
        }
    }

    COURIER_TRIVIAL void put(T&& v) noexcept(nothrow_put) { c_.push_back(COURIER_MOVE(v)); }

  private:
    C& c_;
};

/// try_recv_many for a flavor that has no run of messages to claim (rendezvous, timers): one
/// try_recv per message. Returns how many, with `st` = ok; or 0 with `st` = empty or disconnected.
template <class T, class Flavor, class Sink>
std::size_t recv_each(Flavor& f, Sink& sink, std::size_t max, op_status& st) {
    st = op_status::ok;
    std::size_t n = 0;
    auto put = [&sink](T&& v) {
        sink.put(COURIER_MOVE(v));
        return true;
    };
    auto fail = [&st, &n](op_status s) {
        if (n == 0) {
            st = s;
        }
        return false;
    };
    for (; n < max; ++n) {
        sink.prepare(1);
        if (!f.try_recv(put, fail)) {
            break;
        }
    }
    return n;
}

}  // namespace courier::detail
