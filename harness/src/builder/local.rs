//! The local checkout source: the adapter crate built against an engine crate
//! in a folder on this machine (`path` in matrix.toml, `engine@path:DIR` on
//! the command line). No pinning: the checkout's own state decides, and is
//! part of the cache key.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{bail, Context, Result};
use sha2::{Digest, Sha256};

use super::cargo::{
    cargo, finish_build, generated_manifest, locked_registry_packages, read_package, source_key,
    unoptimise, AdapterManifest, Finish,
};
use super::{collect_files, BuildProfile, Builder, BuiltAdapter, EngineSource, ResolvedCrate};
use crate::engine_id::EngineId;

/// An adapter crate in `dir` over the engine crate checked out in `engine`.
pub struct LocalCheckout<'a> {
    /// The adapter crate's folder.
    pub dir: &'a Path,
    /// The engine crate's folder in the checkout.
    pub engine: &'a Path,
}

impl EngineSource for LocalCheckout<'_> {
    fn describe(&self) -> String {
        format!("the local checkout {}", self.engine.display())
    }

    fn key(&self, builder: &Builder, id: &EngineId) -> Result<Option<String>> {
        let manifest = AdapterManifest::load(self.dir)?;
        let mut hasher = Sha256::new();
        hasher.update(source_key(builder, &manifest, id)?.as_bytes());
        hasher.update(self.engine.display().to_string().as_bytes());
        hasher.update(local_state(self.engine).as_bytes());
        let key = hasher
            .finalize()
            .iter()
            .take(8)
            .map(|b| format!("{b:02x}"))
            .collect();
        Ok(Some(key))
    }

    fn adapter(&self, builder: &Builder, id: &EngineId) -> Result<BuiltAdapter> {
        let manifest = AdapterManifest::load(self.dir)?;
        let local = LocalCrate::read(self.engine)?;
        if local.name != manifest.engine_crate {
            bail!(
                "{}: the crate there is `{}`, the {} adapter needs `{}`",
                self.engine.display(),
                local.name,
                id.engine,
                manifest.engine_crate
            );
        }
        let key = self.key(builder, id)?.expect("a checkout is built");
        let out = builder.out_dir(id, &key);
        if let Some(found) = builder.load_cached(id, &manifest.package, &out) {
            return Ok(found);
        }
        let _one_build_at_a_time = builder.build_lock(id)?;
        if let Some(found) = builder.load_cached(id, &manifest.package, &out) {
            return Ok(found);
        }
        self.build(builder, &manifest, &local, id, &key)
    }
}

impl LocalCheckout<'_> {
    /// Generate and build the adapter package over the checkout.
    fn build(
        &self,
        builder: &Builder,
        manifest: &AdapterManifest,
        local: &LocalCrate,
        id: &EngineId,
        key: &str,
    ) -> Result<BuiltAdapter> {
        let started = Instant::now();
        let features: Vec<String> = manifest
            .features
            .iter()
            .filter(|f| local.features.contains(*f))
            .cloned()
            .collect();
        let build_dir = builder
            .cache
            .join("builds")
            .join(format!("{}-local-{key}", id.engine));
        std::fs::create_dir_all(&build_dir)
            .with_context(|| format!("creating {}", build_dir.display()))?;
        let _ = std::fs::remove_file(build_dir.join("Cargo.lock"));
        let text = generated_manifest(
            manifest,
            &local.version,
            false,
            &features,
            Some(self.engine),
        )?;
        crate::fsutil::write_atomic(&build_dir.join("Cargo.toml"), text.as_bytes())?;
        cargo(&build_dir, &["generate-lockfile"], id)?;
        let resolved = locked_registry_packages(&build_dir.join("Cargo.lock"))?;
        let engine_crates = vec![ResolvedCrate {
            name: local.name.clone(),
            version: format!("{} (local: {})", local.version, self.engine.display()),
            unpinned: None,
        }];
        if builder.profile() == BuildProfile::Probe {
            let own = resolved.keys().filter(|n| manifest.is_release_crate(n));
            let adapter = [local.name.as_str(), manifest.package.as_str()];
            unoptimise(&build_dir, own.map(String::as_str).chain(adapter))?;
        }
        finish_build(
            builder,
            Finish {
                manifest,
                id,
                key,
                build_dir: &build_dir,
                out: &builder.out_dir(id, key),
                features,
                engine_crates,
                crates: resolved.values().map(|v| v.len()).sum(),
                started,
            },
        )
    }
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
