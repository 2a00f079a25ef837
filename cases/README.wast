;; cases/README.wast -- the format of wasm-compat's own cases, and itself a case.
;;
;; A case is a plain `.wast` file under cases/<area>/. Its test name is its path:
;; `cargo test -- cases/README.wast` runs this file on every engine of matrix.toml.
;;
;; Settings come first, as TOML on lines starting with `;;!`. Unknown keys are
;; rejected before the case runs, with the file and line. Known keys:
;;
;;   features = ["memory64"]   proposals to enable on top of the engine's defaults,
;;                             named like the spec repository's proposals/ folders;
;;                             an engine version that lacks one reports the case as
;;                             `unsupported` (with the reason), never pass or fail.
;;
;;! features = []
;;
;; The body uses the standard wast directives, interpreted once by the harness and
;; sent to each engine's adapter process (see PROTOCOL.md):

;; `module`: compile and instantiate; it becomes the current instance.
(module $counter
  (global $n (export "n") (mut i32) (i32.const 0))
  (memory (export "mem") 1 2)
  (func (export "bump") (result i32)
    (global.set $n (i32.add (global.get $n) (i32.const 1)))
    (global.get $n))
  (func (export "div") (param i32 i32) (result i32)
    (i32.div_s (local.get 0) (local.get 1)))
  (func (export "f32.id") (param f32) (result f32) (local.get 0)))

;; `assert_return`: results are compared by exact bits; NaN patterns as in the spec.
(assert_return (invoke "bump") (i32.const 1))
(assert_return (invoke "bump") (i32.const 2))
(assert_return (get "n") (i32.const 2))
(assert_return (invoke "f32.id" (f32.const nan:0x200001)) (f32.const nan:0x200001))

;; `assert_trap`: the message names a trap kind; kinds are compared, messages reported.
(assert_trap (invoke "div" (i32.const 1) (i32.const 0)) "integer divide by zero")
(assert_trap (invoke "div" (i32.const 0x80000000) (i32.const -1)) "integer overflow")

;; `register`: make an instance importable under a name.
(register "counter" $counter)
(module
  (import "counter" "bump" (func $bump (result i32)))
  (func (export "bump-twice") (result i32) (drop (call $bump)) (call $bump)))
(assert_return (invoke "bump-twice") (i32.const 4))

;; `assert_unlinkable`, `assert_invalid`, `assert_malformed`: the module must be
;; refused at link time, or at compile time.
(assert_unlinkable
  (module (import "counter" "missing" (func)))
  "unknown import")
(assert_invalid
  (module (func (result i32) (i64.const 0)))
  "type mismatch")
(assert_malformed
  (module binary "\00asm" "\02\00\00\00")
  "unknown binary version")
