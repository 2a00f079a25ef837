;; A chain of registered instances: c imports from b, which re-exports what it
;; imported from a; calls, globals and memory flow through the chain.

(module $a
  (memory (export "mem") 1)
  (global (export "g") (mut i32) (i32.const 1))
  (func (export "f") (result i32) (i32.const 10)))
(register "a" $a)
(module $b
  (import "a" "f" (func $f (result i32)))
  (import "a" "mem" (memory 1))
  (import "a" "g" (global $g (mut i32)))
  (export "f" (func $f))
  (export "mem" (memory 0))
  (export "g" (global $g))
  (func (export "f+1") (result i32) (i32.add (call $f) (i32.const 1))))
(register "b" $b)
(module $c
  (import "b" "f" (func $f (result i32)))
  (import "b" "f+1" (func $f1 (result i32)))
  (import "b" "mem" (memory 1))
  (import "b" "g" (global $g (mut i32)))
  (func (export "run") (result i32)
    (i32.store (i32.const 0) (i32.const 77))
    (global.set $g (i32.const 5))
    (i32.add (call $f) (call $f1))))
(assert_return (invoke $c "run") (i32.const 21))
(assert_return (get $a "g") (i32.const 5))
(module $reader
  (import "a" "mem" (memory 1))
  (func (export "read") (result i32) (i32.load (i32.const 0))))
(assert_return (invoke $reader "read") (i32.const 77))
