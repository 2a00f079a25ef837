;; Found by `wasm-compat fuzz`: module seed 1199 (208 bytes, shrunk from 3468).
;; wasmtime@48.0.8: invoke: trap indirect-call-to-null
;; wazero@1.5.0: invoke: trap table-out-of-bounds
;; Finding: a `call_indirect` through a null table element: wazero (every
;; release) reports it as an out-of-bounds table access, V8 and the Rust engines
;; as a call to null (the difference spec/wasm-v2/elem.wast shows too).

(module binary
  "\00\61\73\6d\01\00\00\00\01\05\01\60\00\01\7e\03\02\01\00\04\07\01\70\01\e8\02\f4\05\06\26\06\7c\01\44\a3\a7\98\82\6f\94\75\61\0b\7e\01\42\00\0b\7f\01\41\00\0b\7e\01\42\00\0b\7f\01\41\00\0b\7f"
  "\01\41\00\0b\07\04\01\00\00\00\0c\01\01\0a\7c\01\7a\03\01\6f\01\7c\01\7d\41\00\04\40\00\0b\41\00\24\05\02\7f\44\1f\92\cd\1d\a0\4e\0a\af\44\00\00\00\00\00\00\f8\7f\41\01\1b\aa\11\00\00\44\62\2f"
  "\ba\2c\37\82\ff\bf\20\00\02\7c\20\00\21\00\44\27\fd\ca\a4\51\66\23\92\fc\09\00\44\de\4c\7f\cd\2b\38\73\86\24\00\23\04\24\04\23\01\24\01\0b\bd\23\03\85\24\03\1a\bd\23\03\85\24\03\23\01\85\24\01"
  "\41\01\0b\23\02\73\24\02\42\00\0b\0b\03\01\01\00")
(observe (invoke "" ))
