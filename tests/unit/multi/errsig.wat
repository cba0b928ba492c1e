(module (import "mA" "A" (func (param i32) (result i32))))
