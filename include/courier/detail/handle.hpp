// The machinery behind the public handles: reference counting, turning internal statuses into the
// public error types, and the receive ranges. The public classes in mpsc.hpp and mpmc.hpp expose a
// subset of these operations each; none of them adds behaviour of its own.
#pragma once

#include <chrono>
#include <cstddef>
#include <iterator>
#include <optional>
#include <type_traits>
#include <utility>

#include "courier/detail/channel.hpp"
#include "courier/detail/status.hpp"
#include "courier/detail/time.hpp"
#include "courier/error.hpp"
#include "courier/expected.hpp"

namespace courier::detail {

/// Reaches the channel behind any public handle (for select and the timers).
struct access {
    template <class Handle>
    static auto* chan_of(const Handle& h) noexcept {
        return h.core_.get();
    }
};

// ---- senders --------------------------------------------------------------------------------

/// Owns one sender count of a channel (or none: an empty handle).
template <class T>
class sender_core {
  public:
    sender_core() noexcept = default;
    explicit sender_core(chan<T>* c) noexcept : chan_(c) {}
    sender_core(const sender_core& other) noexcept : chan_(other.chan_) {
        if (chan_ != nullptr && !COURIER_MUTANT(14)) {  // mutant 14: the clone is not counted
            chan_->acquire_sender();
        }
    }
    sender_core(sender_core&& other) noexcept : chan_(std::exchange(other.chan_, nullptr)) {}
    sender_core& operator=(const sender_core& other) noexcept {
        if (this != &other) {
            sender_core tmp(other);
            swap(tmp);
        }
        return *this;
    }
    sender_core& operator=(sender_core&& other) noexcept {
        if (this != &other) {
            reset();
            chan_ = std::exchange(other.chan_, nullptr);
        }
        return *this;
    }
    ~sender_core() { reset(); }

    void swap(sender_core& other) noexcept { std::swap(chan_, other.chan_); }

    void reset() noexcept {
        if (chan<T>* c = std::exchange(chan_, nullptr)) {
            c->release_sender();
        }
    }

    expected<void, send_error<T>> send(T&& v) const {
        deadline dl = deadline::never();
        if (chan_ == nullptr || chan_->send(v, dl) != op_status::ok) {
            return expected<void, send_error<T>>(unexpect, send_error<T>{std::move(v)});
        }
        return {};
    }

    expected<void, try_send_error<T>> try_send(T&& v) const {
        const op_status s = chan_ != nullptr ? chan_->try_send(v) : op_status::disconnected;
        if (s == op_status::ok) {
            return {};
        }
        return expected<void, try_send_error<T>>(
            unexpect,
            try_send_error<T>{s == op_status::full ? send_status::full : send_status::disconnected,
                              std::move(v)});
    }

    expected<void, send_timeout_error<T>> send_until(T&& v, deadline& dl) const {
        const op_status s = chan_ != nullptr ? chan_->send(v, dl) : op_status::disconnected;
        if (s == op_status::ok) {
            return {};
        }
        return expected<void, send_timeout_error<T>>(
            unexpect, send_timeout_error<T>{s == op_status::timeout ? send_status::timeout
                                                                    : send_status::disconnected,
                                            std::move(v)});
    }

    bool is_disconnected() const { return chan_ == nullptr || chan_->is_disconnected(); }
    std::size_t size() const { return chan_ != nullptr ? chan_->len() : 0; }
    bool empty() const { return chan_ == nullptr || chan_->is_empty(); }
    std::optional<std::size_t> capacity() const {
        return chan_ != nullptr ? chan_->capacity() : std::optional<std::size_t>{0};
    }
    explicit operator bool() const noexcept { return chan_ != nullptr; }

    chan<T>* get() const noexcept { return chan_; }

  private:
    chan<T>* chan_ = nullptr;
};

// ---- receivers ------------------------------------------------------------------------------

template <class T>
class receiver_core;

/// Input iterator over a receiver. It receives lazily, when compared with the end sentinel (never
/// in ++), so `take(n)` consumes exactly n messages. *it yields the message as an rvalue, so
/// `for (auto v : rx)` works for move-only types.
template <class T, bool Try>
class recv_iterator {
  public:
    using value_type = T;
    using difference_type = std::ptrdiff_t;
    using reference = T&&;
    using iterator_concept = std::input_iterator_tag;
    using iterator_category = std::input_iterator_tag;

    recv_iterator() = default;
    explicit recv_iterator(const receiver_core<T>* rx) noexcept : rx_(rx) {}

    T&& operator*() const noexcept { return std::move(*current_); }
    T* operator->() const noexcept { return &*current_; }

    recv_iterator& operator++() noexcept {
        current_.reset();
        return *this;
    }
    void operator++(int) noexcept { ++*this; }

    friend bool operator==(const recv_iterator& it, std::default_sentinel_t) { return !it.fetch(); }

  private:
    // Makes sure a message is held; false when the range has ended.
    bool fetch() const {
        if (current_.has_value()) {
            return true;
        }
        if (rx_ == nullptr) {
            return false;
        }
        if constexpr (Try) {
            return rx_->try_recv_into(current_);
        } else {
            return rx_->recv_into(current_);
        }
    }

    const receiver_core<T>* rx_ = nullptr;
    mutable std::optional<T> current_;
};

/// A range over a receiver: blocking (`Try == false`, ends on disconnection) or non-blocking
/// (`Try == true`, ends when nothing is available now).
template <class T, bool Try>
class recv_range {
  public:
    explicit recv_range(const receiver_core<T>* rx) noexcept : rx_(rx) {}
    recv_iterator<T, Try> begin() const noexcept { return recv_iterator<T, Try>(rx_); }
    std::default_sentinel_t end() const noexcept { return {}; }

  private:
    const receiver_core<T>* rx_;
};

/// Owns one receiver count of a channel (or none: an empty handle).
template <class T>
class receiver_core {
  public:
    using value_result = expected<T, recv_error>;
    using try_result = expected<T, try_recv_error>;
    using timeout_result = expected<T, recv_timeout_error>;

    receiver_core() noexcept = default;
    explicit receiver_core(chan<T>* c) noexcept : chan_(c) {}
    receiver_core(const receiver_core& other) noexcept : chan_(other.chan_) {
        if (chan_ != nullptr) {
            chan_->acquire_receiver();
        }
    }
    receiver_core(receiver_core&& other) noexcept : chan_(std::exchange(other.chan_, nullptr)) {}
    receiver_core& operator=(const receiver_core& other) noexcept {
        if (this != &other) {
            receiver_core tmp(other);
            std::swap(chan_, tmp.chan_);
        }
        return *this;
    }
    receiver_core& operator=(receiver_core&& other) noexcept {
        if (this != &other) {
            reset();
            chan_ = std::exchange(other.chan_, nullptr);
        }
        return *this;
    }
    ~receiver_core() { reset(); }

    void reset() noexcept {
        // Mutant 19 keeps the pointer: the destructor releases the channel a second time.
        if (chan<T>* c = COURIER_MUTANT(19) ? chan_ : std::exchange(chan_, nullptr)) {
            c->release_receiver();
        }
    }

    value_result recv() const {
        if (chan_ == nullptr) {
            return value_result(unexpect, recv_error{});
        }
        deadline dl = deadline::never();
        return chan_->recv(
            dl, [](T&& v) { return value_result(std::in_place, std::move(v)); },
            [](op_status) { return value_result(unexpect, recv_error{}); });
    }

    try_result try_recv() const {
        if (chan_ == nullptr) {
            return try_result(unexpect, try_recv_error::disconnected);
        }
        return chan_->try_recv([](T&& v) { return try_result(std::in_place, std::move(v)); },
                               [](op_status s) {
                                   return try_result(unexpect, s == op_status::empty
                                                                   ? try_recv_error::empty
                                                                   : try_recv_error::disconnected);
                               });
    }

    timeout_result recv_until(deadline& dl) const {
        if (chan_ == nullptr) {
            return timeout_result(unexpect, recv_timeout_error::disconnected);
        }
        return chan_->recv(
            dl, [](T&& v) { return timeout_result(std::in_place, std::move(v)); },
            [](op_status s) {
                return timeout_result(unexpect, s == op_status::timeout
                                                    ? recv_timeout_error::timeout
                                                    : recv_timeout_error::disconnected);
            });
    }

    // Receive straight into an iterator's storage: one move from the channel, and a throwing move
    // leaves the message in the channel.
    bool recv_into(std::optional<T>& out) const {
        if (chan_ == nullptr) {
            return false;
        }
        deadline dl = deadline::never();
        return chan_->recv(
            dl,
            [&](T&& v) {
                out.emplace(std::move(v));
                return true;
            },
            [](op_status) { return false; });
    }

    bool try_recv_into(std::optional<T>& out) const {
        if (chan_ == nullptr) {
            return false;
        }
        return chan_->try_recv(
            [&](T&& v) {
                out.emplace(std::move(v));
                return true;
            },
            [](op_status) { return false; });
    }

    recv_iterator<T, false> begin() const noexcept { return recv_iterator<T, false>(this); }
    std::default_sentinel_t end() const noexcept { return {}; }
    recv_range<T, false> iter() const noexcept { return recv_range<T, false>(this); }
    recv_range<T, true> try_iter() const noexcept { return recv_range<T, true>(this); }

    void close() const {
        if (chan_ != nullptr) {
            chan_->close();
        }
    }

    bool is_disconnected() const { return chan_ == nullptr || chan_->is_disconnected(); }
    std::size_t size() const { return chan_ != nullptr ? chan_->len() : 0; }
    bool empty() const { return chan_ == nullptr || chan_->is_empty(); }
    std::optional<std::size_t> capacity() const {
        return chan_ != nullptr ? chan_->capacity() : std::optional<std::size_t>{0};
    }
    explicit operator bool() const noexcept { return chan_ != nullptr; }

    chan<T>* get() const noexcept { return chan_; }

  private:
    chan<T>* chan_ = nullptr;
};

}  // namespace courier::detail
