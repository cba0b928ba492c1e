;; Multiple memories, memory64 and table64 in every tier. The baseline
;; compiler bounds-checks each access of a memory other than memory 0 and
;; of a memory64 against the Memory object (no guard region covers a
;; 64-bit index), reading its base and size at each access: these cases
;; are the ones a shortcut there would get wrong.
;; Text source of memories.bin.wast (tests/wast/generators/binary_modules.py).

(module $two
  (memory $m0 1 4)
  (memory $m1 1 8)
  (data (memory $m1) (i32.const 16) "\01\02\03\04")

  (func (export "load1") (param i32) (result i32) (i32.load8_u $m1 (local.get 0)))
  (func (export "store1") (param i32 i32) (i32.store $m1 (local.get 0) (local.get 1)))
  (func (export "load0") (param i32) (result i32) (i32.load $m0 (local.get 0)))
  (func (export "size1") (result i32) (memory.size $m1))
  ;; Grows memory 1 while a loop writes past its old end: the base and
  ;; size are read again after every grow, wherever the memory moved.
  (func (export "grow-and-fill") (param $pages i32) (result i32)
    (local $i i32) (local $sum i32)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $pages)))
        (drop (memory.grow $m1 (i32.const 1)))
        (i32.store $m1 (i32.add (i32.mul (i32.add (local.get $i) (i32.const 1)) (i32.const 65536)) (i32.const 8))
          (i32.add (local.get $i) (i32.const 100)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (local.set $i (i32.const 0))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $pages)))
        (local.set $sum (i32.add (local.get $sum)
          (i32.load $m1 (i32.add (i32.mul (i32.add (local.get $i) (i32.const 1)) (i32.const 65536)) (i32.const 8)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (local.get $sum))
  ;; Between the two memories, both ways.
  (func (export "copy-1-to-0") (param i32 i32 i32) (memory.copy $m0 $m1 (local.get 0) (local.get 1) (local.get 2)))
  (func (export "fill1") (param i32 i32 i32) (memory.fill $m1 (local.get 0) (local.get 1) (local.get 2)))
)

(assert_return (invoke "load1" (i32.const 17)) (i32.const 2))
(assert_return (invoke "load0" (i32.const 16)) (i32.const 0))
(invoke "store1" (i32.const 65532) (i32.const 7))
(assert_trap (invoke "store1" (i32.const 65533) (i32.const 7)) "out of bounds memory access")
(assert_trap (invoke "load1" (i32.const 65536)) "out of bounds memory access")
(assert_trap (invoke "load1" (i32.const -1)) "out of bounds memory access")
(assert_return (invoke "grow-and-fill" (i32.const 3)) (i32.const 303))
(assert_return (invoke "size1") (i32.const 4))
(assert_return (invoke "load1" (i32.const 65536)) (i32.const 0))
(assert_return (invoke "grow-and-fill" (i32.const 5)) (i32.const 510))
(assert_return (invoke "size1") (i32.const 8))
(assert_return (invoke "grow-and-fill" (i32.const 6)) (i32.const 615))
(invoke "copy-1-to-0" (i32.const 100) (i32.const 16) (i32.const 4))
(assert_return (invoke "load0" (i32.const 100)) (i32.const 0x04030201))
(assert_trap (invoke "copy-1-to-0" (i32.const 65535) (i32.const 16) (i32.const 2)) "out of bounds memory access")
(assert_trap (invoke "fill1" (i32.const 0) (i32.const 9) (i32.const 0x80001)) "out of bounds memory access")
(invoke "fill1" (i32.const 16) (i32.const 9) (i32.const 1))
(assert_return (invoke "load1" (i32.const 16)) (i32.const 9))

(module $sixty-four
  (memory $m i64 1 3)
  (data (i64.const 8) "\2a")

  (func (export "load") (param i64) (result i32) (i32.load8_u (local.get 0)))
  ;; An index near 2^64 plus an offset wraps to a small address unless the
  ;; sum is checked.
  (func (export "load-offset-16") (param i64) (result i32) (i32.load8_u offset=16 (local.get 0)))
  (func (export "load-offset-4g") (param i64) (result i32) (i32.load8_u offset=0x100000008 (local.get 0)))
  (func (export "store64") (param i64 i64) (i64.store (local.get 0) (local.get 1)))
  (func (export "size") (result i64) (memory.size))
  (func (export "grow") (param i64) (result i64) (memory.grow (local.get 0)))
  (func (export "fill") (param i64 i32 i64) (memory.fill (local.get 0) (local.get 1) (local.get 2)))
)

(assert_return (invoke "load" (i64.const 8)) (i32.const 42))
(assert_return (invoke "load-offset-16" (i64.const 65519)) (i32.const 0))
(assert_trap (invoke "load-offset-16" (i64.const 65520)) "out of bounds memory access")
(assert_trap (invoke "load-offset-16" (i64.const -8)) "out of bounds memory access")
(assert_trap (invoke "load-offset-16" (i64.const -7)) "out of bounds memory access")
(assert_trap (invoke "load-offset-16" (i64.const -16)) "out of bounds memory access")
(assert_trap (invoke "load" (i64.const 0x100000008)) "out of bounds memory access")
(assert_trap (invoke "load" (i64.const -1)) "out of bounds memory access")
(assert_trap (invoke "load-offset-4g" (i64.const 0)) "out of bounds memory access")
(assert_trap (invoke "load-offset-4g" (i64.const -0x100000000)) "out of bounds memory access")
(assert_trap (invoke "store64" (i64.const 65529) (i64.const 1)) "out of bounds memory access")
(invoke "store64" (i64.const 65528) (i64.const 1))
(assert_return (invoke "size") (i64.const 1))
(assert_return (invoke "grow" (i64.const 0x100000001)) (i64.const -1))
(assert_return (invoke "grow" (i64.const 1)) (i64.const 1))
(assert_return (invoke "size") (i64.const 2))
(assert_return (invoke "load" (i64.const 65536)) (i32.const 0))
(assert_trap (invoke "fill" (i64.const 8) (i32.const 1) (i64.const -1)) "out of bounds memory access")
(assert_trap (invoke "fill" (i64.const -1) (i32.const 1) (i64.const 2)) "out of bounds memory access")
(invoke "fill" (i64.const 131071) (i32.const 5) (i64.const 1))
(assert_return (invoke "load" (i64.const 131071)) (i32.const 5))

(module $table64
  (type $t (func (result i32)))
  (table $tab i64 3 10 funcref)
  (elem (table $tab) (i64.const 0) func $a $b)
  (func $a (result i32) (i32.const 1))
  (func $b (result i32) (i32.const 2))
  ;; An i64 index whose low half is in range must not be truncated.
  (func (export "call") (param i64) (result i32) (call_indirect $tab (type $t) (local.get 0)))
  (func (export "size") (result i64) (table.size $tab))
  (func (export "grow") (param i64) (result i64) (table.grow $tab (ref.null func) (local.get 0)))
  (func (export "is-null") (param i64) (result i32) (ref.is_null (table.get $tab (local.get 0))))
)

(assert_return (invoke "call" (i64.const 1)) (i32.const 2))
(assert_trap (invoke "call" (i64.const 0x100000001)) "undefined element")
(assert_trap (invoke "call" (i64.const 2)) "uninitialized element")
(assert_return (invoke "size") (i64.const 3))
(assert_return (invoke "grow" (i64.const 0x100000000)) (i64.const -1))
(assert_return (invoke "grow" (i64.const 2)) (i64.const 3))
(assert_return (invoke "is-null" (i64.const 4)) (i32.const 1))
(assert_trap (invoke "is-null" (i64.const 0x100000000)) "out of bounds table access")
