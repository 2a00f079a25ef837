;; One compiled module instantiated against two import sets: a host function
;; redefined between the instantiations, and a registered module shadowed by
;; another. Each instance keeps calling what it was linked with.

(module definition $user
  (import "env" "k" (func $k (result i32)))
  (import "provider" "v" (func $v (result i32)))
  (func (export "k") (result i32) (call $k))
  (func (export "v") (result i32) (call $v)))
(host_func "env" "k" (result i32) (returns (i32.const 1)))
(module $p1 (func (export "v") (result i32) (i32.const 10)))
(register "provider" $p1)
(module instance $one $user)
(host_func "env" "k" (result i32) (returns (i32.const 2)))
(module $p2 (func (export "v") (result i32) (i32.const 20)))
(register "provider" $p2)
(module instance $two $user)
(assert_return (invoke $one "k") (i32.const 1))
(assert_return (invoke $two "k") (i32.const 2))
(assert_return (invoke $one "v") (i32.const 10))
(assert_return (invoke $two "v") (i32.const 20))
