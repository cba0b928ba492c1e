;; i32 arguments arrive in 64-bit slots; the upper half must be ignored.
;; args_sizes_get(8, 12) with garbage in the upper bits of a local-derived
;; value still works, and the exit code is argc (1).
(module
  (import "wasi_snapshot_preview1" "args_sizes_get" (func $sizes (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (memory (export "memory") 1)
  (func (export "_start")
    (local i64)
    (local.set 0 (i64.const 0x1234567800000008))
    (drop (call $sizes (i32.wrap_i64 (local.get 0)) (i32.const 12)))
    (call $proc_exit (i32.load (i32.const 8)))))
