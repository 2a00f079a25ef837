;; memory.grow returns the old size, -1 past the maximum, and growing by 0 is a
;; size query; growth from the host agrees with growth from wasm.

(module
  (memory (export "mem") 1 4)
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
  (func (export "size") (result i32) (memory.size)))
(assert_return (invoke "grow" (i32.const 1)) (i32.const 1))
(assert_return (invoke "grow" (i32.const 0)) (i32.const 2))
(assert_return (invoke "grow" (i32.const 3)) (i32.const -1))
(grow_memory "mem" 1)
(assert_return (invoke "size") (i32.const 3))
(memory_size "mem")
(grow_memory "mem" 2)
(memory_size "mem")
(assert_return (invoke "grow" (i32.const 1)) (i32.const 3))
(assert_return (invoke "grow" (i32.const 1)) (i32.const -1))
