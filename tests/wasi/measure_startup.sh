#!/bin/sh
# Start-up time and peak RSS of WASI programs (not a ctest: the figures
# depend on the machine). Needs hyperfine, /usr/bin/time and the WASI clang.
#   measure_startup.sh BUILD_DIR
# Measures tests/wasi/hello.wasm and a generated program of 12,000 functions.
set -eu
build=$1
strata="$build/strata"
hello="$build/tests/wasi/hello.wasm"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

python3 - "$tmp/big.c" <<'PY'
import sys
n = 12000
with open(sys.argv[1], "w") as f:
    f.write("#include <stdio.h>\n")
    for i in range(n):
        f.write(f"__attribute__((noinline)) int f{i}(int x) {{ return x * {i} + {i % 7}; }}\n")
    f.write("typedef int (*fn)(int);\nfn table[] = {" + ",".join(f"f{i}" for i in range(n)) + "};\n")
    f.write("int main(int argc, char** argv) { int s = 0; for (int i = 0; i < argc * 3; ++i) "
            "s += table[i * 7 %% %d](i); printf(\"big %%d\\n\", s); return 0; }\n" % n)
PY
clang --target=wasm32-wasi --sysroot=/usr -O2 "$tmp/big.c" -o "$tmp/big.wasm"

for wasm in "$hello" "$tmp/big.wasm"; do
  echo "== $(basename "$wasm") ($(wc -c < "$wasm") bytes)"
  hyperfine -N --warmup 20 --runs 200 --export-json "$tmp/h.json" "$strata run $wasm" > /dev/null
  python3 -c "
import json, statistics, sys
r = json.load(open(sys.argv[1]))['results'][0]
t = r['times']
print('wall: median %.2f ms, mean %.2f ms, min %.2f ms' % (statistics.median(t) * 1e3, r['mean'] * 1e3, min(t) * 1e3))
" "$tmp/h.json"
  /usr/bin/time -f "peak RSS: %M KiB" "$strata" run "$wasm" > /dev/null
done
