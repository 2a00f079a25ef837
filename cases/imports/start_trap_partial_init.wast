;; A start function that traps after initialization began: instantiation fails,
;; and what the failed instance already wrote to imported memory and tables
;; stays visible through the exporter.

(module $shared
  (memory (export "mem") 1)
  (table (export "tab") 2 funcref)
  (func (export "load") (param i32) (result i32) (i32.load (local.get 0)))
  (type $r (func (result i32)))
  (func (export "call") (param i32) (result i32) (call_indirect (type $r) (local.get 0))))
(register "shared" $shared)
(assert_trap
  (module
    (import "shared" "mem" (memory 1))
    (import "shared" "tab" (table 2 funcref))
    (elem (i32.const 1) $nine)
    (data (i32.const 0) "\01\00\00\00")
    (func $nine (result i32) (i32.const 9))
    (func $start
      (i32.store (i32.const 4) (i32.const 2))
      (unreachable))
    (start $start))
  "unreachable")
;; Data and element segments were applied before the start function ran, and
;; the start function's own store happened before it trapped.
(assert_return (invoke $shared "load" (i32.const 0)) (i32.const 1))
(assert_return (invoke $shared "load" (i32.const 4)) (i32.const 2))
(assert_return (invoke $shared "call" (i32.const 1)) (i32.const 9))
