// A three-stage pipeline.
//
// generate (1..1000) -> square -> keep the even squares -> main, each stage a thread joined to the
// next by a channel. Each stage owns the sender of its output channel; when a stage's input is
// disconnected, its loop ends, it returns, and dropping its sender ends the next stage in turn.
#include <courier/courier.hpp>

#include <cstdint>
#include <cstdio>
#include <thread>

namespace {

constexpr std::uint64_t last = 1000;

void generate(courier::sender<std::uint64_t> out) {
    for (std::uint64_t n = 1; n <= last; ++n) {
        if (!out.send(n)) {
            return;
        }
    }
}

void square(courier::receiver<std::uint64_t> in, courier::sender<std::uint64_t> out) {
    for (std::uint64_t n : in) {
        if (!out.send(n * n)) {
            return;
        }
    }
}

void keep_even(courier::receiver<std::uint64_t> in, courier::sender<std::uint64_t> out) {
    for (std::uint64_t n : in) {
        if (n % 2 == 0 && !out.send(n)) {
            return;
        }
    }
}

}  // namespace

int main() {
    auto [numbers_tx, numbers_rx] = courier::channel<std::uint64_t>();
    auto [squares_tx, squares_rx] = courier::channel<std::uint64_t>();
    auto [evens_tx, evens_rx] = courier::channel<std::uint64_t>();

    std::thread stage1(generate, std::move(numbers_tx));
    std::thread stage2(square, std::move(numbers_rx), std::move(squares_tx));
    std::thread stage3(keep_even, std::move(squares_rx), std::move(evens_tx));

    std::uint64_t count = 0;
    std::uint64_t sum = 0;
    for (std::uint64_t n : evens_rx) {
        ++count;
        sum += n;
    }
    stage1.join();
    stage2.join();
    stage3.join();

    // The even squares are (2k)^2 for k = 1..last/2: sum 4 * m(m+1)(2m+1)/6 with m = last/2.
    const std::uint64_t m = last / 2;
    const std::uint64_t expected_sum = 4 * m * (m + 1) * (2 * m + 1) / 6;
    std::printf("even squares of 1..%llu: count %llu, sum %llu\n",
                static_cast<unsigned long long>(last), static_cast<unsigned long long>(count),
                static_cast<unsigned long long>(sum));
    const bool ok = count == m && sum == expected_sum;
    std::printf("matches the closed form: %s\n", ok ? "yes" : "no");
    return ok ? 0 : 1;
}
