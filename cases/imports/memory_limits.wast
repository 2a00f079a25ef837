;; Memory imports and limit subtyping: the exporter's minimum must be at least
;; the importer's, and its maximum (if the importer names one) at most the
;; importer's.

(module $m (memory (export "min1-nomax") 1))
(register "m" $m)
(module $n (memory (export "min2-max3") 2 3))
(register "m" $n)
(module (import "m" "min1-nomax" (memory 1)))
(module (import "m" "min1-nomax" (memory 0)))
(module (import "m" "min2-max3" (memory 1 3)))
(module (import "m" "min2-max3" (memory 2 4)))
(assert_unlinkable
  (module (import "m" "min1-nomax" (memory 2)))
  "incompatible import type")
(assert_unlinkable
  (module (import "m" "min1-nomax" (memory 1 5)))
  "incompatible import type")
(assert_unlinkable
  (module (import "m" "min2-max3" (memory 2 2)))
  "incompatible import type")
(assert_unlinkable
  (module (import "m" "min2-max3" (memory 3)))
  "incompatible import type")
;; Growing the exporter's memory changes what it satisfies.
(grow_memory $m "min1-nomax" 2)
(module (import "m" "min1-nomax" (memory 3)))
