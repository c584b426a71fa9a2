// Fuzz target for what the ZeroMQ bridge does with bytes from the network: the frame parser
// (courier/detail/zmq_wire.hpp) and the built-in codecs' decode, on any input. Checks, besides
// "no crash, no undefined behaviour, no leak":
//  - a data frame the parser accepts has records that lie inside it and cover it exactly;
//  - what the builder writes, the parser accepts and gives back record for record;
//  - a decode either gives a value that encodes back to the same bytes or refuses with a reason.
// Built by scripts/fuzz.sh (libFuzzer) and replayed by CTest (reliability.fuzz.zmq_replay).
#include <courier/zmq.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <span>
#include <string>
#include <vector>

namespace {

namespace wire = courier::detail::wire;
namespace cz = courier::zmq;

struct pair_of_ints {
    std::uint32_t a;
    std::uint16_t b;
};

void check(bool ok) {
    if (!ok) {
        std::abort();
    }
}

template <class T>
void decode_and_back(std::span<const std::byte> record) {
    auto value = cz::codec<T>::decode(record);
    if (!value) {
        check(!value.error().empty());
        return;
    }
    std::string bytes;
    cz::byte_writer out(bytes);
    cz::codec<T>::encode(*value, out);
    if constexpr (!std::is_same_v<T, pair_of_ints>) {  // padding bytes need not survive
        check(bytes.size() == record.size() &&
              (record.empty() || std::memcmp(bytes.data(), record.data(), record.size()) == 0));
    }
}

void decode_all(std::span<const std::byte> record) {
    decode_and_back<std::uint64_t>(record);
    decode_and_back<pair_of_ints>(record);
    decode_and_back<std::string>(record);
    decode_and_back<std::vector<std::byte>>(record);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::span<const std::byte> bytes(reinterpret_cast<const std::byte*>(data), size);

    // 1. The input as a frame off the wire.
    const wire::frame f = wire::parse(bytes);
    if (f.problem == nullptr) {
        check(!bytes.empty());
        switch (f.k) {
            case wire::kind::hello: {
                const wire::hello_body h = wire::parse_hello(f.body);
                check(wire::hello_frame(h.window, h.tag).size() == bytes.size() ||
                      h.version != wire::version);
                break;
            }
            case wire::kind::credit:
                check(wire::parse_credit(f.body) != 0);
                break;
            case wire::kind::data: {
                std::size_t covered = wire::data_header_size;
                std::size_t records = 0;
                wire::for_each_record(f.body, [&](std::span<const std::byte> record) {
                    check(record.data() >= bytes.data() &&
                          record.data() + record.size() <= bytes.data() + bytes.size());
                    covered += wire::record_header_size + record.size();
                    ++records;
                    decode_all(record);
                });
                check(covered == bytes.size());
                check(records == wire::get_u32(f.body.data()));
                break;
            }
            default:
                break;
        }
    }

    // 2. The input cut into records (first byte: how many), written by the builder, parsed back.
    if (size > 0) {
        const std::size_t parts = std::size_t{data[0]} % 8 + 1;
        const std::span<const std::byte> rest = bytes.subspan(1);
        std::vector<std::span<const std::byte>> records;
        const std::size_t step = rest.size() / parts;
        for (std::size_t i = 0; i < parts; ++i) {
            const std::size_t from = i * step;
            const std::size_t length = i + 1 == parts ? rest.size() - from : step;
            records.push_back(rest.subspan(from, length));
        }
        wire::data_builder builder;
        builder.begin();
        for (auto r : records) {
            builder.open_record();
            cz::byte_writer out(builder.out());
            out.append(r);
            builder.close_record();
        }
        const std::string& frame = builder.finish();
        const std::span<const std::byte> framed(reinterpret_cast<const std::byte*>(frame.data()),
                                                frame.size());
        const wire::frame back = wire::parse(framed);
        check(back.problem == nullptr && back.k == wire::kind::data);
        std::size_t i = 0;
        wire::for_each_record(back.body, [&](std::span<const std::byte> record) {
            check(i < records.size() && record.size() == records[i].size() &&
                  (record.empty() ||
                   std::memcmp(record.data(), records[i].data(), record.size()) == 0));
            ++i;
        });
        check(i == records.size());
    }
    return 0;
}
