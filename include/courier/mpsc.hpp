// Multi-producer, single-consumer channels (Rust's std::sync::mpsc).
//
// clang-format off
//   auto [tx, rx] = courier::channel<T>();        // unbounded: send never blocks
//   auto [tx, rx] = courier::sync_channel<T>(n);  // bounded: send blocks while n are buffered;
//                                                 // n == 0: rendezvous, send waits for a receiver
// clang-format on
//
// Senders are copyable (a copy is one more producer); the receiver is move-only. When the last
// sender goes, the receiver drains what is buffered and then sees `disconnected`. When the receiver
// goes (or is closed), sends fail and hand the message back.
#pragma once

#include <cstddef>
#include <iterator>
#include <utility>

#include "courier/detail/channel.hpp"
#include "courier/handles.hpp"

namespace courier {

/// The sending half of an unbounded channel: send never blocks. Copyable: a copy is one more
/// producer. Its members are basic_sender's (courier/handles.hpp); it has no try_send,
/// send_timeout or send_deadline.
template <class T>
class sender : public basic_sender<T, handle_kind<false, false>> {
    using sender::basic_sender::basic_sender;
};

/// The sending half of a bounded (or rendezvous) channel. Copyable: a copy is one more producer.
/// Its members are basic_sender's (courier/handles.hpp).
template <class T>
class sync_sender : public basic_sender<T, handle_kind<true, false>> {
    using sync_sender::basic_sender::basic_sender;
};

/// A weak courier::sender (sender::downgrade()): does not keep the channel connected;
/// upgrade() returns std::optional<sender<T>>. Its members are basic_weak_sender's
/// (courier/handles.hpp).
template <class T>
class weak_sender : public basic_weak_sender<T, handle_kind<false, false>> {
    using weak_sender::basic_weak_sender::basic_weak_sender;
};

/// A weak courier::sync_sender (sync_sender::downgrade()): does not keep the channel connected;
/// upgrade() returns std::optional<sync_sender<T>>.
template <class T>
class weak_sync_sender : public basic_weak_sender<T, handle_kind<true, false>> {
    using weak_sync_sender::basic_weak_sender::basic_weak_sender;
};

/// The receiving half of a channel. Move-only: there is one consumer. Its members are
/// basic_receiver's (courier/handles.hpp).
template <class T>
class receiver : public basic_receiver<T, handle_kind<true, false>> {
    using receiver::basic_receiver::basic_receiver;
};

/// Creates an unbounded channel. Never throws except std::bad_alloc.
template <class T>
std::pair<sender<T>, receiver<T>> channel() {
    return detail::access::open<sender<T>, receiver<T>, T>(detail::unbounded);
}

/// Creates a bounded channel holding at most `capacity` messages; 0 makes a rendezvous channel.
/// Throws std::length_error or std::bad_alloc when the capacity cannot be allocated.
template <class T>
std::pair<sync_sender<T>, receiver<T>> sync_channel(std::size_t capacity) {
    return detail::access::open<sync_sender<T>, receiver<T>, T>(capacity);
}

}  // namespace courier
