//! The Rust crate source: an adapter crate built once per version against the
//! engine crate published on the crate registry, faithfully to that release.
//!
//! For `engine@X.Y.Z` the generated package requires the engine crate
//! `=X.Y.Z` and has package version `X.Y.Z`. Cargo alone would resolve the
//! engine's sibling crates (`wasmi_core`, `cranelift-*`, `wasmparser`, ...) to
//! their newest compatible release, which the engine release never shipped
//! with; so every crate matching the adapter's `release-crates` is pinned to
//! the newest version published no later than the engine release (publish
//! times come from the registry index). A yanked release is required loosely
//! and locked with `cargo update --precise`. The resolved engine crates are
//! recorded in `build.json`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::time::Instant;

use anyhow::{bail, Context, Result};

use super::cargo::{
    cargo, finish_build, generated_manifest, locked_registry_packages, source_key, source_key_with,
    unoptimise, AdapterManifest, Finish,
};
use super::index::IndexEntry;
use super::{
    supported_release, BuildProfile, Builder, BuiltAdapter, EngineSource, Published, Release,
    ResolvedCrate,
};
use crate::engine_id::EngineId;

/// An adapter crate in `dir` over an engine crate from the crate registry.
pub struct RustCrate<'a> {
    /// The adapter crate's folder.
    pub dir: &'a Path,
}

impl EngineSource for RustCrate<'_> {
    fn describe(&self) -> String {
        match AdapterManifest::load(self.dir) {
            Ok(m) => format!("Rust crate {}", m.engine_crate),
            Err(_) => format!("the adapter crate in {}", self.dir.display()),
        }
    }

    fn published(&self, builder: &Builder) -> Result<Published> {
        let manifest = AdapterManifest::load(self.dir)?;
        let rustc = super::index::rustc_semver(builder.rustc()?);
        let entries = builder.index().versions(&manifest.engine_crate)?;
        Ok(Published {
            releases: releases(entries, rustc.as_ref()),
            supported: manifest.supported,
            minor_lines: false,
        })
    }

    fn check(&self, builder: &Builder, id: &EngineId) -> Result<()> {
        let manifest = AdapterManifest::load(self.dir)?;
        let version = supported_release(id, &manifest.engine_crate, &manifest.supported)?;
        builder
            .index()
            .entry(&manifest.engine_crate, &version)
            .map(|_| ())
    }

    fn key(&self, builder: &Builder, id: &EngineId) -> Result<Option<String>> {
        let manifest = AdapterManifest::load(self.dir)?;
        source_key(builder, &manifest, id).map(Some)
    }

    fn adapter(&self, builder: &Builder, id: &EngineId) -> Result<BuiltAdapter> {
        let manifest = AdapterManifest::load(self.dir)?;
        if builder.profile() != BuildProfile::Release {
            // A release build already made serves a probe as well.
            let release = source_key_with(builder, &manifest, id, BuildProfile::Release)?;
            let out = builder.out_dir(id, &release);
            if let Some(found) = builder.load_cached(id, &manifest.package, &out) {
                return Ok(found);
            }
        }
        let key = source_key(builder, &manifest, id)?;
        let out = builder.out_dir(id, &key);
        if let Some(found) = builder.load_cached(id, &manifest.package, &out) {
            return Ok(found);
        }
        let _one_build_at_a_time = builder.build_lock(id)?;
        if let Some(found) = builder.load_cached(id, &manifest.package, &out) {
            return Ok(found);
        }
        build(builder, &manifest, id, &key, &out)
    }
}

/// The registry index's entries as releases: yanked ones withdrawn, those
/// whose `rust-version` is newer than `rustc` unbuildable here.
pub fn releases(entries: Vec<IndexEntry>, rustc: Option<&semver::Version>) -> Vec<Release> {
    entries
        .into_iter()
        .map(|e| Release {
            withdrawn: e.yanked.then(|| "yanked".to_string()),
            unbuildable: rustc.and_then(|have| {
                e.needs_rustc_newer_than(have)
                    .map(|needed| format!("needs rustc {needed}, this machine has {have}"))
            }),
            version: e.version,
        })
        .collect()
}

/// Generate, resolve, pin and build `id`'s adapter package; install it in `out`.
fn build(
    builder: &Builder,
    manifest: &AdapterManifest,
    id: &EngineId,
    key: &str,
    out: &Path,
) -> Result<BuiltAdapter> {
    let started = Instant::now();
    let version = supported_release(id, &manifest.engine_crate, &manifest.supported)?;
    let engine_entry = builder.index().entry(&manifest.engine_crate, &version)?;
    check_rust_version(&engine_entry, builder.rustc()?)?;
    let available = engine_entry.feature_names();
    let features: Vec<String> = manifest
        .features
        .iter()
        .filter(|f| available.contains(*f))
        .cloned()
        .collect();
    let build_dir = builder
        .cache
        .join("builds")
        .join(format!("{}-{}", id.engine, id.version));
    std::fs::create_dir_all(&build_dir)
        .with_context(|| format!("creating {}", build_dir.display()))?;
    let _ = std::fs::remove_file(build_dir.join("Cargo.lock"));
    // Resolve as cargo would on its own. Cargo never picks a yanked release by
    // itself but locks one on request: a yanked engine release is required as
    // `^X.Y.Z` and then set precisely.
    let text = generated_manifest(manifest, &version, engine_entry.yanked, &features, None)?;
    crate::fsutil::write_atomic(&build_dir.join("Cargo.toml"), text.as_bytes())?;
    cargo(&build_dir, &["generate-lockfile"], id)?;
    if engine_entry.yanked {
        let precise = version.to_string();
        let args = [
            "update",
            "-p",
            &manifest.engine_crate,
            "--precise",
            &precise,
        ];
        cargo(&build_dir, &args, id)?;
    }
    let moves = pin_release_crates(builder, manifest, &engine_entry, &build_dir, id)?;
    let resolved = locked_registry_packages(&build_dir.join("Cargo.lock"))?;
    let engine_crates = engine_crates(manifest, &resolved, &moves, id)?;
    if builder.profile() == BuildProfile::Probe {
        let own = engine_crates.iter().map(|c| c.name.as_str());
        unoptimise(&build_dir, own.chain([manifest.package.as_str()]))?;
    }
    finish_build(
        builder,
        Finish {
            manifest,
            id,
            key,
            build_dir: &build_dir,
            out,
            features,
            engine_crates,
            crates: resolved.values().map(|v| v.len()).sum(),
            started,
        },
    )
}

/// Crates moved back by pinning: (name, the version cargo locked) -> the pin.
type Moves = BTreeMap<(String, String), String>;

/// Pin the engine's own crates in `build_dir`'s lock file to what existed
/// when the engine release was published.
fn pin_release_crates(
    builder: &Builder,
    manifest: &AdapterManifest,
    engine: &IndexEntry,
    build_dir: &Path,
    id: &EngineId,
) -> Result<Moves> {
    let unpinned = locked_registry_packages(&build_dir.join("Cargo.lock"))?;
    let cutoff = engine.pubtime.as_deref();
    let mut moves = Moves::new();
    for (name, locked) in &unpinned {
        let fixed = name == &manifest.engine_crate || manifest.lockstep.contains(name);
        if fixed || !manifest.is_release_crate(name) {
            continue;
        }
        for locked in locked {
            let (chosen, _yanked) = release_version(builder, name, locked, cutoff)?;
            if &chosen != locked {
                moves.insert((name.clone(), locked.to_string()), chosen.to_string());
            }
        }
    }
    // `cargo update --precise` moves one crate at a time (yanked or not), and a
    // crate can only move back once the crates requiring its newer release
    // have: retry in rounds until nothing moves. Moving one crate may move
    // another with it (`dynasmrt` requires its exact `dynasm`): a crate the
    // lock file already holds at its pin, and no longer at the version cargo
    // chose, is done.
    let mut pending: Vec<_> = moves.iter().collect();
    while !pending.is_empty() {
        let mut last_error = None;
        let before = pending.len();
        let now = locked_registry_packages(&build_dir.join("Cargo.lock"))?;
        pending.retain(|((name, locked), pin)| {
            let holds = |v: &str| {
                now.get(name.as_str())
                    .is_some_and(|vs| vs.iter().any(|x| x.to_string() == v))
            };
            if holds(pin) && !holds(locked) {
                return false;
            }
            let spec = format!("{name}@{locked}");
            match cargo(build_dir, &["update", "-p", &spec, "--precise", pin], id) {
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
    Ok(moves)
}

/// The engine's crates as resolved, checked against the pins.
fn engine_crates(
    manifest: &AdapterManifest,
    resolved: &BTreeMap<String, BTreeSet<semver::Version>>,
    moves: &Moves,
    id: &EngineId,
) -> Result<Vec<ResolvedCrate>> {
    let would_pick: BTreeMap<&String, &String> = moves.keys().map(|(n, l)| (n, l)).collect();
    let pins: BTreeMap<&String, &String> = moves.iter().map(|((n, _), p)| (n, p)).collect();
    let mut out = Vec::new();
    for (name, versions) in resolved {
        if !manifest.is_release_crate(name) {
            continue;
        }
        for v in versions {
            if let Some(pin) = pins.get(name) {
                if **pin != v.to_string() {
                    bail!("{id}: `{name}` resolved to {v} although it was pinned to {pin}");
                }
            }
            out.push(ResolvedCrate {
                name: name.clone(),
                version: v.to_string(),
                unpinned: would_pick.get(name).map(|s| s.to_string()),
            });
        }
    }
    Ok(out)
}

/// The newest version of `name` in `locked`'s compatibility range that is not
/// newer than `locked` and was published no later than `cutoff` (yanked or
/// not: what was there when the engine shipped), and whether it is yanked now.
fn release_version(
    builder: &Builder,
    name: &str,
    locked: &semver::Version,
    cutoff: Option<&str>,
) -> Result<(semver::Version, bool)> {
    let Some(cutoff) = cutoff else {
        return Ok((locked.clone(), false));
    };
    let entries = builder.index().versions(name)?;
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

/// Refuse a release whose `rust-version` is newer than this machine's rustc.
fn check_rust_version(entry: &IndexEntry, rustc: &str) -> Result<()> {
    let Some(have) = super::index::rustc_semver(rustc) else {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::builder::offline_builder;

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
        let got = release_version(
            &builder,
            "engine_core",
            &v("0.13.2"),
            Some("2024-01-24T20:42:14Z"),
        )
        .unwrap();
        assert_eq!(got, (v("0.13.1"), false));
        // A release published before any later patch keeps the first one.
        let got = release_version(
            &builder,
            "engine_core",
            &v("0.13.2"),
            Some("2023-08-01T00:00:00Z"),
        )
        .unwrap();
        assert_eq!(got, (v("0.13.0"), false));
    }

    #[test]
    fn the_registry_lists_releases_and_the_supported_range_is_enforced() {
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
        let line = |v: &str, yanked: bool, rust: &str| {
            format!(
                r#"{{"name":"demo","vers":"{v}","deps":[],"cksum":"","features":{{}},"yanked":{yanked},"rust_version":"{rust}"}}"#
            )
        };
        let index = [
            line("0.9.1", false, "1.70"),
            line("1.3.0", true, "1.70"),
            line("2.0.0", false, "1.99"),
            line("3.0.0", false, "1.70"),
        ]
        .join("\n");
        std::fs::write(dir.path().join("demo.jsonl"), index).unwrap();
        let builder = offline_builder(dir.path());
        let source = RustCrate { dir: &adapter };
        let published = source.published(&builder).unwrap();
        let yanked = &published.releases[1];
        assert_eq!(yanked.withdrawn.as_deref(), Some("yanked"));
        let too_new = &published.releases[2];
        assert!(
            too_new
                .unbuildable
                .as_deref()
                .is_some_and(|w| w.contains("needs rustc 1.99")),
            "{too_new:?}"
        );
        let err = source
            .adapter(&builder, &"demo@3.0.0".parse().unwrap())
            .unwrap_err();
        assert!(
            err.to_string()
                .contains("supports demo versions >=0.9.0, <3.0.0 only"),
            "{err}"
        );
    }

    #[test]
    fn rust_version_gate_names_both_versions() {
        let entry: IndexEntry = serde_json::from_str(
            r#"{"name":"wasmtime","vers":"50.0.0","rust_version":"1.97.0","features":{}}"#,
        )
        .unwrap();
        let err = check_rust_version(&entry, "rustc 1.95.0 (59807616e 2026-04-14)").unwrap_err();
        assert!(err.to_string().contains("needs rustc 1.97.0"), "{err}");
        assert!(check_rust_version(&entry, "rustc 1.97.1 (x)").is_ok());
    }
}
