// Waiting on two channels at once, with a time limit.
//
// courier::select() blocks until one of its operations can complete, runs only that operation's
// handler and returns the arm's index. on_timeout() fires when nothing else is ready in time. A
// disconnected channel counts as ready: its handler receives the error.
#include <courier/courier.hpp>

#include <chrono>
#include <cstdio>
#include <string>
#include <thread>

using namespace std::chrono_literals;

int main() {
    auto [numbers_tx, numbers] = courier::channel<int>();
    auto [words_tx, words] = courier::channel<std::string>();

    // One round of select: prints what happened, returns the index of the arm that fired.
    auto wait_once = [&numbers = numbers, &words = words](std::chrono::milliseconds limit) {
        return courier::select(
            courier::on_recv(numbers,
                             [](courier::expected<int, courier::recv_error> m) {
                                 if (m) {
                                     std::printf("numbers: %d\n", *m);
                                 } else {
                                     std::printf("numbers: disconnected\n");
                                 }
                             }),
            courier::on_recv(words,
                             [](courier::expected<std::string, courier::recv_error> m) {
                                 if (m) {
                                     std::printf("words: %s\n", m->c_str());
                                 } else {
                                     std::printf("words: disconnected\n");
                                 }
                             }),
            courier::on_timeout(limit, [] { std::printf("timeout\n"); }));
    };

    bool ok = true;

    // Nothing sent yet: the timeout arm fires.
    ok = wait_once(20ms) == 2 && ok;

    // Exactly one channel has a message: that arm fires.
    (void)words_tx.send("hello");
    ok = wait_once(20ms) == 1 && ok;
    (void)numbers_tx.send(42);
    ok = wait_once(20ms) == 0 && ok;

    // A message that arrives while select is already waiting.
    std::thread late([tx = numbers_tx] {
        std::this_thread::sleep_for(20ms);
        (void)tx.send(7);
    });
    ok = wait_once(10s) == 0 && ok;
    late.join();

    // A disconnected channel is ready: with words' sender gone (and numbers' still alive), the
    // words arm fires at once with the error.
    words_tx.reset();
    ok = wait_once(10s) == 1 && ok;
    numbers_tx.reset();
    // Both arms are now ready (both disconnected); select picks one of them at random.
    const std::size_t fired = courier::select(
        courier::on_recv(numbers, [](courier::expected<int, courier::recv_error>) {}),
        courier::on_recv(words, [](courier::expected<std::string, courier::recv_error>) {}),
        courier::on_timeout(10s, [] {}));
    std::printf("with both disconnected, a receive arm fired: %s\n", fired < 2 ? "yes" : "no");
    ok = fired < 2 && ok;

    return ok ? 0 : 1;
}
