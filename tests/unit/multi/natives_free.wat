;; Plain functions for the call tests (no imports).
(module
  (memory (export "memory") 1)
  (func (export "add64") (param i64 i64) (result i64) (i64.add (local.get 0) (local.get 1)))
  (func (export "div") (param i32 i32) (result i32) (i32.div_s (local.get 0) (local.get 1)))
  (func (export "fmul") (param f32 f64) (result f64) (f64.mul (f64.promote_f32 (local.get 0)) (local.get 1))))
