// stop_guard: a std::stop_token as a way for a wait to end. While the guard lives, a stop request
// on the operation's token completes the wait as `sel_stopped` through the waiter interface
// (try_select, then wake), like a partner would; whoever wins the waiter's CAS, the stop or a
// partner, completes it, and the other leaves it alone. The waiting operation then unregisters and
// tries once more, as after a timeout, and reports `stopped` only if that try fails too: a stopped
// receive has taken nothing and a stopped send still holds its value.
//
// The guard is constructed after the waiter and destroyed before it: std::stop_callback's
// destructor waits for a callback running on another thread, so the stop's wake() has returned
// before the waiter's memory goes.
#pragma once

#include <cstdint>
#include <optional>
#include <stop_token>

#include "courier/detail/sync.hpp"
#include "courier/detail/time.hpp"
#include "courier/detail/wait/resume.hpp"
#include "courier/detail/wait/waiter.hpp"

namespace courier::detail {

class stop_guard {
  public:
    /// Watches `dl`'s stop token, if it has one, for `w`. A stop already requested completes `w`
    /// at once.
    stop_guard(const deadline& dl, waiter& w) noexcept {
        if (const std::stop_token* st = dl.stop_token()) {
            callback_.emplace(*st, select_and_wake{&w, sel_stopped});
        }
    }

    /// Watches `st` for `w`: a stop request completes `w` with `selection` (select's on_stop arm
    /// passes its operation's id).
    stop_guard(const std::stop_token& st, waiter& w, std::uintptr_t selection) noexcept {
        callback_.emplace(st, select_and_wake{&w, selection});
    }

    stop_guard(const stop_guard&) = delete;
    stop_guard& operator=(const stop_guard&) = delete;

  private:
    struct select_and_wake {
        waiter* w;
        std::uintptr_t selection;
        void operator()() const noexcept {
            if (w->try_select(selection)) {
                w->wake();
                resume_queued();  // a coroutine's waiter: resumed by the thread that requested
            }
        }
    };

    std::optional<sync::stop_callback<select_and_wake>> callback_;
};

}  // namespace courier::detail
