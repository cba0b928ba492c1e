#!/usr/bin/env python3
"""The old benchmark runner's command line, kept for scripts that use it:

    bench/run_kernels.py BUILD_DIR [-r REPEAT] [--tier interp] [--n fib=30 ...]
                                   [--kernels fib,sieve]

The six kernels are now full WASI programs among the workloads in
bench/workloads/, and bench/run.py runs them (and the rest, on every tier).
This translates the arguments above into a run.py call on one tier, without
other runtimes, JSON or chart; see `bench/run.py --help`. Note that the
ratio column is now runner time / native time (times slower than native).
"""
import argparse
import os
import subprocess
import sys


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("build_dir")
    parser.add_argument("-r", "--repeat", type=int, default=3)
    parser.add_argument("--tier", default="interp")
    parser.add_argument("--kernels")
    parser.add_argument("--n", action="append", default=[], metavar="KERNEL=N")
    parser.add_argument("--timeout", type=float, default=600)
    args = parser.parse_args()
    cmd = [sys.executable, os.path.join(os.path.dirname(os.path.abspath(__file__)), "run.py"),
           "--build", args.build_dir, "-r", str(args.repeat), "--tiers", args.tier, "--timeout", str(args.timeout),
           "--no-other-runtimes", "--json", "-", "--svg", "-",
           "--only", args.kernels or "fib,sieve,matmul,sha256,nbody,quicksort"]
    for item in args.n:
        cmd += ["--arg", item]
    return subprocess.call(cmd)


if __name__ == "__main__":
    sys.exit(main())
