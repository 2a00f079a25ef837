;; One instance serving many sequential calls: a batch of calls after 20 000
;; costs about what the first batches did (the fastest of five batches each,
;; so a busy machine does not decide), and memory does not grow with the number
;; of calls.

(module
  (memory 1)
  (func (export "work") (param i32) (result i32)
    (i32.store (i32.const 0) (i32.add (i32.load (i32.const 0)) (local.get 0)))
    (local.get 0))
  (func (export "total") (result i32) (i32.load (i32.const 0))))
(invoke "work" (i32.const 1))
(memory_usage "start")
(repeat 5 (timed "first" (repeat 400 (invoke "work" (i32.const 1)))))
(repeat 16000 (invoke "work" (i32.const 1)))
(repeat 5 (timed "later" (repeat 400 (invoke "work" (i32.const 1)))))
(memory_usage "end")
(assert_slowdown "first" "later" (at_most 3))
(assert_memory_growth "start" "end" (at_most 8 mib))
(assert_return (invoke "total") (i32.const 20001))
