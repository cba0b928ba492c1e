;; A root over the cycle cyc3 <-> cycstart (the cycle does not go through
;; the root, which is loaded anonymously).
(module (import "cyc3" "f" (func (result i32))))
