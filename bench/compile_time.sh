#!/usr/bin/env bash
# What including courier costs a translation unit: compiles hello-sized programs, one per public
# header, with each compiler, and prints the median of N compiles beside the same program without
# courier (the baseline: <iostream>, <string>, <thread> and a std::jthread).
#
#   bench/compile_time.sh [runs]        runs: rounds (compiles per program, compiler and tree;
#                                       default 5, or 1 with MEASURE=instructions)
#
# Each round compiles every program once with each compiler (interleaved, so that a change in the
# machine's speed touches all alike); the figure is the median over the rounds of the CPU seconds
# (user + system) of one compile.
#
# Environment: COMPILERS (default "g++ clang++-14", the ones found), FLAGS (default
# "-std=c++20 -O0"), COURIER_INCLUDE (default this tree's include/), COURIER_BEFORE (another
# tree's include/: both are measured in the same rounds, before and after), MEASURE=instructions
# (instead of seconds, the millions of instructions the compiler executes, counted by valgrind's
# callgrind: the same on every run and on a busy machine, so one round is enough; each compile
# takes about 30 times longer). Prints a Markdown table: program, then per compiler the median
# and the difference to the baseline.
set -euo pipefail

runs="${1:-5}"
if [[ $# -eq 0 && "${MEASURE:-seconds}" == instructions ]]; then
    runs=1
fi
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
include="${COURIER_INCLUDE:-$root/include}"
flags="${FLAGS:--std=c++20 -O0}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

compilers=()
for c in ${COMPILERS:-g++ clang++-14}; do
    if command -v "$c" >/dev/null 2>&1; then
        compilers+=("$c")
    else
        echo "compile_time: $c not found, skipped" >&2
    fi
done
if ((${#compilers[@]} == 0)); then
    echo "compile_time: no compiler found" >&2
    exit 1
fi

# program name -> its source. Each uses what its header declares, in a few lines.
write() { cat >"$work/$1.cpp"; }
write baseline <<'CPP'
#include <iostream>
#include <string>
#include <thread>
int main() {
    std::string s;
    std::jthread worker([&s] { s = "hello from a thread"; });
    worker.join();
    std::cout << s << '\n';
}
CPP
write courier <<'CPP'
#include <courier/courier.hpp>
#include <iostream>
#include <string>
#include <thread>
int main() {
    auto [tx, rx] = courier::channel<std::string>();
    std::jthread worker([tx = std::move(tx)] { tx.send("hello from a thread").value(); });
    std::cout << rx.recv().value() << '\n';
}
CPP
write mpsc <<'CPP'
#include <courier/mpsc.hpp>
#include <iostream>
#include <string>
#include <thread>
int main() {
    auto [tx, rx] = courier::channel<std::string>();
    std::jthread worker([tx = std::move(tx)] { tx.send("hello from a thread").value(); });
    std::cout << rx.recv().value() << '\n';
}
CPP
write mpmc <<'CPP'
#include <courier/mpmc.hpp>
#include <iostream>
#include <string>
#include <thread>
int main() {
    auto [tx, rx] = courier::mpmc::sync_channel<std::string>(4);
    std::jthread worker([tx = std::move(tx)] { tx.send("hello from a thread").value(); });
    std::cout << rx.recv().value() << '\n';
}
CPP
write select <<'CPP'
#include <courier/select.hpp>
#include <chrono>
#include <iostream>
#include <string>
#include <thread>
int main() {
    auto [tx, rx] = courier::channel<std::string>();
    std::jthread worker([tx = std::move(tx)] { tx.send("hello from a thread").value(); });
    courier::select(courier::on_recv(rx, [](auto m) { std::cout << m.value() << '\n'; }),
                    courier::on_timeout(std::chrono::seconds(5), [] {}));
}
CPP
write timer <<'CPP'
#include <courier/timer.hpp>
#include <chrono>
#include <iostream>
int main() {
    auto rx = courier::after(std::chrono::milliseconds(1));
    std::cout << rx.recv().has_value() << '\n';
}
CPP
write expected <<'CPP'
#include <courier/expected.hpp>
#include <courier/error.hpp>
#include <iostream>
#include <string>
#include <thread>
int main() {
    courier::expected<std::string, courier::recv_error> e("hello");
    std::jthread worker([&e] { e = courier::unexpected(courier::recv_error{}); });
    worker.join();
    std::cout << e.has_value() << '\n';
}
CPP
programs=(baseline courier mpsc mpmc select timer expected)

# CPU seconds (user + system) of one compile: compiler program include-dir. CPU time, not wall
# time: on a shared machine it moves less with what else runs.
cpu_seconds() {
    local TIMEFORMAT='%U %S' t
    # shellcheck disable=SC2086 # flags are words
    t="$({ time "$1" $flags -I"$3" -c "$work/$2.cpp" -o "$work/$2.o"; } 2>&1 >/dev/null)" || {
        echo "compile_time: $1 failed on $2 with headers $3" >&2
        exit 1
    }
    awk '{ printf "%.3f", $(NF - 1) + $NF }' <<<"${t##*$'\n'}"
}

# Millions of instructions executed by the compiler proper (cc1plus, clang -cc1: the largest count
# of the processes the driver starts) for one compile: compiler program include-dir.
compiler_instructions() {
    local out
    # shellcheck disable=SC2086 # flags are words
    out="$(valgrind --tool=callgrind --trace-children=yes \
        --callgrind-out-file="$work/callgrind.%p" "$1" $flags -I"$3" -c "$work/$2.cpp" \
        -o "$work/$2.o" 2>&1)" || {
        echo "compile_time: $1 failed on $2 with headers $3" >&2
        exit 1
    }
    rm -f "$work"/callgrind.*
    sed -n 's/.*Collected : *\([0-9]*\).*/\1/p' <<<"$out" | sort -n | tail -n 1 |
        awk '{ printf "%.0f", $1 / 1e6 }'
}

measure=cpu_seconds
unit="CPU seconds per compile"
digits=2
if [[ "${MEASURE:-seconds}" == instructions ]]; then
    if ! command -v valgrind >/dev/null 2>&1; then
        echo "compile_time: MEASURE=instructions needs valgrind (apt-get install valgrind)" >&2
        exit 1
    fi
    measure=compiler_instructions
    unit="millions of instructions the compiler executes per compile"
    digits=0
fi

median() {
    tr ' ' '\n' | sed '/^$/d' | sort -n |
        awk -v d="$digits" '{ a[NR] = $1 } END { printf "%.*f", d, a[int((NR + 1) / 2)] }'
}

# The header trees measured: COURIER_BEFORE (if set) and then this one. Rounds interleave every
# program and tree, so a change in the machine's speed touches them all alike.
trees=("$include")
if [[ -n "${COURIER_BEFORE:-}" ]]; then
    trees=("$COURIER_BEFORE" "$include")
fi
declare -A samples
for ((r = 0; r < runs; ++r)); do
    for c in "${compilers[@]}"; do
        for p in "${programs[@]}"; do
            for ((t = 0; t < ${#trees[@]}; ++t)); do
                if [[ "$p" == baseline && $t -gt 0 ]]; then
                    continue
                fi
                samples["$c|$p|$t"]+=" $("$measure" "$c" "$p" "${trees[$t]}")"
            done
        done
    done
done

header="| program |"
rule="| --- |"
for c in "${compilers[@]}"; do
    if ((${#trees[@]} == 2)); then
        header+=" $c before | $c after |"
        rule+=" ---: | ---: |"
    else
        header+=" $c median | over baseline |"
        rule+=" ---: | ---: |"
    fi
done
echo "compile_time: medians of $runs interleaved rounds, $unit, flags: $flags," \
    "headers: ${trees[*]}; $(uname -m), nproc $(nproc)" >&2
echo "$header"
echo "$rule"
for p in "${programs[@]}"; do
    line="| $p |"
    for c in "${compilers[@]}"; do
        b="$(median <<<"${samples["$c|baseline|0"]}")"
        for ((t = 0; t < ${#trees[@]}; ++t)); do
            if [[ "$p" == baseline ]]; then
                line+=" $b |"
                if ((${#trees[@]} == 1)); then line+=" – |"; fi
                continue
            fi
            m="$(median <<<"${samples["$c|$p|$t"]}")"
            over="$(awk -v m="$m" -v b="$b" -v d="$digits" 'BEGIN { printf "%+.*f", d, m - b }')"
            if ((${#trees[@]} == 2)); then
                line+=" $m ($over) |"
            else
                line+=" $m | $over |"
            fi
        done
    done
    echo "$line"
done
