(module (import "garbage" "f" (func)))
