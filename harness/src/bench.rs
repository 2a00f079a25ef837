//! The benchmark behind BENCHMARKS.md: per `engine@version`, the harness's wall
//! time on the wasm-v2 suite, single-threaded and with every core, against the
//! engine's own in-process wast runner of the same version (built from
//! `bench/native-<family>` like an adapter). Adapter build times come from the
//! cold CI run instead (see BENCHMARKS.md).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

use crate::builder::Builder;
use crate::cases::{spec_cases, Case};
use crate::expectations::Expectations;
use crate::matrix::{AdapterSource, EngineSpec};
use crate::run::{execute, Job, Snapshots};

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
        let measure = |jobs: usize| -> Result<(f64, (usize, usize))> {
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
            let (s, counts) = measure(1)?;
            one.push(s);
            assertions = counts;
            all.push(measure(options.jobs)?.0);
        }
        let native = match &spec.source {
            AdapterSource::Command { .. } => Err("command engine: no native runner".to_string()),
            AdapterSource::Local { .. } => Err("local checkout: no native runner".to_string()),
            AdapterSource::GoModule { .. } => Err("Go module: no native runner".to_string()),
            AdapterSource::NpmRuntime { .. } => {
                Err("JavaScript runtime: no native runner".to_string())
            }
            AdapterSource::Crate { .. } => {
                let dir = options
                    .native_dir
                    .join(format!("native-{}", spec.id.engine));
                let native_spec = EngineSpec::new(spec.id.clone(), AdapterSource::Crate { dir });
                match builder.adapter(&native_spec) {
                    Err(e) => Err(format!("{:#}", e).lines().next().unwrap_or("").to_string()),
                    Ok(runner) => {
                        let mut times = Vec::new();
                        for _ in 0..options.repeat.max(1) {
                            times.push(run_native(&runner.program, suite_dir.path())?);
                        }
                        Ok(median(times))
                    }
                }
            }
        };
        rows.push(BenchRow {
            engine: spec.id.to_string(),
            harness_one: median(one),
            harness_all: median(all),
            native,
            assertions,
        });
    }
    Ok(rows)
}

/// The rows as a Markdown table.
pub fn render(rows: &[BenchRow], jobs: usize) -> String {
    let mut s = format!(
        "| engine | harness, 1 worker | harness, {jobs} workers | native runner, 1 thread | 1 worker / native | {jobs} workers / native | wasm-v2 assertions passed |\n|---|---:|---:|---:|---:|---:|---:|\n"
    );
    for r in rows {
        let (native, ratio_one, ratio_all) = match &r.native {
            Ok(n) => (
                format!("{n:.2}s"),
                format!("{:.2}x", r.harness_one / n),
                format!("{:.2}x", r.harness_all / n),
            ),
            Err(why) => (format!("n/a ({why})"), "-".into(), "-".into()),
        };
        s.push_str(&format!(
            "| {} | {:.2}s | {:.2}s | {native} | {ratio_one} | {ratio_all} | {}/{} |\n",
            r.engine, r.harness_one, r.harness_all, r.assertions.0, r.assertions.1
        ));
    }
    s
}
