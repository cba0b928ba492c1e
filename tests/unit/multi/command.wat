;; A WASI command (exports _start): it cannot be a dependency.
(module
  (import "wasi_snapshot_preview1" "proc_exit" (func (param i32)))
  (memory (export "memory") 1)
  (func (export "_start"))
  (func (export "inited") (result i32) (i32.const 0)))
