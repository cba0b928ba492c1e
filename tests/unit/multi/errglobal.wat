(module (import "mA" "g" (global i32)))
