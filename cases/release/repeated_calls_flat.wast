;; One instance serving many sequential calls: the 20 000th batch of calls costs
;; about what the first did, and memory does not grow with the number of calls.

(module
  (memory 1)
  (func (export "work") (param i32) (result i32)
    (i32.store (i32.const 0) (i32.add (i32.load (i32.const 0)) (local.get 0)))
    (i32.load (i32.const 0))))
(invoke "work" (i32.const 1))
(memory_usage "start")
(timed "first" (repeat 2000 (invoke "work" (i32.const 1))))
(repeat 16000 (invoke "work" (i32.const 1)))
(timed "later" (repeat 2000 (invoke "work" (i32.const 1))))
(memory_usage "end")
(assert_slowdown "first" "later" (at_most 3))
(assert_memory_growth "start" "end" (at_most 8 mib))
(assert_return (invoke "work" (i32.const 0)) (i32.const 20001))
