#!/usr/bin/env python3
"""Runs the benchmark kernels natively and on Strata, checks that both give
the same checksum, and prints a table of median wall-clock times.

    bench/run_kernels.py BUILD_DIR [-r REPEAT] [--tier interp] [--n fib=30 ...]
                                   [--kernels fib,sieve]

BUILD_DIR is a configured and built Strata tree: it needs BUILD_DIR/strata
and BUILD_DIR/bench/kernels/{NAME.wasm,NAME-native} (built by default when
clang with the wasm32 target is installed).

The "ratio" column is native time / Strata time, i.e. Strata's speed as a
fraction of native: 0.10x means ten times slower than native code. Times
are of whole processes, so they include start-up and, for Strata, decoding
and validation; with the default N these are well under 1% of a run.
"""
import argparse
import math
import os
import statistics
import subprocess
import sys
import time

# N per kernel, chosen so that each native run takes about 0.3 s on a
# current x86-64 core (fib's work grows 1.6x per step of N).
DEFAULT_N = {
    "fib": 41,
    "sieve": 50,
    "matmul": 250,
    "sha256": 1300,
    "nbody": 7000000,
    "quicksort": 5,
}


def parse_checksum(output):
    """The checksum from a line like `0x1a2b:i64` (the last line printed).

    Returns it as an unsigned 64-bit integer, so a result printed in hex
    and one printed in signed decimal compare equal."""
    lines = [l.strip() for l in output.splitlines() if l.strip()]
    if not lines:
        raise ValueError("no output")
    value = lines[-1].split(":")[0]
    return int(value, 0) & (2**64 - 1)


def time_runs(cmd, repeat, timeout):
    """Runs cmd `repeat` times; returns (median seconds, checksum)."""
    times = []
    checksum = None
    for _ in range(repeat):
        start = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        elapsed = time.perf_counter() - start
        if proc.returncode != 0:
            raise RuntimeError(
                "%s exited with %d:\n%s%s" % (" ".join(cmd), proc.returncode, proc.stdout, proc.stderr)
            )
        value = parse_checksum(proc.stdout)
        if checksum is not None and value != checksum:
            raise RuntimeError("%s: checksum changed between runs" % " ".join(cmd))
        checksum = value
        times.append(elapsed)
    return statistics.median(times), checksum


def geomean(values):
    return math.exp(sum(math.log(v) for v in values) / len(values))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("build_dir", help="a built Strata tree")
    parser.add_argument("-r", "--repeat", type=int, default=3, help="runs per measurement; the median is reported (default 3)")
    parser.add_argument("--tier", default="interp", help="value of strata run --tier (default interp)")
    parser.add_argument("--kernels", help="comma-separated subset of: " + ",".join(DEFAULT_N))
    parser.add_argument("--n", action="append", default=[], metavar="KERNEL=N", help="override a kernel's N (repeatable)")
    parser.add_argument("--timeout", type=float, default=600, help="seconds allowed per run (default 600)")
    args = parser.parse_args()

    n_for = dict(DEFAULT_N)
    for item in args.n:
        name, _, value = item.partition("=")
        if name not in n_for or not value.isdigit():
            parser.error("--n expects KERNEL=N with KERNEL one of " + ",".join(DEFAULT_N))
        n_for[name] = int(value)
    kernels = args.kernels.split(",") if args.kernels else list(DEFAULT_N)
    for k in kernels:
        if k not in DEFAULT_N:
            parser.error("unknown kernel %r" % k)
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")

    strata = os.path.join(args.build_dir, "strata")
    kernel_dir = os.path.join(args.build_dir, "bench", "kernels")
    missing = [p for p in [strata] + [os.path.join(kernel_dir, k + ".wasm") for k in kernels] if not os.path.exists(p)]
    if missing:
        sys.exit("missing: %s\n(build the tree first; the kernels need clang and lld)" % ", ".join(missing))

    print("repeat=%d, tier=%s, median wall-clock seconds" % (args.repeat, args.tier))
    header = "%-10s %10s %10s %10s %10s" % ("kernel", "N", "native s", args.tier + " s", "ratio")
    print(header)
    print("-" * len(header))
    native_times, strata_times, ratios = [], [], []
    failed = False
    for k in kernels:
        n = str(n_for[k])
        native_s, native_sum = time_runs([os.path.join(kernel_dir, k + "-native"), n], args.repeat, args.timeout)
        cmd = [strata, "run", "--tier=" + args.tier, "--invoke", "run", os.path.join(kernel_dir, k + ".wasm"), n]
        strata_s, strata_sum = time_runs(cmd, args.repeat, args.timeout)
        if native_sum != strata_sum:
            print("%-10s checksum mismatch: native 0x%x, strata 0x%x" % (k, native_sum, strata_sum))
            failed = True
            continue
        ratio = native_s / strata_s
        native_times.append(native_s)
        strata_times.append(strata_s)
        ratios.append(ratio)
        print("%-10s %10s %10.3f %10.3f %9.3fx" % (k, n, native_s, strata_s, ratio), flush=True)
    if ratios:
        print("-" * len(header))
        print("%-10s %10s %10.3f %10.3f %9.3fx" % ("geomean", "", geomean(native_times), geomean(strata_times), geomean(ratios)))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
