// Several producers, one consumer.
//
// Each producer thread owns its own copy of the sender. The consumer reads with a plain range-for
// over the receiver, which ends once every sender is gone and everything buffered has been
// received. Messages from different producers interleave in any order, but the messages of one
// producer arrive in the order that producer sent them; the program checks both.
#include <courier/courier.hpp>

#include <algorithm>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

namespace {

struct message {
    int producer;
    int seq;
};

constexpr int producer_count = 3;
constexpr int messages_per_producer = 5;

}  // namespace

int main() {
    auto [tx, rx] = courier::channel<message>();

    std::vector<std::thread> producers;
    for (int p = 0; p < producer_count; ++p) {
        // The copy of the sender lives in the thread and is dropped when the thread finishes.
        producers.emplace_back([tx = tx, p] {
            for (int i = 0; i < messages_per_producer; ++i) {
                if (!tx.send(message{p, i})) {
                    std::fprintf(stderr, "producer %d: receiver gone\n", p);
                    return;
                }
            }
        });
    }
    // Drop the original sender too, or the loop below would wait for it forever.
    tx.reset();

    std::vector<int> next_seq(producer_count, 0);
    std::vector<std::string> lines;
    bool in_order = true;
    for (message m : rx) {
        if (m.seq != next_seq[m.producer]) {
            in_order = false;
        }
        next_seq[m.producer] = m.seq + 1;
        lines.push_back("producer " + std::to_string(m.producer) + " message " +
                        std::to_string(m.seq));
    }
    for (std::thread& t : producers) {
        t.join();
    }

    // Arrival order across producers depends on scheduling; print in a fixed order.
    std::sort(lines.begin(), lines.end());
    for (const std::string& line : lines) {
        std::printf("%s\n", line.c_str());
    }
    std::printf("received %zu messages\n", lines.size());

    const bool all_received =
        lines.size() == static_cast<std::size_t>(producer_count * messages_per_producer);
    std::printf("every producer's messages in order: %s\n", in_order ? "yes" : "no");
    return all_received && in_order ? 0 : 1;
}
