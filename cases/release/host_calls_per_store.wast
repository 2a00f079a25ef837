;; Host functions outlive stores: after drop_store, a new instance links against
;; the same host function, and its call log continues.

(host_func "env" "tick" (param i32))
(module (import "env" "tick" (func $t (param i32)))
  (func (export "go") (param i32) (call $t (local.get 0))))
(invoke "go" (i32.const 1))
(drop_store)
(module (import "env" "tick" (func $t (param i32)))
  (func (export "go") (param i32) (call $t (local.get 0))))
(invoke "go" (i32.const 2))
(repeat 3 (invoke "go" (i32.const 3)))
(host_calls "env" "tick")
