//! A user's own corpus on real engines (the built-in wasmi and wasmtime
//! adapters, cached by the compat binary): a folder of plain `.wasm` files
//! runs as smoke cases (imports stubbed, each export linked), a case loads a
//! module from a `.wasm` file beside it, and a broken case is one error.

use std::path::Path;
use std::process::Command;

fn wasm(wat: &str) -> Vec<u8> {
    let buf = wast::parser::ParseBuffer::new(wat).unwrap();
    let mut module: wast::Wat<'_> = wast::parser::parse(&buf).unwrap();
    module.encode().unwrap()
}

fn setup(dir: &Path) {
    std::fs::write(
        dir.join("matrix.toml"),
        "reference = \"wasmtime@48.0.8\"\n\
         [engines.wasmtime]\nversions = [\"48.0.8\"]\n\
         [engines.wasmi]\nversions = [\"1.0.9\", \"2.0.0\"]\n\
         [suites]\nspec = []\ncases = [\"plugins\", \"cases\"]\n",
    )
    .unwrap();
    let plugins = dir.join("plugins");
    std::fs::create_dir_all(&plugins).unwrap();
    std::fs::write(
        plugins.join("host.wasm"),
        wasm(
            r#"(module
              (import "env" "log" (func (param i32)))
              (import "env" "memory" (memory 1))
              (func (export "run") (param i32) (result i32) local.get 0)
              (global (export "abi") i32 (i32.const 3)))"#,
        ),
    )
    .unwrap();
    std::fs::write(plugins.join("corrupt.wasm"), b"\0asm\x01\0\0\0\x01\xff").unwrap();
    let cases = dir.join("cases");
    std::fs::create_dir_all(&cases).unwrap();
    std::fs::write(
        cases.join("answer.wasm"),
        wasm(r#"(module (func (export "answer") (result i32) i32.const 42))"#),
    )
    .unwrap();
    std::fs::write(
        cases.join("loads.wast"),
        "(module_file $a \"answer.wasm\")\n(assert_return (invoke $a \"answer\") (i32.const 42))\n",
    )
    .unwrap();
    std::fs::write(
        cases.join("missing.wast"),
        "(module_file \"nowhere.wasm\")\n",
    )
    .unwrap();
    std::fs::write(
        cases.join("cross.wast"),
        ";;! cross-version = true\n(module (func (export \"f\") (result i32) (i32.const 1)))\n\
         (on second (module (func (export \"f\") (result i32) (i32.const 1))) \
         (assert_return (invoke \"f\") (i32.const 1)))\n",
    )
    .unwrap();
}

/// Run wasm-compat in `dir`: whether it exited 0, and what it printed.
fn run(dir: &Path, args: &[&str]) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_wasm-compat"))
        .current_dir(dir)
        .args(args)
        .env_remove("WASM_COMPAT_OUT")
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

#[test]
fn wasm_files_run_as_smoke_cases_and_a_broken_case_counts_once() {
    let work = tempfile::tempdir().unwrap();
    let dir = work.path();
    setup(dir);
    let (_, out) = run(dir, &["run", "--accept"]);
    let path = dir.join("target/wasm-compat/results.json.gz");
    let results =
        wasm_compat::results::RunResults::read(&path).unwrap_or_else(|e| panic!("{e:#}\n{out}"));
    let status = |engine: &str, case: &str| {
        let r = results
            .results
            .iter()
            .find(|r| r.engine.to_string() == engine && r.case == case)
            .unwrap_or_else(|| panic!("no {engine}/{case}:\n{out}"));
        format!("{:?}", r.status)
    };
    for engine in ["wasmi@2.0.0", "wasmtime@48.0.8"] {
        assert_eq!(status(engine, "plugins/host.wasm"), "Pass", "{out}");
        assert_eq!(status(engine, "cases/loads.wast"), "Pass", "{out}");
        // Every engine refuses it; the accepted snapshot records that.
        assert_eq!(
            status(engine, "plugins/corrupt.wasm"),
            "KnownFailure",
            "{out}"
        );
        assert_eq!(status(engine, "cases/missing.wast"), "Error", "{out}");
    }
    assert!(
        out.contains("1 unexpected result(s)")
            && out.contains("error cases/missing.wast (the same on 3 engines)")
            && out.contains("nowhere.wasm"),
        "{out}"
    );
    // The smoke snapshot lists what the engine did with each export.
    let snap =
        std::fs::read_to_string(dir.join("snapshots/plugins/host.wasm/wasmi@2.0.0.snap")).unwrap();
    assert!(snap.contains("module_file: ok"), "{snap}");
    assert!(snap.contains("assert_return: [i32:0x00000003]"), "{snap}");
    assert_eq!(
        snap.matches("module: ok").count(),
        3,
        "the stubs of \"env\" and two export links: {snap}"
    );

    // The wasmi grid of the cross-version case: written whole by --accept;
    // a run of one wasmi version neither judges nor rewrites it.
    let grid = dir.join("snapshots/cross/wasmi.snap");
    let whole = std::fs::read_to_string(&grid).unwrap_or_else(|e| panic!("{e}\n{out}"));
    assert!(
        whole.contains("1.0.9") && whole.contains("2.0.0"),
        "{whole}"
    );
    let (_, out) = run(
        dir,
        &["run", "--accept", "-e", "wasmi@2.0.0", "-c", "cross"],
    );
    assert_eq!(std::fs::read_to_string(&grid).unwrap(), whole, "{out}");
    assert!(
        !dir.join("snapshots/cross/wasmi.snap.new").exists(),
        "{out}"
    );
    let (ok, out) = run(dir, &["run", "-e", "wasmi@2.0.0", "-c", "cross"]);
    assert!(ok, "a partial grid is not a difference: {out}");
}
