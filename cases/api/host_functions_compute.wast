;; Host functions that answer from their arguments, so what crosses the host
;; boundary is checked both ways: the host records the bits it received
;; (`host_calls`), and the wasm caller returns the bits the host answered.
;; Values are made by the wasm code itself (constants, as a compiler or an
;; interpreter materialises them) and by the harness (arguments), with high
;; bits set, negative zero and many parameters of mixed types (references
;; are in host_functions_refs.wast, NaN payloads in host_functions_nan.wast).
;; Run under every configuration of the matrix, so interpreters (wazero's,
;; wasmi) and compilers (Cranelift, Winch, Singlepass, V8's tiers) both.
;; `combine` folds every argument's bits (`h = rotl(h, 7) ^ bits`,
;; PROTOCOL.md), so one lost or altered bit of any of its twenty arguments
;; changes the answer.
;;
;; Finding: every engine passes integer and float bits both ways unchanged
;; under every configuration it runs; wasmer 7.4 Singlepass aborts compiling
;; a call to an import with several results.

(host_func "host" "echo" (param i32 i64 f32 f64) (result i32 i64 f32 f64) (computes echo))
(host_func "host" "add_i32" (param i32 i32) (result i32) (computes add))
(host_func "host" "add_i64" (param i64 i64 i64) (result i64) (computes add))
(host_func "host" "add_f64" (param f64 f64) (result f64) (computes add))
(host_func "host" "combine" (param i32 i64 f32 f64 i32 i64 f32 f64 i32 i64 f32 f64 i32 i64 f32 f64 i32 i64 f32 f64) (result i64) (computes combine))
(module $m
  (import "host" "echo" (func $echo (param i32 i64 f32 f64) (result i32 i64 f32 f64)))
  (import "host" "add_i32" (func $add_i32 (param i32 i32) (result i32)))
  (import "host" "add_i64" (func $add_i64 (param i64 i64 i64) (result i64)))
  (import "host" "add_f64" (func $add_f64 (param f64 f64) (result f64)))
  (import "host" "combine" (func $combine (param i32 i64 f32 f64 i32 i64 f32 f64 i32 i64 f32 f64 i32 i64 f32 f64 i32 i64 f32 f64) (result i64)))
  (func (export "echo") (param i32 i64 f32 f64) (result i32 i64 f32 f64)
    (call $echo (local.get 0) (local.get 1) (local.get 2) (local.get 3)))
  (func (export "echo_consts") (result i32 i64 f32 f64)
    (call $echo (i32.const 0x80000001) (i64.const 0x8000000000000001)
      (f32.const -0x1p-149) (f64.const -0x0p+0)))
  (func (export "add_i32") (result i32)
    (call $add_i32 (i32.const 0x7fffffff) (i32.const 0x7fffffff)))
  (func (export "add_i64") (param i64) (result i64)
    (call $add_i64 (local.get 0) (i64.const 0x7fffffffffffffff) (i64.const 2)))
  (func (export "add_f64") (result f64)
    (call $add_f64 (f64.const 0x1p+1023) (f64.const 0x1p+1023)))
  (func (export "combine") (result i64)
    (call $combine
      (i32.const -1) (i64.const -1) (f32.const -0x0p+0) (f64.const 0x1.fffffffffffffp+1023)
      (i32.const 1) (i64.const 0x0102030405060708) (f32.const 0x1p-126) (f64.const -0x1p-1074)
      (i32.const 0x80000000) (i64.const 0x8000000000000000) (f32.const inf) (f64.const -inf)
      (i32.const 3) (i64.const 4) (f32.const 5) (f64.const 6)
      (i32.const 0x7fffffff) (i64.const 0x7fffffffffffffff) (f32.const 0x1.fffffep+127) (f64.const 1))))
(assert_return (invoke $m "echo" (i32.const 0xfedcba98) (i64.const 0xfedcba9876543210) (f32.const -0x1.fffffep+127) (f64.const 0x1p-1022))
  (i32.const 0xfedcba98) (i64.const 0xfedcba9876543210) (f32.const -0x1.fffffep+127) (f64.const 0x1p-1022))
(assert_return (invoke $m "echo_consts")
  (i32.const 0x80000001) (i64.const 0x8000000000000001) (f32.const -0x1p-149) (f64.const -0x0p+0))
(assert_return (invoke $m "add_i32") (i32.const -2))
(assert_return (invoke $m "add_i64" (i64.const 0x7fffffffffffffff)) (i64.const 0))
(assert_return (invoke $m "add_f64") (f64.const inf))
(assert_return (invoke $m "combine") (i64.const 0xd1e56e107f8e53ad))
(host_calls "host" "echo")
(host_calls "host" "add_i64")
(host_calls "host" "combine")
