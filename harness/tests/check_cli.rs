//! `wasm-compat check` as a `git bisect run` script: exit 0 when the case
//! passes, 1 when it fails, 125 when the engine cannot be tested. Driven with
//! the fault engine (a command adapter), so no engine is built and no network
//! is needed.

use std::path::Path;
use std::process::Command;

fn setup(dir: &Path) {
    let fault = env!("CARGO_BIN_EXE_wasm-compat-adapter-fault");
    std::fs::write(
        dir.join("matrix.toml"),
        format!(
            "reference = \"fault@1.0.0\"\n\
             [engines.fault]\ncommand = [\"{fault}\"]\nversions = [\"1.0.0\"]\n\
             [engines.missing]\ncommand = [\"/nonexistent/adapter\"]\nversions = [\"1.0.0\"]\n\
             [suites]\nspec = []\ncases = [\"cases\"]\n"
        ),
    )
    .unwrap();
    std::fs::create_dir_all(dir.join("cases")).unwrap();
    std::fs::write(
        dir.join("cases/good.wast"),
        "(module)\n(assert_return (invoke \"echo\" (i32.const 7)) (i32.const 7))\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("cases/bad.wast"),
        "(module)\n(assert_return (invoke \"fault:trap\") (i32.const 7))\n",
    )
    .unwrap();
    std::fs::write(dir.join("expectations.toml"), "").unwrap();
}

fn check(dir: &Path, case: &str, engine: &str) -> i32 {
    let out = Command::new(env!("CARGO_BIN_EXE_wasm-compat"))
        .current_dir(dir)
        .args(["check", case, "--engine", engine, "--matrix"])
        .arg(dir.join("matrix.toml"))
        .env("WASM_COMPAT_CACHE", dir.join("cache"))
        .output()
        .unwrap();
    out.status.code().expect("exit code")
}

#[test]
fn check_exits_like_a_git_bisect_run_script() {
    let dir = tempfile::tempdir().unwrap();
    setup(dir.path());
    assert_eq!(check(dir.path(), "cases/good.wast", "fault@1.0.0"), 0);
    assert_eq!(check(dir.path(), "cases/bad.wast", "fault@1.0.0"), 1);
    assert_eq!(check(dir.path(), "cases/good.wast", "missing@1.0.0"), 125);
}
