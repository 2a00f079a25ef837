;; With trap-on-grow-failure, a denied memory.grow traps instead of returning -1:
;; what kind of failure the engine reports is pinned by the snapshot.
;;
;; Finding: with `trap_on_grow_failure`, wasmi reports a trap; wasmtime reports
;; an error that is not a wasm trap (kind `other`), so an embedder matching on
;; `wasmtime::Trap` misses it.

(store_limits (memory_bytes 131072) (trap_on_grow_failure))
(module
  (memory (export "mem") 1)
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
  (func (export "size") (result i32) (memory.size)))
(assert_return (invoke "grow" (i32.const 1)) (i32.const 1))
(observe (invoke "grow" (i32.const 1)))
(assert_return (invoke "size") (i32.const 2))
