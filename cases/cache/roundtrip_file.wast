;; The same round trip through a file (`Module::deserialize_file` and the like),
;; loaded twice: two modules from one artifact file are independent.

(module definition $m
  (table (export "t") 2 funcref)
  (elem (i32.const 0) $seven $eight)
  (type $r (func (result i32)))
  (func $seven (result i32) (i32.const 7))
  (func $eight (result i32) (i32.const 8))
  (func (export "call") (param i32) (result i32)
    (call_indirect (type $r) (local.get 0)))
  (func (export "trap") (unreachable)))

(serialize $m "art")
(deserialize_file $a "art")
(deserialize_file $b "art")
(module instance $ia $a)
(module instance $ib $b)
(assert_return (invoke $ia "call" (i32.const 0)) (i32.const 7))
(assert_return (invoke $ib "call" (i32.const 1)) (i32.const 8))
(assert_trap (invoke $ia "call" (i32.const 2)) "undefined element")
(assert_trap (invoke $ib "trap") "unreachable")
