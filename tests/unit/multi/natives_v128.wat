;; Imports an untyped native (its type is the importer's) with a v128
;; parameter: refused at link time, no native convention carries 128 bits.
(module
  (import "env" "untyped" (func $u (param v128) (result i64)))
  (func (export "f") (result i64) (call $u (v128.const i64x2 0 0))))
