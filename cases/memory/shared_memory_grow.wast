;; A shared memory (threads proposal) must declare a maximum, grows up to it
;; from wasm and from the host, and is seen grown by every instance sharing it.
;;! features = ["threads"]

(module $owner
  (memory (export "mem") 1 3 shared)
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
  (func (export "size") (result i32) (memory.size)))
(register "owner" $owner)
(module $user
  (import "owner" "mem" (memory 1 3 shared))
  (func (export "size") (result i32) (memory.size))
  (func (export "store") (param i32 i32) (i32.atomic.store (local.get 0) (local.get 1)))
  (func (export "load") (param i32) (result i32) (i32.atomic.load (local.get 0))))
(assert_return (invoke $owner "grow" (i32.const 1)) (i32.const 1))
(assert_return (invoke $user "size") (i32.const 2))
(observe (grow_memory $owner "mem" 1))
(observe (invoke $user "size"))
(assert_return (invoke $owner "grow" (i32.const 1)) (i32.const -1))
(invoke $user "store" (i32.const 65536) (i32.const 5))
(assert_return (invoke $user "load" (i32.const 65536)) (i32.const 5))
(assert_invalid (module (memory 1 shared)) "shared memory must have maximum")
