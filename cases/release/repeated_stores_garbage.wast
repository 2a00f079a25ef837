;; Many short-lived requests, each in its own store as a server would run
;; them: instantiate, touch one 64 KiB page, drop the store; 2000 of them,
;; 125 MiB in all. A host that frees on drop stays flat; a garbage-collected
;; host keeps dropped stores until its collector runs (on its own, from
;; memory pressure, or on `collect`): how much it holds at the end depends on
;; its pacing (Node has held 24 to 38 MiB), so that bound is
;; `collector_timed` (checked where the host has no collector, recorded as not
;; guaranteed where it has one). Finding: after a full collection less than
;; 32 MiB of the 2000 stores is left everywhere.

(module definition $m
  (memory (export "mem") 1)
  (func (export "touch") (local $p i32) (loop $page (i32.store8 (local.get $p) (i32.const 1)) (br_if $page (i32.lt_u (local.tee $p (i32.add (local.get $p) (i32.const 4096))) (i32.const 65536))))))
(collect)
(memory_usage "start")
(repeat 2000
  (module instance $i $m)
  (invoke $i "touch")
  (drop_store))
(memory_usage "after requests")
;; Half of it would mean dropped stores pile up with nothing collecting them.
(assert_memory_growth "start" "after requests" (at_most 64 mib) (collector_timed))
(collect)
(memory_usage "collected")
(assert_memory_growth "start" "collected" (at_most 32 mib))
