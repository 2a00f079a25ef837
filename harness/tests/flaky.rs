//! An unexpected result is confirmed before it is reported: its cell runs a
//! second time in a fresh adapter process. A failure that comes back is
//! reported as it was; one that does not is `flaky`, with both outcomes, in
//! the results file, the summary and every report, and it fails `run` only
//! under `--strict`. Driven by the fault engine's `fault:flaky`, which
//! answers wrongly on its first calls and rightly after, counted across
//! processes in a state folder.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use wasm_compat::builder::Builder;
use wasm_compat::cases::Case;
use wasm_compat::expectations::Expectations;
use wasm_compat::matrix::{AdapterSource, EngineId, EngineSpec};
use wasm_compat::outcome::{Actual, Verdict};
use wasm_compat::results::{CaseResult, RunResults, Status};
use wasm_compat::run::{execute, Job, Snapshots};
use wasm_compat_protocol::Value;

const FAULT: &str = env!("CARGO_BIN_EXE_wasm-compat-adapter-fault");

/// A case whose line 3 asks `fault:flaky` for `key`, wrong on its first
/// `times` calls.
fn case_text(key: i32, times: i32) -> String {
    format!(
        "(module)\n\
         (assert_return (invoke \"id\" (i32.const 7)) (i32.const 7))\n\
         (assert_return (invoke \"fault:flaky\" (i32.const {key}) (i32.const {times})) (i32.const {key}))\n"
    )
}

/// How many times `fault:flaky` was called with `key` (a byte each).
fn calls(state: &Path, key: i32) -> String {
    std::fs::metadata(state.join(format!("flaky-{key}")))
        .map_or(0, |m| m.len())
        .to_string()
}

/// The fault engine as version `version` (its hello says so), counting
/// `fault:flaky` calls in `state`.
fn fault(state: &Path, version: u64) -> EngineSpec {
    let argv = [
        "env",
        &format!("WASM_COMPAT_FAULT_VERSION={version}.0.0"),
        FAULT,
        "--state-dir",
        &state.display().to_string(),
    ];
    EngineSpec::new(
        EngineId::new("fault", semver::Version::new(version, 0, 0)),
        AdapterSource::Command {
            argv: argv.map(str::to_string).to_vec(),
        },
    )
}

fn run_all(state: &Path, cases: Vec<Case>) -> RunResults {
    run_on(vec![fault(state, 1)], cases)
}

fn run_on(engines: Vec<EngineSpec>, cases: Vec<Case>) -> RunResults {
    let cache = tempfile::tempdir().unwrap();
    let builder = Builder::new(cache.path(), false).unwrap();
    let expectations = Expectations::default();
    let reference = engines[0].id.clone();
    let job = Job {
        engines,
        cases,
        reference,
        caps: wasm_compat::adapter::Caps {
            request: Duration::from_secs(5),
            case: Some(Duration::from_secs(20)),
            memory_bytes: None,
        },
        expectations: &expectations,
        jobs: 2,
        progress: false,
        snapshots: Snapshots::Skip,
        shard: None,
        done: Vec::new(),
        recorder: None,
    };
    execute(&builder, &job).unwrap()
}

fn find<'a>(results: &'a [CaseResult], name: &str) -> &'a CaseResult {
    let case = format!("flaky/{name}.wast");
    results.iter().find(|r| r.case == case).unwrap()
}

#[test]
fn a_failure_that_does_not_come_back_is_flaky_with_both_outcomes() {
    let state = tempfile::tempdir().unwrap();
    let case = |name: &str, key, times| {
        Case::from_text(format!("flaky/{name}.wast"), "flaky", case_text(key, times))
    };
    let run = run_all(
        state.path(),
        vec![case("once", 1, 1), case("twice", 2, 2), case("never", 3, 0)],
    );

    let once = find(&run.results, "once");
    assert_eq!(once.status, Status::Flaky, "{once:?}");
    assert_eq!(calls(state.path(), 1), "2", "ran twice");
    // The cell's records are the second run's; the first run's status, reason
    // and the record that differed are kept.
    assert!(once.directives.iter().all(|d| d.verdict == Verdict::Pass));
    let flake = once.flaky.as_deref().expect("both outcomes");
    assert_eq!((flake.first, flake.retry), (Status::Fail, Status::Pass));
    assert!(flake.first_reason.as_deref().unwrap().contains(":3:"));
    let [wrong] = flake.first_directives.as_slice() else {
        panic!("one record differs: {:?}", flake.first_directives)
    };
    assert_eq!(
        (wrong.line, wrong.verdict, &wrong.actual),
        (
            3,
            Verdict::Fail,
            &Actual::Values {
                values: vec![Value::I32(2)]
            }
        )
    );

    // Reproduced: reported as the first run said.
    let twice = find(&run.results, "twice");
    assert_eq!((twice.status, &twice.flaky), (Status::Fail, &None));
    assert_eq!(calls(state.path(), 2), "2");
    // An expected result runs once.
    assert_eq!(find(&run.results, "never").status, Status::Pass);
    assert_eq!(calls(state.path(), 3), "1");

    // Kept by the results file; listed apart in the summary.
    let file = state.path().join("results.json.gz");
    run.write(&file).unwrap();
    let back = RunResults::read(&file).unwrap();
    assert_eq!(find(&back.results, "once").flaky, once.flaky);
    assert_eq!(run.flaky(), 1);
    let summary = wasm_compat::summary::render(&run);
    assert!(
        summary.contains("1 flaky result(s)")
            && summary.contains(
                "flaky fault@1.0.0/flaky/once.wast: fail on the first run, pass on a second"
            )
            && summary.contains("1 unexpected result(s)"),
        "{summary}"
    );
}

#[test]
fn a_grid_reruns_its_unexpected_pairs_and_judges_the_grid_again() {
    let state = tempfile::tempdir().unwrap();
    let grid = |name: &str, key, times| {
        let text = format!(
            "{}(on second (module) (assert_return (invoke \"id\" (i32.const 9)) (i32.const 9)))\n",
            case_text(key, times)
        );
        let mut case = Case::from_text(format!("flaky/{name}.wast"), "flaky", text);
        case.cross_version = true;
        case
    };
    let engines = vec![fault(state.path(), 1), fault(state.path(), 2)];
    let run = run_on(
        engines,
        vec![grid("once", 5, 1), grid("always", 6, i32::MAX)],
    );
    let pairs = |name: &str| -> Vec<&CaseResult> {
        let case = format!("flaky/{name}.wast");
        let pairs: Vec<&CaseResult> = run
            .results
            .iter()
            .filter(|r| r.case == case && r.second.is_some())
            .collect();
        assert!(pairs.len() >= 2, "{:?}", run.results);
        pairs
    };
    // The one pair that ran first answered wrongly; it alone ran again.
    let once = pairs("once");
    let statuses: Vec<Status> = once.iter().map(|r| r.status).collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == Status::Flaky).count(),
        1,
        "{statuses:?}"
    );
    assert!(statuses
        .iter()
        .all(|s| matches!(s, Status::Flaky | Status::Pass)));
    assert_eq!(calls(state.path(), 5), (once.len() + 1).to_string());
    // Every pair wrong twice: each ran twice and is reported as it failed.
    let always = pairs("always");
    assert!(always
        .iter()
        .all(|r| r.status == Status::Fail && r.flaky.is_none()));
    assert_eq!(calls(state.path(), 6), (2 * always.len()).to_string());
}

/// A matrix of the fault engine (with its state folder) and one folder of
/// cases outside the matrix's folder (so no snapshot is asked for).
fn setup(dir: &Path) {
    let state = dir.join("state");
    std::fs::create_dir_all(&state).unwrap();
    std::fs::create_dir_all(dir.join("m")).unwrap();
    std::fs::write(
        dir.join("m/matrix.toml"),
        format!(
            "reference = \"fault@1.0.0\"\n\
             [engines.fault]\ncommand = [\"{FAULT}\", \"--state-dir\", \"{}\"]\nversions = [\"1.0.0\"]\n\
             [suites]\nspec = []\ncases = [\"../cases\"]\n",
            state.display()
        ),
    )
    .unwrap();
    std::fs::write(dir.join("m/expectations.toml"), "").unwrap();
    std::fs::create_dir_all(dir.join("cases")).unwrap();
    std::fs::write(dir.join("cases/once.wast"), case_text(1, 1)).unwrap();
    std::fs::write(
        dir.join("cases/good.wast"),
        "(module)\n(assert_return (invoke \"id\" (i32.const 7)) (i32.const 7))\n",
    )
    .unwrap();
}

fn wasm_compat(dir: &Path, args: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_wasm-compat"))
        .current_dir(dir)
        .args(args)
        .env("WASM_COMPAT_CACHE", dir.join("cache"))
        .env("WASM_COMPAT_OUT", dir.join("out"))
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code().expect("exit code"), text)
}

#[test]
fn a_flaky_cell_fails_a_run_only_under_strict_and_every_report_shows_both_outcomes() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    setup(dir);
    let matrix = dir.join("m/matrix.toml");
    let matrix = matrix.to_str().unwrap();

    let (code, text) = wasm_compat(dir, &["run", "--matrix", matrix]);
    assert_eq!(code, 0, "{text}");
    assert!(
        text.contains("1 flaky result(s)") && text.contains("no unexpected results"),
        "{text}"
    );

    let (code, text) = wasm_compat(dir, &["report", "--out", "report"]);
    assert_eq!(code, 0, "{text}");
    let read = |name: &str| std::fs::read_to_string(dir.join("report").join(name)).unwrap();
    let markdown = read("report.md");
    assert!(
        markdown.contains("## Flaky results")
            && markdown.contains("| `fault@1.0.0/cases/once.wast` | fail (")
            && markdown.contains("| pass |"),
        "{markdown}"
    );
    let json: serde_json::Value = serde_json::from_str(&read("report.json")).unwrap();
    let cell = json["cells"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["case"] == "cases/once.wast")
        .unwrap();
    assert_eq!(cell["result"]["status"], "flaky");
    assert_eq!(cell["result"]["flaky"]["first"], "fail");
    assert_eq!(cell["result"]["flaky"]["retry"], "pass");
    let junit = read("report.junit.xml");
    assert!(junit.contains("<flakyFailure"), "{junit}");
    let html = read("report.html");
    assert!(
        html.contains("flaky") && html.contains("first run: fail"),
        "the transcript holds both runs"
    );

    // The same run under --strict: the fault engine counts on, so reset it.
    std::fs::remove_dir_all(dir.join("m/../state")).unwrap();
    std::fs::create_dir_all(dir.join("state")).unwrap();
    let (code, text) = wasm_compat(dir, &["run", "--strict", "--matrix", matrix]);
    assert_eq!(code, 1, "{text}");
    assert!(
        text.contains("1 flaky cell(s) fail the run under --strict"),
        "{text}"
    );
}
