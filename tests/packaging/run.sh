#!/usr/bin/env bash
# Tests courier's packaging the way a user meets it:
#   1. configure courier alone, `cmake --install` it into a temporary prefix, check the files;
#   2. build and run a project that does find_package(courier CONFIG REQUIRED) on that prefix;
#   3. build and run a project that does add_subdirectory(<courier source tree>);
#   4. build and run the same program with the flags of `pkg-config --cflags --libs courier`
#      (skipped with a note when pkg-config is not installed).
#
#   tests/packaging/run.sh [work_dir]
#
# work_dir (default: a temporary directory, removed afterwards) is emptied first.
# Environment: CMAKE_COMMAND (default cmake), CXX, CMAKE_GENERATOR are used when set.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source_dir="$(cd "$here/../.." && pwd)"
cmake_command="${CMAKE_COMMAND:-cmake}"

if (($# > 0)); then
    work="$1"
    rm -rf "$work"
    mkdir -p "$work"
else
    work="$(mktemp -d)"
    trap 'rm -rf "$work"' EXIT
fi
prefix="$work/prefix"

configure_args=()
if [[ -n "${CXX:-}" ]]; then
    configure_args+=("-DCMAKE_CXX_COMPILER=$CXX")
fi

step() { printf '\n-- packaging: %s\n' "$*"; }

step "install courier into $prefix"
"$cmake_command" -S "$source_dir" -B "$work/courier" "${configure_args[@]}" \
    -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX="$prefix" -DCMAKE_INSTALL_LIBDIR=lib \
    -DCOURIER_BUILD_TESTS=OFF -DCOURIER_BUILD_EXAMPLES=OFF -DCOURIER_BUILD_BENCH=OFF \
    -DCOURIER_INSTALL=ON
"$cmake_command" --build "$work/courier"
"$cmake_command" --install "$work/courier"

for file in include/courier/courier.hpp lib/cmake/courier/courierConfig.cmake \
    lib/cmake/courier/courierConfigVersion.cmake lib/cmake/courier/courierTargets.cmake; do
    if [[ ! -f "$prefix/$file" ]]; then
        echo "packaging: $file was not installed" >&2
        exit 1
    fi
done
# The installed tree is exactly the list in installed_files.txt: every header users need and
# nothing test-only (no model-checker policy). A header added to include/ must be added there.
expected_list="$here/installed_files.txt"
actual_list="$work/installed_files.actual"
(cd "$prefix" && find . -type f | sed 's|^\./||' | LC_ALL=C sort) >"$actual_list"
if ! diff -u <(grep -v '^#' "$expected_list" | LC_ALL=C sort) "$actual_list"; then
    echo "packaging: the installed files differ from $expected_list (diff above: - expected," \
        "+ installed)" >&2
    exit 1
fi
# Nothing that ships carries test machinery.
if grep -rlE 'relacy|COURIER_SYNC_RELACY|COURIER_MUTANT' "$prefix/include"; then
    echo "packaging: an installed header carries test machinery (files above)" >&2
    exit 1
fi

step "find_package(courier CONFIG REQUIRED)"
"$cmake_command" -S "$here/find_package" -B "$work/find_package" "${configure_args[@]}" \
    -DCMAKE_PREFIX_PATH="$prefix"
found="$(sed -n 's/^courier_DIR:PATH=//p' "$work/find_package/CMakeCache.txt")"
if [[ "$found" != "$prefix/lib/cmake/courier" ]]; then
    echo "packaging: find_package found courier in '$found', not in the install prefix" >&2
    exit 1
fi
"$cmake_command" --build "$work/find_package"
"$work/find_package/consumer"

step "add_subdirectory(courier)"
"$cmake_command" -S "$here/add_subdirectory" -B "$work/add_subdirectory" "${configure_args[@]}" \
    -DCOURIER_SOURCE_DIR="$source_dir"
"$cmake_command" --build "$work/add_subdirectory"
"$work/add_subdirectory/consumer"

step "pkg-config --cflags --libs courier"
if command -v pkg-config >/dev/null 2>&1; then
    # The prefix is found from the .pc file's own place: move the tree to prove it.
    mv "$prefix" "$work/moved"
    pc_flags="$(PKG_CONFIG_PATH="$work/moved/lib/pkgconfig" pkg-config --cflags --libs courier)"
    echo "pkg-config: $pc_flags"
    pc_include="$(PKG_CONFIG_PATH="$work/moved/lib/pkgconfig" pkg-config --variable=includedir courier)"
    if [[ "$(cd "$pc_include" 2>/dev/null && pwd -P)" != "$(cd "$work/moved/include" && pwd -P)" ]]; then
        echo "packaging: pkg-config's includedir '$pc_include' is not the installed headers" >&2
        exit 1
    fi
    # shellcheck disable=SC2086 # the flags are words
    "${CXX:-c++}" -std=c++20 -o "$work/pkg_config_consumer" "$here/main.cpp" $pc_flags
    "$work/pkg_config_consumer"
else
    echo "pkg-config is not installed (apt-get install pkgconf): not tested"
fi

step "passed"
