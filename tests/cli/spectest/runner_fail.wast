;; Every assertion here is wrong on purpose: the runner must report each one
;; with its line and exit with status 1.
(module
  (func (export "add") (param i32 i32) (result i32)
    (i32.add (local.get 0) (local.get 1)))
  (func (export "nan") (result f32) (f32.const nan:0x1))
)
(assert_return (invoke "add" (i32.const 1) (i32.const 2)) (i32.const 4))
(assert_trap (invoke "add" (i32.const 1) (i32.const 2)) "unreachable")
(assert_return (invoke "nan") (f32.const nan:canonical))
(assert_return (invoke "add" (i32.const 5) (i32.const 5)) (i32.const 11))
(assert_invalid (module (func)) "type mismatch")
