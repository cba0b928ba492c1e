;; Fails to instantiate after its element segment stored $seventy in mA's
;; (shared) table: the data segment is out of bounds.
(module
  (import "mA" "tab" (table 4 funcref))
  (import "mA" "A" (func $A (result i32)))
  (memory 1)
  (func $seventy (result i32) (i32.add (call $A) (i32.const 60)))
  (elem (i32.const 2) $seventy)
  (data (i32.const 65536) "x"))
