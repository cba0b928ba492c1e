#!/usr/bin/env python3
"""Helpers of make_corpus.sh (the seed corpora of the fuzz targets).

  corpus.py add DEST MAX_BYTES FILE...     copy each file of at most MAX_BYTES
                                           into DEST, named by its SHA-1 (as
                                           libFuzzer names corpus files), so
                                           duplicates collapse
  corpus.py modules DEST MAX_BYTES SCRIPT...
                                           the binary modules of S-expression
                                           spec scripts (`(module ... binary
                                           "..." ...)`, the form of
                                           ../shared/wasm-spec-3.0), into DEST
  corpus.py wasi DEST                      hostile paths for fuzz_wasi_path
  corpus.py sample DEST SRC COUNT MAX_BYTES
                                           COUNT files of SRC of at most
                                           MAX_BYTES, evenly spread over the
                                           SHA-1 names (a fixed pseudo-random
                                           choice): the smoke tests' seeds
"""
import hashlib
import os
import re
import sys


def put(dest, data):
    name = hashlib.sha1(data).hexdigest()
    path = os.path.join(dest, name)
    if not os.path.exists(path):
        with open(path, "wb") as f:
            f.write(data)
        return 1
    return 0


def add(dest, max_bytes, files):
    added = 0
    for path in files:
        if os.path.getsize(path) <= max_bytes:
            with open(path, "rb") as f:
                added += put(dest, f.read())
    return added


# A wast string literal's bytes: \hh, \t \n \r \" \' \\, \u{...}.
ESCAPE = re.compile(rb'\\([0-9a-fA-F]{2}|[tnr"\'\\]|u\{[0-9a-fA-F]+\})')
SIMPLE = {b"t": b"\t", b"n": b"\n", b"r": b"\r", b'"': b'"', b"'": b"'", b"\\": b"\\"}


def unescape(body):
    def one(m):
        e = m.group(1)
        if e in SIMPLE:
            return SIMPLE[e]
        if e.startswith(b"u{"):
            return chr(int(e[2:-1], 16)).encode("utf-8", "surrogatepass")
        return bytes([int(e, 16)])
    return ESCAPE.sub(one, body)


# `(module [definition] [$id] binary "..." "..." ...)`: the strings after
# `binary`, up to the closing parenthesis.
MODULE = re.compile(rb'\(module(?:\s+definition)?(?:\s+\$[^\s()]+)?\s+binary((?:\s+"(?:[^"\\]|\\.)*")+)\s*\)')
STRING = re.compile(rb'"((?:[^"\\]|\\.)*)"')


def modules(dest, max_bytes, scripts):
    added = 0
    for path in scripts:
        with open(path, "rb") as f:
            text = f.read()
        for m in MODULE.finditer(text):
            data = b"".join(unescape(s.group(1)) for s in STRING.finditer(m.group(1)))
            if len(data) <= max_bytes:
                added += put(dest, data)
    return added


# fuzz_wasi_path's input: a flags byte (bit 0 followFinal, bit 1 start at
# root/dir) and the path; the names are those of its sandbox tree.
WASI_PATHS = [
    "file", "dir", "dir/nested/deep", "dir/", "./file", "dir/../file", "dir/nested/../../file",
    "..", "../", "../root/file", "dir/../..", "dir/../../outside/secret", "a/../../b",
    "/", "/etc/passwd", "//file", "file\0../..", "\0", "",
    "link_out", "link_out/secret", "link_secret", "link_abs", "link_abs/x", "link_file", "link_file/",
    "link_dir", "link_dir/deep", "link_dir/../..", "link_slash", "link_slash/nested", "link_dot", "link_dot/file",
    "link_dot/..", "link_loop", "link_loop/x", "link_dangling", "dir/link_up", "dir/link_up/file",
    "dir/link_up/..", "dir/link_escape", "dir/link_escape/outside/secret", "nested/deep", "link_up", "link_escape/x",
    "dir/./nested/./deep", "dir//nested///deep", "missing/../file", "file/..", "new_file", "dir/new/",
    "link_dir/../../../outside", "link_slash/link_up/link_up", "x" * 300, "a/" * 200,
]


def wasi(dest):
    added = 0
    for path in WASI_PATHS:
        for flags in range(4):
            added += put(dest, bytes([flags]) + path.encode("utf-8", "surrogatepass"))
    return added


def sample(src, dest, count, max_bytes):
    names = sorted(n for n in os.listdir(src) if os.path.getsize(os.path.join(src, n)) <= max_bytes)
    step = max(1, len(names) // count) if names else 1
    added = 0
    for name in names[::step][:count]:
        with open(os.path.join(src, name), "rb") as f:
            added += put(dest, f.read())
    return added


def main(argv):
    cmd = argv[1]
    os.makedirs(argv[2], exist_ok=True)
    if cmd == "add":
        n = add(argv[2], int(argv[3]), argv[4:])
    elif cmd == "modules":
        n = modules(argv[2], int(argv[3]), argv[4:])
    elif cmd == "wasi":
        n = wasi(argv[2])
    elif cmd == "sample":
        n = sample(argv[3], argv[2], int(argv[4]), int(argv[5]))
    else:
        sys.exit("unknown command " + cmd)
    print(n)


if __name__ == "__main__":
    main(sys.argv)
