;; Imports cannot be satisfied by `strata run` until WASI exists.
(module
  (import "env" "f" (func (param i32)))
  (func (export "_start")
    (call 0 (i32.const 1)))
)
