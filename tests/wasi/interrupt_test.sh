#!/usr/bin/env bash
# interrupt_test.sh STRATA BLOCK_WASM TIER MODE: a guest blocked in a host
# call (MODE read: a read of a pipe no one writes to; sleep: a 60 s sleep in
# poll_oneoff) under --timeout=300 must end with "Exception: execution timed
# out" (on stdout, as iwasm prints it) and a failure status well before its
# wait would end (within 5 s), in tier TIER.
set -u
strata="$1" wasm="$2" tier="$3" mode="$4"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
fifo="$work/fifo"
mkfifo "$fifo"
exec 3<>"$fifo"  # a writer that never writes: reads block, never see EOF
start=$(date +%s%N)
if [[ "$mode" == read ]]; then
  "$strata" run --tier="$tier" --timeout=300 "$wasm" read <&3 >"$work/out" 2>"$work/err"
else
  "$strata" run --tier="$tier" --timeout=300 "$wasm" sleep 60 >"$work/out" 2>"$work/err"
fi
status=$?
elapsed_ms=$(( ($(date +%s%N) - start) / 1000000 ))
echo "status $status after $elapsed_ms ms; output: $(cat "$work/out" "$work/err")"
[[ $status -ne 0 ]] || { echo "FAIL: the guest was not stopped (status 0)"; exit 1; }
grep -q "Exception: execution timed out" "$work/out" "$work/err" || { echo "FAIL: no 'Exception: execution timed out'"; exit 1; }
[[ $elapsed_ms -lt 5000 ]] || { echo "FAIL: took $elapsed_ms ms"; exit 1; }
echo PASS
