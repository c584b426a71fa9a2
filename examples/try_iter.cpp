// Draining what is buffered without waiting.
//
// try_iter() yields the messages that are in the channel at the moment and then stops, even
// though the sender is still alive and could send more later. A plain range-for over the receiver
// would instead block, waiting for the next message.
#include <courier/courier.hpp>

#include <cstdio>
#include <vector>

namespace {

// Takes whatever the channel holds now and prints it.
std::vector<int> drain(courier::receiver<int>& rx, const char* label) {
    std::vector<int> got;
    for (int v : rx.try_iter()) {
        got.push_back(v);
    }
    std::printf("%s:", label);
    if (got.empty()) {
        std::printf(" nothing");
    }
    for (int v : got) {
        std::printf(" %d", v);
    }
    std::printf("\n");
    return got;
}

}  // namespace

int main() {
    auto [tx, rx] = courier::channel<int>();

    for (int v : {1, 2, 3}) {
        if (!tx.send(v)) {
            return 1;
        }
    }
    const std::vector<int> first = drain(rx, "first drain");

    // The sender is still connected: try_iter() did not wait for more, and finds nothing now.
    const std::vector<int> second = drain(rx, "second drain");

    for (int v : {4, 5}) {
        if (!tx.send(v)) {
            return 1;
        }
    }
    const std::vector<int> third = drain(rx, "third drain");

    const bool ok = first == std::vector<int>{1, 2, 3} && second.empty() &&
                    third == std::vector<int>{4, 5} && !rx.try_recv().has_value();
    std::printf("still connected: %s\n", rx.is_disconnected() ? "no" : "yes");
    return ok && !rx.is_disconnected() ? 0 : 1;
}
