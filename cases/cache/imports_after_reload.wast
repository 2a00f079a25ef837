;; A module with function, global, memory and table imports resolves them after a
;; reload exactly as a fresh compile does.

(module $provider
  (global (export "g") i32 (i32.const 100))
  (global (export "mg") (mut i32) (i32.const 5))
  (memory (export "mem") 1)
  (table (export "tab") 4 funcref)
  (func (export "add") (param i32 i32) (result i32)
    (i32.add (local.get 0) (local.get 1))))
(register "provider" $provider)
(host_func "host" "twice" (param i32) (result i32) (returns (i32.const 84)))

(module definition $user
  (import "provider" "add" (func $add (param i32 i32) (result i32)))
  (import "host" "twice" (func $twice (param i32) (result i32)))
  (import "provider" "g" (global $g i32))
  (import "provider" "mg" (global $mg (mut i32)))
  (import "provider" "mem" (memory 1))
  (import "provider" "tab" (table 4 funcref))
  (elem (i32.const 1) $add_g)
  (type $t (func (param i32) (result i32)))
  (func $add_g (param i32) (result i32) (call $add (local.get 0) (global.get $g)))
  (func (export "run") (param i32) (result i32)
    (global.set $mg (i32.add (global.get $mg) (i32.const 1)))
    (i32.store (i32.const 0) (call $twice (local.get 0)))
    (call_indirect (type $t) (i32.load (i32.const 0)) (i32.const 1))))

(module instance $fresh $user)
(assert_return (invoke $fresh "run" (i32.const 42)) (i32.const 184))
(serialize $user "art")
(deserialize $reloaded "art")
(module instance $again $reloaded)
(assert_return (invoke $again "run" (i32.const 42)) (i32.const 184))
;; Every instance that ran shares the provider's mutable global (7 where both
;; the fresh and the reloaded instance ran).
(observe (assert_return (get $provider "mg") (i32.const 7)))
(host_calls "host" "twice")
