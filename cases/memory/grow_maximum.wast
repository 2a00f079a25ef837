;; Growing to the 4 GiB maximum of a 32-bit memory without a declared maximum:
;; engines may refuse for lack of resources (-1) but must not trap or crash;
;; growing past 65536 pages is always -1.

(module
  (memory (export "mem") 0)
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0))))
(assert_return (invoke "grow" (i32.const 65537)) (i32.const -1))
(observe (invoke "grow" (i32.const 65536)))
(observe (invoke "grow" (i32.const 1)))
