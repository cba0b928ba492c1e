#!/usr/bin/env bash
# Installs the Debian packages Strata needs to build, test and benchmark,
# skipping the apt round trip when all of them are already there. Run as
# root (or through sudo) on Debian 12 or a derivative.
set -euo pipefail

packages=(
  cmake ninja-build g++ git python3   # build
  pkg-config                          # the install test's pkg-config client
  libgtest-dev libgmock-dev           # unit tests
  wabt                                # wat2wasm / wast2json for CLI and spec tests
  nlohmann-json3-dev                  # reads wast2json's output
  libbenchmark-dev hyperfine          # benchmarks
  clang lld                           # wasm32 samples and benchmark kernels
  libclang-rt-14-dev                  # libFuzzer and the sanitizers for tests/fuzz
  wasi-libc libclang-rt-14-dev-wasm32 # wasm32-wasi guests
  libc++-14-dev-wasm32 libc++abi-14-dev-wasm32 libeigen3-dev  # bench/large's C++ program
  binaryen                            # wasm-opt, wasm-dis for poking at modules
  libasmjit-dev libzydis-dev          # JIT tier (x86-64 code emission, disassembly)
  linux-perf                          # the --perf-map test (perf record / inject / report)
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]} == 0)); then
  echo "setup: all ${#packages[@]} packages already installed"
  exit 0
fi

echo "setup: installing ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update
$SUDO apt-get install -y --no-install-recommends "${missing[@]}"
