#!/usr/bin/env bash
# perf names compiled wasm functions: `strata run --perf-map` writes a
# jitdump; `perf record -k mono` sees its marker mapping, `perf inject --jit`
# turns each code load into an ELF image, and `perf report` shows the
# function names (compiled code runs from a shared memfd mapping, the W^X
# dual mapping, for which perf never reads /tmp/perf-PID.map).
#   perf_jitdump.sh STRATA MODULE.wasm FUNCTION ARG
# Exit 77 (skipped) where perf is missing or may not profile.
set -u
strata="$1" wasm="$2" function="$3" arg="$4"
if ! command -v perf > /dev/null; then echo "SKIPPED: perf not installed (Debian package linux-perf)"; exit 77; fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
if ! perf record -k mono -o "$work/perf.data" -- true > "$work/probe.log" 2>&1; then
  echo "SKIPPED: perf record does not work here: $(tail -1 "$work/probe.log")"
  exit 77
fi
# Both compilers' code: the baseline tier alone, then the optimizing one.
for tier in baseline optimizing; do
  perf record -k mono -o "$work/$tier.data" -- "$strata" run --tier="$tier" --perf-map --invoke "$function" "$wasm" "$arg" \
    > "$work/$tier.out" 2> "$work/$tier.err" || { echo "FAILED: perf record: $(tail -3 "$work/$tier.err")"; exit 1; }
  perf inject --jit -i "$work/$tier.data" -o "$work/$tier.jit.data" 2> "$work/inject.err" ||
    { echo "FAILED: perf inject --jit: $(tail -3 "$work/inject.err")"; exit 1; }
  perf report -i "$work/$tier.jit.data" --stdio --no-children --sort symbol 2> /dev/null > "$work/$tier.report"
  suffix=""
  [ "$tier" = baseline ] && suffix="@baseline"
  if ! grep -q "wasm:$function$suffix" "$work/$tier.report"; then
    echo "FAILED ($tier): perf report does not name wasm:$function$suffix; its top lines:"
    grep '%' "$work/$tier.report" | head -5
    exit 1
  fi
  echo "$tier: $(grep "wasm:$function" "$work/$tier.report" | head -1 | sed 's/^ *//')"
done
