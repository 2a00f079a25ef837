;; Table imports: element type must match, limits follow the same subtyping as
;; memories.

(module $m
  (table (export "f2") 2 funcref)
  (table (export "f2-4") 2 4 funcref)
  (table (export "e2") 2 externref))
(register "m" $m)
(module (import "m" "f2" (table 1 funcref)))
(module (import "m" "f2-4" (table 2 4 funcref)))
(assert_unlinkable
  (module (import "m" "f2" (table 3 funcref)))
  "incompatible import type")
(assert_unlinkable
  (module (import "m" "f2" (table 2 10 funcref)))
  "incompatible import type")
(assert_unlinkable
  (module (import "m" "f2-4" (table 2 3 funcref)))
  "incompatible import type")
(assert_unlinkable
  (module (import "m" "e2" (table 2 funcref)))
  "incompatible import type")
(assert_unlinkable
  (module (import "m" "f2" (table 2 externref)))
  "incompatible import type")
