#!/usr/bin/env bash
# What including courier costs a translation unit: compiles hello-sized programs, one per public
# header, with each compiler, and prints the median of N compiles beside the same program without
# courier (the baseline: <iostream>, <string>, <thread> and a std::jthread).
#
#   bench/compile_time.sh [runs]        runs: compiles per program and compiler (default 5)
#
# Environment: COMPILERS (default "g++ clang++-14", the ones found), FLAGS (default
# "-std=c++20 -O0"), COURIER_INCLUDE (default this tree's include/; another tree's, to compare). Prints a Markdown table: program, then per compiler the median seconds and
# the difference to the baseline.
set -euo pipefail

runs="${1:-5}"
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

median_seconds() {  # compiler program
    local times=()
    for ((i = 0; i < runs; ++i)); do
        local start end
        start="$EPOCHREALTIME"
        # shellcheck disable=SC2086 # flags are words
        "$1" $flags -I"$include" -c "$work/$2.cpp" -o "$work/$2.o"
        end="$EPOCHREALTIME"
        times+=("$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.4f", b - a }')")
    done
    printf '%s\n' "${times[@]}" | sort -n | awk '{ a[NR] = $1 } END { printf "%.2f", a[int((NR + 1) / 2)] }'
}

header="| program |"
rule="| --- |"
for c in "${compilers[@]}"; do
    header+=" $c median (s) | over baseline (s) |"
    rule+=" ---: | ---: |"
done
echo "compile_time: $runs compiles each, flags: $flags, headers: $include; $(uname -m)," \
    "nproc $(nproc)" >&2
echo "$header"
echo "$rule"
declare -A base
for p in "${programs[@]}"; do
    line="| $p |"
    for c in "${compilers[@]}"; do
        m="$(median_seconds "$c" "$p")"
        if [[ "$p" == baseline ]]; then
            base[$c]="$m"
            line+=" $m | – |"
        else
            line+=" $m | $(echo "$m - ${base[$c]}" | awk '{ printf "%+.2f", $1 - $3 }') |"
        fi
    done
    echo "$line"
done
