;; Each assertion after the module fails: the reader's patterns must be able
;; to fail (either, per-lane NaN patterns, any-null, reference kinds).
(module binary "\00\61\73\6d\01\00\00\00\01\2f\0a\60\02\7f\7f\01\7f\60\01\7e\01\7e\60\01\7d\01\7d\60\01\7c\01\7c\60\01\7b\01\7b\60\00\01\7d\60\00\01\7b\60\01\6f\01\6f\60\00\01\70\60\00\00\03\0b\0a\00\01\02\03\04\05\06\07\08\09\06\06\01\7f\00\41\2a\0b\07\49\0b\01\67\03\00\03\61\64\64\00\00\03\69\36\34\00\01\03\66\33\32\00\02\03\66\36\34\00\03\04\76\31\32\38\00\04\03\6e\61\6e\00\05\04\76\6e\61\6e\00\06\03\65\78\74\00\07\08\6e\75\6c\6c\66\75\6e\63\00\08\04\74\72\61\70\00\09\0a\63\0a\07\00\20\00\20\01\6a\0b\04\00\20\00\0b\04\00\20\00\0b\04\00\20\00\0b\04\00\20\00\0b\0d\00\43\00\00\00\00\43\00\00\00\00\95\0b\29\00\fd\0c\00\00\00\00\00\00\80\3f\00\00\00\00\00\00\80\3f\fd\0c\00\00\00\00\00\00\80\3f\00\00\00\00\00\00\80\3f\fd\e7\01\0b\04\00\20\00\0b\04\00\d0\70\0b\03\00\00\0b")
(assert_return (invoke "add" (i32.const 2) (i32.const 2)) (either (i32.const 3) (i32.const 5)))
(assert_return (invoke "vnan") (v128.const f32x4 nan:canonical 2 nan:arithmetic 1))
(assert_return (invoke "ext" (ref.extern 7)) (ref.null))
(assert_return (invoke "ext" (ref.extern 7)) (ref.extern 8))
(assert_return (invoke "nan") (f32.const 0))
(assert_exception (invoke "trap"))
