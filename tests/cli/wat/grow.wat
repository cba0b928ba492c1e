;; --max-memory-pages (tests/cli/CMakeLists.txt): a memory of 2 pages the
;; guest grows; grow(n) returns memory.grow's result. loop_sum(n) is a loop
;; for --jit-code-limit to leave interpreted.
(module
  (memory 2)
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
  (func (export "loop_sum") (param $n i32) (result i32)
    (local $s i32)
    (block $done
      (loop $next
        (br_if $done (i32.eqz (local.get $n)))
        (local.set $s (i32.add (local.get $s) (local.get $n)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $next)))
    (local.get $s)))
