;; The shared dependency of the concurrency stress test, version 1 (st_lib2
;; is version 2): work(n) runs a loop of n iterations that the host can
;; recompute (x = x * 31 + i from x = version), so a result tells which
;; version ran; version() says it directly.
(module
  (func $work (export "work") (param $n i32) (result i32)
    (local $i i32) (local $x i32)
    (local.set $x (call $version))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $x (i32.add (i32.mul (local.get $x) (i32.const 31)) (local.get $i)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (local.get $x))
  (func $version (export "version") (result i32) (i32.const 1)))
