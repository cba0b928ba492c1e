;; The JIT gives the locals a loop uses their own registers inside the loop
;; in functions with more than 10 locals (jit/compiler.cpp, "loop
;; renames"): copied in at the loop's entry, back out on every way out.
;; These functions have 12 locals and leave their loops by every route: the
;; end, br/br_if/br_table to outer blocks and loops, return, and a trap.

(module
  (memory 1)

  ;; Nested loops; the inner one leaves to the outer loop's header, to a
  ;; block around both, and through its end. Every local is live after.
  (func (export "exits") (param $n i32) (result i64)
    (local $i i32) (local $j i32) (local $a i32) (local $b i32) (local $c i32)
    (local $d i64) (local $e i64) (local $f f64) (local $g f32) (local $h i32) (local $k i32)
    (block $out
      (loop $outer
        (local.set $j (i32.const 0))
        (loop $inner
          (local.set $j (i32.add (local.get $j) (i32.const 1)))
          (local.set $a (i32.add (local.get $a) (local.get $j)))
          (local.set $d (i64.add (local.get $d) (i64.extend_i32_u (local.get $a))))
          (local.set $f (f64.add (local.get $f) (f64.const 0.5)))
          ;; to the outer header when a is a multiple of 7
          (if (i32.eqz (i32.rem_u (local.get $a) (i32.const 7)))
            (then
              (local.set $i (i32.add (local.get $i) (i32.const 1)))
              (br $outer)))
          ;; out of both when the budget is spent
          (br_if $out (i32.ge_u (local.get $a) (local.get $n)))
          (br_if $inner (i32.lt_u (local.get $j) (i32.const 5))))
        (local.set $b (i32.add (local.get $b) (local.get $j)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $outer)))
    (i64.add
      (i64.add (local.get $d) (i64.extend_i32_u (i32.add (local.get $a) (local.get $b))))
      (i64.add (i64.extend_i32_u (local.get $i)) (i64.trunc_f64_u (local.get $f)))))

  ;; br_table out of a loop to two depths, with a value.
  (func (export "table") (param $n i32) (result i32)
    (local $i i32) (local $s i32) (local $t i32) (local $u i32) (local $v i32) (local $w i32)
    (local $x i32) (local $y i32) (local $z i32) (local $p i32) (local $q i32)
    (local.set $t (i32.const 1000))
    (i32.add
      (block $b2 (result i32)
        (i32.add
          (block $b1 (result i32)
            (loop $l
              (local.set $i (i32.add (local.get $i) (i32.const 1)))
              (local.set $s (i32.add (local.get $s) (local.get $i)))
              (local.set $t (i32.sub (local.get $t) (i32.const 1)))
              (br_if $l (i32.lt_u (local.get $i) (i32.const 10)))
              (br_table $b1 $b2 (local.get $s) (i32.rem_u (local.get $n) (i32.const 2))))
            (i32.const -1))
          (i32.const 100000)))
      (i32.mul (local.get $t) (i32.const 1000000))))

  ;; A loop with a result whose value comes from a renamed local, and a
  ;; return from inside a loop nest.
  (func (export "result_and_return") (param $n i32) (result i32)
    (local $i i32) (local $a i32) (local $b i32) (local $c i32) (local $d i32) (local $e i32)
    (local $f i32) (local $g i32) (local $h i32) (local $k i32) (local $m i32)
    (local.set $b
      (i32.add
        (loop $l (result i32)
          (local.set $a (i32.add (local.get $a) (i32.const 3)))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br_if $l (i32.lt_u (local.get $i) (i32.const 10)))
          (local.get $a))
        (i32.const 1)))
    (loop $o
      (loop $p
        (local.set $c (i32.add (local.get $c) (local.get $b)))
        (if (i32.gt_u (local.get $c) (local.get $n)) (then (return (i32.add (local.get $c) (local.get $i)))))
        (br_if $p (i32.and (local.get $c) (i32.const 1)))
        (br $o)))
    (i32.const -1))

  ;; A trap inside the loop after locals changed; memory written before.
  (func (export "trap_in_loop") (param $n i32) (result i32)
    (local $i i32) (local $a i32) (local $b i32) (local $c i32) (local $d i32) (local $e i32)
    (local $f i32) (local $g i32) (local $h i32) (local $k i32) (local $m i32)
    (loop $l
      (i32.store (i32.shl (local.get $i) (i32.const 2)) (local.get $i))
      (local.set $a (i32.div_u (i32.const 100) (i32.sub (local.get $n) (local.get $i))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $l))
    (unreachable))
  (func (export "load") (param i32) (result i32) (i32.load (i32.shl (local.get 0) (i32.const 2))))
)

(assert_return (invoke "exits" (i32.const 1000)) (i64.const 192329))
(assert_return (invoke "table" (i32.const 0)) (i32.const 990100055))
(assert_return (invoke "table" (i32.const 1)) (i32.const 990000055))
(assert_return (invoke "table" (i32.const 2)) (i32.const 990100055))
(assert_return (invoke "result_and_return" (i32.const 1000)) (i32.const 1033))
(assert_trap (invoke "trap_in_loop" (i32.const 5)) "integer divide by zero")
(assert_return (invoke "load" (i32.const 4)) (i32.const 4))
(assert_return (invoke "load" (i32.const 5)) (i32.const 5))
