//! `wasm-compat diff A B`: the upgrade report an embedder reads before bumping
//! an engine. Every case whose outcome differs between two engine versions,
//! grouped by area, with the transcript diff and a one-line verdict per area.

use std::collections::BTreeMap;
use std::fmt::Write;

use super::{area_of, status_word, transcript, transcript_diff, Table};
use crate::matrix::EngineId;
use crate::results::Status;

/// One case that differs.
#[derive(Debug, Clone)]
pub struct Difference {
    /// The case.
    pub case: String,
    /// Its status on A.
    pub from: Status,
    /// Its status on B.
    pub to: Status,
    /// The transcript diff from A to B.
    pub diff: String,
}

/// The comparison of one area.
#[derive(Debug, Clone, Default)]
pub struct AreaDiff {
    /// Cases both engines have results for.
    pub compared: usize,
    /// Those that differ.
    pub differences: Vec<Difference>,
    /// Cases only one of the two has results for.
    pub unmatched: Vec<String>,
}

/// A's and B's results compared, by area.
#[derive(Debug, Clone)]
pub struct DiffReport {
    /// The engine upgraded from.
    pub a: EngineId,
    /// The engine upgraded to.
    pub b: EngineId,
    /// Area -> comparison.
    pub areas: BTreeMap<String, AreaDiff>,
}

impl DiffReport {
    /// Whether anything differs.
    pub fn differs(&self) -> bool {
        self.areas
            .values()
            .any(|a| !a.differences.is_empty() || !a.unmatched.is_empty())
    }
}

/// Compare every case of `a` with the same case of `b`.
pub fn compare(table: &Table, a: &EngineId, b: &EngineId) -> DiffReport {
    let mut areas: BTreeMap<String, AreaDiff> = BTreeMap::new();
    for case in table.case_names() {
        let (ra, rb) = (table.cell(a, &case), table.cell(b, &case));
        let Some(any) = ra.or(rb) else { continue };
        let area = areas.entry(area_of(any)).or_default();
        match (ra, rb) {
            (Some(ra), Some(rb)) => {
                area.compared += 1;
                let (ta, tb) = (transcript(ra), transcript(rb));
                if ra.status != rb.status || ta != tb {
                    area.differences.push(Difference {
                        case: case.clone(),
                        from: ra.status,
                        to: rb.status,
                        diff: transcript_diff(&ta, &tb, &a.to_string(), &b.to_string()),
                    });
                }
            }
            _ => area.unmatched.push(case.clone()),
        }
    }
    DiffReport {
        a: a.clone(),
        b: b.clone(),
        areas,
    }
}

/// The report as text; `colour` marks removed and added lines on a terminal.
pub fn render(report: &DiffReport, colour: bool) -> String {
    let paint = |line: &str| -> String {
        if !colour {
            return line.to_string();
        }
        if line.starts_with('+') && !line.starts_with("+++") {
            format!("\x1b[32m{line}\x1b[0m")
        } else if line.starts_with('-') && !line.starts_with("---") {
            format!("\x1b[31m{line}\x1b[0m")
        } else {
            line.to_string()
        }
    };
    let mut s = String::new();
    let _ = writeln!(s, "wasm-compat diff {} {}\n", report.a, report.b);
    for (name, area) in &report.areas {
        if area.differences.is_empty() && area.unmatched.is_empty() {
            continue;
        }
        let _ = writeln!(s, "== {name}");
        for d in &area.differences {
            let _ = writeln!(
                s,
                "-- {} ({} -> {})",
                d.case,
                status_word(d.from),
                status_word(d.to)
            );
            for line in d.diff.lines() {
                let _ = writeln!(s, "   {}", paint(line));
            }
        }
        for case in &area.unmatched {
            let _ = writeln!(s, "-- {case}: results for only one of the two");
        }
        s.push('\n');
    }
    let _ = writeln!(s, "verdict by area:");
    for (name, area) in &report.areas {
        let verdict = if area.differences.is_empty() && area.unmatched.is_empty() {
            format!("same behaviour in {} case(s)", area.compared)
        } else {
            let mut v = format!(
                "{} of {} case(s) differ",
                area.differences.len(),
                area.compared
            );
            if !area.unmatched.is_empty() {
                let _ = write!(v, ", {} unmatched", area.unmatched.len());
            }
            v
        };
        let line = format!("  {name:<32} {verdict}");
        let _ = writeln!(s, "{}", line.chars().take(100).collect::<String>());
    }
    s
}
