// The outcome of one channel operation, shared by every flavor, before the public layer turns it
// into an error type.
#pragma once

#include <cstdint>

namespace courier::detail {

/// The outcome of one channel operation.
enum class op_status : std::uint8_t { ok, full, empty, timeout, disconnected };

}  // namespace courier::detail
