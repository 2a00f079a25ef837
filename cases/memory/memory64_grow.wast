;; A 64-bit memory grows like a 32-bit one, with i64 sizes and results, from
;; wasm and from the host.
;;! features = ["memory64"]

(module
  (memory (export "mem") i64 1 3)
  (func (export "grow") (param i64) (result i64) (memory.grow (local.get 0)))
  (func (export "size") (result i64) (memory.size))
  (func (export "load") (param i64) (result i32) (i32.load (local.get 0))))
(assert_return (invoke "grow" (i64.const 1)) (i64.const 1))
(assert_return (invoke "grow" (i64.const 0)) (i64.const 2))
(assert_return (invoke "grow" (i64.const 2)) (i64.const -1))
(grow_memory "mem" 1)
(assert_return (invoke "size") (i64.const 3))
(assert_return (invoke "load" (i64.const 196604)) (i32.const 0))
(observe (grow_memory "mem" 1))
(assert_return (invoke "grow" (i64.const 0x1_0000_0000)) (i64.const -1))
