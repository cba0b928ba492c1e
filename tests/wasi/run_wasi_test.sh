#!/bin/sh
# Runs one WASI test program on a fresh fixture and checks its stdout and
# exit status:
#   run_wasi_test.sh STRATA WASM EXPECTED_STDOUT EXIT WORKDIR MODE [ARGS...]
# MODE (auto, walk, openat2) becomes STRATA_WASI_RESOLVE. The fixture:
# WORKDIR/sandbox (the guest's "sandbox", with symlinks of every kind, some
# leading outside) and WORKDIR/outside, which must be unchanged afterwards.
# stdin is a file of two lines; the guest gets --env=WASI_TEST_A=1
# --env=WASI_TEST_B=x=y and ARGS.
set -u
strata=$1 wasm=$2 expected=$3 want_exit=$4 work=$5 mode=$6
shift 6

rm -rf "$work"
mkdir -p "$work/sandbox/sub/deeper" "$work/sandbox/nonempty" "$work/outside/dir"
cd "$work" || exit 99
printf 'hello\n' > sandbox/file.txt
printf 'inner\n' > sandbox/sub/inner.txt
printf 'x\n' > sandbox/nonempty/x
printf 'secret\n' > outside/secret.txt
ln -s file.txt sandbox/link_in
ln -s ../outside/secret.txt sandbox/link_out
ln -s ../outside sandbox/link_dir_out
ln -s ../outside/newfile sandbox/link_newfile_out
ln -s /etc/passwd sandbox/link_abs
ln -s chain2 sandbox/chain1
ln -s sub/chain3 sandbox/chain2
ln -s ../../outside sandbox/sub/chain3
ln -s loop2 sandbox/loop1
ln -s loop1 sandbox/loop2
ln -s .. sandbox/sub/up
ln -s ../.. sandbox/sub/upup
printf 'line one\nline two\n' > stdin.txt
: > stdout.txt
: > stderr.txt
snapshot() { (cd "$work" && ls -A && find outside -printf '%p %y %s %T@\n' | sort && cat outside/secret.txt); }
before=$(snapshot)

cd "$(dirname "$wasm")" || exit 99
STRATA_WASI_RESOLVE=$mode "$strata" run --map-dir=sandbox::"$work/sandbox" --env=WASI_TEST_A=1 \
  --env=WASI_TEST_B=x=y "$(basename "$wasm")" "$@" < "$work/stdin.txt" > "$work/stdout.txt" 2> "$work/stderr.txt"
status=$?

failed=0
if [ "$status" != "$want_exit" ]; then
  echo "exit status: expected $want_exit, got $status"
  failed=1
fi
if ! diff -u "$expected" "$work/stdout.txt"; then
  echo "stdout differs from $expected"
  failed=1
fi
if [ -f "${expected%.out}.err" ] && ! diff -u "${expected%.out}.err" "$work/stderr.txt"; then
  echo "stderr differs"
  failed=1
fi
after=$(snapshot)
if [ "$before" != "$after" ]; then
  echo "the outside of the sandbox changed:"
  echo "before: $before"
  echo "after: $after"
  failed=1
fi
if [ $failed != 0 ]; then
  echo "--- stderr ---"
  cat "$work/stderr.txt"
fi
exit $failed
