;; A module that re-exports an imported host function, and the embedder
;; calling that export from the host (not from wasm): the call goes from the
;; embedder through the engine's export wrapper straight into the host.
;;
;; Finding: wazero's compiler from 1.5.0 to 1.11.0 panics when the host calls
;; a re-exported host function (the interpreter and 1.12.0 pass); every other
;; engine passes.

(host_func "env" "seven" (param i32) (result i32) (returns (i32.const 7)))
(module $m
  (import "env" "seven" (func $seven (param i32) (result i32)))
  (export "seven" (func $seven))
  (func (export "call") (result i32) (call $seven (i32.const 1))))
(assert_return (invoke $m "call") (i32.const 7))
(assert_return (invoke $m "seven" (i32.const 2)) (i32.const 7))
(host_calls "env" "seven")
