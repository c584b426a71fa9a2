// A work queue whose workers are separate processes. The parent exports a job channel on an
// ipc:// endpoint; it starts three copies of itself as workers, each importing jobs from that
// endpoint (so they share the work like mpmc receivers) and exporting its results to an endpoint
// of its own, which the parent imports into one local results channel. The workers' code is plain
// courier: a receiver to iterate, a sender to send on. Needs ZeroMQ (Debian: libzmq3-dev).
#include <courier/courier.hpp>
#include <courier/zmq.hpp>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

namespace cz = courier::zmq;

// Trivially copyable: travels as its bytes with the built-in codec.
struct job {
    std::uint32_t id;
    std::uint64_t start;  // the Collatz sequence's first value
};
struct result {
    std::uint32_t id;
    std::uint32_t steps;  // steps to reach 1
};

static std::uint32_t collatz_steps(std::uint64_t n) {
    std::uint32_t steps = 0;
    for (; n != 1; ++steps) {
        n = n % 2 == 0 ? n / 2 : 3 * n + 1;
    }
    return steps;
}

// The worker: jobs in, results out, until the parent's job channel ends.
static int worker(const std::string& jobs_at, const std::string& results_at) {
    auto [jobs, jobs_bridge] = cz::import_channel<job>(cz::connect(jobs_at));
    auto [results, results_bridge] = cz::export_channel<result>(cz::connect(results_at));
    for (const job& j : jobs) {
        results.send(result{j.id, collatz_steps(j.start)});
    }
    results.reset();
    // Both end cleanly, or say why not.
    if (auto r = jobs_bridge.wait(); !r) {
        std::cerr << "worker: jobs: " << r.error().what() << "\n";
        return 1;
    }
    if (auto r = results_bridge.wait(); !r) {
        std::cerr << "worker: results: " << r.error().what() << "\n";
        return 1;
    }
    return 0;
}

int main(int argc, char** argv) {
    if (argc == 4 && std::string(argv[1]) == "--worker") {
        return worker(argv[2], argv[3]);
    }
    constexpr int workers = 3;
    constexpr std::uint32_t jobs_count = 30000;

    std::string dir_pattern =
        (std::filesystem::temp_directory_path() / "courier-workers-XXXXXX").string();
    if (::mkdtemp(dir_pattern.data()) == nullptr) {
        std::perror("mkdtemp");
        return 1;
    }
    const std::filesystem::path dir = dir_pattern;
    const std::string jobs_at = "ipc://" + (dir / "jobs").string();

    auto [jobs, jobs_bridge] = cz::export_channel<job>(cz::bind(jobs_at));
    auto [results_tx, results] = courier::sync_channel<result>(1024);
    std::vector<cz::importer<courier::sync_sender<result>>> result_bridges;
    std::vector<pid_t> children;
    for (int i = 0; i < workers; ++i) {
        const std::string results_at = "ipc://" + (dir / ("results-" + std::to_string(i))).string();
        result_bridges.push_back(cz::import_into(results_tx, cz::bind(results_at)));
        const pid_t pid = ::fork();
        if (pid == 0) {
            ::execl("/proc/self/exe", "zmq_workers", "--worker", jobs_at.c_str(),
                    results_at.c_str(), static_cast<char*>(nullptr));
            std::_Exit(127);
        }
        children.push_back(pid);
    }
    results_tx.reset();  // the import bridges hold the only senders now

    // Once every worker is connected, the jobs are shared among them.
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (jobs_bridge.stats().peers < workers) {
        if (std::chrono::steady_clock::now() > give_up) {
            std::cerr << "only " << jobs_bridge.stats().peers << " of " << workers
                      << " workers connected within 30 s\n";
            for (pid_t pid : children) {
                ::kill(pid, SIGKILL);
                ::waitpid(pid, nullptr, 0);
            }
            std::filesystem::remove_all(dir);
            return 1;
        }
        ::usleep(1000);
    }
    std::thread producer([&jobs = jobs] {
        for (std::uint32_t id = 0; id < jobs_count; ++id) {
            jobs.send(job{id, std::uint64_t{id} + 1});
        }
        jobs.reset();
    });

    std::vector<bool> done(jobs_count, false);
    std::uint64_t total_steps = 0;
    std::uint32_t received = 0;
    bool ok = true;
    for (const result& r : results) {  // ends when every worker's results bridge has ended
        ok = ok && r.id < jobs_count && !done[r.id] && r.steps == collatz_steps(r.id + 1u);
        if (r.id < jobs_count) {
            done[r.id] = true;
        }
        total_steps += r.steps;
        ++received;
    }
    producer.join();
    ok = ok && jobs_bridge.wait().has_value();
    for (auto& b : result_bridges) {
        ok = ok && b.wait().has_value();
    }
    for (pid_t pid : children) {
        int status = 0;
        ::waitpid(pid, &status, 0);
        ok = ok && WIFEXITED(status) && WEXITSTATUS(status) == 0;
    }
    std::filesystem::remove_all(dir);

    std::cout << workers << " worker processes, " << received << " of " << jobs_count
              << " jobs done exactly once\n";
    std::cout << "total Collatz steps for 1.." << jobs_count << ": " << total_steps << "\n";
    return ok && received == jobs_count ? 0 : 1;
}
