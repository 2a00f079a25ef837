;; An instantiation whose start function traps, and a call through whatever the
;; engine's API handed back for it. An embedder that checks the error first
;; never does this; one that closes or calls "the module" it got back does.
;; Engines whose API returns no instance on failure answer `unsupported`.
;;
;; Finding: calling an export through the module wazero 1.5.0 to 1.8.2 hand
;; back on a failed start panics (nil pointer dereference); 1.9.0 and later
;; hand back nothing.

(module definition $traps_at_start
  (global (export "g") i32 (i32.const 5))
  (func $start unreachable)
  (func (export "f") (result i32) (i32.const 1))
  (start $start))
(instantiate_keeping $bad $traps_at_start)
(observe (invoke $bad "f"))
