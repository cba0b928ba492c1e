;; A command module: `strata run` without --invoke calls _start.
(module
  (memory 1)
  (func (export "_start")
    (i32.store (i32.const 0) (i32.const 42)))
)
