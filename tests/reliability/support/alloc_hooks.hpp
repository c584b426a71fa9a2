// A counting replacement of the global operator new / operator delete, linked into the fault and
// bounds tests only (alloc_hooks.cpp).
//
// It counts every allocation of the process (calls, and live bytes measured with
// malloc_usable_size so that new and delete agree), and can make one chosen allocation fail: after
// fail_nth(n), the n-th allocation made on this thread inside a failure_scope throws
// std::bad_alloc (or returns nullptr for the nothrow forms). Allocations outside a failure_scope,
// such as the test's own bookkeeping, are counted but never fail.
#pragma once

#include <cstdint>

namespace courier_reliability::alloc {

/// operator new calls so far, every thread, every form.
std::uint64_t calls() noexcept;

/// Bytes obtained through operator new and not yet given back, every thread.
std::int64_t live_bytes() noexcept;

/// The largest single allocation since the last reset_max().
std::uint64_t max_request() noexcept;
void reset_max() noexcept;

/// The n-th allocation (n >= 1) from now made on this thread inside a failure_scope fails, once.
/// n == 0 disarms.
void fail_nth(long n) noexcept;

/// True if the armed allocation has failed since the last fail_nth().
bool fired() noexcept;

/// Allocations made on this thread inside a failure_scope were counted by this many so far (all
/// scopes since the last fail_nth()).
long scoped_count() noexcept;

/// Marks the calling thread's allocations as candidates for the armed failure while it lives.
class failure_scope {
  public:
    failure_scope() noexcept;
    ~failure_scope();
    failure_scope(const failure_scope&) = delete;
    failure_scope& operator=(const failure_scope&) = delete;

  private:
    bool previous_;
};

}  // namespace courier_reliability::alloc
