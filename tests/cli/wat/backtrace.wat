;; A trap three calls deep (inner is small enough to be inlined by the
;; optimizing compiler), after a hot loop (OSR), and a runaway recursion:
;; the CLI prints the same backtrace in every tier (tests/cli/CMakeLists.txt).
(module
  (func $inner (param i32) (result i32) (i32.div_s (i32.const 1) (local.get 0)))
  (func $middle (param i32) (result i32) (i32.add (call $inner (local.get 0)) (i32.const 1)))
  (func $outer (export "outer") (param i32) (result i32) (i32.add (call $middle (local.get 0)) (i32.const 2)))
  (func $loop (export "loop") (param i32) (result i32) (local i32)
    (loop $l (local.set 1 (i32.add (local.get 1) (call $outer (i32.const 1))))
      (br_if $l (i32.lt_u (local.get 1) (i32.const 20000))))
    (call $outer (local.get 0)))
  (func $recurse (export "recurse") (param i32) (result i32)
    (i32.add (call $recurse (i32.add (local.get 0) (i32.const 1))) (i32.const 1))))
