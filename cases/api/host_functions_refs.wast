;; References across the host boundary, both ways: a host function echoes an
;; `externref` (with the harness's host payload, and null) and a `funcref`
;; (null, and a function of the module's table, which the caller then calls
;; through the table), recording what it received.
;;
;; Finding: references cross unchanged on every engine that compiles the
;; module; Winch (wasmtime 48) refuses the `externref` import, wasmer 4.4
;; Singlepass panics on a `funcref` parameter and 6.1 Singlepass refuses an
;; `externref` one.

(host_func "host" "echo_extern" (param externref) (result externref) (computes echo))
(host_func "host" "echo_func" (param funcref) (result funcref) (computes echo))
(module $m
  (import "host" "echo_extern" (func $echo_extern (param externref) (result externref)))
  (import "host" "echo_func" (func $echo_func (param funcref) (result funcref)))
  (table $t 1 funcref)
  (elem (table $t) (i32.const 0) func $seven)
  (type $r (func (result i32)))
  (func $seven (result i32) (i32.const 7))
  (func (export "echo_extern") (param externref) (result externref)
    (call $echo_extern (local.get 0)))
  (func (export "echo_null_func") (result i32)
    (ref.is_null (call $echo_func (ref.null func))))
  (func (export "echo_func") (result i32)
    (table.set $t (i32.const 0) (call $echo_func (table.get $t (i32.const 0))))
    (call_indirect $t (type $r) (i32.const 0))))
(assert_return (invoke $m "echo_extern" (ref.extern 7)) (ref.extern 7))
(assert_return (invoke $m "echo_extern" (ref.null extern)) (ref.null extern))
(assert_return (invoke $m "echo_null_func") (i32.const 1))
(assert_return (invoke $m "echo_func") (i32.const 7))
(host_calls "host" "echo_extern")
(host_calls "host" "echo_func")
