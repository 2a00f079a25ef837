//! What one step of a directive produced ([`Step`]), before it is judged: an
//! engine's answer, a harness-side result, or why the step was not taken.

use wasm_compat_protocol::{Failure, FailureKind, Reply, Response};

use crate::adapter::Exchange;
use crate::outcome::Actual;

/// The result of one step of a directive.
pub(super) enum Step {
    /// The engine did it.
    Done(Reply),
    /// The engine reported a failure.
    Failed(Failure),
    /// Crash, timeout, protocol error, text the harness could not encode, or a
    /// harness-side failure.
    Broken(Actual),
    /// A harness-side result (counts, growth checks, timings).
    Observed(Actual),
    /// Not run: it needs something an earlier directive did not make.
    Skipped(String),
}

impl Step {
    /// What one exchange with an engine produced.
    pub(super) fn of(exchange: Exchange) -> Step {
        match exchange {
            Exchange::Reply(Response::Ok(reply)) => Step::Done(reply),
            Exchange::Reply(Response::Err(f)) => Step::Failed(f),
            Exchange::Crash { status, stderr } => Step::Broken(Actual::Crash { status, stderr }),
            Exchange::Timeout { after } => Step::Broken(Actual::Timeout {
                after_secs: after.as_secs(),
            }),
            Exchange::ProtocolError { detail } => Step::Broken(Actual::ProtocolError { detail }),
            Exchange::Harness { detail } => Step::harness(format!("harness: {detail}")),
            Exchange::MemoryLimit {
                rss_bytes,
                cap_bytes,
            } => Step::Broken(Actual::MemoryLimit {
                rss_bytes,
                cap_bytes,
            }),
        }
    }

    /// Success with nothing to return.
    pub(super) fn ok() -> Step {
        Step::Done(Reply::Done)
    }

    /// The harness itself failed (a file it could not write, a folder it could
    /// not make): not the engine's doing.
    pub(super) fn harness(detail: String) -> Step {
        Step::Broken(Actual::Harness { detail })
    }

    /// The step of something that either succeeded with nothing to return or failed.
    pub(super) fn done<T>(result: Result<T, Step>) -> Step {
        result.map_or_else(|step| step, |_| Step::ok())
    }

    pub(super) fn is_done(&self) -> bool {
        matches!(self, Step::Done(_))
    }

    /// Why a name this step should have made is missing: the reason it was
    /// skipped, or else `otherwise`.
    pub(super) fn loss(&self, otherwise: impl FnOnce() -> String) -> String {
        match self {
            Step::Skipped(why) => why.clone(),
            _ => otherwise(),
        }
    }

    /// What happened, as recorded (`Err`: not run, and why).
    pub(super) fn into_actual(self) -> Result<Actual, String> {
        Ok(match self {
            Step::Skipped(why) => return Err(why),
            Step::Done(Reply::Values(values)) => Actual::Values { values },
            Step::Done(Reply::Pages(pages)) => Actual::Pages { pages },
            Step::Done(Reply::Calls(calls)) => Actual::Calls { calls },
            Step::Done(Reply::Memory(m)) => Actual::Memory {
                rss_bytes: m.rss_bytes,
            },
            Step::Done(_) => Actual::Ok,
            Step::Failed(f) => Actual::Failure(f),
            Step::Broken(a) | Step::Observed(a) => a,
        })
    }
}

/// A directive names a module, instance or artifact the case never made
/// (usually because making it failed earlier): that directive fails, the case
/// goes on.
pub(super) fn missing(what: impl Into<String>) -> Step {
    Step::Failed(Failure::new(
        FailureKind::NotFound,
        format!("harness: {}", what.into()),
    ))
}
