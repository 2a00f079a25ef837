//! The cargo side of building a Rust adapter crate, shared by the crate
//! registry and local checkout sources: the adapter's manifest and its
//! `[package.metadata.wasm-compat]`, the generated package, `cargo` runs with a
//! progress bar, and moving a finished build into the cache.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use anyhow::{bail, Context, Result};
use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::{collect_files, BuildProfile, BuildRecord, Builder, BuiltAdapter, ResolvedCrate};
use crate::engine_id::EngineId;

/// The `[package.metadata.wasm-compat]` of an adapter crate, plus what the builder
/// needs from the rest of its manifest.
#[derive(Debug, Clone)]
pub(super) struct AdapterManifest {
    pub(super) dir: PathBuf,
    pub(super) package: String,
    pub(super) edition: String,
    pub(super) engine_crate: String,
    pub(super) release_crates: Vec<glob::Pattern>,
    pub(super) features: Vec<String>,
    pub(super) supported: semver::VersionReq,
    pub(super) lockstep: Vec<String>,
    pub(super) dependencies: toml::Table,
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
    pub(super) fn load(dir: &Path) -> Result<AdapterManifest> {
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

    pub(super) fn is_release_crate(&self, name: &str) -> bool {
        self.release_crates.iter().any(|p| p.matches(name))
    }

    /// The files whose content decides the build: the adapter crate and the protocol crate.
    pub(super) fn source_files(&self) -> Result<Vec<PathBuf>> {
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

/// What `finish_build` needs.
pub(super) struct Finish<'a> {
    pub(super) manifest: &'a AdapterManifest,
    pub(super) id: &'a EngineId,
    pub(super) key: &'a str,
    pub(super) build_dir: &'a Path,
    pub(super) out: &'a Path,
    pub(super) features: Vec<String>,
    pub(super) engine_crates: Vec<ResolvedCrate>,
    pub(super) crates: usize,
    pub(super) started: Instant,
}

/// A crate's `Cargo.toml`: its path, the parsed document (which has a
/// `[package]` table) and the package name; errors name the file.
pub(super) fn read_package(dir: &Path, what: &str) -> Result<(PathBuf, toml::Table, String)> {
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

/// Registry packages in a lock file: name -> versions.
pub(super) fn locked_registry_packages(
    lock: &Path,
) -> Result<BTreeMap<String, BTreeSet<semver::Version>>> {
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

/// The cache key of a build of `id` from the adapter sources of `manifest`
/// (and the protocol crate beside them) with this toolchain.
pub(super) fn source_key(b: &Builder, manifest: &AdapterManifest, id: &EngineId) -> Result<String> {
    source_key_with(b, manifest, id, b.profile())
}

/// The cache key of a build of `id` compiled with `profile`.
pub(super) fn source_key_with(
    b: &Builder,
    manifest: &AdapterManifest,
    id: &EngineId,
    profile: BuildProfile,
) -> Result<String> {
    let mut hasher = Sha256::new();
    hasher.update(b"wasm-compat adapter build v1\0");
    hasher.update(id.to_string().as_bytes());
    hasher.update(b"\0");
    hasher.update(b.rustc()?.as_bytes());
    if profile != BuildProfile::Release {
        // Release keys stay what they were before profiles existed.
        hasher.update(format!("\0profile {profile}").as_bytes());
    }
    for file in manifest.source_files()? {
        let rel = file.strip_prefix(&manifest.dir).unwrap_or(&file);
        hasher.update(rel.to_string_lossy().as_bytes());
        hasher.update(b"\0");
        hasher.update(std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?);
        hasher.update(b"\0");
    }
    let digest = hasher.finalize();
    Ok(super::short_key(&digest))
}

/// `cargo`, without what an outer cargo exports that must not leak into
/// the adapter build.
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

/// Run `cargo ARGS` on the generated package in `dir`.
pub(super) fn cargo(dir: &Path, args: &[&str], id: &EngineId) -> Result<()> {
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

/// `cargo build --release` of the package in `dir`, into the shared target
/// folder, with a progress bar over its `units` crates.
fn cargo_build(b: &Builder, dir: &Path, id: &EngineId, units: usize) -> Result<()> {
    let bar = b.build_bar(id, units as u64, "crates");
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
        .arg(b.cache.join("target"))
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

/// Build the generated package in `f.build_dir` and move the binary, its
/// `build.json` and `Cargo.lock` into the cache, atomically.
pub(super) fn finish_build(b: &Builder, f: Finish<'_>) -> Result<BuiltAdapter> {
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
    cargo_build(b, build_dir, id, crates)?;
    let built = b
        .cache
        .join("target")
        .join("release")
        .join(&manifest.package);
    let staging = b.staging()?;
    std::fs::copy(&built, staging.path().join(&manifest.package))
        .with_context(|| format!("copying {}", built.display()))?;
    let record = BuildRecord {
        engine: id.engine.clone(),
        version: id.version.to_string(),
        key: key.to_string(),
        toolchain: b.rustc()?.to_string(),
        features,
        engine_crates,
        build_secs: (started.elapsed().as_secs_f64() * 10.0).round() / 10.0,
        program_sha256: None,
        profile: b.profile(),
    };
    std::fs::copy(
        build_dir.join("Cargo.lock"),
        staging.path().join("Cargo.lock"),
    )?;
    b.install(staging, &manifest.package, record, out)?;
    b.load_cached(id, &manifest.package, out)
        .with_context(|| format!("{id}: build finished but {} is incomplete", out.display()))
}

/// Make `build_dir`'s generated package a [`BuildProfile::Probe`] build:
/// `[profile.release.package.NAME] opt-level = 0` for each of `crates`
/// (the engine's own, as resolved), the rest left as in a release build.
pub(super) fn unoptimise<'a>(
    build_dir: &Path,
    crates: impl IntoIterator<Item = &'a str>,
) -> Result<()> {
    let path = build_dir.join("Cargo.toml");
    // Appended, not re-serialised: the rest of the file keeps the layout an
    // adapter's build script reads.
    let mut text =
        std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    for name in crates {
        let key = toml::Value::String(name.to_string());
        text.push_str(&format!(
            "\n[profile.release.package.{key}]\nopt-level = 0\n"
        ));
    }
    toml::from_str::<toml::Table>(&text)
        .with_context(|| format!("{}: not TOML with the probe's profile", path.display()))?;
    crate::fsutil::write_atomic(&path, text.as_bytes())
}

/// The generated package of an adapter build: the adapter crate's sources,
/// the engine at `version` exactly (or from `engine_path`), package version
/// `version` (the adapter's `build.rs` derives its API cfgs from it).
pub(super) fn generated_manifest(
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
        let release = &doc["profile"]["release"];
        assert_eq!(
            release.get("opt-level"),
            None,
            "release keeps cargo's opt-level 3"
        );
        // A probe build unoptimises the engine's own crates and no others.
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("Cargo.toml"), &text).unwrap();
        unoptimise(dir.path(), ["demo", "demo_core"]).unwrap();
        let after = std::fs::read_to_string(dir.path().join("Cargo.toml")).unwrap();
        assert!(after.starts_with(&text), "the generated layout stays");
        let probe: toml::Table = toml::from_str(&after).unwrap();
        let release = &probe["profile"]["release"];
        assert_eq!(release.get("opt-level"), None);
        assert_eq!(release["debug"].as_bool(), Some(false));
        for name in ["demo", "demo_core"] {
            assert_eq!(release["package"][name]["opt-level"].as_integer(), Some(0));
        }
        assert_eq!(release["package"].as_table().unwrap().len(), 2);
        assert_eq!(probe["dependencies"], doc["dependencies"]);
        // A yanked release is required loosely, then locked precisely.
        let text = generated_manifest(&adapter, &v("1.2.0"), true, &[], None).unwrap();
        let doc: toml::Table = toml::from_str(&text).unwrap();
        assert_eq!(
            doc["dependencies"]["demo"]["version"].as_str(),
            Some("^1.2.0")
        );
    }
}
