#!/usr/bin/env bash
# Runs the fuzz targets, one at a time, each from its seed corpus:
#
#   tests/fuzz/run_fuzzers.sh BUILD_DIR SECONDS_PER_TARGET [TARGET...]
#
# BUILD_DIR is a STRATA_BUILD_FUZZERS=ON build with the targets built
# (ninja strata-fuzzers); make_corpus.sh runs first if BUILD_DIR has no
# corpus yet. TARGETs are names such as `decode` (default: all seven).
# Each target runs for SECONDS from BUILD_DIR/fuzz-corpus/TARGET plus what
# earlier runs added (WORK/TARGET/corpus, where libFuzzer writes the new
# inputs it finds). A crash, a sanitizer report, a leak, an input slower
# than STRATA_FUZZ_TIMEOUT seconds (default 10) or one that takes more than
# 4 GiB stops that target and leaves the input in WORK/TARGET/ (crash-*,
# leak-*, timeout-*, oom-*; reproduce with `BUILD_DIR/tests/fuzz/fuzz_TARGET
# FILE`, minimise with `-minimize_crash=1 -runs=10000 FILE`), and its log in
# WORK/TARGET/log. At the end a table gives each target's executions and
# crashes; the exit status is 1 if any target failed.
#
# Environment:
#   STRATA_FUZZ_WORK      the work folder (default BUILD_DIR/fuzz-work)
#   STRATA_FUZZ_RUNS      also stop each target after this many executions
#   STRATA_FUZZ_SMOKE=1   start from the small smoke sample of the corpus
#                         (BUILD_DIR/fuzz-corpus-smoke), as ctest does
#   STRATA_FUZZ_TIMEOUT   libFuzzer's -timeout, seconds per input
#   STRATA_FUZZ_ARGS      more libFuzzer flags, e.g. "-fork=1 -ignore_crashes=1
#                         -ignore_ooms=1 -ignore_timeouts=1" to go on past a
#                         known crash (each one found is still saved and
#                         counted, and fails the run)
# Run it under `nice -n 19` on a shared machine; it uses one core.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
build="${1:?usage: run_fuzzers.sh BUILD_DIR SECONDS_PER_TARGET [TARGET...]}"
seconds="${2:?usage: run_fuzzers.sh BUILD_DIR SECONDS_PER_TARGET [TARGET...]}"
shift 2
targets=("$@")
[[ ${#targets[@]} -gt 0 ]] || targets=(decode instantiate execute jit_compile differential wasi_path wast_reader)
work="${STRATA_FUZZ_WORK:-$build/fuzz-work}"
corpus="$build/fuzz-corpus"
[[ "${STRATA_FUZZ_SMOKE:-}" == 1 ]] && corpus="$build/fuzz-corpus-smoke"
if [[ ! -d "$corpus" ]]; then
  "$here/make_corpus.sh" "$build" || exit 1
fi
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

summary=()
failed=0
for t in "${targets[@]}"; do
  bin="$build/tests/fuzz/fuzz_$t"
  if [[ ! -x "$bin" ]]; then
    echo "run_fuzzers.sh: $bin not built (ninja -C $build strata-fuzzers)" >&2
    summary+=("$(printf '%-14s %s' "$t" "NOT BUILT")")
    failed=1
    continue
  fi
  dir="$work/$t"
  args=(-max_total_time="$seconds" -timeout="${STRATA_FUZZ_TIMEOUT:-10}" -rss_limit_mb=4096
        -artifact_prefix="$dir/" -print_final_stats=1)
  [[ -n "${STRATA_FUZZ_RUNS:-}" ]] && args+=(-runs="$STRATA_FUZZ_RUNS")
  # shellcheck disable=SC2206 # word splitting intended: several flags
  [[ -n "${STRATA_FUZZ_ARGS:-}" ]] && args+=($STRATA_FUZZ_ARGS)
  # A smoke test starts afresh from the same seeds and random seed each
  # time, so that it tests the same inputs (but for timing) on every run.
  [[ "${STRATA_FUZZ_SMOKE:-}" == 1 ]] && { rm -rf "$dir"; args+=(-seed=1); }
  mkdir -p "$dir/corpus" "$corpus/$t"
  before=$(find "$dir" -maxdepth 1 -name 'crash-*' -o -maxdepth 1 -name 'leak-*' -o -maxdepth 1 -name 'timeout-*' \
    -o -maxdepth 1 -name 'oom-*' | wc -l)
  echo "=== fuzz_$t: ${seconds} s from $corpus/$t ==="
  start=$(date +%s.%N)
  "$bin" "${args[@]}" "$dir/corpus" "$corpus/$t" > "$dir/log" 2>&1
  status=$?
  elapsed=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
  # Final stats when it ended normally; else the last status line (#N ...).
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$dir/log" | tail -1)
  [[ -n "$execs" ]] || execs=$(grep -o '^#[0-9]*' "$dir/log" | tail -1 | tr -d '#')
  execs=${execs:-0}
  rate=$(awk -v n="$execs" -v t="$elapsed" 'BEGIN { printf "%d", (t > 0 ? n / t : n) }')
  rss=$(sed -n 's/^stat::peak_rss_mb: *//p' "$dir/log" | tail -1)
  after=$(find "$dir" -maxdepth 1 -name 'crash-*' -o -maxdepth 1 -name 'leak-*' -o -maxdepth 1 -name 'timeout-*' \
    -o -maxdepth 1 -name 'oom-*' | wc -l)
  found=$((after - before))
  result=ok
  if [[ $status -ne 0 || $found -gt 0 ]]; then
    why=$(grep -m1 -E 'ERROR: |runtime error|deadly signal|differ|^fuzz_[a-z_]*:|decoded module breaks|cannot compile' \
      "$dir/log" | cut -c1-150)
    result="FAILED (exit $status): ${why:-see $dir/log}"
    failed=1
    tail -60 "$dir/log"
    grep -h 'Test unit written to' "$dir/log" || true
  fi
  summary+=("$(printf '%-14s %7s s %10s execs %7s/s  corpus %5d  peak %5s MB  crashes %d  %s' "$t" "$elapsed" \
    "$execs" "$rate" "$(ls "$dir/corpus" | wc -l)" "${rss:-?}" "$found" "$result")")
done

echo "=== summary (work folder $work) ==="
printf '%s\n' "${summary[@]}"
exit $failed
