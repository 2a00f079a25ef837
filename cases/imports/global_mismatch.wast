;; Global imports: type and mutability must match exactly.

(module $m
  (global (export "const-i32") i32 (i32.const 1))
  (global (export "mut-i32") (mut i32) (i32.const 2)))
(register "m" $m)
(assert_unlinkable
  (module (import "m" "const-i32" (global (mut i32))))
  "incompatible import type")
(assert_unlinkable
  (module (import "m" "mut-i32" (global i32)))
  "incompatible import type")
(assert_unlinkable
  (module (import "m" "const-i32" (global i64)))
  "incompatible import type")
(assert_unlinkable
  (module (import "m" "mut-i32" (global (mut f32))))
  "incompatible import type")
(module $ok
  (import "m" "mut-i32" (global $g (mut i32)))
  (func (export "set") (global.set $g (i32.const 9))))
(invoke $ok "set")
(assert_return (get $m "mut-i32") (i32.const 9))
