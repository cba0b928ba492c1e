;; Tail calls (return_call, return_call_indirect): constant stack use in
;; long chains, within a module, through a table and across two modules;
;; callees that are host functions or compiled code (the JIT tiers leave
;; functions with tail calls to the interpreter, not their callees);
;; argument counts and results that differ from the caller's.

(module $A
  (import "spectest" "print_i32" (func $print (param i32)))
  (table (export "table") 2 funcref)
  (type $i32_i32 (func (param i32) (result i32)))

  ;; A million mutual tail calls: with plain calls this exhausts the stack.
  (func $even (export "even") (param i32) (result i32)
    (if (result i32) (i32.eqz (local.get 0))
      (then (i32.const 1))
      (else (return_call $odd (i32.sub (local.get 0) (i32.const 1))))))
  (func $odd (export "odd") (param i32) (result i32)
    (if (result i32) (i32.eqz (local.get 0))
      (then (i32.const 0))
      (else (return_call $even (i32.sub (local.get 0) (i32.const 1))))))

  ;; Through the table: slot 1 holds $count, slot 0 whatever B puts there.
  (elem (i32.const 1) $count)
  (func $count (param i32) (result i32)
    (if (result i32) (i32.eqz (local.get 0))
      (then (i32.const 42))
      (else (return_call_indirect (type $i32_i32) (i32.sub (local.get 0) (i32.const 1)) (i32.const 1)))))
  (func (export "count") (param i32) (result i32)
    (return_call_indirect (type $i32_i32) (local.get 0) (i32.const 1)))

  ;; A wrong signature in the table traps, as for call_indirect.
  (func (export "bad-indirect") (result i64)
    (return_call_indirect (result i64) (i32.const 1)))

  ;; More arguments than the caller has, several results, locals zeroed.
  (func $spread (param i32 i64 f64) (result i64 f64)
    (local i64)
    (i64.add (i64.add (i64.extend_i32_u (local.get 0)) (local.get 1)) (local.get 3))
    (f64.add (local.get 2) (f64.const 0.5)))
  (func (export "spread") (param i32) (result i64 f64)
    (local i64)
    (local.set 1 (i64.const 1000))
    (return_call $spread (local.get 0) (local.get 1) (f64.const 2)))

  ;; The callee is a leaf without tail calls (compiled in the JIT tiers).
  (func $leaf (param i32 i32) (result i32) (i32.mul (local.get 0) (local.get 1)))
  (func (export "to-leaf") (param i32) (result i32)
    (return_call $leaf (local.get 0) (i32.const 3)))
  (func (export "to-leaf-loop") (param i32) (result i32)
    (local i32)
    (loop $l
      (local.set 1 (call $leaf (local.get 0) (i32.const 2)))
      (br_if $l (i32.gt_u (local.tee 0 (i32.sub (local.get 0) (i32.const 1))) (i32.const 0))))
    (return_call $leaf (local.get 1) (i32.const 5)))

  ;; The callee is a host function.
  (func (export "to-host") (return_call $print (i32.const 7)))

  ;; A trap in the tail-called function.
  (func $div (param i32) (result i32) (i32.div_u (i32.const 1) (local.get 0)))
  (func (export "to-trap") (param i32) (result i32) (return_call $div (local.get 0)))

  ;; Plain recursion still runs out of stack.
  (func $deep (export "deep") (param i32) (result i32)
    (i32.add (i32.const 1) (call $deep (local.get 0))))
)
(register "A" $A)

;; Across modules: B's odd tail-calls A's exported even through an import
;; slot, A's table slot 0 holds B's odd for A's tail calls back.
(module $B
  (import "A" "even" (func $even (param i32) (result i32)))
  (import "A" "table" (table 2 funcref))
  (type $i32_i32 (func (param i32) (result i32)))
  (elem (i32.const 0) $odd)
  (func $odd (export "odd") (param i32) (result i32)
    (if (result i32) (i32.eqz (local.get 0))
      (then (i32.const 0))
      (else (return_call_indirect (type $i32_i32) (i32.sub (local.get 0) (i32.const 1)) (i32.const 2)))))
  (func (export "odd-via-import") (param i32) (result i32)
    (if (result i32) (i32.eqz (local.get 0))
      (then (i32.const 0))
      (else (return_call $even (i32.sub (local.get 0) (i32.const 1))))))
)

(assert_return (invoke $A "even" (i32.const 1000000)) (i32.const 1))
(assert_return (invoke $A "odd" (i32.const 1000001)) (i32.const 1))
(assert_return (invoke $A "even" (i32.const 7)) (i32.const 0))
(assert_return (invoke $A "count" (i32.const 1000000)) (i32.const 42))
(assert_trap (invoke $A "bad-indirect") "indirect call type mismatch")
(assert_return (invoke $A "spread" (i32.const 5)) (i64.const 1005) (f64.const 2.5))
(assert_return (invoke $A "to-leaf" (i32.const 14)) (i32.const 42))
(assert_return (invoke $A "to-leaf-loop" (i32.const 100)) (i32.const 10))
(assert_return (invoke $A "to-host"))
(assert_trap (invoke $A "to-trap" (i32.const 0)) "integer divide by zero")
(assert_return (invoke $A "to-trap" (i32.const 1)) (i32.const 1))
(assert_exhaustion (invoke $A "deep" (i32.const 0)) "call stack exhausted")
(assert_return (invoke $B "odd-via-import" (i32.const 1000001)) (i32.const 1))
(assert_return (invoke $B "odd-via-import" (i32.const 1000000)) (i32.const 0))
;; B's odd reaches table slot 2: out of range.
(assert_trap (invoke $B "odd" (i32.const 3)) "undefined element")

;; Validation: the callee's results must be the caller's.
(assert_invalid
  (module (func $f (result i64) (i64.const 0)) (func (result i32) (return_call $f)))
  "type mismatch")
(assert_invalid
  (module (type $t (func (result i64))) (table 1 funcref)
    (func (result i32) (return_call_indirect (type $t) (i32.const 0))))
  "type mismatch")
(assert_invalid
  (module (func $f (param i32)) (func (return_call $f)))
  "type mismatch")
(assert_invalid (module (func (return_call 5))) "unknown function")
