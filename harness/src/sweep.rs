//! `wasm-compat sweep`: every published release of a family, run release by
//! release into a sweep folder of results files (one per release), so that a
//! later sweep runs only what is missing: a release never run, or cases added
//! since. Releases are split over machines by `--shard K/N` (by release name,
//! so a newly published release always falls in the same shard), and shard
//! folders merge into one. Each release's results are written as soon as its
//! cells ran and dropped from memory, so the harness's memory does not grow
//! with the number of releases; a build the sweep made is removed after its
//! cells ran unless asked to keep it.
//!
//! The loop is written over the small [`Runner`] trait (the real one builds
//! and runs through `run::execute`), so incrementality is tested with fakes.

use std::collections::BTreeSet;
use std::path::PathBuf;

use anyhow::{Context, Result};
use semver::Version;
use serde::{Deserialize, Serialize};

use crate::builder::Published;
use crate::cases::Case;
use crate::engine_id::{EngineId, EngineSpec};
use crate::plan::Shard;
use crate::results::{CaseResult, RunResults};

/// The file of a family's folder that lists its releases and their marks.
pub const RELEASES_FILE: &str = "releases.json";

/// One published release, as a sweep sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReleaseEntry {
    /// The version.
    pub version: Version,
    /// Withdrawn by its publisher, and how (`yanked`, `deprecated: ...`,
    /// `retracted: ...`): swept all the same, and marked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub withdrawn: Option<String>,
    /// Why the sweep does not run it (outside the adapter's supported range,
    /// a toolchain too old, a pre-release): a column with the reason.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub left_out: Option<String>,
}

/// One end of a range of releases: a version, or a release line written
/// as its first one or two numbers (`--from 18 --to 24`: every 18.x to 24.x).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bound(Vec<u64>);

impl std::str::FromStr for Bound {
    type Err = anyhow::Error;
    fn from_str(s: &str) -> Result<Bound> {
        let parts: Result<Vec<u64>, _> = s
            .trim_start_matches('v')
            .split('.')
            .map(str::parse)
            .collect();
        match parts {
            Ok(p) if (1..=3).contains(&p.len()) => Ok(Bound(p)),
            _ => anyhow::bail!(
                "a release bound is MAJOR, MAJOR.MINOR or a version (1.2.3); got {s:?}"
            ),
        }
    }
}

impl Bound {
    fn key(v: &Version) -> [u64; 3] {
        [v.major, v.minor, v.patch]
    }

    /// Whether `v` is at or after this bound (a line: its first release).
    pub fn at_or_before(&self, v: &Version) -> bool {
        let key = Bound::key(v);
        key[..self.0.len()] >= self.0[..]
    }

    /// Whether `v` is at or before this bound (a line: its last release).
    pub fn at_or_after(&self, v: &Version) -> bool {
        let key = Bound::key(v);
        key[..self.0.len()] <= self.0[..]
    }
}

/// Every release of `published` from `from` to `to` (both included, either
/// open), oldest first; withdrawn releases are kept and marked, the rest that
/// cannot run here are kept with the reason they are left out.
pub fn targets(
    published: &Published,
    from: Option<&Bound>,
    to: Option<&Bound>,
    pre_releases: bool,
) -> Vec<ReleaseEntry> {
    let mut out: Vec<ReleaseEntry> = published
        .releases
        .iter()
        .filter(|r| {
            from.is_none_or(|f| f.at_or_before(&r.version))
                && to.is_none_or(|t| t.at_or_after(&r.version))
        })
        .map(|r| {
            let left_out = if !r.version.pre.is_empty() && !pre_releases {
                Some("pre-release (--pre-releases to include)".to_string())
            } else if !published.supported.matches(&r.version) && r.version.pre.is_empty() {
                Some(format!(
                    "outside the adapter's supported range {}",
                    published.supported
                ))
            } else {
                r.unbuildable.clone()
            };
            ReleaseEntry {
                version: r.version.clone(),
                withdrawn: r.withdrawn.clone(),
                left_out,
            }
        })
        .collect();
    out.sort_by(|a, b| a.version.cmp(&b.version));
    out.dedup_by(|a, b| a.version == b.version);
    out
}

/// The releases of `targets` that shard `shard` runs (all without a shard):
/// split by release name, so the split does not move when releases are added.
pub fn in_shard<'t>(targets: &'t [ReleaseEntry], shard: Option<Shard>) -> Vec<&'t ReleaseEntry> {
    targets
        .iter()
        .filter(|t| shard.is_none_or(|s| s.takes(&t.version.to_string())))
        .collect()
}

/// A sweep folder: `<root>/<family>/<version>.json.gz` per release (a
/// configuration as `<version>+<config>.json.gz`), and `releases.json` per
/// family.
#[derive(Debug, Clone)]
pub struct SweepDir {
    /// The folder.
    pub root: PathBuf,
}

impl SweepDir {
    /// The sweep folder at `root` (made when something is written).
    pub fn new(root: impl Into<PathBuf>) -> SweepDir {
        SweepDir { root: root.into() }
    }

    /// The folder of one family.
    pub fn family(&self, family: &str) -> PathBuf {
        self.root.join(family)
    }

    /// The results file of one engine version (and configuration).
    pub fn results_path(&self, id: &EngineId) -> PathBuf {
        let name = match &id.config {
            Some(config) => format!("{}+{config}.json.gz", id.version),
            None => format!("{}.json.gz", id.version),
        };
        self.family(&id.engine).join(name)
    }

    /// The stored results of `id`, if any; a file that cannot be read is an
    /// error naming it.
    pub fn read(&self, id: &EngineId) -> Result<Option<RunResults>> {
        let path = self.results_path(id);
        if !path.exists() {
            return Ok(None);
        }
        RunResults::read(&path)
            .map(Some)
            .with_context(|| format!("{}: a sweep's results file", path.display()))
    }

    /// Store the results of `id` (atomically).
    pub fn write(&self, id: &EngineId, results: &RunResults) -> Result<()> {
        results.write(&self.results_path(id))
    }

    /// The family's recorded releases (none before its first sweep).
    pub fn releases(&self, family: &str) -> Result<Vec<ReleaseEntry>> {
        let path = self.family(family).join(RELEASES_FILE);
        if !path.exists() {
            return Ok(Vec::new());
        }
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("reading {}", path.display()))?;
        serde_json::from_str(&text)
            .with_context(|| format!("{}: not a releases list", path.display()))
    }

    /// Record `entries` for the family, beside what earlier sweeps recorded
    /// (a version listed again takes the newer marks).
    pub fn record_releases(&self, family: &str, entries: &[ReleaseEntry]) -> Result<()> {
        let mut all = self.releases(family)?;
        for e in entries {
            match all.iter_mut().find(|a| a.version == e.version) {
                Some(a) => *a = e.clone(),
                None => all.push(e.clone()),
            }
        }
        all.sort_by(|a, b| a.version.cmp(&b.version));
        let text = serde_json::to_string_pretty(&all)?;
        crate::fsutil::write_atomic(&self.family(family).join(RELEASES_FILE), text.as_bytes())
    }

    /// The families with a folder here, by name.
    pub fn families(&self) -> Result<Vec<String>> {
        let Ok(entries) = std::fs::read_dir(&self.root) else {
            return Ok(Vec::new());
        };
        let mut out: Vec<String> = entries
            .flatten()
            .filter(|e| e.path().join(RELEASES_FILE).is_file())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        out.sort();
        Ok(out)
    }

    /// The results files of one family, oldest version first.
    pub fn results_files(&self, family: &str) -> Result<Vec<PathBuf>> {
        let dir = self.family(family);
        let mut files: Vec<(Version, PathBuf)> = std::fs::read_dir(&dir)
            .with_context(|| format!("reading {}", dir.display()))?
            .flatten()
            .filter_map(|e| {
                let name = e.file_name().to_string_lossy().into_owned();
                let version = name
                    .strip_suffix(".json.gz")?
                    .split('+')
                    .next()?
                    .parse()
                    .ok()?;
                Some((version, e.path()))
            })
            .collect();
        files.sort();
        Ok(files.into_iter().map(|(_, p)| p).collect())
    }

    /// Merge another sweep folder (a shard's) into this one: its releases
    /// lists, and each results file, cell by cell (see [`merge`]). What was
    /// merged, one line each.
    pub fn merge_from(&self, other: &SweepDir) -> Result<Vec<String>> {
        let mut lines = Vec::new();
        for family in other.families()? {
            self.record_releases(&family, &other.releases(&family)?)?;
            for path in other.results_files(&family)? {
                let theirs = RunResults::read(&path)
                    .with_context(|| format!("{}: a shard's results file", path.display()))?;
                let Some(id) = theirs.engines.first().map(|e| e.id.clone()) else {
                    continue;
                };
                let cells = theirs.results.len();
                let merged = merge(self.read(&id)?, theirs);
                self.write(&id, &merged)?;
                lines.push(format!("{id}: {cells} cell(s) from {}", path.display()));
            }
        }
        Ok(lines)
    }
}

/// The cases of `cases` that `done` (a release's stored results) has no cell
/// of. A release whose engine could not be prepared then (a build failure, a
/// registry that did not answer) has no outcome at all: every case.
pub fn missing<'c>(done: Option<&RunResults>, cases: &'c [Case]) -> Vec<&'c Case> {
    let ran: BTreeSet<&str> = match done {
        Some(d) if d.engines.iter().all(|e| e.info.is_some()) => {
            d.results.iter().map(|r| r.case.as_str()).collect()
        }
        _ => BTreeSet::new(),
    };
    cases
        .iter()
        .filter(|c| !ran.contains(c.name.as_str()))
        .collect()
}

/// `old` with the cells of `new` put in (a case run again replaces its old
/// cell); the engine entry and run details are the newer run's.
pub fn merge(old: Option<RunResults>, mut new: RunResults) -> RunResults {
    let Some(old) = old else { return new };
    let replaced: BTreeSet<String> = new.results.iter().map(|r| r.case.clone()).collect();
    let kept: Vec<CaseResult> = old
        .results
        .into_iter()
        .filter(|r| !replaced.contains(&r.case))
        .collect();
    new.results.extend(kept);
    new.results
        .sort_by(|a, b| (&a.engine, &a.case, &a.second).cmp(&(&b.engine, &b.case, &b.second)));
    if new.engines.iter().all(|e| e.info.is_none()) {
        new.engines = old.engines;
    }
    new.duration_secs += old.duration_secs;
    new
}

/// What runs a release: the real one builds (or fetches) the adapter and
/// runs the cases through `run::execute`; tests use fakes.
pub trait Runner {
    /// Whether `spec`'s adapter is already built (then the sweep keeps it).
    fn cached(&self, spec: &EngineSpec) -> bool;
    /// Build or find `spec`'s adapter and run `cases` on it.
    fn run(&mut self, spec: &EngineSpec, cases: &[&Case]) -> Result<RunResults>;
    /// Remove `spec`'s build; the bytes freed.
    fn remove_build(&mut self, spec: &EngineSpec) -> Result<u64>;
}

/// How a sweep runs.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// Only this shard's releases.
    pub shard: Option<Shard>,
    /// Keep the builds the sweep made (by default each is removed once its
    /// release's cells ran; builds that were there before are always kept).
    pub keep_builds: bool,
    /// Run the cases again on every release even where stored (their new
    /// cells replace the old); by default only missing ones run.
    pub again: bool,
}

/// What the sweep did with one release.
#[derive(Debug, Clone, PartialEq)]
pub enum Done {
    /// Left out, with why.
    LeftOut(String),
    /// Every case already had a cell.
    NothingNew,
    /// Ran this many cells (of the cases missing).
    Ran {
        /// Cells run.
        cells: usize,
        /// Seconds, building and running.
        secs: f64,
        /// Whether the engine could be prepared.
        prepared: bool,
        /// Bytes of build removed afterwards (0 when kept).
        removed: u64,
    },
}

/// Sweep `engine`'s family over `targets` (see [`targets`]) with `cases`,
/// into `dir`; `each` is told what happened to every release as it happens.
pub fn sweep(
    dir: &SweepDir,
    engine: &EngineSpec,
    targets: &[ReleaseEntry],
    cases: &[Case],
    runner: &mut dyn Runner,
    options: Options,
    each: &mut dyn FnMut(&EngineId, &Done),
) -> Result<()> {
    let family = &engine.id.engine;
    let shard = in_shard(targets, options.shard);
    let mine: Vec<ReleaseEntry> = shard.iter().map(|t| (*t).clone()).collect();
    dir.record_releases(family, &mine)?;
    for target in shard {
        let spec = engine.at_version(target.version.clone().into());
        if let Some(why) = &target.left_out {
            each(&spec.id, &Done::LeftOut(why.clone()));
            continue;
        }
        // A damaged results file is run again whole, not the end of the sweep.
        let done = dir.read(&spec.id).unwrap_or_else(|e| {
            eprintln!("wasm-compat: {e:#}; {} runs again", spec.id);
            None
        });
        let todo = match options.again {
            true => cases.iter().collect(),
            false => missing(done.as_ref(), cases),
        };
        if todo.is_empty() {
            each(&spec.id, &Done::NothingNew);
            continue;
        }
        let was_cached = runner.cached(&spec);
        let started = std::time::Instant::now();
        let ran = runner.run(&spec, &todo)?;
        let interrupted = ran.interrupted;
        let prepared = ran.engines.iter().all(|e| e.info.is_some());
        let cells = ran.results.len();
        dir.write(&spec.id, &merge(done, ran))?;
        let removed = match options.keep_builds || was_cached {
            true => 0,
            false => runner.remove_build(&spec)?,
        };
        let secs = started.elapsed().as_secs_f64();
        each(
            &spec.id,
            &Done::Ran {
                cells,
                secs,
                prepared,
                removed,
            },
        );
        if interrupted {
            break;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::builder::Release;
    use crate::engine_id::AdapterSource;
    use crate::results::{EngineEntry, Status};

    fn release(v: &str, withdrawn: Option<&str>) -> Release {
        Release {
            version: v.parse().unwrap(),
            withdrawn: withdrawn.map(String::from),
            unbuildable: None,
        }
    }

    fn published(versions: &[&str]) -> Published {
        Published {
            releases: versions.iter().map(|v| release(v, None)).collect(),
            supported: ">=1.0.0".parse().unwrap(),
            minor_lines: true,
        }
    }

    fn engine() -> EngineSpec {
        EngineSpec::new(
            "fam@1.0.0".parse().unwrap(),
            AdapterSource::Command {
                argv: vec!["x".into()],
            },
        )
    }

    fn cases(names: &[&str]) -> Vec<Case> {
        names
            .iter()
            .map(|n| Case::from_text(*n, "cases", ""))
            .collect()
    }

    /// Records what it was asked to run; every cell passes.
    #[derive(Default)]
    struct Fake {
        ran: Vec<(String, String)>,
        cached: BTreeSet<String>,
        removed: Vec<String>,
        unprepared: BTreeSet<String>,
    }

    impl Runner for Fake {
        fn cached(&self, spec: &EngineSpec) -> bool {
            self.cached.contains(&spec.id.to_string())
        }
        fn run(&mut self, spec: &EngineSpec, cases: &[&Case]) -> Result<RunResults> {
            let prepared = !self.unprepared.contains(&spec.id.to_string());
            let results = cases
                .iter()
                .map(|c| {
                    self.ran.push((spec.id.to_string(), c.name.clone()));
                    CaseResult {
                        engine: spec.id.clone(),
                        second: None,
                        case: c.name.clone(),
                        suite: c.suite.clone(),
                        status: if prepared {
                            Status::Pass
                        } else {
                            Status::Error
                        },
                        reason: None,
                        duration_ms: 1,
                        directives: Vec::new(),
                        flaky: None,
                        inferred: Vec::new(),
                        cause: None,
                    }
                })
                .collect();
            Ok(RunResults {
                schema: crate::results_file::SCHEMA,
                harness: "test".into(),
                wasm_testsuite: "test".into(),
                reference: spec.id.clone(),
                started_unix: 0,
                duration_secs: 1.0,
                engines: vec![EngineEntry {
                    id: spec.id.clone(),
                    info: prepared.then(|| serde_json::from_str(r#"{"engine":"fam","version":"x","protocol":1,"features":[],"capabilities":[]}"#).unwrap()),
                    on_by_default: None,
                    build: None,
                    error: (!prepared).then(|| "did not build".to_string()),
                    unavailable: None,
                }],
                results,
                interrupted: false,
            })
        }
        fn remove_build(&mut self, spec: &EngineSpec) -> Result<u64> {
            self.removed.push(spec.id.to_string());
            Ok(1)
        }
    }

    fn sweep_with(
        dir: &SweepDir,
        versions: &[&str],
        names: &[&str],
        fake: &mut Fake,
        options: Options,
    ) -> Vec<String> {
        let targets = targets(&published(versions), None, None, false);
        let mut said = Vec::new();
        sweep(
            dir,
            &engine(),
            &targets,
            &cases(names),
            fake,
            options,
            &mut |id, done| said.push(format!("{id} {done:?}")),
        )
        .unwrap();
        said
    }

    #[test]
    fn a_second_sweep_runs_nothing_and_a_new_release_or_case_runs_only_its_cells() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = SweepDir::new(tmp.path());
        let mut fake = Fake::default();
        sweep_with(
            &dir,
            &["1.0.0", "1.1.0"],
            &["a", "b"],
            &mut fake,
            Options::default(),
        );
        assert_eq!(fake.ran.len(), 4);
        let said = sweep_with(
            &dir,
            &["1.0.0", "1.1.0"],
            &["a", "b"],
            &mut fake,
            Options::default(),
        );
        assert_eq!(
            fake.ran.len(),
            4,
            "the second sweep ran {:?}",
            &fake.ran[4..]
        );
        assert!(said.iter().all(|s| s.ends_with("NothingNew")), "{said:?}");
        // A newly published release: only its cells.
        sweep_with(
            &dir,
            &["1.0.0", "1.1.0", "1.2.0"],
            &["a", "b"],
            &mut fake,
            Options::default(),
        );
        assert_eq!(
            fake.ran[4..],
            [
                ("fam@1.2.0".to_string(), "a".to_string()),
                ("fam@1.2.0".to_string(), "b".to_string())
            ]
        );
        // A new case: only it, on every release; the old cells are kept.
        sweep_with(
            &dir,
            &["1.0.0", "1.1.0", "1.2.0"],
            &["a", "b", "c"],
            &mut fake,
            Options::default(),
        );
        let new: Vec<&(String, String)> = fake.ran[6..].iter().collect();
        assert_eq!(new.len(), 3);
        assert!(new.iter().all(|(_, case)| case == "c"), "{new:?}");
        let stored = dir.read(&"fam@1.0.0".parse().unwrap()).unwrap().unwrap();
        let names: Vec<&str> = stored.results.iter().map(|r| r.case.as_str()).collect();
        assert_eq!(names, ["a", "b", "c"]);
        assert_eq!(dir.releases("fam").unwrap().len(), 3);
    }

    #[test]
    fn again_runs_the_cases_once_more_and_keeps_the_others() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = SweepDir::new(tmp.path());
        let mut fake = Fake::default();
        sweep_with(&dir, &["1.0.0"], &["a", "b"], &mut fake, Options::default());
        let again = Options {
            again: true,
            ..Options::default()
        };
        sweep_with(&dir, &["1.0.0"], &["b"], &mut fake, again);
        assert_eq!(fake.ran[2..], [("fam@1.0.0".to_string(), "b".to_string())]);
        let stored = dir.read(&"fam@1.0.0".parse().unwrap()).unwrap().unwrap();
        assert_eq!(stored.results.len(), 2);
    }

    #[test]
    fn a_damaged_results_file_runs_its_release_again() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = SweepDir::new(tmp.path());
        let mut fake = Fake::default();
        sweep_with(
            &dir,
            &["1.0.0", "1.1.0"],
            &["a"],
            &mut fake,
            Options::default(),
        );
        std::fs::write(dir.results_path(&"fam@1.0.0".parse().unwrap()), b"damaged").unwrap();
        sweep_with(
            &dir,
            &["1.0.0", "1.1.0"],
            &["a"],
            &mut fake,
            Options::default(),
        );
        assert_eq!(fake.ran[2..], [("fam@1.0.0".to_string(), "a".to_string())]);
        assert!(dir.read(&"fam@1.0.0".parse().unwrap()).unwrap().is_some());
    }

    #[test]
    fn builds_made_by_the_sweep_are_removed_unless_kept_and_cached_ones_stay() {
        let tmp = tempfile::tempdir().unwrap();
        let mut fake = Fake::default();
        fake.cached.insert("fam@1.0.0".into());
        sweep_with(
            &SweepDir::new(tmp.path().join("a")),
            &["1.0.0", "1.1.0"],
            &["a"],
            &mut fake,
            Options::default(),
        );
        assert_eq!(fake.removed, ["fam@1.1.0"]);
        let keep = Options {
            keep_builds: true,
            ..Options::default()
        };
        sweep_with(
            &SweepDir::new(tmp.path().join("b")),
            &["1.0.0", "1.1.0"],
            &["a"],
            &mut fake,
            keep,
        );
        assert_eq!(fake.removed, ["fam@1.1.0"]);
    }

    #[test]
    fn a_release_whose_engine_was_not_prepared_runs_again() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = SweepDir::new(tmp.path());
        let mut fake = Fake::default();
        fake.unprepared.insert("fam@1.0.0".into());
        sweep_with(&dir, &["1.0.0"], &["a"], &mut fake, Options::default());
        fake.unprepared.clear();
        sweep_with(&dir, &["1.0.0"], &["a"], &mut fake, Options::default());
        assert_eq!(fake.ran.len(), 2);
        let stored = dir.read(&"fam@1.0.0".parse().unwrap()).unwrap().unwrap();
        assert_eq!(stored.results[0].status, Status::Pass);
    }

    #[test]
    fn shards_split_releases_and_merge_into_what_one_sweep_makes() {
        let tmp = tempfile::tempdir().unwrap();
        let versions = ["1.0.0", "1.0.1", "1.1.0", "1.2.0", "1.2.1", "1.3.0"];
        let whole = SweepDir::new(tmp.path().join("whole"));
        sweep_with(
            &whole,
            &versions,
            &["a", "b"],
            &mut Fake::default(),
            Options::default(),
        );
        let merged = SweepDir::new(tmp.path().join("merged"));
        let mut seen = BTreeSet::new();
        for k in 1..=3 {
            let shard = SweepDir::new(tmp.path().join(format!("shard{k}")));
            let mut fake = Fake::default();
            let options = Options {
                shard: Some(format!("{k}/3").parse().unwrap()),
                ..Options::default()
            };
            sweep_with(&shard, &versions, &["a", "b"], &mut fake, options);
            let ran: BTreeSet<&String> = fake.ran.iter().map(|(id, _)| id).collect();
            for id in ran {
                assert!(seen.insert(id.clone()), "{id} ran in two shards");
            }
            merged.merge_from(&shard).unwrap();
        }
        assert_eq!(
            seen.len(),
            versions.len(),
            "every release ran in exactly one shard"
        );
        assert_eq!(
            merged.releases("fam").unwrap(),
            whole.releases("fam").unwrap()
        );
        for v in versions {
            let id: EngineId = format!("fam@{v}").parse().unwrap();
            let cells = |d: &SweepDir| {
                d.read(&id)
                    .unwrap()
                    .unwrap()
                    .results
                    .iter()
                    .map(|r| (r.case.clone(), r.status))
                    .collect::<Vec<_>>()
            };
            assert_eq!(cells(&merged), cells(&whole), "{id}");
        }
    }

    #[test]
    fn a_bound_is_a_version_or_a_whole_line() {
        let p = published(&["17.9.0", "18.0.0", "18.20.8", "20.1.0", "24.22.3", "25.0.0"]);
        let from: Bound = "18".parse().unwrap();
        let to: Bound = "24".parse().unwrap();
        let t: Vec<String> = targets(&p, Some(&from), Some(&to), false)
            .iter()
            .map(|t| t.version.to_string())
            .collect();
        assert_eq!(t, ["18.0.0", "18.20.8", "20.1.0", "24.22.3"]);
        let exact: Bound = "18.20.8".parse().unwrap();
        assert_eq!(targets(&p, Some(&exact), Some(&exact), false).len(), 1);
        assert!("x".parse::<Bound>().is_err() && "1.2.3.4".parse::<Bound>().is_err());
    }

    #[test]
    fn targets_keep_withdrawn_releases_marked_and_say_why_others_are_left_out() {
        let mut p = published(&["0.9.0", "1.0.0", "1.1.0-rc.1", "1.1.0"]);
        p.releases.push(release("1.0.1", Some("yanked")));
        let t = targets(&p, None, Some(&"1.1".parse().unwrap()), false);
        let shown: Vec<String> = t
            .iter()
            .map(|t| {
                format!(
                    "{} {:?} {:?}",
                    t.version,
                    t.withdrawn,
                    t.left_out.as_deref().map(|w| w.split(' ').next().unwrap())
                )
            })
            .collect();
        assert_eq!(
            shown,
            [
                "0.9.0 None Some(\"outside\")",
                "1.0.0 None None",
                "1.0.1 Some(\"yanked\") None",
                "1.1.0-rc.1 None Some(\"pre-release\")",
                "1.1.0 None None",
            ]
        );
    }
}
