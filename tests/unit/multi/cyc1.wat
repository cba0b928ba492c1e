;; cyc1 and cyc2 import each other's functions.
(module
  (import "cyc2" "pong" (func $pong (param i32) (result i32)))
  (func (export "ping") (param i32) (result i32)
    (if (result i32) (i32.eqz (local.get 0))
      (then (i32.const 0))
      (else (i32.add (i32.const 1) (call $pong (i32.sub (local.get 0) (i32.const 1))))))))
