(module (import "wasi_snapshot_preview1" "fd_frobnicate" (func)) (memory (export "memory") 1))
