;; An artifact serialized by one engine version, loaded by another: every
;; ordered pair of the family's matrix versions, two patch releases of one major
;; included. The grid snapshot says which pairs accept, which reject, and which
;; crash.
;;! cross-version = true
;;
;; Finding: wasmtime 48.0.7 and 48.0.8 load each other's artifacts; different
;; majors reject each other. Since wasmtime#11687 ("Don't break cwasm ABIs in
;; patch releases by default", prompted by wasmtime#11685) artifacts carry only
;; the major version. wasmi has no serialization (unsupported).

(module definition $m
  (func (export "answer") (result i32) (i32.const 42)))
(serialize $m "art")
(on second
  (deserialize $loaded "art")
  (module instance $i $loaded)
  (assert_return (invoke $i "answer") (i32.const 42)))
