;; A 32-bit externref table grown by 2^31 - 1 elements at once: the spec lets
;; an engine answer -1, and a machine cannot back the tens of GiB the table
;; would need. Some releases allocate it anyway and blow past the adapter's
;; resident-memory cap (`memory-limit`). Not under cases/: under the default
;; 8 GiB cap each run touches 8 GiB for tens of seconds (the matrix below caps
;; it at 2 GiB). The crash bisect of docs/bisect.md uses it:
;;   wasm-compat bisect --engine wasmi --good 1.0.9 --bad 2.0.0 \
;;       --matrix docs/examples/low-memory-cap.toml \
;;       --case docs/examples/table_grow_blowup.wast --verdict fails

(module
  (table $t (export "t") 1 externref)
  (func (export "grow") (param i32) (result i32)
    (table.grow $t (ref.null extern) (local.get 0))))
(assert_return (invoke "grow" (i32.const 0x7fffffff)) (i32.const -1))
