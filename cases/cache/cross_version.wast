;; An artifact serialized by one engine version, loaded by another: every
;; ordered pair of the family's matrix versions, two patch releases of one major
;; included. The grid snapshot says which pairs accept, which reject, and which
;; crash.
;;! cross-version = true

(module definition $m
  (func (export "answer") (result i32) (i32.const 42)))
(serialize $m "art")
(on second
  (deserialize $loaded "art")
  (module instance $i $loaded)
  (assert_return (invoke $i "answer") (i32.const 42)))
