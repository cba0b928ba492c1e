;; Guests that never finish, for --timeout and wasm_runtime_terminate: a
;; loop, a loop with a value on the operand stack at its header (no OSR
;; point), and a call tree without loops (2^n calls, bounded depth).
(module
  (func (export "spin") (loop $l (br $l)))
  (func (export "spin_value") (result i32)
    (i32.const 1)
    (loop $l (param i32) (result i32) (br $l)))
  (func $tree (export "tree") (param i32)
    (if (local.get 0)
      (then
        (call $tree (i32.sub (local.get 0) (i32.const 1)))
        (call $tree (i32.sub (local.get 0) (i32.const 1))))))
  (func (export "quick") (result i32) (i32.const 7)))
