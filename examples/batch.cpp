// A batching consumer: recv_many.
//
// Four producers send log records into one unbounded channel. The consumer takes them in batches
// of up to 256 with rx.recv_many(std::back_inserter(batch), 256): it blocks until at least one
// record is there, then takes everything buffered up to the limit in one step, and "writes" the
// whole batch at once (here: checks it and counts it), as a logger or a database writer would
// amortize a write per batch instead of paying it per record. The loop ends when every producer
// is gone and the channel is drained.
#include <courier/courier.hpp>

#include <cstddef>
#include <cstdio>
#include <iterator>
#include <string>
#include <thread>
#include <vector>

struct record {
    int producer;
    int seq;
    std::string text;
};

int main() {
    constexpr int producers = 4;
    constexpr int per_producer = 5000;
    constexpr std::size_t max_batch = 256;

    auto [tx, rx] = courier::channel<record>();
    std::vector<std::jthread> threads;
    for (int p = 0; p < producers; ++p) {
        threads.emplace_back([tx = tx, p] {
            for (int i = 0; i < per_producer; ++i) {
                tx.send(record{p, i, "event " + std::to_string(i)}).value();
            }
        });
    }
    tx.reset();  // only the producers' copies remain: the channel disconnects when they finish

    std::vector<record> batch;
    std::vector<int> next(producers, 0);
    long records = 0;
    long batches = 0;
    bool in_order = true;
    bool within_limit = true;
    for (;;) {
        batch.clear();  // keeps its capacity: later batches do not allocate
        auto n = rx.recv_many(std::back_inserter(batch), max_batch);
        if (!n) {
            break;  // disconnected and drained
        }
        within_limit = within_limit && *n >= 1 && *n <= max_batch && *n == batch.size();
        for (const record& r : batch) {  // "write" the batch
            in_order = in_order && r.seq == next[static_cast<std::size_t>(r.producer)]++;
        }
        records += static_cast<long>(*n);
        ++batches;
    }

    std::printf("%ld records from %d producers\n", records, producers);
    std::printf("each producer's records in order: %s\n", in_order ? "yes" : "no");
    std::printf("batches of 1 to %zu records: %s\n", max_batch, within_limit ? "yes" : "no");
    // How many batches it took depends on timing: fewer than one per record when batching helped.
    std::printf("%ld batches, %.1f records per batch\n", batches,
                batches > 0 ? static_cast<double>(records) / static_cast<double>(batches) : 0.0);
    return records == long{producers} * per_producer && in_order && within_limit ? 0 : 1;
}
