;; NaN payloads across the host boundary, both ways: a signalling and a quiet
;; NaN with payload bits, passed by the harness and made by wasm constants, to
;; a host function that echoes them. The WebAssembly JS API lets a NaN
;; crossing into JavaScript change its payload; the Rust and Go embedding APIs
;; hand over bits. The records pin what each engine version does.

(host_func "host" "echo" (param f32 f64) (result f32 f64) (computes echo))
(module $m
  (import "host" "echo" (func $echo (param f32 f64) (result f32 f64)))
  (func (export "echo") (param f32 f64) (result f32 f64)
    (call $echo (local.get 0) (local.get 1)))
  (func (export "echo_signalling") (result f32 f64)
    (call $echo (f32.const nan:0x200001) (f64.const nan:0x4000000000001)))
  (func (export "echo_quiet") (result f32 f64)
    (call $echo (f32.const -nan:0x400001) (f64.const -nan:0x8000000000001))))
(observe
  (invoke $m "echo" (f32.const nan:0x200001) (f64.const nan:0x4000000000001))
  (invoke $m "echo_signalling")
  (invoke $m "echo_quiet"))
(host_calls "host" "echo")
