// Boost.Fiber channels (Debian libboost-fiber-dev) used from plain threads: a blocked thread
// suspends its main fiber and sleeps in the fiber scheduler. boost::fibers::buffered_channel
// takes a power-of-two capacity >= 2 and holds one message less than that, so capacity 2 is
// exactly bounded1 and the bounded flavor uses the smallest power of two above N.
// boost::fibers::unbuffered_channel is the rendezvous. There is no unbounded channel and no select.
#include <boost/fiber/buffered_channel.hpp>
#include <boost/fiber/channel_op_status.hpp>
#include <boost/fiber/unbuffered_channel.hpp>

#include <bit>
#include <cstddef>
#include <memory>
#include <string_view>
#include <type_traits>
#include <utility>

#include "extra.hpp"
#include "scenarios.hpp"

namespace {

using bench::flavor;
using bench::message;
using bench::shape;

template <class Channel>
struct boost_fiber_flavor {
    using handle = std::shared_ptr<Channel>;

    static void send(const handle& tx, message m) {
        if (tx->push(m) != boost::fibers::channel_op_status::success) {
            bench::fail("boost fiber push failed");
        }
    }

    static message recv(handle& rx) {
        message m = 0;
        if (rx->pop(m) != boost::fibers::channel_op_status::success) {
            bench::fail("boost fiber pop failed");
        }
        return m;
    }
};

struct boost_fiber_adapter {
    using buffered = boost::fibers::buffered_channel<message>;
    using unbuffered = boost::fibers::unbuffered_channel<message>;

    static constexpr std::string_view name = "boost_fiber";

    static constexpr bool supports(flavor f, shape s) {
        return f != flavor::unbounded && s != shape::select_rx && s != shape::select_both;
    }

    template <flavor F>
    static auto make_mpsc(std::size_t messages) {
        if constexpr (F == flavor::bounded0) {
            auto ch = std::make_shared<unbuffered>();
            return std::pair{ch, ch};
        } else {
            // holds capacity - 1 messages
            const std::size_t capacity = std::bit_ceil(bench::capacity_of(F, messages) + 1);
            auto ch = std::make_shared<buffered>(capacity);
            return std::pair{ch, ch};
        }
    }

    template <flavor F>
    static auto make_mpmc(std::size_t messages) {
        return make_mpsc<F>(messages);
    }

    template <class Channel>
    static void send(const std::shared_ptr<Channel>& tx, message m) {
        boost_fiber_flavor<Channel>::send(tx, m);
    }

    template <class Channel>
    static message recv(std::shared_ptr<Channel>& rx) {
        return boost_fiber_flavor<Channel>::recv(rx);
    }
};

}  // namespace

int main(int argc, char** argv) {
    return bench::main_for<boost_fiber_adapter>(argc, argv);
}
