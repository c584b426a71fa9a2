// Waiting with a time limit.
//
// recv_timeout() gives up when nothing arrives in time and reports `timeout`; the channel is still
// usable afterwards, and the value that a late sender delivers is received normally. Once the
// sender is gone, recv_timeout() reports `disconnected` without waiting out its time limit.
#include <courier/courier.hpp>

#include <chrono>
#include <cstdio>
#include <string>
#include <thread>

using namespace std::chrono_literals;

int main() {
    auto [tx, rx] = courier::channel<std::string>();
    auto [go_tx, go_rx] = courier::channel<int>();

    // The late sender: it sends only after main has given up waiting once.
    std::thread late_sender([tx = std::move(tx), go_rx = std::move(go_rx)]() mutable {
        if (go_rx.recv()) {
            (void)tx.send("late value");
        }
    });

    bool ok = true;

    const auto start = std::chrono::steady_clock::now();
    auto first = rx.recv_timeout(50ms);
    const auto waited = std::chrono::steady_clock::now() - start;
    if (!first && first.error() == courier::recv_timeout_error::timeout) {
        std::printf("first wait: timed out\n");
    } else {
        std::printf("first wait: unexpected result\n");
        ok = false;
    }
    // A timeout never comes early.
    std::printf("waited at least 50 ms: %s\n", waited >= 50ms ? "yes" : "no");
    ok = ok && waited >= 50ms;

    // Let the sender go ahead; a generous limit leaves room for a busy machine.
    (void)go_tx.send(1);
    auto second = rx.recv_timeout(10s);
    if (second) {
        std::printf("second wait: received \"%s\"\n", second->c_str());
    } else {
        std::printf("second wait: nothing\n");
        ok = false;
    }

    late_sender.join();  // The sender is dropped with the thread.
    const auto before_third = std::chrono::steady_clock::now();
    auto third = rx.recv_timeout(10s);
    const bool quick = std::chrono::steady_clock::now() - before_third < 5s;
    if (!third && third.error() == courier::recv_timeout_error::disconnected && quick) {
        std::printf("third wait: disconnected, without waiting\n");
    } else {
        std::printf("third wait: unexpected result\n");
        ok = false;
    }
    return ok ? 0 : 1;
}
