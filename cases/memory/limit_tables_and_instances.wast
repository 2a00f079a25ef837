;; Store limits on table elements and on the number of instances.

(store_limits (table_elements 10) (instances 3))
(module $t
  (table $tab 5 funcref)
  (func (export "grow") (param i32) (result i32)
    (table.grow $tab (ref.null func) (local.get 0)))
  (func (export "size") (result i32) (table.size $tab)))
(assert_return (invoke $t "grow" (i32.const 5)) (i32.const 5))
(assert_return (invoke $t "grow" (i32.const 1)) (i32.const -1))
(assert_return (invoke $t "size") (i32.const 10))
(module $two)
(module $three)
(observe (module $four))
(observe (module (table 11 funcref)))
