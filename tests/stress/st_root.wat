;; The importer of the concurrency stress test: calls st_lib's work through
;; its import slot and through its own table (whose elements are the
;; imported functions, re-pointed by a hot replacement), and a loop that
;; never ends for wasm_runtime_terminate.
(module
  (type $work_t (func (param i32) (result i32)))
  (import "st_lib" "work" (func $work (param i32) (result i32)))
  (import "st_lib" "version" (func $version (result i32)))
  (table 2 funcref)
  (elem (i32.const 0) $work $version)
  (memory 1)
  (func (export "run") (param $n i32) (result i32)
    (call $work (local.get $n)))
  (func (export "run_table") (param $n i32) (result i32)
    (call_indirect (type $work_t) (local.get $n) (i32.const 0)))
  ;; Many short calls, so that work is called often enough to tier up by
  ;; calls as well as by its loop; the results go through memory.
  (func (export "run_many") (param $calls i32) (param $n i32) (result i32)
    (local $i i32)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $calls)))
        (i32.store (i32.const 16) (call $work (local.get $n)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (i32.load (i32.const 16)))
  (func (export "spin") (loop $l (br $l))))
