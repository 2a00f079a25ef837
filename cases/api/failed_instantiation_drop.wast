;; An instantiation whose start function traps, then the embedder releases
;; whatever the engine's API handed back for it (wazero: `Close`; the Rust
;; engines and V8 hand back nothing, so there is nothing to drop:
;; `unsupported`). The seed incident: a wazero compilation cache shared across
;; an upgrade failed instantiation, and the embedder's `Close` on the module
;; value returned with the error panicked.
;;
;; Finding: wazero 1.5.0 to 1.8.2 return a non-nil module beside the error
;; (a value wrapping a nil module instance), and `Close` on it panics with a
;; nil pointer dereference; 1.9.0 and later return nil. wasmtime, wasmi,
;; wasmer and V8 hand back nothing.

(module definition $traps_at_start
  (func $start unreachable)
  (func (export "f") (result i32) (i32.const 1))
  (start $start))
(instantiate_keeping $bad $traps_at_start)
(drop_instance $bad)
;; The engine is still usable afterwards.
(module $good (func (export "f") (result i32) (i32.const 2)))
(assert_return (invoke $good "f") (i32.const 2))
