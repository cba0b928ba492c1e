;; Imports mA's memory, mutable global and table.
(module
  (type $ret_i32 (func (result i32)))
  (import "mA" "mem" (memory 1))
  (import "mA" "g" (global $g (mut i32)))
  (import "mA" "tab" (table 4 funcref))
  (func $fifty (result i32) (i32.const 50))
  (elem (i32.const 1) $fifty)
  (func (export "read") (param i32) (result i32) (i32.load (local.get 0)))
  (func (export "write") (param i32 i32) (i32.store (local.get 0) (local.get 1)))
  (func (export "getg") (result i32) (global.get $g))
  (func (export "setg") (param i32) (global.set $g (local.get 0)))
  (func (export "callt") (param i32) (result i32) (call_indirect (type $ret_i32) (local.get 0)))
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0))))
