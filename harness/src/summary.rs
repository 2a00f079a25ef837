//! The terminal summary of a run: per `engine@version`, per suite, how many cases
//! passed, failed, were unsupported or crashed, the assertion pass rate, and how
//! often the engine agreed with the reference.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

use crate::cases::Origin;
use crate::engine_id::EngineId;
use crate::outcome::Verdict;
use crate::reason::Cause;
use crate::results::{CaseResult, RunResults, Status};

/// Counts for one engine and one suite group.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Tally {
    /// Cases by status.
    pub cases: BTreeMap<Status, usize>,
    /// Assertions passed.
    pub assertions_passed: usize,
    /// Assertions run (supported).
    pub assertions: usize,
    /// Directives compared with the reference.
    pub compared: usize,
    /// Of those, how many agreed.
    pub agreed: usize,
}

impl Tally {
    /// Count one cell.
    pub fn add(&mut self, r: &CaseResult) {
        *self.cases.entry(r.status).or_default() += 1;
        let (p, t) = r.assertion_counts();
        self.assertions_passed += p;
        self.assertions += t;
        for d in &r.directives {
            if let Some(a) = d.agrees_with_reference {
                if d.verdict != Verdict::NotRun {
                    self.compared += 1;
                    self.agreed += a as usize;
                }
            }
        }
    }

    /// Cases with `status`.
    pub fn count(&self, status: Status) -> usize {
        self.cases.get(&status).copied().unwrap_or(0)
    }

    /// Agreement with the reference in percent, if anything was compared.
    pub fn agreement(&self) -> Option<f64> {
        (self.compared > 0).then(|| 100.0 * self.agreed as f64 / self.compared as f64)
    }

    /// Cases that went as expected (passed, or failed as known).
    pub fn passed(&self) -> usize {
        self.count(Status::Pass) + self.count(Status::KnownFailure)
    }

    /// Cases that did not go as expected (fail, xpass, error).
    pub fn failed(&self) -> usize {
        self.count(Status::Fail) + self.count(Status::Xpass) + self.count(Status::Error)
    }

    /// Cases whose adapter crashed or hung.
    pub fn crashed(&self) -> usize {
        self.count(Status::Crash) + self.count(Status::Timeout)
    }

    /// Cases that ran: every cell but the unsupported ones.
    pub fn ran(&self) -> usize {
        self.cases.values().sum::<usize>() - self.count(Status::Unsupported)
    }

    /// The share of the cases that ran which passed (known failures, fails,
    /// crashes and flaky cells do not), in percent, rounded down so that 100
    /// means every one; `None` when none ran.
    pub fn share(&self) -> Option<usize> {
        let ran = self.ran();
        (ran > 0).then(|| 100 * self.count(Status::Pass) / ran)
    }

    /// The colour class of a heatmap square: `q0` to `q10`, its share
    /// passing in tenths (rounded down: `q10` only when every case that ran
    /// passed), or `unsup` when nothing ran.
    pub fn share_class(&self) -> String {
        match self.share() {
            Some(share) => format!("q{}", share / 10),
            None => "unsup".into(),
        }
    }

    /// Cases that went wrong unexpectedly: failed, crashed or hung (flaky
    /// ones are counted apart).
    pub fn unexpected(&self) -> usize {
        self.failed() + self.crashed()
    }

    /// Whether some directive disagrees with the reference.
    pub fn differs(&self) -> bool {
        self.compared > self.agreed
    }

    /// The words of a square's hover: what every number counts.
    pub fn words(&self) -> String {
        let mut out = match self.share() {
            Some(share) => format!(
                "{share}% pass: {} of the {} case(s) that ran",
                self.count(Status::Pass),
                self.ran()
            ),
            None => "no case ran".to_string(),
        };
        for (n, word) in [
            (self.count(Status::KnownFailure), "known failure(s)"),
            (self.failed(), "unexpected failure(s)"),
            (self.crashed(), "crash(es) or hang(s)"),
            (self.count(Status::Flaky), "flaky (not reproduced)"),
            (self.count(Status::Unsupported), "unsupported, not counted"),
        ] {
            if n > 0 {
                out.push_str(&format!("; {n} {word}"));
            }
        }
        if let Some(a) = self.agreement() {
            out.push_str(&format!(
                "; {a:.1}% of {} directive(s) compared agree with the reference",
                self.compared
            ));
        }
        out
    }

    /// The counts in short words for a table cell, each word naming what it
    /// counts: `8 pass · 1 known · 1 unsup · 98.6% =ref`.
    pub fn short(&self) -> String {
        let mut parts = vec![format!("{} pass", self.count(Status::Pass))];
        for (n, word) in [
            (self.count(Status::KnownFailure), "known"),
            (self.failed(), "fail"),
            (self.count(Status::Unsupported), "unsup"),
            (self.crashed(), "crash"),
            (self.count(Status::Flaky), "flaky"),
        ] {
            if n > 0 {
                parts.push(format!("{n} {word}"));
            }
        }
        if let Some(a) = self.agreement() {
            parts.push(format!("{a:.1}% =ref"));
        }
        parts.join(" · ")
    }
}

/// The group a cell is summarised under: its area ([`CaseResult::area`]),
/// except that the spec proposal suites are one group (`spec/proposals`), so
/// the summary fits a terminal.
pub fn suite_group(r: &CaseResult) -> String {
    match r.origin() {
        Origin::Spec if r.suite.starts_with("proposals/") => {
            crate::cases::area(&r.case, "proposals")
        }
        _ => r.area(),
    }
}

/// Tallies by engine, then suite group.
pub fn tallies(results: &RunResults) -> BTreeMap<EngineId, BTreeMap<String, Tally>> {
    let mut out: BTreeMap<EngineId, BTreeMap<String, Tally>> = BTreeMap::new();
    for r in &results.results {
        out.entry(r.engine.clone())
            .or_default()
            .entry(suite_group(r))
            .or_default()
            .add(r);
    }
    out
}

/// The summary as text (fits 100 columns).
pub fn render(results: &RunResults) -> String {
    let mut s = String::new();
    for (engine, groups) in tallies(results) {
        let tag = if engine == results.reference {
            " (reference)"
        } else {
            ""
        };
        let trial_ms: u64 = results
            .results
            .iter()
            .filter(|r| r.engine == engine)
            .map(|r| r.duration_ms)
            .sum();
        let _ = writeln!(
            s,
            "{engine}{tag}  (trials took {:.1}s in all)",
            trial_ms as f64 / 1000.0
        );
        let _ = writeln!(
            s,
            "  {:<22} {:>5} {:>5} {:>5} {:>5} {:>5} {:>5}  {:>21}  {:>7}",
            "suite",
            "pass",
            "fail",
            "known",
            "unsup",
            "crash",
            "error",
            "assertions passed",
            "agree"
        );
        for (group, t) in groups {
            let rate = if t.assertions == 0 {
                "-".to_string()
            } else {
                format!(
                    "{}/{} {:5.1}%",
                    t.assertions_passed,
                    t.assertions,
                    100.0 * t.assertions_passed as f64 / t.assertions as f64
                )
            };
            let agree = if t.compared == 0 {
                "-".to_string()
            } else {
                format!("{:.1}%", 100.0 * t.agreed as f64 / t.compared as f64)
            };
            let _ = writeln!(
                s,
                "  {:<22} {:>5} {:>5} {:>5} {:>5} {:>5} {:>5}  {:>21}  {:>7}",
                group,
                t.count(Status::Pass),
                t.count(Status::Fail) + t.count(Status::Xpass),
                t.count(Status::KnownFailure),
                t.count(Status::Unsupported),
                t.count(Status::Crash) + t.count(Status::Timeout),
                t.count(Status::Error),
                rate,
                agree
            );
        }
    }
    behaviour_areas(results, &mut s);
    causes(&results.results, &mut s);
    flaky_lines(&results.results, &mut s);
    let unexpected = unexpected_lines(&results.results);
    if unexpected.is_empty() {
        let _ = writeln!(
            s,
            "\nno unexpected results ({} trials)",
            results.results.len()
        );
    } else {
        let _ = writeln!(s, "\n{} unexpected result(s):", unexpected.len());
        for line in unexpected.iter().take(30) {
            let _ = writeln!(s, "  {line}");
        }
        if unexpected.len() > 30 {
            let _ = writeln!(
                s,
                "  ... and {} more (see the results file)",
                unexpected.len() - 30
            );
        }
    }
    s
}

/// Non-passing cells counted by cause, then by what within it (each missing
/// proposal, inferred or declared; each expectations entry; each thing
/// wasm-compat does not run), with how many engines each touches.
pub fn cause_counts(
    results: &[CaseResult],
) -> BTreeMap<Cause, BTreeMap<String, (usize, BTreeSet<&EngineId>)>> {
    let mut out: BTreeMap<Cause, BTreeMap<String, (usize, BTreeSet<&EngineId>)>> = BTreeMap::new();
    for r in results {
        let Some((cause, groups)) = r.cause() else {
            continue;
        };
        for group in groups {
            let entry = out.entry(cause).or_default().entry(group).or_default();
            entry.0 += 1;
            entry.1.insert(&r.engine);
        }
    }
    out
}

/// The non-passing cells by cause: whose failure each is, at a glance (the
/// largest groups of each cause; the results file has every cell).
fn causes(results: &[CaseResult], s: &mut String) {
    let counts = cause_counts(results);
    if counts.is_empty() {
        return;
    }
    let _ = writeln!(
        s,
        "
not passing, by cause (cells; engines):"
    );
    for (cause, groups) in counts {
        let cells: usize = results
            .iter()
            .filter(|r| r.cause().is_some_and(|(c, _)| c == cause))
            .count();
        let _ = writeln!(s, "  {} ({cells}):", cause.name());
        let mut groups: Vec<_> = groups.into_iter().collect();
        groups.sort_by(|a, b| b.1 .0.cmp(&a.1 .0).then(a.0.cmp(&b.0)));
        for (group, (n, engines)) in groups.iter().take(8) {
            let group: String = group.chars().take(80).collect();
            let _ = writeln!(s, "    {n:>5}  {:>3}  {group}", engines.len());
        }
        if groups.len() > 8 {
            let _ = writeln!(s, "    ... and {} more", groups.len() - 8);
        }
    }
}

/// One line per flaky cell, with both of its outcomes: unexpected on its
/// first run, not on a second in a fresh process. They fail a run only
/// under `run --strict`.
fn flaky_lines(results: &[CaseResult], s: &mut String) {
    let flaky: Vec<&CaseResult> = results
        .iter()
        .filter(|r| r.status == Status::Flaky)
        .collect();
    if flaky.is_empty() {
        return;
    }
    let _ = writeln!(
        s,
        "\n{} flaky result(s), not reproduced by a second run in a fresh process (`run --strict` fails on them):",
        flaky.len()
    );
    for r in flaky.iter().take(30) {
        let why = r
            .reason
            .as_deref()
            .unwrap_or("")
            .lines()
            .next()
            .unwrap_or("");
        let line = format!("  {} {}: {why}", r.status, r.cell());
        let _ = writeln!(s, "{}", line.chars().take(200).collect::<String>());
    }
    if flaky.len() > 30 {
        let _ = writeln!(
            s,
            "  ... and {} more (see the results file)",
            flaky.len() - 30
        );
    }
}

/// One line per unexpected result, except that a case that is broken (the
/// same error on every engine it ran on: it does not parse, a file it loads
/// is missing) is one line, counted once.
fn unexpected_lines(results: &[CaseResult]) -> Vec<String> {
    let first_lines = |reason: Option<&str>| -> String {
        let first = reason
            .unwrap_or("")
            .lines()
            .take(3)
            .collect::<Vec<_>>()
            .join(" | ");
        first.chars().take(160).collect()
    };
    let mut errors: BTreeMap<(&str, Option<&str>), usize> = BTreeMap::new();
    for r in results.iter().filter(|r| r.status == Status::Error) {
        *errors.entry((&r.case, r.reason.as_deref())).or_default() += 1;
    }
    let mut out = Vec::new();
    let mut told: BTreeSet<(&str, Option<&str>)> = BTreeSet::new();
    for r in results.iter().filter(|r| r.status.is_unexpected()) {
        let key = (r.case.as_str(), r.reason.as_deref());
        let same = if r.status == Status::Error {
            errors[&key]
        } else {
            1
        };
        if same > 1 {
            if told.insert(key) {
                out.push(format!(
                    "{} {} (the same on {same} engines): {}",
                    r.status,
                    r.case,
                    first_lines(r.reason.as_deref())
                ));
            }
            continue;
        }
        out.push(format!(
            "{} {}/{}: {}",
            r.status,
            r.engine,
            r.case,
            first_lines(r.reason.as_deref())
        ));
    }
    out
}

/// The behaviour areas (local case folders): per area and engine, how the
/// cases went and which differ from the reference; then the cross-version grids.
fn behaviour_areas(results: &RunResults, s: &mut String) {
    let mut areas: BTreeMap<&str, BTreeMap<&EngineId, Vec<&CaseResult>>> = BTreeMap::new();
    for r in results
        .results
        .iter()
        .filter(|r| r.origin() != Origin::Spec)
    {
        if r.second.is_none() {
            areas
                .entry(r.suite.as_str())
                .or_default()
                .entry(&r.engine)
                .or_default()
                .push(r);
        }
    }
    if areas.is_empty() {
        return;
    }
    let _ = writeln!(s, "\nbehaviour areas (outcomes pinned by snapshots/)");
    for (area, engines) in &areas {
        let _ = writeln!(s, "  {area}");
        for (engine, rs) in engines {
            let ok = rs
                .iter()
                .filter(|r| matches!(r.status, Status::Pass | Status::KnownFailure))
                .count();
            let unsupported = rs
                .iter()
                .filter(|r| r.status == Status::Unsupported)
                .count();
            let differing: Vec<&str> = rs
                .iter()
                .filter(|r| {
                    r.directives
                        .iter()
                        .any(|d| d.agrees_with_reference == Some(false))
                })
                .map(|r| r.case.rsplit('/').next().unwrap_or(&r.case))
                .collect();
            let differs = if *engine == &results.reference {
                "(reference)".to_string()
            } else if differing.is_empty() {
                "agrees with the reference".to_string()
            } else {
                let mut names = differing
                    .iter()
                    .take(3)
                    .copied()
                    .collect::<Vec<_>>()
                    .join(", ");
                if differing.len() > 3 {
                    names.push_str(&format!(" +{}", differing.len() - 3));
                }
                format!("differs: {names}")
            };
            let line = format!(
                "    {:<18} {ok:>3}/{:<3} as expected {unsupported:>2} unsup  {differs}",
                engine.to_string(),
                rs.len()
            );
            let _ = writeln!(s, "{}", line.chars().take(100).collect::<String>());
        }
    }
    // Cross-version grids, one per case and family.
    for ((case, family), grid) in crate::snapshot::pair_grids(&results.results) {
        let _ = writeln!(s, "  {case} on {family} (rows: first, columns: second)");
        for line in grid.lines() {
            let _ = writeln!(s, "    {}", line.chars().take(96).collect::<String>());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result(engine: &str, case: &str, status: Status, reason: &str) -> CaseResult {
        CaseResult {
            engine: engine.parse().unwrap(),
            second: None,
            case: case.into(),
            suite: "cases".into(),
            status,
            reason: Some(reason.into()),
            duration_ms: 0,
            directives: Vec::new(),
            flaky: None,
            inferred: Vec::new(),
            cause: None,
        }
    }

    #[test]
    fn non_passing_cells_are_counted_by_cause_and_what() {
        use crate::proposal::Proposal;
        use crate::reason::Reason;
        let lacking = |engine: &str, case: &str| CaseResult {
            cause: Some(Reason::MissingProposals(crate::proposal::Needs {
                declared: vec![],
                inferred: vec![Proposal::Gc, Proposal::Memory64],
            })),
            ..result(engine, case, Status::Unsupported, "needs ...")
        };
        let results = vec![
            lacking("a@1.0.0", "c/x.wast"),
            lacking("a@1.0.0", "c/y.wast"),
            lacking("b@1.0.0", "c/x.wast"),
            result(
                "a@1.0.0",
                "c/z.wast",
                Status::KnownFailure,
                "an entry's reason\nmore",
            ),
            result("b@1.0.0", "c/z.wast", Status::Fail, "2 directives"),
            CaseResult {
                cause: Some(Reason::BrokenCase {
                    what: "c/w.wast:1:1: expected `(`".into(),
                }),
                ..result(
                    "b@1.0.0",
                    "c/w.wast",
                    Status::Error,
                    "c/w.wast:1:1: expected `(`",
                )
            },
            result("b@1.0.0", "c/ok.wast", Status::Pass, ""),
        ];
        let counts = cause_counts(&results);
        let count = |cause: Cause, what: &str| counts[&cause].get(what).map(|(n, e)| (*n, e.len()));
        assert_eq!(
            count(Cause::Unsupported, "needs gc (inferred)"),
            Some((3, 2))
        );
        assert_eq!(
            count(Cause::Unsupported, "needs memory64 (inferred)"),
            Some((3, 2))
        );
        assert_eq!(count(Cause::Known, "an entry's reason"), Some((1, 1)));
        assert_eq!(count(Cause::Engine, "fail"), Some((1, 1)));
        assert_eq!(
            count(Cause::Corpus, "c/w.wast:1:1: expected `(`"),
            Some((1, 1))
        );
        assert_eq!(counts.len(), 4, "a pass has no cause: {counts:?}");
        let mut text = String::new();
        causes(&results, &mut text);
        assert!(text.contains("  unsupported (3):\n"), "{text}");
        assert!(
            text.contains("        3    2  needs gc (inferred)\n"),
            "{text}"
        );
        assert!(text.contains("  case or corpus problem (1):\n"), "{text}");
    }

    #[test]
    fn a_square_is_coloured_by_its_share_passing_and_says_what_it_counts() {
        let tally = |results: &[CaseResult]| {
            let mut t = Tally::default();
            results.iter().for_each(|r| t.add(r));
            t
        };
        let pass = result("a@1.0.0", "x", Status::Pass, "");
        let known = result("a@1.0.0", "y", Status::KnownFailure, "");
        let fail = result("a@1.0.0", "z", Status::Fail, "");
        let crash = result("a@1.0.0", "w", Status::Timeout, "");
        let unsup = result("a@1.0.0", "v", Status::Unsupported, "");
        assert_eq!(tally(&[pass.clone()]).share_class(), "q10");
        // 99 of 100 is not all: q9, shown as 99.
        let mut many: Vec<CaseResult> = vec![pass.clone(); 99];
        many.push(fail.clone());
        let t = tally(&many);
        assert_eq!(
            (t.share(), t.share_class().as_str(), t.unexpected()),
            (Some(99), "q9", 1)
        );
        let half = tally(&[
            pass.clone(),
            known.clone(),
            fail.clone(),
            crash.clone(),
            unsup.clone(),
        ]);
        assert_eq!(
            (half.share(), half.share_class().as_str()),
            (Some(25), "q2")
        );
        assert_eq!(
            half.words(),
            "25% pass: 1 of the 4 case(s) that ran; 1 known failure(s); 1 unexpected failure(s); 1 crash(es) or hang(s); 1 unsupported, not counted"
        );
        assert_eq!(tally(&[unsup.clone()]).share_class(), "unsup");
        assert_eq!(tally(&[unsup, pass.clone()]).share_class(), "q10");
        let mut differs = pass;
        differs.directives = vec![crate::outcome::DirectiveRecord {
            line: 1,
            col: 1,
            directive: "assert_return".into(),
            second: false,
            expected: String::new(),
            actual: crate::outcome::Actual::Ok,
            verdict: Verdict::Pass,
            why: None,
            agrees_with_reference: Some(false),
        }];
        let d = tally(&[differs]);
        assert!(
            d.differs() && d.share_class() == "q10",
            "a difference from the reference is shown on demand, not as the colour"
        );
    }

    #[test]
    fn a_broken_case_is_one_unexpected_result() {
        let results = vec![
            result(
                "a@1.0.0",
                "cases/bad.wast",
                Status::Error,
                "bad.wast:3:1: expected `(`",
            ),
            result(
                "b@1.0.0",
                "cases/bad.wast",
                Status::Error,
                "bad.wast:3:1: expected `(`",
            ),
            result("a@1.0.0", "cases/x.wast", Status::Fail, "differs"),
            result(
                "b@1.0.0",
                "cases/x.wast",
                Status::Error,
                "adapter could not start",
            ),
            result("b@1.0.0", "cases/ok.wast", Status::Pass, ""),
        ];
        let lines = unexpected_lines(&results);
        assert_eq!(
            lines,
            vec![
                "error cases/bad.wast (the same on 2 engines): bad.wast:3:1: expected `(`",
                "fail a@1.0.0/cases/x.wast: differs",
                "error b@1.0.0/cases/x.wast: adapter could not start",
            ]
        );
    }
}
