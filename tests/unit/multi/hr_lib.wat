;; Version 1 of hr_lib: get() tells the host (env.hr_trigger(1)), then
;; returns 1 plus its call count times 10 (state of this instance).
(module
  (import "env" "hr_trigger" (func $trigger (param i32)))
  (global $calls (mut i32) (i32.const 0))
  (func (export "get") (result i32)
    (global.set $calls (i32.add (global.get $calls) (i32.const 1)))
    (call $trigger (i32.const 1))
    (i32.add (i32.const 1) (i32.mul (global.get $calls) (i32.const 10)))))
