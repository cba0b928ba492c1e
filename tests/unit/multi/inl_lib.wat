;; Cross-instance inlining (tests/unit/inline_imports_test.cpp): small
;; functions an importer's optimized code inlines across its import slots.
;; They use this instance's own memory, globals and loops.
(module
  (memory (export "mem") 1)
  (data (i32.const 16) "\2a\00\00\00")  ;; 42 at address 16 of this memory
  (global $calls (mut i32) (i32.const 0))
  ;; x + 42 (this memory) + the number of calls so far (this global)
  (func (export "bump") (param $x i32) (result i32)
    (global.set $calls (i32.add (global.get $calls) (i32.const 1)))
    (i32.add (local.get $x) (i32.add (i32.load (i32.const 16)) (global.get $calls))))
  (func (export "calls") (result i32) (global.get $calls))
  (func (export "div") (param i32 i32) (result i32) (i32.div_s (local.get 0) (local.get 1)))
  ;; 0 + 1 + ... + n-1, with a loop of its own
  (func (export "sum_to") (param $n i32) (result i32)
    (local $i i32) (local $s i32)
    (block $done
      (loop $next
        (br_if $done (i32.ge_s (local.get $i) (local.get $n)))
        (local.set $s (i32.add (local.get $s) (local.get $i)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (local.get $s))
  ;; the byte at `addr` of this memory
  (func (export "peek") (param $addr i32) (result i32) (i32.load8_u (local.get $addr))))
