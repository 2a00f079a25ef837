;; Dropping a module while an instance of it lives: the instance keeps working
;; (it holds its code), and the module handle is gone.

(module definition $m
  (func (export "answer") (result i32) (i32.const 42)))
(module instance $i $m)
(drop_module $m)
(assert_return (invoke $i "answer") (i32.const 42))
(repeat 100 (assert_return (invoke $i "answer") (i32.const 42)))
