(module (import "command" "inited" (func (result i32))))
