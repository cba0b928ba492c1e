;; v128 through the C API: four cells per v128 in wasm_runtime_call_wasm,
;; a scalar after it, and a v128 global.
(module
  (global $g (mut v128) (v128.const i32x4 1 2 3 4))
  (func (export "mix") (param i32 v128 f64) (result v128 i32)
    ;; lanes of the v128 plus the i32; then the f64 truncated
    (i32x4.add (local.get 1) (i32x4.splat (local.get 0)))
    (i32.trunc_f64_s (local.get 2)))
  (func (export "bump_global") (result v128)
    (global.set $g (i32x4.mul (global.get $g) (i32x4.splat (i32.const 10))))
    (global.get $g))
)
