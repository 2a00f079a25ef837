;; An artifact made under one engine configuration, loaded under another: with
;; the threads proposal turned on, then with it off again, and the reverse.
;;
;; Finding: wasmtime 24 through 48 load an artifact across a change of the
;; `threads` setting in both directions (its compatibility check compares the
;; features a module uses, not every setting).

(module definition $m
  (func (export "answer") (result i32) (i32.const 42)))
(serialize $m "plain")
(configure (features "threads"))
(deserialize $a "plain" (via every))
(observe
  (module definition $t
    (memory (export "shared") 1 1 shared)
    (func (export "answer") (result i32) (i32.const 43))))
(serialize $t "threaded")
(configure)
(deserialize $b "threaded" (via every))
