//! `wasm-compat bisect`: which published release of an engine changed a case's
//! outcome. Versions come from the engine's registry (semver order;
//! withdrawn releases, pre-releases and releases needing a newer toolchain
//! are left out, with the reason); each probed version's adapter is built on
//! demand (reusing the version cache), the case runs, and a verdict decides
//! good or bad. An adapter that crashes, hangs or blows its memory cap on the
//! case is an outcome like any other (those are the regressions that matter
//! most); a version that does not build or start, or cannot run the case, is
//! skipped, like `git bisect skip`; a result the skips make ambiguous, or
//! behaviour that did not change monotonically, is reported as such.
//!
//! The search is written over the small [`Evaluator`] trait, so it is tested
//! with fake engines and a recorded index, without the network.

use std::fmt::Write;

use anyhow::{bail, Result};
use semver::Version;

use crate::builder::{Published, Release};

/// Whether a probed version is on the good side, the bad side, or neither.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Probe {
    /// Behaves like the good version.
    Good,
    /// Behaves like the bad version.
    Bad,
    /// Cannot tell (does not build or start, cannot run the case): why.
    Skip(String),
}

/// What probing one version found.
#[derive(Debug, Clone)]
pub struct Evaluation {
    /// The verdict.
    pub probe: Probe,
    /// The case's transcript on that version (empty when it did not run).
    pub transcript: String,
}

/// Decides the verdict of one version; the real one builds an adapter and runs
/// the case, tests use fakes.
pub trait Evaluator {
    /// Probe `version`.
    fn evaluate(&mut self, version: &Version) -> Result<Evaluation>;
}

/// The versions to search, and those left out with the reason.
#[derive(Debug, Clone, Default)]
pub struct Candidates {
    /// From the good end to the bad end, both included.
    pub versions: Vec<Version>,
    /// Left out, with why.
    pub left_out: Vec<(Version, String)>,
}

/// The published versions between `good` and `bad` (both included), ordered
/// from `good` towards `bad`. Withdrawn releases (yanked, retracted; other
/// than the two ends), pre-releases (unless `pre_releases`), versions the
/// adapter does not support and versions this machine cannot build are left
/// out, each with the reason.
pub fn candidates(
    published: &Published,
    good: &Version,
    bad: &Version,
    pre_releases: bool,
) -> Result<Candidates> {
    if good == bad {
        bail!("the good and the bad version are the same ({good})");
    }
    let (low, high) = if good < bad { (good, bad) } else { (bad, good) };
    for end in [good, bad] {
        if !published.releases.iter().any(|e| &e.version == end) {
            bail!("{end} is not a published version");
        }
    }
    let supported = &published.supported;
    let mut out = Candidates::default();
    let mut inside: Vec<&Release> = published
        .releases
        .iter()
        .filter(|e| &e.version >= low && &e.version <= high)
        .collect();
    inside.sort_by(|a, b| a.version.cmp(&b.version));
    inside.dedup_by(|a, b| a.version == b.version);
    for e in inside {
        let end = &e.version == good || &e.version == bad;
        let why = match &e.withdrawn {
            Some(how) if !end => Some(how.clone()),
            _ if !e.version.pre.is_empty() && !pre_releases && !end => {
                Some("pre-release (--pre-releases to include)".to_string())
            }
            _ if !supported.matches(&e.version) && e.version.pre.is_empty() => {
                Some(format!("outside the adapter's supported range {supported}"))
            }
            _ => e.unbuildable.clone(),
        };
        match why {
            Some(why) if end => bail!("{} cannot be probed: {why}", e.version),
            Some(why) => out.left_out.push((e.version.clone(), why)),
            None => out.versions.push(e.version.clone()),
        }
    }
    if good > bad {
        out.versions.reverse();
    }
    Ok(out)
}

/// Where the search ended.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The last version found good (nearest the bad end).
    pub last_good: Version,
    /// The first version found bad (nearest the good end).
    pub first_bad: Version,
    /// Transcript of the last good version.
    pub good_transcript: String,
    /// Transcript of the first bad version.
    pub bad_transcript: String,
    /// Transcript of the bad end.
    pub bad_end_transcript: String,
    /// Every probe, in the order made.
    pub probes: Vec<(Version, Probe)>,
    /// Skipped versions between `last_good` and `first_bad`: when there are
    /// any, the first bad release could be any of them or `first_bad`.
    pub ambiguous: Vec<Version>,
}

/// Binary search over `versions` (good end first, bad end last). `progress`
/// is told how many versions are left and which one is probed next.
pub fn search(
    versions: &[Version],
    eval: &mut dyn Evaluator,
    progress: &mut dyn FnMut(usize, &Version),
) -> Result<Outcome> {
    let n = versions.len();
    if n < 2 {
        bail!("nothing to bisect between");
    }
    let mut probes = Vec::new();
    let mut transcripts: Vec<Option<String>> = vec![None; n];
    let mut skipped = vec![false; n];
    for (end, want) in [(0, Probe::Good), (n - 1, Probe::Bad)] {
        progress(n, &versions[end]);
        let e = eval.evaluate(&versions[end])?;
        probes.push((versions[end].clone(), e.probe.clone()));
        if e.probe != want {
            let side = if want == Probe::Good { "good" } else { "bad" };
            bail!(
                "the {side} end {} is not {side} (it is {:?}): behaviour is not monotonic \
                 between the two ends, or the verdict does not tell them apart",
                versions[end],
                e.probe
            );
        }
        transcripts[end] = Some(e.transcript);
    }
    let (mut lo, mut hi) = (0, n - 1);
    loop {
        let untested: Vec<usize> = (lo + 1..hi).filter(|&i| !skipped[i]).collect();
        if untested.is_empty() {
            break;
        }
        let middle = (lo + hi) / 2;
        let pick = *untested
            .iter()
            .min_by_key(|&&i| (i as i64 - middle as i64).abs())
            .expect("not empty");
        progress(untested.len(), &versions[pick]);
        let e = eval.evaluate(&versions[pick])?;
        probes.push((versions[pick].clone(), e.probe.clone()));
        match e.probe {
            Probe::Good => {
                lo = pick;
                transcripts[pick] = Some(e.transcript);
            }
            Probe::Bad => {
                hi = pick;
                transcripts[pick] = Some(e.transcript);
            }
            Probe::Skip(_) => skipped[pick] = true,
        }
    }
    Ok(Outcome {
        last_good: versions[lo].clone(),
        first_bad: versions[hi].clone(),
        good_transcript: transcripts[lo].clone().unwrap_or_default(),
        bad_transcript: transcripts[hi].clone().unwrap_or_default(),
        bad_end_transcript: transcripts[n - 1].clone().unwrap_or_default(),
        probes,
        ambiguous: (lo + 1..hi).map(|i| versions[i].clone()).collect(),
    })
}

/// The final report: last good, first bad, the transcripts' diff, the
/// changelog of the first bad release, and a block to paste into a bug.
pub fn render(
    engine: &str,
    outcome: &Outcome,
    left_out: &[(Version, String)],
    changelog: Option<&str>,
    verdict: &str,
    command: &str,
) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "probes (in order):");
    for (v, p) in &outcome.probes {
        let word = match p {
            Probe::Good => "good".to_string(),
            Probe::Bad => "bad".to_string(),
            Probe::Skip(why) => format!("skipped: {why}"),
        };
        let _ = writeln!(s, "  {engine}@{v:<10} {word}");
    }
    if !left_out.is_empty() {
        let _ = writeln!(s, "left out of the search:");
        let mut by_reason: Vec<(&str, Vec<String>)> = Vec::new();
        for (v, why) in left_out {
            match by_reason.iter_mut().find(|(w, _)| *w == why.as_str()) {
                Some((_, list)) => list.push(v.to_string()),
                None => by_reason.push((why.as_str(), vec![v.to_string()])),
            }
        }
        for (why, versions) in by_reason {
            let _ = writeln!(s, "  {why}: {}", versions.join(", "));
        }
    }
    let _ = writeln!(s);
    let _ = writeln!(s, "last good: {engine}@{}", outcome.last_good);
    if outcome.ambiguous.is_empty() {
        let _ = writeln!(s, "first bad: {engine}@{}", outcome.first_bad);
    } else {
        let list: Vec<String> = outcome.ambiguous.iter().map(|v| v.to_string()).collect();
        let _ = writeln!(
            s,
            "first bad: {engine}@{} or one of the skipped versions before it ({})",
            outcome.first_bad,
            list.join(", ")
        );
    }
    if let Some(template) = changelog {
        let _ = writeln!(
            s,
            "changelog: {}",
            template.replace("{version}", &outcome.first_bad.to_string())
        );
    }
    if outcome.bad_transcript != outcome.bad_end_transcript && verdict.contains("differs") {
        let _ = writeln!(
            s,
            "note: the first bad version's transcript also differs from the bad end's: \
             the behaviour changed more than once in the range (not monotonic)"
        );
    }
    let diff = crate::report::transcript_diff(
        &outcome.good_transcript,
        &outcome.bad_transcript,
        &format!("{engine}@{}", outcome.last_good),
        &format!("{engine}@{}", outcome.first_bad),
    );
    let _ = writeln!(s, "\ntranscript diff (last good -> first bad):");
    s.push_str(if diff.is_empty() {
        "  (same transcript; the verdict told them apart)\n"
    } else {
        &diff
    });
    let _ = writeln!(s, "\nto paste into a bug:\n");
    let _ = writeln!(s, "```text");
    let _ = writeln!(s, "$ {command}");
    let _ = writeln!(
        s,
        "verdict: {verdict}\nlast good: {engine}@{}\nfirst bad: {engine}@{}",
        outcome.last_good, outcome.first_bad
    );
    if !diff.is_empty() {
        s.push_str(&diff);
    }
    let _ = writeln!(s, "```");
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    /// A fake engine family: a verdict per version, counting probes.
    struct Fake {
        verdicts: BTreeMap<Version, Probe>,
        probed: Vec<Version>,
    }

    impl Evaluator for Fake {
        fn evaluate(&mut self, version: &Version) -> Result<Evaluation> {
            self.probed.push(version.clone());
            let probe = self.verdicts[version].clone();
            Ok(Evaluation {
                transcript: format!("{probe:?}"),
                probe,
            })
        }
    }

    fn v(s: &str) -> Version {
        s.parse().unwrap()
    }

    fn fake(list: &[(&str, Probe)]) -> (Vec<Version>, Fake) {
        let versions: Vec<Version> = list.iter().map(|(s, _)| v(s)).collect();
        let verdicts = list.iter().map(|(s, p)| (v(s), p.clone())).collect();
        (
            versions,
            Fake {
                verdicts,
                probed: Vec::new(),
            },
        )
    }

    #[test]
    fn finds_the_first_bad_release_in_few_probes() {
        let mut list = Vec::new();
        for i in 0..40 {
            let p = if i < 23 { Probe::Good } else { Probe::Bad };
            list.push((format!("1.{i}.0"), p));
        }
        let list: Vec<(&str, Probe)> = list.iter().map(|(s, p)| (s.as_str(), p.clone())).collect();
        let (versions, mut eval) = fake(&list);
        let out = search(&versions, &mut eval, &mut |_, _| {}).unwrap();
        assert_eq!(out.last_good, v("1.22.0"));
        assert_eq!(out.first_bad, v("1.23.0"));
        assert!(out.ambiguous.is_empty());
        assert!(eval.probed.len() <= 2 + 6, "{:?}", eval.probed);
    }

    #[test]
    fn skipped_versions_are_stepped_around_and_reported() {
        let skip = || Probe::Skip("does not build".into());
        let (versions, mut eval) = fake(&[
            ("1.0.0", Probe::Good),
            ("1.1.0", Probe::Good),
            ("1.2.0", skip()),
            ("1.3.0", Probe::Bad),
            ("1.4.0", Probe::Bad),
        ]);
        let out = search(&versions, &mut eval, &mut |_, _| {}).unwrap();
        assert_eq!(out.last_good, v("1.1.0"));
        assert_eq!(out.first_bad, v("1.3.0"));
        assert_eq!(out.ambiguous, vec![v("1.2.0")]);
        let text = render(
            "demo",
            &out,
            &[],
            Some("https://x/v{version}"),
            "differs",
            "cmd",
        );
        assert!(
            text.contains("or one of the skipped versions before it (1.2.0)"),
            "{text}"
        );
        assert!(text.contains("skipped: does not build"), "{text}");
        assert!(text.contains("changelog: https://x/v1.3.0"), "{text}");
        assert!(text.contains("```text\n$ cmd"), "{text}");
    }

    #[test]
    fn ends_that_do_not_hold_are_an_error_not_a_guess() {
        let (versions, mut eval) = fake(&[
            ("1.0.0", Probe::Bad),
            ("1.1.0", Probe::Good),
            ("1.2.0", Probe::Bad),
        ]);
        let err = search(&versions, &mut eval, &mut |_, _| {}).unwrap_err();
        assert!(err.to_string().contains("not monotonic"), "{err}");
    }

    #[test]
    fn a_recorded_index_gives_the_candidates_in_order() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/index");
        let index = crate::builder::index::Index::offline(&dir);
        let entries = index.versions("wasmi").unwrap();
        let published = |rustc: &str| Published {
            releases: crate::builder::crates::releases(entries.clone(), Some(&v(rustc))),
            supported: ">=0.31.0, <2.1.0".parse().unwrap(),
            minor_lines: false,
        };
        let c = candidates(&published("1.95.0"), &v("0.31.2"), &v("1.0.9"), false).unwrap();
        assert_eq!(c.versions.first(), Some(&v("0.31.2")));
        assert_eq!(c.versions.last(), Some(&v("1.0.9")));
        assert!(c.versions.windows(2).all(|w| w[0] < w[1]));
        // wasmi 1.0.0 is yanked: left out, with the reason.
        assert!(c
            .left_out
            .iter()
            .any(|(ver, why)| ver == &v("1.0.0") && why == "yanked"));
        assert!(!c.versions.contains(&v("1.0.0")));
        // A rustc older than a version's rust-version leaves it out, saying so.
        let old = candidates(&published("1.60.0"), &v("0.31.2"), &v("0.32.0"), false);
        match old {
            Err(e) => assert!(e.to_string().contains("needs rustc"), "{e}"),
            Ok(c) => assert!(
                c.left_out
                    .iter()
                    .any(|(_, why)| why.contains("needs rustc")),
                "{c:?}"
            ),
        }
        // Reversed ends search from the good end.
        let rev = candidates(&published("1.95.0"), &v("1.0.9"), &v("0.31.2"), false).unwrap();
        assert_eq!(rev.versions.first(), Some(&v("1.0.9")));
        assert!(candidates(&published("1.95.0"), &v("0.31.2"), &v("9.9.9"), false).is_err());
    }
}

/// What makes a probed version bad.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Criterion {
    /// The case fails (an unexpected result; known failures count as good).
    Fails,
    /// The case's transcript differs from the good version's.
    Differs,
    /// The case's transcript differs from the good version's reviewed snapshot.
    Snapshot,
    /// An engine message differs from the good version's (normalised as
    /// `diff` does: paths, addresses and temporary names removed), whatever
    /// the outcomes: for embedders that match on error text.
    Message,
    /// An external command's exit status, as in `git bisect run`: 0 good, 125
    /// skip, 1..=127 bad, anything else stops the bisection. It gets
    /// `WASM_COMPAT_ENGINE`, `WASM_COMPAT_VERSION`, `WASM_COMPAT_ADAPTER` (the
    /// adapter binary) and `WASM_COMPAT_CASE` in its environment.
    Command(Vec<String>),
}

impl Criterion {
    /// The verdict in words, for the report.
    pub fn describe(&self) -> String {
        match self {
            Criterion::Fails => "the case fails".into(),
            Criterion::Differs => "the transcript differs from the good version's".into(),
            Criterion::Snapshot => "the transcript differs from the good version's snapshot".into(),
            Criterion::Message => "an engine message differs from the good version's".into(),
            Criterion::Command(argv) => format!("`{}` exits non-zero", argv.join(" ")),
        }
    }
}

/// The real evaluator: builds `family`'s adapter for each probed version and
/// runs `case` on it.
pub struct CaseEvaluator<'a> {
    /// Builds (or finds) adapters.
    pub builder: &'a crate::builder::Builder,
    /// The engine in the configuration bisected, at any version (its
    /// version is replaced by each probed one).
    pub engine: crate::engine_id::EngineSpec,
    /// The case.
    pub case: &'a crate::cases::Case,
    /// Where `snapshots/` is.
    pub root: std::path::PathBuf,
    /// The verdict.
    pub criterion: Criterion,
    /// Caps of each adapter process.
    pub caps: crate::adapter::Caps,
    /// Known failures (a known failure is not a failure).
    pub expectations: &'a crate::expectations::Expectations,
    /// The good version: its transcript (or snapshot) is what `Differs` and
    /// `Snapshot` compare with.
    pub good: Version,
    /// Filled in when the good version is probed.
    pub reference: Option<String>,
    /// For a cross-version case: the fixed version each probe is paired
    /// with, and on which side.
    pub partner: Option<Partner>,
}

/// The fixed half of the cross-version pair a grid bisection probes,
/// prepared once for every probe.
pub struct Partner {
    /// The fixed engine version.
    pub engine: crate::engine_id::EngineSpec,
    /// Its adapter, ready.
    pub ready: crate::run::ReadyEngine,
    /// Whether the probed version runs the first half (makes the artifact)
    /// and the partner the second (loads it); otherwise the reverse.
    pub probe_first: bool,
}

impl CaseEvaluator<'_> {
    /// Run the case on the probed engine (alone, or paired with the
    /// partner), and the names its messages lose: those of its own version
    /// and its partner's, so that an engine naming itself is not a change.
    fn run_probe(
        &self,
        spec: &crate::engine_id::EngineSpec,
        ready: crate::run::ReadyEngine,
    ) -> Result<(crate::results::CaseResult, crate::report::diff::Names)> {
        // Each probe's messages lose its own names and its partner's.
        let mut named = vec![(spec.id.clone(), Some(ready.info.clone()))];
        let result = match &self.partner {
            None => crate::run::run_single(spec, ready, self.case, self.caps, self.expectations),
            Some(partner) => {
                let fixed = partner.ready.clone();
                named.push((partner.engine.id.clone(), Some(fixed.info.clone())));
                let (first, second) = match partner.probe_first {
                    true => ((spec, ready), (&partner.engine, fixed)),
                    false => ((&partner.engine, fixed), (spec, ready)),
                };
                crate::run::run_pair(first, second, self.case, self.caps, self.expectations)
            }
        };
        let names = crate::report::diff::Names::of_engines(
            named.iter().map(|(id, info)| (id, info.as_ref())),
        );
        Ok((result, names))
    }
}

impl Evaluator for CaseEvaluator<'_> {
    fn evaluate(&mut self, version: &Version) -> Result<Evaluation> {
        use crate::results::Status;
        let spec = self.engine.at_version(version.clone().into());
        let skip = |why: String| Evaluation {
            probe: Probe::Skip(why),
            transcript: String::new(),
        };
        let ready = match crate::run::prepare_engine(self.builder, &spec, self.caps.request) {
            Ok(r) => r,
            Err(e) => {
                let first = format!("{e:#}");
                let first: String = first
                    .lines()
                    .next()
                    .unwrap_or("")
                    .chars()
                    .take(200)
                    .collect();
                return Ok(skip(format!("does not build or start: {first}")));
            }
        };
        let adapter = ready.adapter.program.clone();
        let (result, names) = self.run_probe(&spec, ready)?;
        let transcript = crate::report::transcript(&result);
        // A crash, a hang or a blown memory cap is an outcome: the criterion
        // judges it. One that did not reproduce on a second run cannot be judged.
        match result.status {
            Status::Unsupported | Status::Error | Status::Flaky => {
                return Ok(skip(
                    result
                        .reason
                        .unwrap_or_else(|| "cannot run the case".into()),
                ))
            }
            _ => {}
        }
        if version == &self.good && self.reference.is_none() {
            self.reference = Some(match self.criterion {
                Criterion::Snapshot => {
                    let folder = crate::snapshot::folder(&self.root, &self.case.name);
                    crate::snapshot::stored(&folder, &spec.id.to_string())
                        .unwrap_or_else(|| crate::snapshot::render(&result.directives))
                }
                Criterion::Message => crate::report::diff::messages(&result.directives, &names),
                _ => transcript.clone(),
            });
        }
        let probe = match &self.criterion {
            Criterion::Fails => {
                if matches!(result.status, Status::Pass | Status::KnownFailure) {
                    Probe::Good
                } else {
                    Probe::Bad
                }
            }
            Criterion::Differs | Criterion::Snapshot | Criterion::Message => {
                let mine = match self.criterion {
                    Criterion::Snapshot => crate::snapshot::render(&result.directives),
                    Criterion::Message => crate::report::diff::messages(&result.directives, &names),
                    _ => transcript.clone(),
                };
                if Some(&mine) == self.reference.as_ref() {
                    Probe::Good
                } else {
                    Probe::Bad
                }
            }
            Criterion::Command(argv) => {
                let status = std::process::Command::new(&argv[0])
                    .args(&argv[1..])
                    .env("WASM_COMPAT_ENGINE", &self.engine.id.engine)
                    .env(
                        "WASM_COMPAT_CONFIG",
                        self.engine.id.config.as_deref().unwrap_or(""),
                    )
                    .env("WASM_COMPAT_VERSION", version.to_string())
                    .env("WASM_COMPAT_ADAPTER", &adapter)
                    .env(
                        "WASM_COMPAT_CASE",
                        self.case
                            .path
                            .as_ref()
                            .map(|p| p.display().to_string())
                            .unwrap_or_else(|| self.case.name.clone()),
                    )
                    .status()
                    .map_err(|e| anyhow::anyhow!("running `{}`: {e}", argv[0]))?;
                match status.code() {
                    Some(0) => Probe::Good,
                    Some(125) => Probe::Skip("the command said skip (exit 125)".into()),
                    Some(c) if (1..=127).contains(&c) => Probe::Bad,
                    _ => bail!("`{}` ended with {status}; stopping the bisection", argv[0]),
                }
            }
        };
        Ok(Evaluation { probe, transcript })
    }
}
