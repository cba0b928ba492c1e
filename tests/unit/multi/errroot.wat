(module (import "errmid" "x" (func)))
