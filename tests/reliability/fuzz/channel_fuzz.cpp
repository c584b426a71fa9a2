// A libFuzzer target: the input bytes are decoded into a sequence of channel operations on up to
// four channels of every flavor (unbounded, bounded 1..4, rendezvous; through courier::channel /
// sync_channel and courier::mpmc), all on one thread, and every result is checked against a
// sequential model (a std::deque per channel, the handle counts, the closed flag).
//
// Operations: create a channel, clone / drop / move-from a handle, send / try_send /
// send_timeout(0) / send_deadline(past), recv / try_recv / recv_timeout(0) / recv_deadline(past),
// try_recv_many / recv_many (into a vector or an array, max 0..7), try_iter, close, the snapshots
// size / empty / is_disconnected / capacity, downgrade / upgrade / drop of weak senders,
// sender_count / receiver_count / same_channel, receives and sends with a std::stop_token whose
// stop was requested (they try once, then report `stopped`), and the awaitables (async_recv,
// async_send and their timed and stop forms, driven by hand: at once, suspended then completed by
// a send, suspended then destroyed). Blocking calls are only made where the
// model says they return at once. After every operation the number of live message objects must
// equal the number of buffered messages: a leak or a double destruction fails at the operation that
// caused it.
//
//   clang++-14 -std=c++20 -fsanitize=fuzzer,address,undefined -Iinclude channel_fuzz.cpp
//   (scripts/fuzz.sh builds and runs it; replay_main.cpp replays a corpus without libFuzzer)
#include <courier/courier.hpp>

#include <algorithm>
#include <array>
#include <chrono>
#include <coroutine>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <iterator>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace {

using namespace std::chrono_literals;

long g_live = 0;  // live message objects (single-threaded)

/// A message that counts its live objects. Moved-from objects hold -1.
class item {
  public:
    explicit item(int v) noexcept : v_(v) { ++g_live; }
    item(item&& o) noexcept : v_(std::exchange(o.v_, -1)) { ++g_live; }
    item(const item&) = delete;
    item& operator=(const item&) = delete;
    item& operator=(item&&) = delete;
    ~item() { --g_live; }
    int value() const noexcept { return v_; }

  private:
    int v_;
};

[[noreturn]] void fail(const std::string& what) {
    std::fprintf(stderr, "channel_fuzz: model mismatch: %s\n", what.c_str());
    std::fflush(stderr);
    std::abort();
}

void check(bool ok, const char* what) {
    if (!ok) {
        fail(what);
    }
}

// check() for the call `what` and what was expected of it; the message is built only on failure.
void check(bool ok, const char* what, const char* expected) {
    if (!ok) {
        fail(std::string(what) + ": " + expected);
    }
}

/// Hands out the input bytes; zeros once they run out.
class reader {
  public:
    reader(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}
    bool more() const { return pos_ < size_; }
    std::uint8_t byte() { return pos_ < size_ ? data_[pos_++] : 0; }

  private:
    const std::uint8_t* data_;
    std::size_t size_;
    std::size_t pos_ = 0;
};

constexpr std::size_t max_handles = 4;

/// One channel under test, with its model. The operations take their arguments from the input.
class slot_base {
  public:
    virtual ~slot_base() = default;
    virtual void step(reader& in) = 0;
    virtual std::size_t buffered() const = 0;
};

template <class Tx, class Rx, bool Mpmc>
class channel_slot final : public slot_base {
    static constexpr bool bounded_tx = requires(const Tx& tx, item v) {
        tx.try_send(std::move(v));
    };

  public:
    // cap: nullopt = unbounded, else the capacity (0 = rendezvous).
    channel_slot(std::pair<Tx, Rx> ends, std::optional<std::size_t> cap, int* next_value)
        : cap_(cap), next_(next_value) {
        senders_[0].emplace(std::move(ends.first));
        receivers_[0].emplace(std::move(ends.second));
    }

    std::size_t buffered() const override { return q_.size(); }

    void step(reader& in) override {
        const std::uint8_t op = in.byte();
        const std::size_t h = in.byte() % max_handles;
        switch (op % 20) {
            case 16:
                downgrade_or_upgrade(h);
                break;
            case 17:
                weak_[h].reset();
                break;
            case 18:
                counts(h, in.byte() % max_handles);
                break;
            case 19:
                stopped_call(h, in.byte() % 2);
                break;
            case 0:
                clone_sender(h);
                break;
            case 1:
                drop_sender(h);
                break;
            case 2:
                clone_or_move_receiver(h, in.byte());
                break;
            case 3:
                drop_receiver(h);
                break;
            case 4:
            case 5:
                send(h, in.byte() % 4);
                break;
            case 6:
            case 7:
            case 8:
                recv(h, in.byte() % 4);
                break;
            case 9:
                try_iter(h, in.byte() % 4);
                break;
            case 10:
                close(h);
                break;
            case 11:
                move_sender(h, in.byte() % max_handles);
                break;
            case 12:
                snapshots(h);
                break;
            case 13:
                send_empty_handle();
                break;
            case 14:
                async_op(h, in.byte());
                break;
            case 15:
                recv_batch(h, in.byte());
                break;
            default:
                send(h, in.byte() % 4);
                recv(h, in.byte() % 4);
                break;
        }
    }

  private:
    // ---- the model ----

    std::size_t live_senders() const {
        std::size_t n = 0;
        for (const auto& s : senders_) {
            n += s && static_cast<bool>(*s) ? 1 : 0;
        }
        return n;
    }
    std::size_t live_receivers() const {
        std::size_t n = 0;
        for (const auto& r : receivers_) {
            n += r && static_cast<bool>(*r) ? 1 : 0;
        }
        return n;
    }
    // Senders see the channel disconnected: every receiver gone, or closed.
    bool send_disconnected() const { return receivers_gone_ || closed_; }
    // Receivers see disconnected once the buffer is empty: every sender gone, or closed.
    bool recv_disconnected() const { return senders_gone_ || closed_; }
    bool disconnected() const { return senders_gone_ || receivers_gone_ || closed_; }
    bool room() const { return !cap_ || q_.size() < *cap_; }

    Tx* sender_at(std::size_t h) {
        auto& s = senders_[h];
        return s ? &*s : nullptr;
    }
    Rx* receiver_at(std::size_t h) {
        auto& r = receivers_[h];
        return r ? &*r : nullptr;
    }

    void note_sender_drop(bool was_live) {
        if (was_live && live_senders() == 0) {
            senders_gone_ = true;
        }
    }
    void note_receiver_drop(bool was_live) {
        if (was_live && live_receivers() == 0) {
            receivers_gone_ = true;
            // The last receiver destroys every buffered message before its drop returns.
            q_.clear();
        }
    }

    // ---- operations ----

    void clone_sender(std::size_t h) {
        Tx* src = nullptr;
        for (auto& s : senders_) {
            if (s && static_cast<bool>(*s)) {
                src = &*s;
                break;
            }
        }
        if (src == nullptr || senders_[h]) {
            return;
        }
        senders_[h].emplace(*src);
        check(static_cast<bool>(*senders_[h]), "a clone of a live sender is empty");
    }

    void drop_sender(std::size_t h) {
        Tx* s = sender_at(h);
        if (s == nullptr) {
            return;
        }
        const bool live = static_cast<bool>(*s);
        if (h % 2 == 0) {
            s->reset();
            check(!static_cast<bool>(*s), "a reset sender is not empty");
        }
        senders_[h].reset();
        note_sender_drop(live);
    }

    void move_sender(std::size_t from, std::size_t to) {
        Tx* s = sender_at(from);
        if (s == nullptr || from == to || senders_[to]) {
            return;
        }
        const bool live = static_cast<bool>(*s);
        senders_[to].emplace(std::move(*s));
        check(!static_cast<bool>(*s), "a moved-from sender is not empty");
        check(static_cast<bool>(*senders_[to]) == live, "moving a sender changed its state");
    }

    void clone_or_move_receiver(std::size_t h, std::uint8_t how) {
        if (receivers_[h]) {
            return;
        }
        for (std::size_t i = 0; i < max_handles; ++i) {
            auto& r = receivers_[i];
            if (!r || !static_cast<bool>(*r)) {
                continue;
            }
            if constexpr (Mpmc) {
                if (how % 2 == 0) {
                    receivers_[h].emplace(*r);
                    check(static_cast<bool>(*receivers_[h]), "a receiver clone is empty");
                    return;
                }
            }
            static_cast<void>(how);
            receivers_[h].emplace(std::move(*r));
            check(!static_cast<bool>(*r), "a moved-from receiver is not empty");
            return;
        }
    }

    void drop_receiver(std::size_t h) {
        Rx* r = receiver_at(h);
        if (r == nullptr) {
            return;
        }
        const bool live = static_cast<bool>(*r);
        if (h % 2 == 0) {
            r->reset();
        }
        receivers_[h].reset();
        note_receiver_drop(live);
    }

    void close(std::size_t h) {
        Rx* r = receiver_at(h);
        if (r == nullptr) {
            return;
        }
        r->close();
        if (static_cast<bool>(*r)) {
            closed_ = true;
        }
    }

    // Checks a value handed back in an error and takes it.
    static void handed_back(const item& v, int expected) {
        check(v.value() == expected, "the value handed back is not the one sent");
    }

    // Checks the result of a send of `v` that does not block (try, timed out at once, or stopped)
    // against the model: `disconnected` when it `fails`, else busy (`is_busy(error)`: full, timeout
    // or stopped) when there is no room, else sent. A failed send hands `v` back.
    template <class Result, class IsBusy>
    void check_quick_send(Result& r, int v, bool fails, IsBusy is_busy, const char* what) {
        if (fails) {
            check(!r && r.error().is_disconnected(), what, "expected disconnected");
            handed_back(r.error().value, v);
        } else if (!room()) {
            check(!r && is_busy(r.error()), what, "expected it not to complete");
            handed_back(r.error().value, v);
        } else {
            check(r.has_value(), what, "expected success");
            q_.push_back(v);
        }
    }

    // Checks the result of a receive that does not block against the model: the oldest message
    // when one `has` to arrive, else `disconnected` once the channel `ends`, else `idle`.
    template <class Result, class Error>
    void check_quick_recv(const Result& m, bool has, bool ends, Error disconnected, Error idle,
                          const char* what) {
        if (!has) {
            check(!m && m.error() == (ends ? disconnected : idle), what, "wrong error");
            return;
        }
        take(m, true, what);
    }

    void send(std::size_t h, int how) {
        Tx* s = sender_at(h);
        if (s == nullptr) {
            return;
        }
        const int v = (*next_)++;
        const bool live = static_cast<bool>(*s);
        const bool fails = !live || send_disconnected();
        if constexpr (bounded_tx) {
            if (how == 1 || (how == 0 && !fails && !room())) {
                auto r = s->try_send(item(v));
                check_quick_send(
                    r, v, fails, [](const auto& e) { return e.is_full(); }, "try_send");
                return;
            }
            if (how == 2 || how == 3) {
                auto r = how == 2
                             ? s->send_timeout(item(v), 0ms)
                             : s->send_deadline(item(v), std::chrono::steady_clock::now() - 1s);
                check_quick_send(
                    r, v, fails, [](const auto& e) { return e.is_timeout(); }, "send_timeout");
                return;
            }
        }
        // Blocking send: only where it returns at once (room, or disconnected).
        if (!fails && !room()) {
            return;
        }
        auto r = s->send(item(v));
        if (fails) {
            check(!r, "send: expected disconnected");
            handed_back(r.error().value, v);
        } else {
            check(r.has_value(), "send: expected success");
            q_.push_back(v);
        }
    }

    void send_empty_handle() {
        Tx empty;
        const int v = (*next_)++;
        auto r = empty.send(item(v));
        check(!r, "send on an empty handle succeeded");
        handed_back(r.error().value, v);
        Rx none;
        check(!none.recv().has_value(), "recv on an empty handle succeeded");
        auto t = none.try_recv();
        check(!t && t.error() == courier::try_recv_error::disconnected,
              "try_recv on an empty handle: expected disconnected");
        check(none.is_disconnected(), "an empty receiver is not disconnected");
        check(empty.is_disconnected(), "an empty sender is not disconnected");
    }

    // A weak sender in slot h: made from the first live sender if the slot is empty, else
    // upgraded, which succeeds exactly while the channel is connected on both sides.
    void downgrade_or_upgrade(std::size_t h) {
        if (!weak_[h]) {
            for (auto& s : senders_) {
                if (s && static_cast<bool>(*s)) {
                    weak_[h].emplace(s->downgrade());
                    check(static_cast<bool>(*weak_[h]), "downgrade of a live sender is empty");
                    return;
                }
            }
            return;
        }
        auto strong = weak_[h]->upgrade();
        const bool connected = !senders_gone_ && !receivers_gone_ && !closed_;
        check(strong.has_value() == connected, "upgrade disagrees with the connection state");
        if (!strong) {
            return;
        }
        check(strong->sender_count() == live_senders() + 1, "an upgraded sender is not counted");
        for (auto& s : senders_) {
            if (!s) {
                s.emplace(std::move(*strong));
                return;
            }
        }
        // No free slot: the upgraded sender is dropped again; others are live, so nothing changes.
    }

    void counts(std::size_t h, std::size_t other) {
        const std::size_t senders = senders_gone_ ? 0 : live_senders();
        const std::size_t receivers = live_receivers();
        if (Tx* s = sender_at(h); s != nullptr && static_cast<bool>(*s)) {
            check(s->sender_count() == senders, "sender_count on a sender");
            check(s->receiver_count() == receivers, "receiver_count on a sender");
            if (Rx* r = receiver_at(other); r != nullptr) {
                check(s->same_channel(*r) == static_cast<bool>(*r), "same_channel sender/receiver");
            }
        }
        if (Rx* r = receiver_at(h); r != nullptr && static_cast<bool>(*r)) {
            check(r->sender_count() == senders, "sender_count on a receiver");
            check(r->receiver_count() == receivers, "receiver_count on a receiver");
        }
        if (weak_[h]) {
            check(weak_[h]->sender_count() == senders, "sender_count on a weak sender");
            check(weak_[h]->receiver_count() == receivers, "receiver_count on a weak sender");
        }
    }

    // A receive (or, bounded, a send) whose token was stopped before the call: one try, then
    // `stopped` where the plain call would have blocked.
    void stopped_call(std::size_t h, int send_side) {
        std::stop_source source;
        source.request_stop();
        if constexpr (bounded_tx) {
            if (send_side == 1) {
                Tx* s = sender_at(h);
                if (s == nullptr) {
                    return;
                }
                const int v = (*next_)++;
                const bool fails = !static_cast<bool>(*s) || send_disconnected();
                auto r = s->send(item(v), source.get_token());
                check_quick_send(
                    r, v, fails, [](const auto& e) { return e.is_stopped(); }, "send(stop)");
                return;
            }
        }
        Rx* r = receiver_at(h);
        if (r == nullptr) {
            return;
        }
        const bool live = static_cast<bool>(*r);
        const bool has = live && !q_.empty();
        const bool ends = !live || (q_.empty() && recv_disconnected());
        check_quick_recv(r->recv(source.get_token()), has, ends,
                         courier::recv_timeout_error::disconnected,
                         courier::recv_timeout_error::stopped, "recv(stop)");
    }

    // The awaitables of <courier/async.hpp>, driven by hand on this thread (await_ready, then
    // await_suspend with a no-op coroutine handle, await_resume), checked like the blocking calls:
    // the forms that complete at once, a suspended receive that a send on this thread completes
    // (the send resumes it before it returns), and suspended operations destroyed (cancelled).
    void async_op(std::size_t h, std::uint8_t arg) {
        const int how = arg % 6;
        if (how == 3 || (how == 4 && arg / 6 % 2 == 1)) {
            async_send_op(h, how == 4);
            return;
        }
        Rx* r = receiver_at(h);
        if (r == nullptr) {
            return;
        }
        const bool live = static_cast<bool>(*r);
        const bool has = live && !q_.empty();
        const bool ends = !live || (q_.empty() && recv_disconnected());
        if (how == 0) {
            auto a = r->async_recv_timeout(0ms);
            check(a.await_ready(), "async_recv_timeout(0) suspended");
            check_quick_recv(a.await_resume(), has, ends, courier::recv_timeout_error::disconnected,
                             courier::recv_timeout_error::timeout, "async_recv_timeout");
            return;
        }
        if (how == 1) {
            std::stop_source source;
            source.request_stop();
            auto a = r->async_recv(source.get_token());
            check(a.await_ready(), "async_recv(stopped) suspended");
            check_quick_recv(a.await_resume(), has, ends, courier::recv_timeout_error::disconnected,
                             courier::recv_timeout_error::stopped, "async_recv(stop)");
            return;
        }
        auto a = r->async_recv();
        const bool ready = a.await_ready();
        check(ready == (has || ends), "async_recv: ready disagrees with the model");
        if (ready) {
            take(a.await_resume(), has, "async_recv");
            return;
        }
        check(a.await_suspend(std::noop_coroutine()), "async_recv: did not stay suspended");
        if (how == 2 || how == 4) {
            return;  // destroyed while suspended: takes nothing
        }
        // how == 5: a send completes the suspended receive, which gets the message directly.
        Tx* s = nullptr;
        for (auto& o : senders_) {
            if (o && static_cast<bool>(*o)) {
                s = &*o;
                break;
            }
        }
        if (s == nullptr || send_disconnected()) {
            return;
        }
        const int v = (*next_)++;
        auto sent = s->send(item(v));
        check(sent.has_value(), "a send to a suspended receive failed");
        auto m = a.await_resume();
        check(m.has_value() && m->value() == v, "the suspended receive did not get the message");
    }

    // An awaited send: at once (timeout 0, or unbounded), or suspended on a full channel and
    // destroyed (its value is destroyed undelivered).
    void async_send_op(std::size_t h, bool suspend) {
        Tx* s = sender_at(h);
        if (s == nullptr) {
            return;
        }
        const int v = (*next_)++;
        const bool fails = !static_cast<bool>(*s) || send_disconnected();
        if constexpr (bounded_tx) {
            if (!suspend) {
                auto a = s->async_send_timeout(item(v), 0ms);
                check(a.await_ready(), "async_send_timeout(0) suspended");
                auto r = a.await_resume();
                check_quick_send(
                    r, v, fails, [](const auto& e) { return e.is_timeout(); },
                    "async_send_timeout");
                return;
            }
        }
        auto a = s->async_send(item(v));
        const bool ready = a.await_ready();
        check(ready == (fails || room()), "async_send: ready disagrees with the model");
        if (!ready) {
            check(a.await_suspend(std::noop_coroutine()), "async_send: did not stay suspended");
            return;  // destroyed while suspended: the value goes with it
        }
        auto r = a.await_resume();
        if (fails) {
            check(!r, "async_send: expected disconnected");
            handed_back(r.error().value, v);
        } else {
            check(r.has_value(), "async_send: expected success");
            q_.push_back(v);
        }
    }

    // Receives once; checks the message or the error against the model.
    void recv(std::size_t h, int how) {
        Rx* r = receiver_at(h);
        if (r == nullptr) {
            return;
        }
        const bool live = static_cast<bool>(*r);
        const bool has = live && !q_.empty();
        const bool ends = !live || (q_.empty() && recv_disconnected());
        if (how == 0) {
            if (!has && !ends) {
                how = 1;  // a blocking recv would block: try instead
            } else {
                auto m = r->recv();
                take(m, has, "recv");
                return;
            }
        }
        if (how == 1) {
            check_quick_recv(r->try_recv(), has, ends, courier::try_recv_error::disconnected,
                             courier::try_recv_error::empty, "try_recv");
            return;
        }
        check_quick_recv(how == 2 ? r->recv_timeout(0ms)
                                  : r->recv_deadline(std::chrono::system_clock::now() - 1s),
                         has, ends, courier::recv_timeout_error::disconnected,
                         courier::recv_timeout_error::timeout, "recv_timeout");
    }

    template <class Result>
    void take(const Result& m, bool has, const char* what) {
        if (!has) {
            check(!m.has_value(), what);
            return;
        }
        check(m.has_value(), what);
        check(m->value() == q_.front(), "received out of order");
        q_.pop_front();
    }

    /// An output iterator that constructs each message in the next of an array of optionals (a
    /// sink that is not a back_insert_iterator: batches take their general path).
    struct emplacer {
        using difference_type = std::ptrdiff_t;
        std::optional<item>* next;
        emplacer& operator*() { return *this; }
        emplacer& operator=(item&& v) {
            next->emplace(std::move(v));
            return *this;
        }
        emplacer& operator++() {
            ++next;
            return *this;
        }
        emplacer operator++(int) {
            emplacer old = *this;
            ++next;
            return old;
        }
    };

    // A batch receive of at most `arg % 8` messages: try_recv_many, or recv_many where it returns
    // at once; into a growing vector or, when arg says so, through a pointer into an array.
    void recv_batch(std::size_t h, std::uint8_t arg) {
        Rx* r = receiver_at(h);
        if (r == nullptr) {
            return;
        }
        const std::size_t max = arg % 8;
        const bool blocking = arg / 8 % 2 == 1;
        const bool into_array = arg / 16 % 2 == 1;
        const bool live = static_cast<bool>(*r);
        const std::size_t expect = live ? std::min(max, q_.size()) : 0;
        const bool ends = !live || (q_.empty() && recv_disconnected());
        std::vector<item> vec;
        std::array<std::optional<item>, 8> arr;
        auto receive = [&](auto out) -> std::optional<std::size_t> {
            if (blocking && (max == 0 || expect > 0 || ends)) {
                auto n = r->recv_many(out, max);
                if (!n) {
                    check(ends && max > 0, "recv_many: unexpected recv_error");
                    return std::size_t{0};
                }
                check(max == 0 || !ends || expect > 0, "recv_many: expected recv_error");
                return *n;
            }
            return r->try_recv_many(out, max);
        };
        const auto got =
            into_array ? receive(emplacer{arr.data()}) : receive(std::back_inserter(vec));
        check(got == expect, "recv_many/try_recv_many: wrong count");
        check(into_array || vec.size() == expect, "recv_many: count differs from the writes");
        for (std::size_t i = 0; i < expect; ++i) {
            const item& m = into_array ? *arr[i] : vec[i];
            check(m.value() == q_.front(), "recv_many: out of order");
            q_.pop_front();
        }
        check(!into_array || expect == arr.size() || !arr[expect],
              "recv_many wrote past its count");
    }

    void try_iter(std::size_t h, int limit) {
        Rx* r = receiver_at(h);
        if (r == nullptr) {
            return;
        }
        int n = 0;
        for (auto&& m : r->try_iter()) {
            check(static_cast<bool>(*r) && !q_.empty(), "try_iter yielded from an empty channel");
            check(m.value() == q_.front(), "try_iter: out of order");
            q_.pop_front();
            if (++n > limit) {
                break;
            }
        }
        if (n <= limit && static_cast<bool>(*r)) {
            check(q_.empty(), "try_iter ended with messages buffered");
        }
    }

    void snapshots(std::size_t h) {
        if (Tx* s = sender_at(h); s != nullptr && static_cast<bool>(*s)) {
            check(s->is_disconnected() == disconnected(), "sender is_disconnected");
            check(s->size() == q_.size(), "sender size");
            check(s->empty() == q_.empty(), "sender empty");
            if constexpr (bounded_tx) {
                check(s->capacity() == cap_, "sender capacity");
            }
        }
        if (Rx* r = receiver_at(h); r != nullptr && static_cast<bool>(*r)) {
            check(r->is_disconnected() == disconnected(), "receiver is_disconnected");
            check(r->size() == q_.size(), "receiver size");
            check(r->empty() == q_.empty(), "receiver empty");
            check(r->capacity() == cap_, "receiver capacity");
        }
    }

    std::optional<std::size_t> cap_;
    int* next_;
    std::deque<int> q_;
    std::array<std::optional<Tx>, max_handles> senders_;
    std::array<std::optional<Rx>, max_handles> receivers_;
    std::array<std::optional<decltype(std::declval<Tx&>().downgrade())>, max_handles> weak_;
    bool senders_gone_ = false;
    bool receivers_gone_ = false;
    bool closed_ = false;
};

std::unique_ptr<slot_base> make_slot(std::uint8_t kind, int* next_value) {
    const std::size_t cap = kind / 8 % 5;  // 0 = rendezvous, 1..4
    switch (kind % 4) {
        case 0:
            return std::make_unique<
                channel_slot<courier::sender<item>, courier::receiver<item>, false>>(
                courier::channel<item>(), std::nullopt, next_value);
        case 1:
            return std::make_unique<
                channel_slot<courier::sync_sender<item>, courier::receiver<item>, false>>(
                courier::sync_channel<item>(cap), cap, next_value);
        case 2:
            return std::make_unique<
                channel_slot<courier::mpmc::sender<item>, courier::mpmc::receiver<item>, true>>(
                courier::mpmc::channel<item>(), std::nullopt, next_value);
        default:
            return std::make_unique<
                channel_slot<courier::mpmc::sender<item>, courier::mpmc::receiver<item>, true>>(
                courier::mpmc::sync_channel<item>(cap), cap, next_value);
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    reader in(data, size);
    int next_value = 0;
    {
        std::array<std::unique_ptr<slot_base>, 4> slots;
        for (int ops = 0; in.more() && ops < 4096; ++ops) {
            const std::uint8_t b = in.byte();
            auto& s = slots[b % slots.size()];
            if (b / 4 % 16 == 0 || !s) {
                s.reset();
                s = make_slot(in.byte(), &next_value);
            } else {
                s->step(in);
            }
            std::size_t buffered = 0;
            for (const auto& x : slots) {
                buffered += x ? x->buffered() : 0;
            }
            check(static_cast<std::size_t>(g_live) == buffered,
                  "live message objects differ from the messages buffered");
        }
    }
    check(g_live == 0, "message objects outlived every channel");
    return 0;
}
