// Wrapping a channel in a class of your own.
//
// work_queue<T> owns both ends of a channel. Any number of producers ask it for a sender (each
// one a copy, so each is an independent producer); the single receiver is handed out once, and a
// second request gets std::nullopt. close_intake() drops the queue's own sender, so the consumer's
// loop ends once the producers that already hold a sender have finished.
#include <courier/courier.hpp>

#include <cstdio>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace {

/// A multi-producer, single-consumer queue of T built on a courier channel.
/// Thread safety: all member functions may be called concurrently on the same object.
template <class T>
class work_queue {
  public:
    work_queue() : work_queue(courier::channel<T>()) {}

    /// Returns a new sender for one more producer. After close_intake() the sender is empty, and
    /// sending on it fails with the value handed back.
    courier::sender<T> sender() const {
        std::lock_guard lock(mutex_);
        return tx_;
    }

    /// Hands out the receiver on the first call; every later call returns std::nullopt.
    std::optional<courier::receiver<T>> take_receiver() {
        std::lock_guard lock(mutex_);
        return std::exchange(rx_, std::nullopt);
    }

    /// Stops handing out senders. The receiver sees the channel disconnect once every sender
    /// handed out earlier is gone.
    void close_intake() {
        std::lock_guard lock(mutex_);
        tx_.reset();
    }

  private:
    explicit work_queue(std::pair<courier::sender<T>, courier::receiver<T>> ends)
        : tx_(std::move(ends.first)), rx_(std::move(ends.second)) {}

    mutable std::mutex mutex_;
    courier::sender<T> tx_;
    std::optional<courier::receiver<T>> rx_;
};

struct job {
    int producer;
    int number;
};

constexpr int producer_count = 4;
constexpr int jobs_per_producer = 25;

}  // namespace

int main() {
    work_queue<job> queue;

    std::optional<courier::receiver<job>> rx = queue.take_receiver();
    const bool second_take_empty = !queue.take_receiver().has_value();
    std::printf("first take: %s\n", rx ? "receiver" : "nothing");
    std::printf("second take: %s\n", second_take_empty ? "nothing" : "receiver");

    std::vector<std::thread> producers;
    for (int p = 0; p < producer_count; ++p) {
        producers.emplace_back([tx = queue.sender(), p] {
            for (int n = 1; n <= jobs_per_producer; ++n) {
                if (!tx.send(job{p, n})) {
                    return;
                }
            }
        });
    }
    queue.close_intake();

    // A sender asked for after close_intake() cannot reach the receiver.
    const bool late_sender_refused = !queue.sender().send(job{-1, 0});
    std::printf("sender after close_intake: %s\n", late_sender_refused ? "refused" : "accepted");

    std::vector<int> count(producer_count, 0);
    std::vector<long> sum(producer_count, 0);
    if (rx) {
        for (job j : *rx) {
            ++count[j.producer];
            sum[j.producer] += j.number;
        }
    }
    for (std::thread& t : producers) {
        t.join();
    }

    bool ok = rx.has_value() && second_take_empty && late_sender_refused;
    const long expected_sum = jobs_per_producer * (jobs_per_producer + 1) / 2;
    for (int p = 0; p < producer_count; ++p) {
        std::printf("producer %d: %d jobs, sum %ld\n", p, count[p], sum[p]);
        ok = ok && count[p] == jobs_per_producer && sum[p] == expected_sum;
    }
    return ok ? 0 : 1;
}
