;; A module serialized and loaded back from bytes on the same engine version runs
;; exactly like a fresh compile of the same text. It is loaded through every
;; loading path the engine has (`(via every)`: bytes, raw bytes, file, open
;; file, and the unchecked paths); `$loaded` is the last one that loaded it.
;;
;; Finding: on wasmtime 48 `Module::deserialize_raw` (the no-copy path) refuses
;; even a good artifact on Linux ("this target requires virtual memory to be
;; enabled": it can only publish code through a custom code-memory hook), while
;; `deserialize`, `deserialize_file` and `deserialize_open_file` load it.

(module definition $m
  (global $g (mut i64) (i64.const 40))
  (memory (export "mem") 1)
  (data (i32.const 8) "\2a\00\00\00")
  (func (export "load") (result i32) (i32.load (i32.const 8)))
  (func (export "bump") (result i64)
    (global.set $g (i64.add (global.get $g) (i64.const 2)))
    (global.get $g))
  (func (export "nan") (result f32) (f32.div (f32.const 0) (f32.const 0))))

;; The fresh compile, for comparison.
(module instance $fresh $m)
(assert_return (invoke $fresh "load") (i32.const 42))
(assert_return (invoke $fresh "bump") (i64.const 42))

(serialize $m "art")
(deserialize $loaded "art" (via every))
(module instance $reloaded $loaded)
(assert_return (invoke $reloaded "load") (i32.const 42))
(assert_return (invoke $reloaded "bump") (i64.const 42))
(assert_return (invoke $reloaded "bump") (i64.const 44))
(assert_return (invoke $reloaded "nan") (f32.const nan:canonical))
;; Each instance has its own global: the reloaded one did not touch the fresh one.
(assert_return (invoke $fresh "bump") (i64.const 44))
