// The vocabulary every flavor shares: the outcome of one channel operation (before the public
// layer turns it into an error type) and the two sides an operation can be on.
#pragma once

#include <cstdint>

namespace courier::detail {

/// The outcome of one channel operation.
enum class op_status : std::uint8_t { ok, full, empty, timeout, disconnected, stopped };

/// The side of a channel an operation is on; the select verbs take one as their first argument.
struct send_side {};
struct recv_side {};

/// What an operation of that side reports when it cannot proceed now.
constexpr op_status not_ready(send_side) noexcept {
    return op_status::full;
}
constexpr op_status not_ready(recv_side) noexcept {
    return op_status::empty;
}

}  // namespace courier::detail
