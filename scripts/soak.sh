#!/usr/bin/env bash
# Soak test: runs the stress tier with random mixes (random flavor, shape, mode, size, rounds and
# round endings, from a logged seed) until the time is up, alternating the plain and the perturbed
# build. Every run's seed is logged; a failing run keeps its log and prints the command that
# replays it.
#
#   scripts/soak.sh [minutes]          default 30
#
# Environment:
#   COURIER_SOAK_BUILD_DIR   build tree (default build/soak; an optimized build)
#   COURIER_SOAK_CASES       random cases per run (default 6)
#   COURIER_SOAK_ARGS        extra arguments for courier_stress (for example --scale 2)
#   COURIER_JOBS             build jobs (default 2)
#   COURIER_TEST_STRESS      multiplies the sizes, as everywhere
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

minutes="${1:-30}"
build="${COURIER_SOAK_BUILD_DIR:-$root/build/soak}"
cases="${COURIER_SOAK_CASES:-6}"
jobs="${COURIER_JOBS:-2}"
read -r -a extra <<<"${COURIER_SOAK_ARGS:-}"

echo "+ building courier_stress and courier_stress_perturbed in $build (Release)"
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCOURIER_BUILD_EXAMPLES=OFF \
    -DCOURIER_BUILD_RELIABILITY=ON \
    >/dev/null
cmake --build "$build" --parallel "$jobs" --target courier_stress courier_stress_perturbed \
    >/dev/null

bin="$build/tests/reliability"
logs="$build/logs/$(date +%Y%m%d-%H%M%S)"
mkdir -p "$logs"
seed_log="$logs/seeds.txt"

end=$(($(date +%s) + minutes * 60))
runs=0
failures=0
total_sent=0
echo "soak: $minutes min, $cases random cases per run, logs in $logs"
while (($(date +%s) < end)); do
    runs=$((runs + 1))
    # 63 bits of seed from the kernel, printed in decimal so that it can be replayed as is.
    seed=$(od -An -N8 -tu8 /dev/urandom | tr -d ' ')
    seed=$((seed & 0x7fffffffffffffff))
    if ((runs % 2 == 1)); then
        program="courier_stress"
    else
        program="courier_stress_perturbed"
    fi
    cmd=("$bin/$program" --random "$cases" --seed "$seed" "${extra[@]}")
    log="$logs/run-$runs-$program-$seed.log"
    echo "$runs $program $seed" >>"$seed_log"
    start=$(date +%s)
    status=0
    # The stress program's own watchdog ends a hang after 30 s without progress; the outer
    # timeout only guards against a run that keeps moving but never ends.
    timeout 3600 "${cmd[@]}" >"$log" 2>&1 || status=$?
    secs=$(($(date +%s) - start))
    sent=$(sed -n 's/^  messages sent *//p' "$log")
    total_sent=$((total_sent + ${sent:-0}))
    if ((status == 0)); then
        printf 'run %4d  %-26s seed %-20s passed  %4d s  %s messages\n' \
            "$runs" "$program" "$seed" "$secs" "${sent:-?}"
        rm -f "$log"
    else
        failures=$((failures + 1))
        printf 'run %4d  %-26s seed %-20s FAILED (status %d) after %d s; log: %s\n' \
            "$runs" "$program" "$seed" "$status" "$secs" "$log"
        grep -E 'FAILED|watchdog' "$log" | head -n 5 | sed 's/^/    /' || true
        echo "    replay: ${cmd[*]}"
    fi
done

echo "soak: $runs runs, $total_sent messages sent, $failures failed; seeds in $seed_log"
((failures == 0))
