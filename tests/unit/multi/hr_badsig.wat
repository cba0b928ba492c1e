;; A replacement for hr_lib whose get has another type.
(module (func (export "get") (param i32) (result i32) (local.get 0)))
