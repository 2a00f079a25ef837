//! An engine that panics, aborts, segfaults, is killed, hangs, talks garbage or
//! exits mid-request yields a typed outcome for the case it was running; the
//! harness starts a fresh adapter for the next case and loses no other result.

use std::time::Duration;

use wasm_compat::builder::Builder;
use wasm_compat::cases::Case;
use wasm_compat::expectations::Expectations;
use wasm_compat::matrix::{AdapterSource, EngineId, EngineSpec};
use wasm_compat::outcome::{Actual, Verdict};
use wasm_compat::results::{CaseResult, Status};
use wasm_compat::run::{execute, Job, Snapshots};

const TIMEOUT: Duration = Duration::from_secs(3);
/// The resident-memory cap of the fault engine in these tests.
const MEMORY_CAP: u64 = 256 << 20;

fn fault_engine() -> EngineSpec {
    EngineSpec::new(
        EngineId::new("fault", semver::Version::new(1, 0, 0)),
        AdapterSource::Command {
            argv: vec![env!("CARGO_BIN_EXE_wasm-compat-adapter-fault").to_string()],
        },
    )
}

fn case(name: &str, body: &str) -> Case {
    Case::from_text(
        format!("faults/{name}.wast"),
        "faults",
        format!(
            "(module (func (export \"id\") (param i32) (result i32) local.get 0))\n\
             (assert_return (invoke \"id\" (i32.const 7)) (i32.const 7))\n\
             {body}\n\
             (assert_return (invoke \"id\" (i32.const 8)) (i32.const 8))\n"
        ),
    )
}

fn run_all(cases: Vec<Case>, jobs: usize) -> Vec<CaseResult> {
    let cache = tempfile::tempdir().unwrap();
    let builder = Builder::new(cache.path(), false).unwrap();
    let expectations = Expectations::default();
    let spec = fault_engine();
    let job = Job {
        engines: vec![spec.clone()],
        cases,
        reference: spec.id.clone(),
        caps: wasm_compat::adapter::Caps {
            request: TIMEOUT,
            case: Some(Duration::from_secs(20)),
            memory_bytes: Some(MEMORY_CAP),
        },
        expectations: &expectations,
        jobs,
        progress: false,
        snapshots: Snapshots::Skip,
        shard: None,
        done: Vec::new(),
        recorder: None,
    };
    execute(&builder, &job).unwrap().results
}

fn find<'a>(results: &'a [CaseResult], name: &str) -> &'a CaseResult {
    results
        .iter()
        .find(|r| r.case == format!("faults/{name}.wast"))
        .unwrap_or_else(|| panic!("no result for {name}"))
}

#[test]
fn every_fault_is_an_outcome_and_other_cases_are_untouched() {
    let faults = [
        "panic",
        "abort",
        "segfault",
        "kill",
        "hang",
        "garbage",
        "exit",
        "alloc",
        "truncated",
        "flood",
        "close-stdout",
    ];
    let mut cases: Vec<Case> = faults
        .iter()
        .map(|f| case(f, &format!("(invoke \"fault:{f}\")")))
        .collect();
    let clean: Vec<Case> = (0..6).map(|i| case(&format!("clean{i}"), "")).collect();
    cases.extend(clean.iter().cloned());
    let results = run_all(cases, 2);
    let clean_alone = run_all(clean, 1);

    for fault in faults {
        let r = find(&results, fault);
        let faulty = &r.directives[2];
        let (want_status, want_verdict) = match fault {
            "hang" => (Status::Timeout, Verdict::Timeout),
            "garbage" | "truncated" | "flood" => (Status::Fail, Verdict::Fail),
            _ => (Status::Crash, Verdict::Crash),
        };
        assert_eq!(r.status, want_status, "{fault}: {r:?}");
        assert_eq!(faulty.verdict, want_verdict, "{fault}: {faulty:?}");
        assert_eq!(
            r.directives[1].verdict,
            Verdict::Pass,
            "{fault}: work before the fault is kept"
        );
        assert_eq!(
            r.directives[3].actual,
            Actual::NotRun,
            "{fault}: nothing runs after the fault"
        );
        match (&faulty.actual, fault) {
            (Actual::Crash { status, stderr }, "panic") => {
                assert_eq!(status, "exited with status 101");
                assert!(stderr.contains("injected panic"), "{stderr}");
            }
            (Actual::Crash { status, .. }, "abort") => {
                assert!(status.contains("SIGABRT"), "{status}")
            }
            (Actual::Crash { status, .. }, "segfault") => {
                assert!(status.contains("SIGSEGV"), "{status}")
            }
            (Actual::Crash { status, .. }, "kill") => {
                assert!(status.contains("SIGKILL"), "{status}")
            }
            (Actual::Crash { status, .. }, "exit") => assert_eq!(status, "exited with status 3"),
            (Actual::Timeout { after_secs }, "hang") => assert_eq!(*after_secs, TIMEOUT.as_secs()),
            (Actual::ProtocolError { detail }, "garbage") => {
                assert!(detail.contains("this is not a response"), "{detail}")
            }
            (Actual::ProtocolError { detail }, "truncated") => {
                assert!(detail.contains(r#"{\"ok\":{\"val"#), "{detail}")
            }
            (Actual::ProtocolError { detail }, "flood") => {
                assert!(detail.contains("xxxx"), "{detail}");
                assert!(detail.len() < 1000, "the report keeps only a prefix");
            }
            (
                Actual::MemoryLimit {
                    rss_bytes,
                    cap_bytes,
                },
                "alloc",
            ) => {
                assert_eq!(*cap_bytes, MEMORY_CAP);
                assert!(rss_bytes > cap_bytes);
            }
            (Actual::Crash { status, .. }, "close-stdout") => {
                assert!(
                    status.contains("closed its output and was killed"),
                    "{status}"
                )
            }
            (other, _) => panic!("{fault}: unexpected {other:?}"),
        }
    }
    // Every clean case, run beside the faulty ones, is identical to a clean run.
    for alone in &clean_alone {
        let beside = results.iter().find(|r| r.case == alone.case).unwrap();
        assert_eq!(beside.status, Status::Pass);
        assert_eq!(beside.directives, alone.directives, "{}", alone.case);
    }
}

#[test]
fn a_slow_answer_within_the_timeout_is_just_slow() {
    let results = run_all(
        vec![case(
            "slow",
            "(assert_return (invoke \"fault:slow\" (i32.const 5)) (i32.const 5))",
        )],
        1,
    );
    let r = find(&results, "slow");
    assert_eq!(r.status, Status::Pass, "{r:?}");
}

#[test]
fn a_trap_is_an_ordinary_outcome_not_a_fault() {
    let results = run_all(
        vec![case(
            "trap",
            "(assert_trap (invoke \"fault:trap\") \"unreachable\")",
        )],
        1,
    );
    let r = find(&results, "trap");
    assert_eq!(r.status, Status::Pass, "{r:?}");
    assert!(r.directives.iter().all(|d| d.verdict == Verdict::Pass));
}

#[test]
fn a_case_that_does_not_parse_is_an_error_naming_file_and_line() {
    let results = run_all(vec![case("broken", "(assert_return (invoke \"id\"")], 1);
    let r = find(&results, "broken");
    assert_eq!(r.status, Status::Error);
    let reason = r.reason.as_deref().unwrap();
    assert!(reason.contains("faults/broken.wast:4:2"), "{reason}");
}

#[test]
fn an_unknown_directive_is_an_error_not_a_skip() {
    let results = run_all(
        vec![case("unknown", "(assert_frobnicated (invoke \"id\"))")],
        1,
    );
    let r = find(&results, "unknown");
    assert_eq!(r.status, Status::Error, "{r:?}");
    assert!(
        r.reason
            .as_deref()
            .unwrap()
            .contains("faults/unknown.wast:3:"),
        "{:?}",
        r.reason
    );
}

/// Run two cases on the family `family` (its adapter folder under
/// `adapters/`, at `version`) with `env`, where the first invokes `fault`
/// between two passing calls: the first case is a `crash` at that
/// directive with `words` in the adapter's last output, what follows it is
/// not run, and the second case passes in a fresh adapter.
fn a_real_fault_is_a_crash_of_its_case_only(
    family: &str,
    version: &str,
    env: &[(&str, &str)],
    fault: &str,
    words: &str,
) {
    let work = tempfile::tempdir().unwrap();
    let adapter = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../adapters")
        .join(family);
    // The matrix sits in its own folder, so the cases are outside it: judged
    // by their wast expectations, with no snapshots.
    std::fs::create_dir_all(work.path().join("mine")).unwrap();
    std::fs::create_dir_all(work.path().join("m")).unwrap();
    std::fs::write(
        work.path().join("m/m.toml"),
        format!(
            "reference = \"{family}@{version}\"\n[engines.{family}]\nadapter = \"{}\"\nversions = [\"{version}\"]\n\
             [suites]\nspec = []\ncases = [\"../mine\"]\n",
            adapter.display()
        ),
    )
    .unwrap();
    let module = format!(
        "(module (func (export \"id\") (param i32) (result i32) local.get 0)\n\
         (func (export \"{fault}\")))\n"
    );
    std::fs::write(
        work.path().join("mine/a_faults.wast"),
        format!("{module}(assert_return (invoke \"id\" (i32.const 7)) (i32.const 7))\n(invoke \"{fault}\")\n(assert_return (invoke \"id\" (i32.const 8)) (i32.const 8))\n"),
    )
    .unwrap();
    std::fs::write(
        work.path().join("mine/b_after.wast"),
        format!("{module}(assert_return (invoke \"id\" (i32.const 9)) (i32.const 9))\n"),
    )
    .unwrap();
    let run = std::process::Command::new(env!("CARGO_BIN_EXE_wasm-compat"))
        .current_dir(work.path())
        .args(["run", "--matrix", "m/m.toml", "-j", "1"])
        .envs(env.iter().copied())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&run.stderr);
    let path = work.path().join("target/wasm-compat/results.json.gz");
    let read = wasm_compat::results::RunResults::read(&path);
    let results = serde_json::to_value(read.unwrap_or_else(|e| panic!("{e:#}: {stderr}"))).unwrap();
    let cell = |case: &str| {
        results["results"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["case"] == format!("mine/{case}"))
            .unwrap_or_else(|| panic!("no cell for {case}"))
            .clone()
    };
    let crashed = cell("a_faults.wast");
    assert_eq!(crashed["status"], "crash", "{crashed}");
    let records = crashed["directives"].as_array().unwrap();
    assert_eq!(records[1]["verdict"], "pass", "{crashed}");
    assert_eq!(records[2]["verdict"], "crash", "{crashed}");
    let said = records[2]["actual"]["stderr"].as_str().unwrap_or_default();
    assert!(said.contains(words), "{crashed}");
    assert_eq!(records[3]["verdict"], "not-run", "{crashed}");
    assert_eq!(cell("b_after.wast")["status"], "pass");
}

/// A real Go panic in a Go adapter (a nil dereference in the wazero adapter,
/// asked for with `WASM_COMPAT_GO_PANIC`) is a `crash` of the case it was
/// running, with the Go runtime's words kept; the next case runs in a fresh
/// adapter. Needs the `go` command (the adapter is built like any wazero
/// version, into the user's adapter cache); without it the test is ignored.
#[test]
#[cfg_attr(wasm_compat_no_go, ignore = "needs the go command on PATH")]
fn a_go_panic_in_the_wazero_adapter_is_a_crash_of_its_case_only() {
    a_real_fault_is_a_crash_of_its_case_only(
        "wazero",
        "1.12.0",
        &[("WASM_COMPAT_GO_PANIC", "go-panic")],
        "go-panic",
        "nil pointer dereference",
    );
}

/// An exception nothing catches in the Node adapter, and a JavaScript heap
/// that runs out (a 32 MiB heap through `NODE_OPTIONS`, filled on request
/// with `WASM_COMPAT_NODE_FAULT`), are each a `crash` of the case they hit,
/// with Node's own words kept. Needs npm (the Node release is fetched like any
/// node version, into the user's cache).
#[test]
#[cfg_attr(wasm_compat_no_npm, ignore = "needs the npm command on PATH")]
fn an_uncaught_exception_or_a_full_heap_in_the_node_adapter_is_a_crash_of_its_case_only() {
    a_real_fault_is_a_crash_of_its_case_only(
        "node",
        "20.20.2",
        &[("WASM_COMPAT_NODE_FAULT", "throw-now")],
        "throw-now",
        "wasm-compat fault: uncaught exception on invoking throw-now",
    );
    a_real_fault_is_a_crash_of_its_case_only(
        "node",
        "20.20.2",
        &[
            ("WASM_COMPAT_NODE_FAULT", "heap:fill-heap"),
            ("NODE_OPTIONS", "--max-old-space-size=32"),
        ],
        "fill-heap",
        "JavaScript heap out of memory",
    );
}

/// For `bisect`, an adapter that crashes or hangs on the case is an outcome
/// of that version (bad when the good one did not), never a skip: those are
/// the regressions worth bisecting. Only what cannot be built or started, or
/// cannot run the case, is skipped.
#[test]
fn a_crash_on_the_case_is_a_bisect_outcome_not_a_skip() {
    use wasm_compat::bisect::{Criterion, Evaluator, Probe};
    let cache = tempfile::tempdir().unwrap();
    let builder = Builder::new(cache.path(), false).unwrap();
    let expectations = Expectations::default();
    let version = semver::Version::new(1, 0, 0);
    let probe_paired = |case: Case, criterion: Criterion, partner: bool| {
        let mut evaluator = wasm_compat::bisect::CaseEvaluator {
            builder: &builder,
            engine: fault_engine(),
            case: &case,
            root: std::env::temp_dir(),
            criterion,
            caps: wasm_compat::adapter::Caps {
                request: TIMEOUT,
                case: Some(Duration::from_secs(20)),
                memory_bytes: Some(MEMORY_CAP),
            },
            expectations: &expectations,
            good: semver::Version::new(0, 9, 0),
            reference: Some("0 of 0 directives as expected\n".into()),
            // A grid bisection pairs each probe with a fixed version.
            partner: partner.then(|| wasm_compat::bisect::Partner {
                engine: fault_engine(),
                ready: wasm_compat::run::prepare_engine(&builder, &fault_engine(), TIMEOUT)
                    .unwrap(),
                probe_first: false,
            }),
        };
        evaluator.evaluate(&version).unwrap().probe
    };
    let probe =
        |body: &str, criterion: Criterion| probe_paired(case("bisected", body), criterion, false);
    // One cell of a grid per probe: the second half crashing is bad.
    let grid = |second: &str| {
        Case {
        cross_version: true,
        ..case(
            "grid",
            &format!("(on second (module (func (export \"id\") (param i32) (result i32) local.get 0)) {second})"),
        )
    }
    };
    assert_eq!(
        probe_paired(
            grid("(assert_return (invoke \"id\" (i32.const 9)) (i32.const 9))"),
            Criterion::Fails,
            true
        ),
        Probe::Good
    );
    assert_eq!(
        probe_paired(grid("(invoke \"fault:abort\")"), Criterion::Fails, true),
        Probe::Bad
    );
    assert_eq!(probe("", Criterion::Fails), Probe::Good);
    for fault in ["fault:abort", "fault:hang", "fault:kill"] {
        let body = format!("(invoke \"{fault}\")");
        assert_eq!(probe(&body, Criterion::Fails), Probe::Bad, "{fault}");
        assert_eq!(probe(&body, Criterion::Differs), Probe::Bad, "{fault}");
    }
    let unrunnable = "(thread $t (module))";
    assert!(matches!(
        probe(unrunnable, Criterion::Fails),
        Probe::Skip(_)
    ));
}
