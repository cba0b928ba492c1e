;; Exception handling (exnref) across tiers and modules: the functions that
;; throw or catch run in the interpreter (the JIT tiers leave them to it),
;; the ones between them are compiled in the JIT tiers, so exceptions pass
;; through compiled frames as traps do and are caught again above them.
;; Text source of exceptions.bin.wast (tests/wast/generators/binary_modules.py).

(module $thrower
  (tag $e (export "e") (param i32))
  (tag $e2 (export "e2") (param i64 f64))
  (func (export "throw") (param i32) (throw $e (local.get 0)))
  (func (export "throw2") (param i64 f64) (throw $e2 (local.get 0) (local.get 1)))
)
(register "thrower" $thrower)

(module $main
  (import "thrower" "e" (tag $e (param i32)))
  (import "thrower" "e2" (tag $e2 (param i64 f64)))
  (import "thrower" "throw" (func $throw (param i32)))
  (import "thrower" "throw2" (func $throw2 (param i64 f64)))
  (tag $local (param i32))

  ;; No exception handling here: compiled in the JIT tiers.
  (func $pass (param i32) (result i32)
    (call $throw (local.get 0))
    (i32.const -1))
  (func $deep (param $n i32) (param $v i32) (result i32)
    (if (result i32) (i32.eqz (local.get $n))
      (then (call $pass (local.get $v)))
      (else (i32.add (call $deep (i32.sub (local.get $n) (i32.const 1)) (local.get $v)) (i32.const 1)))))

  (func (export "catch-through-compiled") (param i32) (result i32)
    (block $caught (result i32)
      (try_table (result i32) (catch $e $caught)
        (call $pass (local.get 0)))))
  (func (export "catch-deep") (param i32) (result i32)
    (block $caught (result i32)
      (try_table (result i32) (catch $e $caught)
        (call $deep (i32.const 50) (local.get 0)))))
  (func (export "catch-two-values") (result f64)
    (local $i i64) (local $d f64)
    (block $caught (result i64 f64)
      (try_table (catch $e2 $caught)
        (call $throw2 (i64.const 40) (f64.const 2.5)))
      (return (f64.const -1)))
    (local.set $d)
    (local.set $i)
    (f64.add (f64.convert_i64_s (local.get $i)) (local.get $d)))
  ;; Values below the try_table stay; the label gets the exception's value.
  (func (export "keeps-stack") (param i32) (result i32)
    (i32.const 1000)
    (block $caught (result i32)
      (try_table (result i32) (catch $e $caught)
        (call $throw (local.get 0))
        (i32.const 0)))
    (i32.add))
  ;; Only the matching tag catches; catch_all takes the rest.
  (func (export "which") (param i32) (result i32)
    (block $all
      (block $mine (result i32)
        (try_table (catch $local $mine) (catch_all $all)
          (if (local.get 0)
            (then (throw $local (i32.const 7)))
            (else (call $throw (i32.const 8)))))
        (return (i32.const -1)))
      (return))
    (i32.const 100))
  ;; catch_ref then throw_ref: the same exception again, caught outside.
  (func (export "rethrow") (param i32) (result i32)
    (block $outer (result i32)
      (try_table (result i32) (catch $e $outer)
        (block $inner (result exnref)
          (try_table (catch_all_ref $inner)
            (call $throw (local.get 0)))
          (return (i32.const -1)))
        (throw_ref))))
  (func (export "throw-ref-null") (throw_ref (ref.null exn)))
  ;; A loop of throws and catches: the stack is unwound each time.
  (func (export "loop") (param $n i32) (result i32)
    (local $sum i32)
    (block $done
      (loop $next
        (br_if $done (i32.eqz (local.get $n)))
        (block $caught (result i32)
          (try_table (catch $e $caught)
            (drop (call $deep (i32.const 3) (local.get $n))))
          (unreachable))
        (local.set $sum (i32.add (local.get $sum)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $next)))
    (local.get $sum))
  (func (export "uncaught") (param i32) (result i32) (call $deep (i32.const 5) (local.get 0)))
  ;; A trap is not an exception: catch_all does not see it.
  (func (export "trap-not-caught") (result i32)
    (block $all
      (try_table (catch_all $all) (unreachable)))
    (i32.const 1))
)

(assert_return (invoke "catch-through-compiled" (i32.const 42)) (i32.const 42))
(assert_return (invoke "catch-deep" (i32.const 9)) (i32.const 9))
(assert_return (invoke "catch-two-values") (f64.const 42.5))
(assert_return (invoke "keeps-stack" (i32.const 5)) (i32.const 1005))
(assert_return (invoke "which" (i32.const 1)) (i32.const 7))
(assert_return (invoke "which" (i32.const 0)) (i32.const 100))
(assert_return (invoke "rethrow" (i32.const 3)) (i32.const 3))
(assert_trap (invoke "throw-ref-null") "null exception reference")
;; Long enough for a tier-up while it runs (tiered modes): the handler is
;; then found in the interpreter code the frame still runs.
(assert_return (invoke "loop" (i32.const 200000)) (i32.const 2820230816))
(assert_exception (invoke "uncaught" (i32.const 1)))
(assert_trap (invoke "trap-not-caught") "unreachable")

;; A tag import must have the tag's type.
(assert_unlinkable
  (module (import "thrower" "e" (tag (param i64))))
  "incompatible import type")
