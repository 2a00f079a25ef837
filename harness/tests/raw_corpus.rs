//! A corpus run raw, as its users write it (no conversion, only its own
//! `conventions.toml`), on real engines (the built-in wasmi and wasmtime
//! adapters, cached by the compat binary): a host module written as text
//! computes from its arguments, a plain file needing memory64 passes where
//! the engine has it and is unsupported naming it where it does not, and a
//! newer runner's header key makes its case unsupported with one warning.

use std::path::Path;
use std::process::Command;

use wasm_compat::results::{CaseResult, RunResults, Status};

fn setup(dir: &Path) {
    std::fs::write(
        dir.join("matrix.toml"),
        "reference = \"wasmtime@48.0.8\"\n\
         [engines.wasmtime]\nversions = [\"48.0.8\"]\n\
         [engines.wasmi]\nversions = [\"0.31.2\", \"2.0.0\"]\n\
         [suites]\nspec = []\ncases = [\"corpus\"]\n",
    )
    .unwrap();
    let corpus = dir.join("corpus");
    std::fs::create_dir_all(&corpus).unwrap();
    std::fs::write(
        corpus.join("conventions.toml"),
        r#"# The corpus's runner provides a host module of plain functions.
[[host-modules]]
name = "host"
wat = '''
(module
  (func (export "id_i64") (param i64) (result i64) local.get 0)
  (func (export "add_offset") (param i32) (result i32) local.get 0 i32.const 1000 i32.add)
  (func (export "sum3") (param i32 i32 i32) (result i32)
    local.get 0 local.get 1 i32.add local.get 2 i32.add)
  (memory (export "mem") 1)
  (func (export "iota") (param i32)
    (local i32)
    (block (loop
      local.get 1 local.get 0 i32.ge_u br_if 1
      local.get 1 i32.const 4 i32.mul local.get 1 i32.store
      local.get 1 i32.const 1 i32.add local.set 1
      br 0))))
'''
"#,
    )
    .unwrap();
    std::fs::write(
        corpus.join("uses_host.wast"),
        r#"(module
  (import "host" "id_i64" (func $id (param i64) (result i64)))
  (import "host" "add_offset" (func $add (param i32) (result i32)))
  (import "host" "sum3" (func $sum3 (param i32 i32 i32) (result i32)))
  (import "host" "iota" (func $iota (param i32)))
  (import "host" "mem" (memory 1))
  (func (export "id") (param i64) (result i64) local.get 0 call $id)
  (func (export "add") (param i32) (result i32) local.get 0 call $add)
  (func (export "sum") (result i32) i32.const 1 i32.const 20 i32.const 300 call $sum3)
  (func (export "third") (result i32) i32.const 5 call $iota i32.const 12 i32.load))
(assert_return (invoke "id" (i64.const 0x8000_0000_0000_0001)) (i64.const 0x8000_0000_0000_0001))
(assert_return (invoke "add" (i32.const 7)) (i32.const 1007))
(assert_return (invoke "sum") (i32.const 321))
(assert_return (invoke "third") (i32.const 3))
"#,
    )
    .unwrap();
    std::fs::write(
        corpus.join("plain_memory64.wast"),
        "(module (memory i64 1) (func (export \"size\") (result i64) memory.size))\n\
         (assert_return (invoke \"size\") (i64.const 1))\n\
         (assert_invalid (module (type $s (struct)) (func (result i32) (struct.new $s))) \"type mismatch\")\n",
    )
    .unwrap();
    for name in ["newer_a.wast", "newer_b.wast"] {
        std::fs::write(
            corpus.join(name),
            ";;! component_model_memory64 = true\n(module)\n",
        )
        .unwrap();
    }
}

#[test]
fn a_raw_corpus_runs_with_host_modules_inferred_proposals_and_newer_keys() {
    let work = tempfile::tempdir().unwrap();
    let dir = work.path();
    setup(dir);
    let out = Command::new(env!("CARGO_BIN_EXE_wasm-compat"))
        .current_dir(dir)
        .args(["run", "--accept"])
        .env_remove("WASM_COMPAT_OUT")
        .output()
        .unwrap();
    let out = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let results = RunResults::read(&dir.join("target/wasm-compat/results.json.gz"))
        .unwrap_or_else(|e| panic!("{e:#}\n{out}"));
    let cell = |engine: &str, case: &str| -> &CaseResult {
        results
            .results
            .iter()
            .find(|r| r.engine.to_string() == engine && r.case == case)
            .unwrap_or_else(|| panic!("no {engine}/{case}:\n{out}"))
    };
    for engine in ["wasmtime@48.0.8", "wasmi@0.31.2", "wasmi@2.0.0"] {
        assert_eq!(
            cell(engine, "corpus/uses_host.wast").status,
            Status::Pass,
            "{out}"
        );
        let newer = cell(engine, "corpus/newer_a.wast");
        assert_eq!(newer.status, Status::Unsupported, "{out}");
        let why = newer.reason.as_deref().unwrap_or_default();
        assert!(why.contains("component_model_memory64"), "{why}");
    }
    for engine in ["wasmtime@48.0.8", "wasmi@2.0.0"] {
        let m64 = cell(engine, "corpus/plain_memory64.wast");
        assert_eq!(m64.status, Status::Pass, "{out}");
        // Inferred from the valid module, not from the one expected invalid.
        assert_eq!(
            m64.inferred,
            [wasm_compat::proposal::Proposal::Memory64],
            "{out}"
        );
    }
    let old = cell("wasmi@0.31.2", "corpus/plain_memory64.wast");
    assert_eq!(old.status, Status::Unsupported, "{out}");
    assert_eq!(
        old.reason.as_deref(),
        Some(
            "needs memory64 (inferred from its modules) which this engine version does not support"
        ),
        "{out}"
    );
    assert_eq!(
        out.matches("`;;! component_model_memory64` is not a header key")
            .count(),
        1,
        "one warning per key: {out}"
    );
    assert!(out.contains("2 case(s) setting it"), "{out}");
}
