// Relacy models of the channel engine: the real flavor code (array, list, zero), the real waker,
// waiters and handles, compiled with the Relacy sync policy so that every atomic, mutex and park is
// Relacy's, and explored under its scheduler and C++ memory model with tiny capacities.
//
// Each model states what must hold in every schedule; a failed RL_ASSERT, a data race on a message
// payload (msg holds an rl::var), a deadlock (every thread parked: a lost wake-up), a livelock, a
// memory leak or a double free (Relacy tracks every operator new inside a model) fails it.
//
//   courier_relacy_models [--list] [name...]      default: every model
// Two-thread models run Relacy's context-bound search (every schedule with up to two preemptions,
// exhaustive within that bound; one for the select models over two queue channels) and then the
// random scheduler; models with three threads, and the timeout models (whose threads wait on
// virtual time), run the random scheduler.
// COURIER_RELACY_SCALE multiplies the number of random schedules (the CI size below); 10 gives >=
// 10^6 schedules for the three-thread models.
#include "model.hpp"

#include <courier/async.hpp>
#include <courier/select.hpp>

#include <algorithm>
#include <array>
#include <coroutine>
#include <cstddef>
#include <cstring>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace {

using namespace std::chrono_literals;
using courier_model::msg;
using courier_model::outcomes;
using courier_model::plan;
using courier_model::search;
using courier_model::start_execution;

// ---- helpers ------------------------------------------------------------------------------------

/// Both ends of a fresh channel, kept in the model between before() and the threads.
template <class Tx, class Rx>
struct ends {
    std::optional<Tx> tx;
    std::optional<Rx> rx;

    template <class Pair>
    void make(Pair p) {
        tx.emplace(std::move(p.first));
        rx.emplace(std::move(p.second));
    }
    void clear() {
        tx.reset();
        rx.reset();
    }
};

enum class kind { list, array1, array2, zero };

// The mpmc handles can hold every flavor with one type.
using mtx = courier::mpmc::sender<msg>;
using mrx = courier::mpmc::receiver<msg>;

inline std::pair<mtx, mrx> make_channel(kind k) {
    switch (k) {
        case kind::list:
            return courier::mpmc::channel<msg>();
        case kind::array1:
            return courier::mpmc::sync_channel<msg>(1);
        case kind::array2:
            return courier::mpmc::sync_channel<msg>(2);
        case kind::zero:
            break;
    }
    return courier::mpmc::sync_channel<msg>(0);
}

// ---- 1. publication: a send happens-before the matching receive ---------------------------------

// Two messages through a channel: the receiver reads each payload (an rl::var written by the
// sender's move into the slot) and must see it complete, in order. A relaxed publish is a data
// race.
template <kind K>
struct publish : rl::test_suite<publish<K>, 2> {
    ends<mtx, mrx> ch;
    void before() {
        start_execution();
        ch.make(make_channel(K));
    }
    void thread(unsigned i) {
        if (i == 0) {
            mtx tx = std::move(*ch.tx);
            RL_ASSERT(tx.send(msg(1)).has_value());
            RL_ASSERT(tx.send(msg(2)).has_value());
        } else {
            mrx rx = std::move(*ch.rx);
            auto a = rx.recv();
            RL_ASSERT(a.has_value() && a->value() == 1);
            auto b = rx.recv();
            RL_ASSERT(b.has_value() && b->value() == 2);
            auto c = rx.recv();  // the sender is gone: disconnected, never blocks forever
            RL_ASSERT(!c.has_value());
        }
    }
    void after() {
        ch.clear();
        RL_ASSERT(courier_model::live() == 0);
    }
};

// The same through the MPSC facade (receiver move-only, sync_sender), on capacity 1.
struct publish_mpsc : rl::test_suite<publish_mpsc, 2> {
    ends<courier::sync_sender<msg>, courier::receiver<msg>> ch;
    void before() {
        start_execution();
        ch.make(courier::sync_channel<msg>(1));
    }
    void thread(unsigned i) {
        if (i == 0) {
            auto tx = std::move(*ch.tx);
            RL_ASSERT(tx.send(msg(7)).has_value());
            auto r = tx.try_send(msg(8));  // full unless the receiver took 7 already
            RL_ASSERT(r.has_value() || (r.error().is_full() && r.error().value.value() == 8));
        } else {
            auto rx = std::move(*ch.rx);
            auto a = rx.recv();
            RL_ASSERT(a.has_value() && a->value() == 7);
            auto b = rx.recv();
            RL_ASSERT(!b.has_value() || b->value() == 8);
        }
    }
    void after() {
        ch.clear();
        RL_ASSERT(courier_model::live() == 0);
    }
};

// ---- 2. the last sender dropped while the receiver is blocked -----------------------------------

template <kind K>
struct last_sender_drop : rl::test_suite<last_sender_drop<K>, 2> {
    ends<mtx, mrx> ch;
    void before() {
        start_execution();
        ch.make(make_channel(K));
    }
    void thread(unsigned i) {
        if (i == 0) {
            mtx tx = std::move(*ch.tx);
            if (K != kind::zero) {
                RL_ASSERT(tx.send(msg(1)).has_value());
            }
            tx.reset();
        } else {
            mrx rx = std::move(*ch.rx);
            if (K != kind::zero) {
                auto a = rx.recv();
                RL_ASSERT(a.has_value() && a->value() == 1);
            }
            auto b = rx.recv();  // must wake with disconnected
            RL_ASSERT(!b.has_value());
        }
    }
    void after() {
        ch.clear();
        RL_ASSERT(courier_model::live() == 0);
    }
};

// ---- 3. the last receiver dropped while a sender is blocked; buffered messages destroyed --------

template <kind K>
struct last_receiver_drop : rl::test_suite<last_receiver_drop<K>, 2> {
    ends<mtx, mrx> ch;
    void before() {
        start_execution();
        ch.make(make_channel(K));
        if (K == kind::array1) {
            RL_ASSERT(ch.tx->send(msg(1)).has_value());  // full
        }
    }
    void thread(unsigned i) {
        if (i == 0) {
            mtx tx = std::move(*ch.tx);
            auto r = tx.send(msg(2));  // blocks: full, or nobody to take it
            RL_ASSERT(!r.has_value());
            RL_ASSERT(r.error().value.value() == 2);  // handed back, not destroyed
        } else {
            mrx rx = std::move(*ch.rx);
            rx.reset();
            // Every buffered message is destroyed before reset() returns; only the message in
            // the sender's hands may still exist.
            RL_ASSERT(courier_model::live() <= 1);
        }
    }
    void after() {
        ch.clear();
        RL_ASSERT(courier_model::live() == 0);
    }
};

// ---- 4. concurrent clone, drop and first send ---------------------------------------------------

// Two senders (one a clone) race to install the first block of an unbounded channel and to be the
// last sender; the receiver must get both messages and then see the disconnection.
struct clone_drop_first_send : rl::test_suite<clone_drop_first_send, 3> {
    ends<mtx, mrx> ch;
    std::optional<mtx> clone;
    void before() {
        start_execution();
        ch.make(courier::mpmc::channel<msg>());
        clone.emplace(*ch.tx);
    }
    void thread(unsigned i) {
        if (i == 0) {
            mtx tx = std::move(*ch.tx);
            RL_ASSERT(tx.send(msg(10)).has_value());
        } else if (i == 1) {
            mtx tx = std::move(*clone);
            mtx again = tx;  // clone while the other sender may be dropping
            tx.reset();
            RL_ASSERT(again.send(msg(20)).has_value());
        } else {
            mrx rx = std::move(*ch.rx);
            int sum = 0;
            int n = 0;
            for (;;) {
                auto m = rx.recv();
                if (!m) {
                    break;
                }
                sum += m->value();
                ++n;
            }
            RL_ASSERT(n == 2 && sum == 30);
        }
    }
    void after() {
        ch.clear();
        clone.reset();
        RL_ASSERT(courier_model::live() == 0);
    }
};

// ---- 5. recv_timeout racing a send --------------------------------------------------------------

// The sending side of the timed-receive models (here and in select_timeout_vs_send): starts after
// a delay the scheduler picks (virtual time: none, before the receiver parks, around its 1 ms
// deadline, after it) and sends 5; a rendezvous send waits for the receiver, so it is bounded by a
// timeout as well. Returns whether the message was sent; a failed send must hand the value back.
template <kind K>
bool delayed_send(mtx& tx, const bool& receiver_done) {
    constexpr std::chrono::microseconds delays[] = {0us, 300us, 1000us, 1200us, 5000us};
    courier_model::wait_until_virtual(courier_model::pick_delay(delays), receiver_done);
    auto r = K == kind::zero ? tx.send_timeout(msg(5), 1ms)
                             : tx.send_timeout(msg(5), std::chrono::hours(1));
    if (!r.has_value()) {
        RL_ASSERT(r.error().is_timeout() && r.error().value.value() == 5);
    }
    return r.has_value();
}

// After a timed receive raced delayed_send(): the message 5 was received exactly once, or is still
// in the channel (received is false, sent is true), or was never sent.
inline void check_exactly_once(mrx& rx, bool received, bool sent) {
    if (!received && sent) {
        auto left = rx.try_recv();
        RL_ASSERT(left.has_value() && left->value() == 5);  // not lost
    }
    RL_ASSERT(received ? sent : true);
    RL_ASSERT(!rx.try_recv().has_value());  // not duplicated
}

// Exactly once: the receiver got the message, or it timed out and the message is still in the
// channel (queue flavors) or was handed back to a sender that timed out too (rendezvous). The
// sender starts after a delay the scheduler picks (virtual time: none, before the receiver parks,
// around its 1 ms deadline, after it), so the send meets every phase of the timed receive.
template <kind K>
struct recv_timeout_vs_send : rl::test_suite<recv_timeout_vs_send<K>, 2> {
    ends<mtx, mrx> ch;
    bool received = false;
    bool sent = false;
    bool receiver_done = false;
    void before() {
        start_execution();
        ch.make(make_channel(K));
        received = sent = receiver_done = false;
    }
    void thread(unsigned i) {
        if (i == 0) {
            sent = delayed_send<K>(*ch.tx, receiver_done);
        } else {
            auto m = ch.rx->recv_timeout(1ms);
            if (m) {
                RL_ASSERT(m->value() == 5);
                received = true;
            } else {
                RL_ASSERT(m.error() == courier::recv_timeout_error::timeout);
            }
            receiver_done = true;
        }
    }
    void after() {
        outcomes().add(received ? "received"
                       : sent   ? "receiver timed out, message still buffered"
                                : "both timed out, value handed back");
        check_exactly_once(*ch.rx, received, sent);
        ch.clear();
        RL_ASSERT(courier_model::live() == 0);
    }
};

// ---- 6. send_timeout on a full bounded channel racing a receive ---------------------------------

// The receive starts after a delay the scheduler picks, so it meets every phase of the timed send.
struct send_timeout_vs_recv : rl::test_suite<send_timeout_vs_recv, 2> {
    ends<mtx, mrx> ch;
    bool sent = false;
    bool sender_done = false;
    void before() {
        start_execution();
        ch.make(courier::mpmc::sync_channel<msg>(1));
        RL_ASSERT(ch.tx->send(msg(1)).has_value());  // full
        sent = sender_done = false;
    }
    void thread(unsigned i) {
        if (i == 0) {
            auto r = ch.tx->send_timeout(msg(2), 1ms);
            sent = r.has_value();
            if (!sent) {
                RL_ASSERT(r.error().is_timeout() && r.error().value.value() == 2);
            }
            sender_done = true;
        } else {
            constexpr std::chrono::microseconds delays[] = {0us, 300us, 1000us, 1200us, 5000us};
            courier_model::wait_until_virtual(courier_model::pick_delay(delays), sender_done);
            auto m = ch.rx->recv();
            RL_ASSERT(m.has_value() && m->value() == 1);
        }
    }
    void after() {
        outcomes().add(sent ? "sent after the receive" : "timed out, value handed back");
        {
            auto left = ch.rx->try_recv();
            RL_ASSERT(sent ? (left.has_value() && left->value() == 2) : !left.has_value());
        }
        ch.clear();
        RL_ASSERT(courier_model::live() == 0);
    }
};

// ---- 7. rendezvous hand-off against both sides dropping -----------------------------------------

// The sender's send succeeds exactly when the receiver got the message; otherwise the value comes
// back. Either side may drop first.
template <bool ReceiverTakes>
struct rendezvous_drops : rl::test_suite<rendezvous_drops<ReceiverTakes>, 2> {
    ends<mtx, mrx> ch;
    bool sent = false;
    bool received = false;
    void before() {
        start_execution();
        ch.make(courier::mpmc::sync_channel<msg>(0));
        sent = received = false;
    }
    void thread(unsigned i) {
        if (i == 0) {
            mtx tx = std::move(*ch.tx);
            auto r = tx.send(msg(3));
            sent = r.has_value();
            if (!sent) {
                RL_ASSERT(r.error().value.value() == 3);
            }
            tx.reset();
        } else {
            mrx rx = std::move(*ch.rx);
            if (ReceiverTakes) {
                auto m = rx.recv();
                received = m.has_value();
                RL_ASSERT(!received || m->value() == 3);
            }
            rx.reset();
        }
    }
    void after() {
        outcomes().add(sent ? "handed off" : "value handed back");
        RL_ASSERT(sent == received);
        ch.clear();
        RL_ASSERT(courier_model::live() == 0);
    }
};

// ---- 8. two senders and one receiver on capacity 1: exactly once, FIFO per sender ---------------

struct two_senders_cap1 : rl::test_suite<two_senders_cap1, 3> {
    ends<courier::sync_sender<msg>, courier::receiver<msg>> ch;
    std::optional<courier::sync_sender<msg>> second;
    void before() {
        start_execution();
        ch.make(courier::sync_channel<msg>(1));
        second.emplace(*ch.tx);
    }
    void thread(unsigned i) {
        if (i == 0 || i == 1) {
            auto tx = i == 0 ? std::move(*ch.tx) : std::move(*second);
            const int base = i == 0 ? 10 : 20;
            RL_ASSERT(tx.send(msg(base + 1)).has_value());
            RL_ASSERT(tx.send(msg(base + 2)).has_value());
        } else {
            auto rx = std::move(*ch.rx);
            int last_a = 10;
            int last_b = 20;
            int n = 0;
            for (;;) {
                auto m = rx.recv();
                if (!m) {
                    break;
                }
                const int v = m->value();
                int& last = v < 20 ? last_a : last_b;
                RL_ASSERT(v == last + 1);  // FIFO per sender, no duplicate, no gap
                last = v;
                ++n;
            }
            RL_ASSERT(n == 4);
        }
    }
    void after() {
        ch.clear();
        second.reset();
        RL_ASSERT(courier_model::live() == 0);
    }
};

// ---- 9. two receivers, one sender, rendezvous and capacity 1: each message exactly once ---------

template <kind K>
struct two_receivers : rl::test_suite<two_receivers<K>, 3> {
    ends<mtx, mrx> ch;
    std::optional<mrx> second;
    int got[2] = {0, 0};
    void before() {
        start_execution();
        ch.make(make_channel(K));
        second.emplace(*ch.rx);
        got[0] = got[1] = 0;
    }
    void thread(unsigned i) {
        if (i == 0) {
            mtx tx = std::move(*ch.tx);
            RL_ASSERT(tx.send(msg(1)).has_value());
            RL_ASSERT(tx.send(msg(2)).has_value());
        } else {
            mrx rx = i == 1 ? std::move(*ch.rx) : std::move(*second);
            for (;;) {
                auto m = rx.recv();
                if (!m) {
                    break;
                }
                got[i - 1] += m->value() == 1 ? 1 : 10;
            }
        }
    }
    void after() {
        outcomes().add(got[0] == 11   ? "first receiver took both"
                       : got[1] == 11 ? "second receiver took both"
                                      : "one each");
        RL_ASSERT(got[0] + got[1] == 11);  // each of the two exactly once
        ch.clear();
        second.reset();
        RL_ASSERT(courier_model::live() == 0);
    }
};

// ---- 10. select over two channels: one arm fires, the other registration is cancelled -----------

using recv_result = courier::expected<msg, courier::recv_error>;
using send_result = courier::expected<void, courier::send_error<msg>>;

// One thread sends 1 on channel a, then 2 on b (a rendezvous send waits for the receive); the
// other selects twice over both. Each select runs exactly one handler, the one whose index it
// returns, with that channel's message; the two selects take both messages, once each: a cancelled
// registration that consumed a message would leave the second select blocked (a deadlock) or
// return it twice. The senders stay alive (held by the model), so no arm sees a disconnection;
// afterwards both channels are empty.
template <kind K>
struct select_recv_two_channels : rl::test_suite<select_recv_two_channels<K>, 2> {
    ends<mtx, mrx> a;
    ends<mtx, mrx> b;
    void before() {
        start_execution();
        a.make(make_channel(K));
        b.make(make_channel(K));
    }
    void thread(unsigned i) {
        if (i == 0) {
            RL_ASSERT(a.tx->send(msg(1)).has_value());
            RL_ASSERT(b.tx->send(msg(2)).has_value());
        } else {
            int seen = 0;
            for (int round = 0; round < 2; ++round) {
                int handlers = 0;
                int value = 0;  // 1: message 1 through arm 0; 20: message 2 through arm 1
                auto on_a = [&](recv_result m) {
                    ++handlers;
                    RL_ASSERT(m.has_value());
                    value = m->value();
                };
                auto on_b = [&](recv_result m) {
                    ++handlers;
                    RL_ASSERT(m.has_value());
                    value = 10 * m->value();
                };
                const std::size_t fired =
                    courier::select(courier::on_recv(*a.rx, on_a), courier::on_recv(*b.rx, on_b));
                RL_ASSERT(handlers == 1);
                RL_ASSERT(fired == 0 ? value == 1 : fired == 1 && value == 20);
                RL_ASSERT((seen & value) == 0);  // not twice
                seen |= value;
            }
            RL_ASSERT(seen == 21);
        }
    }
    void after() {
        RL_ASSERT(a.rx->try_recv().error() == courier::try_recv_error::empty);
        RL_ASSERT(b.rx->try_recv().error() == courier::try_recv_error::empty);
        a.clear();
        b.clear();
        RL_ASSERT(courier_model::live() == 0);
    }
};

// ---- 11. the dynamic selector against two senders, one per channel ------------------------------

// Two senders each send one message, 1 on a and 2 on b; the receiver runs one selector.select()
// over receives on both and completes the chosen one. The other message is then still in its
// channel, untouched by the cancelled registration: a rendezvous sender is still waiting (the
// receiver takes it with a plain recv), a queue holds it (after() drains it with try_recv).
template <kind K>
struct selector_two_senders : rl::test_suite<selector_two_senders<K>, 3> {
    ends<mtx, mrx> a;
    ends<mtx, mrx> b;
    int chosen = 0;  // the value the selector received
    int rest = 0;    // the other one, taken afterwards
    void before() {
        start_execution();
        a.make(make_channel(K));
        b.make(make_channel(K));
        chosen = rest = 0;
    }
    void thread(unsigned i) {
        if (i == 0) {
            RL_ASSERT(a.tx->send(msg(1)).has_value());
        } else if (i == 1) {
            RL_ASSERT(b.tx->send(msg(2)).has_value());
        } else {
            courier::selector sel;
            const std::size_t ia = sel.recv(*a.rx);
            const std::size_t ib = sel.recv(*b.rx);
            auto op = sel.select();
            RL_ASSERT(op.index() == ia || op.index() == ib);
            const bool took_a = op.index() == ia;
            auto m = took_a ? op.recv(*a.rx) : op.recv(*b.rx);
            RL_ASSERT(m.has_value() && m->value() == (took_a ? 1 : 2));
            chosen = m->value();
            if (K == kind::zero) {
                auto other = took_a ? b.rx->recv() : a.rx->recv();
                RL_ASSERT(other.has_value());
                rest = other->value();
            }
        }
    }
    void after() {
        outcomes().add(chosen == 1 ? "selected a" : "selected b");
        if (K != kind::zero) {
            auto other = chosen == 1 ? b.rx->try_recv() : a.rx->try_recv();
            RL_ASSERT(other.has_value());  // not lost
            rest = other->value();
        }
        RL_ASSERT(chosen + rest == 3 && chosen != rest);  // each exactly once
        RL_ASSERT(a.rx->try_recv().error() == courier::try_recv_error::empty);
        RL_ASSERT(b.rx->try_recv().error() == courier::try_recv_error::empty);
        a.clear();
        b.clear();
        RL_ASSERT(courier_model::live() == 0);
    }
};

// ---- 12. select with a timeout racing a send ----------------------------------------------------

// select(on_recv, on_timeout(1 ms)) against a send arriving at a virtual time the scheduler picks,
// as in recv_timeout_vs_send: exactly once (received by the select, or the select timed out and
// the message is still buffered, or on a rendezvous channel handed back to a sender that timed
// out too); exactly one handler runs, the one whose index select returns.
template <kind K>
struct select_timeout_vs_send : rl::test_suite<select_timeout_vs_send<K>, 2> {
    ends<mtx, mrx> ch;
    bool received = false;
    bool sent = false;
    bool selector_done = false;
    void before() {
        start_execution();
        ch.make(make_channel(K));
        received = sent = selector_done = false;
    }
    void thread(unsigned i) {
        if (i == 0) {
            sent = delayed_send<K>(*ch.tx, selector_done);
        } else {
            int handlers = 0;
            const std::size_t fired =
                courier::select(courier::on_recv(*ch.rx,
                                                 [&](recv_result m) {
                                                     ++handlers;
                                                     RL_ASSERT(m.has_value());
                                                     RL_ASSERT(m->value() == 5);
                                                     received = true;
                                                 }),
                                courier::on_timeout(1ms, [&] { ++handlers; }));
            RL_ASSERT(handlers == 1 && fired == (received ? 0u : 1u));
            selector_done = true;
        }
    }
    void after() {
        outcomes().add(received ? "received by the select"
                       : sent   ? "select timed out, message still buffered"
                                : "both timed out, value handed back");
        check_exactly_once(*ch.rx, received, sent);
        ch.clear();
        RL_ASSERT(courier_model::live() == 0);
    }
};

// ---- 13. select's send against the receiver dropping --------------------------------------------

// A select with one on_send arm blocks (rendezvous: nobody receiving yet; capacity 1: full) while
// the receiver takes what it can without blocking and drops. The send succeeds exactly when its
// message was delivered: received by the receiver, or (capacity 1) buffered before the drop and
// destroyed by it; otherwise the handler gets send_error with the value back.
template <kind K>
struct select_send_vs_receiver_drop : rl::test_suite<select_send_vs_receiver_drop<K>, 2> {
    ends<mtx, mrx> ch;
    bool sent = false;
    bool handed_back = false;
    bool received = false;
    void before() {
        start_execution();
        ch.make(make_channel(K));
        if (K == kind::array1) {
            RL_ASSERT(ch.tx->send(msg(1)).has_value());  // full
        }
        sent = handed_back = received = false;
    }
    void thread(unsigned i) {
        if (i == 0) {
            int handlers = 0;
            const std::size_t fired =
                courier::select(courier::on_send(*ch.tx, msg(2), [&](send_result r) {
                    ++handlers;
                    sent = r.has_value();
                    handed_back = !sent && r.error().value.value() == 2;
                }));
            RL_ASSERT(fired == 0 && handlers == 1);
            RL_ASSERT(sent != handed_back);
        } else {
            mrx rx = std::move(*ch.rx);
            if (K == kind::array1) {
                auto first = rx.recv();
                RL_ASSERT(first.has_value() && first->value() == 1);
            }
            if (K == kind::zero) {
                // The select has to register before a rendezvous try_recv can pair with it: give
                // it a number of scheduling steps the scheduler picks.
                constexpr int steps[] = {0, 10, 100};
                for (int k = steps[rl::rand(3)]; k > 0; --k) {
                    rl::yield(1, RL_INFO);
                }
            }
            auto m = rx.try_recv();  // rendezvous: pairs only with a registered select
            received = m.has_value();
            RL_ASSERT(!received || m->value() == 2);
            rx.reset();
        }
    }
    void after() {
        outcomes().add(received ? "sent, received"
                       : sent   ? "sent, destroyed by the receiver's drop"
                                : "disconnected, value handed back");
        RL_ASSERT(received ? sent : true);
        RL_ASSERT(K != kind::zero || sent == received);
        ch.clear();
        RL_ASSERT(courier_model::live() == 0);
    }
};

// ---- 14. the last sender of one arm's channel dropped while a select blocks ---------------------

// A select over receives on a and b blocks; the only sender of a sends a message (queue flavors)
// and drops. The select takes the message, then (selecting again) wakes with a's disconnection
// in arm 0; b's sender stays alive and silent, so arm 1 never fires.
template <kind K>
struct select_disconnect_wakes : rl::test_suite<select_disconnect_wakes<K>, 2> {
    ends<mtx, mrx> a;
    ends<mtx, mrx> b;
    void before() {
        start_execution();
        a.make(make_channel(K));
        b.make(make_channel(K));
    }
    void thread(unsigned i) {
        if (i == 0) {
            mtx tx = std::move(*a.tx);
            if (K != kind::zero) {
                RL_ASSERT(tx.send(msg(1)).has_value());
            }
            tx.reset();
        } else {
            if (K != kind::zero) {
                int value = 0;
                const std::size_t fired = courier::select(
                    courier::on_recv(*a.rx, [&](recv_result m) { value = m ? m->value() : -1; }),
                    courier::on_recv(*b.rx, [&](recv_result) { value = -2; }));
                RL_ASSERT(fired == 0 && value == 1);  // buffered messages come first
            }
            bool disconnected = false;
            const std::size_t fired = courier::select(
                courier::on_recv(*a.rx, [&](recv_result m) { disconnected = !m.has_value(); }),
                courier::on_recv(*b.rx, [&](recv_result) {}));
            RL_ASSERT(fired == 0 && disconnected);
        }
    }
    void after() {
        a.clear();
        b.clear();
        RL_ASSERT(courier_model::live() == 0);
    }
};

// ---- 15. a weak sender upgraded while the last strong sender drops -----------------------------

// Thread 0 drops the only strong sender, then receives until disconnected. Thread 1 upgrades a
// weak sender, sends through it if the upgrade won, and drops both. Either the upgrade happened
// first (exactly one message arrives, then the disconnection) or the drop did (nothing arrives and
// the upgrade failed): a channel is never revived, nothing is lost, and the channel is freed once,
// by whichever handle goes last (a leak or a double free fails the model).
template <kind K>
struct upgrade_vs_last_drop : rl::test_suite<upgrade_vs_last_drop<K>, 2> {
    ends<mtx, mrx> ch;
    std::optional<courier::mpmc::weak_sender<msg>> weak;
    bool upgraded = false;
    int received = 0;
    void before() {
        start_execution();
        ch.make(make_channel(K));
        weak.emplace(ch.tx->downgrade());
        upgraded = false;
        received = 0;
    }
    void thread(unsigned i) {
        if (i == 0) {
            mtx tx = std::move(*ch.tx);
            tx.reset();
            mrx rx = std::move(*ch.rx);
            while (auto m = rx.recv()) {
                RL_ASSERT(m->value() == 1);
                ++received;
            }
        } else {
            courier::mpmc::weak_sender<msg> w = std::move(*weak);
            if (auto s = w.upgrade()) {
                upgraded = true;
                RL_ASSERT(s->send(msg(1)).has_value());  // the receiver is alive and receiving
            }
        }
    }
    void after() {
        RL_ASSERT(received == (upgraded ? 1 : 0));
        weak.reset();
        ch.clear();
        RL_ASSERT(courier_model::live() == 0);
    }
};

// ---- 16. a stop request races with a partner completing the operation ---------------------------

/// A std::stop_source whose token the engine sees through a model stop state (sync_relacy.hpp).
/// Made in before() and cleared in after(), so that everything it allocates belongs to one
/// execution (Relacy checks every allocation of a model for leaks and double frees).
struct model_stop {
    std::optional<std::stop_source> source;
    std::optional<courier::detail::sync::model_stop_state> state;
    void make() {
        source.emplace();
        state.emplace();
        courier::detail::sync::bind_stop_token(source->get_token(), &*state);
    }
    void clear() {
        courier::detail::sync::unbind_stop_tokens();
        source.reset();
        state.reset();
    }
    std::stop_token token() const { return source->get_token(); }
    void request() { state->request(); }
};

// Thread 0 receives with a stop token; thread 1 sends one message, then requests the stop. Exactly
// one of the two completes the receive: either it returns the message, or it reports `stopped`
// and the message is still in the channel. On a rendezvous channel the sender only offers
// (try_send), so it never blocks on a receiver that was stopped: the offer succeeds exactly when
// the receive returns it.
template <kind K>
struct stop_vs_send : rl::test_suite<stop_vs_send<K>, 2> {
    ends<mtx, mrx> ch;
    model_stop stop;
    bool sent = false;
    int outcome = 0;  // 1: received the message, 2: stopped
    void before() {
        start_execution();
        ch.make(make_channel(K));
        stop.make();
        sent = false;
        outcome = 0;
    }
    void thread(unsigned i) {
        if (i == 0) {
            auto r = ch.rx->recv(stop.token());
            if (r.has_value()) {
                RL_ASSERT(r->value() == 1);
                outcome = 1;
            } else {
                RL_ASSERT(r.error() == courier::recv_timeout_error::stopped);
                outcome = 2;
            }
        } else {
            if (K == kind::zero) {
                sent = ch.tx->try_send(msg(1)).has_value();
            } else {
                RL_ASSERT(ch.tx->send(msg(1)).has_value());
                sent = true;
            }
            stop.request();
        }
    }
    void after() {
        if (outcome == 2 && sent) {
            auto left = ch.rx->try_recv();  // a stopped receive took nothing
            RL_ASSERT(left.has_value() && left->value() == 1);
        }
        RL_ASSERT(outcome == 1 ? sent : K != kind::zero || !sent);
        stop.clear();
        ch.clear();
        RL_ASSERT(courier_model::live() == 0);
    }
};

// Thread 0 sends on a full capacity-1 channel with a stop token; thread 1 receives the message that
// filled it, then requests the stop. Either the send completes (its message is buffered) or it
// reports `stopped` and hands its own message back.
struct stop_vs_recv : rl::test_suite<stop_vs_recv, 2> {
    ends<mtx, mrx> ch;
    model_stop stop;
    int outcome = 0;  // 1: sent, 2: stopped with the value back
    void before() {
        start_execution();
        ch.make(make_channel(kind::array1));
        RL_ASSERT(ch.tx->try_send(msg(0)).has_value());
        stop.make();
        outcome = 0;
    }
    void thread(unsigned i) {
        if (i == 0) {
            auto r = ch.tx->send(msg(1), stop.token());
            if (r.has_value()) {
                outcome = 1;
            } else {
                RL_ASSERT(r.error().is_stopped() && r.error().value.value() == 1);
                outcome = 2;
            }
        } else {
            auto first = ch.rx->recv();
            RL_ASSERT(first.has_value() && first->value() == 0);
            stop.request();
        }
    }
    void after() {
        {
            auto left = ch.rx->try_recv();
            RL_ASSERT(outcome == 1 ? left.has_value() && left->value() == 1 : !left.has_value());
        }
        stop.clear();
        ch.clear();
        RL_ASSERT(courier_model::live() == 0);
    }
};

// A select over a receive and an on_stop arm, against a send followed by a stop request: exactly
// one arm fires; when on_stop fires, the message is still in the channel.
template <kind K>
struct select_stop_vs_send : rl::test_suite<select_stop_vs_send<K>, 2> {
    ends<mtx, mrx> ch;
    model_stop stop;
    std::size_t fired = 9;
    bool got = false;
    void before() {
        start_execution();
        ch.make(make_channel(K));
        stop.make();
        fired = 9;
        got = false;
    }
    void thread(unsigned i) {
        if (i == 0) {
            fired = courier::select(courier::on_recv(*ch.rx,
                                                     [&](recv_result m) {
                                                         RL_ASSERT(m.has_value());
                                                         got = m->value() == 1;
                                                     }),
                                    courier::on_stop(stop.token(), [] {}));
        } else {
            RL_ASSERT(ch.tx->send(msg(1)).has_value());
            stop.request();
        }
    }
    void after() {
        RL_ASSERT(fired == 0 ? got : fired == 1);
        if (fired == 1) {
            auto left = ch.rx->try_recv();
            RL_ASSERT(left.has_value() && left->value() == 1);
        }
        stop.clear();
        ch.clear();
        RL_ASSERT(courier_model::live() == 0);
    }
};

// ---- 17. batches: a run of slots claimed with one CAS
// ---------------------------------------------

/// Constructs each message in the next of an array of optionals. Nothing it does can throw, so
/// batch receives take their run path (one claim for the whole run).
struct model_sink {
    using difference_type = std::ptrdiff_t;
    std::optional<msg>* next;
    model_sink& operator*() noexcept { return *this; }
    model_sink& operator=(msg&& m) noexcept {
        next->emplace(std::move(m));
        return *this;
    }
    model_sink& operator++() noexcept {
        ++next;
        return *this;
    }
    model_sink operator++(int) noexcept {
        model_sink old = *this;
        ++next;
        return old;
    }
};

/// Receives with recv_many (at most `max` a call) until disconnection; checks that the values are
/// `first`, `first + 1`, ... in order and returns how many there were. Notes the largest batch.
template <std::size_t Max>
int recv_batches(const mrx& rx, int first, std::size_t& largest) {
    int next = first;
    for (;;) {
        std::array<std::optional<msg>, Max> got;
        auto n = rx.recv_many(model_sink{got.data()}, Max);
        if (!n) {
            return next - first;
        }
        RL_ASSERT(*n >= 1 && *n <= Max);
        largest = std::max(largest, *n);
        for (std::size_t i = 0; i < *n; ++i) {
            RL_ASSERT(got[i].has_value() && got[i]->value() == next);  // in order, no gap
            ++next;
        }
        if (*n < Max) {
            RL_ASSERT(!got[*n].has_value());  // nothing written past the count
        }
    }
}

// One sender sends 1..4 (on capacity 2 it blocks until a batch frees room; on the list it crosses
// a block boundary: the models build blocks of 3 slots), then goes; the receiver takes batches of
// up to 3. A run must only cover slots whose messages are fully written (msg's payload is an
// rl::var: reading it early is a data race), must wake the blocked sender (else a deadlock), and
// on the list must free each block exactly once (else a leak or a double free).
template <kind K>
struct batch_vs_sender : rl::test_suite<batch_vs_sender<K>, 2> {
    ends<mtx, mrx> ch;
    std::size_t largest = 0;
    void before() {
        start_execution();
        ch.make(make_channel(K));
        largest = 0;
    }
    void thread(unsigned i) {
        if (i == 0) {
            mtx tx = std::move(*ch.tx);
            for (int v = 1; v <= 4; ++v) {
                RL_ASSERT(tx.send(msg(v)).has_value());
            }
        } else {
            mrx rx = std::move(*ch.rx);
            RL_ASSERT(recv_batches<3>(rx, 1, largest) == 4);
        }
    }
    void after() {
        outcomes().add(largest == 1   ? "batches of 1"
                       : largest == 2 ? "a batch of 2"
                                      : "a batch of 3");
        ch.clear();
        RL_ASSERT(courier_model::live() == 0);
    }
};

// The list keeps a freed block as the spare for the next block a sender needs. Seven messages
// through blocks of 3 slots: the first block, once read, can come back as the third (which the
// sender of the sixth installs, and the seventh message is written to) while the receiver is
// still in the second. Each payload is an rl::var, so a reused block that anyone still
// touched, or whose slots kept their old states (a receiver would take a stale slot for a written
// one), is a data race or a wrong value; and every block is freed exactly once (else a leak or a
// double free).
struct list_blocks_reused : rl::test_suite<list_blocks_reused, 2> {
    ends<mtx, mrx> ch;
    void before() {
        start_execution();
        ch.make(make_channel(kind::list));
    }
    void thread(unsigned i) {
        if (i == 0) {
            mtx tx = std::move(*ch.tx);
            for (int v = 1; v <= 7; ++v) {
                RL_ASSERT(tx.send(msg(v)).has_value());
            }
        } else {
            mrx rx = std::move(*ch.rx);
            for (int v = 1; v <= 7; ++v) {
                auto m = rx.recv();
                RL_ASSERT(m.has_value() && m->value() == v);
            }
            RL_ASSERT(!rx.recv().has_value());  // the sender is gone: disconnected
        }
    }
    void after() {
        ch.clear();
        RL_ASSERT(courier_model::live() == 0);
    }
};

// A batch receiver and a single receiver share a channel fed 1..5 by a third thread: every message
// is received exactly once, each receiver sees increasing values. On the list (blocks of 3) a run
// that reaches a block's end frees the block while the other receiver may still be reading an
// earlier slot of it: exactly one of them frees it, after both finished (else a leak, a double
// free, or a read of freed memory).
template <kind K>
struct batch_vs_receiver : rl::test_suite<batch_vs_receiver<K>, 3> {
    ends<mtx, mrx> ch;
    std::optional<mrx> second;
    int sum[2] = {0, 0};
    std::size_t largest = 0;
    void before() {
        start_execution();
        ch.make(make_channel(K));
        second.emplace(*ch.rx);
        sum[0] = sum[1] = 0;
        largest = 0;
    }
    void thread(unsigned i) {
        if (i == 0) {
            mtx tx = std::move(*ch.tx);
            for (int v = 1; v <= 5; ++v) {
                RL_ASSERT(tx.send(msg(v)).has_value());
            }
        } else if (i == 1) {
            mrx rx = std::move(*ch.rx);
            int last = 0;
            for (;;) {
                std::array<std::optional<msg>, 3> got;
                auto n = rx.recv_many(model_sink{got.data()}, 3);
                if (!n) {
                    break;
                }
                largest = std::max(largest, *n);
                for (std::size_t j = 0; j < *n; ++j) {
                    const int v = got[j]->value();
                    RL_ASSERT(v > last);
                    last = v;
                    sum[0] += v;
                }
            }
        } else {
            mrx rx = std::move(*second);
            int last = 0;
            for (;;) {
                auto m = rx.recv();
                if (!m) {
                    break;
                }
                RL_ASSERT(m->value() > last);
                last = m->value();
                sum[1] += last;
            }
        }
    }
    void after() {
        outcomes().add(largest >= 2 ? "a run of 2 or 3" : "no run");
        RL_ASSERT(sum[0] + sum[1] == 15);  // 1..5, each exactly once
        ch.clear();
        second.reset();
        RL_ASSERT(courier_model::live() == 0);
    }
};

// Capacity 2, full; two senders each send one message; the receiver takes one batch of 2 and
// stops receiving. Both senders must complete: a batch that frees two slots wakes two blocked
// senders (waking one would leave the other parked with room free: a deadlock).
struct batch_wakes_two_senders : rl::test_suite<batch_wakes_two_senders, 3> {
    ends<mtx, mrx> ch;
    std::optional<mtx> second;
    void before() {
        start_execution();
        ch.make(make_channel(kind::array2));
        RL_ASSERT(ch.tx->try_send(msg(1)).has_value());
        RL_ASSERT(ch.tx->try_send(msg(2)).has_value());
        second.emplace(*ch.tx);
    }
    void thread(unsigned i) {
        if (i == 0 || i == 1) {
            RL_ASSERT((i == 0 ? *ch.tx : *second).send(msg(3 + static_cast<int>(i))).has_value());
        } else {
            std::array<std::optional<msg>, 2> got;
            auto n = ch.rx->recv_many(model_sink{got.data()}, 2);
            RL_ASSERT(n.has_value() && *n == 2);  // both were published before the threads began
            RL_ASSERT(got[0]->value() == 1 && got[1]->value() == 2);
        }
    }
    void after() {
        RL_ASSERT(ch.rx->size() == 2);  // both senders' messages are in
        ch.clear();
        second.reset();
        RL_ASSERT(courier_model::live() == 0);
    }
};

// ---- 18. coroutines: the async waiter's register / wake / resume protocol -----------------------

/// The smallest coroutine type: starts at once, frees its frame when the body ends (Relacy checks
/// that every frame is freed within the execution: a coroutine never resumed is a leak).
struct model_task {
    struct promise_type {
        model_task get_return_object() noexcept { return {}; }
        std::suspend_never initial_suspend() noexcept { return {}; }
        std::suspend_never final_suspend() noexcept { return {}; }
        void return_void() noexcept {}
        void unhandled_exception() noexcept { std::terminate(); }
    };
};

model_task receive_once(mrx& rx, int* got, int* resumed) {
    auto m = co_await rx.async_recv();
    ++*resumed;
    *got = m ? m->value() : -1;
}

// Thread 0 starts a coroutine that awaits one message; thread 1 sends it (a blocking send). The
// coroutine completes at once or suspends and is resumed by thread 1 (its send's hand-off or
// notify), exactly once, with the message; no frame is left.
template <kind K>
struct async_recv_vs_send : rl::test_suite<async_recv_vs_send<K>, 2> {
    ends<mtx, mrx> ch;
    int got = 0;
    int resumed = 0;
    void before() {
        start_execution();
        ch.make(make_channel(K));
        got = 0;
        resumed = 0;
    }
    void thread(unsigned i) {
        if (i == 0) {
            receive_once(*ch.rx, &got, &resumed);
        } else {
            RL_ASSERT(ch.tx->send(msg(1)).has_value());
        }
    }
    void after() {
        RL_ASSERT(resumed == 1 && got == 1);
        ch.clear();
        RL_ASSERT(courier_model::live() == 0);
    }
};

model_task send_once(mtx& tx, int value, int* outcome) {
    auto r = co_await tx.async_send(msg(value));
    *outcome = r ? 1 : 2;
}

// Thread 0 starts a coroutine that sends 1 on a channel that cannot take it yet (capacity 1,
// holding 0; or a rendezvous); thread 1 receives everything with blocking receives. The coroutine
// is resumed once, the messages arrive in order.
template <kind K>
struct async_send_vs_recv : rl::test_suite<async_send_vs_recv<K>, 2> {
    ends<mtx, mrx> ch;
    int outcome = 0;
    void before() {
        start_execution();
        ch.make(make_channel(K));
        if (K != kind::zero) {
            RL_ASSERT(ch.tx->try_send(msg(0)).has_value());
        }
        outcome = 0;
    }
    void thread(unsigned i) {
        if (i == 0) {
            send_once(*ch.tx, 1, &outcome);
        } else {
            if (K != kind::zero) {
                auto first = ch.rx->recv();
                RL_ASSERT(first.has_value() && first->value() == 0);
            }
            auto second = ch.rx->recv();
            RL_ASSERT(second.has_value() && second->value() == 1);
        }
    }
    void after() {
        RL_ASSERT(outcome == 1);
        ch.clear();
        RL_ASSERT(courier_model::live() == 0);
    }
};

model_task select_twice(mrx& a, mrx& b, int* sum, int* resumed) {
    for (int k = 0; k < 2; ++k) {
        co_await courier::async_select(
            courier::on_recv(a,
                             [sum](courier::expected<msg, courier::recv_error> m) {
                                 *sum += m ? m->value() : 100;
                             }),
            courier::on_recv(b, [sum](courier::expected<msg, courier::recv_error> m) {
                *sum += m ? m->value() : 100;
            }));
        ++*resumed;
    }
}

// Thread 0 starts a coroutine that selects twice over two channels; thread 1 sends 1 on the first
// and 2 on the second. Registration with two channels races each send (an operation found ready
// while registering aborts the coroutine's own waiter; a send selects it): both messages are
// received, each once.
template <kind K>
struct async_select_two_channels : rl::test_suite<async_select_two_channels<K>, 2> {
    ends<mtx, mrx> a;
    ends<mtx, mrx> b;
    int sum = 0;
    int resumed = 0;
    void before() {
        start_execution();
        a.make(make_channel(K));
        b.make(make_channel(K));
        sum = 0;
        resumed = 0;
    }
    void thread(unsigned i) {
        if (i == 0) {
            select_twice(*a.rx, *b.rx, &sum, &resumed);
        } else {
            RL_ASSERT(a.tx->send(msg(1)).has_value());
            RL_ASSERT(b.tx->send(msg(2)).has_value());
        }
    }
    void after() {
        RL_ASSERT(resumed == 2 && sum == 3);
        a.clear();
        b.clear();
        RL_ASSERT(courier_model::live() == 0);
    }
};

model_task receive_or_stop(mrx& rx, std::stop_token st, int* outcome) {
    auto m = co_await rx.async_recv(std::move(st));
    if (m) {
        RL_ASSERT(m->value() == 1);
        *outcome = 1;
    } else {
        RL_ASSERT(m.error() == courier::recv_timeout_error::stopped);
        *outcome = 2;
    }
}

// stop_vs_send with a coroutine: thread 0 starts a coroutine that receives with a stop token;
// thread 1 sends (a rendezvous: offers with try_send), then requests the stop. Exactly one of
// the two completes the receive; a stopped receive took nothing.
template <kind K>
struct async_stop_vs_send : rl::test_suite<async_stop_vs_send<K>, 2> {
    ends<mtx, mrx> ch;
    model_stop stop;
    bool sent = false;
    int outcome = 0;
    void before() {
        start_execution();
        ch.make(make_channel(K));
        stop.make();
        sent = false;
        outcome = 0;
    }
    void thread(unsigned i) {
        if (i == 0) {
            receive_or_stop(*ch.rx, stop.token(), &outcome);
        } else {
            if (K == kind::zero) {
                sent = ch.tx->try_send(msg(1)).has_value();
            } else {
                RL_ASSERT(ch.tx->send(msg(1)).has_value());
                sent = true;
            }
            stop.request();
        }
    }
    void after() {
        RL_ASSERT(outcome == 1 || outcome == 2);
        if (outcome == 2 && sent) {
            auto left = ch.rx->try_recv();
            RL_ASSERT(left.has_value() && left->value() == 1);
        }
        RL_ASSERT(outcome == 1 ? sent : K != kind::zero || !sent);
        stop.clear();
        ch.clear();
        RL_ASSERT(courier_model::live() == 0);
    }
};

// ---- the list -----------------------------------------------------------------------------------

struct model_entry {
    const char* name;
    bool (*run)();
};

constexpr std::uint64_t two_thread_iterations = 100'000;
constexpr std::uint64_t three_thread_iterations = 100'000;
constexpr std::uint64_t timed_iterations = 100'000;

// Two-thread models: every schedule with up to two preemptions, then random schedules. The select
// models over two queue channels take one preemption (COURIER_MODEL2_BOUND1): their
// two-preemption searches run 10^6 schedules and more (COURIER_RELACY_BOUND=2 runs them).
template <class M, unsigned Bound = 2>
bool two_threads(const char* name) {
    return courier_model::run<M>(name, plan{search::bounded, 0, Bound}) &&
           courier_model::run<M>(name, plan{search::random, two_thread_iterations, 0});
}

template <class M>
bool three_threads(const char* name) {
    return courier_model::run<M>(name, plan{search::random, three_thread_iterations, 0});
}

// Models with delays in virtual time: the random scheduler only (see wait_until_virtual).
template <class M>
bool timed(const char* name) {
    return courier_model::run<M>(name, plan{search::random, timed_iterations, 0});
}

#define COURIER_MODEL2(name, ...)                           \
    model_entry {                                           \
        name, [] { return two_threads<__VA_ARGS__>(name); } \
    }
#define COURIER_MODEL2_BOUND1(name, ...)                       \
    model_entry {                                              \
        name, [] { return two_threads<__VA_ARGS__, 1>(name); } \
    }
#define COURIER_MODEL3(name, ...)                             \
    model_entry {                                             \
        name, [] { return three_threads<__VA_ARGS__>(name); } \
    }
#define COURIER_MODEL_TIMED(name, ...)                \
    model_entry {                                     \
        name, [] { return timed<__VA_ARGS__>(name); } \
    }

const std::vector<model_entry>& models() {
    static const std::vector<model_entry> all{
        COURIER_MODEL2("publish_list", publish<kind::list>),
        COURIER_MODEL2("publish_array", publish<kind::array1>),
        COURIER_MODEL2("publish_zero", publish<kind::zero>),
        COURIER_MODEL2("publish_mpsc_array", publish_mpsc),
        COURIER_MODEL2("last_sender_drop_list", last_sender_drop<kind::list>),
        COURIER_MODEL2("last_sender_drop_array", last_sender_drop<kind::array1>),
        COURIER_MODEL2("last_sender_drop_zero", last_sender_drop<kind::zero>),
        COURIER_MODEL2("last_receiver_drop_array", last_receiver_drop<kind::array1>),
        COURIER_MODEL2("last_receiver_drop_zero", last_receiver_drop<kind::zero>),
        COURIER_MODEL3("clone_drop_first_send_list", clone_drop_first_send),
        COURIER_MODEL_TIMED("recv_timeout_vs_send_list", recv_timeout_vs_send<kind::list>),
        COURIER_MODEL_TIMED("recv_timeout_vs_send_array", recv_timeout_vs_send<kind::array1>),
        COURIER_MODEL_TIMED("recv_timeout_vs_send_zero", recv_timeout_vs_send<kind::zero>),
        COURIER_MODEL_TIMED("send_timeout_vs_recv_array", send_timeout_vs_recv),
        COURIER_MODEL2("rendezvous_handoff_vs_drops", rendezvous_drops<true>),
        COURIER_MODEL2("rendezvous_send_vs_receiver_drop", rendezvous_drops<false>),
        COURIER_MODEL3("two_senders_cap1", two_senders_cap1),
        COURIER_MODEL3("two_receivers_array", two_receivers<kind::array1>),
        COURIER_MODEL3("two_receivers_zero", two_receivers<kind::zero>),
        COURIER_MODEL2_BOUND1("select_recv_two_channels_list",
                              select_recv_two_channels<kind::list>),
        COURIER_MODEL2_BOUND1("select_recv_two_channels_array",
                              select_recv_two_channels<kind::array1>),
        COURIER_MODEL2("select_recv_two_channels_zero", select_recv_two_channels<kind::zero>),
        COURIER_MODEL3("selector_two_senders_list", selector_two_senders<kind::list>),
        COURIER_MODEL3("selector_two_senders_array", selector_two_senders<kind::array1>),
        COURIER_MODEL3("selector_two_senders_zero", selector_two_senders<kind::zero>),
        COURIER_MODEL_TIMED("select_timeout_vs_send_list", select_timeout_vs_send<kind::list>),
        COURIER_MODEL_TIMED("select_timeout_vs_send_array", select_timeout_vs_send<kind::array1>),
        COURIER_MODEL_TIMED("select_timeout_vs_send_zero", select_timeout_vs_send<kind::zero>),
        COURIER_MODEL2("select_send_vs_receiver_drop_array",
                       select_send_vs_receiver_drop<kind::array1>),
        COURIER_MODEL2("select_send_vs_receiver_drop_zero",
                       select_send_vs_receiver_drop<kind::zero>),
        COURIER_MODEL2_BOUND1("select_disconnect_wakes_list", select_disconnect_wakes<kind::list>),
        COURIER_MODEL2("select_disconnect_wakes_zero", select_disconnect_wakes<kind::zero>),
        COURIER_MODEL2("upgrade_vs_last_drop_list", upgrade_vs_last_drop<kind::list>),
        COURIER_MODEL2("upgrade_vs_last_drop_array", upgrade_vs_last_drop<kind::array1>),
        COURIER_MODEL2("upgrade_vs_last_drop_zero", upgrade_vs_last_drop<kind::zero>),
        COURIER_MODEL2("stop_vs_send_list", stop_vs_send<kind::list>),
        COURIER_MODEL2("stop_vs_send_array", stop_vs_send<kind::array1>),
        COURIER_MODEL2("stop_vs_send_zero", stop_vs_send<kind::zero>),
        COURIER_MODEL2("stop_vs_recv_array", stop_vs_recv),
        COURIER_MODEL2_BOUND1("select_stop_vs_send_list", select_stop_vs_send<kind::list>),
        COURIER_MODEL2("select_stop_vs_send_array", select_stop_vs_send<kind::array1>),
        COURIER_MODEL2("async_recv_vs_send_list", async_recv_vs_send<kind::list>),
        COURIER_MODEL2("async_recv_vs_send_array", async_recv_vs_send<kind::array1>),
        COURIER_MODEL2("async_recv_vs_send_zero", async_recv_vs_send<kind::zero>),
        COURIER_MODEL2("async_send_vs_recv_array", async_send_vs_recv<kind::array1>),
        COURIER_MODEL2("async_send_vs_recv_zero", async_send_vs_recv<kind::zero>),
        COURIER_MODEL2_BOUND1("async_select_two_channels_list",
                              async_select_two_channels<kind::list>),
        COURIER_MODEL2("async_select_two_channels_zero", async_select_two_channels<kind::zero>),
        COURIER_MODEL2("async_stop_vs_send_list", async_stop_vs_send<kind::list>),
        COURIER_MODEL2("async_stop_vs_send_zero", async_stop_vs_send<kind::zero>),
        COURIER_MODEL2("batch_vs_sender_list", batch_vs_sender<kind::list>),
        COURIER_MODEL2("batch_vs_sender_array", batch_vs_sender<kind::array2>),
        COURIER_MODEL3("batch_vs_receiver_list", batch_vs_receiver<kind::list>),
        COURIER_MODEL3("batch_vs_receiver_array", batch_vs_receiver<kind::array2>),
        COURIER_MODEL3("batch_wakes_two_senders", batch_wakes_two_senders),
        COURIER_MODEL2_BOUND1("list_blocks_reused", list_blocks_reused),
    };
    return all;
}

}  // namespace

int main(int argc, char** argv) {
    std::vector<std::string> wanted;
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--list") == 0) {
            for (const auto& m : models()) {
                std::printf("%s\n", m.name);
            }
            return 0;
        }
        wanted.emplace_back(argv[i]);
    }
    int failed = 0;
    int ran = 0;
    for (const auto& m : models()) {
        if (!wanted.empty() && std::find(wanted.begin(), wanted.end(), m.name) == wanted.end()) {
            continue;
        }
        ++ran;
        if (!m.run()) {
            ++failed;
        }
    }
    if (ran == 0) {
        std::fprintf(stderr, "courier_relacy_models: no model matches\n");
        return 2;
    }
    std::printf("%d models, %d failed\n", ran, failed);
    return failed == 0 ? 0 : 1;
}
