// The part of <chrono> courier uses: durations, time points, the clocks, duration_cast and the
// literals. libstdc++ keeps exactly these in <bits/chrono.h> (which its <thread> includes too);
// the rest of <chrono> (the calendar, time zones, formatting: about 2 400 lines) is left to the
// programs that use it. With any other standard library this is <chrono>.
#pragma once

#include <version>

#if defined(__GLIBCXX__) && __has_include(<bits/chrono.h>)
#include <bits/chrono.h>
#else
#include <chrono>
#endif
