;; A replacement for hr_lib whose start function traps.
(module (func $s unreachable) (start $s) (func (export "get") (result i32) (i32.const 9)))
