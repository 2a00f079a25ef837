//! Obtaining a runnable adapter for one `engine@version`, and the cache of
//! finished builds.
//!
//! Where an engine version comes from is an [`EngineSource`], one small
//! implementation per kind: a Rust crate from the crate registry
//! ([`crates::RustCrate`]), a local checkout of the engine crate
//! ([`local::LocalCheckout`]), a Go module from the Go module proxy
//! ([`gomod::GoModule`]), a JavaScript runtime from npm ([`npm::NpmRuntime`]),
//! an executable command ([`command::Executable`]).
//! Each owns its version listing, its build (or fetch), its cache key and its
//! build record; the [`Builder`] holds what they share: the cache folder, the
//! registry index copy, the toolchain, progress bars and the build lock. A new
//! kind of source is one more implementation, not edits here.
//!
//! A version in the cache is used without asking any registry (not even
//! whether it is published); only a version still to be built or fetched
//! asks its family's registry, bounded in time, and an unreachable one makes
//! that version unavailable, not wrongly named ([`registry`]). Each toolchain
//! is looked up when a source first needs it (`rustc` only for Rust sources),
//! so a matrix without Rust families runs without a Rust toolchain.
//!
//! A finished adapter lives in `<cache>/adapters/ENGINE-VERSION-KEY/` with its
//! `build.json` ([`BuildRecord`]); a second run with nothing changed builds nothing.
//! A build holds the cache's build lock ([`lock`]: an OS file lock, so
//! processes sharing one cache take turns) and looks in the cache again once
//! it has it; a cached program is used only while it has the digest its
//! record names ([`verify`]), and is built again otherwise.

mod cargo;
pub mod command;
pub mod crates;
pub mod gomod;
pub mod index;
pub mod local;
pub mod lock;
pub mod npm;
pub mod registry;
mod verify;

pub use registry::{unavailable_reason, Unreachable};

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Mutex, OnceLock};

use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};

use crate::engine_id::{AdapterSource, EngineId, EngineSpec};
use index::Index;

/// A runnable adapter for one `engine@version`.
#[derive(Debug, Clone)]
pub struct BuiltAdapter {
    /// Which engine and version.
    pub id: EngineId,
    /// The program to start.
    pub program: PathBuf,
    /// Its arguments.
    pub args: Vec<String>,
    /// How it was built (absent for `command` engines).
    pub record: Option<BuildRecord>,
    /// Where its processes write the requests they are sent, when something
    /// records them (bench).
    pub recording: Option<std::sync::Arc<crate::recorder::Recorder>>,
}

/// What `build.json` records about one adapter build.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BuildRecord {
    /// Engine family.
    pub engine: String,
    /// Engine version.
    pub version: String,
    /// Cache key of the build.
    pub key: String,
    /// The toolchain used (`rustc --version`, `go version`).
    #[serde(alias = "rustc")]
    pub toolchain: String,
    /// Features enabled on the engine.
    pub features: Vec<String>,
    /// The engine's own packages as resolved in the build, with what the
    /// package manager alone would have picked where the builder pinned an
    /// older release.
    pub engine_crates: Vec<ResolvedCrate>,
    /// Wall time of the build in seconds (0 when reused from an older record).
    pub build_secs: f64,
    /// The sha256 of the adapter's program, in hex, checked before a cached
    /// build is used (absent in records older than the check: see [`verify`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub program_sha256: Option<String>,
    /// How a Rust adapter was compiled ([`BuildProfile`]); `release` in
    /// records older than the choice, and for sources that compile nothing.
    #[serde(default, skip_serializing_if = "BuildProfile::is_release")]
    pub profile: BuildProfile,
}

/// How a Rust adapter and its engine are compiled. The engine's source,
/// features and configurations are the same in both; only the optimiser
/// differs, so outcomes agree and only time does not.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum BuildProfile {
    /// Optimised (`opt-level = 3`): every run, bench and sweep.
    #[default]
    Release,
    /// The engine's own crates (those released with it: `release-crates`
    /// of the adapter's manifest) and the adapter unoptimised,
    /// `opt-level = 0`; every other crate as in a release build, so a probe
    /// reuses what release builds of other versions left in the shared
    /// target folder and compiles only what its version changes, quickly.
    /// For a bisect probe that runs one case; what it measures of time is
    /// not the release build's.
    Probe,
}

impl BuildProfile {
    fn is_release(&self) -> bool {
        *self == BuildProfile::Release
    }
}

impl std::fmt::Display for BuildProfile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            BuildProfile::Release => "release",
            BuildProfile::Probe => "probe",
        })
    }
}

/// One engine package in a build.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResolvedCrate {
    /// Package name.
    pub name: String,
    /// Version in the build.
    pub version: String,
    /// The newer version the package manager would have chosen without
    /// pinning, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unpinned: Option<String>,
}

/// An engine source that cannot be used on this machine (a toolchain it
/// needs is missing, offline without a copy; an unreachable registry is
/// [`Unreachable`]): its cells are `unsupported` with this reason, not errors.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Unavailable(pub String);

/// One published release of an engine, as its registry lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Release {
    /// The version.
    pub version: semver::Version,
    /// Withdrawn by its publisher, and how (`yanked`, `retracted: ...`).
    pub withdrawn: Option<String>,
    /// Why this machine cannot build it (a toolchain too old), if it cannot.
    pub unbuildable: Option<String>,
}

/// What a source's registry publishes, and the range its adapter supports.
#[derive(Debug, Clone)]
pub struct Published {
    /// Every release, in registry order.
    pub releases: Vec<Release>,
    /// The versions the adapter source compiles against.
    pub supported: semver::VersionReq,
    /// A release line is a minor version (`1.7`) rather than a major one:
    /// engines that stay on one major (wazero) ship their changes in minors.
    pub minor_lines: bool,
}

impl Published {
    /// The newest release of every release line (each major, or each
    /// `0.minor`; each minor with `minor_lines`) the adapter supports,
    /// withdrawn releases and pre-releases left out: the versions a sweep builds.
    pub fn release_lines(&self) -> Vec<semver::Version> {
        let mut newest: BTreeMap<(u64, u64), semver::Version> = BTreeMap::new();
        for r in &self.releases {
            let v = &r.version;
            if r.withdrawn.is_some() || !v.pre.is_empty() || !self.supported.matches(v) {
                continue;
            }
            let line = if v.major > 0 && !self.minor_lines {
                (v.major, 0)
            } else {
                (v.major, v.minor)
            };
            let slot = newest.entry(line).or_insert_with(|| v.clone());
            if v > slot {
                *slot = v.clone();
            }
        }
        newest.into_values().collect()
    }
}

/// Where the versions of an engine come from: one implementation per kind.
pub trait EngineSource {
    /// The kind, in words, for errors (`Rust crate wasmi`, `command`).
    fn describe(&self) -> String;

    /// The engine's published releases (for `bisect` and `build --sweep`).
    fn published(&self, _builder: &Builder) -> Result<Published> {
        bail!("{} has no registry of published releases", self.describe())
    }

    /// Check, without building, that `id` can be obtained: published, and
    /// inside the adapter's supported range.
    fn check(&self, _builder: &Builder, _id: &EngineId) -> Result<()> {
        Ok(())
    }

    /// The cache key a build of `id` has with the current sources (`None`:
    /// nothing is built).
    fn key(&self, builder: &Builder, id: &EngineId) -> Result<Option<String>>;

    /// The adapter for `id`: found in the cache, or built (fetched) now.
    fn adapter(&self, builder: &Builder, id: &EngineId) -> Result<BuiltAdapter>;
}

/// The source kind of a matrix family's `AdapterSource`, with the sources
/// of a built-in adapter written first if they are not yet (parsing the
/// matrix only names their folder).
pub fn source_of(source: &AdapterSource) -> Result<Box<dyn EngineSource + '_>> {
    if let Some(dir) = source.folder() {
        crate::builtin::write_if_needed(dir)?;
    }
    Ok(match source {
        AdapterSource::Crate { dir } => Box::new(crates::RustCrate { dir }),
        AdapterSource::Local { dir, engine } => Box::new(local::LocalCheckout { dir, engine }),
        AdapterSource::GoModule { dir, args } => Box::new(gomod::GoModule { dir, args }),
        AdapterSource::NpmRuntime { dir, args } => Box::new(npm::NpmRuntime { dir, args }),
        AdapterSource::Command { argv } => Box::new(command::Executable { argv }),
    })
}

/// Obtains adapters; holds what every source kind shares.
pub struct Builder {
    cache: PathBuf,
    index: Index,
    progress: bool,
    serial: Mutex<()>,
    /// `rustc --version`, looked up when a Rust source first needs it.
    rustc: OnceLock<Result<String, Unavailable>>,
    /// The registries found unreachable so far.
    down: registry::Down,
    /// The cached programs whose digest was checked in this process.
    verified: verify::Verified,
    /// How Rust adapters it builds are compiled.
    profile: BuildProfile,
}

impl Builder {
    /// A builder using `cache` for builds and the index copy; `progress` draws bars.
    pub fn new(cache: &Path, progress: bool) -> Result<Builder> {
        // Every later step (a registry listing run inside it, a build, the
        // index copy) may assume the folder exists, also on a fresh machine.
        std::fs::create_dir_all(cache)
            .with_context(|| format!("creating the cache folder {}", cache.display()))?;
        Ok(Builder {
            cache: cache.to_path_buf(),
            index: Index::crates_io(&cache.join("index")),
            progress,
            serial: Mutex::new(()),
            rustc: OnceLock::new(),
            down: registry::Down::default(),
            verified: verify::Verified::default(),
            profile: BuildProfile::Release,
        })
    }

    /// The same builder compiling Rust adapters it has to build with
    /// `profile`; with [`BuildProfile::Probe`] a release build already in
    /// the cache is still used.
    pub fn with_profile(mut self, profile: BuildProfile) -> Builder {
        self.profile = profile;
        self
    }

    /// How Rust adapters this builder has to build are compiled.
    pub fn profile(&self) -> BuildProfile {
        self.profile
    }

    /// The `rustc --version` builds use, or [`Unavailable`] without one.
    pub fn rustc(&self) -> Result<&str> {
        match self.rustc.get_or_init(rustc_version) {
            Ok(version) => Ok(version),
            Err(missing) => Err(missing.clone().into()),
        }
    }

    /// Where builds are kept.
    pub fn cache_dir(&self) -> &Path {
        &self.cache
    }

    /// The adapter for `spec`, built now if no cached build matches.
    ///
    /// One build serves every configuration of a version: it is made for the
    /// default configuration, and a named one adds its settings to the
    /// adapter's arguments (`--setting KEY=VALUE`).
    pub fn adapter(&self, spec: &EngineSpec) -> Result<BuiltAdapter> {
        let mut adapter = source_of(&spec.source)?.adapter(self, &spec.id.with_config(None))?;
        adapter.id = spec.id.clone();
        for (key, value) in &spec.settings {
            adapter
                .args
                .push(wasm_compat_protocol::setting_arg(key, value));
        }
        Ok(adapter)
    }

    /// The releases `source` publishes.
    pub fn published(&self, source: &AdapterSource) -> Result<Published> {
        source_of(source)?.published(self)
    }

    /// Check, without building, that `spec` names a version its source can
    /// provide. A version in the cache is not checked: it runs without
    /// asking any registry.
    pub fn check_version(&self, spec: &EngineSpec) -> Result<()> {
        if self.is_cached(spec) {
            return Ok(());
        }
        source_of(&spec.source)?.check(self, &spec.id)
    }

    /// The cache key a build of `spec` has now.
    pub fn current_key(&self, spec: &EngineSpec) -> Result<Option<String>> {
        source_of(&spec.source)?.key(self, &spec.id)
    }

    /// Whether the adapter of `spec` is in the cache under its current key
    /// (so preparing it builds nothing).
    pub fn is_cached(&self, spec: &EngineSpec) -> bool {
        let id = spec.id.with_config(None);
        matches!(self.current_key(spec), Ok(Some(key)) if self.out_dir(&id, &key).join("build.json").is_file())
    }

    /// Remove the cached build of `spec` (its version's folder under the
    /// current key), holding the build lock; the bytes freed. Shared build
    /// folders (cargo's target, Go's module cache) stay: other versions use them.
    pub fn remove_build(&self, spec: &EngineSpec) -> Result<u64> {
        let id = spec.id.with_config(None);
        let Some(key) = self.current_key(spec)? else {
            return Ok(0);
        };
        let out = self.out_dir(&id, &key);
        if !out.exists() {
            return Ok(0);
        }
        let _held = self.lock_cache(&id.to_string(), &format!("removing the build of {id}"))?;
        let bytes = crate::fsutil::tree_size(&out);
        std::fs::remove_dir_all(&out).with_context(|| format!("removing {}", out.display()))?;
        Ok(bytes)
    }

    /// How long a build of an `engine` adapter takes, from the builds of that
    /// family in the cache (the median of their `build_secs`), if there are any.
    pub fn estimate(&self, engine: &str) -> Option<f64> {
        let folders = std::fs::read_dir(self.cache.join("adapters")).ok()?;
        let mut secs: Vec<f64> = folders
            .filter_map(|entry| entry.ok())
            .filter(|entry| {
                let name = entry.file_name().to_string_lossy().into_owned();
                name.strip_prefix(engine)
                    .is_some_and(|rest| rest.starts_with('-'))
            })
            .filter_map(|entry| std::fs::read(entry.path().join("build.json")).ok())
            .filter_map(|bytes| serde_json::from_slice::<BuildRecord>(&bytes).ok())
            .filter(|record| record.engine == engine && record.build_secs > 0.0)
            .map(|record| record.build_secs)
            .collect();
        if secs.is_empty() {
            return None;
        }
        secs.sort_by(f64::total_cmp);
        Some(secs[secs.len() / 2])
    }

    /// The progress bar of one build of `id` of about `units` `what`, saying
    /// what earlier builds of its family took.
    fn build_bar(&self, id: &EngineId, units: u64, what: &str) -> indicatif::ProgressBar {
        crate::progress::build_bar(self.progress, id, units, what, self.estimate(&id.engine))
    }

    /// The crate registry's index copy.
    fn index(&self) -> &Index {
        &self.index
    }

    /// The cache's build lock, held while building `id` (builds share
    /// folders and both cores), with what unfinished builds left behind removed.
    fn build_lock(&self, id: &EngineId) -> Result<lock::BuildLock<'_>> {
        let held = self.lock_cache(&id.to_string(), &format!("building {id}"))?;
        lock::remove_staging_leftovers(&self.cache)?;
        Ok(held)
    }

    /// The cache's build lock for `who` doing `doing` (`pruning the cache`),
    /// waited for if another process (or thread) holds it.
    pub fn lock_cache(&self, who: &str, doing: &str) -> Result<lock::BuildLock<'_>> {
        lock::acquire(&self.cache, &self.serial, who, doing)
    }

    /// Remove the staging folders unfinished builds left in the cache; call
    /// with the build lock held ([`Builder::lock_cache`]). The removed folders.
    pub fn remove_staging_leftovers(&self, _held: &lock::BuildLock<'_>) -> Result<Vec<PathBuf>> {
        lock::remove_staging_leftovers(&self.cache)
    }

    /// The folder of the finished build of `id` under `key`.
    fn out_dir(&self, id: &EngineId, key: &str) -> PathBuf {
        self.cache
            .join("adapters")
            .join(format!("{}-{}-{}", id.engine, id.version, key))
    }

    /// A finished build of `id` in `out` whose program is `program`, if
    /// complete and intact (see [`verify`]).
    fn load_cached(&self, id: &EngineId, program: &str, out: &Path) -> Option<BuiltAdapter> {
        let program = out.join(program);
        let record: BuildRecord =
            serde_json::from_slice(&std::fs::read(out.join("build.json")).ok()?).ok()?;
        if !program.is_file() {
            return None;
        }
        let record = match &record.program_sha256 {
            Some(recorded) => self
                .verified
                .check(id, &program, recorded)
                .then_some(record)?,
            None => record_digest(record, &program, out),
        };
        Some(BuiltAdapter {
            id: id.clone(),
            program,
            args: Vec::new(),
            record: Some(record),
            recording: None,
        })
    }

    /// A new, empty staging folder inside the cache (renamed into place when
    /// a build is complete, so a reader never sees half a build).
    fn staging(&self) -> Result<tempfile::TempDir> {
        let adapters = self.cache.join("adapters");
        std::fs::create_dir_all(&adapters)
            .with_context(|| format!("creating {}", adapters.display()))?;
        tempfile::Builder::new()
            .prefix(".staging-")
            .tempdir_in(&adapters)
            .context("creating a staging folder in the adapter cache")
    }

    /// Write `record`, with the digest of the staged `program`, into
    /// `staging` and move the staged build to `out`.
    fn install(
        &self,
        staging: tempfile::TempDir,
        program: &str,
        mut record: BuildRecord,
        out: &Path,
    ) -> Result<()> {
        record.program_sha256 = Some(verify::digest_of(&staging.path().join(program))?);
        std::fs::write(
            staging.path().join("build.json"),
            serde_json::to_vec_pretty(&record)?,
        )?;
        let staged = staging.keep();
        let _ = std::fs::remove_dir_all(out);
        std::fs::rename(&staged, out)
            .with_context(|| format!("moving the build into {}", out.display()))?;
        crate::progress::build_done(&record.engine, &record.version, record.build_secs);
        Ok(())
    }
}

/// `record`, read from `out` without a digest of its `program`, with one:
/// recorded in `out` now when the cache can be written (see [`verify`]).
fn record_digest(mut record: BuildRecord, program: &Path, out: &Path) -> BuildRecord {
    if let Ok(digest) = verify::digest_of(program) {
        record.program_sha256 = Some(digest);
        if let Ok(bytes) = serde_json::to_vec_pretty(&record) {
            let _ = crate::fsutil::write_atomic(&out.join("build.json"), &bytes);
        }
    }
    record
}

/// The release `id` names, if the adapter supports it (`engine` is the
/// engine's package, `supported` the adapter's range).
fn supported_release(
    id: &EngineId,
    engine: &str,
    supported: &semver::VersionReq,
) -> Result<semver::Version> {
    let version = id
        .version
        .release()
        .cloned()
        .with_context(|| format!("{id}: not a published release"))?;
    if !supported.matches(&version) {
        bail!(
            "{id}: the {} adapter supports {engine} versions {supported} only",
            id.engine
        );
    }
    Ok(version)
}

/// An adapter folder's `wasm-compat.toml`, read as its source kind's settings.
fn adapter_settings<T: serde::de::DeserializeOwned>(dir: &Path) -> Result<T> {
    let path = dir.join("wasm-compat.toml");
    let text =
        std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    toml::from_str(&text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
}

/// A cache key: the first 8 bytes of `digest`, in hex.
fn short_key(digest: &[u8]) -> String {
    digest.iter().take(8).map(|b| format!("{b:02x}")).collect()
}

/// Run `cmd` (spelled `what` in errors); its standard output, or an error
/// with what it said on standard error.
fn output_of(cmd: &mut Command, what: &str) -> Result<Vec<u8>> {
    let output = cmd
        .stdin(std::process::Stdio::null())
        .output()
        .with_context(|| format!("running {what}"))?;
    if !output.status.success() {
        bail!(
            "{what} failed:\n{}",
            String::from_utf8_lossy(&output.stderr).trim_end()
        );
    }
    Ok(output.stdout)
}

/// What `program ARG` prints (a toolchain's version), or [`Unavailable`]
/// with `missing` when the program cannot run here.
fn tool_version(program: &str, arg: &str, missing: &str) -> Result<String> {
    match output_of(Command::new(program).arg(arg), program) {
        Ok(out) => Ok(String::from_utf8_lossy(&out).trim().to_string()),
        Err(_) => Err(Unavailable(missing.to_string()).into()),
    }
}

/// A registry's version list kept at `copy`: each version with why it was
/// withdrawn (`how`: `retracted`, `deprecated`), if it was.
type Listing = Vec<(String, Option<String>)>;

/// The cached listing at `copy`.
fn cached_listing(copy: &Path) -> Result<Listing> {
    let text = std::fs::read(copy)
        .with_context(|| format!("no cached version list {}", copy.display()))?;
    Ok(serde_json::from_slice(&text)?)
}

/// The releases of a listing (`v` prefixes dropped; what is not semver left
/// out); a withdrawn one says `how: why`.
fn listed_releases(listed: Listing, how: &str) -> Vec<Release> {
    listed
        .into_iter()
        .filter_map(|(v, why)| {
            Some(Release {
                version: semver::Version::parse(v.trim_start_matches('v')).ok()?,
                withdrawn: why.map(|w| format!("{how}: {w}")),
                unbuildable: None,
            })
        })
        .collect()
}

/// `rustc --version` (`RUSTC` if set), or why Rust sources cannot be built here.
fn rustc_version() -> Result<String, Unavailable> {
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    tool_version(
        &rustc,
        "--version",
        "needs the Rust toolchain (rustc) on PATH",
    )
    .map_err(|e| Unavailable(format!("{e}")))
}

/// Every file under `dir`, recursively (none if it is missing).
fn collect_files(dir: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    if !dir.is_dir() {
        return Ok(());
    }
    for entry in std::fs::read_dir(dir).with_context(|| format!("listing {}", dir.display()))? {
        let path = entry?.path();
        if path.is_dir() {
            collect_files(&path, out)?;
        } else {
            out.push(path);
        }
    }
    Ok(())
}

/// A builder that reads only the index files written into `dir` (for tests).
#[cfg(test)]
fn offline_builder(dir: &Path) -> Builder {
    Builder {
        cache: dir.to_path_buf(),
        index: Index::offline(dir),
        progress: false,
        serial: Mutex::new(()),
        rustc: OnceLock::from(Ok("rustc 1.95.0".to_string())),
        down: registry::Down::default(),
        verified: verify::Verified::default(),
        profile: BuildProfile::Release,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn release(v: &str, withdrawn: bool) -> Release {
        Release {
            version: v.parse().unwrap(),
            withdrawn: withdrawn.then(|| "yanked".to_string()),
            unbuildable: None,
        }
    }

    /// Issue 24: a cached wazero stopped an offline run when the Go module
    /// cache lacked its download record. Neither version below was ever
    /// published; once in the cache, no registry is asked whether it was.
    #[test]
    fn a_cached_version_is_not_checked_against_its_registry() {
        let cache = tempfile::tempdir().unwrap();
        let builder = offline_builder(cache.path());
        let adapters = Path::new(env!("CARGO_MANIFEST_DIR")).join("../adapters");
        let sources = [
            AdapterSource::NpmRuntime {
                dir: adapters.join("node"),
                args: Vec::new(),
            },
            AdapterSource::GoModule {
                dir: adapters.join("wazero"),
                args: Vec::new(),
            },
        ];
        for (family, source) in ["node", "wazero"].into_iter().zip(sources) {
            let id = EngineId::new(family, semver::Version::new(99, 0, 0));
            let spec = EngineSpec::new(id, source);
            let Ok(Some(key)) = builder.current_key(&spec) else {
                eprintln!("{family}: no key without its toolchain; nothing to check");
                continue;
            };
            let out = builder.out_dir(&spec.id, &key);
            std::fs::create_dir_all(&out).unwrap();
            std::fs::write(out.join("build.json"), "{}").unwrap();
            builder.check_version(&spec).unwrap();
        }
    }

    #[test]
    fn a_sweep_takes_the_newest_release_of_each_supported_line() {
        let published = Published {
            releases: vec![
                release("0.8.0", false),
                release("0.9.0", false),
                release("0.9.1", false),
                release("1.0.0", false),
                release("1.2.0", false),
                release("1.3.0", true),
                release("2.0.0-beta.1", false),
                release("2.0.0", false),
                release("3.0.0", false),
            ],
            supported: ">=0.9.0, <3.0.0".parse().unwrap(),
            minor_lines: false,
        };
        let lines: Vec<String> = published
            .release_lines()
            .iter()
            .map(|v| v.to_string())
            .collect();
        assert_eq!(lines, ["0.9.1", "1.2.0", "2.0.0"]);
        let by_minor = Published {
            minor_lines: true,
            ..published
        };
        let lines: Vec<String> = by_minor
            .release_lines()
            .iter()
            .map(|v| v.to_string())
            .collect();
        assert_eq!(lines, ["0.9.1", "1.0.0", "1.2.0", "2.0.0"]);
    }
}
