// The hand-written std::mutex + std::condition_variable channel of mutex_cv_channel.hpp, every
// flavor (capacity 0 as a rendezvous); no select.
#include <cstddef>
#include <memory>
#include <string_view>
#include <utility>

#include "extra.hpp"
#include "mutex_cv_channel.hpp"
#include "scenarios.hpp"

namespace {

using bench::flavor;
using bench::message;
using bench::shape;

struct mutex_cv_adapter {
    using channel = bench::mutex_cv_channel<message>;
    using handle = std::shared_ptr<channel>;

    static constexpr std::string_view name = "mutex_cv";

    static constexpr bool supports(flavor, shape s) {
        return s != shape::select_rx && s != shape::select_both;
    }

    template <flavor F>
    static std::pair<handle, handle> make_mpsc(std::size_t messages) {
        const std::size_t capacity =
            F == flavor::unbounded ? channel::unbounded : bench::capacity_of(F, messages);
        auto ch = std::make_shared<channel>(capacity);
        return {ch, ch};
    }

    template <flavor F>
    static std::pair<handle, handle> make_mpmc(std::size_t messages) {
        return make_mpsc<F>(messages);
    }

    static void send(const handle& tx, message m) { tx->send(m); }
    static message recv(handle& rx) { return rx->recv(); }
};

}  // namespace

int main(int argc, char** argv) {
    return bench::main_for<mutex_cv_adapter>(argc, argv);
}
