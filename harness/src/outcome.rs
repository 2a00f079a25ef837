//! Typed outcomes: what one directive did on one engine ([`Actual`]), how that
//! compares with what the case expects ([`Verdict`]), and the record of both that
//! results, reports and snapshots are made of.

use serde::{Deserialize, Serialize};
use wasm_compat_protocol::{Failure, FailureKind, Value};

/// What an engine actually did for one directive.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "kebab-case")]
pub enum Actual {
    /// Succeeded with nothing to return (compile, instantiate, register, ...).
    Ok,
    /// Returned these values.
    Values {
        /// The values, exact bits.
        values: Vec<Value>,
    },
    /// The engine reported a failure.
    Failure(Failure),
    /// A memory size in pages (host growth reports the size before growing).
    Pages {
        /// The size.
        pages: u64,
    },
    /// The calls a host function received, each as its arguments.
    Calls {
        /// Oldest first.
        calls: Vec<Vec<Value>>,
    },
    /// A count the harness took (e.g. entries of a compilation cache).
    Count {
        /// The count.
        count: u64,
    },
    /// The adapter's resident memory (kept in results, never in snapshots).
    Memory {
        /// Resident set size in bytes.
        rss_bytes: u64,
    },
    /// The change between two memory measurements, checked against a bound.
    Growth {
        /// Bytes, `to - from`.
        bytes: i64,
        /// Whether the bound holds.
        within: bool,
    },
    /// A memory change the case marks `(collector_timed)`, measured in a host
    /// with a garbage collector: how much came back depends on when that
    /// collector ran by itself, so it is not guaranteed either way. The figure
    /// and the bound's answer are kept in the results, never judged or
    /// snapshotted.
    CollectorTimed {
        /// Bytes, `to - from`.
        bytes: i64,
        /// Whether the bound held this time.
        within: bool,
    },
    /// Wall time of a timed block (kept in results, never in snapshots).
    Timed {
        /// Milliseconds.
        millis: f64,
    },
    /// The ratio of two timings, checked against a bound.
    Slowdown {
        /// `later / first`.
        ratio: f64,
        /// Whether the bound holds.
        within: bool,
    },
    /// The adapter process died while handling the directive.
    Crash {
        /// Exit status or signal, in words.
        status: String,
        /// Last lines of its stderr.
        stderr: String,
    },
    /// The adapter went over its resident-memory cap and was killed.
    MemoryLimit {
        /// Resident memory when seen over the cap.
        rss_bytes: u64,
        /// The cap.
        cap_bytes: u64,
    },
    /// The adapter did not answer in time and was killed.
    Timeout {
        /// The limit in seconds.
        after_secs: u64,
    },
    /// The adapter answered with something that is not the protocol.
    ProtocolError {
        /// What was wrong.
        detail: String,
    },
    /// The harness itself failed (it could not write an artifact file or make
    /// a cache folder): not the engine's doing, and the case goes on.
    Harness {
        /// What failed.
        detail: String,
    },
    /// The text of a quoted module was rejected by the harness's own text parser,
    /// before any engine saw it (text-format assertions).
    TextRejected {
        /// The parser's message.
        message: String,
    },
    /// Not run, because an earlier directive ended the case.
    NotRun,
}

impl Actual {
    /// The failure kind, if this is an engine failure.
    pub fn failure_kind(&self) -> Option<&FailureKind> {
        match self {
            Actual::Failure(f) => Some(&f.kind),
            _ => None,
        }
    }

    /// Whether the adapter process is gone after this outcome.
    pub fn ends_case(&self) -> bool {
        matches!(
            self,
            Actual::Crash { .. }
                | Actual::Timeout { .. }
                | Actual::ProtocolError { .. }
                | Actual::MemoryLimit { .. }
        )
    }

    /// A short, stable description (kinds and values, never raw messages).
    pub fn summary(&self) -> String {
        match self {
            Actual::Ok => "ok".into(),
            Actual::Values { values } => {
                let parts: Vec<String> = values.iter().map(render_value).collect();
                format!("[{}]", parts.join(", "))
            }
            Actual::Failure(f) => render_kind(&f.kind),
            Actual::Pages { pages } => format!("{pages} pages"),
            Actual::Calls { calls } => {
                let parts: Vec<String> = calls
                    .iter()
                    .map(|args| {
                        let vs: Vec<String> = args.iter().map(render_value).collect();
                        format!("({})", vs.join(", "))
                    })
                    .collect();
                format!("{} calls [{}]", calls.len(), parts.join(" "))
            }
            Actual::Count { count } => format!("{count}"),
            Actual::Memory { .. } => "measured".into(),
            Actual::Growth { within: true, .. } => "within bound".into(),
            Actual::Growth { within: false, .. } => "beyond bound".into(),
            Actual::CollectorTimed { .. } => "not guaranteed (collector-timed)".into(),
            Actual::Timed { .. } => "timed".into(),
            Actual::Slowdown { within: true, .. } => "within bound".into(),
            Actual::Slowdown { within: false, .. } => "beyond bound".into(),
            Actual::Crash { status, .. } => format!("crash ({status})"),
            Actual::Timeout { after_secs } => format!("timeout after {after_secs}s"),
            Actual::MemoryLimit { cap_bytes, .. } => {
                format!("memory limit ({} MiB)", cap_bytes >> 20)
            }
            Actual::ProtocolError { .. } => "protocol error".into(),
            Actual::Harness { .. } => "harness error".into(),
            Actual::TextRejected { .. } => "rejected by text parser".into(),
            Actual::NotRun => "not run".into(),
        }
    }
}

/// A failure kind in words: `trap integer-division-by-zero`, `unlinkable`.
pub fn render_kind(kind: &FailureKind) -> String {
    match kind {
        FailureKind::Trap { trap } => format!("trap {}", kebab(&format!("{trap:?}"))),
        FailureKind::Exit { code } => format!("exit {code}"),
        other => kebab(&format!("{other:?}")),
    }
}

fn kebab(camel: &str) -> String {
    let mut out = String::new();
    for (i, c) in camel.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 {
                out.push('-');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// A value in words: `i32:0x0000002a`, `ref.null func`, `ref.extern 1`.
pub fn render_value(v: &Value) -> String {
    match v {
        Value::I32(b) => format!("i32:0x{b:08x}"),
        Value::I64(b) => format!("i64:0x{b:016x}"),
        Value::F32(b) => format!("f32:0x{b:08x}"),
        Value::F64(b) => format!("f64:0x{b:016x}"),
        Value::V128(b) => format!("v128:0x{b:032x}"),
        Value::Ref(r) if r.null => format!("ref.null {}", r.heap),
        Value::Ref(r) => match r.host {
            Some(h) => format!("ref.{} {h}", r.heap),
            None => format!("ref.{}", r.heap),
        },
    }
}

/// The `expected` text of a directive recorded without an expectation
/// (behaviour directives, and standard ones inside `(observe ...)`).
pub const OBSERVED: &str = "any outcome";

/// How an outcome compares with the expectation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// As expected.
    Pass,
    /// Not as expected.
    Fail,
    /// The engine does not support what the directive needs.
    Unsupported,
    /// The adapter crashed.
    Crash,
    /// The adapter hung.
    Timeout,
    /// Not run (an earlier directive ended the case).
    NotRun,
    /// The harness itself failed; says nothing about the engine.
    Error,
}

/// One directive of one case on one engine.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DirectiveRecord {
    /// 1-based line of the directive in the case file.
    pub line: usize,
    /// 1-based column.
    pub col: usize,
    /// The directive, e.g. `assert_return`.
    pub directive: String,
    /// Run on the second engine of a cross-version case (`(on second ...)`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub second: bool,
    /// What the case expects, in words.
    pub expected: String,
    /// What happened.
    pub actual: Actual,
    /// The comparison.
    pub verdict: Verdict,
    /// Why it failed, when it did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub why: Option<String>,
    /// Whether the outcome agrees with the reference engine's for the same directive
    /// (absent on the reference itself and where the reference did not run it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agrees_with_reference: Option<bool>,
}

impl DirectiveRecord {
    /// Whether this directive is an assertion (counted in pass rates).
    pub fn is_assertion(&self) -> bool {
        self.directive.starts_with("assert_")
    }
}

/// Whether two outcomes of the same directive agree: same values (bit for bit,
/// except that two NaNs the expectation accepts agree), or the same failure kind.
/// Messages never take part.
pub fn agree(a: &DirectiveRecord, b: &DirectiveRecord) -> bool {
    match (&a.actual, &b.actual) {
        (Actual::Values { values: x }, Actual::Values { values: y }) => {
            // Results an assertion's pattern accepts on both sides agree (two
            // NaNs `nan:canonical` admits); anything else compares by bits.
            x == y
                || (a.directive == "assert_return"
                    && a.expected != OBSERVED
                    && a.verdict == Verdict::Pass
                    && b.verdict == Verdict::Pass
                    && x.len() == y.len())
        }
        (Actual::Failure(x), Actual::Failure(y)) => match (&x.kind, &y.kind) {
            // An engine that reports two trap kinds alike agrees with either.
            (FailureKind::Trap { trap: a }, FailureKind::Trap { trap: b }) => {
                a.covers(*b) || b.covers(*a)
            }
            (a, b) => a == b,
        },
        (Actual::Crash { .. }, Actual::Crash { .. }) => true,
        // Figures differ from run to run; their classification is what counts.
        (Actual::Memory { .. }, Actual::Memory { .. }) => true,
        (Actual::Timed { .. }, Actual::Timed { .. }) => true,
        (Actual::CollectorTimed { .. }, Actual::CollectorTimed { .. }) => true,
        (Actual::Growth { within: x, .. }, Actual::Growth { within: y, .. }) => x == y,
        (Actual::Slowdown { within: x, .. }, Actual::Slowdown { within: y, .. }) => x == y,
        (x @ Actual::Pages { .. }, y @ Actual::Pages { .. })
        | (x @ Actual::Calls { .. }, y @ Actual::Calls { .. })
        | (x @ Actual::Count { .. }, y @ Actual::Count { .. }) => x == y,
        (Actual::Timeout { .. }, Actual::Timeout { .. }) => true,
        (Actual::MemoryLimit { .. }, Actual::MemoryLimit { .. }) => true,
        (x, y) => std::mem::discriminant(x) == std::mem::discriminant(y),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_compat_protocol::TrapKind;

    fn rec(actual: Actual, verdict: Verdict) -> DirectiveRecord {
        DirectiveRecord {
            line: 1,
            col: 1,
            directive: "assert_return".into(),
            second: false,
            expected: String::new(),
            actual,
            verdict,
            why: None,
            agrees_with_reference: None,
        }
    }

    #[test]
    fn agreement_compares_kinds_not_messages() {
        let trap = |msg: &str| {
            Actual::Failure(Failure::new(
                FailureKind::Trap {
                    trap: TrapKind::Unreachable,
                },
                msg,
            ))
        };
        assert!(agree(
            &rec(trap("a"), Verdict::Pass),
            &rec(trap("b"), Verdict::Pass)
        ));
        let other = Actual::Failure(Failure::new(FailureKind::Exhaustion, "a"));
        assert!(!agree(
            &rec(trap("a"), Verdict::Pass),
            &rec(other, Verdict::Fail)
        ));
        let v1 = Actual::Values {
            values: vec![Value::F32(0x7fc00000)],
        };
        let v2 = Actual::Values {
            values: vec![Value::F32(0xffc00000)],
        };
        assert!(agree(
            &rec(v1.clone(), Verdict::Pass),
            &rec(v2.clone(), Verdict::Pass)
        ));
        assert!(!agree(&rec(v1, Verdict::Pass), &rec(v2, Verdict::Fail)));
        let grew = |bytes, within| Actual::Growth { bytes, within };
        assert!(agree(
            &rec(grew(1, true), Verdict::Pass),
            &rec(grew(2, true), Verdict::Pass)
        ));
        assert!(!agree(
            &rec(grew(1, true), Verdict::Pass),
            &rec(grew(9, false), Verdict::Pass)
        ));
        let pages = |pages| Actual::Pages { pages };
        assert!(!agree(
            &rec(pages(1), Verdict::Pass),
            &rec(pages(2), Verdict::Pass)
        ));
    }

    #[test]
    fn summaries_are_stable_words() {
        assert_eq!(
            render_kind(&FailureKind::Trap {
                trap: TrapKind::IntegerDivisionByZero
            }),
            "trap integer-division-by-zero"
        );
        assert_eq!(render_kind(&FailureKind::NotFound), "not-found");
        assert_eq!(
            Actual::Values {
                values: vec![Value::I32(42)]
            }
            .summary(),
            "[i32:0x0000002a]"
        );
    }
}
