//! Behaviour snapshots: the stable text of what a case did on one engine version
//! (kinds, values, pages, counts, verdicts; never engine messages, timings or
//! memory figures), and the grid of a cross-version case over version pairs.
//!
//! Snapshots are insta `.snap` files under `snapshots/`, mirroring `cases/`:
//! `cases/cache/roundtrip.wast` on `wasmtime@48.0.8` is
//! `snapshots/cache/roundtrip/wasmtime@48.0.8.snap`. The test binary asserts them
//! with insta (whose `INSTA_UPDATE` / `cargo insta review` is the one update
//! switch); `wasm-compat run` reads them with [`stored`] to compare.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use crate::cases::Case;
use crate::engine_id::EngineId;
use crate::interp::CaseRun;
use crate::outcome::{Actual, DirectiveRecord, Verdict};
use crate::results::{CaseResult, Check, Ran, Status};

/// How to accept changed snapshots in this repository's test binary;
/// printed with every mismatch there.
pub const UPDATE_HINT: &str =
    "review the change with `cargo insta review` (after `cargo install cargo-insta`), \
or accept every change with `INSTA_UPDATE=always cargo test --release`";

/// How to accept changed snapshots after `wasm-compat run`; printed with
/// every mismatch there.
pub const ACCEPT_HINT: &str =
    "review each with `wasm-compat review`, or accept every one with `wasm-compat run --accept`";

/// Whether `case` keeps reviewed snapshots: every local case inside `root`,
/// the folder of the matrix (spec cases, and case folders elsewhere run with
/// `--cases`, are judged by their wast expectations alone).
pub fn is_kept(root: &Path, case: &Case) -> bool {
    let Some(path) = &case.path else {
        return false;
    };
    let canonical = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    canonical(path).starts_with(canonical(root))
}

/// The folder holding the snapshots of local case `case` (`cases/a/b.wast` ->
/// `snapshots/a/b`; `tests/wasm/c.wast` -> `snapshots/tests/wasm/c`).
pub fn folder(root: &Path, case: &str) -> PathBuf {
    let rel = case.strip_prefix("cases/").unwrap_or(case);
    let rel = rel.strip_suffix(".wast").unwrap_or(rel);
    root.join("snapshots").join(rel)
}

/// The stored body of the snapshot `name` in `folder`, without insta's header.
pub fn stored(folder: &Path, name: &str) -> Option<String> {
    body(&folder.join(format!("{name}.snap")))
}

/// The body of the snapshot file at `path` (reviewed or pending), without
/// insta's header; `None` when it cannot be read.
pub fn body(path: &Path) -> Option<String> {
    let text = std::fs::read_to_string(path).ok()?;
    // insta's header is a `---` line, metadata, and a closing `---` line.
    let body = match text.strip_prefix("---\n") {
        Some(rest) => rest.split_once("\n---\n").map(|(_, body)| body)?,
        None => text.as_str(),
    };
    Some(body.trim_end().to_string())
}

/// The engines' own words, for the non-gating metadata of a snapshot: one line
/// per directive that failed with a message (case work folders shown as `<work>`).
pub fn messages(records: &[DirectiveRecord]) -> Vec<String> {
    let work = std::env::temp_dir().join("wasm-compat-case-");
    let work = work.to_string_lossy().into_owned();
    let mut out: Vec<String> = Vec::new();
    for r in records {
        let message = match &r.actual {
            Actual::Failure(f) => f.message.clone(),
            Actual::Crash { stderr, .. } => crash_line(stderr).to_string(),
            _ => continue,
        };
        let mut text = message;
        while let Some(at) = text.find(&work) {
            let rest = &text[at + work.len()..];
            let end = rest.find('/').unwrap_or(rest.len());
            text = format!("{}<work>{}", &text[..at], &rest[end..]);
        }
        let line = format!("{}:{} {}: {}", r.line, r.col, r.directive, text);
        if !out.contains(&line) {
            out.push(line);
        }
    }
    out
}

/// The line of a crashed adapter's stderr that says what happened: a Go
/// `panic:` or `fatal error:`, a Rust `panicked at`, or else the last line
/// (a stack frame's address changes with every build; the panic does not).
fn crash_line(stderr: &str) -> &str {
    let said = |l: &&str| {
        l.starts_with("panic: ") || l.starts_with("fatal error: ") || l.contains(" panicked at ")
    };
    stderr
        .lines()
        .find(said)
        .or_else(|| stderr.lines().last())
        .unwrap_or("")
}

/// One record's outcome in snapshot words.
fn outcome(r: &DirectiveRecord) -> String {
    let summary = match &r.actual {
        // The status of a crash is stable; its stderr is not.
        Actual::Crash { status, .. } => format!("crash ({status})"),
        // A measurement enters only as its classification against the case's bound.
        Actual::Growth { .. } | Actual::Slowdown { .. } | Actual::CollectorTimed { .. } => {
            format!("{} ({})", r.actual.summary(), r.expected)
        }
        other => other.summary(),
    };
    match r.verdict {
        Verdict::Pass => summary,
        Verdict::Fail => format!("{summary} FAIL (expected {})", r.expected),
        Verdict::Unsupported => format!("{summary} (unsupported)"),
        Verdict::Crash | Verdict::Timeout | Verdict::Error => summary,
        Verdict::NotRun => "not run".to_string(),
    }
}

/// Distinct outcomes listed on one snapshot line before they are summarised.
const MAX_OUTCOMES: usize = 8;

/// The snapshot text of one case run: a line per directive position, with the
/// outcomes seen there (a directive inside `repeat` is one line, with counts).
pub fn render(records: &[DirectiveRecord]) -> String {
    let mut order: Vec<(bool, usize, usize, String)> = Vec::new();
    let mut seen: BTreeMap<(bool, usize, usize, String), Vec<(String, usize)>> = BTreeMap::new();
    for r in records {
        let key = (r.second, r.line, r.col, r.directive.clone());
        let outcomes = seen.entry(key.clone()).or_insert_with(|| {
            order.push(key);
            Vec::new()
        });
        let text = outcome(r);
        match outcomes.iter_mut().find(|(o, _)| *o == text) {
            Some((_, n)) => *n += 1,
            None => outcomes.push((text, 1)),
        }
    }
    let mut out = String::new();
    for key in &order {
        let (second, line, col, directive) = key;
        let all = &seen[key];
        let mut outcomes: Vec<String> = all
            .iter()
            .map(|(o, n)| {
                if *n == 1 {
                    o.clone()
                } else {
                    format!("{o} x{n}")
                }
            })
            .collect();
        // A repeated directive with ever-new outcomes stays one readable line.
        if outcomes.len() > MAX_OUTCOMES {
            let total: usize = all.iter().map(|(_, n)| n).sum();
            outcomes = vec![format!(
                "{} distinct outcomes in {total} runs, first {}, last {}",
                all.len(),
                all[0].0,
                all[all.len() - 1].0
            )];
        }
        let side = if *second { " [second]" } else { "" };
        out.push_str(&format!(
            "{line}:{col} {directive}{side}: {}\n",
            outcomes.join(", ")
        ));
    }
    out.trim_end().to_string()
}

/// The grid cell of one (first, second) run of a cross-version case: what the
/// second engine did with what the first made.
pub fn cell(records: &[DirectiveRecord]) -> String {
    if records.iter().any(|r| r.verdict == Verdict::Unsupported) {
        return "unsupported".into();
    }
    for r in records {
        let bad = match &r.actual {
            Actual::Failure(_) | Actual::Crash { .. } | Actual::Timeout { .. } => true,
            Actual::ProtocolError { .. } | Actual::Harness { .. } => true,
            _ => r.verdict == Verdict::Fail,
        };
        if bad {
            let side = if r.second { "" } else { " (first)" };
            return match &r.actual {
                Actual::Failure(f) if f.kind == wasm_compat_protocol::FailureKind::Rejected => {
                    format!("rejected{side}")
                }
                Actual::Crash { status, .. } => format!("crash {status}{side}"),
                other => format!("{} at {}{side}", other.summary(), r.line),
            };
        }
    }
    // Counts the second engine took (cache entries) belong in the cell.
    match records.iter().rev().find_map(|r| match r.actual {
        Actual::Count { count } if r.second => Some(count),
        _ => None,
    }) {
        Some(count) => format!("accepted ({count})"),
        None => "accepted".into(),
    }
}

/// A cross-version grid: rows are the first (producing) version, columns the
/// second (consuming) one.
pub fn render_grid(versions: &[String], cells: &BTreeMap<(String, String), String>) -> String {
    let width = versions
        .iter()
        .map(|v| v.len())
        .chain(cells.values().map(|c| c.len()))
        .chain(std::iter::once("first \\ second".len()))
        .max()
        .unwrap_or(8);
    let mut out = format!("{:<width$}", "first \\ second");
    for v in versions {
        out.push_str(&format!(" | {v:<width$}"));
    }
    out.push('\n');
    for a in versions {
        out.push_str(&format!("{a:<width$}"));
        for b in versions {
            let c = cells
                .get(&(a.clone(), b.clone()))
                .map(String::as_str)
                .unwrap_or("-");
            out.push_str(&format!(" | {c:<width$}"));
        }
        out.push('\n');
    }
    out.lines()
        .map(str::trim_end)
        .collect::<Vec<_>>()
        .join("\n")
}

/// Why `text` is not the stored snapshot `name` in `folder`, if it is not:
/// missing, or different (with the diff and `hint`, how to accept it).
pub fn problem(folder: &Path, name: &str, text: &str, hint: &str) -> Option<String> {
    let shown = folder.join(format!("{name}.snap"));
    match stored(folder, name) {
        None => {
            let kin = match kin(folder, name) {
                Some((other, old)) if old == text.trim_end() => {
                    format!(" (it would be the same as {other}'s)")
                }
                Some((other, old)) => format!(
                    "; against the reviewed snapshot of {other}:\n{}",
                    transcript_diff(&old, text.trim_end(), &other, name)
                ),
                None => String::new(),
            };
            Some(format!(
                "no reviewed snapshot {}{kin}; {hint}",
                shown.display()
            ))
        }
        Some(old) if old == text.trim_end() => None,
        Some(old) => {
            let diff = transcript_diff(&old, text.trim_end(), "reviewed", "now");
            Some(format!(
                "differs from the reviewed snapshot {}:\n{diff}{hint}",
                shown.display()
            ))
        }
    }
}

/// The reviewed snapshot of the newest other version of `name`'s family
/// and configuration in `folder` (what a version new to the matrix is best
/// compared with), and its body.
fn kin(folder: &Path, name: &str) -> Option<(String, String)> {
    let id: EngineId = name.parse().ok()?;
    let newest = std::fs::read_dir(folder)
        .ok()?
        .flatten()
        .filter_map(|e| {
            let file = e.file_name().to_string_lossy().into_owned();
            let other: EngineId = file.strip_suffix(".snap")?.parse().ok()?;
            (other.engine == id.engine && other.config == id.config && other != id).then_some(other)
        })
        .max_by(|a, b| a.version.cmp(&b.version))?;
    let other = newest.to_string();
    let body = stored(folder, &other)?;
    Some((other, body))
}

/// One snapshot to write: what it is of, and the engines' words kept in its
/// metadata (not compared).
pub struct Written<'a> {
    /// The case.
    pub case: &'a Case,
    /// The engine (or family, for a grid) it is of: the file's name.
    pub name: &'a str,
    /// The body.
    pub text: &'a str,
    /// The engines' messages (see [`messages`]).
    pub messages: &'a [String],
}

/// The path of the pending (not yet reviewed) snapshot `name` in `folder`.
pub fn pending(folder: &Path, name: &str) -> PathBuf {
    folder.join(format!("{name}.snap.new"))
}

/// Write `snap` into `folder` in insta's file format, as the reviewed
/// snapshot, or as the pending one (`.snap.new`) when `pending` is set.
/// Accepting removes a pending file left from before. Atomic.
pub fn write(root: &Path, folder: &Path, snap: &Written<'_>, as_pending: bool) -> Result<()> {
    let quoted = |s: &str| serde_json::to_string(s).expect("a string serialises");
    let mut text = format!(
        "---\nsource: wasm-compat run\ndescription: {}\n",
        quoted(&format!("{} on {}", snap.case.name, snap.name))
    );
    if !snap.messages.is_empty() {
        text.push_str("info:\n");
        for m in snap.messages {
            text.push_str(&format!("  - {}\n", quoted(m)));
        }
    }
    if let Some(input) = snap.case.path.as_deref() {
        let input = input.strip_prefix(root).unwrap_or(input);
        text.push_str(&format!(
            "input_file: {}\n",
            quoted(&input.to_string_lossy())
        ));
    }
    text.push_str(&format!("---\n{}\n", snap.text.trim_end()));
    let reviewed = folder.join(format!("{}.snap", snap.name));
    let target = if as_pending {
        pending(folder, snap.name)
    } else {
        reviewed
    };
    crate::fsutil::write_atomic(&target, text.as_bytes())
        .with_context(|| format!("writing the snapshot {}", target.display()))?;
    if !as_pending {
        let _ = std::fs::remove_file(pending(folder, snap.name));
    }
    Ok(())
}

/// Whether and where a run compares cells with their reviewed snapshots.
#[derive(Debug, Clone)]
pub enum Snapshots {
    /// Local cases inside this folder (the matrix's) are compared with its
    /// `snapshots/`; a missing or different one is written beside as
    /// `.snap.new`, for `wasm-compat review`.
    Compare(PathBuf),
    /// As `Compare`, but a missing or different snapshot is written as the
    /// reviewed one (`run --accept`).
    Accept(PathBuf),
    /// As `Compare`, writing nothing (`diff`, which may run versions the
    /// matrix does not list).
    Read(PathBuf),
    /// As the one inside, for a run that leaves some of the matrix's engines
    /// out (`--engine`): a cross-version grid, which needs every version of
    /// its family, is then neither judged nor written.
    Partial(Box<Snapshots>),
    /// Not here (the test binary asserts them with insta itself).
    Skip,
}

impl Snapshots {
    /// What the snapshot `name` of `case` says of `text`; writes it (pending,
    /// or accepted) when it differs.
    pub fn check(&self, case: &Case, name: &str, text: &str, messages: &[String]) -> Check {
        let (root, writes, accept) = match self {
            Snapshots::Compare(root) => (root, true, false),
            Snapshots::Accept(root) => (root, true, true),
            Snapshots::Read(root) => (root, false, false),
            Snapshots::Partial(inner) => return inner.check(case, name, text, messages),
            Snapshots::Skip => return Check::NotKept,
        };
        if !is_kept(root, case) {
            return Check::NotKept;
        }
        let folder = folder(root, &case.name);
        let hint = match writes {
            true => format!(
                "the new snapshot is written beside it as `.snap.new`; {}",
                ACCEPT_HINT
            ),
            false => "`wasm-compat run` writes the new one beside it for review".to_string(),
        };
        let Some(problem) = problem(&folder, name, text, &hint) else {
            if writes {
                let _ = std::fs::remove_file(pending(&folder, name));
            }
            return Check::Matches;
        };
        if !writes {
            return Check::Differs(problem);
        }
        let snap = Written {
            case,
            name,
            text,
            messages,
        };
        match write(root, &folder, &snap, !accept) {
            Ok(()) if accept => Check::Matches,
            Ok(()) => Check::Differs(problem),
            Err(e) => Check::Differs(format!("{problem}\n{e:#}")),
        }
    }
}

/// Every pending snapshot under `root`'s `snapshots/` folder, sorted.
pub fn all_pending(root: &Path) -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.to_string_lossy().ends_with(".snap.new") {
                out.push(path);
            }
        }
    }
    let mut out = Vec::new();
    walk(&root.join("snapshots"), &mut out);
    out.sort();
    out
}

/// A unified diff of two transcripts (empty when they are equal).
pub fn transcript_diff(from: &str, to: &str, from_name: &str, to_name: &str) -> String {
    if from == to {
        return String::new();
    }
    // Both end in a newline, so the diff does not report a missing one.
    let (from, to) = (format!("{from}\n"), format!("{to}\n"));
    similar::TextDiff::from_lines(&from, &to)
        .unified_diff()
        .context_radius(2)
        .header(from_name, to_name)
        .to_string()
}

/// The grid cell of a pair run that has not been judged yet.
pub fn run_cell(run: &CaseRun) -> String {
    match run {
        CaseRun::Error(_) => "error".into(),
        CaseRun::Unsupported(_) => "unsupported".into(),
        CaseRun::Ran(records) => cell(records),
    }
}

/// The grid cell of a judged pair result.
pub fn result_cell(r: &CaseResult) -> String {
    match r.status {
        Status::Error => "error".into(),
        Status::Unsupported => "unsupported".into(),
        _ => cell(&r.directives),
    }
}

/// The grid of one family's pairs for one case, versions in semver order:
/// each item is (first, second, cell).
pub fn grid<'e>(pairs: impl IntoIterator<Item = (&'e EngineId, &'e EngineId, String)>) -> String {
    let mut ids: Vec<&EngineId> = Vec::new();
    let mut cells = BTreeMap::new();
    for (first, second, cell) in pairs {
        ids.push(first);
        cells.insert((first.version_label(), second.version_label()), cell);
    }
    ids.sort();
    ids.dedup();
    let versions: Vec<String> = ids.iter().map(|id| id.version_label()).collect();
    render_grid(&versions, &cells)
}

/// The grid of pair runs not judged yet (to compare with the reviewed snapshot).
pub fn grid_of_runs(runs: &[Ran]) -> String {
    grid(
        runs.iter()
            .filter_map(|r| Some((&r.cell.engine, r.cell.second.as_ref()?, run_cell(&r.run)))),
    )
}

/// The cross-version grids among `results`: (case, family) -> grid text.
pub fn pair_grids<'r>(
    results: impl IntoIterator<Item = &'r CaseResult>,
) -> BTreeMap<(String, String), String> {
    let mut by: BTreeMap<(String, String), Vec<&CaseResult>> = BTreeMap::new();
    for r in results.into_iter().filter(|r| r.second.is_some()) {
        by.entry((r.case.clone(), r.engine.engine.clone()))
            .or_default()
            .push(r);
    }
    by.into_iter()
        .map(|(key, rs)| {
            let text = grid(
                rs.iter()
                    .filter_map(|r| Some((&r.engine, r.second.as_ref()?, result_cell(r)))),
            );
            (key, text)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_crash_is_named_by_its_panic_not_a_stack_frame() {
        let go = "panic: runtime error: invalid memory address or nil pointer dereference\n\ngoroutine 1 [running]:\n\tmain.go:178 +0x3f0";
        assert_eq!(
            crash_line(go),
            "panic: runtime error: invalid memory address or nil pointer dereference"
        );
        let rust =
            "\nthread 'main' panicked at src/x.rs:3:4:\nboom\nnote: run with RUST_BACKTRACE=1";
        assert_eq!(crash_line(rust), "thread 'main' panicked at src/x.rs:3:4:");
        assert_eq!(crash_line("killed\nlast words"), "last words");
    }
    use wasm_compat_protocol::{Failure, FailureKind};

    fn rec(line: usize, actual: Actual, verdict: Verdict, second: bool) -> DirectiveRecord {
        DirectiveRecord {
            line,
            col: 1,
            directive: "deserialize".into(),
            second,
            expected: "any outcome".into(),
            actual,
            verdict,
            why: None,
            agrees_with_reference: None,
        }
    }

    #[test]
    fn repeated_directives_collapse_and_messages_stay_out() {
        let rejected = Actual::Failure(Failure::new(FailureKind::Rejected, "version 1 != 2"));
        let records = vec![
            rec(3, Actual::Ok, Verdict::Pass, false),
            rec(3, Actual::Ok, Verdict::Pass, false),
            rec(4, Actual::Memory { rss_bytes: 123 }, Verdict::Pass, false),
            rec(5, rejected.clone(), Verdict::Pass, true),
        ];
        let text = render(&records);
        assert_eq!(
            text,
            "3:1 deserialize: ok x2\n4:1 deserialize: measured\n5:1 deserialize [second]: rejected"
        );
        assert!(!text.contains("version 1"));
        assert_eq!(cell(&records), "rejected");
        assert_eq!(cell(&records[..2]), "accepted");
    }

    #[test]
    fn a_harness_failure_is_a_line_of_its_own_without_its_detail() {
        let harness = Actual::Harness {
            detail: "cannot write /tmp/x/art".into(),
        };
        let records = vec![
            rec(3, harness, Verdict::Error, false),
            rec(4, Actual::Ok, Verdict::Pass, false),
        ];
        assert_eq!(
            render(&records),
            "3:1 deserialize: harness error\n4:1 deserialize: ok"
        );
    }

    #[test]
    fn stored_snapshots_lose_their_header() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("x.snap"),
            "---\nsource: harness/tests/compat.rs\n---\n1:1 module: ok\n",
        )
        .unwrap();
        assert_eq!(stored(dir.path(), "x").as_deref(), Some("1:1 module: ok"));
        assert_eq!(stored(dir.path(), "y"), None);
        assert_eq!(
            folder(Path::new("/r"), "cases/cache/a.wast"),
            Path::new("/r/snapshots/cache/a")
        );
    }

    #[test]
    fn grids_have_a_row_per_first_version() {
        let versions = vec!["1.0.0".to_string(), "2.0.0".to_string()];
        let mut cells = BTreeMap::new();
        cells.insert(("1.0.0".into(), "1.0.0".into()), "accepted".into());
        cells.insert(("1.0.0".into(), "2.0.0".into()), "rejected".into());
        let grid = render_grid(&versions, &cells);
        let lines: Vec<&str> = grid.lines().collect();
        assert_eq!(lines.len(), 3);
        assert!(lines[1].starts_with("1.0.0"), "{grid}");
        assert!(lines[1].contains("rejected"), "{grid}");
        assert!(lines[2].ends_with('-'), "{grid}");
    }
}
