//! The benchmark behind BENCHMARKS.md: per `engine@version`, the harness's wall
//! time on the wasm-v2 suite, single-threaded and with every core, against the
//! engine's own in-process wast runner of the same version (built from
//! `bench/native-<family>` like an adapter), and against the adapter alone:
//! the requests of a harness run, recorded, replayed into the adapter from a
//! file, with no harness and no waiting between them (the baseline of families
//! without an in-process wast runner). Adapter build times come from the cold
//! CI run instead (see BENCHMARKS.md).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

use crate::builder::Builder;
use crate::cases::{spec_cases, Case};
use crate::engine_id::{AdapterSource, EngineSpec};
use crate::expectations::Expectations;
use crate::run::{execute, Job};
use crate::snapshot::Snapshots;

/// One engine's figures (seconds are medians over the repetitions).
#[derive(Debug, Clone)]
pub struct BenchRow {
    /// `engine@version`.
    pub engine: String,
    /// Harness wall time with one worker.
    pub harness_one: f64,
    /// Harness wall time with `jobs` workers.
    pub harness_all: f64,
    /// The native runner's wall time, or why there is none.
    pub native: Result<f64, String>,
    /// The adapter alone, replaying the requests of a one-worker harness run.
    pub replay: f64,
    /// Assertions passed / run by the harness.
    pub assertions: (usize, usize),
}

/// Options of a benchmark run.
pub struct BenchOptions<'a> {
    /// Engines to measure.
    pub engines: Vec<EngineSpec>,
    /// Repetitions per measurement (the median is kept).
    pub repeat: usize,
    /// Workers for the "all cores" figure.
    pub jobs: usize,
    /// Folder holding `native-<family>/` runner crates.
    pub native_dir: PathBuf,
    /// Per-request timeout.
    pub timeout: Duration,
    /// Known failures (only used to judge; the benchmark measures time).
    pub expectations: &'a Expectations,
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(|a, b| a.total_cmp(b));
    xs[xs.len() / 2]
}

/// Write the wasm-v2 files into `dir`, for the native runners.
fn write_suite(cases: &[Case], dir: &Path) -> Result<()> {
    for c in cases {
        let file = c.name.rsplit('/').next().unwrap_or(&c.name);
        std::fs::write(dir.join(file), &c.text).with_context(|| format!("writing {file}"))?;
    }
    Ok(())
}

/// One recorded adapter process: its command, and its requests in a file.
struct Transcript {
    program: PathBuf,
    args: Vec<String>,
    requests: PathBuf,
    lines: usize,
}

/// The transcripts a [`crate::recorder::Recorder`] wrote into `dir`.
fn transcripts(dir: &Path) -> Result<Vec<Transcript>> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
        let path = entry?.path();
        if path.extension().is_none_or(|e| e != "requests") {
            continue;
        }
        let command: serde_json::Value =
            serde_json::from_slice(&std::fs::read(path.with_extension("command"))?)
                .with_context(|| format!("reading the command of {}", path.display()))?;
        let program = command["program"].as_str().context("no program")?.into();
        let args = serde_json::from_value(command["args"].clone()).context("no args")?;
        let lines = bytecount(&std::fs::read(&path)?);
        found.push(Transcript {
            program,
            args,
            requests: path,
            lines,
        });
    }
    found.sort_by(|a, b| a.requests.cmp(&b.requests));
    if found.is_empty() {
        bail!(
            "the recorded run wrote no transcript into {}",
            dir.display()
        );
    }
    Ok(found)
}

fn bytecount(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&b| b == b'\n').count()
}

/// Replay every transcript into a fresh process of its adapter, one after the
/// other, reading (and counting) the answers: the wall time of it all. Every
/// request must be answered, or the replay is not the same work.
fn replay(transcripts: &[Transcript]) -> Result<f64> {
    let started = Instant::now();
    for t in transcripts {
        let mut child = Command::new(&t.program)
            .args(&t.args)
            .stdin(std::fs::File::open(&t.requests)?)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .with_context(|| format!("starting {}", t.program.display()))?;
        let mut stdout = child.stdout.take().expect("piped");
        let mut chunk = vec![0u8; 256 * 1024];
        let mut answers = 0;
        loop {
            let n = std::io::Read::read(&mut stdout, &mut chunk)?;
            if n == 0 {
                break;
            }
            answers += bytecount(&chunk[..n]);
        }
        let status = child.wait()?;
        if answers != t.lines {
            bail!(
                "replaying {} into {}: {answers} answers to {} requests ({})",
                t.requests.display(),
                t.program.display(),
                t.lines,
                crate::adapter::describe_status(status)
            );
        }
    }
    Ok(started.elapsed().as_secs_f64())
}

fn run_native(program: &Path, suite_dir: &Path) -> Result<f64> {
    let started = Instant::now();
    let out = Command::new(program)
        .arg(suite_dir)
        .output()
        .with_context(|| format!("running {}", program.display()))?;
    let secs = started.elapsed().as_secs_f64();
    let stdout = String::from_utf8_lossy(&out.stdout);
    if !stdout.lines().any(|l| l.starts_with("native: ")) {
        bail!(
            "{} printed no `native:` line ({}): {}",
            program.display(),
            crate::adapter::describe_status(out.status),
            String::from_utf8_lossy(&out.stderr)
                .lines()
                .last()
                .unwrap_or("")
        );
    }
    Ok(secs)
}

/// Measure every engine of `options`.
pub fn bench(builder: &Builder, options: &BenchOptions<'_>) -> Result<Vec<BenchRow>> {
    let cases = spec_cases(&["wasm-v2".to_string()])?;
    let suite_dir = tempfile::tempdir()?;
    write_suite(&cases, suite_dir.path())?;
    let mut rows = Vec::new();
    for spec in &options.engines {
        builder.adapter(spec)?;
        let measure = |jobs: usize, recorder| -> Result<(f64, (usize, usize))> {
            let job = Job {
                engines: vec![spec.clone()],
                cases: cases.clone(),
                reference: spec.id.clone(),
                caps: crate::adapter::Caps::request_only(options.timeout),
                expectations: options.expectations,
                jobs,
                progress: false,
                snapshots: Snapshots::Skip,
                shard: None,
                done: Vec::new(),
                recorder,
            };
            let started = Instant::now();
            let results = execute(builder, &job)?;
            let secs = started.elapsed().as_secs_f64();
            let counts = results.results.iter().fold((0, 0), |(p, t), r| {
                let (a, b) = r.assertion_counts();
                (p + a, t + b)
            });
            Ok((secs, counts))
        };
        let mut one = Vec::new();
        let mut all = Vec::new();
        let mut assertions = (0, 0);
        for _ in 0..options.repeat.max(1) {
            let (s, counts) = measure(1, None)?;
            one.push(s);
            assertions = counts;
            all.push(measure(options.jobs, None)?.0);
        }
        // One more single-worker run, untimed, records what the adapter was sent.
        let recorded = tempfile::tempdir()?;
        let recorder = std::sync::Arc::new(crate::recorder::Recorder::new(recorded.path()));
        measure(1, Some(recorder.clone()))?;
        recorder.finish()?;
        let transcripts = transcripts(recorded.path())?;
        let replays = (0..options.repeat.max(1))
            .map(|_| replay(&transcripts))
            .collect::<Result<Vec<f64>>>()?;
        rows.push(BenchRow {
            engine: spec.id.to_string(),
            harness_one: median(one),
            harness_all: median(all),
            native: native_time(builder, spec, options, suite_dir.path())?,
            replay: median(replays),
            assertions,
        });
    }
    Ok(rows)
}

/// The engine's own in-process runner on the suite in `suite_dir` (median
/// time), or why it has none.
fn native_time(
    builder: &Builder,
    spec: &EngineSpec,
    options: &BenchOptions<'_>,
    suite_dir: &Path,
) -> Result<Result<f64, String>> {
    let why = match &spec.source {
        AdapterSource::Command { .. } => "command engine: no native runner",
        AdapterSource::Local { .. } => "local checkout: no native runner",
        AdapterSource::GoModule { .. } => "no in-process wast runner in Go",
        AdapterSource::NpmRuntime { .. } => "no in-process wast runner in JavaScript",
        AdapterSource::Crate { .. } => {
            let dir = options
                .native_dir
                .join(format!("native-{}", spec.id.engine));
            if !dir.exists() {
                return Ok(Err(format!("no bench/native-{}", spec.id.engine)));
            }
            let Some(native) =
                AdapterSource::of_folder(dir.clone(), Vec::new(), |file| dir.join(file).is_file())
            else {
                return Ok(Err(format!(
                    "bench/native-{} has no manifest",
                    spec.id.engine
                )));
            };
            let native_spec = EngineSpec::new(spec.id.clone(), native);
            return Ok(match builder.adapter(&native_spec) {
                Err(e) => Err(format!("{:#}", e).lines().next().unwrap_or("").to_string()),
                Ok(runner) => {
                    let mut times = Vec::new();
                    for _ in 0..options.repeat.max(1) {
                        times.push(run_native(&runner.program, suite_dir)?);
                    }
                    Ok(median(times))
                }
            });
        }
    };
    Ok(Err(why.to_string()))
}

/// The rows as a Markdown table. Ratios are against the native runner where
/// the engine has one, else against the adapter alone (replay).
pub fn render(rows: &[BenchRow], jobs: usize) -> String {
    let mut s = format!(
        "| engine | harness, 1 worker | harness, {jobs} workers | native runner, 1 thread | adapter alone (replay), 1 thread | 1 worker / baseline | {jobs} workers / baseline | wasm-v2 assertions passed |\n|---|---:|---:|---:|---:|---:|---:|---:|\n"
    );
    for r in rows {
        let (native, baseline, against) = match &r.native {
            Ok(n) => (format!("{n:.2}s"), *n, "native"),
            Err(why) => (format!("n/a ({why})"), r.replay, "replay"),
        };
        s.push_str(&format!(
            "| {} | {:.2}s | {:.2}s | {native} | {:.2}s | {:.2}x ({against}) | {:.2}x ({against}) | {}/{} |\n",
            r.engine,
            r.harness_one,
            r.harness_all,
            r.replay,
            r.harness_one / baseline,
            r.harness_all / baseline,
            r.assertions.0,
            r.assertions.1
        ));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A transcript of three requests replayed into `program args`.
    fn replay_into(program: &str, args: &[&str]) -> Result<f64> {
        let dir = tempfile::tempdir().unwrap();
        let requests = dir.path().join("000001.requests");
        std::fs::write(&requests, "{\"hello\":1}\n{\"a\":2}\n{\"b\":3}\n").unwrap();
        let command = serde_json::json!({ "program": program, "args": args });
        std::fs::write(dir.path().join("000001.command"), command.to_string()).unwrap();
        let found = transcripts(dir.path()).unwrap();
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].lines, 3);
        replay(&found)
    }

    #[test]
    fn a_replay_answered_in_full_is_timed() {
        assert!(replay_into("cat", &[]).unwrap() >= 0.0);
    }

    #[test]
    fn a_replay_with_requests_unanswered_is_an_error() {
        let e = replay_into("head", &["-n", "2"]).unwrap_err().to_string();
        assert!(e.contains("2 answers to 3 requests"), "{e}");
    }

    #[test]
    fn a_folder_without_transcripts_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        assert!(transcripts(dir.path()).is_err());
    }

    #[test]
    fn ratios_are_against_the_native_runner_or_else_the_replay() {
        let row = |native| BenchRow {
            engine: "x@1.0.0".into(),
            harness_one: 2.0,
            harness_all: 1.0,
            native,
            replay: 4.0,
            assertions: (9, 10),
        };
        let table = render(&[row(Ok(1.0)), row(Err("none".into()))], 2);
        assert!(
            table.contains("| 2.00x (native) | 1.00x (native) |"),
            "{table}"
        );
        assert!(
            table.contains("| 0.50x (replay) | 0.25x (replay) |"),
            "{table}"
        );
    }
}
