;; Host functions: calls are recorded with their arguments; a host function that
;; traps surfaces as a trap of the caller; one that returns a value of the wrong
;; type, or fewer values than it declares, is whatever the engine makes of it.
;;
;; Finding: wasmi 0.31, 1.0 and 2.0 pass a host function's wrongly typed or
;; missing results through unchecked (the call returns 5); wasmtime fails the
;; call ("function attempted to return an incompatible value"), and V8 (Node)
;; throws a `TypeError` at the JavaScript boundary. No wasmi issue was found.

(host_func "env" "log" (param i32 i64) (result i32) (returns (i32.const 7)))
(host_func "env" "boom" (param i32) (trap "boom"))
(host_func "env" "wrong-type" (result i32) (returns (i64.const 5)))
(host_func "env" "too-few" (result i32 i32) (returns (i32.const 5)))
(module
  (import "env" "log" (func $log (param i32 i64) (result i32)))
  (import "env" "boom" (func $boom (param i32)))
  (import "env" "wrong-type" (func $wrong (result i32)))
  (import "env" "too-few" (func $few (result i32 i32)))
  (func (export "log") (param i32) (result i32)
    (call $log (local.get 0) (i64.extend_i32_u (local.get 0))))
  (func (export "boom") (call $boom (i32.const 3)))
  (func (export "wrong") (result i32) (call $wrong))
  (func (export "few") (result i32) (drop (call $few)) ))
(assert_return (invoke "log" (i32.const 1)) (i32.const 7))
(assert_return (invoke "log" (i32.const -1)) (i32.const 7))
(host_calls "env" "log")
(assert_trap (invoke "boom") "host")
(host_calls "env" "boom")
(observe (invoke "wrong") (invoke "few"))
