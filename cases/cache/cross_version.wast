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
;;
;; Finding: on wasmtime 48.0.8 an artifact made with the default
;; configuration loads under the pooling allocator and the reverse, but one
;; made under Winch, or with a 64 KiB memory guard, is rejected by every other
;; configuration (`Module::deserialize` checks the compiler and the
;; memory-layout settings an artifact was made with).
;;
;; Finding: an artifact wasmer made with Singlepass loads into a Cranelift
;; engine of the same release and the reverse (wasmer does not check which
;; compiler made it), and no wasmer artifact crosses a major release.

(module definition $m
  (func (export "answer") (result i32) (i32.const 42)))
(serialize $m "art")
(on second
  (deserialize $loaded "art")
  (module instance $i $loaded)
  (assert_return (invoke $i "answer") (i32.const 42)))
