// A bounded channel.
//
// sync_channel(2) buffers at most two messages: the producer's send() blocks while two are
// waiting and resumes as the consumer takes them. Ten values pass through the two slots and
// arrive in the order they were sent.
#include <courier/courier.hpp>

#include <cstdio>
#include <thread>

int main() {
    constexpr int count = 10;
    auto [tx, rx] = courier::sync_channel<int>(2);
    std::printf("capacity %zu\n", rx.capacity().value_or(0));

    std::thread producer([tx = std::move(tx)] {
        for (int i = 1; i <= count; ++i) {
            // Blocks while the buffer holds two values.
            if (!tx.send(i)) {
                return;
            }
        }
    });  // The sender is dropped when the thread finishes, which ends the loop below.

    int expected = 1;
    bool in_order = true;
    for (int v : rx) {
        std::printf("received %d\n", v);
        in_order = in_order && v == expected;
        ++expected;
    }
    producer.join();

    const bool all_received = expected == count + 1;
    std::printf("%d values, in order: %s\n", expected - 1, in_order ? "yes" : "no");
    return all_received && in_order ? 0 : 1;
}
