//! The command line's paths: with `run --matrix DIR/m.toml`, a plain `report`
//! and `diff` afterwards (no `--results`) find what that run wrote, because
//! every output lives under `target/wasm-compat/` of the current directory.
//! Driven with the fault engine (a command adapter): nothing is built.

use std::path::Path;
use std::process::{Command, Output};

/// A matrix in `matrix_dir` and its cases beside that folder (outside it,
/// so they are judged by their wast expectations, with no snapshots).
fn setup(matrix_dir: &Path) {
    let fault = env!("CARGO_BIN_EXE_wasm-compat-adapter-fault");
    let mine = matrix_dir.parent().unwrap().join("mine");
    std::fs::create_dir_all(&mine).unwrap();
    std::fs::create_dir_all(matrix_dir).unwrap();
    std::fs::write(
        matrix_dir.join("m.toml"),
        format!(
            "reference = \"fault@1.0.0\"\n\
             [engines.fault]\ncommand = [\"{fault}\"]\nversions = [\"1.0.0\"]\n\
             [engines.other]\ncommand = [\"{fault}\"]\nversions = [\"1.0.0\"]\n\
             [suites]\nspec = []\ncases = [\"../mine\"]\n"
        ),
    )
    .unwrap();
    std::fs::write(
        mine.join("echo.wast"),
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
        cwd.join("target/wasm-compat/results.json.gz").is_file(),
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

/// A PATH with every folder of this one but those holding a `go` command.
fn path_without_go() -> std::ffi::OsString {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let kept: Vec<_> = std::env::split_paths(&path)
        .filter(|dir| !dir.join("go").exists())
        .collect();
    std::env::join_paths(kept).unwrap()
}

#[test]
fn without_the_go_toolchain_the_go_family_is_unsupported_and_the_rest_runs() {
    let work = tempfile::tempdir().unwrap();
    let cwd = work.path();
    let dir = cwd.join("elsewhere");
    setup(&dir);
    let wazero = Path::new(env!("CARGO_MANIFEST_DIR")).join("../adapters/wazero");
    let mut matrix = std::fs::read_to_string(dir.join("m.toml")).unwrap();
    matrix = matrix.replace(
        "[suites]",
        &format!(
            "[engines.wazero]\nadapter = \"{}\"\nversions = [\"1.12.0\"]\n[suites]",
            wazero.display()
        ),
    );
    std::fs::write(dir.join("m.toml"), matrix).unwrap();
    let run = Command::new(env!("CARGO_BIN_EXE_wasm-compat"))
        .current_dir(cwd)
        .args(["run", "--matrix", "elsewhere/m.toml"])
        .env("WASM_COMPAT_CACHE", cwd.join("cache"))
        .env("PATH", path_without_go())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(run.status.success(), "{stderr}");
    let run =
        wasm_compat::results::RunResults::read(&cwd.join("target/wasm-compat/results.json.gz"));
    let results = serde_json::to_value(run.unwrap()).unwrap();
    let cell = |engine: &str| {
        results["results"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["engine"] == engine)
            .unwrap_or_else(|| panic!("no cell of {engine}"))
            .clone()
    };
    let wazero = cell("wazero@1.12.0");
    assert_eq!(wazero["status"], "unsupported", "{wazero}");
    assert!(
        wazero["reason"]
            .as_str()
            .unwrap()
            .contains("needs the Go toolchain, go 1.21 or newer, on PATH"),
        "{wazero}"
    );
    assert_eq!(cell("fault@1.0.0")["status"], "pass");
}

/// A filter that matches nothing is an error naming it, never a smaller run
/// that passes (a typo in `-e` once ran only the reference and exited 0).
#[test]
fn a_filter_that_matches_nothing_is_an_error_naming_it() {
    let work = tempfile::tempdir().unwrap();
    let cwd = work.path();
    setup(&cwd.join("elsewhere"));
    let matrix = ["--matrix", "elsewhere/m.toml"];
    for (filter, first_words) in [
        (
            &["-e", "fualt"][..],
            "--engine \"fualt\" matches no engine of ",
        ),
        (
            &["--case", "ehco"][..],
            "--case \"ehco\" matches none of the 1 case(s) in ",
        ),
        (
            &["--spec", "proposals/nope"][..],
            "unknown spec suite `proposals/nope`",
        ),
    ] {
        let args: Vec<&str> = ["run"]
            .iter()
            .chain(&matrix)
            .chain(filter)
            .copied()
            .collect();
        let run = wasm_compat(cwd, &args);
        let stderr = String::from_utf8_lossy(&run.stderr);
        assert_eq!(run.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(first_words), "{args:?}: {stderr}");
        assert!(
            !cwd.join("target/wasm-compat/results.json.gz").exists(),
            "{args:?} ran"
        );
    }
    // A filter that matches something still runs, with the others applied.
    let run = wasm_compat(
        cwd,
        &[
            "run",
            "--matrix",
            "elsewhere/m.toml",
            "-e",
            "other",
            "--case",
            "echo",
        ],
    );
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
}
