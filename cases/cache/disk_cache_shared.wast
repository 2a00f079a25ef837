;; One compilation cache directory shared by two engine versions: no version may
;; reuse (or crash on) another's entries. The grid cell counts the entries after
;; both compiled: 1 when both are the same version, 2 otherwise.
;;! cross-version = true
;;
;; Finding: every engine with an on-disk cache keeps an entry per version and
;; never crashes on another's; wazero's (`cache_dir` becomes
;; `wazero.NewCompilationCacheWithDir`) included, in every cross-version grid.

(compilation_cache "shared")
(module (func (export "answer") (result i32) (i32.const 42)))
(on second
  (compilation_cache "shared")
  (module (func (export "answer") (result i32) (i32.const 42)))
  (assert_return (invoke "answer") (i32.const 42))
  (cache_entries "shared"))
