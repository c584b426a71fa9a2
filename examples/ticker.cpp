// A ticker loop that stops at a deadline.
//
// courier::tick(period) is a receiver that delivers the current time once every period;
// courier::after(d) delivers once, no earlier than d from the call. Selecting over both gives the
// familiar loop that does periodic work until a deadline. With a 100 ms period and a deadline at
// 550 ms the loop sees five ticks on an idle machine; a busy machine may deliver fewer, because a
// tick that the loop is too late to take is not queued up.
#include <courier/courier.hpp>

#include <chrono>
#include <cstdio>

using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

int main() {
    constexpr auto period = 100ms;
    constexpr int planned_ticks = 5;
    constexpr auto deadline_after = planned_ticks * period + period / 2;

    const clock_type::time_point start = clock_type::now();
    courier::mpmc::receiver<clock_type::time_point> ticker = courier::tick(period);
    courier::mpmc::receiver<clock_type::time_point> deadline = courier::after(deadline_after);

    int ticks = 0;
    bool stopped = false;
    bool ticks_on_time = true;
    bool deadline_on_time = true;
    while (!stopped) {
        courier::select(
            courier::on_recv(ticker,
                             [&](courier::expected<clock_type::time_point, courier::recv_error> t) {
                                 if (!t) {
                                     return;
                                 }
                                 ++ticks;
                                 std::printf("tick %d\n", ticks);
                                 // The k-th tick taken is never earlier than k periods in.
                                 ticks_on_time =
                                     ticks_on_time && clock_type::now() - start >= ticks * period;
                             }),
            courier::on_recv(deadline,
                             [&](courier::expected<clock_type::time_point, courier::recv_error> t) {
                                 stopped = true;
                                 deadline_on_time = t.has_value() && *t - start >= deadline_after &&
                                                    clock_type::now() - start >= deadline_after;
                             }));
    }

    std::printf("deadline reached after %d ticks\n", ticks);
    std::printf("no tick came early: %s\n", ticks_on_time ? "yes" : "no");
    std::printf("the deadline did not come early: %s\n", deadline_on_time ? "yes" : "no");
    return ticks_on_time && deadline_on_time ? 0 : 1;
}
