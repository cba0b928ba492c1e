#!/usr/bin/env python3
"""Runs every script of one folder of the Wasm 3.0 core suite
(../shared/wasm-spec-3.0/core, binary-module S-expression scripts) with
`strata spectest` in one tier, prints each script's result and the folder's
totals, and fails when

  - a script not listed in known_gaps.txt has a failed command, or cannot
    be read, or crashes or times out;
  - a script listed there now gives 0 failed (the list must shrink as
    features land, so an entry that no longer applies is an error too).

Skipped commands (text-format modules; garbage-collection types, not
implemented yet) are counted and reported, never hidden.

usage: run_folder.py STRATA SUITE_DIR FOLDER KNOWN_GAPS -- SPECTEST_OPTIONS...
"""
import os
import re
import subprocess
import sys

SUMMARY = re.compile(r"^(\d+) passed, (\d+) failed, (\d+) skipped$")


def read_known_gaps(path):
    """folder/script.bin.wast -> why it cannot pass yet."""
    gaps = {}
    with open(path) as f:
        for line in f:
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            name, _, why = line.partition(" ")
            gaps[name] = why.strip() or "(no reason given)"
    return gaps


def main():
    if "--" not in sys.argv:
        sys.exit(__doc__)
    split = sys.argv.index("--")
    strata, suite, folder, gaps_path = sys.argv[1:split]
    options = sys.argv[split + 1:]
    gaps = read_known_gaps(gaps_path)
    directory = suite if folder == "." else os.path.join(suite, folder)
    scripts = sorted(f for f in os.listdir(directory) if f.endswith(".bin.wast"))
    if not scripts:
        sys.exit(f"no .bin.wast scripts in {directory}")

    totals = [0, 0, 0]
    problems = []
    for script in scripts:
        key = script if folder == "." else f"{folder}/{script}"
        try:
            run = subprocess.run([strata, "spectest", *options, os.path.join(directory, script)],
                                 stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=300)
            lines = run.stdout.strip().splitlines()
            match = SUMMARY.match(lines[-1]) if lines else None
        except subprocess.TimeoutExpired:
            lines, match, run = ["timed out after 300 s"], None, None
        if not match or (run.returncode not in (0, 1)):
            problems.append(f"{key}: no summary (exit {run.returncode if run else 'timeout'}): "
                            + " / ".join(lines[-3:]))
            continue
        passed, failed, skipped = (int(g) for g in match.groups())
        totals = [totals[0] + passed, totals[1] + failed, totals[2] + skipped]
        known = key in gaps
        note = f"  [known gap: {gaps[key]}]" if known else ""
        print(f"{key}: {passed} passed, {failed} failed, {skipped} skipped{note}")
        if failed and not known:
            problems.append(f"{key}: {failed} failed:\n    " + "\n    ".join(lines[:10]))
        if not failed and known:
            problems.append(f"{key}: passes now; remove it from known_gaps.txt")

    known_here = sum(1 for s in scripts if (s if folder == "." else f"{folder}/{s}") in gaps)
    print(f"TOTAL {'core' if folder == '.' else 'core/' + folder}: {len(scripts)} scripts, {totals[0]} passed, {totals[1]} failed, "
          f"{totals[2]} skipped; {known_here} scripts are known gaps")
    for p in problems:
        print("PROBLEM " + p)
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
