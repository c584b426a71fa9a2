// Must not compile: a message type with no courier::zmq::codec (tests/CMakeLists.txt checks that
// the compiler says so in courier's words).
#include <courier/zmq.hpp>

#include <memory>

void export_pointers() {
    auto bridge =
        courier::zmq::export_channel<std::unique_ptr<int>>(courier::zmq::bind("inproc://no-codec"));
}
