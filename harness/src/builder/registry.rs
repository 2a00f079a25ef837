//! Asking a registry (the npm registry, the Go module proxy, the crate
//! registry index): every call bounded in time, and a registry that does not
//! answer reported as [`Unreachable`], never as "not published".
//!
//! An unreachable registry makes only the versions that still have to come
//! from it unavailable: their cells are `unsupported` with the reason, and
//! every other engine runs (a cached build asks no registry at all:
//! `Builder::check_version`). The first call that finds a registry down is
//! remembered for the rest of the process ([`Down`]), so the next version of
//! the same family fails at once instead of waiting out the bound again.
//!
//! The bound is [`REGISTRY_TIMEOUT`] for the command a source runs
//! ([`bounded`]: its process group is killed when it runs out), and each
//! client's own settings below it (npm's `--fetch-timeout` and
//! `--fetch-retries`, the index's HTTP timeouts), so a refused connection
//! fails in a second or two and a silent one within 15 s.

use std::collections::BTreeMap;
use std::io::Read;
use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};

use super::{Builder, Unavailable};

/// How long one registry call (a listing, a version query) may take.
pub const REGISTRY_TIMEOUT: Duration = Duration::from_secs(12);

/// A registry or proxy that did not answer: the versions it would provide
/// are unavailable here, not unpublished.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{registry} is unreachable: {detail}")]
pub struct Unreachable {
    /// The registry in words, with its address (`the npm registry (https://...)`).
    pub registry: String,
    /// What the client said (`connect ECONNREFUSED 127.0.0.1:9`, `no answer within 12 s`).
    pub detail: String,
}

/// Why `err` makes an engine unavailable here (a missing toolchain, an
/// unreachable registry, offline without a copy) rather than wrong, if it does.
pub fn unavailable_reason(err: &anyhow::Error) -> Option<String> {
    if let Some(why) = err.downcast_ref::<Unavailable>() {
        return Some(why.to_string());
    }
    err.downcast_ref::<Unreachable>().map(ToString::to_string)
}

/// The registries found unreachable in this process, by source kind.
#[derive(Debug, Default)]
pub(super) struct Down(Mutex<BTreeMap<&'static str, Unreachable>>);

impl Builder {
    /// Ask the registry of source kind `kind` with `call`: at once the
    /// earlier answer when it was found unreachable before; remembered when
    /// `call` finds it unreachable now.
    pub(super) fn ask<T>(&self, kind: &'static str, call: impl FnOnce() -> Result<T>) -> Result<T> {
        self.still_reachable(kind)?;
        let answer = call();
        if let Err(err) = &answer {
            if let Some(down) = err.downcast_ref::<Unreachable>() {
                let mut known = self.down.0.lock().unwrap_or_else(|p| p.into_inner());
                known.entry(kind).or_insert_with(|| down.clone());
            }
        }
        answer
    }

    /// Fails with the earlier answer when the registry of `kind` was found
    /// unreachable in this process.
    pub(super) fn still_reachable(&self, kind: &'static str) -> Result<()> {
        let known = self.down.0.lock().unwrap_or_else(|p| p.into_inner());
        match known.get(kind) {
            Some(down) => Err(down.clone().into()),
            None => Ok(()),
        }
    }
}

/// What a bounded registry command did.
#[derive(Debug)]
pub(super) enum Reply {
    /// It succeeded: its standard output.
    Answered(Vec<u8>),
    /// It failed: its standard error.
    Failed(String),
    /// It was still running at the bound and was killed.
    Silent,
}

/// Run `cmd` (spelled `what` in errors) for at most [`REGISTRY_TIMEOUT`],
/// in a process group of its own that is killed with it when time runs out.
pub(super) fn bounded(cmd: &mut Command, what: &str) -> Result<Reply> {
    bounded_within(cmd, what, REGISTRY_TIMEOUT)
}

/// [`bounded`] with the bound `limit`.
fn bounded_within(cmd: &mut Command, what: &str, limit: Duration) -> Result<Reply> {
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .spawn()
        .with_context(|| format!("running {what}"))?;
    let stdout = drain(child.stdout.take());
    let stderr = drain(child.stderr.take());
    let deadline = Instant::now() + limit;
    loop {
        if let Some(status) = child
            .try_wait()
            .with_context(|| format!("waiting for {what}"))?
        {
            let out = stdout.join().unwrap_or_default();
            let err = stderr.join().unwrap_or_default();
            return Ok(match status.success() {
                true => Reply::Answered(out),
                false => Reply::Failed(String::from_utf8_lossy(&err).trim_end().to_string()),
            });
        }
        if Instant::now() >= deadline {
            // The whole group: `go` may have started `git`, npm its workers.
            // SAFETY: kill(2) with a negative pid signals that process group only.
            unsafe { libc::kill(-(child.id() as libc::pid_t), libc::SIGKILL) };
            let _ = child.wait();
            return Ok(Reply::Silent);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Read `pipe` to its end on a thread of its own (so a full pipe never
/// blocks the child while it is being waited for).
fn drain<R: Read + Send + 'static>(pipe: Option<R>) -> std::thread::JoinHandle<Vec<u8>> {
    std::thread::spawn(move || {
        let mut buf = Vec::new();
        if let Some(mut pipe) = pipe {
            let _ = pipe.read_to_end(&mut buf);
        }
        buf
    })
}

/// "no answer within 12 s", the detail of a registry that stayed silent.
pub(super) fn silent() -> String {
    format!("no answer within {} s", REGISTRY_TIMEOUT.as_secs())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_registry_found_down_is_not_asked_again() {
        let dir = tempfile::tempdir().unwrap();
        let builder = super::super::offline_builder(dir.path());
        let down = || Unreachable {
            registry: "the demo registry (http://127.0.0.1:9)".into(),
            detail: "connection refused".into(),
        };
        let first: Result<()> = builder.ask("demo", || Err(down().into()));
        let err = first.unwrap_err();
        assert_eq!(
            unavailable_reason(&err).as_deref(),
            Some("the demo registry (http://127.0.0.1:9) is unreachable: connection refused")
        );
        let mut asked = false;
        let second: Result<()> = builder.ask("demo", || {
            asked = true;
            Ok(())
        });
        assert!(!asked, "a registry found down is asked again");
        assert_eq!(
            second.unwrap_err().downcast_ref::<Unreachable>(),
            Some(&down())
        );
        assert!(builder.ask("other", || Ok(())).is_ok());
    }

    #[test]
    fn a_bounded_command_answers_fails_or_is_killed_at_the_bound() {
        let ok = bounded(Command::new("sh").args(["-c", "echo hi"]), "sh").unwrap();
        assert!(matches!(ok, Reply::Answered(out) if out == b"hi\n"));
        let failed = bounded(Command::new("sh").args(["-c", "echo no >&2; exit 3"]), "sh");
        assert!(matches!(failed.unwrap(), Reply::Failed(err) if err == "no"));
        let started = Instant::now();
        let limit = Duration::from_millis(300);
        // A grandchild holding the pipes open is killed with its group.
        let silent = bounded_within(
            Command::new("sh").args(["-c", "sleep 30 & sleep 30"]),
            "sh",
            limit,
        );
        assert!(matches!(silent.unwrap(), Reply::Silent));
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "{:?}",
            started.elapsed()
        );
    }
}
