;; Version 2 of st_lib (see there): version() is 2, so work(n) starts from
;; x = 2. The same exports and types, so it can replace st_lib.
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
  (func $version (export "version") (result i32) (i32.const 2)))
