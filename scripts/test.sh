#!/usr/bin/env bash
# Builds courier and runs its tests: the one command that says whether the tree is good.
#
#   scripts/test.sh [preset] [extra ctest arguments...]
#
# preset is one of CMakePresets.json (default: dev = GCC, Debug, -Werror); for example
# scripts/test.sh asan, or scripts/test.sh dev -R zero to run some tests only.
#
# Environment:
#   COURIER_TEST_STRESS   stress multiplier read by the tests (passed through unchanged)
#   COURIER_TEST_TIMEOUT  per-test timeout in seconds (default 300, 900 under a sanitizer)
#   COURIER_TEST_JOBS     tests run in parallel (default 2)
#   COURIER_JOBS          build jobs (default: nproc)
#   COURIER_BUILD_SUFFIX  build trees go to build<suffix>/<preset> instead of build/<preset>
#
# Sanitizer runtimes fail to start on kernels with high ASLR entropy ("unexpected memory
# mapping"); then the build (which runs the tests to list them) and the tests are run again with
# address randomisation off (setarch -R).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

preset="${1:-dev}"
if (($# > 0)); then
    shift
fi

"$root/scripts/deps.sh" test

jobs="${COURIER_JOBS:-$(nproc)}"
test_jobs="${COURIER_TEST_JOBS:-2}"

echo "+ cmake --preset $preset"
configure_log="$(mktemp)"
trap 'rm -f "$configure_log"' EXIT
cmake --preset "$preset" | tee "$configure_log"
build_dir="$(sed -n 's/^-- Build files have been written to: //p' "$configure_log" | tail -n 1)"
if [[ -z "$build_dir" || ! -f "$build_dir/CMakeCache.txt" ]]; then
    echo "test.sh: cannot find the build tree of preset '$preset'" >&2
    exit 1
fi

sanitize="$(sed -n 's/^COURIER_SANITIZE:[A-Z]*=//p' "$build_dir/CMakeCache.txt")"

# Sanitized programs run during the build too (test discovery). Where the kernel is known to
# map memory where the sanitizer runtimes cannot work (mmap_rnd_bits above 28), address
# randomisation is turned off from the start; otherwise only after a failure that shows it.
no_aslr=()
if [[ -n "$sanitize" ]] && (($(cat /proc/sys/vm/mmap_rnd_bits 2>/dev/null || echo 0) > 28)); then
    no_aslr=(setarch "$(uname -m)" -R)
fi
run_log="$(mktemp)"
trap 'rm -f "$configure_log" "$run_log"' EXIT

# run COMMAND...: runs it (under no_aslr when set) and, when a sanitized run fails because the
# sanitizer runtime could not map its memory, runs it once more with address randomisation off.
run() {
    echo "+ ${no_aslr[*]}${no_aslr[*]:+ }$*"
    if "${no_aslr[@]}" "$@" 2>&1 | tee "$run_log"; then
        return 0
    fi
    if [[ -n "$sanitize" && ${#no_aslr[@]} -eq 0 ]] &&
        grep -qE 'unexpected memory mapping|Shadow memory range interleaves|ASan cannot proceed' \
            "$run_log"; then
        echo "test.sh: the sanitizer runtime could not map its memory; running again with" \
            "address randomisation off" >&2
        no_aslr=(setarch "$(uname -m)" -R)
        echo "+ ${no_aslr[*]} $*"
        "${no_aslr[@]}" "$@"
        return
    fi
    return 1
}

if [[ -n "$sanitize" ]]; then
    timeout_s="${COURIER_TEST_TIMEOUT:-900}"
else
    timeout_s="${COURIER_TEST_TIMEOUT:-300}"
fi

run cmake --build --preset "$preset" --parallel "$jobs"
run ctest --preset "$preset" --output-on-failure --timeout "$timeout_s" --parallel "$test_jobs" "$@"
