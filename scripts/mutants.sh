#!/usr/bin/env bash
# Tests the tests: builds the reliability tier once per planted bug and reports which checks
# detect each one. A planted bug (a mutant) is a patch in tests/reliability/mutants/<id>.patch
# whose first line describes it; the engine's headers carry none of them. Each mutant is applied
# to a copy of the source tree, never to this one.
#
#   scripts/mutants.sh [id...]          default: every mutant in tests/reliability/mutants
#   scripts/mutants.sh --check          only checks that every patch still applies (CI does this)
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
#   COURIER_MUTANTS_BUILD_DIR   work tree (default build/mutants): the source copy and its build
#   COURIER_JOBS                build jobs (default 2)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

patches="$root/tests/reliability/mutants"
build="${COURIER_MUTANTS_BUILD_DIR:-$root/build/mutants}"
jobs="${COURIER_JOBS:-2}"

# The description of mutant <id>: the patch's first line without its leading '# '.
describe() { sed -n '1s/^# *//p' "$patches/$1.patch"; }

if [[ "${1:-}" == "--check" ]]; then
    bad=0
    count=0
    for file in "$patches"/*.patch; do
        count=$((count + 1))
        if ! patch -p1 --dry-run --silent --force -d "$root" <"$file" >/dev/null; then
            echo "mutants: $(basename "$file") no longer applies to the engine" >&2
            bad=$((bad + 1))
        fi
    done
    echo "mutants: $((count - bad)) of $count patches apply"
    ((bad == 0 && count > 0))
    exit
fi

if (($# > 0)); then
    ids=("$@")
else
    mapfile -t ids < <(find "$patches" -name '*.patch' -printf '%f\n' | sed 's/\.patch$//' |
        sort -n)
fi

checks=(stress perturbed relacy fuzz fault)
bin="$build/tree/tests/reliability"

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

# build_for ID: copies the source tree to $build/src, applies mutant ID's patch (none for an
# empty ID) and builds the checks in $build/tree.
build_for() {
    local id="$1" src="$build/src"
    rm -rf "$src"
    mkdir -p "$src"
    tar -C "$root" --exclude=./build --exclude=./.git -cf - . | tar -C "$src" -xf -
    if [[ -n "$id" ]] && ! patch -p1 --silent --force -d "$src" <"$patches/$id.patch" \
        >"$build/patch-$id.log" 2>&1; then
        return 1
    fi
    cmake -S "$src" -B "$build/tree" -G Ninja -DCMAKE_BUILD_TYPE=Release \
        -DCOURIER_BUILD_EXAMPLES=OFF -DCOURIER_BUILD_RELIABILITY=ON >/dev/null
    local targets=(courier_stress courier_stress_perturbed courier_fuzz_replay courier_fault_test)
    if grep -q '^COURIER_RELACY_INCLUDE_DIR:PATH=/' "$build/tree/CMakeCache.txt"; then
        targets+=(courier_relacy_models)
    fi
    cmake --build "$build/tree" --parallel "$jobs" --target "${targets[@]}" \
        >"$build/build-$id.log" 2>&1
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
    echo "== mutant $id: $(describe "$id")"
    if ! build_for "$id"; then
        echo "   build failed: see $build/build-$id.log"
        summary+=("$(printf '%-3s %-9s %s' "$id" "BUILD" "$(describe "$id")")")
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
        summary+=("$(printf '%-3s %-9s %-70s %s' "$id" "detected" "$(describe "$id")" "${by[*]}")")
    else
        summary+=("$(printf '%-3s %-9s %-70s' "$id" "MISSED" "$(describe "$id")")")
    fi
done

echo
echo "mutant  verdict  description                                                           detected by"
printf '%s\n' "${summary[@]}"
echo
echo "detected $detected / $total (logs: $logs)"
((detected == total))
