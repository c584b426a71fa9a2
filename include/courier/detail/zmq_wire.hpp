#pragma once
// The bridge's wire format (<courier/zmq.hpp>): how frames are laid out and checked. Nothing here
// touches ZeroMQ, so the parser can be fuzzed on its own
// (tests/reliability/fuzz/zmq_frame_fuzz.cpp).
//
// Every ZeroMQ message the bridge sends is one frame: a kind byte, then the kind's body. Integers
// are little-endian whatever the host. A frame that does not parse is reported whole, never half
// delivered: a data frame is checked from end to end before its first record is decoded.
//
//   hello    'H' version:u8 window:u32 tag:u64   importer -> exporter: "send me up to window"
//   welcome  'W' version:u8                      exporter -> importer: hello accepted
//   reject   'R' reason:bytes                    exporter -> importer: hello refused (version, tag)
//   data     'D' count:u32 { length:u32 bytes }  exporter -> importer: count records, in order
//   credit   'C' count:u32                       importer -> exporter: count more records may come
//   ping     'P'                                 either way: still here (the heartbeat)
//   end      'E'                                 exporter -> importer: no more records, ever
//   bye      'Y'                                 importer -> exporter: leaving, send nothing more

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>

namespace courier::detail::wire {

inline constexpr std::uint8_t version = 1;

enum class kind : std::uint8_t {
    hello = 'H',
    welcome = 'W',
    reject = 'R',
    data = 'D',
    credit = 'C',
    ping = 'P',
    end = 'E',
    bye = 'Y',
};

inline constexpr std::size_t hello_size = 1 + 1 + 4 + 8;
inline constexpr std::size_t credit_size = 1 + 4;
inline constexpr std::size_t data_header_size = 1 + 4;
inline constexpr std::size_t record_header_size = 4;

inline void put_u32(std::string& out, std::uint32_t v) {
    const char bytes[4] = {static_cast<char>(v & 0xffu), static_cast<char>((v >> 8) & 0xffu),
                           static_cast<char>((v >> 16) & 0xffu),
                           static_cast<char>((v >> 24) & 0xffu)};
    out.append(bytes, 4);
}

inline void store_u32(char* at, std::uint32_t v) noexcept {
    at[0] = static_cast<char>(v & 0xffu);
    at[1] = static_cast<char>((v >> 8) & 0xffu);
    at[2] = static_cast<char>((v >> 16) & 0xffu);
    at[3] = static_cast<char>((v >> 24) & 0xffu);
}

inline void put_u64(std::string& out, std::uint64_t v) {
    put_u32(out, static_cast<std::uint32_t>(v & 0xffffffffu));
    put_u32(out, static_cast<std::uint32_t>(v >> 32));
}

inline std::uint32_t get_u32(const std::byte* at) noexcept {
    return static_cast<std::uint32_t>(at[0]) | (static_cast<std::uint32_t>(at[1]) << 8) |
           (static_cast<std::uint32_t>(at[2]) << 16) | (static_cast<std::uint32_t>(at[3]) << 24);
}

inline std::uint64_t get_u64(const std::byte* at) noexcept {
    return static_cast<std::uint64_t>(get_u32(at)) |
           (static_cast<std::uint64_t>(get_u32(at + 4)) << 32);
}

inline std::string hello_frame(std::uint32_t window, std::uint64_t tag) {
    std::string out;
    out.push_back(static_cast<char>(kind::hello));
    out.push_back(static_cast<char>(version));
    put_u32(out, window);
    put_u64(out, tag);
    return out;
}

// A frame that is its kind alone: ping, end, bye.
inline std::string control_frame(kind k) {
    return std::string(1, static_cast<char>(k));
}

inline std::string credit_frame(std::uint32_t count) {
    std::string out;
    out.push_back(static_cast<char>(kind::credit));
    put_u32(out, count);
    return out;
}

inline std::string welcome_frame() {
    return std::string{static_cast<char>(kind::welcome), static_cast<char>(version)};
}

inline std::string reject_frame(std::string_view reason) {
    std::string out;
    out.push_back(static_cast<char>(kind::reject));
    out.append(reason);
    return out;
}

// A frame split into its kind and body; `problem` names what is wrong when it does not parse.
struct frame {
    kind k{};
    std::span<const std::byte> body;
    const char* problem = nullptr;
};

// What a valid frame of its kind carries.
struct hello_body {
    std::uint8_t version = 0;
    std::uint32_t window = 0;
    std::uint64_t tag = 0;
};

inline frame parse(std::span<const std::byte> bytes) noexcept {
    frame f;
    if (bytes.empty()) {
        f.problem = "empty frame";
        return f;
    }
    f.k = static_cast<kind>(bytes[0]);
    f.body = bytes.subspan(1);
    switch (f.k) {
        case kind::hello:
            if (bytes.size() != hello_size) {
                f.problem = "hello frame of the wrong size";
            }
            break;
        case kind::welcome:
            if (bytes.size() != 2) {
                f.problem = "welcome frame of the wrong size";
            }
            break;
        case kind::credit:
            if (bytes.size() != credit_size) {
                f.problem = "credit frame of the wrong size";
            } else if (get_u32(bytes.data() + 1) == 0) {
                f.problem = "credit frame granting nothing";
            }
            break;
        case kind::ping:
        case kind::end:
        case kind::bye:
            if (bytes.size() != 1) {
                f.problem = "control frame with a body";
            }
            break;
        case kind::reject:
            break;
        case kind::data: {
            // count:u32, then exactly count records, each inside the frame, and nothing after them.
            if (bytes.size() < data_header_size) {
                f.problem = "data frame shorter than its header";
                break;
            }
            const std::uint32_t count = get_u32(bytes.data() + 1);
            if (count == 0) {
                f.problem = "data frame with no record";
                break;
            }
            std::size_t at = data_header_size;
            for (std::uint32_t i = 0; i < count; ++i) {
                if (bytes.size() - at < record_header_size) {
                    f.problem = "data frame truncated in a record header";
                    return f;
                }
                const std::uint32_t length = get_u32(bytes.data() + at);
                at += record_header_size;
                if (bytes.size() - at < length) {
                    f.problem = "data frame truncated in a record";
                    return f;
                }
                at += length;
            }
            if (at != bytes.size()) {
                f.problem = "data frame with bytes after its last record";
            }
            break;
        }
        default:
            f.problem = "unknown frame kind";
            break;
    }
    return f;
}

inline hello_body parse_hello(std::span<const std::byte> body) noexcept {
    return hello_body{static_cast<std::uint8_t>(body[0]), get_u32(body.data() + 1),
                      get_u64(body.data() + 5)};
}

inline std::uint32_t parse_credit(std::span<const std::byte> body) noexcept {
    return get_u32(body.data());
}

// Walks the records of a data frame that parse() accepted: for_each_record(body, f) calls
// f(span) for each record in order.
template <class F>
void for_each_record(std::span<const std::byte> body, F&& f) {
    const std::uint32_t count = get_u32(body.data());
    std::size_t at = 4;
    for (std::uint32_t i = 0; i < count; ++i) {
        const std::uint32_t length = get_u32(body.data() + at);
        at += record_header_size;
        f(body.subspan(at, length));
        at += length;
    }
}

// Builds one data frame: begin(), then for each record open_record() / the record's bytes
// appended to out() / close_record(), then finish() gives the frame.
class data_builder {
  public:
    void begin() {
        buffer_.clear();
        buffer_.push_back(static_cast<char>(kind::data));
        buffer_.append(4, '\0');
        count_ = 0;
    }
    void open_record() {
        record_at_ = buffer_.size();
        buffer_.append(4, '\0');
    }
    std::string& out() noexcept { return buffer_; }
    void close_record() noexcept {
        const std::size_t length = buffer_.size() - record_at_ - record_header_size;
        store_u32(buffer_.data() + record_at_, static_cast<std::uint32_t>(length));
        ++count_;
    }
    // Drops the record being written (its encoder threw).
    void abandon_record() noexcept { buffer_.resize(record_at_); }
    std::uint32_t count() const noexcept { return count_; }
    const std::string& finish() noexcept {
        store_u32(buffer_.data() + 1, count_);
        return buffer_;
    }

  private:
    std::string buffer_;
    std::size_t record_at_ = 0;
    std::uint32_t count_ = 0;
};

}  // namespace courier::detail::wire
