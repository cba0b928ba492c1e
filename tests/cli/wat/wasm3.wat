;; Wasm 3.0 features in one module, for the decoder mutation test (and run
;; on every mutant that stays valid): tail calls, two memories (a memory64
;; beside a memory32), extended constant expressions, relaxed SIMD.
(module
  (memory $m0 1)
  (memory $m1 i64 1)
  (global $base i32 (i32.const 16))
  (global $end i32 (i32.add (i32.const 16) (i32.mul (i32.const 4) (i32.const 8))))
  (data (memory $m1) (i64.const 8) "\01\02\03\04")
  (table 2 funcref)
  (elem (i32.const 0) $count $sum)
  (type $t (func (param i32 i32) (result i32)))
  (func $count (param i32 i32) (result i32)
    (if (result i32) (i32.eqz (local.get 0))
      (then (local.get 1))
      (else (return_call $count (i32.sub (local.get 0) (i32.const 1)) (i32.add (local.get 1) (i32.const 2))))))
  (func $sum (param i32 i32) (result i32)
    (i32.add
      (i32.load8_u $m1 (i64.extend_i32_u (local.get 0)))
      (i32.load $m0 offset=4 (local.get 1))))
  (func (export "main") (result i32)
    (local v128)
    (i64.store $m1 (i64.const 16) (i64.const 0x0102030405060708))
    (i32.store $m0 (global.get $end) (i32.const 7))
    (memory.copy $m0 $m1 (i32.const 0) (i64.const 8) (i32.const 4))
    (local.set 0 (f32x4.relaxed_madd (v128.const f32x4 1 2 3 4) (v128.const f32x4 2 2 2 2) (v128.const f32x4 1 1 1 1)))
    (drop (memory.grow $m1 (i64.const 1)))
    ;; lane 1 of trunc(madd) = 5, count(10, 0) = 20, sum(17, 44) = m1[17]
    ;; (7) + m0[48] (7) = 14; then count(39, 0) = 78, by a tail call
    (return_call_indirect (type $t)
      (i32.add
        (i32.add (i32x4.extract_lane 1 (i32x4.relaxed_trunc_f32x4_s (local.get 0)))
                 (call_indirect (type $t) (i32.const 10) (i32.const 0) (i32.const 0)))
        (call_indirect (type $t) (i32.const 17) (i32.const 44) (i32.const 1)))
      (i32.const 0) (i32.const 0)))
)
