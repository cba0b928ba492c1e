(module
  (import "mA" "A" (func $A (result i32)))
  (func (export "B") (result i32) (i32.const 11))
  (func (export "call_A") (result i32) (call $A))
  (func (export "A_cross") (param i32) (result i32)
    ;; loop calling mA.A through the import slot (cross-module call)
    (local $s i32)
    (block $done
      (loop $l
        (br_if $done (i32.eqz (local.get 0)))
        (local.set $s (i32.add (local.get $s) (call $A)))
        (local.set 0 (i32.sub (local.get 0) (i32.const 1)))
        (br $l)))
    (local.get $s)))
