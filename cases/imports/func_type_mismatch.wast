;; Function imports whose type differs from the definition: parameter, result,
;; and arity mismatches, against an instance's export and against a host function.

(module $m
  (func (export "i32->i32") (param i32) (result i32) (local.get 0)))
(register "m" $m)
(host_func "host" "i32->i32" (param i32) (result i32) (returns (i32.const 1)))
(assert_unlinkable
  (module (import "m" "i32->i32" (func (param i64) (result i32))))
  "incompatible import type")
(assert_unlinkable
  (module (import "m" "i32->i32" (func (param i32) (result i64))))
  "incompatible import type")
(assert_unlinkable
  (module (import "m" "i32->i32" (func (param i32 i32) (result i32))))
  "incompatible import type")
(assert_unlinkable
  (module (import "host" "i32->i32" (func (param i32))))
  "incompatible import type")
(assert_unlinkable
  (module (import "m" "i32->i32" (global i32)))
  "incompatible import type")
(module (import "host" "i32->i32" (func (param i32) (result i32))))
