#!/usr/bin/env python3
"""Runs the benchmark workloads natively and on every Strata tier (and on
node, wasm3 and iwasm when they are on PATH), checks every checksum against
the native one, and reports median wall-clock seconds and the ratio to
native as a table, JSON and an SVG bar chart.

    bench/run.py [--build DIR] [-r N] [--tiers interp,jit,tiered] [--only a,b]
                 [--arg NAME=N ...] [--json FILE] [--svg FILE] [--markdown FILE]

DIR is a built Strata tree (default: build/ at the repository root); it
needs DIR/strata and DIR/bench/workloads/{NAME.wasm,NAME-native}, which the
normal build makes when clang, lld and wasi-libc are installed.

Every workload runs under each runner -r times (default 3), the runners
taking turns within each repetition so that a change in machine load hits
all of them alike; the median is reported. "x native" is runner time /
native time: how many times slower than native code (lower is better). The
geomean row is the geometric mean over the workloads that every runner
finished (a runner that finished none, such as a tier that crashes on
everything, is left out of that rule).
A Strata tier that this build does not have (`strata run` exits 2 with "not
available") is reported as unavailable, not as a failure.

Exit status: 0 when every run finished with the native checksum; 1 when a
Strata tier failed or any runner gave a wrong checksum; 2 on usage errors.
Progress goes to stderr, the table to stdout.

--smoke runs each workload once with a tiny N, natively and on the Strata
tiers only: the correctness check ctest runs (no timing is judged).
"""
import argparse
import datetime
import json
import math
import os
import platform
import re
import resource
import shutil
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

# name: (what it measures, N for --smoke). The default N of each workload is
# compiled into it (BENCH_MAIN in workloads/NAME.c): about 0.5-1 s natively.
WORKLOADS = {
    "fib": ("recursive calls", 20),
    "sieve": ("byte stores, tight loops", 1),
    "matmul": ("f64 multiply-add, strided loads", 2),
    "sha256": ("32-bit integer and bit operations", 4),
    "nbody": ("f64 arithmetic, sqrt", 10000),
    "quicksort": ("branches, memory traffic, recursion", 1),
    "crc32": ("byte loads, table lookups", 2),
    "lz": ("LZ77 compress/decompress round trip", 1),
    "vm": ("a bytecode interpreter's switch dispatch", 1),
    "spectral": ("f64 division, nested loops", 60),
    "mandelbrot": ("dependent f64 chains, early exits", 100),
    "bintrees": ("malloc/free, pointer chasing", 10),
    "hashmap": ("hashing, random access, growth", 1),
    "strparse": ("text formatting and parsing", 1),
}

# --simd: the vectorisable workloads of bench/simd/, each built as
# NAME.wasm (scalar), NAME-simd.wasm (-msimd128) and NAME-native.
SIMD_WORKLOADS = {
    "blur": ("3x3 Gaussian blur of an 8-bit image (i16x8)", 20),
    "sgemm": ("f32 matrix product (f32x4)", 2),
    "fir": ("32-tap f32 FIR filter (f32x4)", 10),
    "search": ("counting lines with a word (i8x16 compares)", 1),
    "dot16": ("i16 dot products, written with wasm_simd128.h", 100),
}

TIERS = ["interp", "baseline", "optimizing", "jit", "tiered"]
DEFAULT_TIERS = ["interp", "baseline", "optimizing", "jit", "tiered"]
OTHER_RUNTIMES = ["node", "wasm3", "iwasm"]


def is_other_runtime(runner_name):
    """node, wasm3, iwasm (and node-simd): not Strata, their failures only noted."""
    return runner_name.split("-")[0] in OTHER_RUNTIMES
CHECKSUM_RE = re.compile(r"checksum: (0x[0-9a-fA-F]+)")
N_RE = re.compile(r" N=(\d+) ")

QUIET = False


def progress(message):
    if not QUIET:
        sys.stderr.write(message + "\n")
        sys.stderr.flush()


class Runner:
    """One column of the table: how to run a workload."""

    def __init__(self, name, label, command):
        self.name = name  # key in JSON
        self.label = label  # column heading
        self.command = command  # (workload dir, workload name, args) -> argv
        self.available = True
        self.note = ""  # why it is unavailable


def native_runner():
    return Runner("native", "native", lambda d, w, a: [os.path.join(d, w + "-native")] + a)


def strata_runner(strata, tier, suffix=""):
    """A Strata tier; "tiered@N" is the tiered mode with --jit-threshold=N;
    "LABEL=BINARY:TIER" runs TIER of another strata binary (e.g. a build of
    an earlier commit, for before/after figures from one run). `suffix`
    picks NAME<suffix>.wasm (the SIMD builds: "-simd")."""
    label = tier
    if "=" in tier:
        label, _, rest = tier.partition("=")
        strata, _, tier = rest.rpartition(":")
    mode, _, threshold = tier.partition("@")
    flags = ["--tier=" + mode] + (["--jit-threshold=" + threshold] if threshold else [])
    return Runner(
        "strata-" + label + suffix,
        label + suffix,
        lambda d, w, a: [strata, "run"] + flags + [os.path.join(d, w + suffix + ".wasm")] + a,
    )


def other_runner(name, path, suffix=""):
    if name == "node":
        script = os.path.join(HERE, "node_wasi.mjs")
        return Runner("node" + suffix, "node" + suffix,
                      lambda d, w, a: [path, "--no-warnings", script, os.path.join(d, w + suffix + ".wasm")] + a)
    # wasm3 and iwasm both take FILE.wasm followed by the program's arguments.
    return Runner(name, name, lambda d, w, a: [path, os.path.join(d, w + ".wasm")] + a)


def run_once(cmd, timeout):
    """Runs cmd; returns (wall seconds, cpu seconds, returncode, stdout, stderr)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return timeout, None, None, "", "timed out after %g s" % timeout
    except OSError as e:
        return 0.0, None, None, "", str(e)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, proc.returncode, proc.stdout, proc.stderr


def is_unavailable(returncode, stdout, stderr):
    """True when `strata run --tier=...` says this build lacks the tier."""
    return returncode == 2 and "not available" in (stdout + stderr).lower()


def probe_tier(runner, probe_dir, probe_name, timeout):
    """Marks a Strata tier unavailable if it refuses to run a hello world."""
    if not probe_dir:
        return
    _, _, rc, out, err = run_once(runner.command(probe_dir, probe_name, []), timeout)
    if is_unavailable(rc, out, err):
        runner.available = False
        runner.note = "not available in this build: " + (err or out).strip().splitlines()[0]


def geomean(values):
    return math.exp(sum(math.log(v) for v in values) / len(values)) if values else None


def fmt_s(v):
    if v is None:
        return "-"
    return "%.3f" % v if v < 10 else "%.2f" % v if v < 100 else "%.1f" % v


def fmt_x(v):
    if v is None:
        return "-"
    return "%.2fx" % v if v < 10 else "%.1fx" % v


def machine_info():
    info = {
        "system": platform.system(),
        "release": platform.release(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
    }
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    info["cpu"] = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemTotal:"):
                    info["memory_gib"] = round(int(line.split()[1]) / 2**20, 1)
                    break
    except OSError:
        pass
    return info


def tool_version(cmd):
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=30)
        text = (out.stdout or out.stderr).strip()
        return text.splitlines()[0] if text else ""
    except (OSError, subprocess.TimeoutExpired):
        return ""


def git_revision():
    try:
        out = subprocess.run(["git", "-C", ROOT, "describe", "--always", "--dirty"], capture_output=True, text=True, timeout=30)
        return out.stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        return ""


# --- output ---------------------------------------------------------------


def table_rows(results, runners):
    """Header and rows (lists of cells) of the result table."""
    header = ["workload", "N", "native s"]
    for r in runners[1:]:
        header += [r.label + " s", r.label + " x"]
    rows = []
    for w in results["workloads"]:
        row = [w["name"], w.get("n") or w["arg"] or "?", fmt_s(w["results"]["native"].get("median"))]
        for r in runners[1:]:
            res = w["results"].get(r.name, {})
            status = res.get("status")
            if status == "ok":
                row += [fmt_s(res["median"]), fmt_x(res["ratio"])]
            else:
                row += [status or "-", ""]
        rows.append(row)
    g = results["geomean"]
    row = ["geomean", "", fmt_s(g.get("native", {}).get("seconds"))]
    for r in runners[1:]:
        gm = g.get(r.name)
        row += [fmt_s(gm["seconds"]), fmt_x(gm["ratio"])] if gm else ["-", ""]
    return header, rows, row


def print_table(results, runners, out):
    header, rows, geo = table_rows(results, runners)
    widths = [max(len(str(c)) for c in col) for col in zip(header, *rows, geo)]
    line = lambda cells: "  ".join(
        (str(c).ljust(w) if i == 0 else str(c).rjust(w)) for i, (c, w) in enumerate(zip(cells, widths))
    )
    out.write(line(header) + "\n")
    out.write("-" * len(line(header)) + "\n")
    for row in rows:
        out.write(line(row) + "\n")
    out.write("-" * len(line(header)) + "\n")
    out.write(line(geo) + "\n")


def markdown_table(results, runners):
    header, rows, geo = table_rows(results, runners)
    out = ["| " + " | ".join(header) + " |", "|" + "|".join([" --- "] + [" ---: "] * (len(header) - 1)) + "|"]
    for row in rows:
        out.append("| " + " | ".join(str(c) for c in row) + " |")
    out.append("| " + " | ".join("**%s**" % c if c else "" for c in geo) + " |")
    return "\n".join(out) + "\n"


COLORS = ["#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1"]


def svg_chart(results, runners, title):
    """A grouped bar chart of the ratios to native, log scale."""
    series = [r for r in runners[1:] if r.available]
    groups = [(w["name"], w["results"]) for w in results["workloads"]]
    geo = {name: {"status": "ok", "ratio": g["ratio"]} for name, g in results["geomean"].items() if name != "native"}
    groups.append(("geomean", geo))
    ratios = [res[s.name]["ratio"] for _, res in groups for s in series if res.get(s.name, {}).get("status") == "ok"]
    if not series or not ratios:
        return None
    # Axis from the 1-2-5 step at or below the smallest ratio (0.5 at most)
    # to the one at or above the largest (2 at least).
    steps = [m * 10.0**e for e in range(-3, 5) for m in (1, 2, 5)]
    lo_v = max(v for v in steps if v <= min(0.5, min(ratios)))
    hi_v = min(v for v in steps if v >= max(2.0, max(ratios)))
    left, right, top, bottom = 70, 20, 60, 90
    bar_w = 10 if len(series) > 2 else 14
    group_w = bar_w * len(series) + 14
    geo_w = 2 * bar_w * len(series) + 14  # wider, to fit the value labels
    plot_w = group_w * (len(groups) - 1) + geo_w
    plot_h = 320
    width = left + plot_w + right
    height = top + plot_h + bottom

    def y(v):
        return top + plot_h * (1 - (math.log10(v) - math.log10(lo_v)) / (math.log10(hi_v) - math.log10(lo_v)))

    esc = lambda s: s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    out = [
        '<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" '
        'font-family="sans-serif" font-size="11">' % (width, height, width, height),
        '<rect width="100%" height="100%" fill="white"/>',
        '<text x="%d" y="22" font-size="14" font-weight="bold">%s</text>' % (left, esc(title)),
        '<text x="%d" y="40" fill="#555">Time relative to native code (log scale, lower is better); '
        "median of %d runs</text>" % (left, results["repeat"]),
    ]
    # Grid lines at 1, 2, 5 x 10^k.
    for v in steps:
        if v < lo_v or v > hi_v:
            continue
        yy = y(v)
        strong = v == 1
        out.append(
            '<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" stroke="%s" stroke-width="%s"/>'
            % (left, left + plot_w, yy, yy, "#333" if strong else "#ddd", "1.5" if strong else "1")
        )
        out.append('<text x="%d" y="%.1f" text-anchor="end" fill="#333">%sx</text>' % (left - 6, yy + 4, "%g" % v))
    any_failed = False
    for gi, (name, res) in enumerate(groups):
        gx = left + gi * group_w + 7
        bw = bar_w
        if name == "geomean":
            bw = 2 * bar_w
            out.append('<rect x="%d" y="%d" width="%d" height="%d" fill="#f3f3f3"/>' % (gx - 5, top, geo_w - 4, plot_h))
        for si, s in enumerate(series):
            r = res.get(s.name, {})
            x = gx + si * bw
            if r.get("status") != "ok":
                any_failed = True
                out.append('<text x="%.1f" y="%.1f" font-size="9" fill="#999">\u00d7</text>' % (x + 1, y(1) - 3))
                continue
            v = r["ratio"]
            # Bars grow from 1x: up when slower than native, down when faster.
            y1, y0 = y(max(v, lo_v)), y(1)
            out.append(
                '<rect x="%d" y="%.1f" width="%d" height="%.1f" fill="%s"><title>%s %s: %.2fx native</title></rect>'
                % (x, min(y0, y1), bw - 1, max(abs(y0 - y1), 0.5), COLORS[si % len(COLORS)], esc(name), esc(s.label), v)
            )
            if name == "geomean":
                out.append(
                    '<text x="%.1f" y="%.1f" font-size="9" text-anchor="middle">%s</text>'
                    % (x + bw / 2, min(y0, y1) - 3, ("%.1f" % v) if v >= 10 else ("%.2f" % v))
                )
        tx = gx + bw * len(series) / 2
        ty = top + plot_h + 12
        weight = ' font-weight="bold"' if name == "geomean" else ""
        out.append(
            '<text x="%.1f" y="%d" text-anchor="end" transform="rotate(-40 %.1f %d)"%s>%s</text>'
            % (tx, ty, tx, ty, weight, esc(name))
        )
    out.append('<rect x="%d" y="%d" width="%d" height="%d" fill="none" stroke="#999"/>' % (left, top, plot_w, plot_h))
    lx = left
    for si, s in enumerate(series):
        ly = height - 16
        out.append('<rect x="%d" y="%d" width="12" height="12" fill="%s"/>' % (lx, ly - 10, COLORS[si % len(COLORS)]))
        label = s.label if is_other_runtime(s.name) else "strata " + s.label
        if not any(res.get(s.name, {}).get("status") == "ok" for _, res in groups):
            label += " (failed: \u00d7)"
        out.append('<text x="%d" y="%d">%s</text>' % (lx + 16, ly, esc(label)))
        lx += 30 + 7 * len(label)
    if any_failed:
        out.append('<text x="%d" y="%d" fill="#555">\u00d7 failed or wrong checksum</text>' % (lx, height - 16))
    out.append("</svg>")
    return "\n".join(out) + "\n"


# --- main -----------------------------------------------------------------


def main():
    global QUIET
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__.split("\n\n", 2)[2]
    )
    parser.add_argument("--build", default=os.path.join(ROOT, "build"), help="built Strata tree (default: build/)")
    parser.add_argument("--strata", help="the strata binary (default: BUILD/strata)")
    parser.add_argument("--workloads", help="folder of NAME.wasm and NAME-native (default: BUILD/bench/workloads)")
    parser.add_argument("-r", "--repeat", type=int, default=3, help="runs per measurement; the median is reported (default 3)")
    parser.add_argument("--tiers", default=",".join(DEFAULT_TIERS), help="Strata tiers to run (default: %s); tiered@N: tiered with --jit-threshold=N" % ",".join(DEFAULT_TIERS))
    parser.add_argument("--only", help="comma-separated subset of the workloads")
    parser.add_argument("--arg", action="append", default=[], metavar="NAME=N", help="run workload NAME with N (repeatable)")
    parser.add_argument("--no-other-runtimes", action="store_true", help="skip node, wasm3 and iwasm even if on PATH")
    parser.add_argument("--json", help="write the results here (default: BUILD/bench/results.json; '-' for none)")
    parser.add_argument("--svg", help="write the chart here (default: BUILD/bench/results.svg; '-' for none)")
    parser.add_argument("--markdown", help="also write the table as Markdown to this file")
    parser.add_argument("--timeout", type=float, default=600, help="seconds allowed per run (default 600)")
    parser.add_argument("--smoke", action="store_true", help="tiny N, one run each, Strata tiers only: a correctness check")
    parser.add_argument("--simd", action="store_true",
                        help="the SIMD workloads (default folder BUILD/bench/simd): every tier on the scalar build "
                             "and on the -msimd128 build (columns TIER-simd)")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress on stderr")
    args = parser.parse_args()
    QUIET = args.quiet

    strata = args.strata or os.path.join(args.build, "strata")
    wdir = args.workloads or os.path.join(args.build, "bench", "simd" if args.simd else "workloads")
    known = SIMD_WORKLOADS if args.simd else WORKLOADS
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    tiers = [t for t in args.tiers.split(",") if t]
    for t in tiers:
        if "=" in t:
            t = t.partition("=")[2].rpartition(":")[2]
        mode, at, threshold = t.partition("@")
        if mode not in TIERS or (at and (mode != "tiered" or not threshold.isdigit())):
            parser.error("unknown tier %r (expected %s, or tiered@N)" % (t, ",".join(TIERS)))

    available = sorted(f[:-5] for f in os.listdir(wdir) if f.endswith(".wasm") and not f.endswith("-simd.wasm")) \
        if os.path.isdir(wdir) else []
    order = [w for w in known if w in available] + [w for w in available if w not in known]
    if args.only:
        chosen = args.only.split(",")
        for w in chosen:
            if w not in order:
                parser.error("unknown workload %r (have: %s)" % (w, ",".join(order) or "none, build first"))
        order = [w for w in order if w in chosen]
    work_args = {}
    for item in args.arg:
        name, _, value = item.partition("=")
        if name not in order or not value:
            parser.error("--arg expects NAME=N with NAME one of " + ",".join(order))
        work_args[name] = value
    if args.smoke:
        args.repeat = 1
        args.no_other_runtimes = True
        for w in order:
            if w in known:
                work_args.setdefault(w, str(known[w][1]))
    missing = [p for p in [strata] if not os.path.exists(p)]
    missing += [os.path.join(wdir, w + "-native") for w in order if not os.path.exists(os.path.join(wdir, w + "-native"))]
    if missing or not order:
        sys.stderr.write(
            "run.py: missing: %s\n(build the tree first: scripts/build.sh; the workloads need clang, lld and wasi-libc)\n"
            % (", ".join(missing) or "workloads in " + wdir)
        )
        return 2

    runners = [native_runner()]
    for t in tiers:
        runners.append(strata_runner(strata, t))
        if args.simd:
            runners.append(strata_runner(strata, t, "-simd"))
    probe_dir = os.path.join(os.path.dirname(os.path.normpath(wdir)), "startup")
    probe_dir = probe_dir if os.path.exists(os.path.join(probe_dir, "hello.wasm")) else None
    for r in runners[1:]:
        probe_tier(r, probe_dir, "hello", args.timeout)
    skipped = {}
    versions = {"strata": tool_version([strata, "--version"])}
    for name in OTHER_RUNTIMES:
        path = shutil.which(name)
        if args.no_other_runtimes:
            skipped[name] = "--smoke" if args.smoke else "--no-other-runtimes"
        elif not path:
            skipped[name] = "not on PATH"
        else:
            runners.append(other_runner(name, path))
            if args.simd and name == "node":
                runners.append(other_runner(name, path, "-simd"))
            versions[name] = tool_version([path, "--version"])
    for r in runners:
        if not r.available:
            progress("%s: %s" % (r.label, r.note))
    for name, why in skipped.items():
        if not args.smoke:
            progress("%s: skipped (%s)" % (name, why))

    results = {
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "revision": git_revision(),
        "machine": machine_info(),
        "loadavg_start": list(os.getloadavg()),
        "repeat": args.repeat,
        "smoke": args.smoke,
        "versions": versions,
        "runners": [{"name": r.name, "label": r.label, "available": r.available, "note": r.note} for r in runners],
        "skipped": skipped,
        "workloads": [],
    }
    failed = False
    active = [r for r in runners if r.available]
    for wi, w in enumerate(order):
        wargs = [work_args[w]] if w in work_args else []
        entry = {
            "name": w,
            "measures": known.get(w, ("", 0))[0],
            "arg": work_args.get(w),
            "checksum": None,
            "results": {r.name: {"times": [], "cpu": [], "status": "ok"} for r in active},
        }
        for rep in range(args.repeat):
            for r in active:
                res = entry["results"][r.name]
                if res["status"] != "ok":
                    continue
                cmd = r.command(wdir, w, wargs)
                wall, cpu, rc, out, err = run_once(cmd, args.timeout)
                m = CHECKSUM_RE.search(out)
                if r.name.startswith("strata-") and is_unavailable(rc, out, err):
                    r.available = False
                    r.note = "not available in this build"
                    res["status"] = "n/a"
                elif rc != 0 or not m:
                    res["status"] = "FAIL"
                    res["error"] = "exit %s: %s" % (rc, (err or out).strip()[-500:])
                    progress("[%2d/%d] %s: %s FAILED (%s)" % (wi + 1, len(order), w, r.label, res["error"]))
                    if not is_other_runtime(r.name):
                        failed = True
                elif r.name == "native" and entry["checksum"] is None:
                    entry["checksum"] = m.group(1).lower()
                    n_match = N_RE.search(out)
                    entry["n"] = int(n_match.group(1)) if n_match else None
                elif m.group(1).lower() != entry["checksum"]:
                    res["status"] = "WRONG"
                    res["error"] = "checksum %s, native %s" % (m.group(1).lower(), entry["checksum"])
                    progress("[%2d/%d] %s: %s WRONG CHECKSUM (%s)" % (wi + 1, len(order), w, r.label, res["error"]))
                    failed = True
                if res["status"] == "ok":
                    res["times"].append(round(wall, 4))
                    res["cpu"].append(round(cpu, 4))
                    progress(
                        "[%2d/%d] %-10s %-7s run %d/%d  %8.3f s" % (wi + 1, len(order), w, r.label, rep + 1, args.repeat, wall)
                    )
            if entry["results"]["native"]["status"] != "ok":
                break  # nothing to compare with
        native = entry["results"]["native"]
        for r in active:
            res = entry["results"][r.name]
            if res["status"] == "ok" and res["times"]:
                res["median"] = statistics.median(res["times"])
                res["cpu_median"] = statistics.median(res["cpu"])
                if native["status"] == "ok" and native["times"]:
                    res["ratio"] = res["median"] / statistics.median(native["times"])
        results["workloads"].append(entry)

    # Geomeans over the workloads that every runner finished, leaving out
    # runners that finished none (a tier that crashes everywhere), so the
    # columns compare.
    def finished(w, r):
        return w["results"].get(r.name, {}).get("status") == "ok"

    counted = [r for r in runners if r.available and any(finished(w, r) for w in results["workloads"])]
    complete = [w for w in results["workloads"] if all(finished(w, r) for r in counted)]
    results["geomean"] = {}
    results["geomean_over"] = [w["name"] for w in complete]
    for r in counted:
        if not complete:
            break
        g = {"seconds": geomean([w["results"][r.name]["median"] for w in complete])}
        if r.name != "native":
            g["ratio"] = geomean([w["results"][r.name]["ratio"] for w in complete])
        results["geomean"][r.name] = g
    results["failures"] = {}
    for r in runners:
        errors = [(w["name"], w["results"][r.name]["error"]) for w in results["workloads"]
                  if w["results"].get(r.name, {}).get("status") in ("FAIL", "WRONG")]
        if errors:
            results["failures"][r.name] = errors
    results["loadavg_end"] = list(os.getloadavg())
    for r, j in zip(runners, results["runners"]):
        j["available"], j["note"] = r.available, r.note

    shown = [r for r in runners if r.available]
    print("median of %d run%s, wall-clock seconds; x = times slower than native (lower is better)"
          % (args.repeat, "" if args.repeat == 1 else "s"))
    print_table(results, shown, sys.stdout)
    for r in runners:
        if not r.available:
            print("%s: unavailable (%s)" % (r.label, r.note))
    for name, why in skipped.items():
        if not args.smoke:
            print("%s: skipped (%s)" % (name, why))
    for name, errors in results["failures"].items():
        first = errors[0][1].replace("\n", " ")
        print("%s: failed on %d of %d workloads; first: %s: %s"
              % (name, len(errors), len(results["workloads"]), errors[0][0], first[:300]))
    if len(complete) < len(results["workloads"]):
        print("geomean over %d of %d workloads (those every runner that finished any finished)"
              % (len(complete), len(results["workloads"])))

    out_dir = os.path.join(args.build, "bench")
    stem = "simd_results" if args.simd else "results"
    json_path = args.json or (None if args.smoke else os.path.join(out_dir, stem + ".json"))
    svg_path = args.svg or (None if args.smoke else os.path.join(out_dir, stem + ".svg"))
    if json_path and json_path != "-":
        with open(json_path, "w") as f:
            json.dump(results, f, indent=1)
            f.write("\n")
        progress("wrote %s" % json_path)
    if svg_path and svg_path != "-":
        title = "Strata vs native code: %d WASI workloads%s" % (
            len(results["workloads"]), ", scalar and SIMD (-simd) builds" if args.simd else "")
        svg = svg_chart(results, shown, title)
        if svg:
            with open(svg_path, "w") as f:
                f.write(svg)
            progress("wrote %s" % svg_path)
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write(markdown_table(results, shown))
        progress("wrote %s" % args.markdown)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
