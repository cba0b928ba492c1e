(module (import "env" "not_registered" (func)))
