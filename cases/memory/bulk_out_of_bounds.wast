;; Bulk memory and table operations out of bounds must trap without touching
;; anything; the kind of failure each engine reports is pinned by the snapshot
;; (the spec says `out of bounds memory access` / `out of bounds table access`).
;;
;; Finding: wasmi 1.0.9 reports an out-of-bounds `table.copy` as a table error,
;; not a trap (kind `other`); wasmi 0.31.2 and 2.0.0, and every wasmtime, trap.
;; `wasm-compat bisect` names 0.45.0 the first such release (0.44.1 traps):
;; https://github.com/wasmi-labs/wasmi/releases/tag/v0.45.0

(module
  (memory 1)
  (table 2 funcref)
  (elem $e func $f $f)
  (data $d "abcd")
  (func $f)
  (func (export "memory.fill") (memory.fill (i32.const 65535) (i32.const 0) (i32.const 2)))
  (func (export "memory.copy") (memory.copy (i32.const 65535) (i32.const 0) (i32.const 2)))
  (func (export "memory.init") (memory.init $d (i32.const 65535) (i32.const 0) (i32.const 2)))
  (func (export "table.copy") (table.copy (i32.const 1) (i32.const 0) (i32.const 2)))
  (func (export "table.init") (table.init $e (i32.const 1) (i32.const 0) (i32.const 2)))
  (func (export "table.fill") (table.fill (i32.const 1) (ref.null func) (i32.const 2)))
  (func (export "load") (param i32) (result i32) (i32.load8_u (local.get 0))))
(observe
  (invoke "memory.fill")
  (invoke "memory.copy")
  (invoke "memory.init")
  (invoke "table.copy")
  (invoke "table.init")
  (invoke "table.fill"))
(assert_return (invoke "load" (i32.const 65535)) (i32.const 0))
