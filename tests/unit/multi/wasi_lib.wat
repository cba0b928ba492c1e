;; A WASI reactor used as a library by wasi_cmd: say() writes "libN\n"
;; to fd 1, N = how many times _initialize ran (must be 1).
(module
  (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (global $n (mut i32) (i32.const 0))
  (data (i32.const 200) "lib0\n")
  (func (export "_initialize") (global.set $n (i32.add (global.get $n) (i32.const 1))))
  (func (export "say")
    (i32.store8 (i32.const 203) (i32.add (i32.const 48) (global.get $n)))
    (i32.store (i32.const 100) (i32.const 200))
    (i32.store (i32.const 104) (i32.const 5))
    (drop (call $write (i32.const 1) (i32.const 100) (i32.const 1) (i32.const 300)))))
