;; Hot replacement: the root imports get from hr_lib, calls it directly
;; and through its own table (whose element is the imported function).
(module
  (type $ret_i32 (func (result i32)))
  (import "hr_lib" "get" (func $get (result i32)))
  (table 1 funcref)
  (elem (i32.const 0) $get)
  (func (export "call_get") (result i32) (call $get))
  (func (export "call_table") (result i32) (call_indirect (type $ret_i32) (i32.const 0))))
