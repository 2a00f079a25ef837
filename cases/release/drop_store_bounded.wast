;; Create a store, instantiate a module with a 16 MiB memory it fills, drop the
;; store, 40 times over: the adapter's resident memory stays bounded (a leak of
;; one memory per round would be 640 MiB). How many dropped stores a
;; garbage-collected host still holds at the end depends on when its
;; collector ran (up to 97 MiB on Node on a busy machine), so that bound is
;; `collector_timed` there; after a full collection the bound holds everywhere.

(module definition $big
  (memory (export "mem") 256)
  (func (export "touch") (local $p i32) (loop $page (i32.store8 (local.get $p) (i32.const 1)) (br_if $page (i32.lt_u (local.tee $p (i32.add (local.get $p) (i32.const 4096))) (i32.const 16777216))))))
(module instance $warm $big)
(invoke $warm "touch")
(drop_store)
(memory_usage "before")
(repeat 40
  (module instance $i $big)
  (invoke $i "touch")
  (drop_store))
(memory_usage "after")
(assert_memory_growth "before" "after" (at_most 160 mib) (collector_timed))
(collect)
(memory_usage "collected")
(assert_memory_growth "before" "collected" (at_most 160 mib))
