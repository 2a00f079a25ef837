;; A store limit on memory bytes: growth within it succeeds, growth past it is
;; denied (-1 from wasm, a failure from the host), and the memory is unchanged.

(store_limits (memory_bytes 196608))
(module
  (memory (export "mem") 1)
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
  (func (export "size") (result i32) (memory.size)))
(assert_return (invoke "grow" (i32.const 2)) (i32.const 1))
(assert_return (invoke "grow" (i32.const 1)) (i32.const -1))
(grow_memory "mem" 1)
(assert_return (invoke "size") (i32.const 3))
(assert_return (invoke "grow" (i32.const 0)) (i32.const 3))
