(module
  (import "order_b" "b" (func (result i32)))
  (import "order_a" "a" (func (result i32)))
  (import "env" "log" (func $log (param i32)))
  (func $start (call $log (i32.const 3)))
  (start $start))
