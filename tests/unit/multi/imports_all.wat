;; One import of each kind from mA, for wasm_runtime_get_import_type.
(module
  (import "mA" "read" (func $read (param i32) (result i32)))
  (import "mA" "tab" (table 4 funcref))
  (import "mA" "mem" (memory 1 4))
  (import "mA" "g" (global $g (mut i32)))
  (func (export "f") (param i64 f32) (result f64) (f64.const 1))
  ;; i32 + i64 + f32 + f64, for wasm_runtime_call_wasm_v
  (func (export "mix") (param i32 i64 f32 f64) (result f64)
    (f64.add
      (f64.add (f64.convert_i32_s (local.get 0)) (f64.convert_i64_s (local.get 1)))
      (f64.add (f64.promote_f32 (local.get 2)) (local.get 3)))))
