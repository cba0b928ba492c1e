;; main(argc, argv): stores and returns argc * 100 + the first byte of argv[1].
(module
  (memory (export "memory") 1)
  (func (export "main") (param i32 i32) (result i32)
    (local $r i32)
    (local.set $r (i32.add (i32.mul (local.get 0) (i32.const 100))
                           (i32.load8_u (i32.load offset=4 (local.get 1)))))
    (i32.store (i32.const 0) (local.get $r))
    (local.get $r)))
