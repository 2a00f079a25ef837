;; An artifact with one bit flipped in its first byte (the object file's magic)
;; must be refused, through every loading path the engine has.

(module definition $m
  (func (export "answer") (result i32) (i32.const 42)))
(serialize $m "good")
(artifact "flipped" (bit_flipped "good" 0))
(assert_rejected (deserialize $x "flipped" (via every)))
(artifact "flipped-late" (bit_flipped "good" 5))
(assert_rejected (deserialize $y "flipped-late" (via every)))
