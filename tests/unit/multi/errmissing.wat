(module (import "mB" "B" (func (result i32))) (import "nomod" "f" (func)))
