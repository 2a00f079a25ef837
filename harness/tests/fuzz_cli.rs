//! `wasm-compat fuzz` end to end, driven with the fault engine (a command
//! adapter that answers a call with its arguments), so nothing is built: the
//! modules go out in batches of eight, so `--modules 10` runs one full batch
//! and one partial one; two engines that answer alike make no finding; the
//! summary says what ran and under which budget.

use std::process::Command;

#[test]
fn fuzz_runs_the_modules_asked_for_and_writes_its_summary() {
    let dir = tempfile::tempdir().unwrap();
    let fault = env!("CARGO_BIN_EXE_wasm-compat-adapter-fault");
    std::fs::write(
        dir.path().join("m.toml"),
        format!(
            "reference = \"fault@1.0.0\"\n\
             [engines.fault]\ncommand = [\"{fault}\"]\nversions = [\"1.0.0\"]\n\
             [engines.other]\ncommand = [\"{fault}\"]\nversions = [\"1.0.0\"]\n\
             [suites]\nspec = []\ncases = []\n"
        ),
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_wasm-compat"))
        .current_dir(dir.path())
        .args([
            "fuzz",
            "--matrix",
            "m.toml",
            "--modules",
            "10",
            "--seed",
            "3",
        ])
        .args([
            "--budget",
            "5s",
            "--json",
            "out/fuzz.json",
            "--out",
            "out/cases",
        ])
        .env("WASM_COMPAT_CACHE", dir.path().join("cache"))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert!(stdout.contains("no difference in 10 modules"), "{stdout}");
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("out/fuzz.json")).unwrap())
            .unwrap();
    assert_eq!(summary["modules"], 10);
    assert_eq!(summary["seed"], 3);
    assert_eq!(summary["budget_secs"], 5);
    assert_eq!(summary["engines"].as_array().unwrap().len(), 2);
    assert_eq!(summary["findings"].as_array().unwrap().len(), 0);
    assert_eq!(summary["slow"].as_array().unwrap().len(), 0);
    assert_eq!(summary["errors"].as_array().unwrap().len(), 0, "{summary}");
    // Every module's numeric exports were called on both engines.
    let calls = summary["calls"].as_u64().unwrap();
    assert!(calls > 0 && calls % 2 == 0, "{calls}");
    assert!(
        !dir.path().join("out/cases").exists(),
        "nothing found, nothing written"
    );
}
