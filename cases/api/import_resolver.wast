;; Imports resolved by the engine's resolver callback, consulted by name at
;; instantiation instead of a registration (wazero's
;; `experimental.WithImportResolver`, a JavaScript import object looked up on
;; demand). Engines without one are `unsupported` for `resolve_imports`, and
;; the instantiation that relies on it is then unlinkable.
;;
;; Finding: wazero from 1.8.0 (`experimental.WithImportResolver`) and V8 in
;; every Node resolve the imports; the Rust engines' linkers and wazero
;; before 1.8 have no resolver.

(module $provider
  (func (export "seven") (result i32) (i32.const 7))
  (global (export "nine") i32 (i32.const 9)))
(resolve_imports "resolved" $provider)
(observe
  (module $user
    (import "resolved" "seven" (func $s (result i32)))
    (import "resolved" "nine" (global $n i32))
    (func (export "call") (result i32) (i32.add (call $s) (global.get $n))))
  (invoke $user "call"))
;; A name the resolved instance does not export is unlinkable, as for a
;; registration.
(observe
  (module (import "resolved" "missing" (func))))
