(module (import "mA" "nope" (func (result i32))) (func (export "x")))
