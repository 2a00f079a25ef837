//! `wasm-compat diff A B`: the upgrade report an embedder reads before bumping
//! an engine. Every case whose outcome differs between two engine versions,
//! grouped by area, with the transcript diff and a one-line verdict per area;
//! and every directive whose outcome stayed the same while the engine's
//! message changed (embedders match on error text), messages normalised so
//! that what varies from run to run does not count.

use std::collections::BTreeMap;
use std::fmt::Write;

use super::{transcript, transcript_diff, Table};
use crate::engine_id::EngineId;
use crate::outcome::{agree, Actual, DirectiveRecord};
use crate::results::{CaseResult, Status};
use wasm_compat_protocol::EngineInfo;

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

/// A directive with the same outcome on A and B but another message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageChange {
    /// The case.
    pub case: String,
    /// Where the directive is.
    pub line: usize,
    /// Its column.
    pub col: usize,
    /// The directive.
    pub directive: String,
    /// A's message.
    pub from: String,
    /// B's message.
    pub to: String,
}

/// The comparison of one area.
#[derive(Debug, Clone, Default)]
pub struct AreaDiff {
    /// Cases both engines have results for.
    pub compared: usize,
    /// Those that differ.
    pub differences: Vec<Difference>,
    /// Directives whose outcome is the same and whose message is not.
    pub messages: Vec<MessageChange>,
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

/// Compare every case of `a` with the same case of `b`, and in every
/// cross-version grid both take part in, each pairing of `a` with the same
/// pairing of `b` (what `a` and `b` make of a third version's artifact, and
/// what it makes of theirs) for messages that changed.
pub fn compare(table: &Table, a: &EngineId, b: &EngineId) -> DiffReport {
    let mut areas: BTreeMap<String, AreaDiff> = BTreeMap::new();
    let names = Names::of(table, &[a, b]);
    for case in table.case_names() {
        let (ra, rb) = (table.cell(a, &case), table.cell(b, &case));
        let Some(any) = ra.or(rb) else { continue };
        let area = areas.entry(any.area()).or_default();
        match (ra, rb) {
            (Some(ra), Some(rb)) => {
                area.compared += 1;
                area.messages.extend(message_changes(&case, ra, rb, &names));
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
    grid_message_changes(table, a, b, &mut areas);
    DiffReport {
        a: a.clone(),
        b: b.clone(),
        areas,
    }
}

/// In each grid both `a` and `b` are in, the messages that changed between
/// a pairing of `a` and the same pairing of `b` with a third version `x`
/// (`x` then `a` against `x` then `b`, and the reverse), for the same outcome.
fn grid_message_changes(
    table: &Table,
    a: &EngineId,
    b: &EngineId,
    areas: &mut BTreeMap<String, AreaDiff>,
) {
    let (of_a, of_b) = (table.pairs_of(a), table.pairs_of(b));
    for (case, partners) in &of_a {
        let Some(partners_b) = of_b.get(case) else {
            continue;
        };
        for x in partners
            .intersection(partners_b)
            .filter(|x| *x != a && *x != b)
        {
            let names = Names::of(table, &[a, b, x]);
            let orders = [
                (
                    table.pair_cell(x, a, case),
                    table.pair_cell(x, b, case),
                    format!("{x} then a/b"),
                ),
                (
                    table.pair_cell(a, x, case),
                    table.pair_cell(b, x, case),
                    format!("a/b then {x}"),
                ),
            ];
            for (ra, rb, pairing) in orders {
                let (Some(ra), Some(rb)) = (ra, rb) else {
                    continue;
                };
                let changes = message_changes(&format!("{case} ({pairing})"), ra, rb, &names);
                areas.entry(ra.area()).or_default().messages.extend(changes);
            }
        }
    }
}

/// What names an engine in its messages and varies between two versions of
/// it: their version strings and the hosts they report (`v8 12.4.254.21`),
/// longest first; messages are compared with each replaced by `<version>`.
#[derive(Debug, Default)]
pub struct Names(Vec<String>);

impl Names {
    /// The names of `engines`, from their ids and the entries of `table`.
    pub fn of(table: &Table, engines: &[&EngineId]) -> Names {
        Names::of_engines(engines.iter().map(|e| {
            let info = table.engines.get(e).and_then(|entry| entry.info.as_ref());
            (*e, info)
        }))
    }

    /// The names of engines known by id and, where they answered one, their
    /// hello: each one's version, and the host it reports.
    pub fn of_engines<'a>(
        engines: impl IntoIterator<Item = (&'a EngineId, Option<&'a EngineInfo>)>,
    ) -> Names {
        let mut names = Vec::new();
        for (id, info) in engines {
            names.push(id.version.to_string());
            if let Some(info) = info {
                names.push(info.version.clone());
                names.extend(
                    info.host
                        .iter()
                        .flat_map(|h| h.split(' '))
                        .map(String::from),
                );
            }
        }
        Names::new(names)
    }

    /// These names (a word of fewer than three characters never counts).
    pub fn new(mut names: Vec<String>) -> Names {
        names.retain(|n| n.len() >= 3 && n.chars().any(|c| c.is_ascii_digit()));
        names.sort_by_key(|n| std::cmp::Reverse(n.len()));
        names.dedup();
        Names(names)
    }

    /// `message` normalised ([`normalise_message`]) with every name replaced.
    pub fn normalise(&self, message: &str) -> String {
        let mut out = message.to_string();
        for name in &self.0 {
            out = out.replace(name.as_str(), "<version>");
        }
        normalise_message(&out)
    }
}

/// Message drift across a table: for each two consecutive versions of one
/// family in one configuration, the directives whose outcome stayed and
/// whose message changed.
pub fn message_drift(table: &Table) -> Vec<(EngineId, EngineId, Vec<MessageChange>)> {
    let order = table.engine_order();
    order
        .windows(2)
        .filter(|w| w[0].engine == w[1].engine && w[0].config == w[1].config)
        .filter_map(|w| {
            let changes: Vec<MessageChange> = compare(table, &w[0], &w[1])
                .areas
                .into_values()
                .flat_map(|area| area.messages)
                .collect();
            (!changes.is_empty()).then(|| (w[0].clone(), w[1].clone(), changes))
        })
        .collect()
}

/// Every engine message of a run, normalised, one line per directive that
/// has one (`line:col directive: message`): what `bisect --verdict message`
/// compares.
pub fn messages(records: &[DirectiveRecord], names: &Names) -> String {
    records
        .iter()
        .filter_map(|r| match &r.actual {
            Actual::Failure(f) => Some(format!(
                "{}:{} {}: {}\n",
                r.line,
                r.col,
                r.directive,
                names.normalise(&f.message)
            )),
            _ => None,
        })
        .collect()
}

/// The directives of `case` that have the same outcome on both sides and
/// different (normalised) messages.
fn message_changes(
    case: &str,
    a: &CaseResult,
    b: &CaseResult,
    names: &Names,
) -> Vec<MessageChange> {
    let same_place = |x: &DirectiveRecord, y: &DirectiveRecord| {
        (x.line, x.col, x.second, &x.directive) == (y.line, y.col, y.second, &y.directive)
    };
    a.directives
        .iter()
        .zip(&b.directives)
        .filter(|(x, y)| same_place(x, y) && agree(x, y))
        .filter_map(|(x, y)| {
            let (Actual::Failure(fx), Actual::Failure(fy)) = (&x.actual, &y.actual) else {
                return None;
            };
            (names.normalise(&fx.message) != names.normalise(&fy.message)).then(|| MessageChange {
                case: case.to_string(),
                line: x.line,
                col: x.col,
                directive: x.directive.clone(),
                from: fx.message.clone(),
                to: fy.message.clone(),
            })
        })
        .collect()
}

/// A message without what varies from run to run: absolute paths become
/// `<path>`, long hexadecimal numbers (addresses) `<addr>`, and the harness's
/// temporary names `<temp>`.
pub fn normalise_message(message: &str) -> String {
    let word = |w: &str| -> String {
        let core = w.trim_matches(|c: char| "()[]{}<>,;:'\"`".contains(c));
        let hex = core
            .strip_prefix("0x")
            .is_some_and(|h| h.len() >= 8 && h.chars().all(|c| c.is_ascii_hexdigit()));
        let replacement = if core.contains("wasm-compat-case-") || core.contains(".tmp") {
            "<temp>"
        } else if core.starts_with('/') && core.len() > 1 {
            "<path>"
        } else if hex {
            "<addr>"
        } else {
            return w.to_string();
        };
        w.replacen(core, replacement, 1)
    };
    message.split(' ').map(word).collect::<Vec<_>>().join(" ")
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
            let _ = writeln!(s, "-- {} ({} -> {})", d.case, d.from.short(), d.to.short());
            for line in d.diff.lines() {
                let _ = writeln!(s, "   {}", paint(line));
            }
        }
        for case in &area.unmatched {
            let _ = writeln!(s, "-- {case}: results for only one of the two");
        }
        s.push('\n');
    }
    let changed: Vec<&MessageChange> = report.areas.values().flat_map(|a| &a.messages).collect();
    if !changed.is_empty() {
        let _ = writeln!(
            s,
            "== same outcome, different message ({} directive(s)):",
            changed.len()
        );
        for m in changed {
            let _ = writeln!(s, "-- {}:{}:{} {}", m.case, m.line, m.col, m.directive);
            let _ = writeln!(s, "   {}", paint(&format!("- {}", m.from)));
            let _ = writeln!(s, "   {}", paint(&format!("+ {}", m.to)));
        }
        s.push('\n');
    }
    let _ = writeln!(s, "verdict by area:");
    for (name, area) in &report.areas {
        let mut verdict = if area.differences.is_empty() && area.unmatched.is_empty() {
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
        if !area.messages.is_empty() {
            let _ = write!(verdict, "; {} message(s) changed", area.messages.len());
        }
        let line = format!("  {name:<32} {verdict}");
        let _ = writeln!(s, "{}", line.chars().take(100).collect::<String>());
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_lose_paths_addresses_and_temporary_names_only() {
        assert_eq!(
            normalise_message("failed to open `/tmp/wasm-compat-case-Ab12/art` at 0x7f3a2b1c9e00"),
            "failed to open `<temp>` at <addr>"
        );
        assert_eq!(
            normalise_message("reading /home/u/x.cwasm: bad header (0x12)"),
            "reading <path>: bad header (0x12)"
        );
        assert_eq!(
            normalise_message("integer divide by zero"),
            "integer divide by zero"
        );
        assert_ne!(
            normalise_message("out of bounds memory access"),
            normalise_message("memory access out of bounds")
        );
    }

    #[test]
    fn the_messages_of_a_run_are_normalised_and_only_failures_have_one() {
        let record = |line, actual| DirectiveRecord {
            line,
            col: 2,
            directive: "module".into(),
            second: false,
            expected: String::new(),
            actual,
            verdict: crate::outcome::Verdict::Pass,
            why: None,
            agrees_with_reference: None,
        };
        let failure = |message: &str| {
            Actual::Failure(wasm_compat_protocol::Failure {
                kind: wasm_compat_protocol::FailureKind::Compile,
                message: message.into(),
            })
        };
        let run = |temp: &str, word: &str| {
            vec![
                record(1, Actual::Ok),
                record(
                    2,
                    failure(&format!(
                        "cannot read /tmp/wasm-compat-case-{temp}/a: {word}"
                    )),
                ),
            ]
        };
        let none = Names::default();
        let first = messages(&run("Ab12", "bad header"), &none);
        assert_eq!(first, "2:2 module: cannot read <temp>: bad header\n");
        assert_eq!(first, messages(&run("Zz99", "bad header"), &none));
        assert_ne!(first, messages(&run("Ab12", "unknown header"), &none));
    }

    #[test]
    fn an_engine_naming_its_own_version_is_not_a_change() {
        let names = Names::new(vec![
            "36.0.20".into(),
            "48.0.8".into(),
            "12.4.254.21-node.57".into(),
            "v8".into(),
        ]);
        assert_eq!(
            names.normalise("wasmtime 36.0.20 has no loading path bytes-unchecked"),
            names.normalise("wasmtime 48.0.8 has no loading path bytes-unchecked")
        );
        assert_eq!(
            names.normalise("v8 12.4.254.21-node.57: bad"),
            "v8 <version>: bad"
        );
        // A changed wording around a version is still a change.
        assert_ne!(
            names.normalise("Module was compiled with incompatible Wasmtime version '36.0.20'"),
            names.normalise("Module was compiled with incompatible version '48.0.8'")
        );
        // A word that is no version (too short, no digit) stays.
        assert_eq!(names.normalise("v8 says no"), "v8 says no");
    }
}
