;; A truncated artifact (the first half of a good one) must be refused.

(module definition $m
  (func (export "answer") (result i32) (i32.const 42)))
(serialize $m "good")
(artifact "half" (truncated "good"))
(assert_rejected (deserialize $x "half"))
(assert_rejected (deserialize_file $y "half"))
;; The engine is still usable afterwards.
(module instance $i $m)
(assert_return (invoke $i "answer") (i32.const 42))
