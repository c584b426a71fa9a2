#!/usr/bin/env bash
# Checks that the Debian packages a mode needs are installed and installs the missing ones.
#
#   scripts/deps.sh test    build and run the tests (compilers, CMake, Ninja, GoogleTest, Relacy,
#                           Asio, Boost.Asio and ZeroMQ for the adapters' tests)
#   scripts/deps.sh tour    the tour: examples plus the benchmark against its peers
#   scripts/deps.sh bench   same packages as tour
#
# As root, missing packages are installed with apt-get (non-interactive). Otherwise the exact
# install command is printed and the script exits with status 1. On a system without dpkg the
# check is skipped with a note.
set -euo pipefail

mode="${1:-test}"

test_packages=(cmake ninja-build g++ clang-14 libclang-rt-14-dev libgtest-dev clang-format relacy-dev pkgconf
    libasio-dev libboost-dev libzmq3-dev)
bench_packages=(libbenchmark-dev golang-go libconcurrentqueue-dev libtbb-dev libboost-fiber-dev
    libatomic-queue-dev python3-matplotlib cppzmq-dev)

case "$mode" in
test) wanted=("${test_packages[@]}") ;;
tour | bench)
    wanted=("${test_packages[@]}" "${bench_packages[@]}")
    # rustc from rustup or elsewhere on PATH is used as it is; otherwise Debian's.
    if ! command -v rustc >/dev/null 2>&1; then
        wanted+=(rustc)
    fi
    ;;
*)
    echo "usage: $0 [test|tour|bench]" >&2
    exit 2
    ;;
esac

if ! command -v dpkg-query >/dev/null 2>&1; then
    echo "deps: no dpkg-query (not a Debian system); not checking packages: ${wanted[*]}" >&2
    exit 0
fi

missing=()
for package in "${wanted[@]}"; do
    status="$(dpkg-query -W -f='${db:Status-Status}' "$package" 2>/dev/null || true)"
    if [[ "$status" != "installed" ]]; then
        missing+=("$package")
    fi
done

if ((${#missing[@]} == 0)); then
    exit 0
fi

if [[ "$(id -u)" -ne 0 ]]; then
    echo "deps: missing Debian packages for '$mode': ${missing[*]}" >&2
    echo "deps: install them with:" >&2
    echo "  sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
    exit 1
fi

echo "deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends "${missing[@]}"
