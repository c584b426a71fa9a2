#!/usr/bin/env bash
# The tour of courier: builds the examples (Release), runs each one under a header in the order
# examples/CMakeLists.txt lists them, then runs the quick benchmark against the peer libraries.
#
#   scripts/tour.sh
#
# Environment:
#   COURIER_JOBS          build jobs (default: nproc)
#   COURIER_BUILD_SUFFIX  the build tree goes to build<suffix>/tour instead of build/tour
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

"$root/scripts/deps.sh" tour

jobs="${COURIER_JOBS:-$(nproc)}"
build_dir="$root/build${COURIER_BUILD_SUFFIX:-}/tour"

echo "+ cmake --preset release -B $build_dir"
cmake --preset release -B "$build_dir" -DCOURIER_BUILD_TESTS=OFF -DCOURIER_BUILD_EXAMPLES=ON
echo "+ cmake --build $build_dir --parallel $jobs"
cmake --build "$build_dir" --parallel "$jobs"

# The order is the one examples/CMakeLists.txt registers them in (as tests example.<name>);
# programs that are not registered follow, sorted by name.
examples=()
if [[ -d "$build_dir/examples" ]]; then
    while IFS= read -r name; do
        if [[ -x "$build_dir/examples/$name" ]]; then
            examples+=("$build_dir/examples/$name")
        fi
    done < <(ctest --test-dir "$build_dir" -N -L example | sed -n 's/^ *Test *#[0-9]*: example\.//p')
    while IFS= read -r file; do
        if [[ " ${examples[*]-} " != *" $file "* ]]; then
            examples+=("$file")
        fi
    done < <(find "$build_dir/examples" -name CMakeFiles -prune -o -type f -executable -print |
        LC_ALL=C sort)
fi
if ((${#examples[@]} == 0)); then
    echo "tour: no example programs were built" >&2
fi

failed=()
for example in "${examples[@]}"; do
    name="${example#"$build_dir/examples/"}"
    printf '\n==================== example: %s ====================\n' "$name"
    if ! timeout 120 "$example"; then
        echo "tour: example $name failed" >&2
        failed+=("$name")
    fi
done

if [[ -e "$root/bench/run" ]]; then
    printf '\n==================== benchmark: bench/run --quick ====================\n'
    "$root/bench/run" --quick
fi

if ((${#failed[@]} > 0)); then
    echo "tour: failed examples: ${failed[*]}" >&2
    exit 1
fi
