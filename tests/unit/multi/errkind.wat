(module (import "mA" "A" (global i32)))
