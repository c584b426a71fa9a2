#pragma once
// courier channels across processes and machines, over ZeroMQ (optional target courier::zmq, which
// links libzmq; Debian: libzmq3-dev). Nothing in the core includes this header.
//
//   exporting process                              importing process(es)
//   auto [tx, exp] = courier::zmq::export_channel<job>(courier::zmq::bind("tcp://*:5555"));
//   tx.send(job{...});                             auto [rx, imp] =
//   courier::zmq::import_channel<job>( tx.reset(); exp.wait();
//   courier::zmq::connect("tcp://host:5555"));
//                                                  for (job j : rx) { ... }
//                                                  imp.wait();   // clean end, or why it ended
//
// An exporter serves any number of importers (work distribution, like mpmc receivers); each
// message goes to exactly one of them. Flow control is by credit: an importer grants the exporter
// a window of records and grants more as it hands them to its local channel, so a slow importer
// slows the exporter and memory stays bounded on both sides. Heartbeats find a dead peer. The
// protocol is in courier/detail/zmq_wire.hpp; the semantics in docs/design.md ("Across processes").

#include <algorithm>
#include <array>
#include <atomic>
#include <bit>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <exception>
#include <iterator>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <stdexcept>
#include <stop_token>
#include <string>
#include <string_view>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include <fcntl.h>
#include <unistd.h>
#include <zmq.h>

#include "courier/detail/zmq_wire.hpp"
#include "courier/expected.hpp"
#include "courier/mpsc.hpp"

namespace courier::zmq {

// ---------------------------------------------------------------------------------------------
// Codecs: how a T becomes the bytes of one record and back.

/// Appends a record's bytes; handed to codec<T>::encode.
class byte_writer {
  public:
    explicit byte_writer(std::string& out) noexcept : out_(&out) {}
    void append(const void* data, std::size_t size) {
        out_->append(static_cast<const char*>(data), size);
    }
    void append(std::string_view bytes) { out_->append(bytes); }
    void append(std::span<const std::byte> bytes) { append(bytes.data(), bytes.size()); }

  private:
    std::string* out_;
};

/// The customization point. A specialization has
///   static void encode(const T&, courier::zmq::byte_writer&);
///   static courier::expected<T, std::string> decode(std::span<const std::byte>);
/// and may have `static constexpr std::uint64_t tag` (nonzero): importer and exporter compare
/// their tags when they meet and refuse a peer whose tag differs. The primary template is empty:
/// a T without a codec does not compile (see has_codec).
template <class T, class Enable = void>
struct codec {};

template <class T>
concept has_codec = requires(const T& value, byte_writer& out, std::span<const std::byte> bytes) {
    codec<T>::encode(value, out);
    { codec<T>::decode(bytes) } -> std::same_as<expected<T, std::string>>;
};

namespace raw {
// Trivially copyable objects travel as their bytes (same architecture and layout on both sides);
// pointers do not (an address means nothing in another process).
template <class T>
inline constexpr bool codable =
    std::is_trivially_copyable_v<T>&& std::is_object_v<T> && !std::is_array_v<T> &&
    !std::is_pointer_v<T> && !std::is_member_pointer_v<T> && !std::is_null_pointer_v<T> &&
    !std::is_const_v<T> && !std::is_volatile_v<T>;
}  // namespace raw

template <class T>
struct codec<T, std::enable_if_t<raw::codable<T>>> {
    // 'T' | size | alignment: a peer whose type differs in size is refused at hello.
    static constexpr std::uint64_t tag =
        (std::uint64_t{'T'} << 56) | (std::uint64_t{sizeof(T)} << 16) | std::uint64_t{alignof(T)};
    static void encode(const T& value, byte_writer& out) { out.append(&value, sizeof(T)); }
    static expected<T, std::string> decode(std::span<const std::byte> bytes) {
        if (bytes.size() != sizeof(T)) {
            return unexpected(std::string("record of ") + std::to_string(bytes.size()) +
                              " bytes for a type of " + std::to_string(sizeof(T)));
        }
        std::array<std::byte, sizeof(T)> copy;
        std::memcpy(copy.data(), bytes.data(), sizeof(T));
        return std::bit_cast<T>(copy);
    }
};

namespace raw {
// Strings and byte vectors share one tag: any of them can feed any other.
inline constexpr std::uint64_t bytes_tag = std::uint64_t{'B'} << 56;

template <class Container>
struct byte_sequence_codec {
    static constexpr std::uint64_t tag = bytes_tag;
    static void encode(const Container& value, byte_writer& out) {
        out.append(value.data(), value.size());
    }
    static expected<Container, std::string> decode(std::span<const std::byte> bytes) {
        Container out(bytes.size(), typename Container::value_type{});
        if (!bytes.empty()) {
            std::memcpy(out.data(), bytes.data(), bytes.size());
        }
        return out;
    }
};
}  // namespace raw

template <>
struct codec<std::string> : raw::byte_sequence_codec<std::string> {};
template <>
struct codec<std::vector<std::byte>> : raw::byte_sequence_codec<std::vector<std::byte>> {};
template <>
struct codec<std::vector<unsigned char>> : raw::byte_sequence_codec<std::vector<unsigned char>> {};
template <>
struct codec<std::vector<char>> : raw::byte_sequence_codec<std::vector<char>> {};

// ---------------------------------------------------------------------------------------------
// Endpoints, options, errors.

/// Where a bridge's socket binds or connects: any ZeroMQ address (tcp://, ipc://, inproc://).
struct endpoint {
    std::string address;
    bool binds = false;
};
inline endpoint bind(std::string address) {
    return endpoint{std::move(address), true};
}
inline endpoint connect(std::string address) {
    return endpoint{std::move(address), false};
}

struct options {
    /// A ZeroMQ context (`zmq::context_t::handle()`, `zmq_ctx_new()`); nullptr: courier's own,
    /// created on first use and kept for the life of the process. inproc:// endpoints need both
    /// sides in one context.
    void* context = nullptr;
    /// Capacity of the local channel export_channel and import_channel create.
    std::size_t capacity = 1024;
    /// Importer: records the exporter may send ahead of what the importer has handed on.
    std::uint32_t window = 1024;
    /// Exporter: most records in one frame.
    std::uint32_t batch = 256;
    /// Each side sends a heartbeat when it has sent nothing else for this long ...
    std::chrono::milliseconds heartbeat{250};
    /// ... and declares its peer lost after hearing nothing for this long (at least twice the
    /// heartbeat).
    std::chrono::milliseconds peer_timeout{3000};
    /// Errors kept for errors() before further ones are only counted.
    std::size_t error_capacity = 256;
};

enum class errc {
    peer_lost,          ///< a peer fell silent for peer_timeout or its connection went away
    decode_failed,      ///< codec<T>::decode refused a record (its bytes are in error::bytes)
    protocol_error,     ///< a frame that is not courier's protocol (its bytes are in error::bytes)
    incompatible_peer,  ///< the peer speaks another protocol version or sends another type (tag)
    stopped,            ///< stop() or the destructor ended the bridge
    exception,          ///< an exception escaped a codec or T's move (its what() is in detail)
    transport,          ///< ZeroMQ reported an error on the bridge's socket
};

inline const char* to_string(errc e) noexcept {
    switch (e) {
        case errc::peer_lost:
            return "peer lost";
        case errc::decode_failed:
            return "decode failed";
        case errc::protocol_error:
            return "protocol error";
        case errc::incompatible_peer:
            return "incompatible peer";
        case errc::stopped:
            return "stopped";
        case errc::exception:
            return "exception";
        case errc::transport:
            return "transport error";
    }
    return "unknown error";
}

/// What went wrong on a bridge: a kind, a sentence, and the bytes that could not be used.
struct error {
    errc code = errc::protocol_error;
    std::string detail;
    std::vector<std::byte> bytes;

    const char* what() const noexcept { return detail.c_str(); }
    friend bool operator==(const error&, const error&) = default;
};

/// Thrown when a bridge cannot be set up (a bad address, an address in use, bad options).
class setup_error : public std::runtime_error {
  public:
    setup_error(int code, const std::string& what) : std::runtime_error(what), code_(code) {}
    /// The errno-style code ZeroMQ gave (EINVAL for bad options).
    int code() const noexcept { return code_; }

  private:
    int code_;
};

struct exporter_stats {
    std::uint64_t sent = 0;                 ///< records sent to importers
    std::uint64_t acknowledged = 0;         ///< records importers handed to their channels
    std::uint64_t frames = 0;               ///< data frames sent
    std::uint64_t peers = 0;                ///< importers now connected
    std::uint64_t peers_lost = 0;           ///< importers declared lost
    std::uint64_t unacknowledged_lost = 0;  ///< records sent to importers that were lost or left
                                            ///< and never handed on by them
    std::uint64_t errors_overflowed = 0;    ///< errors counted but not kept (errors() was full)
};

struct importer_stats {
    std::uint64_t received = 0;           ///< records handed to the local channel
    std::uint64_t decode_failures = 0;    ///< records decode refused
    std::uint64_t protocol_errors = 0;    ///< frames that were not the protocol
    std::uint64_t errors_overflowed = 0;  ///< errors counted but not kept (errors() was full)
};

}  // namespace courier::zmq

namespace courier::detail::zmq_bridge {

using clock = std::chrono::steady_clock;
namespace cz = courier::zmq;

inline void* default_context() {
    // Never terminated: zmq_ctx_term would wait for sockets a user may still hold at exit.
    static void* const context = zmq_ctx_new();
    return context;
}

[[noreturn]] inline void throw_setup(const std::string& what) {
    const int code = zmq_errno();
    throw cz::setup_error(code, "courier::zmq: " + what + ": " + zmq_strerror(code));
}

inline void check_options(const cz::options& o) {
    auto fail = [](const char* what) { throw cz::setup_error(EINVAL, what); };
    if (o.window == 0) {
        fail("courier::zmq: options::window must be at least 1");
    }
    if (o.batch == 0) {
        fail("courier::zmq: options::batch must be at least 1");
    }
    if (o.heartbeat.count() <= 0) {
        fail("courier::zmq: options::heartbeat must be positive");
    }
    if (o.peer_timeout < 2 * o.heartbeat) {
        fail("courier::zmq: options::peer_timeout must be at least twice options::heartbeat");
    }
    if (o.error_capacity == 0) {
        fail("courier::zmq: options::error_capacity must be at least 1");
    }
}

// The exception being handled, as the error a bridge ends with (who: "exporter", "importer").
inline cz::error current_exception_error(const char* who) {
    const std::string prefix = std::string("courier::zmq ") + who + ": ";
    try {
        throw;
    } catch (const std::exception& e) {
        return cz::error{cz::errc::exception, prefix + e.what(), {}};
    } catch (...) {
        return cz::error{cz::errc::exception, prefix + "an exception", {}};
    }
}

// A ZeroMQ socket, closed on destruction.
class socket {
  public:
    socket(void* context, int type) : s_(zmq_socket(context, type)) {
        if (s_ == nullptr) {
            throw_setup("cannot create a socket");
        }
    }
    socket(const socket&) = delete;
    socket& operator=(const socket&) = delete;
    ~socket() { zmq_close(s_); }
    void* get() const noexcept { return s_; }
    void set(int option, int value) {
        if (zmq_setsockopt(s_, option, &value, sizeof value) != 0) {
            throw_setup("cannot set a socket option");
        }
    }
    // Binds or connects; returns the address ZeroMQ reports (a wildcard port resolved).
    std::string attach(const cz::endpoint& where) {
        const int rc = where.binds ? zmq_bind(s_, where.address.c_str())
                                   : zmq_connect(s_, where.address.c_str());
        if (rc != 0) {
            throw_setup(std::string(where.binds ? "cannot bind to '" : "cannot connect to '") +
                        where.address + "'");
        }
        char last[512] = {};
        std::size_t size = sizeof last;
        if (where.binds && zmq_getsockopt(s_, ZMQ_LAST_ENDPOINT, last, &size) == 0 &&
            last[0] != '\0') {
            return last;
        }
        return where.address;
    }

  private:
    void* s_;
};

// The self-pipe that wakes a bridge thread waiting in zmq_poll (stop()).
class wake_pipe {
  public:
    wake_pipe() {
        if (::pipe(fds_) != 0) {
            throw cz::setup_error(errno, "courier::zmq: cannot create a pipe");
        }
        for (int fd : fds_) {
            ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
            ::fcntl(fd, F_SETFD, FD_CLOEXEC);
        }
    }
    wake_pipe(const wake_pipe&) = delete;
    wake_pipe& operator=(const wake_pipe&) = delete;
    ~wake_pipe() {
        ::close(fds_[0]);
        ::close(fds_[1]);
    }
    int fd() const noexcept { return fds_[0]; }
    void ring() noexcept {
        const char byte = 1;
        [[maybe_unused]] const auto n = ::write(fds_[1], &byte, 1);
    }
    void drain() noexcept {
        char bytes[64];
        while (::read(fds_[0], bytes, sizeof bytes) > 0) {
        }
    }

  private:
    int fds_[2] = {-1, -1};
};

inline std::vector<std::byte> copy_bytes(std::span<const std::byte> bytes) {
    return std::vector<std::byte>(bytes.begin(), bytes.end());
}

inline std::span<const std::byte> view(zmq_msg_t& m) noexcept {
    return {static_cast<const std::byte*>(zmq_msg_data(&m)), zmq_msg_size(&m)};
}

// One received ZeroMQ message part, released on destruction.
struct message {
    zmq_msg_t m;
    message() noexcept { zmq_msg_init(&m); }
    message(const message&) = delete;
    message& operator=(const message&) = delete;
    ~message() { zmq_msg_close(&m); }
    std::span<const std::byte> bytes() noexcept { return view(m); }
    bool more() noexcept { return zmq_msg_more(&m) != 0; }
};

template <class T>
constexpr std::uint64_t tag_of() noexcept {
    if constexpr (requires { cz::codec<T>::tag; }) {
        return static_cast<std::uint64_t>(cz::codec<T>::tag);
    } else {
        return 0;
    }
}

inline std::chrono::milliseconds until(clock::time_point due, clock::time_point now) {
    if (due <= now) {
        return std::chrono::milliseconds(0);
    }
    return std::chrono::ceil<std::chrono::milliseconds>(due - now);
}

// What exporters and importers share: the socket, the thread's stop and wake-up, the error
// channel, and the final result.
class bridge_core {
  public:
    bridge_core(const cz::options& o, int type)
        : opt(o),
          sock(o.context != nullptr ? o.context : default_context(), type),
          errors(courier::sync_channel<cz::error>(o.error_capacity)) {
        sock.set(ZMQ_SNDHWM, 0);
        sock.set(ZMQ_RCVHWM, 0);
    }

    cz::options opt;
    socket sock;
    wake_pipe wake;
    std::string address;
    std::pair<courier::sync_sender<cz::error>, courier::receiver<cz::error>> errors;
    std::atomic<std::uint64_t> errors_overflowed{0};
    std::stop_source stop;

    void report(cz::error e) {
        if (!errors.first.try_send(std::move(e))) {
            errors_overflowed.fetch_add(1, std::memory_order_relaxed);
        }
    }

    void finish(std::optional<cz::error> failure) {
        {
            std::lock_guard lock(mutex_);
            failure_ = std::move(failure);
            finished_ = true;
        }
        errors.first.reset();  // errors() drains, then ends
        done_.notify_all();
    }
    bool finished() const {
        std::lock_guard lock(mutex_);
        return finished_;
    }
    expected<void, cz::error> wait() const {
        std::unique_lock lock(mutex_);
        done_.wait(lock, [&] { return finished_; });
        if (failure_) {
            return unexpected(*failure_);
        }
        return {};
    }
    template <class Rep, class Period>
    std::optional<expected<void, cz::error>> wait_for(std::chrono::duration<Rep, Period> d) const {
        std::unique_lock lock(mutex_);
        if (!done_.wait_for(lock, d, [&] { return finished_; })) {
            return std::nullopt;
        }
        if (failure_) {
            return expected<void, cz::error>(unexpected(*failure_));
        }
        return expected<void, cz::error>();
    }
    void request_stop() {
        stop.request_stop();
        wake.ring();
    }

    // Sends one frame (after an identity frame on a ROUTER). Returns 0, or the errno.
    int send(const std::string* identity, std::string_view frame) {
        if (identity != nullptr && zmq_send(sock.get(), identity->data(), identity->size(),
                                            ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0) {
            return zmq_errno();
        }
        if (zmq_send(sock.get(), frame.data(), frame.size(), ZMQ_DONTWAIT) < 0) {
            return zmq_errno();
        }
        return 0;
    }

    // Reads and drops the remaining parts of a message of several parts (never the protocol).
    void discard_rest() {
        for (bool more = true; more;) {
            message rest;
            zmq_msg_recv(&rest.m, sock.get(), 0);
            more = rest.more();
        }
    }

    // Waits until the socket has input, the wake pipe rings, or the time is up.
    void poll(std::chrono::milliseconds timeout) {
        zmq_pollitem_t items[2] = {{sock.get(), 0, ZMQ_POLLIN, 0},
                                   {nullptr, wake.fd(), ZMQ_POLLIN, 0}};
        const long ms = static_cast<long>(
            std::min<std::chrono::milliseconds::rep>(timeout.count(), opt.heartbeat.count()));
        if (zmq_poll(items, 2, ms) > 0 && (items[1].revents & ZMQ_POLLIN) != 0) {
            wake.drain();
        }
    }

  private:
    mutable std::mutex mutex_;
    mutable std::condition_variable done_;
    bool finished_ = false;
    std::optional<cz::error> failure_;
};

// The message type of a sender (sender<T>, sync_sender<T>, mpmc::sender<T>) ...
template <class Sender>
struct sender_value;
template <template <class> class Handle, class T>
struct sender_value<Handle<T>> {
    using type = T;
};
// ... and of a receiver.
template <class Receiver>
using value_of =
    typename std::remove_cvref_t<decltype(*std::declval<const Receiver&>().try_recv())>;

template <class Receiver>
class exporter_state final : public bridge_core {
    using T = value_of<Receiver>;

    struct peer {
        std::string id;
        std::int64_t credit = 0;
        std::uint64_t unacknowledged = 0;
        clock::time_point heard;
        clock::time_point sent;
    };

  public:
    exporter_state(Receiver r, const cz::endpoint& where, const cz::options& o)
        : bridge_core(o, ZMQ_ROUTER), rx(std::move(r)) {
        sock.set(ZMQ_ROUTER_MANDATORY, 1);
        sock.set(ZMQ_LINGER, static_cast<int>(o.peer_timeout.count()));
        address = sock.attach(where);
    }

    Receiver rx;
    std::vector<T> batch;  // taken from rx, not yet sent
    std::atomic<std::uint64_t> sent{0}, acknowledged{0}, frames{0}, peer_count{0}, peers_lost{0},
        unacknowledged_lost{0};

    void run() noexcept {
        try {
            loop();
        } catch (...) {
            fail(current_exception_error("exporter"));
        }
    }

  private:
    std::vector<peer> peers_;
    std::size_t next_ = 0;
    bool ending_ = false;  // the local channel is done: end sent, waiting for every bye
    bool lost_any_ = false;
    std::optional<cz::error> first_loss_;
    wire::data_builder builder_;

    void fail(cz::error e) {
        rx.close();  // blocked and later senders get their values back; what is buffered stays
        finish(std::move(e));
    }

    void loop() {
        const std::stop_token st = stop.get_token();
        for (;;) {
            if (st.stop_requested()) {
                fail(cz::error{cz::errc::stopped, "courier::zmq exporter stopped", {}});
                return;
            }
            service();
            maintain(clock::now());
            if (peers_.empty() && lost_any_) {
                // Every importer is gone without a goodbye: the senders learn it now.
                fail(*first_loss_);
                return;
            }
            if (ending_) {
                if (peers_.empty()) {
                    rx.close();
                    finish(std::nullopt);
                    return;
                }
                poll(until(next_due(), clock::now()));
                continue;
            }
            peer* p = pick();
            if (p == nullptr) {
                if (batch.empty() && !peers_.empty() && rx.is_disconnected() && rx.empty()) {
                    begin_end();
                    continue;
                }
                poll(until(next_due(), clock::now()));
                continue;
            }
            if (batch.empty()) {
                const std::size_t most =
                    static_cast<std::size_t>(std::min<std::int64_t>(p->credit, opt.batch));
                if (rx.try_recv_many(std::back_inserter(batch), most) == 0) {
                    auto first = rx.recv_timeout(until(next_due(), clock::now()), st);
                    if (!first) {
                        if (first.error() == recv_timeout_error::disconnected) {
                            begin_end();
                        }
                        continue;  // timeout: maintenance; stopped: the top of the loop
                    }
                    batch.push_back(std::move(*first));
                    rx.try_recv_many(std::back_inserter(batch), most - 1);
                }
            }
            send_batch(*p);
        }
    }

    peer* pick() noexcept {
        for (std::size_t i = 0; i < peers_.size(); ++i) {
            peer& p = peers_[(next_ + i) % peers_.size()];
            if (p.credit > 0) {
                next_ = (next_ + i + 1) % peers_.size();
                return &p;
            }
        }
        return nullptr;
    }

    peer* find(std::span<const std::byte> id) noexcept {
        for (peer& p : peers_) {
            if (p.id.size() == id.size() &&
                (id.empty() || std::memcmp(p.id.data(), id.data(), id.size()) == 0)) {
                return &p;
            }
        }
        return nullptr;
    }

    void remove(peer& p) {
        const auto at = static_cast<std::size_t>(&p - peers_.data());
        peers_.erase(peers_.begin() + static_cast<std::ptrdiff_t>(at));
        if (next_ > at) {
            --next_;
        }
        if (next_ >= peers_.size()) {
            next_ = 0;
        }
        peer_count.store(peers_.size(), std::memory_order_relaxed);
    }

    void lose(peer& p, const std::string& why) {
        cz::error e{cz::errc::peer_lost,
                    "courier::zmq exporter: importer lost (" + why + "); " +
                        std::to_string(p.unacknowledged) + " records sent to it unacknowledged",
                    {}};
        peers_lost.fetch_add(1, std::memory_order_relaxed);
        unacknowledged_lost.fetch_add(p.unacknowledged, std::memory_order_relaxed);
        if (!first_loss_) {
            first_loss_ = e;
        }
        lost_any_ = true;
        report(std::move(e));
        remove(p);
    }

    // Sends a frame to a peer; false when the peer is gone (it is then removed).
    bool send_to(peer& p, std::string_view frame) {
        const int rc = send(&p.id, frame);
        if (rc == 0) {
            p.sent = clock::now();
            return true;
        }
        if (rc == EHOSTUNREACH) {
            lose(p, "its connection is gone");
            return false;
        }
        if (rc == EAGAIN || rc == EINTR) {
            return true;  // nothing sent; the next heartbeat or batch tries again
        }
        throw std::runtime_error(std::string("zmq_send: ") + zmq_strerror(rc));
    }

    void send_batch(peer& p) {
        builder_.begin();
        for (const T& value : batch) {
            builder_.open_record();
            const std::size_t before = builder_.out().size();
            try {
                cz::byte_writer out(builder_.out());
                cz::codec<T>::encode(value, out);
            } catch (...) {
                builder_.abandon_record();
                throw;
            }
            if (builder_.out().size() - before > 0xffffffffu) {
                throw std::length_error("a record longer than 4 GiB");
            }
            builder_.close_record();
        }
        const std::size_t count = batch.size();
        if (!send_to(p, builder_.finish())) {
            return;  // the batch stays for the next importer with credit
        }
        p.credit -= static_cast<std::int64_t>(count);
        p.unacknowledged += count;
        sent.fetch_add(count, std::memory_order_relaxed);
        frames.fetch_add(1, std::memory_order_relaxed);
        batch.clear();
    }

    void begin_end() {
        ending_ = true;
        const std::string frame = wire::control_frame(wire::kind::end);
        for (std::size_t i = 0; i < peers_.size();) {
            const std::size_t before = peers_.size();
            send_to(peers_[i], frame);
            if (peers_.size() == before) {
                ++i;
            }
        }
    }

    void protocol_error(std::string what, std::span<const std::byte> bytes) {
        report(cz::error{cz::errc::protocol_error, "courier::zmq exporter: " + std::move(what),
                         copy_bytes(bytes)});
    }

    // Reads every message waiting on the socket.
    void service() {
        for (;;) {
            message id;
            if (zmq_msg_recv(&id.m, sock.get(), ZMQ_DONTWAIT) < 0) {
                const int rc = zmq_errno();
                if (rc == EAGAIN || rc == EINTR) {
                    return;
                }
                throw std::runtime_error(std::string("zmq_msg_recv: ") + zmq_strerror(rc));
            }
            if (!id.more()) {
                protocol_error("a message with no body", {});
                continue;
            }
            message body;
            zmq_msg_recv(&body.m, sock.get(), 0);
            if (body.more()) {
                protocol_error("a message of several parts", body.bytes());
                discard_rest();
                continue;
            }
            handle(id.bytes(), body.bytes());
        }
    }

    void handle(std::span<const std::byte> id, std::span<const std::byte> bytes) {
        const wire::frame f = wire::parse(bytes);
        if (f.problem != nullptr) {
            protocol_error(f.problem, bytes);
            return;
        }
        peer* p = find(id);
        if (p != nullptr) {
            p->heard = clock::now();
        }
        switch (f.k) {
            case wire::kind::hello:
                hello(id, wire::parse_hello(f.body), p);
                return;
            case wire::kind::credit:
                if (p == nullptr) {
                    protocol_error("credit from an importer that never said hello", bytes);
                    return;
                }
                {
                    const std::uint32_t n = wire::parse_credit(f.body);
                    p->credit += n;
                    p->unacknowledged -= std::min<std::uint64_t>(n, p->unacknowledged);
                    acknowledged.fetch_add(n, std::memory_order_relaxed);
                }
                return;
            case wire::kind::ping:
                return;
            case wire::kind::bye:
                // Acknowledged with an end: the importer's process may exit once it has it.
                {
                    std::string identity(reinterpret_cast<const char*>(id.data()), id.size());
                    send(&identity, wire::control_frame(wire::kind::end));
                }
                if (p != nullptr) {
                    // What it was sent and never handed on is gone with it (stopped, or its
                    // receiver dropped).
                    unacknowledged_lost.fetch_add(p->unacknowledged, std::memory_order_relaxed);
                    remove(*p);
                    if (peers_.empty() && !ending_ && !lost_any_) {
                        // Every importer left: like a channel whose receivers are gone.
                        rx.close();
                        ending_ = true;
                    }
                }
                return;
            default:
                protocol_error(std::string("a frame an importer does not send ('") +
                                   static_cast<char>(f.k) + "')",
                               bytes);
                return;
        }
    }

    void hello(std::span<const std::byte> id, const wire::hello_body& h, peer* p) {
        std::string identity(reinterpret_cast<const char*>(id.data()), id.size());
        std::string refusal;
        if (h.version != wire::version) {
            refusal = "protocol version " + std::to_string(h.version) + " (this exporter speaks " +
                      std::to_string(wire::version) + ")";
        } else if (h.tag != 0 && tag_of<T>() != 0 && h.tag != tag_of<T>()) {
            refusal = "the importer's message type differs from the exporter's (codec tags)";
        }
        if (!refusal.empty()) {
            report(cz::error{cz::errc::incompatible_peer,
                             "courier::zmq exporter: refused an importer: " + refusal,
                             {}});
            send(&identity, wire::reject_frame(refusal));
            return;
        }
        if (ending_) {
            send(&identity, wire::control_frame(wire::kind::end));
            return;
        }
        if (p == nullptr) {
            peers_.push_back(peer{std::move(identity), 0, 0, clock::now(), clock::now()});
            p = &peers_.back();
            peer_count.store(peers_.size(), std::memory_order_relaxed);
            lost_any_ = false;  // a new importer arrived: not orphaned any more
            first_loss_.reset();
        }
        p->credit =
            static_cast<std::int64_t>(h.window) - static_cast<std::int64_t>(p->unacknowledged);
        send_to(*p, wire::welcome_frame());
    }

    clock::time_point next_due() const noexcept {
        clock::time_point due = clock::now() + opt.heartbeat;
        for (const peer& p : peers_) {
            due = std::min({due, p.sent + opt.heartbeat, p.heard + opt.peer_timeout});
        }
        return due;
    }

    void maintain(clock::time_point now) {
        const std::string ping = wire::control_frame(wire::kind::ping);
        for (std::size_t i = 0; i < peers_.size();) {
            peer& p = peers_[i];
            const std::size_t before = peers_.size();
            if (now - p.heard > opt.peer_timeout) {
                lose(p, "silent for " +
                            std::to_string(
                                std::chrono::duration_cast<std::chrono::milliseconds>(now - p.heard)
                                    .count()) +
                            " ms");
            } else if (now - p.sent >= opt.heartbeat) {
                send_to(p, ping);
            }
            if (peers_.size() == before) {
                ++i;
            }
        }
    }
};

template <class Sender>
class importer_state final : public bridge_core {
  public:
    using T = typename sender_value<Sender>::type;

    importer_state(Sender s, const cz::endpoint& where, const cz::options& o)
        : bridge_core(o, ZMQ_DEALER), tx(std::move(s)) {
        sock.set(ZMQ_LINGER, 200);
        address = sock.attach(where);
    }

    Sender tx;
    std::atomic<std::uint64_t> received{0}, decode_failures{0}, protocol_errors{0};

    void run() noexcept {
        try {
            loop();
        } catch (...) {
            end(current_exception_error("importer"));
        }
    }

  private:
    bool contacted_ = false;
    bool done_ = false;
    bool leaving_ = false;  // said bye, waiting for the exporter's end (or leave_by_)
    std::optional<cz::error> leaving_result_;
    clock::time_point leave_by_;
    std::uint32_t owed_ = 0;
    clock::time_point heard_ = clock::now();
    clock::time_point sent_ = clock::now();

    void end(std::optional<cz::error> failure) {
        done_ = true;
        finish(std::move(failure));
        tx = Sender();  // the local receiver drains, then sees disconnected
    }

    // Sends a frame to the exporter. A socket that binds drops it while no peer is connected
    // (EAGAIN); the hello is repeated until answered, and credit then means nothing.
    void say(std::string_view frame) {
        send(nullptr, frame);
        sent_ = clock::now();
    }

    void give_credit() {
        if (owed_ > 0) {
            say(wire::credit_frame(owed_));
            owed_ = 0;
        }
    }

    // Says bye. The local sender goes at once (the receiver drains and disconnects); with
    // await_ack the importer ends when the exporter acknowledges (an end frame) or after
    // peer_timeout, so that a process exiting right after wait() has told its exporter.
    void leave(std::optional<cz::error> failure, bool await_ack = true) {
        give_credit();
        say(wire::control_frame(wire::kind::bye));
        tx = Sender();
        if (!await_ack) {
            end(std::move(failure));
            return;
        }
        leaving_ = true;
        leaving_result_ = std::move(failure);
        leave_by_ = clock::now() + opt.peer_timeout;
    }

    void loop() {
        const std::stop_token st = stop.get_token();
        say(wire::hello_frame(opt.window, tag_of<T>()));
        while (!done_) {
            if (leaving_ && (st.stop_requested() || clock::now() >= leave_by_)) {
                end(std::move(leaving_result_));
                return;
            }
            if (st.stop_requested()) {
                leave(cz::error{cz::errc::stopped, "courier::zmq importer stopped", {}}, false);
                return;
            }
            service(st);
            if (done_) {
                return;
            }
            if (leaving_) {
                poll(until(leave_by_, clock::now()));
                continue;
            }
            // Credit goes back every quarter window (deliver()), or before waiting for a full
            // local channel; holding back less than a quarter never stalls the exporter, and a
            // ping-pong does not send a credit frame per message.
            const auto now = clock::now();
            if (now - sent_ >= opt.heartbeat) {
                // Until the exporter answers, the heartbeat is the hello again: a bound socket
                // with no peer yet drops what is sent (and a restarted exporter needs one).
                if (contacted_) {
                    say(wire::control_frame(wire::kind::ping));
                } else {
                    say(wire::hello_frame(opt.window, tag_of<T>()));
                }
            }
            if (contacted_ && now - heard_ > opt.peer_timeout) {
                end(cz::error{
                    cz::errc::peer_lost,
                    "courier::zmq importer: exporter lost (silent for " +
                        std::to_string(
                            std::chrono::duration_cast<std::chrono::milliseconds>(now - heard_)
                                .count()) +
                        " ms)",
                    {}});
                return;
            }
            const auto due =
                std::min(sent_ + opt.heartbeat,
                         contacted_ ? heard_ + opt.peer_timeout + std::chrono::milliseconds(1)
                                    : now + opt.heartbeat);
            poll(until(due, now));
        }
    }

    void problem(cz::errc code, std::string what, std::span<const std::byte> bytes) {
        (code == cz::errc::decode_failed ? decode_failures : protocol_errors)
            .fetch_add(1, std::memory_order_relaxed);
        report(cz::error{code, "courier::zmq importer: " + std::move(what), copy_bytes(bytes)});
    }

    void service(const std::stop_token& st) {
        while (!done_ && !st.stop_requested()) {
            message m;
            if (zmq_msg_recv(&m.m, sock.get(), ZMQ_DONTWAIT) < 0) {
                const int rc = zmq_errno();
                if (rc == EAGAIN || rc == EINTR) {
                    return;
                }
                throw std::runtime_error(std::string("zmq_msg_recv: ") + zmq_strerror(rc));
            }
            if (m.more()) {
                problem(cz::errc::protocol_error, "a message of several parts", m.bytes());
                discard_rest();
                continue;
            }
            heard_ = clock::now();
            handle(m.bytes(), st);
        }
    }

    void handle(std::span<const std::byte> bytes, const std::stop_token& st) {
        const wire::frame f = wire::parse(bytes);
        if (f.problem != nullptr) {
            problem(cz::errc::protocol_error, f.problem, bytes);
            return;
        }
        if (leaving_) {
            if (f.k == wire::kind::end) {
                end(std::move(leaving_result_));
            }
            return;  // records that arrive after the bye are destroyed undelivered
        }
        switch (f.k) {
            case wire::kind::welcome:
                contacted_ = true;
                return;
            case wire::kind::ping:
                return;
            case wire::kind::reject:
                leave(cz::error{cz::errc::incompatible_peer,
                                "courier::zmq importer: the exporter refused: " +
                                    std::string(reinterpret_cast<const char*>(f.body.data()),
                                                f.body.size()),
                                copy_bytes(bytes)},
                      false);
                return;
            case wire::kind::end:
                leave(std::nullopt);
                return;
            case wire::kind::data:
                contacted_ = true;
                wire::for_each_record(f.body, [&](std::span<const std::byte> record) {
                    if (done_ || leaving_ || st.stop_requested()) {
                        return;
                    }
                    deliver(record, st);
                });
                return;
            default:
                problem(cz::errc::protocol_error,
                        std::string("a frame an exporter does not send ('") +
                            static_cast<char>(f.k) + "')",
                        bytes);
                return;
        }
    }

    // Decodes one record and hands it to the local channel. Credit is owed for a record once it
    // is in the channel (or refused by decode), never before.
    void deliver(std::span<const std::byte> record, const std::stop_token& st) {
        auto decoded = cz::codec<T>::decode(record);
        if (!decoded) {
            ++owed_;
            problem(cz::errc::decode_failed, std::move(decoded.error()), record);
            return;
        }
        if constexpr (requires { tx.send_timeout(std::move(*decoded), opt.heartbeat, st); }) {
            auto r = tx.try_send(std::move(*decoded));
            if (!r && r.error().kind == send_status::full) {
                // Full: the user is slow, not gone. Return the credit owed so far, then wait in
                // slices of one heartbeat, still sending heartbeats.
                std::optional<T> value(std::move(r.error().value));
                give_credit();
                for (;;) {
                    auto w = tx.send_timeout(std::move(*value), opt.heartbeat, st);
                    heard_ = std::max(heard_, clock::now() - opt.heartbeat);
                    if (w) {
                        break;
                    }
                    if (w.error().kind == send_status::timeout) {
                        value.emplace(std::move(w.error().value));
                        if (clock::now() - sent_ >= opt.heartbeat) {
                            say(wire::control_frame(wire::kind::ping));
                        }
                        continue;
                    }
                    if (w.error().kind == send_status::stopped) {
                        return;  // undelivered; the loop sees the stop
                    }
                    leave(std::nullopt);  // the local receiver is gone
                    return;
                }
            } else if (!r) {
                leave(std::nullopt);  // the local receiver is gone
                return;
            }
        } else {
            if (!tx.send(std::move(*decoded))) {
                leave(std::nullopt);
                return;
            }
        }
        received.fetch_add(1, std::memory_order_relaxed);
        if (++owed_ >= std::max<std::uint32_t>(1, opt.window / 4)) {
            give_credit();
        }
    }
};

// Owns a bridge's state and thread: stops and joins on destruction.
template <class State>
class bridge_handle {
  public:
    explicit bridge_handle(std::unique_ptr<State> s) : state_(std::move(s)) {
        State* raw = state_.get();
        thread_ = std::thread([raw] { raw->run(); });
    }
    bridge_handle(bridge_handle&&) noexcept = default;
    bridge_handle& operator=(bridge_handle&& other) noexcept {
        if (this != &other) {
            shut();
            state_ = std::move(other.state_);
            thread_ = std::move(other.thread_);
        }
        return *this;
    }
    ~bridge_handle() { shut(); }

    State& state() const {
        if (!state_) {
            throw std::logic_error("courier::zmq: use of a moved-from bridge");
        }
        return *state_;
    }
    void join() {
        if (thread_.joinable()) {
            thread_.join();
        }
    }

  private:
    std::unique_ptr<State> state_;
    std::thread thread_;

    void shut() noexcept {
        if (state_) {
            state_->request_stop();
            join();
        }
    }
};

// What exporter and importer have in common: the handle on the bridge's state and thread.
template <class State>
class bridge_base {
  public:
    /// The address the socket is bound or connected to (a wildcard port resolved).
    const std::string& endpoint() const { return h_.state().address; }
    /// Blocks until the bridge has ended: success, or why it ended.
    expected<void, cz::error> wait() const { return h_.state().wait(); }
    /// wait() for at most `d`: nullopt while the bridge still runs.
    template <class Rep, class Period>
    std::optional<expected<void, cz::error>> wait_for(std::chrono::duration<Rep, Period> d) const {
        return h_.state().wait_for(d);
    }
    bool finished() const { return h_.state().finished(); }
    /// Ends the bridge now and joins its thread; wait() then reports errc::stopped.
    void stop() {
        h_.state().request_stop();
        h_.join();
    }
    /// Problems met while running; disconnects when the bridge ends.
    receiver<cz::error>& errors() { return h_.state().errors.second; }

  protected:
    explicit bridge_base(std::unique_ptr<State> s) : h_(std::move(s)) {}
    bridge_handle<State> h_;
};

}  // namespace courier::detail::zmq_bridge

namespace courier::zmq {

/// Sends the messages of a local receiver to importers through one ZeroMQ endpoint. Move-only;
/// the destructor stops it at once (call wait() first to deliver everything).
///
/// wait() succeeds once every sender of the local channel is gone, everything is sent, and every
/// importer has acknowledged the end of the stream (or every importer left). stop() closes the
/// local receiver (senders get their values back); the importers will see the exporter lost.
/// errors(): importers lost, frames that are not the protocol, refused importers.
template <class Receiver>
class exporter : public courier::detail::zmq_bridge::bridge_base<
                     courier::detail::zmq_bridge::exporter_state<Receiver>> {
    using state = courier::detail::zmq_bridge::exporter_state<Receiver>;
    using base = courier::detail::zmq_bridge::bridge_base<state>;
    using base::h_;

  public:
    using value_type = courier::detail::zmq_bridge::value_of<Receiver>;

    exporter_stats stats() const {
        const state& s = h_.state();
        exporter_stats out;
        out.sent = s.sent.load(std::memory_order_relaxed);
        out.acknowledged = s.acknowledged.load(std::memory_order_relaxed);
        out.frames = s.frames.load(std::memory_order_relaxed);
        out.peers = s.peer_count.load(std::memory_order_relaxed);
        out.peers_lost = s.peers_lost.load(std::memory_order_relaxed);
        out.unacknowledged_lost = s.unacknowledged_lost.load(std::memory_order_relaxed);
        out.errors_overflowed = s.errors_overflowed.load(std::memory_order_relaxed);
        return out;
    }
    /// Once it has ended: the messages taken from the local channel but not sent (in order) ...
    std::vector<value_type> take_unsent() {
        require_finished("take_unsent");
        return std::exchange(h_.state().batch, {});
    }
    /// ... and the local receiver itself (closed), with what is still buffered.
    Receiver take_receiver() {
        require_finished("take_receiver");
        return std::move(h_.state().rx);
    }

  private:
    template <class R>
    friend exporter<R> export_receiver(R, const zmq::endpoint&, const options&);
    explicit exporter(std::unique_ptr<state> s) : base(std::move(s)) {}
    void require_finished(const char* what) {
        if (!h_.state().finished()) {
            throw std::logic_error(std::string("courier::zmq: exporter::") + what +
                                   "() before the exporter ended");
        }
        h_.join();
    }
};

/// Receives messages from an exporter and sends them into a local sender. Move-only; the
/// destructor stops it at once.
///
/// wait() succeeds on the exporter's end of stream or when the local receiver went away;
/// otherwise it says why (peer_lost, incompatible_peer, stopped, ...). The local channel is
/// disconnected (by this importer) once it has ended. errors(): records that would not decode,
/// frames that are not the protocol.
template <class Sender>
class importer : public courier::detail::zmq_bridge::bridge_base<
                     courier::detail::zmq_bridge::importer_state<Sender>> {
    using state = courier::detail::zmq_bridge::importer_state<Sender>;
    using base = courier::detail::zmq_bridge::bridge_base<state>;
    using base::h_;

  public:
    using value_type = typename courier::detail::zmq_bridge::sender_value<Sender>::type;

    importer_stats stats() const {
        const state& s = h_.state();
        importer_stats out;
        out.received = s.received.load(std::memory_order_relaxed);
        out.decode_failures = s.decode_failures.load(std::memory_order_relaxed);
        out.protocol_errors = s.protocol_errors.load(std::memory_order_relaxed);
        out.errors_overflowed = s.errors_overflowed.load(std::memory_order_relaxed);
        return out;
    }

  private:
    template <class S>
    friend importer<S> import_into(S, const zmq::endpoint&, const options&);
    explicit importer(std::unique_ptr<state> s) : base(std::move(s)) {}
};

/// Exports a local receiver (courier::receiver<T> or courier::mpmc::receiver<T>): its messages go
/// to the importers at `where`.
template <class Receiver>
exporter<Receiver> export_receiver(Receiver rx, const zmq::endpoint& where,
                                   const options& opt = {}) {
    using T = courier::detail::zmq_bridge::value_of<Receiver>;
    static_assert(has_codec<T>,
                  "courier::zmq: no codec for this message type: specialize courier::zmq::codec<T> "
                  "with encode(const T&, byte_writer&) and decode(std::span<const std::byte>)");
    courier::detail::zmq_bridge::check_options(opt);
    return exporter<Receiver>(
        std::make_unique<courier::detail::zmq_bridge::exporter_state<Receiver>>(std::move(rx),
                                                                                where, opt));
}

/// A bounded local channel (options::capacity) whose messages leave through `where`.
template <class T>
std::pair<sync_sender<T>, exporter<receiver<T>>> export_channel(const zmq::endpoint& where,
                                                                const options& opt = {}) {
    static_assert(has_codec<T>,
                  "courier::zmq: no codec for this message type: specialize courier::zmq::codec<T> "
                  "with encode(const T&, byte_writer&) and decode(std::span<const std::byte>)");
    auto [tx, rx] = sync_channel<T>(opt.capacity);
    return {std::move(tx), export_receiver(std::move(rx), where, opt)};
}

/// Feeds a local sender (sender<T>, sync_sender<T> or mpmc::sender<T>) from the exporter at
/// `where`. Several importers may feed one channel.
template <class Sender>
importer<Sender> import_into(Sender tx, const zmq::endpoint& where, const options& opt = {}) {
    using T = typename courier::detail::zmq_bridge::sender_value<Sender>::type;
    static_assert(has_codec<T>,
                  "courier::zmq: no codec for this message type: specialize courier::zmq::codec<T> "
                  "with encode(const T&, byte_writer&) and decode(std::span<const std::byte>)");
    courier::detail::zmq_bridge::check_options(opt);
    return importer<Sender>(std::make_unique<courier::detail::zmq_bridge::importer_state<Sender>>(
        std::move(tx), where, opt));
}

/// A bounded local channel (options::capacity) fed from the exporter at `where`.
template <class T>
std::pair<receiver<T>, importer<sync_sender<T>>> import_channel(const zmq::endpoint& where,
                                                                const options& opt = {}) {
    static_assert(has_codec<T>,
                  "courier::zmq: no codec for this message type: specialize courier::zmq::codec<T> "
                  "with encode(const T&, byte_writer&) and decode(std::span<const std::byte>)");
    auto [tx, rx] = sync_channel<T>(opt.capacity);
    return {std::move(rx), import_into(std::move(tx), where, opt)};
}

}  // namespace courier::zmq
