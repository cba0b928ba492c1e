#!/usr/bin/env bash
# Differential testing of the interpreter against the JIT on random modules
# from binaryen's translate-to-fuzz mode (wasm-opt -ttf).
#
#   run_difftest.sh DIFFTEST_BINARY WORK_DIR FIRST_SEED COUNT [simd|wasm3]
#
# With `simd`, the modules also use 128-bit SIMD (--enable-simd), from
# seeds of their own (seed * 7919), so both sets stay as they were. With
# `wasm3`, SIMD and what Debian's binaryen 108 generates of Wasm 3.0: tail
# calls (compiled by both JIT tiers), extended constants, memory64, relaxed
# SIMD, and exception handling in its legacy form (try/catch/delegate/
# rethrow) (seeds * 104729). The JIT tiers leave functions with 64-bit
# addresses or exception handlers to the interpreter: these modules check
# the calls (and exceptions) between the tiers.
#
# Seed S makes 4 KiB of pseudo-random bytes (deterministic), wasm-opt turns
# them into a valid module (MVP + sign-ext + bulk memory + nontrapping
# float-to-int + multi-value), and strata-jit-difftest runs its exports in
# both tiers. ctest runs a fixed seed range; run more by hand, e.g.
#   jit/difftest/run_difftest.sh build/strata-jit-difftest /tmp/fz 1000 500
set -euo pipefail
difftest="$1"
work="$2"
first="$3"
count="$4"
simd="${5:-}"
features=(--mvp-features --enable-sign-ext --enable-bulk-memory --enable-nontrapping-float-to-int --enable-multivalue)
salt=1
if [[ "$simd" == simd ]]; then
  features+=(--enable-simd)
  salt=7919
elif [[ "$simd" == wasm3 ]]; then
  features+=(--enable-simd --enable-tail-call --enable-extended-const --enable-memory64 --enable-relaxed-simd
             --enable-exception-handling)
  salt=104729
fi
command -v wasm-opt > /dev/null || { echo "wasm-opt not found (install binaryen)"; exit 77; }
mkdir -p "$work"
files=()
for ((seed = first; seed < first + count; ++seed)); do
  python3 -c "import random,sys; r=random.Random($seed * $salt); sys.stdout.buffer.write(bytes(r.getrandbits(8) for _ in range(4096)))" \
    > "$work/$seed.bin"
  wasm-opt -ttf "$work/$seed.bin" -o "$work/$seed.wasm" "${features[@]}" 2> /dev/null
  files+=("$work/$seed.wasm")
done
"$difftest" "${files[@]}"
