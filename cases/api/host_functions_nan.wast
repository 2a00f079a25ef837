;; NaN payloads across the host boundary, both ways: a signalling and a quiet
;; NaN with payload bits, passed by the harness and made by wasm constants, to
;; host functions that echo them. The WebAssembly JS API lets a NaN crossing
;; into JavaScript change its payload; the Rust and Go embedding APIs hand
;; over bits. The records pin what each engine version does.
;;
;; Finding: V8 quiets a signalling f32 NaN passed to a JavaScript host
;; function in every Node from 18 to 24 (0x7fa00001 arrives as 0x7fe00001);
;; Node 22 and 24 also quiet a signalling f64 NaN the host function returns
;; (0x7ff4000000000001 comes back 0x7ffc000000000001), where Node 18 and 20
;; return it unchanged. wasmtime, wasmi, wasmer and wazero pass every bit,
;; except wasmer 4.4 with Singlepass, where a float a host function returns
;; arrives as +0.0 or intact depending on how the adapter itself was compiled
;; (builds of one adapter source differing only in an unrelated module gave
;; both): the engine reads the result from where the host code happened to
;; leave it. This repository's build gets +0.0; 6.1 and 7.4 pass.

(host_func "host" "echo_f32" (param f32) (result f32) (computes echo))
(host_func "host" "echo_f64" (param f64) (result f64) (computes echo))
(module $m
  (import "host" "echo_f32" (func $echo_f32 (param f32) (result f32)))
  (import "host" "echo_f64" (func $echo_f64 (param f64) (result f64)))
  (func (export "echo_f32") (param f32) (result f32) (call $echo_f32 (local.get 0)))
  (func (export "echo_f64") (param f64) (result f64) (call $echo_f64 (local.get 0)))
  (func (export "signalling_f32") (result f32) (call $echo_f32 (f32.const nan:0x200001)))
  (func (export "signalling_f64") (result f64) (call $echo_f64 (f64.const nan:0x4000000000001)))
  (func (export "quiet_f32") (result f32) (call $echo_f32 (f32.const -nan:0x400001)))
  (func (export "quiet_f64") (result f64) (call $echo_f64 (f64.const -nan:0x8000000000001))))
(observe
  (invoke $m "echo_f32" (f32.const nan:0x200001))
  (invoke $m "echo_f64" (f64.const nan:0x4000000000001))
  (invoke $m "signalling_f32")
  (invoke $m "signalling_f64")
  (invoke $m "quiet_f32")
  (invoke $m "quiet_f64"))
(host_calls "host" "echo_f32")
(host_calls "host" "echo_f64")
