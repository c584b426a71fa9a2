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
#include <new>
#include <stop_token>

#include "courier/detail/config.hpp"
#include "courier/detail/sync.hpp"
#include "courier/detail/time.hpp"
#include "courier/detail/wait/resume.hpp"
#include "courier/detail/wait/waiter.hpp"

namespace courier::detail {

class stop_guard {
  public:
    /// Watches `dl`'s stop token, if it has one, for `w`. A stop already requested completes `w`
    /// at once.
    COURIER_TRIVIAL stop_guard(const deadline& dl, waiter& w) noexcept { watch_for(dl, w); }

    /// Watches nothing until watch_token() or watch_for().
    stop_guard() noexcept = default;

    stop_guard(const stop_guard&) = delete;
    stop_guard& operator=(const stop_guard&) = delete;

    /// Waits for a callback running on another thread (std::stop_callback's destructor).
    ~stop_guard() {
        if (detach_ != nullptr) {
            detach_(*this);
        }
    }

    /// As the constructor (after reset(), if the guard watches something already).
    void watch_for(const deadline& dl, waiter& w) noexcept {
        if (const auto record = dl.stop_watch()) {
            record(*this, *dl.stop_token(), w);
        }
    }
    /// Watches `st` for `w`: a stop request completes `w` with `selection` (select's on_stop arm
    /// passes its operation's id).
    void watch_token(const std::stop_token& st, waiter& w, std::uintptr_t selection) noexcept {
        attach(st, w, selection);
    }

    /// Stops watching; waits for a callback running on another thread (std::stop_callback's
    /// destructor).
    void reset() noexcept {
        if (detach_ != nullptr) {
            const auto detach = detach_;
            detach_ = nullptr;
            detach(*this);
        }
    }

    /// What deadline::with_stop() records (a function template: instantiated only there). A wait
    /// reaches it through that record, so a program that never passes a stop token compiles no
    /// std::stop_callback (its constructor, destructor and callback were a tenth of the functions
    /// a small program compiled for one channel).
    template <class = void>
    static void watch_stopped(stop_guard& g, const std::stop_token& st, waiter& w) noexcept {
        g.attach(st, w, sel_stopped);
    }

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
    using callback = sync::stop_callback<select_and_wake>;

    // A template, so that only the programs that call it instantiate the callback's members.
    template <class Callback = callback>
    void attach(const std::stop_token& st, waiter& w, std::uintptr_t selection) noexcept {
        if (detach_ != nullptr) {
            reset();
        }
        ::new (static_cast<void*>(storage_)) Callback(st, select_and_wake{&w, selection});
        detach_ = [](stop_guard& g) noexcept {
            std::launder(reinterpret_cast<Callback*>(g.storage_))->~Callback();
        };
    }

    alignas(callback) unsigned char storage_[sizeof(callback)];
    void (*detach_)(stop_guard&) noexcept = nullptr;
};

}  // namespace courier::detail
