#!/usr/bin/env bash
# The whole test suite, as CI runs it:
#   1. Release build in build/, every ctest test (unit, CLI, spec, install,
#      samples, benchmark smoke test).
#   2. AddressSanitizer + UndefinedBehaviorSanitizer build in build-asan/:
#      the unit tests, the spec and wast scripts of the interpreter and of
#      both compilers (forced tiers) and the WASI tests again, where memory
#      errors in the runtime and the compilers show up as failures instead
#      of luck.
# STRATA_JOBS sets the parallelism (default: all cores); STRATA_BUILD_DIR
# and STRATA_ASAN_BUILD_DIR move the two build trees.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
jobs="${STRATA_JOBS:-$(nproc)}"
export STRATA_JOBS="$jobs"
build="${STRATA_BUILD_DIR:-$root/build}"
asan="${STRATA_ASAN_BUILD_DIR:-$root/build-asan}"

echo "=== Release build and full test suite ==="
bash "$root/scripts/build.sh" "$build"
ctest --test-dir "$build" --output-on-failure -j "$jobs"

echo "=== ASan + UBSan build: unit tests, spec tests of the interpreter and of both compilers, WASI tests ==="
# RelWithDebInfo: sanitizer reports with line numbers, at a speed that keeps
# the spec suite within CI's time.
cmake -S "$root" -B "$asan" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DSTRATA_SANITIZE=ON -DSTRATA_BUILD_BENCH=OFF
cmake --build "$asan" -j "$jobs"
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
"$asan/tests/strata_unit_tests"
ctest --test-dir "$asan" --output-on-failure -j "$jobs" -L interp
ctest --test-dir "$asan" --output-on-failure -j "$jobs" -L baseline
ctest --test-dir "$asan" --output-on-failure -j "$jobs" -L optimizing
ctest --test-dir "$asan" --output-on-failure -j "$jobs" -L wasi
