;; Many instances in one store: their memories stay allocated while the store
;; lives (dropping the instance handles does not free them), and come back when
;; the store is dropped. Finding: so it is in wasmtime and wasmi; in the
;; garbage-collected hosts (wazero in Go, V8 in Node) a dropped instance's
;; memory is garbage the collector frees, so it neither stays nor comes back
;; at the drop of the store (expectations.toml). What a collected host has
;; returned right after the drop depends on when its collector ran, so that
;; bound is `collector_timed` (not guaranteed there).

(module definition $m
  (memory (export "mem") 64)
  (func (export "touch") (local $p i32) (loop $page (i32.store8 (local.get $p) (i32.const 1)) (br_if $page (i32.lt_u (local.tee $p (i32.add (local.get $p) (i32.const 4096))) (i32.const 4194304))))))
(memory_usage "empty")
(repeat 20
  (module instance $i $m)
  (invoke $i "touch")
  (drop_instance $i))
;; Where the host has a garbage collector, after a full collection: what
;; stays is what the store holds, not garbage its collector has not reached.
(collect)
(memory_usage "full")
;; 20 instances x 4 MiB touched: at least 64 MiB more than before.
(assert_memory_growth "empty" "full" (at_least 64 mib))
(drop_store)
(memory_usage "released")
;; At least 64 MiB of it is returned to the operating system.
(assert_memory_growth "full" "released" (at_most -64 mib) (collector_timed))
