#!/bin/bash
# Robustness of the decoder on malformed input: every truncation and a
# byte flip at every position of each given module must make
# `strata validate` exit 0 (still valid) or 1 with an "error at offset"
# line. Anything else (a crash, exit >= 128, an internal error) fails.
# With FUZZ_RUN_EXPORT=NAME in the environment, every variant that stays
# valid is also run in the interpreter (`strata run --invoke NAME`): it may
# return or trap (exit 0 or 1), or run until a 2-second limit (a mutant
# whose loop no longer ends, e.g. a tail-call chain that counts down by 0),
# but not crash.
#
# usage: fuzz_validate.sh STRATA WORKDIR MODULE.wasm...
set -u
strata=$1
workdir=$2
shift 2
mkdir -p "$workdir"
variant="$workdir/variant.wasm"
runs=0
failures=0
timeouts=0

check() {  # $1: description of the variant
  local output status
  output=$("$strata" validate "$variant" 2>&1)
  status=$?
  runs=$((runs + 1))
  if [ $status -eq 0 ] && [ -n "${FUZZ_RUN_EXPORT:-}" ]; then
    output=$(timeout 2 "$strata" run --tier=interp --invoke "$FUZZ_RUN_EXPORT" "$variant" 2>&1)
    status=$?
    [ $status -le 1 ] && return
    if [ $status -eq 124 ]; then
      timeouts=$((timeouts + 1))
      return
    fi
    output="run: $output"
  elif [ $status -eq 0 ]; then
    return
  fi
  if [ $status -eq 1 ] && grep -q "error at offset 0x[0-9a-f]*: " <<<"$output"; then
    return
  fi
  failures=$((failures + 1))
  # Keep the first failing inputs for debugging.
  if [ $failures -le 5 ]; then
    cp "$variant" "$workdir/failure-$failures.wasm"
    echo "FAIL ($1): exit $status: $output (kept as $workdir/failure-$failures.wasm)"
  fi
}

# Flip masks chosen per position: low bit (LEB payloads, indices), high bit
# (LEB continuation), whole byte (opcodes, type codes).
masks=(1 128 255 64)
for module in "$@"; do
  size=$(stat -c %s "$module")
  for ((len = 0; len < size; len++)); do
    head -c "$len" "$module" >"$variant"
    check "$(basename "$module") truncated to $len bytes"
  done
  for ((pos = 0; pos < size; pos++)); do
    cp "$module" "$variant"
    byte=$(od -An -tu1 -j "$pos" -N1 "$module" | tr -d ' ')
    mask=${masks[$((pos % 4))]}
    printf "$(printf '\\%03o' $((byte ^ mask)))" |
      dd of="$variant" bs=1 seek="$pos" conv=notrunc status=none
    check "$(basename "$module") byte $pos xor $mask"
  done
done

echo "$runs variants, $failures failed, $timeouts ran into the time limit"
[ $failures -eq 0 ]
