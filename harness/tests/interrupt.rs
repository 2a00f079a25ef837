//! An interrupted run (SIGTERM, as Ctrl-C's SIGINT) stops every adapter (no
//! orphan process is left), writes the cells finished so far, exits 130, and
//! `run --resume` completes it without running those cells again. Driven with
//! the fault engine, whose `fault:sleep` keeps cells busy.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn fault() -> &'static str {
    env!("CARGO_BIN_EXE_wasm-compat-adapter-fault")
}

/// Processes running the fault adapter binary now.
fn adapters_alive() -> usize {
    let mut n = 0;
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let cmdline = entry.path().join("cmdline");
        if let Ok(bytes) = std::fs::read(cmdline) {
            let first = bytes.split(|b| *b == 0).next().unwrap_or(&[]);
            if first == fault().as_bytes() {
                n += 1;
            }
        }
    }
    n
}

fn setup(dir: &Path) {
    // The matrix sits in its own folder, so the cases are outside it: judged
    // by their wast expectations, with no snapshots.
    std::fs::create_dir_all(dir.join("m")).unwrap();
    std::fs::write(
        dir.join("m/matrix.toml"),
        format!(
            "reference = \"fault@1.0.0\"\n\
             [engines.fault]\ncommand = [\"{}\"]\nversions = [\"1.0.0\"]\n\
             [suites]\nspec = []\ncases = [\"../suite\"]\n\
             [limits]\nrequest-timeout-secs = 60\n",
            fault()
        ),
    )
    .unwrap();
    std::fs::create_dir_all(dir.join("suite")).unwrap();
    for i in 0..4 {
        std::fs::write(
            dir.join(format!("suite/quick{i}.wast")),
            "(module)\n(assert_return (invoke \"echo\" (i32.const 1)) (i32.const 1))\n",
        )
        .unwrap();
    }
    for i in 0..2 {
        std::fs::write(
            dir.join(format!("suite/slow{i}.wast")),
            "(module)\n(assert_return (invoke \"fault:sleep\" (i32.const 6)) (i32.const 6))\n",
        )
        .unwrap();
    }
    std::fs::write(dir.join("m/expectations.toml"), "").unwrap();
}

fn run(dir: &Path, resume: bool) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_wasm-compat"));
    cmd.current_dir(dir)
        .args(["run", "-j", "2", "--matrix"])
        .arg(dir.join("m/matrix.toml"))
        .arg("--results")
        .arg(dir.join("results.json"))
        .env("WASM_COMPAT_CACHE", dir.join("cache"))
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    if resume {
        cmd.arg("--resume");
    }
    cmd
}

fn results(dir: &Path) -> serde_json::Value {
    let run = wasm_compat::results::RunResults::read(&dir.join("results.json")).unwrap();
    serde_json::to_value(run).unwrap()
}

#[test]
fn an_interrupted_run_leaves_no_adapter_and_resumes() {
    let dir = tempfile::tempdir().unwrap();
    setup(dir.path());
    let before = adapters_alive();
    let mut child = run(dir.path(), false).spawn().unwrap();
    // Let the quick cells finish and the slow ones start sleeping.
    std::thread::sleep(Duration::from_millis(2500));
    assert!(
        adapters_alive() > before,
        "the slow cells' adapters are running"
    );
    unsafe {
        libc::kill(child.id() as libc::pid_t, libc::SIGTERM);
    }
    let started = Instant::now();
    let status = child.wait().unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "stopping took too long"
    );
    assert_eq!(status.code(), Some(130));
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(
        adapters_alive(),
        before,
        "an adapter outlived the interrupted run"
    );

    let first = results(dir.path());
    assert_eq!(first["interrupted"], true);
    let cells = first["results"].as_array().unwrap();
    assert!(
        cells
            .iter()
            .all(|c| c["case"].as_str().unwrap().contains("quick")),
        "only finished cells are kept: {cells:?}"
    );
    assert!(!cells.is_empty());

    let resumed = Instant::now();
    let status = run(dir.path(), true).status().unwrap();
    assert_eq!(status.code(), Some(0));
    assert!(resumed.elapsed() < Duration::from_secs(30));
    let done = results(dir.path());
    assert!(done.get("interrupted").is_none());
    let cells = done["results"].as_array().unwrap();
    assert_eq!(cells.len(), 6, "{cells:?}");
    assert!(cells.iter().all(|c| c["status"] == "pass"), "{cells:?}");
    assert_eq!(adapters_alive(), before);
}
