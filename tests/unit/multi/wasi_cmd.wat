;; A WASI command importing from the reactor wasi_lib: writes "cmd\n",
;; calls wasi_lib.say (which writes "libN\n", N = how many times its
;; _initialize ran), then exits with argc * 10 + envc.
(module
  (import "wasi_snapshot_preview1" "args_sizes_get" (func $args (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "environ_sizes_get" (func $envs (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (import "wasi_lib" "say" (func $say))
  (memory (export "memory") 1)
  (data (i32.const 200) "cmd\n")
  (func (export "_start")
    (drop (call $args (i32.const 0) (i32.const 4)))
    (drop (call $envs (i32.const 8) (i32.const 12)))
    (i32.store (i32.const 100) (i32.const 200))
    (i32.store (i32.const 104) (i32.const 4))
    (drop (call $write (i32.const 1) (i32.const 100) (i32.const 1) (i32.const 300)))
    (call $say)
    (call $exit (i32.add (i32.mul (i32.load (i32.const 0)) (i32.const 10)) (i32.load (i32.const 8))))))
