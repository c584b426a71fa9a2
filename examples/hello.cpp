#include <courier/courier.hpp>

#include <iostream>
#include <string>
#include <thread>

int main() {
    auto [tx, rx] = courier::channel<std::string>();
    std::jthread worker([tx = std::move(tx)] { tx.send("hello from a thread").value(); });
    std::cout << rx.recv().value() << '\n';
}
