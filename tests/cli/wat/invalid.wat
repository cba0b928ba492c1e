;; Well-formed but invalid (i32.add of an i64): compiled with --no-check.
(module
  (func (result i32)
    (i32.add (i32.const 1) (i64.const 2)))
)
