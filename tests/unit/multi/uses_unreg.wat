;; Imports a native registered by the test under "unreg".
(module
  (import "unreg" "twice" (func $twice (param i32) (result i32)))
  (func (export "run") (param i32) (result i32) (call $twice (local.get 0))))
