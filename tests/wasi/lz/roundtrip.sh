#!/bin/sh
# Compresses and decompresses files with lz.wasm through --map-dir and
# checks they come back identical; then the error paths.
#   roundtrip.sh STRATA LZ_WASM WORKDIR SOURCE_DIR
set -u
strata=$1 wasm=$2 work=$3 source=$4
rm -rf "$work"
mkdir -p "$work/in" "$work/out" "$work/back"
cp "$source/README.md" "$source/src/wasi/wasi_functions.cpp" "$source/src/wasi/wasi_context.cpp" "$work/in/"
cp "$wasm" "$work/in/lz.wasm"
: > "$work/in/empty"
head -c 100000 /dev/urandom > "$work/in/random.bin"
i=0
while [ $i -lt 3000 ]; do echo "line $i of a repetitive text file, line $i"; i=$((i + 1)); done > "$work/in/repetitive.txt"

run() { "$strata" run --map-dir=data::"$work" "$wasm" "$@"; }
failed=0
for f in $(ls "$work/in"); do
  if ! run c "data/in/$f" "data/out/$f.lz" > "$work/log" 2>&1; then
    echo "compressing $f failed:"; cat "$work/log"; failed=1; continue
  fi
  if ! run d "data/out/$f.lz" "data/back/$f" > "$work/log" 2>&1; then
    echo "decompressing $f failed:"; cat "$work/log"; failed=1; continue
  fi
  if ! cmp "$work/in/$f" "$work/back/$f"; then failed=1; continue; fi
  echo "ok   $f: $(wc -c < "$work/in/$f") -> $(wc -c < "$work/out/$f.lz") bytes"
done
# Text must actually shrink.
if [ $(($(wc -c < "$work/out/repetitive.txt.lz") * 4)) -ge "$(wc -c < "$work/in/repetitive.txt")" ]; then
  echo "repetitive.txt did not compress 4:1"; failed=1
fi

expect() {  # expect STATUS STDERR_PATTERN ARGS...
  want=$1 pattern=$2
  shift 2
  run "$@" > "$work/log" 2>&1
  got=$?
  if [ $got != "$want" ] || ! grep -q "$pattern" "$work/log"; then
    echo "lz $*: expected status $want and /$pattern/, got $got:"; cat "$work/log"; failed=1
  else
    echo "ok   lz $*: status $got"
  fi
}
expect 2 "No such file or directory" c data/in/missing data/out/missing.lz
expect 2 "usage" x
cp "$work/out/README.md.lz" "$work/out/corrupt.lz"
printf 'XXXX' | dd of="$work/out/corrupt.lz" bs=1 seek=40 conv=notrunc 2> /dev/null
expect 1 "corrupt data" d data/out/corrupt.lz data/back/corrupt
expect 2 "Capabilities insufficient" c data/in/README.md data/../escaped.lz
expect 2 "Capabilities insufficient" c /etc/passwd data/out/passwd.lz
if [ -e "$work/../escaped.lz" ]; then echo "wrote outside the mapped directory"; failed=1; fi
exit $failed
