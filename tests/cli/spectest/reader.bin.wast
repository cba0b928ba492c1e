;; The S-expression script reader (cli/wast_reader): every command form and
;; constant form the Wasm 3.0 suite uses. (; A block comment (; nested ;) ;)
(module definition $M binary
  "\00\61\73\6d\01\00\00\00\01\2f\0a\60\02\7f\7f\01"
  "\7f\60\01\7e\01\7e\60\01\7d\01\7d\60\01\7c\01\7c"
  "\60\01\7b\01\7b\60\00\01\7d\60\00\01\7b\60\01\6f"
  "\01\6f\60\00\01\70\60\00\00\03\0b\0a\00\01\02\03"
  "\04\05\06\07\08\09\06\06\01\7f\00\41\2a\0b\07\49"
  "\0b\01\67\03\00\03\61\64\64\00\00\03\69\36\34\00"
  "\01\03\66\33\32\00\02\03\66\36\34\00\03\04\76\31"
  "\32\38\00\04\03\6e\61\6e\00\05\04\76\6e\61\6e\00"
  "\06\03\65\78\74\00\07\08\6e\75\6c\6c\66\75\6e\63"
  "\00\08\04\74\72\61\70\00\09\0a\63\0a\07\00\20\00"
  "\20\01\6a\0b\04\00\20\00\0b\04\00\20\00\0b\04\00"
  "\20\00\0b\04\00\20\00\0b\0d\00\43\00\00\00\00\43"
  "\00\00\00\00\95\0b\29\00\fd\0c\00\00\00\00\00\00"
  "\80\3f\00\00\00\00\00\00\80\3f\fd\0c\00\00\00\00"
  "\00\00\80\3f\00\00\00\00\00\00\80\3f\fd\e7\01\0b"
  "\04\00\20\00\0b\04\00\d0\70\0b\03\00\00\0b"
)
(module instance $I $M)
(module instance)
(register "m" $I)
(assert_return (invoke $I "add" (i32.const 0x7fff_ffff) (i32.const 1)) (i32.const -0x8000_0000))
(assert_return (invoke "add" (i32.const -1) (i32.const 4_294_967_295)) (i32.const 0xffff_fffe))
(assert_return (invoke "i64" (i64.const -9_223_372_036_854_775_808)) (i64.const 0x8000_0000_0000_0000))
(assert_return (invoke "f32" (f32.const 0x1.fffffep+127)) (f32.const 3.4028234e38))
(assert_return (invoke "f32" (f32.const -0x1p-149)) (f32.const -1.4e-45))
(assert_return (invoke "f32" (f32.const 0x1.000001p0)) (f32.const 1))
(assert_return (invoke "f32" (f32.const -nan:0x20_0000)) (f32.const -nan:0x200000))
(assert_return (invoke "f32" (f32.const inf)) (f32.const +inf))
(assert_return (invoke "f64" (f64.const 0x1.fffffffffffffp+1023)) (f64.const 1.7976931348623157e308))
(assert_return (invoke "f64" (f64.const -nan)) (f64.const nan:arithmetic))
(assert_return (invoke "f64" (f64.const 1_000.5e-1_0)) (f64.const 1.0005e-7))
(assert_return (invoke "nan") (f32.const nan:canonical))
(assert_return (invoke "v128" (v128.const i8x16 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 -1))
  (v128.const i32x4 0x03020100 0x07060504 0x0b0a0908 0xff0e0d0c))
(assert_return (invoke "v128" (v128.const f64x2 -0x1p+0 inf)) (v128.const i64x2 0xbff0_0000_0000_0000 0x7ff0_0000_0000_0000))
(assert_return (invoke "vnan") (v128.const f32x4 nan:canonical 1 nan:arithmetic 1.0))
(assert_return (invoke "add" (i32.const 2) (i32.const 2))
  (either (i32.const 3) (i32.const 4) (i32.const 5)))
(assert_return (invoke "ext" (ref.extern 7)) (ref.extern 7))
(assert_return (invoke "ext" (ref.extern 7)) (ref.extern))
(assert_return (invoke "ext" (ref.null extern)) (ref.null))
(assert_return (invoke "ext" (ref.null noextern)) (ref.null extern))
(assert_return (invoke "nullfunc") (ref.null func))
(assert_return (get $I "g") (i32.const 42))
(get "g")
(invoke "add" (i32.const 1) (i32.const 2))
(assert_trap (invoke "trap") "unreachable")
(module binary
  "\00\61\73\6d\01\00\00\00\01\0c\02\60\02\7f\7f\01"
  "\7f\60\01\7f\01\7f\02\09\01\01\6d\03\61\64\64\00"
  "\00\03\02\01\01\07\09\01\05\74\77\69\63\65\00\01"
  "\0a\0a\01\08\00\20\00\20\00\10\00\0b"
)
(assert_return (invoke "twice" (i32.const 21)) (i32.const 42))
(assert_invalid (module binary
  "\00\61\73\6d\01\00\00\00\01\05\01\60\00\01\7f\03"
  "\02\01\00\0a\06\01\04\00\42\01\0b"
) "type mismatch")
(module definition binary
  "\00\61\73\6d\01\00\00\00\01\0a\02\60\02\7f\7f\01"
  "\7f\60\00\00\02\15\02\01\6d\03\61\64\64\00\00\01"
  "\6d\07\6d\69\73\73\69\6e\67\00\01"
)
(assert_unlinkable (module instance) "unknown import")
(module quote "(module)")
(module definition $G binary
  "\00\61\73\6d\01\00\00\00\01\03\01\5f\00"
)
(module instance $GI $G)
(assert_return (invoke $GI "anything") (i32.const 1))
(assert_invalid (module binary
  "\00\61\73\6d\01\00\00\00\01\03\01\5f\00"
) "anything")
