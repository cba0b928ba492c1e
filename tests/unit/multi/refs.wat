;; Reference and mixed-kind values for the C API's value calls and type
;; queries (c_api_test.cpp, c_api_wasm_h_first_test.cpp,
;; c_api_export_first_test.cpp). No memory, no imports.
(module
  (table $t 1 funcref)
  (elem declare func $answer)
  (func $answer (export "answer") (result i32) (i32.const 42))
  (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
  (func (export "swap") (param i32 i64) (result i64 i32) (local.get 1) (local.get 0))
  (func (export "ext_id") (param externref) (result externref) (local.get 0))
  (func (export "ext_is_null") (param externref) (result i32) (ref.is_null (local.get 0)))
  (func (export "fn_answer") (result funcref) (ref.func $answer))
  ;; Calls the function reference it is given (through table 0).
  (func (export "fn_call") (param funcref) (result i32)
    (table.set $t (i32.const 0) (local.get 0))
    (call_indirect $t (result i32) (i32.const 0)))
  ;; Every kind once: returns (d + 1, e).
  (func (export "kinds") (param i32 i64 f32 f64 v128 externref funcref) (result f64 externref)
    (f64.add (local.get 3) (f64.const 1)) (local.get 5)))
