(module (import "wasi_snapshot_preview1" "fd_close" (func (param i64) (result i32))) (memory (export "memory") 1))
