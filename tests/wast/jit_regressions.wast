;; Regressions found in the JIT tier (these scripts run in every tier).

;; Float bits moved to a general register while the float sits in a spill
;; slot: asmjit encoded the move as an MMX load and the result register kept
;; a stale value (here the select's 32).
(module
  (memory 1)
  (global $g64 (mut f64) (f64.const 0))
  (global $g32 (mut f32) (f32.const 0))
  (func (export "reinterpret_f64_after_call") (result i64) (local i32 f64)
    i32.const 32 i32.const 0 memory.size select local.set 0
    local.get 1 i64.reinterpret_f64)
  (func (export "reinterpret_f32_after_call") (result i32) (local i32 f32)
    (local.set 1 (f32.const 1.5))
    i32.const 32 i32.const 0 memory.size select local.set 0
    local.get 1 i32.reinterpret_f32)
  (func (export "global_f64_after_call") (result i64) (local f64)
    (local.set 0 (f64.const -2.5))
    (drop (memory.size))
    (global.set $g64 (local.get 0))
    (i64.reinterpret_f64 (global.get $g64)))
  (func (export "global_f32_after_call") (result i32) (local f32)
    (local.set 0 (f32.const 0.25))
    (drop (memory.size))
    (global.set $g32 (local.get 0))
    (i32.reinterpret_f32 (global.get $g32)))
)
(assert_return (invoke "reinterpret_f64_after_call") (i64.const 0))
(assert_return (invoke "reinterpret_f32_after_call") (i32.const 0x3fc00000))
(assert_return (invoke "global_f64_after_call") (i64.const 0xc004000000000000))
(assert_return (invoke "global_f32_after_call") (i32.const 0x3e800000))

;; min/max of two NaNs: the spec allows any arithmetic NaN, but the tiers
;; must agree (a NaN stored to memory is compared bit for bit by the
;; differential test): the first NaN operand, quieted. `a + b` left the
;; choice to the C++ compiler, which ordered the operands differently in the
;; interpreter and in the JIT's helper (wasm-opt -ttf seed 1260).
(module
  (func (export "f32_max_const") (result i32)
    (i32.reinterpret_f32 (f32.max (f32.const -nan:0x7f9a39) (f32.const nan:0x7fffc7))))
  (func (export "f64_min_const") (result i64)
    (i64.reinterpret_f64 (f64.min (f64.const -nan:0xfffffffff9a39) (f64.const nan:0x8000000000007))))
  (func (export "f32_min") (param f32 f32) (result i32)
    (i32.reinterpret_f32 (f32.min (local.get 0) (local.get 1))))
)
(assert_return (invoke "f32_max_const") (i32.const 0xffff9a39))
(assert_return (invoke "f64_min_const") (i64.const 0xffffffffffff9a39))
(assert_return (invoke "f32_min" (f32.const nan:0x200001) (f32.const -nan:0x7fffc7)) (i32.const 0x7fe00001))
