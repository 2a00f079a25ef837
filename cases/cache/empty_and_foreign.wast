;; Empty input, a WebAssembly binary, and arbitrary bytes handed to the artifact
;; loader must be refused, never run, through every loading path the engine
;; has.

(module definition $m
  (func (export "answer") (result i32) (i32.const 42)))
(artifact "empty" (empty))
(assert_rejected (deserialize $a "empty" (via every)))
(artifact "wasm" (module_bytes $m))
(assert_rejected (deserialize $c "wasm" (via every)))
(artifact "text" (bytes "this is not an artifact"))
(assert_rejected (deserialize $d "text" (via every)))
(artifact "elf" (bytes "\7fELF\02\01\01\00\00\00\00\00\00\00\00\00"))
(assert_rejected (deserialize $e "elf" (via every)))
