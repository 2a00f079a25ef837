//! One running adapter process: send a request, get a response, and turn a process
//! that panics, aborts, segfaults, hangs or talks nonsense into a typed [`Exchange`]
//! instead of an error of the harness.

use std::collections::BTreeSet;
use std::io::{Read, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use wasm_compat_protocol::{from_line, to_line, Request, Response};

use crate::builder::BuiltAdapter;

/// How much of an adapter's stderr is kept for reports.
const STDERR_TAIL: usize = 8 * 1024;
/// Longest response line accepted; longer means a broken adapter.
const MAX_LINE: usize = 256 * 1024 * 1024;
/// Unwritten request bytes that are written without waiting for an answer.
const OUTBOX_FLUSH: usize = 64 * 1024;
/// Bytes read from an adapter's stdout at a time (a pipe holds 64 KiB by default).
const READ_CHUNK: usize = 256 * 1024;

/// What came back for one request.
#[derive(Debug, Clone, PartialEq)]
pub enum Exchange {
    /// A well-formed response.
    Reply(Response),
    /// The process ended (or closed its output) without answering.
    Crash {
        /// Exit status or signal, in words.
        status: String,
        /// The last lines it wrote to stderr.
        stderr: String,
    },
    /// No answer within the time limit; the process was killed.
    Timeout {
        /// The limit that was exceeded.
        after: Duration,
    },
    /// The process answered with something that is not a response.
    ProtocolError {
        /// What was wrong.
        detail: String,
    },
    /// The harness itself could not read the answer (an I/O error on its end
    /// of the pipe): not the engine's doing, never counted as its crash. The
    /// process is killed, since its answers can no longer be matched up.
    Harness {
        /// The error, in words.
        detail: String,
    },
    /// The process's resident memory went over its cap; it was killed.
    MemoryLimit {
        /// Resident memory when it was seen over the cap.
        rss_bytes: u64,
        /// The cap.
        cap_bytes: u64,
    },
}

impl Exchange {
    /// What went wrong when this came back for the request named `request`
    /// (`hello`, `configure`), in words, with the adapter's last words, if
    /// any, on the lines after; never Rust debug text.
    pub fn failed(&self, request: &str) -> String {
        match self {
            Exchange::Crash { status, stderr } if stderr.trim().is_empty() => {
                format!("the adapter crashed before answering {request}: {status}")
            }
            Exchange::Crash { status, stderr } => format!(
                "the adapter crashed before answering {request}: {status}; it said:\n{}",
                stderr.trim_end()
            ),
            Exchange::Timeout { after } => {
                format!("the adapter did not answer {request} within {after:?}")
            }
            Exchange::ProtocolError { detail } => format!(
                "the adapter answered {request} with something that is not a response: {detail}"
            ),
            Exchange::Harness { detail } => {
                format!("the harness failed while waiting for {request}: {detail}")
            }
            Exchange::MemoryLimit {
                rss_bytes,
                cap_bytes,
            } => format!(
                "the adapter went over its memory cap before answering {request} \
                 ({} MiB, cap {} MiB)",
                rss_bytes >> 20,
                cap_bytes >> 20
            ),
            Exchange::Reply(Response::Err(failure)) => {
                format!("the adapter refused {request}: {}", failure.message)
            }
            Exchange::Reply(Response::Ok(_)) => {
                format!("the adapter answered {request} with another request's reply")
            }
        }
    }
}

/// The limits one adapter process runs under.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Caps {
    /// Longest wait for one answer.
    pub request: Duration,
    /// Longest time from the start of the process (one case) to its last answer.
    pub case: Option<Duration>,
    /// Largest resident memory, checked while waiting for answers.
    pub memory_bytes: Option<u64>,
}

impl Caps {
    /// Only a per-request timeout.
    pub fn request_only(request: Duration) -> Caps {
        Caps {
            request,
            case: None,
            memory_bytes: None,
        }
    }
}

/// Adapter processes alive now, so an interrupted run can stop them all.
static LIVE: Mutex<BTreeSet<u32>> = Mutex::new(BTreeSet::new());
/// Set once the run is interrupted: no adapter starts after it.
static STOPPING: AtomicBool = AtomicBool::new(false);

/// Stop the run: kill every live adapter process (their cases end as crashes,
/// which the run then discards) and refuse to start new ones. Safe to call
/// from a signal-handling thread.
pub fn stop_all() {
    STOPPING.store(true, Ordering::SeqCst);
    let live = LIVE.lock().unwrap_or_else(|p| p.into_inner());
    for pid in live.iter() {
        // SAFETY: sending a signal to a process we started and have not reaped.
        unsafe {
            libc::kill(*pid as libc::pid_t, libc::SIGKILL);
        }
    }
}

/// How many adapter processes are alive now.
pub fn live_count() -> usize {
    LIVE.lock().unwrap_or_else(|p| p.into_inner()).len()
}

/// Whether the run was interrupted.
pub fn stopping() -> bool {
    STOPPING.load(Ordering::SeqCst)
}

/// The idle adapter processes of one run, kept for its next case of the same
/// adapter: a case made only of standard wast directives runs in one of them
/// (after its `configure`, which clears everything a case leaves; see
/// PROTOCOL.md), so a spec suite does not pay one process start per file.
/// Owned by the run (sized by its workers); dropping it ends every idle
/// process.
pub struct Pool {
    idle: Mutex<Vec<AdapterProcess>>,
    max: usize,
}

/// How many idle processes a pool keeps per worker; the oldest goes first.
/// Cells run engine by engine, so a worker needs one or two at a time (a
/// cross-version pair).
const IDLE_PER_WORKER: usize = 4;
/// A process holding more resident memory than this after a case is not
/// reused: what the next case measures or is capped by starts from a small
/// process.
const REUSE_MAX_RSS: u64 = 256 * 1024 * 1024;

impl Pool {
    /// An empty pool for a run of `workers` workers.
    pub fn new(workers: usize) -> Pool {
        Pool {
            idle: Mutex::new(Vec::new()),
            max: workers.max(1) * IDLE_PER_WORKER,
        }
    }

    /// An adapter process for one case: an idle one of `adapter` under
    /// `caps` when there is one, otherwise a new one.
    pub fn lease(&self, adapter: &BuiltAdapter, caps: Caps) -> Result<AdapterProcess> {
        let idle = {
            let mut idle = self.idle.lock().unwrap_or_else(|p| p.into_inner());
            idle.iter()
                .rposition(|p| {
                    p.caps == caps && p.command.0 == adapter.program && p.command.1 == adapter.args
                })
                .map(|at| idle.remove(at))
        };
        match idle {
            Some(mut process) if !stopping() => {
                process.begin_case();
                Ok(process)
            }
            _ => AdapterProcess::start(adapter, caps),
        }
    }

    /// Give back a process whose case ended normally, for [`Pool::lease`] to
    /// hand out again; one that cannot run another case is ended instead.
    pub fn give_back(&self, mut process: AdapterProcess) {
        if stopping() || !process.reusable() {
            return;
        }
        let evicted = {
            let mut idle = self.idle.lock().unwrap_or_else(|p| p.into_inner());
            idle.push(process);
            (idle.len() > self.max).then(|| idle.remove(0))
        };
        // Dropped outside the lock: ending a process waits for it.
        drop(evicted);
    }
}

/// How long a waiting read looks for an answer before it sleeps in `poll`,
/// while a core is left idle by the run (see [`spin_for_workers`]).
const SPIN: Duration = Duration::from_micros(50);

/// The look-before-sleeping of this process's waiting reads, in
/// microseconds: [`SPIN`] until [`spin_for_workers`] says otherwise.
static SPIN_MICROS: AtomicU64 = AtomicU64::new(SPIN.as_micros() as u64);

/// Set the look-before-sleeping for a run of `workers` workers: it pays
/// only while a core would otherwise be idle (one worker and its adapter on
/// two cores); when the workers fill the cores, looking takes time from the
/// adapters' own compile threads (measured on wasm-v2: two workers on
/// wasmtime 0.88 s looking, 0.76 s not; one worker 1.25 s looking, 1.30 s
/// not; BENCHMARKS.md, "Throughput").
pub fn spin_for_workers(workers: usize) {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let micros = if workers < cores {
        SPIN.as_micros() as u64
    } else {
        0
    };
    SPIN_MICROS.store(micros, Ordering::Relaxed);
}

/// How often a waiting read looks at the adapter's resident memory.
const MEMORY_CHECK: Duration = Duration::from_millis(50);

/// Anything requests can be sent to. Responses come back in request order, so a
/// caller may send several requests before receiving their answers (pipelining).
pub trait Engine {
    /// Send one request without waiting for its answer. A process that is gone
    /// is not an error here: the next `receive` reports it.
    fn send(&mut self, request: &Request);

    /// Wait for the answer to the oldest request not yet answered.
    fn receive(&mut self) -> Exchange;

    /// Send one request and wait for its outcome.
    fn request(&mut self, request: &Request) -> Exchange {
        self.send(request);
        self.receive()
    }
}

/// A live adapter process.
pub struct AdapterProcess {
    child: Child,
    stdin: Option<ChildStdin>,
    stdout: ChildStdout,
    /// Bytes read from stdout that do not yet make a whole line.
    pending: Vec<u8>,
    /// How many bytes at the start of `pending` are known to hold no newline, so
    /// each byte is searched once however long a line grows.
    scanned: usize,
    /// Read buffer, allocated once per process.
    chunk: Box<[u8]>,
    stderr: Arc<Mutex<String>>,
    caps: Caps,
    /// When the whole case must be done by.
    case_deadline: Option<Instant>,
    /// When resident memory was last read (at most every `MEMORY_CHECK`, so
    /// quick answers cost no `/proc` read).
    memory_checked: Instant,
    dead: Option<Exchange>,
    /// Requests sent and not yet answered.
    in_flight: usize,
    /// Requests sent and not yet written to the process.
    outbox: Vec<u8>,
    /// What started it: program and arguments (a pooled process is only
    /// handed out again for the same).
    command: (std::path::PathBuf, Vec<String>),
    /// Where the requests written are copied, when recording.
    transcript: Option<(std::fs::File, Arc<crate::recorder::Recorder>)>,
}

impl AdapterProcess {
    /// Start `adapter` under `caps`.
    pub fn start(adapter: &BuiltAdapter, caps: Caps) -> Result<AdapterProcess> {
        if stopping() {
            anyhow::bail!("the run was interrupted");
        }
        let transcript = match &adapter.recording {
            Some(recorder) => Some((
                recorder.transcript(&adapter.program, &adapter.args)?,
                recorder.clone(),
            )),
            None => None,
        };
        let mut live = LIVE.lock().unwrap_or_else(|p| p.into_inner());
        let mut child = Command::new(&adapter.program)
            .args(&adapter.args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .env("RUST_BACKTRACE", "0")
            .spawn()
            .with_context(|| {
                format!(
                    "{}: cannot start adapter {}",
                    adapter.id,
                    adapter.program.display()
                )
            })?;
        live.insert(child.id());
        drop(live);
        let stdout = child.stdout.take().expect("piped");
        let stderr_buf = Arc::new(Mutex::new(String::new()));
        let sink = stderr_buf.clone();
        let mut stderr = child.stderr.take().expect("piped");
        std::thread::spawn(move || {
            let mut chunk = [0u8; 4096];
            while let Ok(n) = stderr.read(&mut chunk) {
                if n == 0 {
                    break;
                }
                let mut buf = sink.lock().unwrap_or_else(|p| p.into_inner());
                buf.push_str(&String::from_utf8_lossy(&chunk[..n]));
                if buf.len() > 2 * STDERR_TAIL {
                    let mut cut = buf.len() - STDERR_TAIL;
                    while !buf.is_char_boundary(cut) {
                        cut += 1;
                    }
                    buf.replace_range(..cut, "");
                }
            }
        });
        let stdin = child.stdin.take();
        Ok(AdapterProcess {
            child,
            stdin,
            stdout,
            pending: Vec::new(),
            scanned: 0,
            chunk: vec![0u8; READ_CHUNK].into_boxed_slice(),
            stderr: stderr_buf,
            caps,
            case_deadline: caps.case.map(|c| Instant::now() + c),
            memory_checked: Instant::now(),
            dead: None,
            in_flight: 0,
            outbox: Vec::new(),
            command: (adapter.program.clone(), adapter.args.clone()),
            transcript,
        })
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Whether the process can run another case: alive, every answer read,
    /// and not holding more memory than [`REUSE_MAX_RSS`].
    fn reusable(&mut self) -> bool {
        self.dead.is_none()
            && self.stdin.is_some()
            && self.outbox.is_empty()
            && self.in_flight == 0
            && matches!(self.child.try_wait(), Ok(None))
            && wasm_compat_protocol::memory_usage_of(self.child.id())
                .is_some_and(|m| m.rss_bytes <= REUSE_MAX_RSS)
    }

    /// Make a pooled process ready for its next case: the case's time and
    /// what it writes to stderr start again.
    fn begin_case(&mut self) {
        self.case_deadline = self.caps.case.map(|c| Instant::now() + c);
        self.memory_checked = Instant::now();
        self.stderr
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
    }

    fn stderr_tail(&self) -> String {
        let buf = self.stderr.lock().unwrap_or_else(|p| p.into_inner());
        let lines: Vec<&str> = buf.lines().rev().take(20).collect();
        lines.into_iter().rev().collect::<Vec<_>>().join("\n")
    }

    /// Describe how the process ended, killing it if it has not.
    fn reap(&mut self) -> String {
        let deadline = Instant::now() + Duration::from_secs(2);
        loop {
            match self.child.try_wait() {
                Ok(Some(status)) => return describe_status(status),
                Ok(None) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(10))
                }
                _ => {
                    let _ = self.child.kill();
                    let status = self.child.wait();
                    return match status {
                        Ok(s) => {
                            format!("closed its output and was killed ({})", describe_status(s))
                        }
                        Err(e) => format!("could not be waited for: {e}"),
                    };
                }
            }
        }
    }

    fn crash(&mut self) -> Exchange {
        let status = self.reap();
        // Give the stderr reader a moment to drain what the process wrote last.
        std::thread::sleep(Duration::from_millis(20));
        Exchange::Crash {
            status,
            stderr: self.stderr_tail(),
        }
    }
}

/// What reading one response line gave.
enum Line {
    Text(String),
    Closed,
    TimedOut,
    TooLong,
    OverMemory(u64),
}

impl AdapterProcess {
    /// Read one line from the adapter's stdout, waiting until `deadline` at most.
    /// Reads happen on the calling thread, after `poll` says there is something to
    /// read, so a request costs no hand-over between threads.
    fn read_line(&mut self, deadline: Instant) -> std::io::Result<Line> {
        use std::os::unix::io::AsRawFd;
        loop {
            if let Some(end) = find_newline(&self.pending[self.scanned..]) {
                let end = self.scanned + end;
                if end > MAX_LINE {
                    return Ok(Line::TooLong);
                }
                let rest = self.pending.split_off(end + 1);
                let line = std::mem::replace(&mut self.pending, rest);
                self.scanned = 0;
                return Ok(Line::Text(line_text(line)));
            }
            self.scanned = self.pending.len();
            if self.pending.len() > MAX_LINE {
                return Ok(Line::TooLong);
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Ok(Line::TimedOut);
            }
            if let Some(cap) = self.caps.memory_bytes {
                if self.memory_checked.elapsed() >= MEMORY_CHECK {
                    self.memory_checked = Instant::now();
                    if let Some(rss) =
                        wasm_compat_protocol::memory_usage_of(self.child.id()).map(|m| m.rss_bytes)
                    {
                        if rss > cap {
                            return Ok(Line::OverMemory(rss));
                        }
                    }
                }
            }
            let left = match self.caps.memory_bytes {
                Some(_) => left.min(MEMORY_CHECK),
                None => left,
            };
            let mut fd = libc::pollfd {
                fd: self.stdout.as_raw_fd(),
                events: libc::POLLIN,
                revents: 0,
            };
            let millis = left.as_millis().clamp(1, i32::MAX as u128) as i32;
            let mut ready = spin_poll(&mut fd);
            if ready == 0 {
                // SAFETY: one valid pollfd for the duration of the call.
                ready = unsafe { libc::poll(&mut fd, 1, millis) };
            }
            if ready < 0 {
                let err = std::io::Error::last_os_error();
                if err.kind() == std::io::ErrorKind::Interrupted {
                    continue;
                }
                return Err(err);
            }
            if ready == 0 {
                continue;
            }
            // Readable or hung up: this read does not block.
            let n = self.stdout.read(&mut self.chunk)?;
            if n == 0 {
                if !self.pending.is_empty() {
                    // The process ended in the middle of a line.
                    self.scanned = 0;
                    return Ok(Line::Text(line_text(std::mem::take(&mut self.pending))));
                }
                return Ok(Line::Closed);
            }
            self.pending.extend_from_slice(&self.chunk[..n]);
        }
    }
}

/// Look at `fd` without sleeping for up to [`SPIN`] (when a core is idle,
/// see [`spin_for_workers`]): the poll's result, 0
/// when nothing came. Most answers come within microseconds, and a process
/// that sleeps in `poll` is woken much later than that on a virtual machine
/// (measured: one worker on wasm-v2 took 0.66 s sleeping at once, 0.44 s
/// looking first; BENCHMARKS.md).
fn spin_poll(fd: &mut libc::pollfd) -> i32 {
    let until = Instant::now() + Duration::from_micros(SPIN_MICROS.load(Ordering::Relaxed));
    loop {
        // SAFETY: one valid pollfd for the duration of the call.
        let ready = unsafe { libc::poll(fd, 1, 0) };
        if ready != 0 || Instant::now() >= until {
            return ready;
        }
        std::hint::spin_loop();
    }
}

/// Where the first newline in `bytes` is. The C library's `memchr` keeps this
/// fast in every profile: an unoptimised byte loop takes most of a second over
/// a line of megabytes.
fn find_newline(bytes: &[u8]) -> Option<usize> {
    // SAFETY: `memchr` reads at most `bytes.len()` bytes from `bytes`, which
    // stays borrowed for the call; a non-null result points into it.
    let found = unsafe { libc::memchr(bytes.as_ptr().cast(), i32::from(b'\n'), bytes.len()) };
    (!found.is_null()).then(|| found as usize - bytes.as_ptr() as usize)
}

/// A line's text without its line ending; bytes that are not UTF-8 are replaced.
fn line_text(line: Vec<u8>) -> String {
    let mut text = match String::from_utf8(line) {
        Ok(text) => text,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    };
    text.truncate(text.trim_end().len());
    text
}

impl AdapterProcess {
    /// Write the requests sent so far in one go.
    fn write_outbox(&mut self) {
        if self.outbox.is_empty() {
            return;
        }
        if let Some((transcript, recorder)) = self.transcript.as_mut() {
            if transcript.write_all(&self.outbox).is_err() {
                recorder.mark_broken();
            }
        }
        let wrote = match self.stdin.as_mut() {
            Some(stdin) => stdin.write_all(&self.outbox),
            None => Err(std::io::Error::other("stdin closed")),
        };
        self.outbox.clear();
        if wrote.is_err() {
            // The process is going or gone, but answers to earlier requests may
            // still be in the pipe: `receive` reads them, then sees the end.
            self.stdin = None;
        }
    }
}

impl Engine for AdapterProcess {
    fn send(&mut self, request: &Request) {
        if self.dead.is_some() {
            return;
        }
        self.outbox.extend_from_slice(to_line(request).as_bytes());
        self.outbox.push(b'\n');
        self.in_flight += 1;
        // Requests go out together when an answer is awaited (one write and
        // one wake-up of the adapter for a pipelined batch), or when many
        // bytes wait.
        if self.outbox.len() >= OUTBOX_FLUSH {
            self.write_outbox();
        }
    }

    fn receive(&mut self) -> Exchange {
        if let Some(dead) = &self.dead {
            return dead.clone();
        }
        self.write_outbox();
        let request_deadline = Instant::now() + self.caps.request;
        let deadline = match self.case_deadline {
            Some(case) if case < request_deadline => case,
            _ => request_deadline,
        };
        let outcome = match self.read_line(deadline) {
            Ok(Line::Text(text)) => match from_line::<Response>(&text) {
                Ok(response) => {
                    self.in_flight = self.in_flight.saturating_sub(1);
                    return Exchange::Reply(response);
                }
                Err(e) => {
                    let _ = self.child.kill();
                    let _ = self.child.wait();
                    let shown: String = text.chars().take(200).collect();
                    Exchange::ProtocolError {
                        detail: format!("not a response ({e}): {shown:?}"),
                    }
                }
            },
            Ok(Line::TooLong) => {
                let _ = self.child.kill();
                let _ = self.child.wait();
                Exchange::ProtocolError {
                    detail: format!("a response line longer than {MAX_LINE} bytes"),
                }
            }
            Ok(Line::Closed) => self.crash(),
            Err(e) => {
                let _ = self.child.kill();
                let _ = self.child.wait();
                Exchange::Harness {
                    detail: format!("reading the adapter's answer: {e}"),
                }
            }
            Ok(Line::TimedOut) => {
                let _ = self.child.kill();
                let _ = self.child.wait();
                let after = if deadline < request_deadline {
                    self.caps.case.unwrap_or(self.caps.request)
                } else {
                    self.caps.request
                };
                Exchange::Timeout { after }
            }
            Ok(Line::OverMemory(rss)) => {
                let _ = self.child.kill();
                let _ = self.child.wait();
                Exchange::MemoryLimit {
                    rss_bytes: rss,
                    cap_bytes: self.caps.memory_bytes.unwrap_or(0),
                }
            }
        };
        self.dead = Some(outcome.clone());
        outcome
    }
}

impl Drop for AdapterProcess {
    fn drop(&mut self) {
        // Closing stdin asks the adapter to exit; make sure it does.
        self.stdin.take();
        let deadline = Instant::now() + Duration::from_millis(500);
        let mut exited = false;
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                exited = true;
                break;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        if !exited {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
        let mut live = LIVE.lock().unwrap_or_else(|p| p.into_inner());
        live.remove(&self.child.id());
    }
}

/// An exit status in words: `exited with status 101`, `killed by signal 11 (SIGSEGV)`.
pub fn describe_status(status: std::process::ExitStatus) -> String {
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(sig) = status.signal() {
            let name = match sig {
                4 => " (SIGILL)",
                6 => " (SIGABRT)",
                7 => " (SIGBUS)",
                8 => " (SIGFPE)",
                9 => " (SIGKILL)",
                11 => " (SIGSEGV)",
                15 => " (SIGTERM)",
                _ => "",
            };
            return format!("killed by signal {sig}{name}");
        }
    }
    match status.code() {
        Some(code) => format!("exited with status {code}"),
        None => "ended".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A read error on the harness's end of the pipe (here: a folder's
    /// descriptor put where the pipe was, so `read` fails with EISDIR while
    /// the adapter lives on) is a harness failure, never the engine's crash.
    #[test]
    fn a_harness_read_error_is_not_the_engines_crash() {
        use std::os::unix::io::AsRawFd;
        let adapter = crate::builder::BuiltAdapter {
            id: "sleeper@1.0.0".parse().unwrap(),
            program: "sleep".into(),
            args: vec!["30".into()],
            record: None,
            recording: None,
        };
        let mut process =
            AdapterProcess::start(&adapter, Caps::request_only(Duration::from_secs(5)))
                .expect("sleep starts");
        let folder = std::fs::File::open(std::env::temp_dir()).unwrap();
        // SAFETY: both descriptors are open; the pipe's is replaced in place.
        let replaced = unsafe { libc::dup2(folder.as_raw_fd(), process.stdout.as_raw_fd()) };
        assert!(replaced >= 0, "{}", std::io::Error::last_os_error());
        process.send(&Request::Collect);
        match process.receive() {
            Exchange::Harness { detail } => {
                assert!(
                    detail.starts_with("reading the adapter's answer: "),
                    "{detail}"
                )
            }
            other => panic!("expected a harness failure, got {other:?}"),
        }
    }

    #[test]
    fn newlines_are_found_anywhere_or_not_at_all() {
        assert_eq!(find_newline(b""), None);
        assert_eq!(find_newline(b"\n"), Some(0));
        assert_eq!(find_newline(b"{\"ok\":\"done\"}\n{"), Some(13));
        let mut long = vec![b'x'; 1 << 20];
        assert_eq!(find_newline(&long), None);
        long.push(b'\n');
        assert_eq!(find_newline(&long), Some(1 << 20));
    }

    #[test]
    fn a_line_loses_its_ending_and_keeps_bad_bytes_visible() {
        assert_eq!(
            line_text(b"{\"ok\":\"done\"}\r\n".to_vec()),
            "{\"ok\":\"done\"}"
        );
        assert_eq!(line_text(b"a\xffb\n".to_vec()), "a\u{fffd}b");
    }
}
