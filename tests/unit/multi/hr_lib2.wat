;; Version 2 of hr_lib: the same export, new code (returns 2 + calls * 10).
(module
  (import "env" "hr_trigger" (func $trigger (param i32)))
  (global $calls (mut i32) (i32.const 0))
  (func (export "get") (result i32)
    (global.set $calls (i32.add (global.get $calls) (i32.const 1)))
    (call $trigger (i32.const 2))
    (i32.add (i32.const 2) (i32.mul (global.get $calls) (i32.const 10)))))
