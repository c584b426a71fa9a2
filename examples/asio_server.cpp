// An Asio TCP server whose connections hand their work to ordinary threads through courier
// channels, and get the answers back through channels too. Each connection is an asio::awaitable
// on one io_context thread; two worker threads block in recv() on a shared job channel. Three
// clients (Asio coroutines on the same io_context) send five lines each over loopback and check
// the upper-cased echo. Needs standalone Asio (Debian: libasio-dev).
#include <courier/asio.hpp>
#include <courier/courier.hpp>

#include <asio/co_spawn.hpp>
#include <asio/connect.hpp>
#include <asio/detached.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/read_until.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>

#include <cctype>
#include <iostream>
#include <string>
#include <thread>
#include <tuple>
#include <utility>

using asio::ip::tcp;

struct job {
    std::string line;
    courier::sync_sender<std::string> reply;  // where the worker sends the answer
};

// One connection: read a line, hand it to the workers, await the answer, write it back.
asio::awaitable<void> session(tcp::socket socket, courier::mpmc::sender<job> jobs) {
    auto replies = courier::sync_channel<std::string>(1);
    std::string buffer;
    for (;;) {
        const auto read =
            co_await asio::async_read_until(socket, asio::dynamic_buffer(buffer), '\n',
                                            asio::experimental::as_tuple(asio::use_awaitable));
        if (std::get<0>(read)) {
            co_return;  // the client closed the connection
        }
        const std::size_t n = std::get<1>(read);
        // Built before the co_await: GCC 12 mishandles a temporary with a destructor inside a
        // co_await expression (it freed the job's string twice here).
        job work{buffer.substr(0, n - 1), replies.first};
        buffer.erase(0, n);
        // Waits (suspended, not blocking the io_context) while the job queue is full.
        co_await courier::asio::async_send(jobs, std::move(work), asio::use_awaitable);
        std::string answer;
        if (auto m = co_await courier::asio::async_recv(replies.second, asio::use_awaitable)) {
            answer = std::move(*m) + '\n';
        } else {
            co_return;
        }
        co_await asio::async_write(socket, asio::buffer(answer), asio::use_awaitable);
    }
}

asio::awaitable<void> listen(tcp::acceptor& acceptor, courier::mpmc::sender<job> jobs,
                             int connections) {
    for (int i = 0; i < connections; ++i) {
        tcp::socket socket = co_await acceptor.async_accept(asio::use_awaitable);
        asio::co_spawn(acceptor.get_executor(), session(std::move(socket), jobs), asio::detached);
    }
}

asio::awaitable<void> client(tcp::endpoint server, int id, int lines, int& good) {
    tcp::socket socket(co_await asio::this_coro::executor);
    co_await socket.async_connect(server, asio::use_awaitable);
    std::string buffer;
    for (int k = 0; k < lines; ++k) {
        const std::string line = "client " + std::to_string(id) + " line " + std::to_string(k);
        co_await asio::async_write(socket, asio::buffer(line + '\n'), asio::use_awaitable);
        const std::size_t n = co_await asio::async_read_until(socket, asio::dynamic_buffer(buffer),
                                                              '\n', asio::use_awaitable);
        std::string expected = line;
        for (char& c : expected) {
            c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        }
        if (buffer.substr(0, n - 1) == expected) {
            ++good;
        }
        buffer.erase(0, n);
    }
}  // the socket closes: the server's session ends

int main() {
    constexpr int clients = 3;
    constexpr int lines = 5;
    auto [jobs_tx, jobs_rx] = courier::mpmc::sync_channel<job>(4);

    // The workers: plain threads that block on the shared job channel until it disconnects.
    auto work = [rx = jobs_rx] {
        while (auto j = rx.recv()) {
            for (char& c : j->line) {
                c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
            }
            j->reply.send(std::move(j->line)).value();
        }
    };
    std::jthread worker1(work);
    std::jthread worker2(work);
    jobs_rx.reset();

    asio::io_context io;
    tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    asio::co_spawn(io, listen(acceptor, std::move(jobs_tx), clients), asio::detached);
    int good = 0;
    for (int id = 0; id < clients; ++id) {
        asio::co_spawn(io, client(acceptor.local_endpoint(), id, lines, good), asio::detached);
    }
    // Returns when every client and session has ended; the last session's job sender goes with it,
    // so the workers see the job channel disconnect and return.
    io.run();
    std::cout << clients << " clients, " << good << " of " << clients * lines
              << " lines echoed upper-cased by the worker threads\n";
    return good == clients * lines ? 0 : 1;
}
