;; Growth under resource limits (c_api_test.cpp): a memory of 2 pages and a
;; table of 2 elements, growable by the guest.
(module
  (memory (export "memory") 2)
  (table $t 2 funcref)
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
  (func (export "grow_table") (param i32) (result i32) (table.grow $t (ref.null func) (local.get 0)))
  (func (export "pages") (result i32) (memory.size)))
