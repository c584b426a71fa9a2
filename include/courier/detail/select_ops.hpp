// The select engine: one algorithm for courier::select(...) and courier::selector.
//
// After crossbeam-channel's select.rs. Each operation of a select is a select_op with the flavors'
// two phases: try_reserve() (start_send / start_recv without blocking) and, later, completion
// (write / read). run_select():
//   1. in a random order, try to reserve each operation; the first that succeeds is selected;
//   2. otherwise register every operation with its channel's waker, all pointing at one context
//      (one waiting thread); stop early when one is ready already (then abort our own context)
//      or another thread has selected us meanwhile;
//   3. sleep until a partner selects one of our operations (context select_ = that operation's
//      id), a channel disconnects, a timer is due or the deadline passes;
//   4. unregister everything; accept() the selected operation (array/list: reserve again, which
//      can fail if another thread was faster; zero: the partner is already paired with our packet)
//      or go back to 1.
// Exactly one operation is reserved when run_select() returns it, and the caller completes it.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <type_traits>
#include <utility>

#include "courier/detail/channel.hpp"
#include "courier/detail/context.hpp"
#include "courier/detail/status.hpp"
#include "courier/detail/sync.hpp"
#include "courier/detail/time.hpp"
#include "courier/detail/waker.hpp"

namespace courier::detail {

/// One operation of a select, type-erased.
class select_op {
  public:
    select_op() = default;
    select_op(const select_op&) = delete;
    select_op& operator=(const select_op&) = delete;
    virtual ~select_op() = default;

    /// Reserves the operation if it can proceed now (or is disconnected). Never blocks.
    virtual bool try_reserve() = 0;
    /// Queues the operation on its channel for context `cx`; true if it is ready already.
    virtual bool register_op(context& cx) = 0;
    virtual void unregister_op() = 0;
    /// Our context was selected with this operation: take over the reservation.
    virtual bool accept() = 0;
    virtual bool is_ready() = 0;
    /// Queues a watcher (for ready()); true if the operation is ready already.
    virtual bool watch(context& cx) = 0;
    virtual void unwatch() = 0;
    /// For timer receivers: when the next delivery is due.
    virtual std::optional<clock::time_point> timer_deadline() { return std::nullopt; }

    std::uintptr_t id() const noexcept { return reinterpret_cast<std::uintptr_t>(this); }
};

/// The receive operation on a channel of T.
template <class T>
class recv_op final : public select_op {
  public:
    explicit recv_op(chan<T>* c) noexcept : chan_(c) {}

    chan<T>* channel() const noexcept { return chan_; }

    bool try_reserve() override {
        own_packet_ = false;
        if (chan_ == nullptr) {
            disconnected_ = true;
            return true;
        }
        return chan_->visit([&](auto& f) {
            auto& t = token_for(f);
            const bool r = f.start_recv(t);
            disconnected_ = r && t.disconnected();
            return r;
        });
    }

    bool register_op(context& cx) override {
        entry_ = waiter_entry{&cx, id(), &packet_};
        if (chan_ == nullptr) {
            return true;
        }
        return chan_->visit([&](auto& f) {
            using F = std::decay_t<decltype(f)>;
            if constexpr (is_timer_flavor<F>::value) {
                return !f.is_empty();
            } else if constexpr (is_zero_flavor<F>::value) {
                reset_packet();
                sync::lock_guard<sync::mutex> lock(f.mutex());
                f.receivers().register_op(entry_);
                f.senders().notify_observers();
                return f.senders().can_select() || f.disconnected_locked();
            } else {
                f.receivers().register_op(entry_);
                return !f.is_empty() || f.is_disconnected();
            }
        });
    }

    void unregister_op() override { unqueue(); }

    bool accept() override {
        if (chan_ == nullptr) {
            return try_reserve();
        }
        return chan_->visit([&](auto& f) {
            using F = std::decay_t<decltype(f)>;
            if constexpr (is_zero_flavor<F>::value) {
                // A sender paired with our packet and is filling it.
                own_packet_ = true;
                disconnected_ = false;
                return true;
            } else {
                return try_reserve();
            }
        });
    }

    bool is_ready() override {
        if (chan_ == nullptr) {
            return true;
        }
        return chan_->visit([&](auto& f) {
            using F = std::decay_t<decltype(f)>;
            if constexpr (is_zero_flavor<F>::value) {
                return f.sender_waiting();
            } else {
                return !f.is_empty() || f.is_disconnected();
            }
        });
    }

    bool watch(context& cx) override {
        entry_ = waiter_entry{&cx, id(), nullptr};
        if (chan_ == nullptr) {
            return true;
        }
        return chan_->visit([&](auto& f) {
            using F = std::decay_t<decltype(f)>;
            if constexpr (is_timer_flavor<F>::value) {
                return !f.is_empty();
            } else if constexpr (is_zero_flavor<F>::value) {
                sync::lock_guard<sync::mutex> lock(f.mutex());
                f.receivers().watch(entry_);
                return f.senders().can_select() || f.disconnected_locked();
            } else {
                f.receivers().watch(entry_);
                return !f.is_empty() || f.is_disconnected();
            }
        });
    }

    void unwatch() override { unqueue(); }

    std::optional<clock::time_point> timer_deadline() override {
        if (chan_ == nullptr) {
            return std::nullopt;
        }
        return chan_->visit([](auto& f) -> std::optional<clock::time_point> {
            if constexpr (is_timer_flavor<std::decay_t<decltype(f)>>::value) {
                return f.next_delivery();
            } else {
                return std::nullopt;
            }
        });
    }

    /// Completes the reserved receive: make(T&&) with the message, or fail(op_status).
    template <class Make, class Fail>
    auto complete(Make&& make, Fail&& fail)
        -> decltype(std::declval<Make&>()(std::declval<T&&>())) {
        if (disconnected_) {
            return fail(op_status::disconnected);
        }
        return chan_->visit([&](auto& f) -> decltype(std::declval<Make&>()(std::declval<T&&>())) {
            using F = std::decay_t<decltype(f)>;
            if constexpr (is_zero_flavor<F>::value) {
                if (own_packet_) {
                    own_packet_ = false;
                    return f.take_from_own(packet_, make);
                }
            }
            return f.read(token_for(f), make);
        });
    }

  private:
    template <class F>
    auto& token_for(F&) noexcept {
        if constexpr (std::is_same_v<F, array_flavor<T>>) {
            return array_token_;
        } else if constexpr (std::is_same_v<F, list_flavor<T>>) {
            return list_token_;
        } else if constexpr (std::is_same_v<F, zero_flavor<T>>) {
            return zero_token_;
        } else {
            return timer_token_;
        }
    }

    void reset_packet() noexcept {
        packet_.src = nullptr;
        packet_.peer = nullptr;
        packet_.state.store(zero_flavor<T>::pending, std::memory_order_relaxed);
    }

    void unqueue() {
        if (chan_ == nullptr) {
            return;
        }
        chan_->visit([&](auto& f) {
            using F = std::decay_t<decltype(f)>;
            if constexpr (is_timer_flavor<F>::value) {
                return;
            } else if constexpr (is_zero_flavor<F>::value) {
                sync::lock_guard<sync::mutex> lock(f.mutex());
                f.receivers().unregister(entry_);
            } else {
                f.receivers().unregister(entry_);
            }
        });
    }

    chan<T>* chan_;
    typename array_flavor<T>::token array_token_{};
    typename list_flavor<T>::token list_token_{};
    typename zero_flavor<T>::token zero_token_{};
    typename timer_flavor<T>::token timer_token_{};
    typename zero_flavor<T>::packet packet_{};
    waiter_entry entry_{};
    bool own_packet_ = false;
    bool disconnected_ = false;
};

/// The send operation on a channel of T. The message is given at registration (select(...)) or
/// only at completion (selector).
template <class T>
class send_op final : public select_op {
  public:
    explicit send_op(chan<T>* c, T* value = nullptr) noexcept : chan_(c), value_(value) {}

    chan<T>* channel() const noexcept { return chan_; }

    bool try_reserve() override {
        own_packet_ = false;
        if (chan_ == nullptr) {
            disconnected_ = true;
            return true;
        }
        return chan_->visit([&](auto& f) {
            using F = std::decay_t<decltype(f)>;
            if constexpr (is_timer_flavor<F>::value) {
                disconnected_ = true;  // a timer channel has no senders
                return true;
            } else {
                auto& t = token_for(f);
                const bool r = f.start_send(t);
                disconnected_ = r && t.disconnected();
                return r;
            }
        });
    }

    bool register_op(context& cx) override {
        entry_ = waiter_entry{&cx, id(), &packet_};
        if (chan_ == nullptr) {
            return true;
        }
        return chan_->visit([&](auto& f) {
            using F = std::decay_t<decltype(f)>;
            if constexpr (is_timer_flavor<F>::value) {
                return true;
            } else if constexpr (is_zero_flavor<F>::value) {
                packet_.src = nullptr;
                packet_.peer = nullptr;
                packet_.state.store(zero_flavor<T>::pending, std::memory_order_relaxed);
                if (value_ != nullptr) {
                    packet_.offer(value_);
                }
                sync::lock_guard<sync::mutex> lock(f.mutex());
                f.senders().register_op(entry_);
                f.receivers().notify_observers();
                return f.receivers().can_select() || f.disconnected_locked();
            } else {
                f.senders().register_op(entry_);
                return !f.is_full() || f.is_disconnected();
            }
        });
    }

    void unregister_op() override { unqueue(); }

    bool accept() override {
        if (chan_ == nullptr) {
            return try_reserve();
        }
        return chan_->visit([&](auto& f) {
            using F = std::decay_t<decltype(f)>;
            if constexpr (is_zero_flavor<F>::value) {
                // A receiver paired with our packet and is waiting for (or taking) the message.
                own_packet_ = true;
                disconnected_ = false;
                return true;
            } else {
                return try_reserve();
            }
        });
    }

    bool is_ready() override {
        if (chan_ == nullptr) {
            return true;
        }
        return chan_->visit([&](auto& f) {
            using F = std::decay_t<decltype(f)>;
            if constexpr (is_timer_flavor<F>::value) {
                return true;
            } else if constexpr (is_zero_flavor<F>::value) {
                return f.receiver_waiting();
            } else {
                return !f.is_full() || f.is_disconnected();
            }
        });
    }

    bool watch(context& cx) override {
        entry_ = waiter_entry{&cx, id(), nullptr};
        if (chan_ == nullptr) {
            return true;
        }
        return chan_->visit([&](auto& f) {
            using F = std::decay_t<decltype(f)>;
            if constexpr (is_timer_flavor<F>::value) {
                return true;
            } else if constexpr (is_zero_flavor<F>::value) {
                sync::lock_guard<sync::mutex> lock(f.mutex());
                f.senders().watch(entry_);
                return f.receivers().can_select() || f.disconnected_locked();
            } else {
                f.senders().watch(entry_);
                return !f.is_full() || f.is_disconnected();
            }
        });
    }

    void unwatch() override { unqueue(); }

    /// Completes the reserved send with `v`. op_status::full means a rendezvous receiver's move
    /// threw and the message is still in `v`.
    op_status complete(T& v) {
        if (disconnected_) {
            return op_status::disconnected;
        }
        return chan_->visit([&](auto& f) {
            using F = std::decay_t<decltype(f)>;
            if constexpr (is_timer_flavor<F>::value) {
                return op_status::disconnected;
            } else if constexpr (is_zero_flavor<F>::value) {
                if (own_packet_) {
                    own_packet_ = false;
                    if (packet_.src == nullptr) {
                        packet_.offer(std::addressof(v));
                    }
                    return packet_.wait_done() == zero_flavor<T>::taken ? op_status::ok
                                                                        : op_status::full;
                }
                return f.write(zero_token_, v);
            } else {
                f.write(token_for(f), v);
                return op_status::ok;
            }
        });
    }

  private:
    template <class F>
    auto& token_for(F&) noexcept {
        if constexpr (std::is_same_v<F, array_flavor<T>>) {
            return array_token_;
        } else if constexpr (std::is_same_v<F, list_flavor<T>>) {
            return list_token_;
        } else {
            return zero_token_;
        }
    }

    void unqueue() {
        if (chan_ == nullptr) {
            return;
        }
        chan_->visit([&](auto& f) {
            using F = std::decay_t<decltype(f)>;
            if constexpr (is_timer_flavor<F>::value) {
                return;
            } else if constexpr (is_zero_flavor<F>::value) {
                sync::lock_guard<sync::mutex> lock(f.mutex());
                f.senders().unregister(entry_);
            } else {
                f.senders().unregister(entry_);
            }
        });
    }

    chan<T>* chan_;
    T* value_;
    typename array_flavor<T>::token array_token_{};
    typename list_flavor<T>::token list_token_{};
    typename zero_flavor<T>::token zero_token_{};
    typename zero_flavor<T>::packet packet_{};
    waiter_entry entry_{};
    bool own_packet_ = false;
    bool disconnected_ = false;
};

// ---- the algorithm --------------------------------------------------------------------------

/// A per-thread random order for the fast path, so that no ready operation starves.
/// (Fisher-Yates; under the model checker every order is a scheduler choice.)
inline void shuffle_order(std::size_t* order, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) {
        order[i] = i;
    }
    for (std::size_t i = n; i > 1; --i) {
        std::swap(order[i - 1], order[sync::random_below(i)]);
    }
}

/// Selects and reserves one of `ops`; nullopt when `nonblocking` and none is ready, or when `dl`
/// passes. `order` is scratch space for n indices.
inline std::optional<std::size_t> run_select(select_op* const* ops, std::size_t* order,
                                             std::size_t n, deadline& dl, bool nonblocking) {
    for (;;) {
        shuffle_order(order, n);
        for (std::size_t k = 0; k < n; ++k) {
            if (ops[order[k]]->try_reserve()) {
                return order[k];
            }
        }
        if (nonblocking || dl.expired()) {
            return std::nullopt;
        }

        context cx;
        std::size_t registered = 0;
        std::optional<std::size_t> ready_index;
        for (std::size_t k = 0; k < n; ++k) {
            ++registered;
            if (ops[order[k]]->register_op(cx)) {
                if (cx.try_select(sel_aborted)) {
                    ready_index = order[k];
                }
                break;
            }
            if (cx.selected() != sel_waiting) {
                break;  // a partner selected one of our operations already
            }
        }
        deadline_t wake = dl.steady();
        for (std::size_t k = 0; k < n; ++k) {
            if (auto d = ops[k]->timer_deadline()) {
                if (!wake || *d < *wake) {
                    wake = d;
                }
            }
        }
        // One spin budget for every select of the process (the policy decides where it lives).
        sync::shared_hint<spin_hint> select_hint;
        const std::uintptr_t sel = cx.wait_until(wake, &select_hint.get());
        for (std::size_t k = 0; k < registered; ++k) {
            ops[order[k]]->unregister_op();
        }
        if (sel == sel_aborted) {
            if (ready_index && ops[*ready_index]->try_reserve()) {
                return *ready_index;
            }
        } else if (sel != sel_disconnected) {
            for (std::size_t k = 0; k < n; ++k) {
                if (ops[k]->id() == sel) {
                    if (ops[k]->accept()) {
                        return k;
                    }
                    break;
                }
            }
        }
    }
}

/// Finds an operation that is ready without performing it (select's ready()).
inline std::optional<std::size_t> run_ready(select_op* const* ops, std::size_t* order,
                                            std::size_t n, deadline& dl, bool nonblocking) {
    for (;;) {
        shuffle_order(order, n);
        for (std::size_t k = 0; k < n; ++k) {
            if (ops[order[k]]->is_ready() || (ops[order[k]]->timer_deadline() &&
                                              *ops[order[k]]->timer_deadline() <= clock::now())) {
                return order[k];
            }
        }
        if (nonblocking || dl.expired()) {
            return std::nullopt;
        }
        context cx;
        std::size_t watched = 0;
        for (std::size_t k = 0; k < n; ++k) {
            ++watched;
            if (ops[order[k]]->watch(cx)) {
                cx.try_select(sel_aborted);
                break;
            }
            if (cx.selected() != sel_waiting) {
                break;
            }
        }
        deadline_t wake = dl.steady();
        for (std::size_t k = 0; k < n; ++k) {
            if (auto d = ops[k]->timer_deadline()) {
                if (!wake || *d < *wake) {
                    wake = d;
                }
            }
        }
        cx.wait_until(wake);
        for (std::size_t k = 0; k < watched; ++k) {
            ops[order[k]]->unwatch();
        }
        // Loop: the fast path above reports the ready operation (observers wake on any change).
    }
}

}  // namespace courier::detail
