;; A truncated artifact (the first half of a good one) must be refused, through
;; every loading path the engine has.

(module definition $m
  (func (export "answer") (result i32) (i32.const 42)))
(serialize $m "good")
(artifact "half" (truncated "good"))
(assert_rejected (deserialize $x "half" (via every)))
;; The engine is still usable afterwards.
(module instance $i $m)
(assert_return (invoke $i "answer") (i32.const 42))
