#!/usr/bin/env python3
"""Start-up cost: wall time (hyperfine) and peak RSS (/usr/bin/time -f %M) of
a WASI hello world, natively and on every Strata tier (and node, wasm3,
iwasm when on PATH).

    bench/startup.py [--build DIR] [--runs N] [--json FILE]

DIR is a built Strata tree (default: build/ at the repository root); the
program is DIR/bench/startup/hello.wasm (source: bench/startup/hello.c) and
its native twin hello-native. Wall time is hyperfine's mean and standard
deviation over --runs runs (default 50, after 5 warm-up runs), started
without a shell; peak RSS is the median of 5 runs of /usr/bin/time's %M
(maximum resident set size). A tier this build does not have is reported as
unavailable.
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--build", default=os.path.join(ROOT, "build"), help="built Strata tree (default: build/)")
    parser.add_argument("--runs", type=int, default=50, help="hyperfine runs per command (default 50)")
    parser.add_argument("--json", help="write the results here")
    args = parser.parse_args()

    hyperfine = shutil.which("hyperfine")
    if not hyperfine or not os.path.exists("/usr/bin/time"):
        sys.exit("startup.py needs hyperfine and /usr/bin/time (Debian: apt-get install hyperfine time)")
    hello_dir = os.path.join(args.build, "bench", "startup")
    wasm = os.path.join(hello_dir, "hello.wasm")
    native = os.path.join(hello_dir, "hello-native")
    strata = os.path.join(args.build, "strata")
    for p in (wasm, native, strata):
        if not os.path.exists(p):
            sys.exit("startup.py: missing %s (build the tree first; it needs clang, lld and wasi-libc)" % p)

    commands = [("native", [native])]
    notes = []
    for tier in ("interp", "baseline", "optimizing", "jit", "tiered"):
        cmd = [strata, "run", "--tier=" + tier, wasm]
        probe = subprocess.run(cmd, capture_output=True, text=True)
        if probe.returncode == 2 and "not available" in (probe.stdout + probe.stderr).lower():
            notes.append("strata %s: unavailable in this build" % tier)
        elif probe.returncode != 0 or "Hello, world!" not in probe.stdout:
            notes.append("strata %s: FAILED (exit %d) %s" % (tier, probe.returncode, probe.stderr.strip()[:200]))
        else:
            commands.append(("strata " + tier, cmd))
    for name in ("node", "wasm3", "iwasm"):
        path = shutil.which(name)
        if not path:
            notes.append("%s: skipped (not on PATH)" % name)
        elif name == "node":
            commands.append((name, [path, "--no-warnings", os.path.join(HERE, "node_wasi.mjs"), wasm]))
        else:
            commands.append((name, [path, wasm]))

    results = []
    with tempfile.TemporaryDirectory() as tmp:
        export = os.path.join(tmp, "hyperfine.json")
        hf = [hyperfine, "--shell=none", "--warmup", "5", "--runs", str(args.runs), "--style", "basic",
              "--export-json", export]
        for label, cmd in commands:
            hf += ["-n", label, " ".join(cmd)]
        sys.stderr.write("running hyperfine over %d commands...\n" % len(commands))
        subprocess.run(hf, check=True, stdout=sys.stderr)
        with open(export) as f:
            timings = json.load(f)["results"]
    for (label, cmd), t in zip(commands, timings):
        rss = []
        for _ in range(5):
            p = subprocess.run(["/usr/bin/time", "-f", "%M"] + cmd, capture_output=True, text=True)
            rss.append(int(p.stderr.strip().splitlines()[-1]))
        results.append({
            "name": label,
            "command": cmd,
            "mean_ms": t["mean"] * 1000,
            "stddev_ms": (t["stddev"] or 0) * 1000,
            "min_ms": t["min"] * 1000,
            "peak_rss_kib": statistics.median(rss),
        })

    print("WASI hello world: mean wall time of %d runs (hyperfine), median peak RSS of 5 runs" % args.runs)
    print("%-14s %10s %8s %8s %14s" % ("runner", "mean ms", "+/- ms", "min ms", "peak RSS MiB"))
    print("-" * 58)
    for r in results:
        print("%-14s %10.2f %8.2f %8.2f %14.1f"
              % (r["name"], r["mean_ms"], r["stddev_ms"], r["min_ms"], r["peak_rss_kib"] / 1024))
    for n in notes:
        print(n)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"runs": args.runs, "results": results, "notes": notes}, f, indent=1)
            f.write("\n")
    return 1 if any("FAILED" in n for n in notes) else 0


if __name__ == "__main__":
    sys.exit(main())
