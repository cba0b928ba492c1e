;; The replacement of inl_lib (tests/unit/inline_imports_test.cpp): the
;; same exports, other results, so a stale inlined body would show.
(module
  (memory (export "mem") 1)
  (func (export "bump") (param $x i32) (result i32) (i32.add (local.get $x) (i32.const 1000)))
  (func (export "calls") (result i32) (i32.const -1))
  (func (export "div") (param i32 i32) (result i32) (i32.const 77))
  (func (export "sum_to") (param $n i32) (result i32) (i32.const 5))
  (func (export "peek") (param $addr i32) (result i32) (i32.const 9)))
