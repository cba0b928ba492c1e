#!/usr/bin/env bash
# The whole test suite, as CI runs it:
#   1. Release build in build/, every ctest test (unit, CLI, spec, install,
#      samples, benchmark smoke test).
#   2. AddressSanitizer + UndefinedBehaviorSanitizer build in build-asan/:
#      the unit tests, the spec and wast scripts of the interpreter and of
#      both compilers (forced tiers) and the WASI tests again, where memory
#      errors in the runtime and the compilers show up as failures instead
#      of luck.
#   3. ThreadSanitizer build in build-tsan/: the concurrency stress test
#      (tests/stress: threads loading, instantiating, calling, tiering up
#      and destroying at once, a hot replacement and terminate beside
#      them) in every running mode; any report fails the run.
#   4. The libFuzzer targets of tests/fuzz in build-fuzz/ (clang): each
#      briefly from its seed corpus, and every saved crash input.
# STRATA_JOBS sets the parallelism (default: all cores); STRATA_BUILD_DIR,
# STRATA_ASAN_BUILD_DIR, STRATA_TSAN_BUILD_DIR and STRATA_FUZZ_BUILD_DIR
# move the four build trees.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
jobs="${STRATA_JOBS:-$(nproc)}"
export STRATA_JOBS="$jobs"
build="${STRATA_BUILD_DIR:-$root/build}"
asan="${STRATA_ASAN_BUILD_DIR:-$root/build-asan}"
tsan="${STRATA_TSAN_BUILD_DIR:-$root/build-tsan}"
fuzz="${STRATA_FUZZ_BUILD_DIR:-$root/build-fuzz}"

stage() { echo "=== $* ($(date -u +%H:%M:%S), ${SECONDS}s in) ==="; }
stage "Release build and full test suite"
bash "$root/scripts/build.sh" "$build"
ctest --test-dir "$build" --output-on-failure -j "$jobs"

stage "ASan + UBSan build: unit tests, spec tests of the interpreter and of both compilers, WASI tests"
# -O1 -g1: sanitizer reports with line numbers (line tables only), at half
# the compile time of RelWithDebInfo's -O2 -g (15 CPU minutes under ASan +
# UBSan) and a speed that keeps the spec suite within CI's time.
sanitizer_flags="-O1 -g1 -DNDEBUG"
cmake -S "$root" -B "$asan" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="$sanitizer_flags" -DCMAKE_C_FLAGS_RELWITHDEBINFO="$sanitizer_flags" \
  -DSTRATA_SANITIZE=ON -DSTRATA_BUILD_BENCH=OFF
cmake --build "$asan" -j "$jobs"
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
"$asan/tests/strata_unit_tests"
ctest --test-dir "$asan" --output-on-failure -j "$jobs" -L interp
ctest --test-dir "$asan" --output-on-failure -j "$jobs" -L baseline
ctest --test-dir "$asan" --output-on-failure -j "$jobs" -L optimizing
ctest --test-dir "$asan" --output-on-failure -j "$jobs" -L wasi

stage "ThreadSanitizer build: the concurrency stress test in every running mode"
cmake -S "$root" -B "$tsan" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="$sanitizer_flags" -DCMAKE_C_FLAGS_RELWITHDEBINFO="$sanitizer_flags" \
  -DSTRATA_SANITIZE_THREAD=ON -DSTRATA_BUILD_BENCH=OFF
cmake --build "$tsan" -j "$jobs" --target strata_stress
# exitcode: a report fails the run even when every result was right.
export TSAN_OPTIONS="halt_on_error=0 exitcode=66"
"$tsan/tests/stress/strata_stress" --mode=tiered --threads=16 --cycles=1000 --replacements=300 --terminations=50
for mode in baseline optimizing interp; do
  "$tsan/tests/stress/strata_stress" --mode=$mode --threads=16 --cycles=100 --replacements=100 --terminations=20
done

stage "libFuzzer targets (clang, ASan + UBSan): seed corpora, a short run of each, the saved crashes"
# tests/fuzz/README.md: each target runs 20,000 executions or 20 s from
# fixed seeds; longer runs are tests/fuzz/run_fuzzers.sh BUILD SECONDS.
cmake -S "$root" -B "$fuzz" -G Ninja -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="$sanitizer_flags" \
  -DCMAKE_C_FLAGS_RELWITHDEBINFO="$sanitizer_flags" -DSTRATA_BUILD_FUZZERS=ON -DSTRATA_BUILD_TESTS=OFF -DSTRATA_BUILD_BENCH=OFF
cmake --build "$fuzz" -j "$jobs" --target strata-fuzzers
ctest --test-dir "$fuzz" --output-on-failure -j "$jobs" -L fuzz
stage "done"
