;; Dropping every instance (not the store) that holds 16 MiB of touched linear
;; memory, eight times: is the memory back after a full collection of the
;; host's garbage collector (`collect`; nothing to do where the host has
;; none), or only when the store goes? Engines whose store owns its instances
;; keep the memory until the store is dropped; a garbage-collected host frees
;; an unreachable instance's memory at a collection (how much its collector
;; frees on its own while the instances are made depends on its pacing, so
;; that point is not asserted; drop_store_then_collect.wast pins the drop
;; itself). expectations.toml names which engines keep it.

(module definition $big
  (memory (export "mem") 256)
  (func (export "touch") (local $p i32) (loop $page (i32.store8 (local.get $p) (i32.const 1)) (br_if $page (i32.lt_u (local.tee $p (i32.add (local.get $p) (i32.const 4096))) (i32.const 16777216))))))
(collect)
(memory_usage "empty")
(repeat 8
  (module instance $i $big)
  (invoke $i "touch")
  (drop_instance $i))
(collect)
(memory_usage "collected")
;; Returned once a collection has run.
(assert_memory_growth "empty" "collected" (at_most 32 mib))
(drop_store)
(collect)
(memory_usage "released")
;; With the store gone and a collection run, every engine gives it back.
(assert_memory_growth "empty" "released" (at_most 32 mib))
