// A pool of workers sharing one queue.
//
// An MPMC channel's receiver can be copied: each copy is one more consumer, and every message goes
// to exactly one of them. Four workers each hold a copy of the jobs receiver and loop until the
// jobs channel disconnects; results come back on a second channel. Which worker takes which job
// depends on scheduling, so the program prints only totals and checks that every job was done
// exactly once.
#include <courier/courier.hpp>

#include <cstdint>
#include <cstdio>
#include <thread>
#include <utility>
#include <vector>

namespace {

constexpr int worker_count = 4;
constexpr std::int64_t job_count = 1000;

void work(courier::mpmc::receiver<std::int64_t> jobs,
          courier::mpmc::sender<std::pair<std::int64_t, std::int64_t>> results) {
    for (std::int64_t job : jobs) {
        if (!results.send({job, job * job})) {
            return;
        }
    }
}

}  // namespace

int main() {
    // A bounded job queue: the producer below never gets more than 16 jobs ahead of the pool.
    auto [jobs_tx, jobs_rx] = courier::mpmc::sync_channel<std::int64_t>(16);
    auto [results_tx, results_rx] = courier::mpmc::channel<std::pair<std::int64_t, std::int64_t>>();

    std::vector<std::thread> pool;
    for (int i = 0; i < worker_count; ++i) {
        pool.emplace_back(work, jobs_rx, results_tx);  // Copies: one more consumer, producer.
    }
    jobs_rx.reset();
    results_tx.reset();

    for (std::int64_t job = 1; job <= job_count; ++job) {
        if (!jobs_tx.send(job)) {
            return 1;
        }
    }
    jobs_tx.reset();  // The workers' loops end once the remaining jobs are taken.

    std::vector<int> times_done(job_count + 1, 0);
    std::int64_t sum = 0;
    bool values_ok = true;
    for (auto [job, square] : results_rx) {
        ++times_done[static_cast<std::size_t>(job)];
        sum += square;
        values_ok = values_ok && square == job * job;
    }
    for (std::thread& t : pool) {
        t.join();
    }

    int exactly_once = 0;
    for (std::int64_t job = 1; job <= job_count; ++job) {
        exactly_once += times_done[static_cast<std::size_t>(job)] == 1 ? 1 : 0;
    }
    const std::int64_t expected_sum = job_count * (job_count + 1) * (2 * job_count + 1) / 6;
    std::printf("%d workers, %lld jobs done exactly once\n", worker_count,
                static_cast<long long>(exactly_once));
    std::printf("sum of squares: %lld\n", static_cast<long long>(sum));
    const bool ok = values_ok && exactly_once == job_count && sum == expected_sum;
    std::printf("correct: %s\n", ok ? "yes" : "no");
    return ok ? 0 : 1;
}
