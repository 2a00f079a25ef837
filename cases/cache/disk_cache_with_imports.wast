;; An on-disk compilation cache shared by two engine versions, holding a
;; module whose imports are a host function and another module's export:
;; each side defines the host function, instantiates and registers the
;; library, then compiles the importer through the cache. A cache entry
;; must never carry over what it was linked with (a stale host function,
;; another version's trampolines): the importer answers from the imports of
;; its own side, and the grid counts the entries after both compiled.
;;! cross-version = true

(compilation_cache "shared")
(host_func "env" "base" (result i32) (returns (i32.const 40)))
(module $lib (func (export "two") (result i32) (i32.const 2)))
(register "lib" $lib)
(module $user
  (import "env" "base" (func $base (result i32)))
  (import "lib" "two" (func $two (result i32)))
  (func (export "answer") (result i32) (i32.add (call $base) (call $two))))
(assert_return (invoke $user "answer") (i32.const 42))
(on second
  (compilation_cache "shared")
  ;; The second side's host function answers otherwise: a cached entry that
  ;; kept the first side's would show as 42.
  (host_func "env" "base" (result i32) (returns (i32.const 50)))
  (module $lib (func (export "two") (result i32) (i32.const 2)))
  (register "lib" $lib)
  (module $user
    (import "env" "base" (func $base (result i32)))
    (import "lib" "two" (func $two (result i32)))
    (func (export "answer") (result i32) (i32.add (call $base) (call $two))))
  (assert_return (invoke $user "answer") (i32.const 52))
  (host_calls "env" "base")
  (cache_entries "shared"))
