;; On-stack replacement: loops that the tiered mode leaves for compiled code
;; at their header while the interpreter frame is running. ctest runs every
;; script in every tier; with --tier=tiered --jit-threshold=2
;; --jit-threads=0 a function's first call counts 1 and its first loop
;; header the second, where the OSR entry is compiled and entered at once,
;; so the first loop below of each function is entered by OSR with the
;; state the interpreter built before it.

(module
  (memory 1)
  (global $g (mut i32) (i32.const 0))

  ;; Locals of every type, set before the loop, carried through it.
  (func (export "all_types") (param $n i32) (result f64)
    (local $i i32) (local $a i64) (local $f f32) (local $d f64)
    (local.set $a (i64.const 0x100000000))
    (local.set $f (f32.const 0.5))
    (local.set $d (f64.const 1.25))
    (loop $top
      (local.set $a (i64.add (local.get $a) (i64.extend_i32_u (local.get $i))))
      (local.set $f (f32.add (local.get $f) (f32.const 1)))
      (local.set $d (f64.mul (local.get $d) (f64.const 1.0001)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $top (i32.lt_u (local.get $i) (local.get $n))))
    (f64.add
      (f64.add (f64.convert_i64_u (local.get $a)) (f64.promote_f32 (local.get $f)))
      (local.get $d)))

  ;; A loop inside blocks and an if, with a result; the blocks' ends are
  ;; reached from inside the compiled loop.
  (func (export "nested_blocks") (param $n i32) (result i32)
    (local $i i32) (local $s i32)
    (block $out (result i32)
      (if (i32.gt_s (local.get $n) (i32.const 0))
        (then
          (block $inner
            (loop $top
              (local.set $s (i32.add (local.get $s) (local.get $i)))
              (local.set $i (i32.add (local.get $i) (i32.const 1)))
              (br_if $inner (i32.eq (local.get $i) (local.get $n)))
              (br $top)))))
      (i32.add (local.get $s) (i32.const 1000))))

  ;; Inner loop entered by OSR; its outer loop's back edge leads to code
  ;; before the OSR entry point.
  (func (export "outer_inner") (param $n i32) (result i32)
    (local $i i32) (local $j i32) (local $s i32)
    (loop $outer
      (local.set $j (i32.const 0))
      (loop $inner
        (local.set $s (i32.add (local.get $s) (i32.mul (local.get $i) (local.get $j))))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br_if $inner (i32.lt_u (local.get $j) (local.get $n))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $outer (i32.lt_u (local.get $i) (local.get $n))))
    (local.get $s))

  ;; A loop left by a br_table, then a loop with a result.
  (func (export "loop_result") (param $n i32) (result i32)
    (local $i i32) (local $c i32)
    (block $done
      (loop $top
        (local.set $i (i32.add (local.get $i) (i32.const 3)))
        (br_table $top $done
          (select (i32.const 1) (i32.const 0) (i32.ge_u (local.get $i) (local.get $n))))))
    (i32.add
      (loop $down (result i32)
        (local.set $c (i32.add (local.get $c) (i32.const 1)))
        (local.set $i (i32.sub (local.get $i) (i32.const 1)))
        (br_if $down (i32.gt_u (local.get $i) (i32.const 50)))
        (local.get $i))
      (i32.mul (local.get $c) (i32.const 1000))))

  ;; A loop with a parameter is not an OSR point (a value is on the
  ;; operand stack), nor is the loop inside it (the parameter still is).
  (func (export "loop_param") (param $n i32) (result i32)
    (local $i i32)
    (i32.const 5)
    (loop $p (param i32) (result i32)
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (loop $q
        (br_if $q (i32.lt_u (local.get $i) (i32.const 0))))
      (i32.add (i32.const 1))
      (br_if $p (i32.lt_u (local.get $i) (local.get $n)))))

  ;; A value below the loop on the operand stack: no OSR point there.
  (func (export "value_below") (param $n i32) (result i32)
    (local $i i32)
    (i32.add
      (i32.const 100)
      (block (result i32)
        (loop $top
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br_if $top (i32.lt_u (local.get $i) (local.get $n))))
        (local.get $i))))

  ;; Self-recursion from inside a loop: the compiled OSR entry must call the
  ;; function's own entry, not itself.
  (func $rec (export "recursive") (param $n i32) (result i32)
    (local $i i32) (local $s i32)
    (if (i32.eqz (local.get $n)) (then (return (i32.const 1))))
    (loop $top
      (local.set $s (i32.add (local.get $s) (call $rec (i32.sub (local.get $n) (i32.const 1)))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $top (i32.lt_u (local.get $i) (i32.const 3))))
    (local.get $s))

  ;; Memory and globals written before and after the OSR entry.
  (func (export "memory_sum") (param $n i32) (result i32)
    (local $i i32) (local $s i32)
    (i32.store (i32.const 8) (i32.const 7))
    (global.set $g (i32.const 0))
    (loop $fill
      (i32.store (i32.shl (local.get $i) (i32.const 2)) (i32.add (local.get $i) (i32.load (i32.const 8))))
      (global.set $g (i32.add (global.get $g) (i32.const 1)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $fill (i32.lt_u (local.get $i) (local.get $n))))
    (local.set $i (i32.const 0))
    (loop $sum
      (local.set $s (i32.add (local.get $s) (i32.load (i32.shl (local.get $i) (i32.const 2)))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $sum (i32.lt_u (local.get $i) (local.get $n))))
    (i32.add (local.get $s) (global.get $g)))

  ;; Traps raised in the compiled part of a call that started interpreted.
  (func (export "trap_after") (param $n i32) (result i32)
    (local $i i32)
    (loop $top
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $top (i32.lt_u (local.get $i) (local.get $n))))
    (i32.div_u (i32.const 1) (i32.sub (local.get $i) (local.get $n))))
  (func (export "oob_after") (param $n i32) (result i32)
    (local $i i32)
    (loop $top
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $top (i32.lt_u (local.get $i) (local.get $n))))
    (i32.load (i32.mul (local.get $i) (i32.const 65536))))

  ;; Multiple results written back to the interpreter frame.
  (func (export "two_results") (param $n i32) (result i32 i64)
    (local $i i32) (local $s i64)
    (loop $top
      (local.set $s (i64.add (local.get $s) (i64.const 2)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $top (i32.lt_u (local.get $i) (local.get $n))))
    (local.get $i) (local.get $s))
)

(assert_return (invoke "all_types" (i32.const 1000))
  (f64.const 0x1.0007a315e1a72p+32))
(assert_return (invoke "nested_blocks" (i32.const 100)) (i32.const 5950))
(assert_return (invoke "nested_blocks" (i32.const 0)) (i32.const 1000))
(assert_return (invoke "outer_inner" (i32.const 30)) (i32.const 189225))
(assert_return (invoke "loop_result" (i32.const 100)) (i32.const 52050))
(assert_return (invoke "loop_param" (i32.const 10)) (i32.const 15))
(assert_return (invoke "value_below" (i32.const 10)) (i32.const 110))
(assert_return (invoke "recursive" (i32.const 5)) (i32.const 243))
(assert_return (invoke "memory_sum" (i32.const 100)) (i32.const 5944))
(assert_return (invoke "memory_sum" (i32.const 10)) (i32.const 139))
(assert_trap (invoke "trap_after" (i32.const 50)) "integer divide by zero")
(assert_trap (invoke "oob_after" (i32.const 50)) "out of bounds memory access")
(assert_return (invoke "two_results" (i32.const 40)) (i32.const 40) (i64.const 80))
