//! The command line's paths: with `run --matrix DIR/m.toml`, a plain `report`
//! and `diff` afterwards (no `--results`) find what that run wrote, because
//! every output lives under `target/wasm-compat/` of the current directory.
//! Driven with the fault engine (a command adapter): nothing is built.

use std::path::Path;
use std::process::{Command, Output};

fn setup(matrix_dir: &Path) {
    let fault = env!("CARGO_BIN_EXE_wasm-compat-adapter-fault");
    std::fs::create_dir_all(matrix_dir.join("mine")).unwrap();
    std::fs::write(
        matrix_dir.join("m.toml"),
        format!(
            "reference = \"fault@1.0.0\"\n\
             [engines.fault]\ncommand = [\"{fault}\"]\nversions = [\"1.0.0\"]\n\
             [engines.other]\ncommand = [\"{fault}\"]\nversions = [\"1.0.0\"]\n\
             [suites]\nspec = []\ncases = [\"mine\"]\n"
        ),
    )
    .unwrap();
    std::fs::write(
        matrix_dir.join("mine/echo.wast"),
        "(module)\n(assert_return (invoke \"echo\" (i32.const 7)) (i32.const 7))\n",
    )
    .unwrap();
}

fn wasm_compat(cwd: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_wasm-compat"))
        .current_dir(cwd)
        .args(args)
        .env("WASM_COMPAT_CACHE", cwd.join("cache"))
        .env_remove("WASM_COMPAT_OUT")
        .output()
        .unwrap()
}

#[test]
fn report_and_diff_find_the_results_of_a_run_with_another_matrix() {
    let work = tempfile::tempdir().unwrap();
    let cwd = work.path();
    setup(&cwd.join("elsewhere"));
    let run = wasm_compat(cwd, &["run", "--matrix", "elsewhere/m.toml"]);
    let text = String::from_utf8_lossy(&run.stdout);
    assert!(
        run.status.success(),
        "{text}\n{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert!(
        cwd.join("target/wasm-compat/results.json").is_file(),
        "{text}"
    );

    let report = wasm_compat(cwd, &["report", "--format", "markdown"]);
    assert!(
        report.status.success(),
        "{}",
        String::from_utf8_lossy(&report.stderr)
    );
    let md = std::fs::read_to_string(cwd.join("target/wasm-compat/report/report.md")).unwrap();
    assert!(
        md.contains("fault@1.0.0") && md.contains("other@1.0.0"),
        "{md}"
    );

    let diff = wasm_compat(cwd, &["diff", "fault@1.0.0", "other@1.0.0"]);
    let stderr = String::from_utf8_lossy(&diff.stderr);
    assert_eq!(diff.status.code(), Some(0), "{stderr}");
    assert!(!stderr.contains("no stored results"), "{stderr}");
}
