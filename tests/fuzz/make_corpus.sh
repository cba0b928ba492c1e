#!/usr/bin/env bash
# Seed corpora of the fuzz targets (tests/fuzz/fuzz_*.cpp):
#
#   tests/fuzz/make_corpus.sh BUILD_DIR
#
# writes BUILD_DIR/fuzz-corpus/TARGET/ (every seed, named by SHA-1) and
# BUILD_DIR/fuzz-corpus-smoke/TARGET/ (a fixed sample of small seeds, for
# the ctest smoke tests), starting afresh each time. Sources, each used
# when it exists:
#   modules   (decode, instantiate, execute, jit_compile, differential)
#     - the official suite's core/*.wast ($STRATA_SPEC_DIR, default
#       ../shared/wasm-spec), converted with wabt's wast2json here as
#       tests/spec converts them: the .wasm files of valid, invalid and
#       malformed modules
#     - the binary modules inside the Wasm 3.0 suite's .bin.wast scripts
#       ($STRATA_SPEC3_DIR, default ../shared/wasm-spec-3.0) and inside
#       tests/wast/*.bin.wast; tests/wast/*.wast and the 3.0 suite's
#       legacy-exceptions/*.wast through wast2json
#     - the benchmark workloads of a Release build
#       ($STRATA_MAIN_BUILD_DIR, default build/: bench/workloads/*.wasm)
#   wast_reader   the .bin.wast scripts of both places and the text
#                 scripts of the official suite
#   wasi_path     hostile paths (corpus.py's list)
# Seeds over 256 KiB are left out (they slow every mutation down).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
build="${1:?usage: make_corpus.sh BUILD_DIR}"
spec="${STRATA_SPEC_DIR:-$root/../shared/wasm-spec}"
spec3="${STRATA_SPEC3_DIR:-$root/../shared/wasm-spec-3.0}"
main_build="${STRATA_MAIN_BUILD_DIR:-$root/build}"
out="$build/fuzz-corpus"
smoke="$build/fuzz-corpus-smoke"
work="$build/fuzz-corpus-work"
max=$((256 * 1024))
tool=(python3 "$here/corpus.py")

rm -rf "$out" "$smoke" "$work"
mkdir -p "$out" "$smoke" "$work"
modules="$out/modules"

# wast2json SCRIPT DIR [FLAGS...]: the script's modules as DIR/*.wasm. A
# script this wabt cannot convert is left out (said on stderr).
wast2json_to() {
  local script="$1" dir="$2"
  shift 2
  mkdir -p "$dir"
  wast2json "$@" -o "$dir/$(basename "$script" .wast).json" "$script" 2> /dev/null ||
    echo "make_corpus.sh: wast2json cannot convert $script (skipped)" >&2
}

if command -v wast2json > /dev/null; then
  if [[ -d "$spec/core" ]]; then
    for f in "$spec"/core/*.wast; do wast2json_to "$f" "$work/spec/$(basename "$f" .wast)"; done
  fi
  for f in "$root"/tests/wast/*.wast; do
    [[ "$f" == *.bin.wast ]] || wast2json_to "$f" "$work/wast/$(basename "$f" .wast)" --enable-tail-call
  done
  if [[ -d "$spec3/legacy-exceptions" ]]; then
    for f in "$spec3"/legacy-exceptions/*.wast; do
      [[ "$f" == *.bin.wast ]] ||
        wast2json_to "$f" "$work/legacy/$(basename "$f" .wast)" --enable-exceptions --enable-tail-call
    done
  fi
  find "$work" -name '*.wasm' -print0 | xargs -0 -r "${tool[@]}" add "$modules" "$max" > /dev/null
else
  echo "make_corpus.sh: wast2json not found (install wabt): no modules of the .wast scripts" >&2
fi
bin_scripts=()
[[ -d "$spec3" ]] && mapfile -t -O "${#bin_scripts[@]}" bin_scripts < <(find "$spec3" -name '*.bin.wast' | sort)
mapfile -t -O "${#bin_scripts[@]}" bin_scripts < <(find "$root/tests/wast" -name '*.bin.wast' | sort)
"${tool[@]}" modules "$modules" "$max" "${bin_scripts[@]}" > /dev/null
if compgen -G "$main_build/bench/workloads/*.wasm" > /dev/null; then
  "${tool[@]}" add "$modules" "$max" "$main_build"/bench/workloads/*.wasm > /dev/null
fi

# Every module target starts from the same seeds (hard links: libFuzzer
# writes new inputs to its first corpus folder, run_fuzzers.sh's work
# folder, and never changes a seed).
for t in decode instantiate execute jit_compile differential; do
  mkdir -p "$out/$t"
  find "$modules" -type f -exec cp -l -t "$out/$t/" {} + 2> /dev/null || cp "$modules"/* "$out/$t/"
done
rm -rf "$modules"

text_scripts=()
[[ -d "$spec/core" ]] && mapfile -t text_scripts < <(find "$spec/core" -maxdepth 1 -name '*.wast' | sort)
"${tool[@]}" add "$out/wast_reader" "$max" "${bin_scripts[@]}" "${text_scripts[@]}" > /dev/null
"${tool[@]}" wasi "$out/wasi_path" > /dev/null

# The smoke sample: 100 seeds of at most 16 KiB per target, so that the
# initial pass over them stays well inside a smoke test's seconds.
for t in "$out"/*/; do
  t="$(basename "$t")"
  "${tool[@]}" sample "$smoke/$t" "$out/$t" 100 16384 > /dev/null
done
rm -rf "$work"
for t in "$out"/*/; do
  printf '%-14s %6d seeds (smoke: %d)\n' "$(basename "$t")" "$(ls "$t" | wc -l)" "$(ls "$smoke/$(basename "$t")" | wc -l)"
done
