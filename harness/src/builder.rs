//! Building an engine family's adapter crate against one exact published engine
//! version, faithfully to that release, and the cache of finished builds.
//!
//! For `engine@X.Y.Z` the builder writes a package under `<cache>/builds/` whose
//! source is the adapter crate's, whose engine dependency is `=X.Y.Z`, and whose
//! package version is `X.Y.Z` (the adapter's `build.rs` derives its API cfgs from
//! it). Cargo alone would resolve the engine's sibling crates (`wasmi_core`,
//! `cranelift-*`, `wasmparser`, ...) to their newest compatible release, which
//! the engine release never shipped with; so every crate matching the adapter's
//! `release-crates` is pinned to the newest version published no later than the
//! engine release itself (publish times come from the crates.io index). The
//! resolved engine crates are recorded in `build.json` beside the binary.
//!
//! Builds share one target directory, and a finished binary is cached under a key
//! made of the engine, its version, the adapter and protocol sources, the wanted
//! features and the rustc version: a second run with nothing changed builds nothing.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::time::Instant;

use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::index::Index;
use crate::matrix::{AdapterSource, EngineId, EngineSpec};

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
    /// `rustc --version` used.
    pub rustc: String,
    /// Cargo features enabled on the engine crate.
    pub features: Vec<String>,
    /// The engine's own crates as resolved in the build, with what cargo alone
    /// would have picked where the builder pinned an older release.
    pub engine_crates: Vec<ResolvedCrate>,
    /// Wall time of the build in seconds (0 when reused from an older record).
    pub build_secs: f64,
}

/// One engine crate in a build's lock file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResolvedCrate {
    /// Crate name.
    pub name: String,
    /// Version in the build.
    pub version: String,
    /// The newer version cargo would have chosen without pinning, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unpinned: Option<String>,
}

/// The `[package.metadata.wasm-compat]` of an adapter crate, plus what the builder
/// needs from the rest of its manifest.
#[derive(Debug, Clone)]
struct AdapterManifest {
    dir: PathBuf,
    package: String,
    edition: String,
    engine_crate: String,
    release_crates: Vec<glob::Pattern>,
    features: Vec<String>,
    supported: semver::VersionReq,
    lockstep: Vec<String>,
    dependencies: toml::Table,
}

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
struct Metadata {
    engine_crate: String,
    release_crates: Vec<String>,
    #[serde(default)]
    features: Vec<String>,
    supported: String,
    #[serde(default)]
    lockstep: Vec<String>,
}

impl AdapterManifest {
    fn load(dir: &Path) -> Result<AdapterManifest> {
        let (path, doc, name) = read_package(dir, "adapter manifest")?;
        let name = name.as_str();
        let package = doc["package"].as_table().expect("checked by read_package");
        let edition = package
            .get("edition")
            .and_then(|n| n.as_str())
            .unwrap_or("2021");
        let meta = package
            .get("metadata")
            .and_then(|m| m.get("wasm-compat"))
            .with_context(|| format!("{}: no [package.metadata.wasm-compat]", path.display()))?;
        let meta: Metadata = meta.clone().try_into().map_err(|e| {
            anyhow::anyhow!("{}: [package.metadata.wasm-compat]: {e}", path.display())
        })?;
        let release_crates = meta
            .release_crates
            .iter()
            .map(|p| {
                glob::Pattern::new(p)
                    .with_context(|| format!("{}: bad pattern `{p}`", path.display()))
            })
            .collect::<Result<Vec<_>>>()?;
        let supported = semver::VersionReq::parse(&meta.supported).map_err(|e| {
            anyhow::anyhow!(
                "{}: `supported = {:?}`: {e}",
                path.display(),
                meta.supported
            )
        })?;
        let dependencies = doc
            .get("dependencies")
            .and_then(|d| d.as_table())
            .cloned()
            .unwrap_or_default();
        if !dependencies.contains_key(&meta.engine_crate) {
            bail!(
                "{}: engine crate `{}` is not among [dependencies]",
                path.display(),
                meta.engine_crate
            );
        }
        Ok(AdapterManifest {
            dir: dir.to_path_buf(),
            package: name.to_string(),
            edition: edition.to_string(),
            engine_crate: meta.engine_crate,
            release_crates,
            features: meta.features,
            supported,
            lockstep: meta.lockstep,
            dependencies,
        })
    }

    fn is_release_crate(&self, name: &str) -> bool {
        self.release_crates.iter().any(|p| p.matches(name))
    }

    /// The files whose content decides the build: the adapter crate and the protocol crate.
    fn source_files(&self) -> Result<Vec<PathBuf>> {
        let mut files = Vec::new();
        let mut roots = vec![self.dir.clone()];
        for dep in self.dependencies.values() {
            if let Some(path) = dep.get("path").and_then(|p| p.as_str()) {
                roots.push(self.dir.join(path));
            }
        }
        for root in roots {
            for name in ["Cargo.toml", "build.rs"] {
                let f = root.join(name);
                if f.is_file() {
                    files.push(f);
                }
            }
            collect_files(&root.join("src"), &mut files)?;
        }
        files.sort();
        Ok(files)
    }
}

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

/// Builds adapters and keeps the cache of finished builds.
pub struct Builder {
    cache: PathBuf,
    index: Index,
    progress: bool,
    serial: Mutex<()>,
    rustc: String,
}

impl Builder {
    /// A builder using `cache` for builds and the index copy; `progress` draws bars.
    pub fn new(cache: &Path, progress: bool) -> Result<Builder> {
        let rustc = rustc_version()?;
        Ok(Builder {
            cache: cache.to_path_buf(),
            index: Index::crates_io(&cache.join("index")),
            progress,
            serial: Mutex::new(()),
            rustc,
        })
    }

    /// The `rustc --version` builds use.
    pub fn rustc(&self) -> &str {
        &self.rustc
    }

    /// The adapter for `spec`, built now if no cached build matches.
    pub fn adapter(&self, spec: &EngineSpec) -> Result<BuiltAdapter> {
        match &spec.source {
            AdapterSource::Command { argv } => Ok(BuiltAdapter {
                id: spec.id.clone(),
                program: PathBuf::from(&argv[0]),
                args: argv[1..].to_vec(),
                record: None,
            }),
            AdapterSource::Crate { dir } => self.crate_adapter(&spec.id, dir),
            AdapterSource::Local { dir, engine } => self.local_adapter(&spec.id, dir, engine),
        }
    }

    /// The newest published, non-yanked release of every release line (each major,
    /// or each `0.minor`) that the adapter in `dir` supports: the versions a sweep builds.
    pub fn release_lines(&self, dir: &Path) -> Result<Vec<semver::Version>> {
        let manifest = AdapterManifest::load(dir)?;
        let mut newest: BTreeMap<(u64, u64), semver::Version> = BTreeMap::new();
        for e in self.index.versions(&manifest.engine_crate)? {
            if e.yanked || !e.version.pre.is_empty() || !manifest.supported.matches(&e.version) {
                continue;
            }
            let line = if e.version.major > 0 {
                (e.version.major, 0)
            } else {
                (0, e.version.minor)
            };
            let slot = newest.entry(line).or_insert_with(|| e.version.clone());
            if e.version > *slot {
                *slot = e.version.clone();
            }
        }
        Ok(newest.into_values().collect())
    }

    /// The published versions of the engine crate of the adapter in `dir`, and
    /// the range of them that adapter supports.
    pub fn published(
        &self,
        dir: &Path,
    ) -> Result<(Vec<crate::index::IndexEntry>, semver::VersionReq)> {
        let manifest = AdapterManifest::load(dir)?;
        Ok((
            self.index.versions(&manifest.engine_crate)?,
            manifest.supported.clone(),
        ))
    }

    /// The cache key a build of `id` with the adapter in `dir` has now.
    pub fn current_key(&self, id: &EngineId, dir: &Path) -> Result<String> {
        let manifest = AdapterManifest::load(dir)?;
        self.key(&manifest, id)
    }

    /// Where builds are kept.
    pub fn cache_dir(&self) -> &Path {
        &self.cache
    }

    /// Check, without building, that `spec` names a published version inside its
    /// adapter's supported range.
    pub fn check_version(&self, spec: &EngineSpec) -> Result<()> {
        let AdapterSource::Crate { dir } = &spec.source else {
            return Ok(());
        };
        let manifest = AdapterManifest::load(dir)?;
        let version = spec
            .id
            .version
            .release()
            .with_context(|| format!("{}: not a published release", spec.id))?;
        if !manifest.supported.matches(version) {
            bail!(
                "the {} adapter supports {} versions {} only",
                spec.id.engine,
                manifest.engine_crate,
                manifest.supported
            );
        }
        self.index
            .entry(&manifest.engine_crate, &version)
            .map(|_| ())
    }

    fn out_dir(&self, id: &EngineId, key: &str) -> PathBuf {
        self.cache
            .join("adapters")
            .join(format!("{}-{}-{}", id.engine, id.version, key))
    }

    fn load_cached(
        &self,
        manifest: &AdapterManifest,
        id: &EngineId,
        out: &Path,
    ) -> Option<BuiltAdapter> {
        let program = out.join(&manifest.package);
        let record: BuildRecord =
            serde_json::from_slice(&std::fs::read(out.join("build.json")).ok()?).ok()?;
        program.is_file().then(|| BuiltAdapter {
            id: id.clone(),
            program,
            args: Vec::new(),
            record: Some(record),
        })
    }

    fn key(&self, manifest: &AdapterManifest, id: &EngineId) -> Result<String> {
        let mut hasher = Sha256::new();
        hasher.update(b"wasm-compat adapter build v1\0");
        hasher.update(id.to_string().as_bytes());
        hasher.update(b"\0");
        hasher.update(self.rustc.as_bytes());
        for file in manifest.source_files()? {
            let rel = file.strip_prefix(&manifest.dir).unwrap_or(&file);
            hasher.update(rel.to_string_lossy().as_bytes());
            hasher.update(b"\0");
            hasher.update(
                std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?,
            );
            hasher.update(b"\0");
        }
        let digest = hasher.finalize();
        Ok(digest.iter().take(8).map(|b| format!("{b:02x}")).collect())
    }

    fn crate_adapter(&self, id: &EngineId, dir: &Path) -> Result<BuiltAdapter> {
        let manifest = AdapterManifest::load(dir)?;
        let key = self.key(&manifest, id)?;
        let out = self.out_dir(id, &key);
        if let Some(found) = self.load_cached(&manifest, id, &out) {
            return Ok(found);
        }
        let _one_build_at_a_time = self.serial.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(found) = self.load_cached(&manifest, id, &out) {
            return Ok(found);
        }
        let started = Instant::now();
        let version: semver::Version = id
            .version
            .release()
            .cloned()
            .with_context(|| format!("{id}: not an exact version"))?;
        if !manifest.supported.matches(&version) {
            bail!(
                "{id}: the {} adapter supports {} versions {} only",
                id.engine,
                manifest.engine_crate,
                manifest.supported
            );
        }
        let engine_entry = self.index.entry(&manifest.engine_crate, &version)?;
        check_rust_version(&engine_entry, &self.rustc)?;
        let available = engine_entry.feature_names();
        let features: Vec<String> = manifest
            .features
            .iter()
            .filter(|f| available.contains(*f))
            .cloned()
            .collect();

        let build_dir = self
            .cache
            .join("builds")
            .join(format!("{}-{}", id.engine, id.version));
        std::fs::create_dir_all(&build_dir)
            .with_context(|| format!("creating {}", build_dir.display()))?;
        let _ = std::fs::remove_file(build_dir.join("Cargo.lock"));
        // Resolve as cargo would on its own. Cargo never picks a yanked release by
        // itself but locks one on request: a yanked engine release is required as
        // `^X.Y.Z` and then set precisely.
        let text = generated_manifest(&manifest, &version, engine_entry.yanked, &features, None)?;
        crate::fsutil::write_atomic(&build_dir.join("Cargo.toml"), text.as_bytes())?;
        self.cargo(&build_dir, &["generate-lockfile"], id)?;
        if engine_entry.yanked {
            let precise = version.to_string();
            let args = [
                "update",
                "-p",
                &manifest.engine_crate,
                "--precise",
                &precise,
            ];
            self.cargo(&build_dir, &args, id)?;
        }
        let unpinned = locked_registry_packages(&build_dir.join("Cargo.lock"))?;

        // Pin the engine's own crates to what existed when the release was published.
        let cutoff = engine_entry.pubtime.clone();
        let mut moves = BTreeMap::new();
        for (name, locked) in &unpinned {
            let fixed = name == &manifest.engine_crate || manifest.lockstep.contains(name);
            if fixed || !manifest.is_release_crate(name) {
                continue;
            }
            for locked in locked {
                let (chosen, _yanked) = self.release_version(name, locked, cutoff.as_deref())?;
                if &chosen != locked {
                    moves.insert((name.clone(), locked.to_string()), chosen.to_string());
                }
            }
        }
        // `cargo update --precise` moves one crate at a time (yanked or not), and a
        // crate can only move back once the crates requiring its newer release
        // have: retry in rounds until nothing moves.
        let mut pending: Vec<_> = moves.iter().collect();
        while !pending.is_empty() {
            let mut last_error = None;
            let before = pending.len();
            pending.retain(|((name, locked), pin)| {
                let spec = format!("{name}@{locked}");
                match self.cargo(&build_dir, &["update", "-p", &spec, "--precise", pin], id) {
                    Ok(()) => false,
                    Err(e) => {
                        last_error = Some(e);
                        true
                    }
                }
            });
            if pending.len() == before {
                let err = last_error.expect("a failed update left its error");
                return Err(err.context(format!(
                    "{id}: pinning the engine's crates to their release versions ({moves:?})"
                )));
            }
        }
        let would_pick: BTreeMap<String, String> = moves
            .keys()
            .map(|(name, locked)| (name.clone(), locked.clone()))
            .collect();
        let pins: BTreeMap<String, String> = moves
            .into_iter()
            .map(|((name, _), pin)| (name, pin))
            .collect();
        let resolved = locked_registry_packages(&build_dir.join("Cargo.lock"))?;
        let mut engine_crates = Vec::new();
        for (name, versions) in &resolved {
            if !manifest.is_release_crate(name) {
                continue;
            }
            for v in versions {
                if let Some(pin) = pins.get(name) {
                    if pin != &v.to_string() {
                        bail!("{id}: `{name}` resolved to {v} although it was pinned to {pin}");
                    }
                }
                engine_crates.push(ResolvedCrate {
                    name: name.clone(),
                    version: v.to_string(),
                    unpinned: would_pick.get(name).cloned(),
                });
            }
        }

        let crates = resolved.values().map(|v| v.len()).sum();
        self.finish_build(Finish {
            manifest: &manifest,
            id,
            key: &key,
            build_dir: &build_dir,
            out: &out,
            features,
            engine_crates,
            crates,
            started,
        })
    }

    /// Build the generated package in `f.build_dir` and move the binary, its
    /// `build.json` and `Cargo.lock` into the cache, atomically.
    fn finish_build(&self, f: Finish<'_>) -> Result<BuiltAdapter> {
        let Finish {
            manifest,
            id,
            key,
            build_dir,
            out,
            features,
            engine_crates,
            crates,
            started,
        } = f;
        self.cargo_build(build_dir, id, crates)?;
        let built = self
            .cache
            .join("target")
            .join("release")
            .join(&manifest.package);
        let staging = tempfile::Builder::new()
            .prefix(".staging-")
            .tempdir_in(self.cache.join("adapters"))
            .or_else(|_| {
                std::fs::create_dir_all(self.cache.join("adapters"))?;
                tempfile::Builder::new()
                    .prefix(".staging-")
                    .tempdir_in(self.cache.join("adapters"))
            })
            .context("creating a staging folder in the adapter cache")?;
        std::fs::copy(&built, staging.path().join(&manifest.package))
            .with_context(|| format!("copying {}", built.display()))?;
        let record = BuildRecord {
            engine: id.engine.clone(),
            version: id.version.to_string(),
            key: key.to_string(),
            rustc: self.rustc.clone(),
            features,
            engine_crates,
            build_secs: (started.elapsed().as_secs_f64() * 10.0).round() / 10.0,
        };
        std::fs::write(
            staging.path().join("build.json"),
            serde_json::to_vec_pretty(&record)?,
        )?;
        std::fs::copy(
            build_dir.join("Cargo.lock"),
            staging.path().join("Cargo.lock"),
        )?;
        let staged = staging.keep();
        let _ = std::fs::remove_dir_all(out);
        std::fs::rename(&staged, out)
            .with_context(|| format!("moving the build into {}", out.display()))?;
        self.load_cached(manifest, id, out)
            .with_context(|| format!("{id}: build finished but {} is incomplete", out.display()))
    }

    /// An adapter built against a local engine checkout at `engine` (the
    /// engine crate's folder): no pinning, the checkout's own state decides.
    fn local_adapter(&self, id: &EngineId, dir: &Path, engine: &Path) -> Result<BuiltAdapter> {
        let manifest = AdapterManifest::load(dir)?;
        let local = LocalCrate::read(engine)?;
        if local.name != manifest.engine_crate {
            bail!(
                "{}: the crate there is `{}`, the {} adapter needs `{}`",
                engine.display(),
                local.name,
                id.engine,
                manifest.engine_crate
            );
        }
        let mut hasher = Sha256::new();
        hasher.update(self.key(&manifest, id)?.as_bytes());
        hasher.update(engine.display().to_string().as_bytes());
        hasher.update(local_state(engine).as_bytes());
        let key: String = hasher
            .finalize()
            .iter()
            .take(8)
            .map(|b| format!("{b:02x}"))
            .collect();
        let out = self.out_dir(id, &key);
        if let Some(found) = self.load_cached(&manifest, id, &out) {
            return Ok(found);
        }
        let _one_build_at_a_time = self.serial.lock().unwrap_or_else(|p| p.into_inner());
        let started = Instant::now();
        let features: Vec<String> = manifest
            .features
            .iter()
            .filter(|f| local.features.contains(*f))
            .cloned()
            .collect();
        let build_dir = self
            .cache
            .join("builds")
            .join(format!("{}-local-{key}", id.engine));
        std::fs::create_dir_all(&build_dir)
            .with_context(|| format!("creating {}", build_dir.display()))?;
        let _ = std::fs::remove_file(build_dir.join("Cargo.lock"));
        let text = generated_manifest(&manifest, &local.version, false, &features, Some(engine))?;
        crate::fsutil::write_atomic(&build_dir.join("Cargo.toml"), text.as_bytes())?;
        self.cargo(&build_dir, &["generate-lockfile"], id)?;
        let resolved = locked_registry_packages(&build_dir.join("Cargo.lock"))?;
        let engine_crates = vec![ResolvedCrate {
            name: local.name.clone(),
            version: format!("{} (local: {})", local.version, engine.display()),
            unpinned: None,
        }];
        let crates = resolved.values().map(|v| v.len()).sum();
        self.finish_build(Finish {
            manifest: &manifest,
            id,
            key: &key,
            build_dir: &build_dir,
            out: &out,
            features,
            engine_crates,
            crates,
            started,
        })
    }

    /// The newest version of `name` in `locked`'s compatibility range that is not
    /// newer than `locked` and was published no later than `cutoff` (yanked or
    /// not: what was there when the engine shipped), and whether it is yanked now.
    fn release_version(
        &self,
        name: &str,
        locked: &semver::Version,
        cutoff: Option<&str>,
    ) -> Result<(semver::Version, bool)> {
        let Some(cutoff) = cutoff else {
            return Ok((locked.clone(), false));
        };
        let entries = self.index.versions(name)?;
        let best = entries
            .iter()
            .filter(|e| same_compat_range(&e.version, locked) && &e.version <= locked)
            .filter(|e| e.version.pre.is_empty() || !locked.pre.is_empty())
            .filter(|e| e.pubtime.as_deref().is_some_and(|t| t <= cutoff))
            .max_by(|a, b| a.version.cmp(&b.version));
        Ok(best
            .map(|e| (e.version.clone(), e.yanked))
            .unwrap_or_else(|| (locked.clone(), false)))
    }

    fn cargo(&self, dir: &Path, args: &[&str], id: &EngineId) -> Result<()> {
        let output = cargo_command()
            .args(args)
            .arg("--manifest-path")
            .arg(dir.join("Cargo.toml"))
            .stdin(Stdio::null())
            .output()
            .with_context(|| format!("{id}: running cargo {}", args.join(" ")))?;
        if !output.status.success() {
            bail!(
                "{id}: cargo {} failed:\n{}",
                args.join(" "),
                String::from_utf8_lossy(&output.stderr).trim_end()
            );
        }
        Ok(())
    }

    fn cargo_build(&self, dir: &Path, id: &EngineId, units: usize) -> Result<()> {
        let bar = crate::progress::build_bar(self.progress, id, units as u64);
        let mut child = cargo_command()
            .args([
                "build",
                "--release",
                "--message-format",
                "json-render-diagnostics",
            ])
            .arg("--manifest-path")
            .arg(dir.join("Cargo.toml"))
            .arg("--target-dir")
            .arg(self.cache.join("target"))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .with_context(|| format!("{id}: starting cargo build"))?;
        let stderr = child.stderr.take().expect("piped");
        let stderr_reader = std::thread::spawn(move || {
            let mut text = String::new();
            for line in BufReader::new(stderr).lines().map_while(|l| l.ok()) {
                text.push_str(&line);
                text.push('\n');
            }
            text
        });
        let stdout = child.stdout.take().expect("piped");
        for line in BufReader::new(stdout).lines().map_while(|l| l.ok()) {
            let Ok(msg) = serde_json::from_str::<serde_json::Value>(&line) else {
                continue;
            };
            if msg.get("reason").and_then(|r| r.as_str()) == Some("compiler-artifact") {
                let name = msg
                    .get("target")
                    .and_then(|t| t.get("name"))
                    .and_then(|n| n.as_str())
                    .unwrap_or("?");
                bar.set_message(name.to_string());
                bar.inc(1);
            }
        }
        let status = child.wait()?;
        let stderr = stderr_reader.join().unwrap_or_default();
        bar.finish_and_clear();
        if !status.success() {
            let tail: Vec<&str> = stderr.lines().rev().take(40).collect();
            let tail: Vec<&str> = tail.into_iter().rev().collect();
            bail!("{id}: the adapter does not build:\n{}", tail.join("\n"));
        }
        Ok(())
    }
}

fn cargo_command() -> Command {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut cmd = Command::new(cargo);
    // The outer cargo (e.g. `cargo test`) exports variables that must not leak
    // into the adapter build.
    for var in [
        "CARGO_TARGET_DIR",
        "RUSTFLAGS",
        "CARGO_ENCODED_RUSTFLAGS",
        "CARGO_BUILD_TARGET",
    ] {
        cmd.env_remove(var);
    }
    cmd
}

fn rustc_version() -> Result<String> {
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let out = Command::new(rustc)
        .arg("--version")
        .output()
        .context("running rustc --version")?;
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

fn check_rust_version(entry: &crate::index::IndexEntry, rustc: &str) -> Result<()> {
    let Some(have) = crate::index::rustc_semver(rustc) else {
        return Ok(());
    };
    if let Some(needed) = entry.needs_rustc_newer_than(&have) {
        bail!(
            "{} {} needs rustc {needed} or newer; this machine has {rustc}",
            entry.name,
            entry.version
        );
    }
    Ok(())
}

/// Whether `a` and `b` are semver-compatible (cargo's caret rule).
fn same_compat_range(a: &semver::Version, b: &semver::Version) -> bool {
    if a.major != b.major {
        return false;
    }
    if a.major > 0 {
        return true;
    }
    if a.minor != b.minor {
        return false;
    }
    a.minor > 0 || a.patch == b.patch
}

/// Registry packages in a lock file: name -> versions.
fn locked_registry_packages(lock: &Path) -> Result<BTreeMap<String, BTreeSet<semver::Version>>> {
    #[derive(Deserialize)]
    struct Lock {
        #[serde(default)]
        package: Vec<Package>,
    }
    #[derive(Deserialize)]
    struct Package {
        name: String,
        version: semver::Version,
        source: Option<String>,
    }
    let text =
        std::fs::read_to_string(lock).with_context(|| format!("reading {}", lock.display()))?;
    let lock: Lock =
        toml::from_str(&text).map_err(|e| anyhow::anyhow!("{}: {e}", lock.display()))?;
    let mut out: BTreeMap<String, BTreeSet<semver::Version>> = BTreeMap::new();
    for p in lock.package {
        if p.source
            .as_deref()
            .is_some_and(|s| s.starts_with("registry+") || s.starts_with("sparse+"))
        {
            out.entry(p.name).or_default().insert(p.version);
        }
    }
    Ok(out)
}

/// What `finish_build` needs.
struct Finish<'a> {
    manifest: &'a AdapterManifest,
    id: &'a EngineId,
    key: &'a str,
    build_dir: &'a Path,
    out: &'a Path,
    features: Vec<String>,
    engine_crates: Vec<ResolvedCrate>,
    crates: usize,
    started: Instant,
}

/// A crate's `Cargo.toml`: its path, the parsed document (which has a
/// `[package]` table) and the package name; errors name the file.
fn read_package(dir: &Path, what: &str) -> Result<(PathBuf, toml::Table, String)> {
    let path = dir.join("Cargo.toml");
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("reading {what} {}", path.display()))?;
    let doc: toml::Table =
        toml::from_str(&text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    let name = doc
        .get("package")
        .and_then(|p| p.as_table())
        .with_context(|| format!("{}: no [package]", path.display()))?
        .get("name")
        .and_then(|n| n.as_str())
        .with_context(|| format!("{}: no package.name", path.display()))?
        .to_string();
    Ok((path, doc, name))
}

/// The engine crate of a local checkout.
struct LocalCrate {
    name: String,
    version: semver::Version,
    features: std::collections::BTreeSet<String>,
}

impl LocalCrate {
    fn read(dir: &Path) -> Result<LocalCrate> {
        let (path, doc, name) = read_package(dir, "the engine crate's manifest")?;
        let package = doc["package"].as_table().expect("checked by read_package");
        let version = match package.get("version") {
            Some(toml::Value::String(v)) => v.clone(),
            // `version.workspace = true`: the workspace root above says.
            Some(toml::Value::Table(t))
                if t.get("workspace").and_then(|w| w.as_bool()) == Some(true) =>
            {
                workspace_version(dir)?
            }
            _ => bail!("{}: no package version", path.display()),
        };
        let version = version
            .parse()
            .with_context(|| format!("{}: version {version:?}", path.display()))?;
        let features = doc
            .get("features")
            .and_then(|f| f.as_table())
            .map(|t| t.keys().cloned().collect())
            .unwrap_or_default();
        Ok(LocalCrate {
            name,
            version,
            features,
        })
    }
}

/// `[workspace.package] version` of the nearest workspace root above `dir`.
fn workspace_version(dir: &Path) -> Result<String> {
    for parent in dir.ancestors().skip(1) {
        let Ok(text) = std::fs::read_to_string(parent.join("Cargo.toml")) else {
            continue;
        };
        let Ok(doc) = toml::from_str::<toml::Table>(&text) else {
            continue;
        };
        if let Some(v) = doc
            .get("workspace")
            .and_then(|w| w.get("package"))
            .and_then(|p| p.get("version"))
            .and_then(|v| v.as_str())
        {
            return Ok(v.to_string());
        }
    }
    bail!(
        "{}: the version comes from a workspace, but no workspace root above says it",
        dir.display()
    )
}

/// A fingerprint of a local checkout's state: git's HEAD and uncommitted
/// changes (of the whole repository) where it is a git checkout, else the
/// sizes and times of the crate's manifest, build script and `src/` files.
fn local_state(dir: &Path) -> String {
    let git = |args: &[&str]| {
        std::process::Command::new("git")
            .arg("-C")
            .arg(dir)
            .args(args)
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
    };
    if let (Some(head), Some(diff)) = (git(&["rev-parse", "HEAD"]), git(&["diff", "HEAD"])) {
        return format!("git {head} {diff}");
    }
    let mut files: Vec<PathBuf> = ["Cargo.toml", "build.rs"]
        .iter()
        .map(|f| dir.join(f))
        .filter(|f| f.is_file())
        .collect();
    let _ = collect_files(&dir.join("src"), &mut files);
    files.sort();
    let mut state = String::new();
    for f in files {
        if let Ok(m) = std::fs::metadata(&f) {
            let modified = m
                .modified()
                .ok()
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map(|d| d.as_nanos())
                .unwrap_or(0);
            state.push_str(&format!("{} {} {modified}\n", f.display(), m.len()));
        }
    }
    state
}

fn generated_manifest(
    adapter: &AdapterManifest,
    version: &semver::Version,
    yanked: bool,
    features: &[String],
    engine_path: Option<&Path>,
) -> Result<String> {
    let abs = |p: &Path| p.display().to_string();
    let mut package = toml::Table::new();
    package.insert("name".into(), adapter.package.clone().into());
    package.insert("version".into(), version.to_string().into());
    package.insert("edition".into(), adapter.edition.clone().into());
    package.insert("publish".into(), false.into());
    package.insert("autobins".into(), false.into());
    let build_rs = adapter.dir.join("build.rs");
    if build_rs.is_file() {
        package.insert("build".into(), abs(&build_rs).into());
    }
    let mut bin = toml::Table::new();
    bin.insert("name".into(), adapter.package.clone().into());
    bin.insert(
        "path".into(),
        abs(&adapter.dir.join("src").join("main.rs")).into(),
    );

    let mut deps = toml::Table::new();
    for (name, spec) in &adapter.dependencies {
        let mut spec = match spec {
            toml::Value::String(v) => {
                let mut t = toml::Table::new();
                t.insert("version".into(), v.clone().into());
                t
            }
            toml::Value::Table(t) => t.clone(),
            other => bail!("dependency `{name}` has an unexpected form: {other}"),
        };
        if name == &adapter.engine_crate {
            let req = if yanked {
                format!("^{version}")
            } else {
                format!("={version}")
            };
            match engine_path {
                Some(path) => {
                    spec.remove("version");
                    spec.insert("path".into(), abs(path).into());
                }
                None => {
                    spec.insert("version".into(), req.into());
                }
            }
            spec.insert("default-features".into(), false.into());
            spec.insert(
                "features".into(),
                toml::Value::Array(features.iter().map(|f| f.clone().into()).collect()),
            );
        }
        if adapter.lockstep.contains(name) {
            spec.insert("version".into(), format!("={version}").into());
        }
        if let Some(path) = spec.get("path").and_then(|p| p.as_str()) {
            let p = adapter.dir.join(path);
            let p = std::fs::canonicalize(&p).unwrap_or(p);
            spec.insert("path".into(), abs(&p).into());
        }
        deps.insert(name.clone(), spec.into());
    }
    let mut release = toml::Table::new();
    release.insert("debug".into(), false.into());
    let mut profile = toml::Table::new();
    profile.insert("release".into(), release.into());

    let mut doc = toml::Table::new();
    doc.insert("package".into(), package.into());
    doc.insert("bin".into(), toml::Value::Array(vec![bin.into()]));
    doc.insert("profile".into(), profile.into());
    doc.insert("workspace".into(), toml::Table::new().into());
    // Dependencies are written one inline table per line, the way people write
    // them, so an adapter's build script can read its engine's features with a
    // line-based look.
    let mut dep_lines = String::from("\n[dependencies]\n");
    for (name, spec) in &deps {
        dep_lines.push_str(&format!("{name} = {spec}\n"));
    }
    let header = "# Generated by wasm-compat for one engine version; edits are overwritten.\n";
    Ok(format!("{header}{}{dep_lines}", toml::to_string(&doc)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> semver::Version {
        s.parse().unwrap()
    }

    #[test]
    fn compat_ranges_follow_cargo_caret_rules() {
        assert!(same_compat_range(&v("1.2.3"), &v("1.9.0")));
        assert!(!same_compat_range(&v("1.2.3"), &v("2.0.0")));
        assert!(same_compat_range(&v("0.13.0"), &v("0.13.5")));
        assert!(!same_compat_range(&v("0.13.0"), &v("0.14.0")));
        assert!(!same_compat_range(&v("0.0.1"), &v("0.0.2")));
    }

    /// A builder that reads only the index files written into `dir`.
    fn offline_builder(dir: &Path) -> Builder {
        Builder {
            cache: dir.to_path_buf(),
            index: Index::offline(dir),
            progress: false,
            serial: Mutex::new(()),
            rustc: "rustc 1.95.0".into(),
        }
    }

    fn recorded_index(dir: &Path) {
        let line = |vers: &str, t: &str| {
            format!(
                r#"{{"name":"engine_core","vers":"{vers}","deps":[],"cksum":"","features":{{}},"yanked":false,"pubtime":"{t}"}}"#
            )
        };
        let text = [
            line("0.13.0", "2023-07-31T12:15:17Z"),
            line("0.13.1", "2023-09-01T00:00:00Z"),
            line("0.13.2", "2024-06-01T00:00:00Z"),
            line("0.14.0", "2023-12-17T14:12:59Z"),
        ]
        .join("\n");
        std::fs::write(dir.join("engine_core.jsonl"), text).unwrap();
    }

    #[test]
    fn sibling_crates_are_pinned_to_what_existed_at_release() {
        let dir = tempfile::tempdir().unwrap();
        recorded_index(dir.path());
        let builder = offline_builder(dir.path());
        // Cargo alone locks 0.13.2 (newest compatible); the engine shipped on 2024-01-24.
        let got = builder
            .release_version("engine_core", &v("0.13.2"), Some("2024-01-24T20:42:14Z"))
            .unwrap();
        assert_eq!(got, (v("0.13.1"), false));
        // A release published before any later patch keeps the first one.
        let got = builder
            .release_version("engine_core", &v("0.13.2"), Some("2023-08-01T00:00:00Z"))
            .unwrap();
        assert_eq!(got, (v("0.13.0"), false));
    }

    #[test]
    fn generated_manifest_pins_the_engine_exactly() {
        let dir = tempfile::tempdir().unwrap();
        let adapter = AdapterManifest {
            dir: dir.path().to_path_buf(),
            package: "wasm-compat-adapter-demo".into(),
            edition: "2021".into(),
            engine_crate: "demo".into(),
            release_crates: vec![glob::Pattern::new("demo*").unwrap()],
            features: vec!["std".into()],
            supported: semver::VersionReq::parse(">=1.0.0").unwrap(),
            lockstep: vec!["demo-api".into()],
            dependencies: toml::from_str(
                "demo = { version = \"=1.0.0\", default-features = false }\nproto = { path = \"../protocol\" }\ndemo-api = \">=1.0.0\"",
            )
            .unwrap(),
        };
        let text = generated_manifest(&adapter, &v("1.2.0"), false, &["std".into()], None).unwrap();
        let doc: toml::Table = toml::from_str(&text).unwrap();
        assert_eq!(doc["package"]["version"].as_str(), Some("1.2.0"));
        assert_eq!(
            doc["dependencies"]["demo"]["version"].as_str(),
            Some("=1.2.0")
        );
        assert!(doc["dependencies"]["proto"]["path"]
            .as_str()
            .unwrap()
            .ends_with("protocol"));
        assert!(adapter.is_release_crate("demo_core") && !adapter.is_release_crate("serde"));
        // A yanked release is required loosely, then locked precisely.
        let text = generated_manifest(&adapter, &v("1.2.0"), true, &[], None).unwrap();
        let doc: toml::Table = toml::from_str(&text).unwrap();
        assert_eq!(
            doc["dependencies"]["demo"]["version"].as_str(),
            Some("^1.2.0")
        );
    }

    #[test]
    fn a_sweep_takes_the_newest_release_of_each_supported_line() {
        let dir = tempfile::tempdir().unwrap();
        let adapter = dir.path().join("adapter");
        std::fs::create_dir_all(&adapter).unwrap();
        std::fs::write(
            adapter.join("Cargo.toml"),
            "[package]\nname = \"wasm-compat-adapter-demo\"\nversion = \"2.0.0\"\n\
             [package.metadata.wasm-compat]\nengine-crate = \"demo\"\nsupported = \">=0.9.0, <3.0.0\"\n\
             release-crates = [\"demo*\"]\n[dependencies]\ndemo = \"=2.0.0\"\n",
        )
        .unwrap();
        let line = |v: &str, yanked: bool| {
            format!(
                r#"{{"name":"demo","vers":"{v}","deps":[],"cksum":"","features":{{}},"yanked":{yanked}}}"#
            )
        };
        let index = [
            line("0.8.0", false),
            line("0.9.0", false),
            line("0.9.1", false),
            line("1.0.0", false),
            line("1.2.0", false),
            line("1.3.0", true),
            line("2.0.0-beta.1", false),
            line("2.0.0", false),
            line("3.0.0", false),
        ]
        .join("\n");
        std::fs::write(dir.path().join("demo.jsonl"), index).unwrap();
        let builder = offline_builder(dir.path());
        assert_eq!(
            builder
                .release_lines(&adapter)
                .unwrap()
                .iter()
                .map(|v| v.to_string())
                .collect::<Vec<_>>(),
            vec!["0.9.1", "1.2.0", "2.0.0"]
        );
        let err = builder
            .crate_adapter(&"demo@3.0.0".parse().unwrap(), &adapter)
            .unwrap_err();
        assert!(
            err.to_string()
                .contains("supports demo versions >=0.9.0, <3.0.0 only"),
            "{err}"
        );
    }

    #[test]
    fn rust_version_gate_names_both_versions() {
        let entry: crate::index::IndexEntry = serde_json::from_str(
            r#"{"name":"wasmtime","vers":"50.0.0","rust_version":"1.97.0","features":{}}"#,
        )
        .unwrap();
        let err = check_rust_version(&entry, "rustc 1.95.0 (59807616e 2026-04-14)").unwrap_err();
        assert!(err.to_string().contains("needs rustc 1.97.0"), "{err}");
        assert!(check_rust_version(&entry, "rustc 1.97.1 (x)").is_ok());
    }
}
