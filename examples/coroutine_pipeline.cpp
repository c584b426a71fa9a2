// A pipeline of coroutines and a thread on the same channels: a source coroutine hands numbers
// over a rendezvous channel to a squaring coroutine, which feeds a bounded channel that an
// ordinary thread drains with a blocking recv(). No coroutine ever blocks a thread: while a
// channel is empty or full, its coroutine is suspended, and the partner that completes its
// operation resumes it. A last coroutine waits with async_select for a message or a timeout.
#include <courier/courier.hpp>

#include <atomic>
#include <chrono>
#include <coroutine>
#include <exception>
#include <iostream>
#include <string>
#include <thread>
#include <utility>

// The smallest coroutine type that can co_await courier's operations: starts at once and frees
// its frame when the body ends. (Any task type of a coroutine library works the same way.)
struct fire_and_forget {
    struct promise_type {
        fire_and_forget get_return_object() noexcept { return {}; }
        std::suspend_never initial_suspend() noexcept { return {}; }
        std::suspend_never final_suspend() noexcept { return {}; }
        void return_void() noexcept {}
        void unhandled_exception() noexcept { std::terminate(); }
    };
};

fire_and_forget source(courier::sync_sender<int> out, int n) {
    for (int i = 1; i <= n; ++i) {
        if (!co_await out.async_send(i)) {
            co_return;  // nobody listens any more
        }
    }
}  // `out` goes with the frame: the squaring stage sees the channel disconnect

fire_and_forget square(courier::receiver<int> in, courier::sync_sender<int> out) {
    while (auto m = co_await in.async_recv()) {
        co_await out.async_send(*m * *m);
    }
}

fire_and_forget wait_for_news(courier::receiver<std::string> news, std::atomic_flag& done) {
    using namespace std::chrono_literals;
    co_await courier::async_select(
        courier::on_recv(news,
                         [](courier::expected<std::string, courier::recv_error> m) {
                             std::cout << "news: " << m.value_or("(closed)") << '\n';
                         }),
        courier::on_timeout(20ms, [] { std::cout << "no news within 20 ms\n"; }));
    done.test_and_set();
    done.notify_one();
}

int main() {
    auto [numbers_tx, numbers_rx] = courier::sync_channel<int>(0);  // rendezvous
    auto [squares_tx, squares_rx] = courier::sync_channel<int>(2);  // bounded

    // The thread at the end of the pipeline blocks in recv(); the coroutines never do.
    std::jthread printer([rx = std::move(squares_rx)] {
        int sum = 0;
        for (int v : rx) {
            sum += v;
        }
        std::cout << "sum of the squares of 1..100: " << sum << '\n';
    });

    // square() suspends at once (nothing sent yet); source() hands it the first number and goes on
    // until a channel makes it wait. From then on each coroutine runs on whichever thread
    // completes its operation: this one, or the printer's when it makes room in `squares`.
    square(std::move(numbers_rx), std::move(squares_tx));
    source(std::move(numbers_tx), 100);
    printer.join();

    // The timeout fires on courier's deadline thread, with no other thread involved.
    auto [news_tx, news_rx] = courier::channel<std::string>();
    std::atomic_flag done;
    wait_for_news(std::move(news_rx), done);
    done.wait(false);
}
