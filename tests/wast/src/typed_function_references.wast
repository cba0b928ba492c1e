;; Typed function references (Wasm 3.0) in every tier: call_ref and its
;; null trap, br_on_null / br_on_non_null carrying values through blocks
;; and loops, ref.as_non_null, non-nullable locals, typed tables with
;; initialisers, and type equivalence across modules (canonical type ids).
;; Text source of typed_function_references.bin.wast (see
;; tests/wast/generators/binary_modules.py).

(module $lib
  (type $ii (func (param i32) (result i32)))
  (type $takes (func (param (ref null $ii) i32) (result i32)))
  (func $double (export "double") (type $ii) (i32.mul (local.get 0) (i32.const 2)))
  ;; A function whose type mentions another type: equivalent across
  ;; modules only if $ii is, which canonical ids decide.
  (func (export "apply") (type $takes)
    (call_ref $ii (local.get 1) (ref.as_non_null (local.get 0))))
  (global (export "g-double") (ref $ii) (ref.func $double))
  (global (export "g-mut") (mut (ref null $ii)) (ref.null $ii))
)
(register "lib" $lib)

(module $main
  (type $ii (func (param i32) (result i32)))
  (type $vi (func (result i32)))
  ;; The same types as lib's, at other indices.
  (type $unused (func (param f64)))
  (type $takes (func (param (ref null $ii) i32) (result i32)))
  (import "lib" "double" (func $double (type $ii)))
  (import "lib" "apply" (func $apply (type $takes)))
  ;; Immutable globals may be imported at a supertype.
  (import "lib" "g-double" (global $gd (ref null func)))
  (import "lib" "g-double" (global $gd-exact (ref $ii)))

  (func $inc (type $ii) (i32.add (local.get 0) (i32.const 1)))
  (func $seven (type $vi) (i32.const 7))
  (elem declare func $inc $double $seven)

  ;; A table of non-nullable references needs an initialiser.
  (table $t 4 (ref $ii) (ref.func $inc))
  (table $nullable 4 (ref null $ii))
  (elem (table $t) (i32.const 1) (ref $ii) (ref.func $double))

  (func (export "call-inc") (param i32) (result i32)
    (call_ref $ii (local.get 0) (ref.func $inc)))
  (func (export "call-import") (param i32) (result i32)
    (call_ref $ii (local.get 0) (ref.func $double)))
  (func (export "call-global") (param i32) (result i32)
    (call_ref $ii (local.get 0) (global.get $gd-exact)))
  (func (export "call-table") (param i32 i32) (result i32)
    (call_ref $ii (local.get 1) (table.get $t (local.get 0))))
  (func (export "call-indirect") (param i32 i32) (result i32)
    (call_indirect $t (type $ii) (local.get 1) (local.get 0)))
  ;; (A literal ref.null operand would not reach the tiers: wasm-as turns
  ;; the call into unreachable.)
  (func (export "call-null") (param (ref null $ii)) (result i32)
    (call_ref $ii (i32.const 1) (local.get 0)))
  (func (export "call-null-table") (result i32)
    (call_ref $ii (i32.const 1) (table.get $nullable (i32.const 0))))
  (func (export "apply-across") (param i32) (result i32)
    (call $apply (ref.func $inc) (local.get 0)))
  (func (export "supertype-global-is-func") (result i32)
    (ref.is_null (global.get $gd)))

  ;; A hot loop of call_ref: tiers up in tiered mode.
  (func (export "sum-calls") (param $n i32) (result i32)
    (local $acc i32) (local $f (ref $ii))
    (local.set $f (ref.func $inc))
    (block $done
      (loop $next
        (br_if $done (i32.eqz (local.get $n)))
        (local.set $acc (call_ref $ii (local.get $acc) (local.get $f)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $next)))
    (local.get $acc))

  ;; br_on_null: the values below the reference go to the label.
  (func (export "on-null") (param $f (ref null $ii)) (param $x i32) (result i32 i32)
    (block $null (result i32 i32)
      (i32.const 100)
      (local.get $x)
      (local.get $f)
      (br_on_null $null)
      (call_ref $ii)
      (i32.const 1)
      (return))
    ;; null: (100, x) arrive here; add them
    (i32.add)
    (i32.const 0))
  ;; br_on_non_null: the reference goes to the label with a value below it.
  (func (export "on-non-null") (param $f (ref null $ii)) (param $x i32) (result i32)
    (block $some (result i32 (ref $ii))
      (local.get $x)
      (local.get $f)
      (br_on_non_null $some)
      (i32.const -1)
      (i32.add)
      (return))
    (call_ref $ii))
  ;; br_on_non_null in a loop, with the reference from a table each turn:
  ;; counts the non-null entries of $nullable.
  (func (export "count-set") (result i32)
    (local $i i32) (local $n i32)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (table.size $nullable)))
        (block $set (result (ref $ii))
          (br_on_non_null $set (table.get $nullable (local.get $i)))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br $next))
        (drop)
        (local.set $n (i32.add (local.get $n) (i32.const 1)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (local.get $n))
  (func (export "fill") (param i32)
    (table.set $nullable (local.get 0) (ref.func $inc)))

  (func (export "as-non-null") (param $f (ref null $ii)) (result i32)
    (call_ref $ii (i32.const 41) (ref.as_non_null (local.get $f))))
  (func (export "as-non-null-null") (result i32)
    (ref.is_null (ref.as_non_null (ref.null $ii))))
  (func (export "pass-func") (param i32) (result (ref null $ii))
    (if (result (ref null $ii)) (local.get 0)
      (then (ref.func $double))
      (else (ref.null $ii))))

  ;; A non-nullable local set in a block is set for the rest of it.
  (func (export "local-init") (param i32) (result i32)
    (local $f (ref $ii))
    (block (result i32)
      (local.set $f (ref.func $double))
      (call_ref $ii (local.get 0) (local.get $f))))
)

(assert_return (invoke "call-inc" (i32.const 4)) (i32.const 5))
(assert_return (invoke "call-import" (i32.const 4)) (i32.const 8))
(assert_return (invoke "call-global" (i32.const 5)) (i32.const 10))
(assert_return (invoke "call-table" (i32.const 0) (i32.const 5)) (i32.const 6))
(assert_return (invoke "call-table" (i32.const 1) (i32.const 5)) (i32.const 10))
(assert_return (invoke "call-table" (i32.const 3) (i32.const 5)) (i32.const 6))
(assert_trap (invoke "call-table" (i32.const 4) (i32.const 5)) "out of bounds table access")
(assert_return (invoke "call-indirect" (i32.const 1) (i32.const 21)) (i32.const 42))
(assert_trap (invoke "call-null" (ref.null func)) "null function reference")
(assert_trap (invoke "call-null-table") "null function reference")
(assert_return (invoke "apply-across" (i32.const 9)) (i32.const 10))
(assert_return (invoke "supertype-global-is-func") (i32.const 0))
(assert_return (invoke "sum-calls" (i32.const 100000)) (i32.const 100000))
(assert_return (invoke "on-null" (ref.null func) (i32.const 5)) (i32.const 105) (i32.const 0))
(assert_return (invoke "on-non-null" (ref.null func) (i32.const 5)) (i32.const 4))
(assert_return (invoke "count-set") (i32.const 0))
(invoke "fill" (i32.const 1))
(invoke "fill" (i32.const 3))
(assert_return (invoke "count-set") (i32.const 2))
(assert_trap (invoke "as-non-null" (ref.null func)) "null reference")
(assert_trap (invoke "as-non-null-null") "null reference")
(assert_return (invoke "pass-func" (i32.const 0)) (ref.null func))
(assert_return (invoke "pass-func" (i32.const 1)) (ref.func))
(assert_return (invoke "local-init" (i32.const 8)) (i32.const 16))

;; A function reference passed in from the script's invoke: the result of
;; another export.
(module $user
  (type $ii (func (param i32) (result i32)))
  (import "lib" "double" (func $double (type $ii)))
  (elem declare func $double)
  (func (export "on-null-func") (param i32) (result i32 i32)
    (block $null (result i32 i32)
      (i32.const 100)
      (local.get 0)
      (ref.func $double)
      (br_on_null $null)
      (call_ref $ii)
      (i32.const 1)
      (return))
    (i32.add)
    (i32.const 0))
  (func (export "on-non-null-func") (param i32) (result i32)
    (block $some (result i32 (ref $ii))
      (local.get 0)
      (ref.func $double)
      (br_on_non_null $some)
      (return))
    (call_ref $ii))
)
(assert_return (invoke "on-null-func" (i32.const 21)) (i32.const 42) (i32.const 1))
(assert_return (invoke "on-non-null-func" (i32.const 21)) (i32.const 42))

;; Imports must match: a mutable global only at its exact type, a function
;; only at an equivalent type.
(assert_unlinkable
  (module (import "lib" "g-mut" (global (mut (ref null func)))))
  "incompatible import type")
(assert_unlinkable
  (module
    (type $other (func (param i64) (result i32)))
    (import "lib" "double" (func (type $other))))
  "incompatible import type")
(assert_unlinkable
  (module
    (type $ii (func (param i32) (result i32)))
    (type $takes-other (func (param (ref null func) i32) (result i32)))
    (import "lib" "apply" (func (type $takes-other))))
  "incompatible import type")
