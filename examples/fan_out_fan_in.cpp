// Fan-out, fan-in.
//
// A distributor deals items round-robin to N workers, each with a channel of its own; every worker
// sends its results into one shared results channel through its own copy of the sender. When the
// distributor finishes it drops the workers' senders, the workers finish and drop theirs, and the
// collector's loop ends. The collector checks that every item was processed exactly once.
#include <courier/courier.hpp>

#include <cstdio>
#include <thread>
#include <vector>

namespace {

constexpr int worker_count = 4;
constexpr int item_count = 100;

struct result {
    int worker;
    int item;
    int value;
};

void work(int id, courier::receiver<int> items, courier::sender<result> results) {
    for (int item : items) {
        if (!results.send(result{id, item, item * 3})) {
            return;
        }
    }
}

}  // namespace

int main() {
    auto [results_tx, results_rx] = courier::channel<result>();

    std::vector<courier::sender<int>> inboxes;
    std::vector<std::thread> workers;
    for (int id = 0; id < worker_count; ++id) {
        auto [tx, rx] = courier::channel<int>();
        inboxes.push_back(std::move(tx));
        workers.emplace_back(work, id, std::move(rx), results_tx);
    }
    results_tx.reset();  // Only the workers' copies keep the results channel open now.

    std::thread distributor([inboxes = std::move(inboxes)]() mutable {
        for (int item = 0; item < item_count; ++item) {
            if (!inboxes[item % worker_count].send(item)) {
                return;
            }
        }
        inboxes.clear();  // Disconnects every inbox: the workers' loops end.
    });

    std::vector<int> times_seen(item_count, 0);
    std::vector<int> per_worker(worker_count, 0);
    bool values_ok = true;
    for (result r : results_rx) {
        ++times_seen[r.item];
        ++per_worker[r.worker];
        values_ok = values_ok && r.value == r.item * 3 && r.item % worker_count == r.worker;
    }
    distributor.join();
    for (std::thread& t : workers) {
        t.join();
    }

    int exactly_once = 0;
    for (int n : times_seen) {
        exactly_once += n == 1 ? 1 : 0;
    }
    for (int id = 0; id < worker_count; ++id) {
        std::printf("worker %d processed %d items\n", id, per_worker[id]);
    }
    std::printf("items processed exactly once: %d of %d\n", exactly_once, item_count);
    const bool ok = values_ok && exactly_once == item_count;
    std::printf("results correct: %s\n", values_ok ? "yes" : "no");
    return ok ? 0 : 1;
}
