;; Registering a second instance under a name already registered: its exports
;; shadow the earlier ones of the same name; what the new instance does not
;; export is still importable from the earlier one. Modules linked before keep
;; what they linked.

(module $one
  (func (export "which") (result i32) (i32.const 1))
  (func (export "only-in-one") (result i32) (i32.const 11)))
(register "m" $one)
(module $early
  (import "m" "which" (func $w (result i32)))
  (func (export "which") (result i32) (call $w)))
(module $two
  (func (export "which") (result i32) (i32.const 2)))
(register "m" $two)
(module $late
  (import "m" "which" (func $w (result i32)))
  (func (export "which") (result i32) (call $w)))
(assert_return (invoke $early "which") (i32.const 1))
(assert_return (invoke $late "which") (i32.const 2))
(observe
  (module $mixed
    (import "m" "only-in-one" (func $o (result i32)))
    (func (export "o") (result i32) (call $o)))
  (invoke $mixed "o"))
;; A host function defined twice: the later definition wins.
(host_func "env" "v" (result i32) (returns (i32.const 1)))
(host_func "env" "v" (result i32) (returns (i32.const 2)))
(module $host (import "env" "v" (func $v (result i32)))
  (func (export "v") (result i32) (call $v)))
(observe (invoke $host "v"))
