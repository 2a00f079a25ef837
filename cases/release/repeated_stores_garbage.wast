;; Many short-lived requests, each in its own store as a server would run
;; them: instantiate, touch one 64 KiB page, drop the store; 2000 of them,
;; 125 MiB in all. A host that frees on drop stays flat; a garbage-collected
;; host keeps dropped stores until its collector runs (on its own, from
;; memory pressure, or on `collect`): its collector must keep up (Node holds
;; 24 to 38 MiB at the end, depending on V8's pacing), and after a full
;; collection less is left.

(module definition $m
  (memory (export "mem") 1)
  (func (export "touch") (memory.fill (i32.const 0) (i32.const 1) (i32.const 65536))))
(collect)
(memory_usage "start")
(repeat 2000
  (module instance $i $m)
  (invoke $i "touch")
  (drop_store))
(memory_usage "after requests")
;; Half of it would mean dropped stores pile up with nothing collecting them.
(assert_memory_growth "start" "after requests" (at_most 64 mib))
(collect)
(memory_usage "collected")
(assert_memory_growth "start" "collected" (at_most 32 mib))
