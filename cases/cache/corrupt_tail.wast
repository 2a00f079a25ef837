;; One bit flipped near the end of an artifact (section data the loader may not
;; check): whatever the engine does -- refuse, accept, or crash -- is pinned by
;; the snapshot, for every loading path the engine has. Alone in its case so
;; that a crash costs nothing else.
;;
;; Finding: wasmtime 24 through 48 accept the flipped artifact: the loader checks
;; the object header and the engine's compatibility fields, not the contents
;; (`Module::deserialize` is `unsafe` and documents that the bytes are trusted).

(module definition $m
  (func (export "answer") (result i32) (i32.const 42)))
(serialize $m "good")
(artifact "flipped" (bit_flipped "good" -16))
(deserialize $x "flipped" (via every))
