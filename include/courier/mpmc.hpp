// Multi-producer, multi-consumer channels (crossbeam-channel, Go channels).
//
//   auto [tx, rx] = courier::mpmc::channel<T>();        // unbounded
//   auto [tx, rx] = courier::mpmc::sync_channel<T>(n);  // bounded; n == 0: rendezvous
//
// Both halves are copyable; each message goes to exactly one receiver. The channel disconnects for
// receivers when the last sender goes, and for senders when the last receiver goes (or a receiver
// closes it). The same engine as courier::channel / courier::sync_channel.
#pragma once

#include <cstddef>
#include <iterator>
#include <utility>

#include "courier/detail/channel.hpp"
#include "courier/handles.hpp"

namespace courier::mpmc {

/// The sending half of an MPMC channel, bounded or not. Copyable: a copy is one more producer.
/// Its members are basic_sender's (courier/handles.hpp).
template <class T>
class sender : public basic_sender<T, handle_kind<true, true>> {
    using sender::basic_sender::basic_sender;
};

/// A weak MPMC sender (sender::downgrade()): does not keep the channel connected; upgrade()
/// returns std::optional<mpmc::sender<T>>. Its members are basic_weak_sender's
/// (courier/handles.hpp).
template <class T>
class weak_sender : public basic_weak_sender<T, handle_kind<true, true>> {
    using weak_sender::basic_weak_sender::basic_weak_sender;
};

/// The receiving half of an MPMC channel. Copyable: a copy is one more consumer. Its members are
/// basic_receiver's (courier/handles.hpp).
template <class T>
class receiver : public basic_receiver<T, handle_kind<true, true>> {
    using receiver::basic_receiver::basic_receiver;
};

/// Creates an unbounded MPMC channel.
template <class T>
std::pair<sender<T>, receiver<T>> channel() {
    return detail::access::open<sender<T>, receiver<T>, T>(detail::unbounded);
}

/// Creates a bounded MPMC channel holding at most `capacity` messages; 0 makes a rendezvous
/// channel. Throws std::length_error or std::bad_alloc when the capacity cannot be allocated.
template <class T>
std::pair<sender<T>, receiver<T>> sync_channel(std::size_t capacity) {
    return detail::access::open<sender<T>, receiver<T>, T>(capacity);
}

}  // namespace courier::mpmc
