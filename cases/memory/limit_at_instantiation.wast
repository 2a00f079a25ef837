;; A module whose initial memory is over the store's limit cannot be
;; instantiated; one within it can. What kind of failure the engine reports is
;; pinned by the snapshot.

(store_limits (memory_bytes 131072))
(module (memory 2))
(observe (module (memory 3)))
(module (memory (export "m") 1))
(observe (grow_memory "m" 2))
