;; Calls inl_lib's small functions in loops: what the optimizing compiler
;; inlines across import slots (tests/unit/inline_imports_test.cpp). Its
;; own memory holds 7 at address 16, where inl_lib's holds 42.
(module
  (import "inl_lib" "bump" (func $bump (param i32) (result i32)))
  (import "inl_lib" "div" (func $div (param i32 i32) (result i32)))
  (import "inl_lib" "sum_to" (func $sum_to (param i32) (result i32)))
  (import "inl_lib" "peek" (func $peek (param i32) (result i32)))
  (memory 1)
  (data (i32.const 16) "\07")
  ;; bump(0) + bump(1) + ... + bump(n-1)
  (func (export "loop_bump") (param $n i32) (result i32)
    (local $i i32) (local $acc i32)
    (block $done
      (loop $next
        (br_if $done (i32.ge_s (local.get $i) (local.get $n)))
        (local.set $acc (i32.add (local.get $acc) (call $bump (local.get $i))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (local.get $acc))
  (func (export "call_div") (param i32 i32) (result i32) (call $div (local.get 0) (local.get 1)))
  (func (export "call_sum") (param i32) (result i32) (call $sum_to (local.get 0)))
  ;; inl_lib's byte at 16 beside this memory's
  (func (export "both16") (result i32)
    (i32.add (i32.mul (call $peek (i32.const 16)) (i32.const 100)) (i32.load8_u (i32.const 16)))))
