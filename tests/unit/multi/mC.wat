;; Imports from mA directly and through mB: a diamond on mA.
(module
  (import "mA" "A" (func $A (result i32)))
  (import "mB" "B" (func $B (result i32)))
  (memory (export "memory") 1)
  (func (export "C") (result i32) (i32.const 12))
  (func (export "call_A") (result i32) (call $A))
  (func (export "call_B") (result i32) (call $B)))
