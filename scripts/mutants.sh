#!/usr/bin/env bash
# Tests the tests: builds the reliability tier once per planted bug (COURIER_MUTANT(n) in the
# engine, see include/courier/detail/config.hpp) and reports which checks detect each one.
#
#   scripts/mutants.sh [id...]          default: every mutant listed below
#
# A check detects a mutant when it passes on the unmutated engine and fails (or hangs, or
# crashes) with the mutant. The unmutated engine runs first; a check that fails there is left
# out of the verdicts and named.
#
# Checks (sizes reduced; each bounded by a time limit):
#   stress     courier_stress --scale 0.1 (watchdog 10 s)
#   perturbed  courier_stress_perturbed --scale 0.3 (watchdog 10 s)
#   relacy     courier_relacy_models (CI size)
#   fuzz       courier_fuzz_replay over the corpus and 20 000 random inputs
#   fault      courier_fault_test (drop, storm and allocation tests)
#
# Environment:
#   COURIER_MUTANTS_BUILD_DIR   build tree (default build/mutants), reconfigured per mutant
#   COURIER_JOBS                build jobs (default 2)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

build="${COURIER_MUTANTS_BUILD_DIR:-$root/build/mutants}"
jobs="${COURIER_JOBS:-2}"

declare -A what=(
    [1]="array flavor: a write publishes the slot with a relaxed store"
    [2]="list flavor: a write publishes the slot with a relaxed fetch_or"
    [3]="queue_recv: no re-check of the channel after registering as a waiter"
    [10]="waker::disconnect selects the waiters but never wakes them"
    [11]="release_sender: wrong last-sender test (disconnects one sender early)"
    [12]="thread_parker::unpark wakes before it publishes the token"
    [13]="context::wait_until: a timed-out wait gives up without the CAS against a notifier"
    [14]="sender_core copy: a cloned sender is not counted"
    [15]="release_receiver: the last receiver leaves buffered messages alive"
    [16]="sync_waker: the Dekker pair (register vs notify) made relaxed"
    [17]="queue_send: no re-check of the channel after registering as a waiter"
    [18]="waker::try_select wakes the waiter before selecting it (and not after)"
    [19]="receiver reset() keeps its pointer: the channel is released twice"
)
if (($# > 0)); then
    ids=("$@")
else
    mapfile -t ids < <(printf '%s\n' "${!what[@]}" | sort -n)
fi

checks=(stress perturbed relacy fuzz fault)
bin="$build/tests/reliability"

run_check() {
    local check="$1"
    local log="$2"
    local rc=0
    case "$check" in
    stress)
        COURIER_STRESS_WATCHDOG_S=10 timeout 600 "$bin/courier_stress" --scale 0.1 --seed 1 \
            >"$log" 2>&1 || rc=$?
        ;;
    perturbed)
        COURIER_STRESS_WATCHDOG_S=10 timeout 600 "$bin/courier_stress_perturbed" --scale 0.3 \
            --seed 1 >"$log" 2>&1 || rc=$?
        ;;
    relacy)
        if [[ -x "$bin/courier_relacy_models" ]]; then
            timeout 900 "$bin/courier_relacy_models" >"$log" 2>&1 || rc=$?
        else
            echo "not built (relacy-dev missing)" >"$log"
            rc=125
        fi
        ;;
    fuzz)
        timeout 300 "$bin/courier_fuzz_replay" "$root/tests/reliability/fuzz/corpus" \
            --random 20000 >"$log" 2>&1 || rc=$?
        ;;
    fault)
        COURIER_TEST_WATCHDOG_S=30 timeout 600 "$bin/courier_fault_test" \
            --gtest_filter='Drop.*:FaultStorm.*:FaultAlloc.*:FaultCopy.*' >"$log" 2>&1 || rc=$?
        ;;
    esac
    return "$rc"
}

build_for() {
    local id="$1"
    cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
        -DCOURIER_BUILD_EXAMPLES=OFF -DCOURIER_BUILD_RELIABILITY=ON -DCOURIER_MUTANT_ID="$id" \
        >/dev/null
    local targets=(courier_stress courier_stress_perturbed courier_fuzz_replay courier_fault_test)
    if grep -q '^COURIER_RELACY_INCLUDE_DIR:PATH=/' "$build/CMakeCache.txt"; then
        targets+=(courier_relacy_models)
    fi
    cmake --build "$build" --parallel "$jobs" --target "${targets[@]}" >"$build/build-$id.log" 2>&1
}

mkdir -p "$build"
logs="$build/logs"
mkdir -p "$logs"

echo "== baseline (no mutant)"
build_for ""
declare -A usable=()
for check in "${checks[@]}"; do
    if run_check "$check" "$logs/baseline-$check.log"; then
        usable[$check]=1
        echo "   $check: passes"
    else
        echo "   $check: FAILS on the unmutated engine; left out (see $logs/baseline-$check.log)"
    fi
done

detected=0
total=0
summary=()
for id in "${ids[@]}"; do
    total=$((total + 1))
    echo "== mutant $id: ${what[$id]:-?}"
    if ! build_for "$id"; then
        echo "   build failed: see $build/build-$id.log"
        summary+=("$(printf '%-3s %-9s %s' "$id" "BUILD" "${what[$id]:-?}")")
        continue
    fi
    by=()
    for check in "${checks[@]}"; do
        [[ -n "${usable[$check]:-}" ]] || continue
        if run_check "$check" "$logs/mutant-$id-$check.log"; then
            echo "   $check: passed (missed)"
        else
            echo "   $check: FAILED (detected)"
            by+=("$check")
        fi
    done
    if ((${#by[@]} > 0)); then
        detected=$((detected + 1))
        summary+=("$(printf '%-3s %-9s %-70s %s' "$id" "detected" "${what[$id]:-?}" "${by[*]}")")
    else
        summary+=("$(printf '%-3s %-9s %-70s' "$id" "MISSED" "${what[$id]:-?}")")
    fi
done

# Leave the tree unmutated.
cmake -S "$root" -B "$build" -DCOURIER_MUTANT_ID= >/dev/null

echo
echo "mutant  verdict  description                                                           detected by"
printf '%s\n' "${summary[@]}"
echo
echo "detected $detected / $total (logs: $logs)"
((detected == total))
