;; Dropping a store whose instances hold 128 MiB of touched linear memory:
;; is the memory back at once, or only after the host's garbage collector
;; runs? Measured after the drop and again after a full collection
;; (`collect`; nothing to do where the host has no collector). An engine
;; that frees on drop passes both bounds; in a garbage-collected host the
;; memory stays until a collection, so the first bound fails and the second
;; holds: the snapshot pins which. Finding: wasmtime and wasmi return it at
;; the drop; Node (V8) returns nothing and wazero under 0.4 MiB until the
;; collection, then all of it.

(module definition $big
  (memory (export "mem") 256)
  (func (export "touch") (memory.fill (i32.const 0) (i32.const 1) (i32.const 16777216))))
(collect)
(memory_usage "empty")
(repeat 8
  (module instance $i $big)
  (invoke $i "touch"))
(memory_usage "full")
;; 8 memories of 16 MiB, every page touched.
(assert_memory_growth "empty" "full" (at_least 96 mib))
(drop_store)
(memory_usage "dropped")
;; Returned by the drop itself.
(assert_memory_growth "full" "dropped" (at_most -96 mib))
(collect)
(memory_usage "collected")
;; Returned once a collection has run.
(assert_memory_growth "full" "collected" (at_most -96 mib))
