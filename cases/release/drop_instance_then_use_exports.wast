;; Dropping an instance does not invalidate what other instances imported from
;; it: its memory and functions live as long as the store.

(module $provider
  (memory (export "mem") 1)
  (func (export "get") (result i32) (i32.const 5)))
(register "p" $provider)
(module $user
  (import "p" "mem" (memory 1))
  (import "p" "get" (func $get (result i32)))
  (func (export "run") (result i32)
    (i32.store (i32.const 0) (call $get))
    (i32.load (i32.const 0))))
(drop_instance $provider)
(assert_return (invoke $user "run") (i32.const 5))
;; The registration survives the drop too: new modules can still import from it.
(observe (module (import "p" "get" (func))))
(drop_store)
;; After the store is gone, so is the registration.
(observe (module (import "p" "get" (func (result i32)))))
