;; Growth from the host is visible to wasm at once: the new pages are
;; addressable and zeroed, memory.size agrees, and an access past them traps.
;;
;; Finding: compiled code in wazero 1.7.0 to 1.7.2 does not see memory grown
;; from the host (fixed in 1.7.3); bisect from 1.6.0 names 1.7.0 the first bad
;; release: https://github.com/tetratelabs/wazero/releases/tag/v1.7.0

(module
  (memory (export "mem") 1)
  (func (export "size") (result i32) (memory.size))
  (func (export "load") (param i32) (result i32) (i32.load (local.get 0)))
  (func (export "store") (param i32 i32) (i32.store (local.get 0) (local.get 1))))
(assert_trap (invoke "load" (i32.const 65536)) "out of bounds memory access")
(grow_memory "mem" 1)
(assert_return (invoke "size") (i32.const 2))
(assert_return (invoke "load" (i32.const 65536)) (i32.const 0))
(invoke "store" (i32.const 131068) (i32.const 7))
(assert_return (invoke "load" (i32.const 131068)) (i32.const 7))
(assert_trap (invoke "load" (i32.const 131070)) "out of bounds memory access")
