// A user's first program: three ints over an unbounded channel from another thread.
// Built by both packaging consumers (find_package after install, and add_subdirectory).
#include <courier/courier.hpp>

#include <cstdio>
#include <thread>
#include <utility>
#include <vector>

int main() {
    auto channel = courier::channel<int>();
    courier::sender<int> tx = std::move(channel.first);
    courier::receiver<int> rx = std::move(channel.second);

    std::thread producer([tx = std::move(tx)] {
        for (int i = 1; i <= 3; ++i) {
            if (!tx.send(i)) {
                std::fputs("packaging: send failed\n", stderr);
            }
        }
    });

    std::vector<int> received;
    for (int i = 0; i < 3; ++i) {
        auto message = rx.recv();
        if (!message) {
            std::fputs("packaging: recv failed\n", stderr);
            break;
        }
        received.push_back(*message);
    }
    producer.join();

    // The producer is gone: the channel is disconnected and empty.
    const bool disconnected = !rx.recv().has_value();
    if (received != std::vector<int>{1, 2, 3} || !disconnected) {
        std::fputs("packaging: wrong messages\n", stderr);
        return 1;
    }
    std::puts("packaging: received 1 2 3");
    return 0;
}
