;; Imported by cyc3 which imports it back; its start function calls cyc3
;; before cyc3 exists, which must trap "unlinked import cyc3.f".
(module
  (import "cyc3" "f" (func $f (result i32)))
  (func (export "g") (result i32) (i32.const 7))
  (func $start (drop (call $f)))
  (start $start))
