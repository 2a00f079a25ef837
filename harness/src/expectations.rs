//! `expectations.toml`: the one table of known failures, each with a reason.
//!
//! An entry names an engine pattern (`wasmi@0.31.*`), a case, and optionally the
//! lines of the directives expected to fail. A listed failure that now passes is
//! itself a failure (xpass), so the table stays true.

use std::path::Path;

use anyhow::{Context, Result};
use serde::Deserialize;

use crate::outcome::{DirectiveRecord, Verdict};

/// The parsed table.
#[derive(Debug, Clone, Default)]
pub struct Expectations {
    entries: Vec<KnownFailure>,
}

/// One known failure.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KnownFailure {
    /// `engine@version` pattern (glob: `wasmi@0.31.*`, `wasmtime@*`).
    pub engine: String,
    /// Case name (glob allowed).
    pub case: String,
    /// Lines of the directives that fail; all failing directives when absent.
    #[serde(default)]
    pub lines: Vec<usize>,
    /// Why, with a link where there is one.
    pub reason: String,
    /// Only on a machine whose processor has this flag (as `/proc/cpuinfo`
    /// names it, e.g. `fsrm`): a failure that follows from the processor's
    /// features is known there and expected to pass elsewhere.
    #[serde(default, rename = "cpu-flag")]
    pub cpu_flag: Option<String>,
    #[serde(skip)]
    engine_pattern: Option<glob::Pattern>,
    #[serde(skip)]
    case_pattern: Option<glob::Pattern>,
}

impl KnownFailure {
    /// Whether this entry is about `engine` running `case` on this machine.
    pub fn matches(&self, engine: &str, case: &str) -> bool {
        self.names(engine, case)
            && self
                .cpu_flag
                .as_deref()
                .is_none_or(|flag| cpu_flags().contains(flag))
    }

    /// Whether this entry names `engine` running `case`, on any machine.
    pub fn names(&self, engine: &str, case: &str) -> bool {
        self.engine_pattern
            .as_ref()
            .is_some_and(|p| p.matches(engine))
            && self.case_pattern.as_ref().is_some_and(|p| p.matches(case))
    }
}

/// The flags of this machine's processor, from `/proc/cpuinfo` (none where
/// it cannot be read).
fn cpu_flags() -> &'static std::collections::BTreeSet<String> {
    static FLAGS: std::sync::OnceLock<std::collections::BTreeSet<String>> =
        std::sync::OnceLock::new();
    FLAGS.get_or_init(|| {
        std::fs::read_to_string("/proc/cpuinfo")
            .unwrap_or_default()
            .lines()
            .find_map(|l| l.strip_prefix("flags").and_then(|r| r.split_once(':')))
            .map(|(_, flags)| flags.split_whitespace().map(str::to_string).collect())
            .unwrap_or_default()
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default, rename = "known-failure")]
    known_failure: Vec<KnownFailure>,
}

/// How a case's records compare with the table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Judgement {
    /// Passed, and nothing was expected to fail.
    Pass,
    /// Failed exactly as listed.
    KnownFailure(String),
    /// Failed where nothing is listed (or more than is listed).
    Fail(String),
    /// Listed as failing but passed (the listed lines, or the whole case).
    XPass(String),
}

impl Expectations {
    /// Read the table; a missing file is an empty table.
    pub fn load(path: &Path) -> Result<Expectations> {
        if !path.exists() {
            return Ok(Expectations::default());
        }
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        Expectations::parse(&text, path)
    }

    /// Parse the table text; `path` names the file in errors.
    pub fn parse(text: &str, path: &Path) -> Result<Expectations> {
        let file: File = toml::from_str(text)
            .map_err(|e| anyhow::anyhow!("{}: {}", path.display(), e.to_string().trim_end()))?;
        let mut entries = file.known_failure;
        for (i, e) in entries.iter_mut().enumerate() {
            let here = format!("{}: known-failure #{}", path.display(), i + 1);
            if e.reason.trim().is_empty() {
                anyhow::bail!("{here}: `reason` is empty");
            }
            e.engine_pattern = Some(
                glob::Pattern::new(&e.engine).with_context(|| format!("{here}: engine pattern"))?,
            );
            e.case_pattern =
                Some(glob::Pattern::new(&e.case).with_context(|| format!("{here}: case pattern"))?);
        }
        Ok(Expectations { entries })
    }

    /// The entries that apply to `engine` running `case`.
    pub fn entries_for(&self, engine: &str, case: &str) -> Vec<&KnownFailure> {
        self.entries
            .iter()
            .filter(|e| e.matches(engine, case))
            .collect()
    }

    /// All entries.
    pub fn entries(&self) -> &[KnownFailure] {
        &self.entries
    }

    /// Judge a case's records against the table.
    pub fn judge(&self, engine: &str, case: &str, records: &[DirectiveRecord]) -> Judgement {
        let entries = self.entries_for(engine, case);
        let bad: Vec<&DirectiveRecord> = records
            .iter()
            .filter(|r| matches!(r.verdict, Verdict::Fail | Verdict::Crash | Verdict::Timeout))
            .collect();
        let describe = |rs: &[&DirectiveRecord]| -> String {
            let mut out = String::new();
            for r in rs.iter().take(10) {
                out.push_str(&format!(
                    "\n  {case}:{}:{}: {} expected {}, got {}{}",
                    r.line,
                    r.col,
                    r.directive,
                    r.expected,
                    r.actual.summary(),
                    r.why
                        .as_ref()
                        .map(|w| format!(" ({w})"))
                        .unwrap_or_default()
                ));
            }
            if rs.len() > 10 {
                out.push_str(&format!("\n  ... and {} more", rs.len() - 10));
            }
            out
        };
        if entries.is_empty() {
            return if bad.is_empty() {
                Judgement::Pass
            } else {
                Judgement::Fail(format!(
                    "{} directive(s) did not behave as expected:{}\nIf this is a known engine bug, list it in expectations.toml with a reason.",
                    bad.len(),
                    describe(&bad)
                ))
            };
        }
        let whole_case = entries.iter().any(|e| e.lines.is_empty());
        let listed: Vec<usize> = entries
            .iter()
            .flat_map(|e| e.lines.iter().copied())
            .collect();
        let reasons: Vec<&str> = entries.iter().map(|e| e.reason.as_str()).collect();
        if whole_case {
            return if bad.is_empty() {
                Judgement::XPass(format!(
                    "listed in expectations.toml as a known failure ({}) but every directive passed: remove the entry",
                    reasons.join("; ")
                ))
            } else {
                Judgement::KnownFailure(reasons.join("; "))
            };
        }
        let unlisted: Vec<&DirectiveRecord> = bad
            .iter()
            .copied()
            .filter(|r| !listed.contains(&r.line))
            .collect();
        if !unlisted.is_empty() {
            return Judgement::Fail(format!(
                "{} directive(s) failed that expectations.toml does not list:{}",
                unlisted.len(),
                describe(&unlisted)
            ));
        }
        let passing: Vec<usize> = listed
            .iter()
            .copied()
            .filter(|l| !bad.iter().any(|r| r.line == *l))
            .collect();
        if !passing.is_empty() {
            return Judgement::XPass(format!(
                "expectations.toml lists line(s) {passing:?} of {case} as failing but they passed: remove them"
            ));
        }
        Judgement::KnownFailure(reasons.join("; "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outcome::Actual;

    fn rec(line: usize, verdict: Verdict) -> DirectiveRecord {
        DirectiveRecord {
            line,
            col: 1,
            directive: "assert_return".into(),
            second: false,
            expected: "[i32:0x00000001]".into(),
            actual: Actual::Ok,
            verdict,
            why: None,
            agrees_with_reference: None,
        }
    }

    fn table() -> Expectations {
        Expectations::parse(
            r#"
[[known-failure]]
engine = "demo@1.*"
case = "spec/wasm-v2/a.wast"
lines = [10]
reason = "demo 1.x returns the wrong value"

[[known-failure]]
engine = "demo@2.0.0"
case = "spec/wasm-v2/b.wast"
reason = "whole file"
"#,
            Path::new("expectations.toml"),
        )
        .unwrap()
    }

    #[test]
    fn listed_lines_must_fail_and_others_must_pass() {
        let t = table();
        let case = "spec/wasm-v2/a.wast";
        assert!(matches!(
            t.judge(
                "demo@1.2.0",
                case,
                &[rec(10, Verdict::Fail), rec(11, Verdict::Pass)]
            ),
            Judgement::KnownFailure(_)
        ));
        assert!(matches!(
            t.judge("demo@1.2.0", case, &[rec(10, Verdict::Pass)]),
            Judgement::XPass(_)
        ));
        assert!(matches!(
            t.judge(
                "demo@1.2.0",
                case,
                &[rec(10, Verdict::Fail), rec(11, Verdict::Fail)]
            ),
            Judgement::Fail(_)
        ));
        assert!(matches!(
            t.judge("demo@3.0.0", case, &[rec(10, Verdict::Fail)]),
            Judgement::Fail(_)
        ));
        assert_eq!(
            t.judge("demo@3.0.0", case, &[rec(10, Verdict::Pass)]),
            Judgement::Pass
        );
    }

    #[test]
    fn whole_case_entries_xpass_when_everything_passes() {
        let t = table();
        let case = "spec/wasm-v2/b.wast";
        assert!(matches!(
            t.judge("demo@2.0.0", case, &[rec(3, Verdict::Crash)]),
            Judgement::KnownFailure(_)
        ));
        match t.judge("demo@2.0.0", case, &[rec(3, Verdict::Pass)]) {
            Judgement::XPass(msg) => assert!(msg.contains("remove the entry"), "{msg}"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_processor_flag_entry_applies_only_where_the_processor_has_it() {
        let entry = |flag: &str| {
            Expectations::parse(
                &format!(
                    "[[known-failure]]\nengine = \"demo@1.*\"\ncase = \"c.wast\"\n\
                     reason = \"slow path\"\ncpu-flag = \"{flag}\"\n"
                ),
                Path::new("expectations.toml"),
            )
            .unwrap()
        };
        let here = cpu_flags().iter().next().cloned();
        for (flag, known) in [
            (here.clone(), true),
            (Some("no-such-processor-flag".to_string()), false),
        ] {
            let Some(flag) = flag else { continue };
            let t = entry(&flag);
            let e = &t.entries()[0];
            assert!(e.names("demo@1.2.0", "c.wast"), "{flag}");
            assert_eq!(e.matches("demo@1.2.0", "c.wast"), known, "{flag}");
            let judged = t.judge("demo@1.2.0", "c.wast", &[rec(3, Verdict::Fail)]);
            assert_eq!(
                matches!(judged, Judgement::KnownFailure(_)),
                known,
                "{flag}: {judged:?}"
            );
        }
    }

    #[test]
    fn entries_need_a_reason() {
        let err = Expectations::parse(
            "[[known-failure]]\nengine = \"a@1\"\ncase = \"x\"\nreason = \" \"\n",
            Path::new("expectations.toml"),
        )
        .unwrap_err();
        assert!(err.to_string().contains("reason"), "{err}");
    }
}
