// oneTBB tbb::concurrent_bounded_queue (Debian libtbb-dev): blocking push and pop. Capacity 1 and
// capacity N through set_capacity(); the default capacity (no limit) for the unbounded flavor.
// A capacity of 0 makes every push wait forever rather than hand over, so there is no rendezvous
// flavor; there is no select.
#include <oneapi/tbb/concurrent_queue.h>

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

struct tbb_adapter {
    using queue = tbb::concurrent_bounded_queue<message>;
    using handle = std::shared_ptr<queue>;

    static constexpr std::string_view name = "tbb";

    static constexpr bool supports(flavor f, shape s) {
        return f != flavor::bounded0 && s != shape::select_rx && s != shape::select_both;
    }

    template <flavor F>
    static std::pair<handle, handle> make_mpsc(std::size_t messages) {
        auto q = std::make_shared<queue>();
        if constexpr (F != flavor::unbounded) {
            q->set_capacity(static_cast<queue::size_type>(bench::capacity_of(F, messages)));
        }
        return {q, q};
    }

    template <flavor F>
    static std::pair<handle, handle> make_mpmc(std::size_t messages) {
        return make_mpsc<F>(messages);
    }

    static void send(const handle& tx, message m) { tx->push(m); }

    static message recv(handle& rx) {
        message m = 0;
        rx->pop(m);
        return m;
    }
};

}  // namespace

int main(int argc, char** argv) {
    return bench::main_for<tbb_adapter>(argc, argv);
}
