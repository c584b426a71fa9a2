// Runs the channel fuzz target without libFuzzer: over every file given on the command line
// (directories are walked), and over N pseudo-random inputs with --random N [--seed S]. The CTest
// entry replays the checked-in corpus and a batch of random inputs with any compiler.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

int replay_file(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    if (!in) {
        std::fprintf(stderr, "replay: cannot read %s\n", p.c_str());
        return 1;
    }
    const std::vector<char> bytes((std::istreambuf_iterator<char>(in)),
                                  std::istreambuf_iterator<char>());
    LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    std::size_t files = 0;
    unsigned long long random_inputs = 0;
    unsigned long long seed = 1;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--random" && i + 1 < argc) {
            random_inputs = std::strtoull(argv[++i], nullptr, 10);
        } else if (a == "--seed" && i + 1 < argc) {
            seed = std::strtoull(argv[++i], nullptr, 10);
        } else if (std::filesystem::is_directory(a)) {
            for (const auto& e : std::filesystem::recursive_directory_iterator(a)) {
                if (e.is_regular_file()) {
                    if (replay_file(e.path()) != 0) {
                        return 1;
                    }
                    ++files;
                }
            }
        } else {
            if (replay_file(a) != 0) {
                return 1;
            }
            ++files;
        }
    }
    std::mt19937_64 rng(seed);
    std::vector<std::uint8_t> buf;
    for (unsigned long long n = 0; n < random_inputs; ++n) {
        buf.resize(rng() % 2048);
        for (auto& b : buf) {
            b = static_cast<std::uint8_t>(rng());
        }
        LLVMFuzzerTestOneInput(buf.data(), buf.size());
    }
    std::printf("replay: %zu corpus files and %llu random inputs (seed %llu): no mismatch\n", files,
                random_inputs, seed);
    return 0;
}
