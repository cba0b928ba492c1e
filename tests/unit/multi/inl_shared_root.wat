;; Imports inl_lib's memory, so an inlined peek reads the memory this code
;; writes (tests/unit/inline_imports_test.cpp).
(module
  (import "inl_lib" "mem" (memory 1))
  (import "inl_lib" "peek" (func $peek (param i32) (result i32)))
  (func (export "poke_peek") (param $v i32) (result i32)
    (i32.store8 (i32.const 100) (local.get $v))
    (call $peek (i32.const 100))))
