;; One bit flipped near the end of an artifact (section data the loader may not
;; check): whatever the engine does -- refuse, accept, or crash -- is pinned by
;; the snapshot. Alone in its case so that a crash costs nothing else.

(module definition $m
  (func (export "answer") (result i32) (i32.const 42)))
(serialize $m "good")
(artifact "flipped" (bit_flipped "good" -16))
(deserialize $x "flipped")
