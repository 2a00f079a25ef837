;; Imports nobody defined: a function, a memory, a global, and a name that
;; exists under another module name.

(module $m (func (export "f")))
(register "m" $m)
(assert_unlinkable
  (module (import "nowhere" "f" (func)))
  "unknown import")
(assert_unlinkable
  (module (import "m" "mem" (memory 1)))
  "unknown import")
(assert_unlinkable
  (module (import "m" "g" (global i32)))
  "unknown import")
(assert_unlinkable
  (module (import "M" "f" (func)))
  "unknown import")
;; The linker has not changed: the right import still links.
(module (import "m" "f" (func)))
