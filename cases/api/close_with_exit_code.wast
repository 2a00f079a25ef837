;; Closing a running instance with an exit code (wazero's
;; `CloseWithExitCode`), what calls on it answer afterwards, and closing it
;; twice. Engines whose API has no such close are `unsupported` for these
;; directives, and their calls keep answering.
;;
;; Finding: on every wazero from 1.5.0 to 1.12.0, compiler and interpreter, a
;; call after `CloseWithExitCode(3)` fails with exit code 3, a second close
;; keeps the first code, and a plain `Close` makes it 0; wasmtime, wasmi,
;; wasmer and V8 have no such close.

(module $m
  (memory (export "mem") 1)
  (func (export "f") (result i32) (i32.const 7)))
(assert_return (invoke $m "f") (i32.const 7))
(close_instance $m (exit_code 3))
(observe (invoke $m "f"))
;; Closing again does not change the code calls report.
(close_instance $m (exit_code 5))
(observe (invoke $m "f"))
;; A plain close of another instance.
(module $n (func (export "f") (result i32) (i32.const 8)))
(close_instance $n)
(observe (invoke $n "f"))
;; Other instances are untouched.
(module $o (func (export "f") (result i32) (i32.const 9)))
(assert_return (invoke $o "f") (i32.const 9))
