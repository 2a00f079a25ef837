;; Found by `wasm-compat fuzz`: module seed 1199 (17 bytes, shrunk from 3468).
;; wasmtime@48.0.8+pooling: module: ok
;; wasmtime@48.0.8+winch: module: compile FAIL (expected success)
;; Finding: a passive element segment of one `externref`: Winch turns GC
;; types off, so the module is refused (expectations.toml); others accept it.

(module binary
  "\00\61\73\6d\01\00\00\00\09\04\01\05\6f\00\0c\01\00")
