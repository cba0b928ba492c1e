;; The exporter: A() = 10, plus shared state (memory, mutable global, table).
(module
  (type $ret_i32 (func (result i32)))
  (memory (export "mem") 1 4)
  (global $g (export "g") (mut i32) (i32.const 100))
  (table $t (export "tab") 4 funcref)
  (func $A (export "A") (result i32) (i32.const 10))
  (func $forty (result i32) (i32.const 40))
  (elem (i32.const 0) $forty)
  (func (export "read") (param i32) (result i32) (i32.load (local.get 0)))
  (func (export "write") (param i32 i32) (i32.store (local.get 0) (local.get 1)))
  (func (export "getg") (result i32) (global.get $g))
  (func (export "setg") (param i32) (global.set $g (local.get 0)))
  (func (export "callt") (param i32) (result i32) (call_indirect (type $ret_i32) (local.get 0)))
  (func (export "A_direct") (param i32) (result i32)
    ;; loop calling $A directly (same-module call, for the benchmark)
    (local $s i32)
    (block $done
      (loop $l
        (br_if $done (i32.eqz (local.get 0)))
        (local.set $s (i32.add (local.get $s) (call $A)))
        (local.set 0 (i32.sub (local.get 0) (i32.const 1)))
        (br $l)))
    (local.get $s)))
