// Workers that stop on request: std::jthread and std::stop_token.
//
// Each worker is a std::jthread that receives jobs with rx.recv(stop_token). The jobs channel
// stays open the whole time (main keeps its sender), so disconnection cannot end the workers;
// instead main calls request_stop() on each one, and a worker blocked in recv wakes at once with
// recv_timeout_error::stopped, having taken no job. (A std::jthread also requests the stop in its
// destructor, so leaving the scope alone would end the pool the same way.)
#include <courier/courier.hpp>

#include <cstdio>
#include <stop_token>
#include <thread>
#include <vector>

int main() {
    constexpr int worker_count = 4;
    constexpr int job_count = 100;

    auto [jobs_tx, jobs_rx] = courier::mpmc::sync_channel<int>(8);
    auto [done_tx, done_rx] = courier::mpmc::channel<int>();

    std::vector<std::jthread> pool;
    for (int i = 0; i < worker_count; ++i) {
        pool.emplace_back([jobs = jobs_rx, done = done_tx](std::stop_token st) {
            for (;;) {
                auto job = jobs.recv(st);
                if (!job) {
                    // stopped (request_stop) or disconnected; report which, then leave
                    done.send(job.error() == courier::recv_timeout_error::stopped ? -1 : -2)
                        .value();
                    return;
                }
                done.send(*job).value();
            }
        });
    }
    done_tx.reset();

    for (int job = 1; job <= job_count; ++job) {
        jobs_tx.send(job).value();
    }
    long sum = 0;
    for (int i = 0; i < job_count; ++i) {
        sum += *done_rx.recv();
    }
    std::printf("%d jobs done, sum %ld\n", job_count, sum);

    // Every worker is now blocked in recv on an empty, connected channel.
    for (std::jthread& worker : pool) {
        worker.request_stop();
    }
    int stopped = 0;
    for (int code : done_rx) {  // ends when every worker has returned (and dropped its sender)
        stopped += code == -1 ? 1 : 0;
    }
    std::printf("%d workers stopped while the channel was still open: %s\n", stopped,
                jobs_tx.is_disconnected() ? "no" : "yes");
    return stopped == worker_count && sum == job_count * (job_count + 1) / 2 ? 0 : 1;
}
