;; An on-disk compilation cache: a cold compile writes one entry, a warm compile
;; in a fresh engine reuses it (no new entry), and runs the same.

(compilation_cache "c")
(cache_entries "c")
(module (func (export "answer") (result i32) (i32.const 42)))
(assert_return (invoke "answer") (i32.const 42))
(cache_entries "c")
(compilation_cache "c")
(module (func (export "answer") (result i32) (i32.const 42)))
(assert_return (invoke "answer") (i32.const 42))
(cache_entries "c")
;; A different module is a new entry.
(module (func (export "answer") (result i32) (i32.const 43)))
(cache_entries "c")
