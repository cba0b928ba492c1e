(module
  (import "reactor" "inited" (func $inited (result i32)))
  (func (export "_start"))
  (func (export "check") (result i32) (call $inited)))
