;; A WASI reactor: _initialize must run once before anything calls in.
(module
  (import "wasi_snapshot_preview1" "proc_exit" (func (param i32)))
  (memory (export "memory") 1)
  (global $inited (mut i32) (i32.const 0))
  (func (export "_initialize") (global.set $inited (i32.add (global.get $inited) (i32.const 1))))
  (func (export "inited") (result i32) (global.get $inited)))
