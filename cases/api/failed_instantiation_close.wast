;; An instantiation whose start function traps, then the embedder closes what
;; the engine's API handed back with an exit code (`close-instance`: wazero's
;; `CloseWithExitCode`; engines without it are `unsupported` there).
;;
;; Finding: `CloseWithExitCode` on the module wazero 1.5.0 to 1.8.2 hand back
;; on a failed start panics; 1.9.0 and later hand back nothing.

(module definition $traps_at_start
  (func $start unreachable)
  (func (export "f") (result i32) (i32.const 1))
  (start $start))
(instantiate_keeping $bad $traps_at_start)
(close_instance $bad (exit_code 1))
