// courier: typed channels for message passing between threads and coroutines.
// This umbrella header includes every public header and nothing else.
#pragma once

#include "courier/async.hpp"     // IWYU pragma: export
#include "courier/error.hpp"     // IWYU pragma: export
#include "courier/expected.hpp"  // IWYU pragma: export
#include "courier/handles.hpp"   // IWYU pragma: export
#include "courier/mpmc.hpp"      // IWYU pragma: export
#include "courier/mpsc.hpp"      // IWYU pragma: export
#include "courier/select.hpp"    // IWYU pragma: export
#include "courier/timer.hpp"     // IWYU pragma: export
