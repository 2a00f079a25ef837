;; Imports that nothing registered or defined provides, filled by the linker's
;; own means (wasmtime's `define_unknown_imports_as_traps` and
;; `define_unknown_imports_as_default_values`), each defined twice. Engines
;; whose linker has no such operation are `unsupported` for the directive, and
;; their instantiation is then unlinkable.

(module definition $calls_nowhere
  (import "nowhere" "f" (func $f (param i32) (result i32)))
  (func (export "call") (result i32) (call $f (i32.const 1))))
(define_unknown_imports $calls_nowhere traps)
(define_unknown_imports $calls_nowhere traps)
(observe
  (module instance $t $calls_nowhere)
  (invoke $t "call"))

(module definition $reads_nowhere
  (import "nowhere" "f" (func $f (param i32) (result i64)))
  (import "nowhere" "g" (func $g (result f64)))
  (func (export "call") (result i64) (call $f (i32.const 1)))
  (func (export "call_g") (result f64) (call $g)))
(define_unknown_imports $reads_nowhere defaults)
(define_unknown_imports $reads_nowhere defaults)
(observe
  (module instance $d $reads_nowhere)
  (invoke $d "call")
  (invoke $d "call_g"))
