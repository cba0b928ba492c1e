#!/usr/bin/env python3
"""Compile speed of each JIT tier: every function of real programs and of
generated functions of 1k, 10k and 100k instructions (with 8 and with 500
locals) is compiled by the baseline and by the optimizing compiler
(strata-jit-difftest --compile-only --no-budget: the optimizing compiler's
size budget is lifted, to show what it would cost), one line per function
in a compile log. Reports MB/s of wasm per program and tier, MB/s per
function-size bucket, and writes an SVG plot of compile time against
function size (log-log).

    bench/compile_speed.py [--build DIR] [--svg FILE] [--markdown FILE]

The programs: Flite (npm, as bench/large.py installs it), bench/large's
cppbench, three of the workloads (lz, vm, strparse) and the generated
functions (wat2wasm).
"""
import argparse
import collections
import csv
import math
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import large  # noqa: E402  (ensure_flite)

BUCKETS = [256, 1024, 4096, 16384, 65536, 262144, None]  # upper bounds, bytes


def bucket_name(i):
    if BUCKETS[i] is None:
        return ">= %dK" % (BUCKETS[i - 1] // 1024)
    lo = 0 if i == 0 else BUCKETS[i - 1]
    fmt = lambda b: "%dK" % (b // 1024) if b >= 1024 else str(b)
    return "%s-%s" % (fmt(lo), fmt(BUCKETS[i]))


def bucket_of(size):
    for i, limit in enumerate(BUCKETS):
        if limit is None or size < limit:
            return i
    return len(BUCKETS) - 1


def generated_function(chunks, locals_count):
    """WAT of a module with one function of about 10 * chunks instructions:
    arithmetic on `locals_count` i32 locals, a branch per chunk."""
    lines = ["(module (memory 1) (func (export \"f\") (param i32) (result i32)"]
    lines.append("  " + " ".join("(local i32)" for _ in range(locals_count)))
    for i in range(chunks):
        a, b, c = 1 + i % locals_count, 1 + (i * 7 + 3) % locals_count, 1 + (i * 13 + 5) % locals_count
        lines.append("  (local.set %d (i32.add (local.get %d) (i32.mul (local.get 0) (i32.const %d))))" % (a, b, i))
        lines.append("  (if (i32.lt_u (local.get %d) (i32.const %d)) (then (local.set %d (i32.xor (local.get %d) (i32.load (i32.const %d))))))"
                     % (a, 1000 + i, c, a, (i * 4) % 60000))
    lines.append("  (local.get 1)))")
    return "\n".join(lines)


def generated_modules(work):
    found = []
    for instructions, locals_count in [(1000, 8), (10000, 8), (100000, 8), (10000, 500)]:
        name = "generated-%dk-%dlocals" % (instructions // 1000, locals_count)
        wat = os.path.join(work, name + ".wat")
        wasm = os.path.join(work, name + ".wasm")
        with open(wat, "w") as f:
            f.write(generated_function(instructions // 10, locals_count))
        if subprocess.run(["wat2wasm", wat, "-o", wasm], capture_output=True).returncode == 0:
            found.append((name, wasm))
        else:
            large.progress("%s: SKIPPED (wat2wasm failed)" % name)
    return found


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--build", default=os.path.join(large.ROOT, "build"))
    parser.add_argument("--svg", help="default: BUILD/bench/compile_speed.svg")
    parser.add_argument("--markdown", help="write the tables as Markdown here")
    args = parser.parse_args()
    difftest = os.path.join(args.build, "jit", "difftest", "strata-jit-difftest")
    programs = []
    flite = large.ensure_flite(args.build)
    if flite:
        programs.append(("flite", flite))
    cpp = os.path.join(args.build, "bench", "large", "cppbench.wasm")
    if os.path.exists(cpp):
        programs.append(("cppbench", cpp))
    for w in ["lz", "vm", "strparse"]:
        path = os.path.join(args.build, "bench", "workloads", w + ".wasm")
        if os.path.exists(path):
            programs.append((w, path))
    rows = []  # (program, tier, bytes, locals, us)
    with tempfile.TemporaryDirectory(prefix="strata-compile-speed-") as work:
        programs += generated_modules(work)
        for name, path in programs:
            log = os.path.join(work, name + ".csv")
            large.progress("compiling every function of %s" % name)
            proc = subprocess.run([difftest, "--compile-only", "--compile-log=" + log, "--no-budget", path],
                                  capture_output=True, text=True)
            if proc.returncode != 0 or not os.path.exists(log):
                large.progress("%s: FAILED %s" % (name, proc.stdout.strip()[-300:]))
                return 1
            with open(log) as f:
                for r in csv.DictReader(f):
                    rows.append((name, r["tier"], int(r["wasm_bytes"]), int(r["locals"]), float(r["us"])))

    out = []
    out.append("| program | functions | wasm KB | baseline MB/s | optimizing MB/s |")
    out.append("|---|---:|---:|---:|---:|")
    for name, _ in programs:
        per = collections.defaultdict(lambda: [0, 0, 0.0])
        for p, tier, size, _, us in rows:
            if p == name:
                per[tier][0] += 1
                per[tier][1] += size
                per[tier][2] += us
        b, o = per["baseline"], per["optimized"]
        out.append("| %s | %d | %.0f | %.1f | %.2f |" % (name, b[0], b[1] / 1024, b[1] / b[2] if b[2] else 0,
                                                       o[1] / o[2] if o[2] else 0))
    out.append("")
    out.append("| function size (bytes of wasm) | functions | baseline MB/s | optimizing MB/s |")
    out.append("|---|---:|---:|---:|")
    real = [r for r in rows if not r[0].startswith("generated")]
    for i in range(len(BUCKETS)):
        per = collections.defaultdict(lambda: [0, 0, 0.0])
        for _, tier, size, _, us in real:
            if bucket_of(size) == i:
                per[tier][0] += 1
                per[tier][1] += size
                per[tier][2] += us
        if not per["baseline"][0]:
            continue
        b, o = per["baseline"], per["optimized"]
        out.append("| %s | %d | %.1f | %.2f |" % (bucket_name(i), b[0], b[1] / b[2] if b[2] else 0,
                                                  o[1] / o[2] if o[2] else 0))
    out.append("")
    out.append("| generated function | wasm KB | baseline ms | optimizing ms |")
    out.append("|---|---:|---:|---:|")
    for name, _ in programs:
        if not name.startswith("generated"):
            continue
        sizes = {t: (s, us) for p, t, s, _, us in rows if p == name}
        out.append("| %s | %.0f | %.2f | %.1f |" % (name, sizes["baseline"][0] / 1024, sizes["baseline"][1] / 1000,
                                                   sizes["optimized"][1] / 1000))
    text = "\n".join(out)
    print(text)
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write(text + "\n")
    svg_path = args.svg or os.path.join(args.build, "bench", "compile_speed.svg")
    with open(svg_path, "w") as f:
        f.write(plot(rows))
    large.progress("wrote %s" % svg_path)
    return 0


def plot(rows):
    """Log-log scatter: compile microseconds against wasm bytes, per tier."""
    w, h, left, bottom, top, right = 760, 480, 70, 50, 30, 150
    xs = [r[2] for r in rows if r[2] > 0]
    ys = [r[4] for r in rows if r[4] > 0]
    x0, x1 = math.floor(math.log10(min(xs))), math.ceil(math.log10(max(xs)))
    y0, y1 = math.floor(math.log10(min(ys))), math.ceil(math.log10(max(ys)))
    px = lambda v: left + (math.log10(v) - x0) / (x1 - x0) * (w - left - right)
    py = lambda v: h - bottom - (math.log10(v) - y0) / (y1 - y0) * (h - bottom - top)
    colors = {"baseline": "#1f77b4", "optimized": "#ff7f0e", "optimized-osr": "#d62728"}
    s = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" font-family="sans-serif" font-size="12">' % (w, h),
         '<rect width="100%" height="100%" fill="white"/>',
         '<text x="%d" y="18" font-size="14">Compile time against function size (every function, log-log)</text>' % left]
    for e in range(x0, x1 + 1):
        x = px(10 ** e)
        s.append('<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#ddd"/>' % (x, top, x, h - bottom))
        s.append('<text x="%.1f" y="%d" text-anchor="middle">%s</text>' % (x, h - bottom + 16, fmt_power(e, "B")))
    for e in range(y0, y1 + 1):
        y = py(10 ** e)
        s.append('<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#ddd"/>' % (left, y, w - right, y))
        s.append('<text x="%d" y="%.1f" text-anchor="end">%s</text>' % (left - 6, y + 4, fmt_power(e - 6, "s")))
    s.append('<text x="%d" y="%d" text-anchor="middle">bytes of wasm code</text>' % ((left + w - right) // 2, h - 12))
    s.append('<text x="16" y="%d" transform="rotate(-90 16 %d)" text-anchor="middle">compile time</text>' % (h // 2, h // 2))
    for _, tier, size, _, us in rows:
        if size > 0 and us > 0:
            s.append('<circle cx="%.1f" cy="%.1f" r="2" fill="%s" fill-opacity="0.5"/>' % (px(size), py(us), colors.get(tier, "#888")))
    for i, (tier, label) in enumerate([("baseline", "baseline"), ("optimized", "optimizing")]):
        y = top + 20 + 20 * i
        s.append('<circle cx="%d" cy="%d" r="5" fill="%s"/>' % (w - right + 20, y, colors[tier]))
        s.append('<text x="%d" y="%d">%s</text>' % (w - right + 32, y + 4, label))
    s.append("</svg>\n")
    return "\n".join(s)


def fmt_power(e, unit):
    if unit == "B":
        return ["1 B", "10 B", "100 B", "1 KB", "10 KB", "100 KB", "1 MB", "10 MB"][e] if 0 <= e <= 7 else "1e%d" % e
    names = {-7: "100 ns", -6: "1 us", -5: "10 us", -4: "100 us", -3: "1 ms", -2: "10 ms", -1: "100 ms", 0: "1 s", 1: "10 s", 2: "100 s"}
    return names.get(e, "1e%d s" % e)


if __name__ == "__main__":
    sys.exit(main())
