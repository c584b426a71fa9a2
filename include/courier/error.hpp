// The error types of courier's channel operations.
//
// A failed send always hands the message back to the caller inside the error (`value`); courier
// never destroys a message behind the sender's back. Every error type is comparable with ==, the
// struct errors explain themselves with what(), the enums with courier::to_string().
#pragma once

#include <concepts>
#include <cstddef>
#include <string_view>
#include <type_traits>
#include <utility>

namespace courier {

/// recv() failed: the channel is empty and disconnected (every sender is gone, or it was closed).
struct recv_error {
    const char* what() const noexcept { return "receiving on an empty and disconnected channel"; }
    friend constexpr bool operator==(recv_error, recv_error) noexcept { return true; }
};

/// try_recv() failed: nothing is buffered now (`empty`) or nothing ever will be (`disconnected`).
enum class try_recv_error { empty, disconnected };

/// recv_timeout()/recv_deadline() failed: time ran out (`timeout`), the channel is empty and
/// disconnected (`disconnected`), or a stop was requested on the call's std::stop_token
/// (`stopped`; nothing was received).
enum class recv_timeout_error { timeout, disconnected, stopped };

/// Why a send did not complete: the channel was `full` (try_send), time ran out (`timeout`,
/// send_timeout/send_deadline), every receiver is gone or closed (`disconnected`), or a stop was
/// requested on the call's std::stop_token (`stopped`).
enum class send_status { full, timeout, disconnected, stopped };

namespace detail {
/// The text of enumerator `e` in `texts` (one per enumerator, in declaration order), or `unknown`
/// for a value outside the enumeration.
template <class Enum, std::size_t N>
constexpr std::string_view describe(Enum e, const std::string_view (&texts)[N],
                                    std::string_view unknown) noexcept {
    const auto i = static_cast<std::size_t>(e);
    return i < N ? texts[i] : unknown;
}
}  // namespace detail

constexpr std::string_view to_string(try_recv_error e) noexcept {
    constexpr std::string_view texts[] = {"receiving on an empty channel",
                                          "receiving on an empty and disconnected channel"};
    return detail::describe(e, texts, "unknown try_recv_error");
}

constexpr std::string_view to_string(recv_timeout_error e) noexcept {
    constexpr std::string_view texts[] = {"timed out waiting on receive operation",
                                          "channel is empty and receiving half is disconnected",
                                          "receive operation stopped by a stop request"};
    return detail::describe(e, texts, "unknown recv_timeout_error");
}

constexpr std::string_view to_string(send_status s) noexcept {
    constexpr std::string_view texts[] = {
        "sending on a full channel", "timed out waiting on send operation",
        "sending on a disconnected channel", "send operation stopped by a stop request"};
    return detail::describe(s, texts, "unknown send_status");
}

/// send() failed: every receiver is gone or closed. The message comes back in `value`.
template <class T>
struct send_error {
    T value;

    const char* what() const noexcept { return "sending on a disconnected channel"; }

    friend constexpr bool operator==(const send_error& a,
                                     const send_error& b) requires std::equality_comparable<T> {
        return a.value == b.value;
    }
};

template <class T>
send_error(T) -> send_error<T>;

/// try_send() failed: the channel is `full` or `disconnected`. The message comes back in `value`.
template <class T>
struct try_send_error {
    send_status kind;
    T value;

    bool is_full() const noexcept { return kind == send_status::full; }
    bool is_disconnected() const noexcept { return kind == send_status::disconnected; }
    const char* what() const noexcept { return to_string(kind).data(); }

    friend constexpr bool operator==(const try_send_error& a,
                                     const try_send_error& b) requires std::equality_comparable<T> {
        return a.kind == b.kind && a.value == b.value;
    }
};

template <class T>
try_send_error(send_status, T) -> try_send_error<T>;

/// send_timeout()/send_deadline() (or a send with a std::stop_token) failed: time ran out
/// (`timeout`), the channel is `disconnected`, or a stop was requested (`stopped`). The message
/// comes back in `value`.
template <class T>
struct send_timeout_error {
    send_status kind;
    T value;

    bool is_timeout() const noexcept { return kind == send_status::timeout; }
    bool is_disconnected() const noexcept { return kind == send_status::disconnected; }
    bool is_stopped() const noexcept { return kind == send_status::stopped; }
    const char* what() const noexcept { return to_string(kind).data(); }

    friend constexpr bool operator==(
        const send_timeout_error& a,
        const send_timeout_error& b) requires std::equality_comparable<T> {
        return a.kind == b.kind && a.value == b.value;
    }
};

template <class T>
send_timeout_error(send_status, T) -> send_timeout_error<T>;

}  // namespace courier
