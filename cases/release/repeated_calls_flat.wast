;; One instance serving many sequential calls keeps a flat per-call cost and
;; memory: after 20 000 calls, batches of calls on it cost about what the same
;; batches cost on a fresh instance of the same module. The two are timed in
;; alternation and the fastest of ten batches each is compared, so a busy
;; machine slows both alike and does not decide.

(module definition $m
  (memory 1)
  (func (export "work") (param i32) (result i32)
    (i32.store (i32.const 0) (i32.add (i32.load (i32.const 0)) (local.get 0)))
    (local.get 0))
  (func (export "total") (result i32) (i32.load (i32.const 0))))
(module instance $old $m)
(invoke $old "work" (i32.const 1))
(memory_usage "start")
(repeat 20000 (invoke $old "work" (i32.const 1)))
(memory_usage "end")
(module instance $fresh $m)
(repeat 10
  (timed "fresh" (repeat 200 (invoke $fresh "work" (i32.const 1))))
  (timed "old" (repeat 200 (invoke $old "work" (i32.const 1)))))
(assert_slowdown "fresh" "old" (at_most 3))
(assert_memory_growth "start" "end" (at_most 8 mib))
(assert_return (invoke $old "total") (i32.const 22001))
(assert_return (invoke $fresh "total") (i32.const 2000))
