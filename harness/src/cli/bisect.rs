//! `wasm-compat bisect`: which published release changed a case's outcome.

use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use wasm_compat::bisect::{self, CaseEvaluator, Criterion};
use wasm_compat::builder::BuildProfile;
use wasm_compat::cases;

/// What makes a probed version bad.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Verdict {
    /// The case fails (known failures count as good).
    Fails,
    /// Its transcript differs from the good version's.
    Differs,
    /// It differs from the good version's reviewed snapshot.
    Snapshot,
    /// An engine message differs from the good version's (normalised as
    /// `diff` does), even where the outcomes agree.
    Message,
    /// The command after `--`, as in `git bisect run`: exit 0 good, 125 skip,
    /// 1-127 bad.
    Command,
}

/// `bisect`'s arguments.
#[derive(clap::Args)]
pub struct Args {
    /// The engine family, as named in matrix.toml (`wasmtime`, `wasmi`), or
    /// a family in one of its configurations (`wasmer+singlepass`): every
    /// probe runs in that configuration.
    #[arg(long)]
    engine: String,
    /// A version where the case behaves as wanted.
    #[arg(long)]
    good: semver::Version,
    /// A version where it does not.
    #[arg(long)]
    bad: semver::Version,
    /// The case: a file under cases/ or a spec case (`spec/wasm-v2/i32.wast`).
    #[arg(long)]
    case: String,
    /// What makes a version bad.
    #[arg(long, value_enum, default_value = "differs")]
    verdict: Verdict,
    /// Include pre-releases.
    #[arg(long)]
    pre_releases: bool,
    /// For a cross-version case: the fixed version each probed one is
    /// paired with (one cell of the grid per probe). By default the probed
    /// version runs the case's `(on second ...)` half (it loads the
    /// partner's artifact); see `--probe-first`.
    #[arg(long, value_name = "VERSION")]
    with: Option<semver::Version>,
    /// With `--with`: the probed version runs the first half (it makes the
    /// artifact the partner loads).
    #[arg(long, requires = "with")]
    probe_first: bool,
    /// How Rust adapters that must be built for the probes are compiled:
    /// `probe` (the engine's own crates unoptimised: a wasmtime probe
    /// builds in about a minute instead of two and a half) or
    /// `release`. By default `probe` for a case of standard wast and
    /// `release` for one that measures time or memory; cached release
    /// builds are used either way.
    #[arg(long, value_enum)]
    profile: Option<BuildProfile>,
    #[command(flatten)]
    matrix: super::MatrixArg,
    /// With `--verdict command`: the command and its arguments.
    #[arg(last = true)]
    command: Vec<String>,
}

impl Args {
    /// The criterion, checked against the command after `--`.
    fn criterion(&self) -> Result<Criterion> {
        Ok(match (self.verdict, self.command.is_empty()) {
            (Verdict::Fails, true) => Criterion::Fails,
            (Verdict::Differs, true) => Criterion::Differs,
            (Verdict::Snapshot, true) => Criterion::Snapshot,
            (Verdict::Message, true) => Criterion::Message,
            (Verdict::Command, false) => Criterion::Command(self.command.clone()),
            (Verdict::Command, true) => bail!("--verdict command needs the command after `--`"),
            (_, false) => bail!("a command after `--` goes with --verdict command"),
        })
    }

    /// The command line that repeats this bisection, for the report.
    fn repeat_command(&self, case: &str) -> String {
        let verdict = clap::ValueEnum::to_possible_value(&self.verdict)
            .map(|v| v.get_name().to_string())
            .unwrap_or_default();
        let mut command = format!(
            "cargo run --release -- bisect --engine {} --good {} --bad {} --case {case} --verdict {verdict}",
            self.engine, self.good, self.bad
        );
        if self.pre_releases {
            command.push_str(" --pre-releases");
        }
        if let Some(with) = &self.with {
            command.push_str(&format!(" --with {with}"));
        }
        if self.probe_first {
            command.push_str(" --probe-first");
        }
        if let Some(profile) = &self.profile {
            command.push_str(&format!(" --profile {profile}"));
        }
        if let Some(matrix) = &self.matrix.matrix {
            command.push_str(&format!(" --matrix {}", matrix.display()));
        }
        if !self.command.is_empty() {
            command.push_str(" -- ");
            command.push_str(&self.command.join(" "));
        }
        command
    }
}

/// Bisect and print the report to paste.
pub fn run(args: Args, progress: bool) -> Result<ExitCode> {
    let criterion = args.criterion()?;
    let matrix = args.matrix.load()?;
    let base = matrix.base_dir();
    let (name, config) = match args.engine.split_once('+') {
        Some((name, config)) => (name, Some(config)),
        None => (args.engine.as_str(), None),
    };
    let family = matrix
        .families
        .get(name)
        .with_context(|| format!("{}: no engine family `{name}`", matrix.path.display(),))?;
    // The configuration's settings, checked against the family's names.
    let engine = matrix.spec_for(&match config {
        Some(config) => format!("{name}@{}+{config}", args.good),
        None => format!("{name}@{}", args.good),
    })?;
    let case = cases::find_case(&base, &super::cwd_relative(&args.case))?;
    let profile = args
        .profile
        .unwrap_or_else(|| wasm_compat::run::probe_profile_for(&case));
    let builder = super::builder(progress)?.with_profile(profile);
    let partner = match (case.cross_version, &args.with) {
        (true, None) => bail!(
            "{} is a cross-version case: name the version each probe is paired with (`--with VERSION`, and `--probe-first` for the probe to make the first half)",
            case.name
        ),
        (false, Some(_)) => bail!("{} is not a cross-version case: `--with` is for grids", case.name),
        (true, Some(_)) if matches!(criterion, Criterion::Snapshot) => bail!(
            "--verdict snapshot compares a single engine's snapshot; a grid's is the family's (use differs, message or fails)"
        ),
        (true, Some(_)) if engine.id.defaults_only() => {
            bail!("`+defaults` cells are not in the cross-version grids")
        }
        (true, Some(with)) => {
            let partner = engine.at_version(with.clone().into());
            let ready = wasm_compat::run::prepare_engine(&builder, &partner, matrix.limits.caps().request)
                .with_context(|| format!("{}: the fixed half of the pair", partner.id))?;
            Some(bisect::Partner {
                engine: partner,
                ready,
                probe_first: args.probe_first,
            })
        }
        (false, None) => None,
    };
    let published = builder.published(&family.source)?;
    let candidates = bisect::candidates(&published, &args.good, &args.bad, args.pre_releases)?;
    eprintln!(
        "wasm-compat: bisecting {} releases of {} ({} left out), case {}, bad when {}",
        candidates.versions.len(),
        args.engine,
        candidates.left_out.len(),
        case.name,
        criterion.describe()
    );
    let expectations = super::expectations_of(&matrix)?;
    let mut evaluator = CaseEvaluator {
        builder: &builder,
        engine,
        case: &case,
        root: base.clone(),
        criterion: criterion.clone(),
        caps: matrix.limits.caps(),
        expectations: &expectations,
        good: args.good.clone(),
        reference: None,
        partner,
    };
    let started = std::time::Instant::now();
    let outcome = bisect::search(&candidates.versions, &mut evaluator, &mut |left, v| {
        eprintln!(
            "wasm-compat: {left} version(s) left to decide; probing {name}@{v}{}",
            config.map(|c| format!("+{c}")).unwrap_or_default()
        );
    })?;
    print!(
        "{}",
        bisect::render(
            &args.engine,
            &outcome,
            &candidates.left_out,
            family.changelog.as_deref(),
            &criterion.describe(),
            &args.repeat_command(&args.case),
        )
    );
    println!(
        "Rust adapters built for the probes: `{profile}` profile{}",
        match profile {
            BuildProfile::Probe => {
                " (the engine's crates unoptimised; cached release builds used as they are)"
            }
            BuildProfile::Release => "",
        }
    );
    println!("bisection took {:.1}s", started.elapsed().as_secs_f64());
    Ok(ExitCode::SUCCESS)
}
