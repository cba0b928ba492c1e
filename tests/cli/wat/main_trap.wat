;; No _start, so `strata run` falls back to main, which traps.
(module
  (func (export "main") (result i32)
    unreachable)
)
