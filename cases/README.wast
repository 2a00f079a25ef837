;; cases/README.wast -- the format of wasm-compat's own cases, and itself a case.
;;
;; A case is a plain `.wast` file under cases/<area>/. Its test name is its path:
;; `cargo test -- cases/README.wast` runs this file on every engine of matrix.toml.
;;
;; Settings come first, as TOML on lines starting with `;;!`. A key wasm-compat
;; does not know (a newer runner's) makes the case `unsupported`, naming the key
;; and its line (a near miss of a known key is named too), and a run warns once
;; per key; a bad value of a known key breaks the case, with the file and line.
;; Proposals a case's modules need are found by validation and enabled beside
;; those it declares (`gc = false` in wasmtime's vocabulary keeps one off).
;; Known keys:
;;
;;   features = ["memory64"]   proposals to enable on top of the engine's defaults,
;;                             named like the spec repository's proposals/ folders;
;;                             an engine version that lacks one reports the case as
;;                             `unsupported` (with the reason), never pass or fail.
;;   cross-version = true      run the case on every ordered pair (first, second)
;;                             of versions of one engine family in the matrix;
;;                             `(on second ...)` blocks run on the second, the rest
;;                             on the first. Its snapshot is the family's grid
;;                             (accepted / rejected / crash per pair), e.g.
;;                             cases/cache/cross_version.wast.
;;
;; Every local case also has a reviewed snapshot per engine version under
;; snapshots/ (cases/a/b.wast -> snapshots/a/b/ENGINE@VERSION.snap): a line per
;; directive with its outcome kind, values, pages or counts -- never engine
;; messages, timings or memory figures. `cargo test` fails when it changes;
;; `INSTA_UPDATE=always cargo test --release` (or `cargo insta review`) accepts.
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

;; ---------------------------------------------------------------------------
;; Behaviour directives. They sit beside the standard ones (parsed with the same
;; `wast` parser) and record what the engine did; the snapshot pins it. Only a
;; crash or hang of the adapter, or a name the case never made, fails them.
;; A directive that needs something an earlier one could not make (an artifact
;; on an engine without serialization, say) is `not run`, with the reason.

;; `(serialize $m "name")` keeps module $m's compiled artifact under a name;
;; `(deserialize $m2 "name")` loads it back from bytes, `(deserialize_file ...)`
;; from a file the harness writes; `(assert_rejected (deserialize ...))` demands
;; a refusal. `(via PATH)` after the name takes one of the engine's loading
;; paths (`bytes`, `bytes-raw`, `bytes-unchecked`, `file`, `open-file`,
;; `file-unchecked`; PROTOCOL.md), `(via every)` each of them, one record each. `(artifact "new" SOURCE)` makes an artifact on the harness side:
;; `(truncated "a")` (first half), `(bit_flipped "a" OFFSET)` (negative: from the
;; end), `(empty)`, `(module_bytes $m)` (a wasm binary), `(bytes "...")`.
(module definition $def (func (export "seven") (result i32) (i32.const 7)))
(serialize $def "seven")
(deserialize $loaded "seven")
(artifact "nothing" (empty))
(assert_rejected (deserialize_file $never "nothing"))

;; `(module instance $i $m)` instantiates any module definition, loaded or
;; compiled; `(drop_instance $i)`, `(drop_module $m)` and `(drop_store)` release.
(module instance $seven $def)
(assert_return (invoke $seven "seven") (i32.const 7))
(drop_module $def)
(drop_instance $seven)

;; `(host_func "mod" "name" (param ..) (result ..) (returns VALUES) | (trap "msg"))`
;; defines an importable host function that records its calls;
;; `(host_calls "mod" "name")` shows them. Host functions outlive `drop_store`.
(host_func "env" "double" (param i32) (result i32) (returns (i32.const 84)))
(module $caller
  (import "env" "double" (func $d (param i32) (result i32)))
  (func (export "call") (result i32) (call $d (i32.const 42))))
(assert_return (invoke $caller "call") (i32.const 84))
(host_calls "env" "double")

;; `(host_func ... (computes echo|add|combine))` answers from its arguments
;; instead: `echo` returns them unchanged (results typed as the parameters,
;; `externref` and `funcref` too), `add` their sum, `combine` an i64 folding
;; every argument's bits (PROTOCOL.md), so what crosses the host boundary is
;; checked both ways.
(host_func "env" "add" (param i64 i64) (result i64) (computes add))
(module $adds
  (import "env" "add" (func $add (param i64 i64) (result i64)))
  (func (export "add") (param i64 i64) (result i64)
    (call $add (local.get 0) (local.get 1))))
(assert_return (invoke $adds "add" (i64.const -2) (i64.const 0x8000000000000001))
  (i64.const 0x7fffffffffffffff))

;; The embedder's API beyond wast (cases/api/): `(instantiate_keeping $i $m)`
;; instantiates and keeps the name even when that fails, so later directives
;; reach whatever the engine's API handed back (engines whose API hands back
;; nothing answer them `unsupported`); `(close_instance $i [(exit_code N)])`
;; closes a running instance (wazero); `(define_unknown_imports $m traps|defaults)`
;; fills imports nothing provides (wasmtime's linker); `(resolve_imports
;; "name" $i)` answers the import module `name` through the engine's resolver
;; callback. An engine without the operation records `unsupported` there.

;; `(store_limits (memory_bytes N) (table_elements N) (instances N)
;; (trap_on_grow_failure))` limits the store from now on; sizes take `kib`,
;; `mib` or `gib`. `(grow_memory $i "mem" N)` grows from the host (answering the
;; old size in pages), `(memory_size $i "mem")` reads it.
(store_limits (memory_bytes 2 mib))
(module $mem (memory (export "mem") 1))
(grow_memory $mem "mem" 1)
(memory_size $mem "mem")

;; `(repeat N item...)` runs items N times (a snapshot line counts them);
;; `(collect)` runs a full garbage collection where the engine's host has a
;; collector (V8 in Node, a Go host) and does nothing where it has none;
;; `(memory_usage "label")` measures the adapter's resident memory and
;; `(assert_memory_growth "a" "b" (at_most N mib))` / `(at_least ...)` bounds the
;; change between two measurements; `(timed "label" item...)` and
;; `(assert_slowdown "first" "later" (at_most 3))` do the same for wall time,
;; comparing the fastest timing of each label (time the two labels several
;; times, in alternation, so a busy machine slows both alike and does not decide). A check of a measurement inside `observe`
;; records its classification without failing the case.
(memory_usage "before")
(repeat 5
  (timed "first" (repeat 100 (invoke $caller "call")))
  (timed "later" (repeat 100 (invoke $caller "call"))))
(collect)
(memory_usage "after")
(assert_memory_growth "before" "after" (at_most 64 mib))
(assert_slowdown "first" "later" (at_most 20))

;; `(observe item...)` runs standard directives recording whatever they do
;; instead of judging it: for behaviour the spec leaves open.
(observe (module (memory 100)))

;; `(compilation_cache "dir")` starts a fresh engine with an on-disk compilation
;; cache in a case-local folder, `(cache_entries "dir")` counts its entries;
;; `(configure (features "threads"))` starts a fresh engine with more proposals.
;; Both forget every module, instance, registration and limit made before them.
(compilation_cache "c")
(cache_entries "c")
(configure)

;; `(module_file $m "modules/answer.wasm")` compiles and instantiates the
;; binary module in that file (relative to the case's folder) as `$m`, like
;; `(module $m binary ...)` with its bytes. A `.wasm` file in a case folder is
;; also a case of its own: a smoke test that instantiates it with its imports
;; stubbed and links to each export (see the README, "Your own modules").
(module_file $answer "modules/answer.wasm")
(assert_return (invoke $answer "answer") (i32.const 42))

;; A memory bound whose later measurement may include garbage (a drop, or
;; values no longer named, with no `(collect)` in between) depends, where the
;; host has a garbage collector, on when that collector ran by itself.
;; `(collector_timed)` after the bound says so: the bound is checked where the
;; host has no collector, and recorded as `not guaranteed (collector-timed)`
;; where it has one (its figure kept in the results, never judged).
(memory_usage "later")
(assert_memory_growth "after" "later" (at_most 64 mib) (collector_timed))
