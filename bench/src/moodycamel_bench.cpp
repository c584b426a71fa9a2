// moodycamel::BlockingConcurrentQueue (Debian libconcurrentqueue-dev): an unbounded lock-free
// queue with a semaphore for blocking dequeues. Unbounded flavor only; it has no capacity limit,
// no rendezvous and no select. Plain enqueue / wait_dequeue calls, without producer or consumer
// tokens, as most code uses it. Note that it orders messages per producer only.
#include <concurrentqueue/blockingconcurrentqueue.h>

#include <cstddef>
#include <memory>
#include <string_view>
#include <utility>

#include "extra.hpp"
#include "scenarios.hpp"

namespace {

using bench::flavor;
using bench::message;
using bench::shape;

struct moodycamel_adapter {
    using queue = moodycamel::BlockingConcurrentQueue<message>;
    using handle = std::shared_ptr<queue>;

    static constexpr std::string_view name = "moodycamel";

    static constexpr bool supports(flavor f, shape s) {
        return f == flavor::unbounded && s != shape::select_rx && s != shape::select_both;
    }

    template <flavor F>
    static std::pair<handle, handle> make_mpsc(std::size_t) {
        auto q = std::make_shared<queue>();
        return {q, q};
    }

    template <flavor F>
    static std::pair<handle, handle> make_mpmc(std::size_t messages) {
        return make_mpsc<F>(messages);
    }

    static void send(const handle& tx, message m) {
        if (!tx->enqueue(m)) {
            bench::fail("moodycamel enqueue failed");
        }
    }

    static message recv(handle& rx) {
        message m = 0;
        rx->wait_dequeue(m);
        return m;
    }
};

}  // namespace

int main(int argc, char** argv) {
    return bench::main_for<moodycamel_adapter>(argc, argv);
}
