;; Memory never shrinks: not after growing, not when the growing instance is
;; dropped while another instance shares the memory, and new pages read as zero.

(module $owner
  (memory (export "mem") 1)
  (func (export "size") (result i32) (memory.size))
  (func (export "load") (param i32) (result i32) (i32.load (local.get 0))))
(register "owner" $owner)
(module $grower
  (import "owner" "mem" (memory 1))
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
  (func (export "store") (param i32 i32) (i32.store (local.get 0) (local.get 1))))
(assert_return (invoke $grower "grow" (i32.const 3)) (i32.const 1))
(assert_return (invoke $owner "load" (i32.const 196604)) (i32.const 0))
(invoke $grower "store" (i32.const 196604) (i32.const 99))
(drop_instance $grower)
(assert_return (invoke $owner "size") (i32.const 4))
(assert_return (invoke $owner "load" (i32.const 196604)) (i32.const 99))
(grow_memory $owner "mem" 0)
(memory_size $owner "mem")
