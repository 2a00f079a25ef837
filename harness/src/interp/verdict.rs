//! What a directive expects ([`Expect`], and in words for the record) and
//! whether what happened meets it ([`verdict`]).

use wasm_compat_protocol::{Failure, FailureKind, TrapKind};
use wast::WastRet;

use crate::expect;
use crate::outcome::{render_kind, Actual, Verdict, OBSERVED};

/// What a directive expects.
pub(super) enum Expect<'r> {
    /// Success, any values.
    Success,
    /// Success with results these patterns accept.
    Results(&'r [WastRet<'r>]),
    /// A compile-time rejection (malformed or invalid).
    CompileFailure,
    /// Compiles, then fails to link.
    Unlinkable,
    /// A trap of this kind (`None`: any trap).
    Trap(Option<TrapKind>),
    /// Resource exhaustion.
    Exhaustion,
    /// An uncaught exception.
    Exception,
    /// Whatever the engine answers is recorded (and pinned by the case's
    /// snapshot); only a crash or hang is a failure.
    Observed,
    /// A loaded artifact must be refused.
    Rejected,
    /// A harness-side check of a measurement against a bound (in words).
    WithinBound(String),
}

impl Expect<'_> {
    /// The expectation in words; `message` is the case's text for the failure.
    pub(super) fn describe(&self, message: &str) -> String {
        match self {
            Expect::Success => "success".into(),
            Expect::Results(results) => expected_results(results),
            Expect::CompileFailure => format!("compile failure ({message})"),
            Expect::Unlinkable => format!("unlinkable ({message})"),
            Expect::Trap(Some(kind)) => render_kind(&FailureKind::Trap { trap: *kind }),
            Expect::Trap(None) => format!("trap ({message})"),
            Expect::Exhaustion => "exhaustion".into(),
            Expect::Exception => "exception".into(),
            Expect::Observed => OBSERVED.into(),
            Expect::Rejected => "rejected".into(),
            Expect::WithinBound(bound) => bound.clone(),
        }
    }
}

/// Expected results in words: `[i32:0x00000001, f32:nan:canonical]`.
fn expected_results(results: &[WastRet<'_>]) -> String {
    let parts: Vec<String> = results
        .iter()
        .map(|r| match r {
            WastRet::Core(c) => expect::render_ret(c),
            #[allow(unreachable_patterns)]
            _ => "component value".into(),
        })
        .collect();
    format!("[{}]", parts.join(", "))
}

/// A verdict and, when it is not a pass, why.
pub(super) type Judged = (Verdict, Option<String>);

const PASS: Judged = (Verdict::Pass, None);

fn fail(why: String) -> Judged {
    (Verdict::Fail, Some(why))
}

/// Whether `actual` is what `expect` asks for.
pub(super) fn verdict(expect: &Expect<'_>, actual: &Actual) -> Judged {
    if let Some(judged) = whatever_was_expected(actual) {
        return judged;
    }
    match expect {
        Expect::Success => match actual {
            Actual::Ok | Actual::Values { .. } => PASS,
            other => fail(format!("expected success, got {}", other.summary())),
        },
        Expect::Results(results) => results_verdict(results, actual),
        Expect::CompileFailure => match actual {
            Actual::TextRejected { .. } => PASS,
            other => failure_of_kind(
                other,
                &[
                    FailureKind::Malformed,
                    FailureKind::Invalid,
                    FailureKind::Compile,
                ],
                "a compile failure",
            ),
        },
        Expect::Unlinkable => failure_of_kind(actual, &[FailureKind::Unlinkable], "unlinkable"),
        Expect::Trap(kind) => trap_verdict(*kind, actual),
        Expect::Exhaustion => failure_of_kind(actual, &[FailureKind::Exhaustion], "exhaustion"),
        Expect::Exception => failure_of_kind(actual, &[FailureKind::Exception], "an exception"),
        Expect::Observed => match actual {
            Actual::Failure(f) if f.kind == FailureKind::NotFound => {
                fail(format!("the case names something missing: {}", f.message))
            }
            _ => PASS,
        },
        Expect::Rejected => failure_of_kind(
            actual,
            &[FailureKind::Rejected],
            "the artifact to be rejected",
        ),
        Expect::WithinBound(bound) => bound_verdict(bound, actual),
    }
}

/// Under a folder's `match-messages` convention: a pass when the directive
/// expects the engine to fail and it failed with a message containing the
/// case's text, whatever kind it gave; `None` leaves the verdict to kinds.
pub(super) fn message_verdict(
    expect: &Expect<'_>,
    actual: &Actual,
    message: &str,
) -> Option<Judged> {
    let expects_failure = matches!(
        expect,
        Expect::Trap(_)
            | Expect::Exhaustion
            | Expect::Exception
            | Expect::CompileFailure
            | Expect::Unlinkable
    );
    match actual {
        Actual::Failure(f)
            if expects_failure
                && !message.is_empty()
                && f.kind != FailureKind::Unsupported
                && f.message.contains(message) =>
        {
            Some(PASS)
        }
        _ => None,
    }
}

/// The verdict of outcomes judged alike whatever the directive expected: the
/// engine or the harness broke, nothing ran, or the engine cannot do it.
fn whatever_was_expected(actual: &Actual) -> Option<Judged> {
    Some(match actual {
        Actual::Crash { .. } => (Verdict::Crash, None),
        Actual::MemoryLimit { .. } => (
            Verdict::Crash,
            Some("the adapter went over its memory cap".into()),
        ),
        Actual::Timeout { .. } => (Verdict::Timeout, None),
        Actual::NotRun => (Verdict::NotRun, None),
        Actual::ProtocolError { detail } => fail(format!("protocol error: {detail}")),
        Actual::Harness { detail } => (Verdict::Error, Some(format!("harness: {detail}"))),
        Actual::Failure(f) if f.kind == FailureKind::Unsupported => {
            (Verdict::Unsupported, Some(f.message.clone()))
        }
        _ => return None,
    })
}

/// A pass when `actual` is an engine failure of one of `kinds`.
fn failure_of_kind(actual: &Actual, kinds: &[FailureKind], what: &str) -> Judged {
    match actual.failure_kind() {
        Some(kind) if kinds.contains(kind) => PASS,
        _ => fail(format!("expected {what}, got {}", actual.summary())),
    }
}

fn results_verdict(results: &[WastRet<'_>], actual: &Actual) -> Judged {
    match actual {
        Actual::Values { values } if values.len() != results.len() => fail(format!(
            "expected {} results, got {}",
            results.len(),
            values.len()
        )),
        Actual::Values { values } => {
            for (i, (r, v)) in results.iter().zip(values).enumerate() {
                if let Err(e) = expect::check_result(r, v) {
                    return fail(format!("result {i}: {e}"));
                }
            }
            PASS
        }
        Actual::Ok if results.is_empty() => PASS,
        other => fail(format!("expected results, got {}", other.summary())),
    }
}

fn trap_verdict(kind: Option<TrapKind>, actual: &Actual) -> Judged {
    match (kind, actual) {
        (
            Some(expected),
            Actual::Failure(Failure {
                kind: FailureKind::Trap { trap },
                ..
            }),
        ) if !trap.covers(expected) => fail(format!(
            "expected {}, got {}",
            render_kind(&FailureKind::Trap { trap: expected }),
            render_kind(&FailureKind::Trap { trap: *trap })
        )),
        (_, Actual::Failure(f)) if matches!(f.kind, FailureKind::Trap { .. }) => PASS,
        (_, other) => fail(format!("expected a trap, got {}", other.summary())),
    }
}

fn bound_verdict(bound: &str, actual: &Actual) -> Judged {
    match actual {
        Actual::Growth { within: true, .. } | Actual::Slowdown { within: true, .. } => PASS,
        // Not guaranteed either way in this host: nothing to judge.
        Actual::CollectorTimed { .. } => PASS,
        Actual::Growth { bytes, .. } => {
            fail(format!("memory changed by {bytes} bytes, expected {bound}"))
        }
        Actual::Slowdown { ratio, .. } => fail(format!("took {ratio}x as long, expected {bound}")),
        other => fail(format!("expected a measurement, got {}", other.summary())),
    }
}
