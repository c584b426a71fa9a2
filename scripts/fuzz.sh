#!/usr/bin/env bash
# Builds a fuzz target with libFuzzer, AddressSanitizer and UndefinedBehaviorSanitizer, and runs
# it for a fixed time.
#
#   scripts/fuzz.sh [seconds] [target]   default 60 s, target channel
#
# Targets: channel (tests/reliability/fuzz/channel_fuzz.cpp, the channels driven by operation
# scripts) and zmq_frame (tests/reliability/fuzz/zmq_frame_fuzz.cpp, the ZeroMQ bridge's frame
# parser and codecs; needs zmq.h, from libzmq3-dev).
#
# The working corpus lives in the build directory, seeded from the checked-in corpus
# (tests/reliability/fuzz/corpus/ or zmq_corpus/, never written to). A failing input is saved under
# <build>/artifacts/ and the command that replays it is printed.
#
# Environment:
#   COURIER_FUZZ_BUILD_DIR   where to build and keep the corpus (default build/fuzz)
#   COURIER_FUZZ_CXX         the compiler (default clang++-14; needs libclang-rt-14-dev)
#   COURIER_FUZZ_JOBS        parallel fuzzing processes (default 1)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

seconds="${1:-60}"
target="${2:-channel}"
case "$target" in
channel) source_file="channel_fuzz.cpp" seeds="$root/tests/reliability/fuzz/corpus" ;;
zmq_frame) source_file="zmq_frame_fuzz.cpp" seeds="$root/tests/reliability/fuzz/zmq_corpus" ;;
*)
    echo "fuzz.sh: unknown target '$target' (channel, zmq_frame)" >&2
    exit 2
    ;;
esac
build="${COURIER_FUZZ_BUILD_DIR:-$root/build/fuzz}"
cxx="${COURIER_FUZZ_CXX:-clang++-14}"
jobs="${COURIER_FUZZ_JOBS:-1}"

if ! command -v "$cxx" >/dev/null 2>&1; then
    echo "fuzz.sh: $cxx not found (install clang-14 and libclang-rt-14-dev)" >&2
    exit 1
fi

corpus="$build/corpus-$target"
if [[ "$target" == channel && -d "$build/corpus" && ! -e "$corpus" ]]; then
    mv "$build/corpus" "$corpus" # the channel target's corpus from before targets had names
fi
mkdir -p "$corpus" "$build/artifacts"
binary="$build/${target}_fuzz"
echo "+ $cxx ... -fsanitize=fuzzer,address,undefined -o $binary"
"$cxx" -std=c++20 -O1 -g -fno-omit-frame-pointer \
    -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
    -Wall -Wextra -Wpedantic -Werror \
    -I "$root/include" "$root/tests/reliability/fuzz/$source_file" -o "$binary"

# Sanitizer runtimes cannot map their shadow memory under high ASLR entropy: run without
# address randomisation there (as scripts/test.sh does).
run=()
if (($(cat /proc/sys/vm/mmap_rnd_bits 2>/dev/null || echo 0) > 28)); then
    run=(setarch "$(uname -m)" -R)
fi

export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

args=(-max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1
    -artifact_prefix="$build/artifacts/")
if ((jobs > 1)); then
    args+=(-jobs="$jobs" -workers="$jobs")
fi

echo "+ ${run[*]} $binary ${args[*]} $corpus $seeds"
status=0
"${run[@]}" "$binary" "${args[@]}" "$corpus" "$seeds" || status=$?
if ((status != 0)); then
    echo "fuzz.sh: FAILED (status $status). Inputs that failed:" >&2
    find "$build/artifacts" -type f -newer "$binary" -print | while IFS= read -r f; do
        echo "  replay: ${run[*]} $binary $f" >&2
    done
    exit "$status"
fi
echo "fuzz.sh: no failure in $seconds s; corpus: $(find "$corpus" -type f | wc -l) inputs"
