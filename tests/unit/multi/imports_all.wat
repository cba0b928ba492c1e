;; One import of each kind from mA, for wasm_runtime_get_import_type.
(module
  (import "mA" "read" (func $read (param i32) (result i32)))
  (import "mA" "tab" (table 4 funcref))
  (import "mA" "mem" (memory 1 4))
  (import "mA" "g" (global $g (mut i32)))
  (func (export "f") (param i64 f32) (result f64) (f64.const 1)))
