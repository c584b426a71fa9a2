// atomic_queue::AtomicQueueB (Debian libatomic-queue-dev): a bounded lock-free ring whose push
// and pop wait by spinning (never sleeping). Its capacity is rounded up to a power of two and to
// at least 64 slots, so only the bounded flavor (capacity N) can be expressed; it reserves the
// value 0 as its empty marker, which the scenarios never send. There is no select.
#include <atomic_queue/atomic_queue.h>

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

struct atomic_queue_adapter {
    using queue = atomic_queue::AtomicQueueB<message>;
    using handle = std::shared_ptr<queue>;

    static constexpr std::string_view name = "atomic_queue";

    static constexpr bool supports(flavor f, shape s) {
        return f == flavor::bounded && s != shape::select_rx && s != shape::select_both;
    }

    template <flavor F>
    static std::pair<handle, handle> make_mpsc(std::size_t messages) {
        auto q = std::make_shared<queue>(static_cast<unsigned>(bench::capacity_of(F, messages)));
        return {q, q};
    }

    template <flavor F>
    static std::pair<handle, handle> make_mpmc(std::size_t messages) {
        return make_mpsc<F>(messages);
    }

    static void send(const handle& tx, message m) { tx->push(m); }
    static message recv(handle& rx) { return rx->pop(); }
};

}  // namespace

int main(int argc, char** argv) {
    return bench::main_for<atomic_queue_adapter>(argc, argv);
}
