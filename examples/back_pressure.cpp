// Back-pressure from a bounded channel.
//
// A fast producer feeds a slow consumer through sync_channel(10). Because send() blocks while ten
// messages are waiting, the producer can never run far ahead: counting sends and receives with
// two atomics, the number in flight (sent but not yet counted as received) never exceeds 11 — the
// ten in the buffer plus the one the consumer has taken but not yet counted.
//
// Why 11 is a hard bound: a send that completes reused a slot that a receive freed; the consumer
// counts each message before it calls recv() again, and recv() freeing a slot happens-before the
// send that reuses it, so at most the consumer's latest message is uncounted when the producer
// reads the received counter.
#include <courier/courier.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <thread>

using namespace std::chrono_literals;

namespace {

constexpr std::size_t capacity = 10;
constexpr std::int64_t message_count = 100;

}  // namespace

int main() {
    auto [tx, rx] = courier::sync_channel<std::int64_t>(capacity);
    std::atomic<std::int64_t> sent{0};
    std::atomic<std::int64_t> received{0};

    std::thread consumer([rx = std::move(rx), &received]() mutable {
        for (std::int64_t v : rx) {
            (void)v;
            received.fetch_add(1);
            std::this_thread::sleep_for(1ms);  // The slow part.
        }
    });

    std::int64_t max_in_flight = 0;
    std::int64_t received_when_done = 0;
    for (std::int64_t i = 0; i < message_count; ++i) {
        if (!tx.send(i)) {
            break;
        }
        const std::int64_t s = sent.fetch_add(1) + 1;
        max_in_flight = std::max(max_in_flight, s - received.load());
    }
    received_when_done = received.load();
    tx.reset();  // Disconnects: the consumer's loop ends after the buffer is drained.
    consumer.join();

    std::printf("sent %lld, received %lld\n", static_cast<long long>(sent.load()),
                static_cast<long long>(received.load()));
    std::printf("max in flight: %lld (bound %zu)\n", static_cast<long long>(max_in_flight),
                capacity + 1);
    // The producer finished only after the consumer had taken all but the last few messages.
    const bool throttled =
        received_when_done >= message_count - static_cast<std::int64_t>(capacity + 1);
    std::printf("producer held back by the consumer: %s\n", throttled ? "yes" : "no");

    const bool ok = sent.load() == message_count && received.load() == message_count &&
                    max_in_flight <= static_cast<std::int64_t>(capacity + 1) && throttled;
    return ok ? 0 : 1;
}
