#!/usr/bin/env python3
"""Runs socket.wasm with a listening TCP socket as stdin, connects to it,
sends "ping", expects "pong!" and end of stream, and checks the guest's
stdout against the expected file.
  socket_test.py STRATA SOCKET_WASM EXPECTED_STDOUT"""
import os, socket, subprocess, sys

strata, wasm, expected = sys.argv[1:4]
listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
listener.bind(("127.0.0.1", 0))
listener.listen(1)
proc = subprocess.Popen([strata, "run", os.path.basename(wasm)], cwd=os.path.dirname(wasm),
                        stdin=listener.fileno(), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
conn = socket.create_connection(listener.getsockname(), timeout=20)
conn.sendall(b"ping")
data = b""
while True:
    chunk = conn.recv(64)
    if not chunk:
        break
    data += chunk
conn.close()
out, err = proc.communicate(timeout=30)
failed = False
if data != b"pong!":
    print(f"peer received {data!r}, expected b'pong!'")
    failed = True
want = open(expected, "rb").read()
if out != want:
    print("stdout differs:\n--- expected\n" + want.decode() + "--- got\n" + out.decode())
    failed = True
if proc.returncode != 0:
    print(f"exit status {proc.returncode}, expected 0; stderr:\n{err.decode()}")
    failed = True
sys.exit(1 if failed else 0)
