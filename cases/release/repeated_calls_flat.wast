;; One instance serving many sequential calls keeps a flat per-call cost and
;; memory: after a warm-up, 20 000 more calls keep no memory, and batches of
;; calls on it cost about what they cost on a fresh instance of the same
;; module (timed in alternation, the fastest of ten batches each compared, so
;; a busy machine slows both alike). Memory is measured after a full collection
;; where the host has a collector (`collect`): what the calls keep, not garbage.
;; Finding: every engine stays flat; V8 keeps 8 to 12 MiB more after its first
;; 20 000 calls and then stays flat, so the case measures after a warm-up.

(module definition $m
  (memory 1)
  (func (export "work") (param i32) (result i32)
    (i32.store (i32.const 0) (i32.add (i32.load (i32.const 0)) (local.get 0)))
    (local.get 0))
  (func (export "total") (result i32) (i32.load (i32.const 0))))
(module instance $old $m)
(invoke $old "work" (i32.const 1))
;; Warm-up: compiler tiers, and a garbage-collected host sizing its heap
;; (V8 keeps 8 to 12 MiB more after its first 20 000 calls, then stays flat).
(repeat 20000 (invoke $old "work" (i32.const 1)))
(collect)
(memory_usage "start")
(repeat 20000 (invoke $old "work" (i32.const 1)))
(collect)
(memory_usage "end")
(module instance $fresh $m)
(repeat 10
  (timed "fresh" (repeat 200 (invoke $fresh "work" (i32.const 1))))
  (timed "old" (repeat 200 (invoke $old "work" (i32.const 1)))))
(assert_slowdown "fresh" "old" (at_most 3))
(assert_memory_growth "start" "end" (at_most 8 mib))
(assert_return (invoke $old "total") (i32.const 42001))
(assert_return (invoke $fresh "total") (i32.const 2000))
