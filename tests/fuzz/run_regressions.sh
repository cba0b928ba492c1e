#!/usr/bin/env bash
# Runs a fuzz target once on each saved input of a regressions folder:
#
#   tests/fuzz/run_regressions.sh FUZZ_BINARY DIR
#
# Each file of DIR is an input that once made the target crash (see
# tests/fuzz/regressions/README.md). Prints each file's result and exits 1
# if any still fails.
set -uo pipefail
bin="${1:?usage: run_regressions.sh FUZZ_BINARY DIR}"
dir="${2:?usage: run_regressions.sh FUZZ_BINARY DIR}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
failed=0
count=0
for f in "$dir"/*; do
  [[ -f "$f" && "$f" != *.md ]] || continue
  count=$((count + 1))
  # Limits well below the fuzzing runs': a fixed input takes milliseconds.
  if out=$("$bin" -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=2048 "$f" 2>&1); then
    echo "ok      $(basename "$f")"
  else
    echo "FAILED  $(basename "$f")"
    echo "$out" | grep -E 'ERROR|runtime error|fuzz_|differ|SUMMARY' | head -5 | sed 's/^/        /'
    failed=$((failed + 1))
  fi
done
echo "$((count - failed)) passed, $failed failed"
[[ $failed -eq 0 ]]
