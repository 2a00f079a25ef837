;; Imports that nothing registered or defined provides, filled by the linker's
;; own means (wasmtime's `define_unknown_imports_as_traps` and
;; `define_unknown_imports_as_default_values`), the function ones defined
;; twice. Engines
;; whose linker has no such operation are `unsupported` for the directive, and
;; their instantiation is then unlinkable.
;;
;; Finding: wasmtime 24 to 48 define unknown function imports as traps (a
;; call traps as a host error) and as default values (zeros); wasmtime 24 gives
;; default values to functions only, so a global, memory or table import
;; stays unlinkable, where 36 and later define them (zero, one page, one
;; slot). wasmi, wasmer, wazero and V8 have no such linker operation.

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

;; Default values for imports other than functions: a global, a memory and a
;; table.
(module definition $other_kinds
  (import "nowhere" "g" (global $g i64))
  (import "nowhere" "m" (memory 1))
  (import "nowhere" "t" (table 1 funcref))
  (func (export "g") (result i64) (global.get $g))
  (func (export "pages") (result i32) (memory.size))
  (func (export "slots") (result i32) (table.size)))
(define_unknown_imports $other_kinds defaults)
(observe
  (module instance $o $other_kinds)
  (invoke $o "g")
  (invoke $o "pages")
  (invoke $o "slots"))
