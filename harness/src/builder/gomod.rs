//! The Go module source: an adapter written in Go (a folder with `go.mod` and
//! `wasm-compat.toml`), built once per version against the engine module
//! exactly as the Go module proxy serves it.
//!
//! For `wazero@X.Y.Z` the builder copies the adapter's `.go` files into
//! `<cache>/builds/wazero-X.Y.Z/` beside a generated `go.mod` that requires the
//! engine module `vX.Y.Z`, resolves it with `go mod tidy`, checks with
//! `go list -m all` that exactly `vX.Y.Z` was used, and builds with `go build`.
//! The module cache and build cache live under the wasm-compat cache
//! (`go/mod`, `go/build`); `GOPROXY`, `GOFLAGS`, `GONOSUMDB` and the rest of
//! the user's Go environment are honoured as they are, and `GOTOOLCHAIN=local`
//! keeps the go command from fetching another toolchain.
//!
//! Every question to the proxy (`go list -m`) is bounded in time, and an
//! answer that says the proxy could not be reached (a refused or timed-out
//! connection, an unknown host) is [`Unreachable`], never "not published";
//! with module lookup off (`WASM_COMPAT_OFFLINE=1` sets `GOPROXY=off`) a
//! module missing from the module cache is [`Unavailable`]. A cached build
//! asks nothing (`Builder::check_version`).
//!
//! API differences across versions are build tags: a file that starts with
//! `//go:build !FOLDER_lt_X_Y` (FOLDER is the adapter folder's name) is
//! compiled from version X.Y on, and the builder passes `FOLDER_lt_X_Y` to
//! every older version.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use anyhow::{bail, Context, Result};
use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::registry::{self, Reply, Unreachable};
use super::{
    adapter_settings, cached_listing, collect_files, listed_releases, output_of, short_key,
    supported_release, tool_version, BuildRecord, Builder, BuiltAdapter, EngineSource, Listing,
    Published, Release, ResolvedCrate, Unavailable,
};
use crate::engine_id::EngineId;

/// The oldest Go toolchain any Go adapter is written for.
const GO_NEEDED: &str = "go 1.21 or newer";

/// A Go adapter in `dir` over an engine module from the Go module proxy.
pub struct GoModule<'a> {
    /// The adapter's folder.
    pub dir: &'a Path,
    /// Arguments the adapter runs with (one build serves every choice).
    pub args: &'a [String],
}

/// `wasm-compat.toml` of a Go adapter.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
struct Settings {
    /// The engine's module path, e.g. `github.com/tetratelabs/wazero`.
    engine_module: String,
    /// The versions the adapter source compiles against.
    supported: semver::VersionReq,
}

impl Settings {
    fn load(dir: &Path) -> Result<Settings> {
        adapter_settings(dir)
    }
}

impl EngineSource for GoModule<'_> {
    fn describe(&self) -> String {
        match Settings::load(self.dir) {
            Ok(s) => format!("Go module {}", s.engine_module),
            Err(_) => format!("the Go adapter in {}", self.dir.display()),
        }
    }

    fn published(&self, builder: &Builder) -> Result<Published> {
        let settings = Settings::load(self.dir)?;
        let go = go_version()?;
        let releases = list_versions(builder, &settings.engine_module, &go)?;
        Ok(Published {
            releases,
            supported: settings.supported,
            minor_lines: true,
        })
    }

    fn check(&self, builder: &Builder, id: &EngineId) -> Result<()> {
        let settings = Settings::load(self.dir)?;
        let version = supported_release(id, &settings.engine_module, &settings.supported)?;
        if go_version().is_err() {
            // Without the toolchain the engine is unavailable, not wrongly named.
            return Ok(());
        }
        let module = format!("{}@v{version}", settings.engine_module);
        match query(builder, &[], &module) {
            Ok(_) => Ok(()),
            Err(e) if registry::unavailable_reason(&e).is_some() => Err(e),
            Err(e) => Err(e.context(format!("{module} is not a published version"))),
        }
    }

    fn key(&self, _builder: &Builder, id: &EngineId) -> Result<Option<String>> {
        let go = go_version()?;
        let mut hasher = Sha256::new();
        hasher.update(b"wasm-compat go adapter build v1\0");
        hasher.update(id.to_string().as_bytes());
        hasher.update(b"\0");
        hasher.update(go.as_bytes());
        hasher.update(
            wasm_compat_protocol::PROTOCOL_VERSION
                .to_string()
                .as_bytes(),
        );
        for file in source_files(self.dir)? {
            let rel = file.strip_prefix(self.dir).unwrap_or(&file);
            hasher.update(rel.to_string_lossy().as_bytes());
            hasher.update(b"\0");
            hasher.update(
                std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?,
            );
        }
        Ok(Some(short_key(&hasher.finalize())))
    }

    fn adapter(&self, builder: &Builder, id: &EngineId) -> Result<BuiltAdapter> {
        let settings = Settings::load(self.dir)?;
        let key = self.key(builder, id)?.expect("a Go adapter is built");
        let program = program_name(self.dir);
        let out = builder.out_dir(id, &key);
        let with_args = |mut adapter: BuiltAdapter| {
            adapter.args = self.args.to_vec();
            adapter
        };
        if let Some(found) = builder.load_cached(id, &program, &out) {
            return Ok(with_args(found));
        }
        let _one_build_at_a_time = builder.build_lock(id)?;
        if let Some(found) = builder.load_cached(id, &program, &out) {
            return Ok(with_args(found));
        }
        let version = supported_release(id, &settings.engine_module, &settings.supported)?;
        self.build(builder, &settings, id, &version, &key)
            .map(with_args)
    }
}

impl GoModule<'_> {
    /// Generate, resolve, check and build the module of `id`; install it.
    fn build(
        &self,
        builder: &Builder,
        settings: &Settings,
        id: &EngineId,
        version: &semver::Version,
        key: &str,
    ) -> Result<BuiltAdapter> {
        let started = Instant::now();
        builder.still_reachable(KIND)?;
        let bar = builder.build_bar(id, 3, "steps");
        let dir = builder
            .cache
            .join("builds")
            .join(format!("{}-{}", id.engine, id.version));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        for file in source_files(self.dir)? {
            if file.extension().is_some_and(|e| e == "go") {
                let name = file.file_name().expect("a file has a name");
                std::fs::copy(&file, dir.join(name))
                    .with_context(|| format!("copying {}", file.display()))?;
            }
        }
        let module = module_path(self.dir)?;
        let go_mod = format!(
            "// Generated by wasm-compat for {id}; edits are overwritten.\nmodule {module}\n\ngo 1.21\n\nrequire {} v{version}\n",
            settings.engine_module
        );
        std::fs::write(dir.join("go.mod"), go_mod)?;
        bar.set_message("go mod tidy");
        go_fetching(builder, &dir, &["mod", "tidy"]).with_context(|| id.to_string())?;
        bar.inc(1);
        let modules = resolved_modules(builder, &dir, id)?;
        let engine = modules
            .iter()
            .find(|m| m.name == settings.engine_module)
            .with_context(|| format!("{id}: {} is not in the build", settings.engine_module))?;
        let resolved = engine.version.split_whitespace().next().unwrap_or("");
        if resolved != format!("v{version}") {
            bail!(
                "{id}: the build resolved {} {}, not v{version}",
                settings.engine_module,
                resolved
            );
        }
        bar.inc(1);
        bar.set_message("go build");
        let program = program_name(self.dir);
        let staging = builder.staging()?;
        let tags = build_tags(self.dir, &folder_name(self.dir), version)?;
        let output = staging.path().join(&program);
        let mut args = vec!["build".to_string(), "-trimpath".to_string()];
        if !tags.is_empty() {
            args.push(format!("-tags={}", tags.join(",")));
        }
        args.extend([
            "-o".to_string(),
            output.display().to_string(),
            ".".to_string(),
        ]);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        go(builder, &dir, &args).with_context(|| id.to_string())?;
        bar.inc(1);
        bar.finish_and_clear();
        let record = BuildRecord {
            engine: id.engine.clone(),
            version: id.version.to_string(),
            key: key.to_string(),
            toolchain: go_version()?,
            features: tags,
            engine_crates: modules,
            build_secs: (started.elapsed().as_secs_f64() * 10.0).round() / 10.0,
            program_sha256: None,
            profile: super::BuildProfile::Release,
        };
        std::fs::copy(dir.join("go.mod"), staging.path().join("go.mod"))?;
        let _ = std::fs::copy(dir.join("go.sum"), staging.path().join("go.sum"));
        let out = builder.out_dir(id, key);
        builder.install(staging, &program, record, &out)?;
        builder
            .load_cached(id, &program, &out)
            .with_context(|| format!("{id}: build finished but {} is incomplete", out.display()))
    }
}

/// The adapter folder's name (`wazero`): the prefix of its build tags.
fn folder_name(dir: &Path) -> String {
    dir.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "go".into())
}

/// The adapter's program name: `wasm-compat-adapter-FOLDER`.
fn program_name(dir: &Path) -> String {
    format!("wasm-compat-adapter-{}", folder_name(dir))
}

/// The files whose content decides a build: the adapter's Go sources (tests
/// left out), its `go.mod` and `wasm-compat.toml`.
fn source_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    collect_files(dir, &mut files)?;
    files.retain(|f| {
        let name = f
            .file_name()
            .map(|n| n.to_string_lossy())
            .unwrap_or_default();
        (name.ends_with(".go") && !name.ends_with("_test.go"))
            || name == "go.mod"
            || name == "wasm-compat.toml"
    });
    files.sort();
    Ok(files)
}

/// The `module` line of the adapter's own `go.mod`.
fn module_path(dir: &Path) -> Result<String> {
    let path = dir.join("go.mod");
    let text =
        std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    text.lines()
        .find_map(|l| l.trim().strip_prefix("module "))
        .map(|m| m.trim().to_string())
        .with_context(|| format!("{}: no module line", path.display()))
}

/// The build tags for `version`: `FAMILY_lt_X_Y` for every `X.Y` that a
/// source file in `dir` is conditioned on (`//go:build !FAMILY_lt_X_Y`) and
/// that `version` is older than.
fn build_tags(dir: &Path, family: &str, version: &semver::Version) -> Result<Vec<String>> {
    let prefix = format!("{family}_lt_");
    let mut tags = BTreeSet::new();
    for file in source_files(dir)? {
        let text = std::fs::read_to_string(&file)?;
        for word in text.split(|c: char| !(c.is_alphanumeric() || c == '_')) {
            let Some(rest) = word.strip_prefix(&prefix) else {
                continue;
            };
            let mut parts = rest.split('_').map(|p| p.parse::<u64>());
            if let (Some(Ok(major)), Some(Ok(minor))) = (parts.next(), parts.next()) {
                if *version < semver::Version::new(major, minor, 0) {
                    tags.insert(word.to_string());
                }
            }
        }
    }
    Ok(tags.into_iter().collect())
}

/// The `go` command with the cache folders under the wasm-compat cache.
fn go_command(builder: &Builder) -> Command {
    let mut cmd = Command::new("go");
    let go = builder.cache.join("go");
    if std::env::var_os("GOMODCACHE").is_none() {
        cmd.env("GOMODCACHE", go.join("mod"));
    }
    cmd.env("GOCACHE", go.join("build"));
    cmd.env("GOTOOLCHAIN", "local");
    cmd.env("GO111MODULE", "on");
    if super::index::offline() {
        cmd.env("GOPROXY", "off");
    }
    cmd.stdin(Stdio::null());
    cmd
}

/// Run `go ARGS` in `dir`; its standard output, or an error with what it said.
fn go(builder: &Builder, dir: &Path, args: &[&str]) -> Result<Vec<u8>> {
    output_of(
        go_command(builder).args(args).current_dir(dir),
        &format!("go {}", args.join(" ")),
    )
}

/// Run `go ARGS` in `dir` where it downloads modules: not bounded (a
/// download may be long), but a failure to reach the proxy is [`Unreachable`].
fn go_fetching(builder: &Builder, dir: &Path, args: &[&str]) -> Result<Vec<u8>> {
    let said = format!("go {}", args.join(" "));
    let out = go_command(builder)
        .args(args)
        .current_dir(dir)
        .output()
        .with_context(|| format!("running {said}"))?;
    if out.status.success() {
        return Ok(out.stdout);
    }
    let stderr = String::from_utf8_lossy(&out.stderr).trim_end().to_string();
    builder.ask(KIND, || Err(go_failure(builder, &said, &stderr)))
}

/// Every module of the build in `dir` (`go list -m all`), with its `go.sum` hash.
fn resolved_modules(builder: &Builder, dir: &Path, id: &EngineId) -> Result<Vec<ResolvedCrate>> {
    let listed = go(builder, dir, &["list", "-m", "all"]).with_context(|| id.to_string())?;
    let sums = std::fs::read_to_string(dir.join("go.sum")).unwrap_or_default();
    let mut out = Vec::new();
    for line in String::from_utf8_lossy(&listed).lines().skip(1) {
        let mut words = line.split_whitespace();
        let (Some(name), Some(version)) = (words.next(), words.next()) else {
            continue;
        };
        let hash = sums.lines().find_map(|l| {
            let mut w = l.split_whitespace();
            (w.next() == Some(name) && w.next() == Some(version)).then(|| w.next())?
        });
        out.push(ResolvedCrate {
            name: name.to_string(),
            version: match hash {
                Some(h) => format!("{version} {h}"),
                None => version.to_string(),
            },
            unpinned: None,
        });
    }
    Ok(out)
}

/// `go version`, or why the Go source cannot be used here.
fn go_version() -> Result<String> {
    tool_version(
        "go",
        "version",
        &format!("needs the Go toolchain, {GO_NEEDED}, on PATH"),
    )
}

/// What the proxy answers for a module query.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ModuleInfo {
    version: String,
    #[serde(default)]
    versions: Vec<String>,
    #[serde(default)]
    go_mod: Option<String>,
}

/// Every published version of `module`: the proxy's list, and every release
/// of each minor line asked for one by one (a proxy's list may be partial),
/// with the retractions of its newest `go.mod`. Kept on disk under
/// the cache; `WASM_COMPAT_OFFLINE=1` uses only that copy.
fn list_versions(builder: &Builder, module: &str, go: &str) -> Result<Vec<Release>> {
    let copy = builder
        .cache
        .join("index")
        .join("go")
        .join(format!("{}.json", module.replace('/', "%")));
    if super::index::offline() {
        return cached_listing(&copy)
            .map(|l| listed_releases(l, "retracted"))
            .map_err(|_| {
                Unavailable(format!(
                    "offline (WASM_COMPAT_OFFLINE=1), and no version list of {module} is cached"
                ))
                .into()
            });
    }
    let latest: ModuleInfo = query(
        builder,
        &["-versions", "-retracted"],
        &format!("{module}@latest"),
    )
    .with_context(|| format!("listing {module} from the Go module proxy ({go})"))?;
    let mut versions: BTreeSet<String> = latest.versions.iter().cloned().collect();
    versions.insert(latest.version.clone());
    if let Ok(newest) = semver::Version::parse(latest.version.trim_start_matches('v')) {
        versions.extend(probe_releases(builder, module, &newest, &versions)?);
    }
    let retracted = latest
        .go_mod
        .as_deref()
        .and_then(|p| std::fs::read_to_string(p).ok())
        .map(|text| retractions(&text))
        .unwrap_or_default();
    let listed: Listing = versions
        .into_iter()
        .map(|v| {
            let why = retracted
                .iter()
                .find(|(r, _)| *r == v)
                .map(|(_, w)| w.clone());
            (v, why)
        })
        .collect();
    crate::fsutil::write_atomic(&copy, &serde_json::to_vec(&listed)?)?;
    Ok(listed_releases(listed, "retracted"))
}

/// Releases of `module` up to `newest` that a proxy's (partial) list left
/// out, asked for by exact version: every patch of every minor line of the
/// newest major, until the first patch past the listed ones that is not there.
fn probe_releases(
    builder: &Builder,
    module: &str,
    newest: &semver::Version,
    listed: &BTreeSet<String>,
) -> Result<Vec<String>> {
    let mut found = Vec::new();
    for minor in 0..=newest.minor {
        let prefix = format!("v{}.{minor}.", newest.major);
        let listed_top = listed
            .iter()
            .filter_map(|v| v.strip_prefix(&prefix)?.parse::<u64>().ok())
            .max();
        for patch in 0.. {
            let v = format!("{prefix}{patch}");
            if listed.contains(&v) {
                continue;
            }
            match query(builder, &[], &format!("{module}@{v}")) {
                Ok(_) => found.push(v),
                // A proxy gone mid-listing: no partial list is kept.
                Err(e) if registry::unavailable_reason(&e).is_some() => return Err(e),
                Err(_) if listed_top.is_none_or(|top| patch > top) => break,
                Err(_) => {}
            }
        }
    }
    Ok(found)
}

/// The proxy in the builder's memory of unreachable registries.
const KIND: &str = "go";

/// `go list -m -json FLAGS QUERY`, bounded in time: the proxy's answer, or
/// [`Unreachable`] when it was not reached.
fn query(builder: &Builder, flags: &[&str], what: &str) -> Result<ModuleInfo> {
    let mut args = vec!["list", "-m", "-json"];
    args.extend(flags);
    args.push(what);
    let said = format!("go {}", args.join(" "));
    let mut cmd = go_command(builder);
    cmd.args(&args).current_dir(std::env::temp_dir());
    builder.ask(KIND, || match registry::bounded(&mut cmd, &said)? {
        Reply::Answered(answer) => {
            serde_json::from_slice(&answer).context("reading go list's answer")
        }
        Reply::Failed(stderr) => Err(go_failure(builder, &said, &stderr)),
        Reply::Silent => Err(Unreachable {
            registry: proxy_name(builder),
            detail: registry::silent(),
        }
        .into()),
    })
}

/// What the go command's failure `stderr` (of `said`) means: the proxy
/// unreachable, module lookup off, or an answer (not published, ...).
fn go_failure(builder: &Builder, said: &str, stderr: &str) -> anyhow::Error {
    const NETWORK: [&str; 9] = [
        "dial tcp",
        "connection refused",
        "i/o timeout",
        "no such host",
        "network is unreachable",
        "TLS handshake timeout",
        "connection reset",
        "server misbehaving",
        "Client.Timeout",
    ];
    let line = |marker: &str| stderr.lines().rev().find(|l| l.contains(marker));
    if let Some(line) = NETWORK.iter().find_map(|m| line(m)) {
        // `go: M@V: Get "URL": dial tcp ...: connection refused` -> what the client said.
        let detail = line.rsplit_once("\": ").map_or(line, |(_, d)| d);
        return Unreachable {
            registry: proxy_name(builder),
            detail: detail.trim().to_string(),
        }
        .into();
    }
    if let Some(line) = line("GOPROXY=off") {
        return Unavailable(format!(
            "not in the Go module cache, and module lookup is off (WASM_COMPAT_OFFLINE=1 or GOPROXY=off): {}",
            line.trim_start_matches("go: ")
        ))
        .into();
    }
    anyhow::anyhow!("{said} failed:\n{stderr}")
}

/// The proxy in words, with the address `go env GOPROXY` gives.
fn proxy_name(builder: &Builder) -> String {
    let proxy = go_command(builder)
        .args(["env", "GOPROXY"])
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .filter(|p| !p.is_empty())
        .unwrap_or_else(|| "GOPROXY".into());
    format!("the Go module proxy ({proxy})")
}

/// The single versions a `go.mod` retracts, with the comment that says why.
fn retractions(go_mod: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut in_block = false;
    for line in go_mod.lines() {
        let line = line.trim();
        let body = if in_block {
            if line.starts_with(')') {
                in_block = false;
                continue;
            }
            line
        } else if let Some(rest) = line.strip_prefix("retract") {
            let rest = rest.trim();
            if rest.starts_with('(') {
                in_block = true;
                continue;
            }
            rest
        } else {
            continue;
        };
        let (version, why) = match body.split_once("//") {
            Some((v, w)) => (v.trim(), w.trim()),
            None => (body.trim(), "retracted by its authors"),
        };
        if version.starts_with('v') && !version.contains(' ') {
            out.push((version.to_string(), why.to_string()));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn build_tags_follow_the_files_that_name_a_first_version() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("since_1_7.go"), "//go:build !demo_lt_1_7\n").unwrap();
        std::fs::write(
            dir.path().join("since_1_10.go"),
            "//go:build !demo_lt_1_10\n",
        )
        .unwrap();
        std::fs::write(dir.path().join("main.go"), "package main\n").unwrap();
        let tags = |v: &str| build_tags(dir.path(), "demo", &v.parse().unwrap()).unwrap();
        assert_eq!(tags("1.5.0"), ["demo_lt_1_10", "demo_lt_1_7"]);
        assert_eq!(tags("1.8.2"), ["demo_lt_1_10"]);
        assert!(tags("1.10.0").is_empty());
    }

    #[test]
    fn a_refused_proxy_is_unreachable_and_an_unknown_version_is_not() {
        let dir = tempfile::tempdir().unwrap();
        let builder = crate::builder::offline_builder(dir.path());
        let refused = "go: github.com/tetratelabs/wazero@v1.8.0: Get \"http://127.0.0.1:9/github.com/tetratelabs/wazero/@v/v1.8.0.info\": dial tcp 127.0.0.1:9: connect: connection refused";
        let err = go_failure(&builder, "go list -m", refused);
        let down = err.downcast_ref::<Unreachable>().expect("unreachable");
        assert_eq!(
            down.detail,
            "dial tcp 127.0.0.1:9: connect: connection refused"
        );
        assert!(down.registry.starts_with("the Go module proxy ("), "{down}");
        let unknown =
            "go: github.com/tetratelabs/wazero@v1.99.0: invalid version: unknown revision v1.99.0";
        let err = go_failure(&builder, "go list -m", unknown);
        assert!(registry::unavailable_reason(&err).is_none(), "{err}");
        let off = "go: github.com/tetratelabs/wazero@v1.8.0: module lookup disabled by GOPROXY=off";
        let err = go_failure(&builder, "go list -m", off);
        assert!(err.downcast_ref::<Unavailable>().is_some(), "{err}");
    }

    #[test]
    fn retractions_are_read_from_blocks_and_single_lines() {
        let go_mod = "module m\n\nretract (\n\tv1.0.0-beta.1 // beta tags replaced by pre\n\tv1.0.0-beta.2\n)\nretract v1.3.0 // broken release\n";
        assert_eq!(
            retractions(go_mod),
            [
                (
                    "v1.0.0-beta.1".to_string(),
                    "beta tags replaced by pre".to_string()
                ),
                (
                    "v1.0.0-beta.2".to_string(),
                    "retracted by its authors".to_string()
                ),
                ("v1.3.0".to_string(), "broken release".to_string()),
            ]
        );
    }
}
