//! A small reader of the crates.io sparse index (the one cargo uses): published
//! versions of a crate, their publish time, yanked flag, `rust-version` and features.
//!
//! Index files are cached on disk under the wasm-compat cache; with
//! `WASM_COMPAT_OFFLINE=1`, or when the network fails, the cached copy is used.
//! `WASM_COMPAT_INDEX` names another sparse index root (a mirror; the tests
//! point it at a closed port). A fetch has a 5 s connect and a 5 s read
//! timeout; an index that cannot be reached, with no copy of the file, is
//! [`Unreachable`] (the versions it would provide are unavailable, not
//! unpublished) and is not asked again in the same process; offline with no
//! copy is [`Unavailable`].

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, SystemTime};

use anyhow::{bail, Context, Result};
use serde::Deserialize;

use super::{Unavailable, Unreachable};

/// The sparse index root cargo uses for crates.io.
pub const CRATES_IO_SPARSE: &str = "https://index.crates.io";

/// One published version of a crate, as the index describes it.
#[derive(Debug, Clone, Deserialize)]
pub struct IndexEntry {
    /// The crate name.
    pub name: String,
    /// The version.
    #[serde(rename = "vers")]
    pub version: semver::Version,
    /// Whether the version was yanked.
    #[serde(default)]
    pub yanked: bool,
    /// When it was published (RFC 3339), when the index says.
    #[serde(default)]
    pub pubtime: Option<String>,
    /// Its declared minimum Rust version.
    #[serde(default)]
    pub rust_version: Option<String>,
    #[serde(default)]
    features: std::collections::BTreeMap<String, Vec<String>>,
    #[serde(default)]
    features2: std::collections::BTreeMap<String, Vec<String>>,
}

/// Whether `WASM_COMPAT_OFFLINE` asks every registry listing to use only its
/// cached copy.
pub fn offline() -> bool {
    std::env::var_os("WASM_COMPAT_OFFLINE").is_some_and(|v| v != "0")
}

/// The version `rustc --version` prints (`rustc 1.95.0 (...)` -> 1.95.0).
pub fn rustc_semver(rustc: &str) -> Option<semver::Version> {
    let v = rustc.split_whitespace().nth(1)?;
    semver::Version::parse(v.split('-').next().unwrap_or(v)).ok()
}

impl IndexEntry {
    /// The declared `rust-version`, when it is newer than `have`.
    pub fn needs_rustc_newer_than(&self, have: &semver::Version) -> Option<&str> {
        let needed = self.rust_version.as_deref()?;
        let padded = match needed.matches('.').count() {
            0 => format!("{needed}.0.0"),
            1 => format!("{needed}.0"),
            _ => needed.to_string(),
        };
        let needed_v = semver::Version::parse(&padded).ok()?;
        (&needed_v > have).then_some(needed)
    }

    /// Every Cargo feature name the version declares.
    pub fn feature_names(&self) -> BTreeSet<String> {
        self.features
            .keys()
            .chain(self.features2.keys())
            .cloned()
            .collect()
    }
}

/// Reads crate metadata from the sparse index, with an on-disk cache.
#[derive(Debug, Clone)]
pub struct Index {
    root: String,
    cache_dir: PathBuf,
    offline: bool,
    max_age: Duration,
    /// Set when the index was found unreachable: it is not asked again.
    down: Arc<OnceLock<Unreachable>>,
}

impl Index {
    /// The crates.io index, cached under `cache_dir`.
    pub fn crates_io(cache_dir: &Path) -> Index {
        Index {
            root: std::env::var("WASM_COMPAT_INDEX")
                .unwrap_or_else(|_| CRATES_IO_SPARSE.to_string()),
            cache_dir: cache_dir.to_path_buf(),
            offline: offline(),
            max_age: Duration::from_secs(15 * 60),
            down: Arc::default(),
        }
    }

    /// An index read only from files already in `cache_dir` (tests, recorded indexes).
    pub fn offline(cache_dir: &Path) -> Index {
        Index {
            root: String::new(),
            cache_dir: cache_dir.to_path_buf(),
            offline: true,
            max_age: Duration::MAX,
            down: Arc::default(),
        }
    }

    /// All published versions of `name`, in index order.
    pub fn versions(&self, name: &str) -> Result<Vec<IndexEntry>> {
        let text = self.raw(name)?;
        let mut out = Vec::new();
        for (i, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let entry: IndexEntry = serde_json::from_str(line)
                .with_context(|| format!("index file for `{name}`, line {}", i + 1))?;
            out.push(entry);
        }
        Ok(out)
    }

    /// The entry of `name` at exactly `version`, or an error listing what exists.
    pub fn entry(&self, name: &str, version: &semver::Version) -> Result<IndexEntry> {
        let all = self.versions(name)?;
        if let Some(e) = all.iter().find(|e| &e.version == version) {
            return Ok(e.clone());
        }
        let newest: Vec<String> = all
            .iter()
            .rev()
            .filter(|e| !e.yanked && e.version.pre.is_empty())
            .take(5)
            .map(|e| e.version.to_string())
            .collect();
        bail!(
            "{name} {version} is not a published version of crate `{name}` (most recent: {})",
            newest.join(", ")
        )
    }

    fn cache_file(&self, name: &str) -> PathBuf {
        self.cache_dir
            .join(format!("{}.jsonl", name.to_ascii_lowercase()))
    }

    fn raw(&self, name: &str) -> Result<String> {
        let cached = self.cache_file(name);
        let fresh = std::fs::metadata(&cached)
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| SystemTime::now().duration_since(t).ok())
            .is_some_and(|age| age < self.max_age);
        if fresh || self.offline {
            return std::fs::read_to_string(&cached).map_err(|_| {
                Unavailable(format!(
                    "offline (WASM_COMPAT_OFFLINE=1), and no copy of the index entry for crate `{name}` is cached ({})",
                    cached.display()
                ))
                .into()
            });
        }
        let fetched = match self.down.get() {
            Some(down) => Err(down.clone().into()),
            None => self.fetch(name),
        };
        match fetched {
            Ok(text) => {
                crate::fsutil::write_atomic(&cached, text.as_bytes())?;
                Ok(text)
            }
            Err(err) => std::fs::read_to_string(&cached).map_err(|_| err),
        }
    }

    fn fetch(&self, name: &str) -> Result<String> {
        let url = format!("{}/{}", self.root, index_path(name));
        let agent = ureq::AgentBuilder::new()
            .timeout_connect(Duration::from_secs(5))
            .timeout_read(Duration::from_secs(5))
            .build();
        let response = agent.get(&url).call().map_err(|e| match e {
            ureq::Error::Status(404, _) => {
                anyhow::anyhow!("crate `{name}` does not exist on crates.io")
            }
            ureq::Error::Transport(t) => {
                let down = Unreachable {
                    registry: format!("the crate registry index ({})", self.root),
                    detail: t.to_string(),
                };
                self.down.get_or_init(|| down.clone());
                down.into()
            }
            other => anyhow::anyhow!("fetching {url}: {other}"),
        })?;
        response
            .into_string()
            .with_context(|| format!("reading {url}"))
    }
}

/// The path of a crate's file in a sparse index (`wa/sm/wasmtime`, `3/a/abc`, ...).
pub fn index_path(name: &str) -> String {
    let name = name.to_ascii_lowercase();
    match name.len() {
        1 => format!("1/{name}"),
        2 => format!("2/{name}"),
        3 => format!("3/{}/{name}", &name[..1]),
        _ => format!("{}/{}/{name}", &name[..2], &name[2..4]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_paths_follow_cargo() {
        assert_eq!(index_path("wasmtime"), "wa/sm/wasmtime");
        assert_eq!(index_path("a"), "1/a");
        assert_eq!(index_path("ab"), "2/ab");
        assert_eq!(index_path("abc"), "3/a/abc");
        assert_eq!(index_path("Wasmi_Core"), "wa/sm/wasmi_core");
    }

    #[test]
    fn offline_index_reads_recorded_files_and_names_missing_versions() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("demo.jsonl"),
            concat!(
                r#"{"name":"demo","vers":"1.0.0","deps":[],"cksum":"","features":{"a":[]},"yanked":false,"pubtime":"2024-01-01T00:00:00Z"}"#,
                "\n",
                r#"{"name":"demo","vers":"1.1.0","deps":[],"cksum":"","features":{},"features2":{"b":["dep:x"]},"yanked":true}"#,
                "\n"
            ),
        )
        .unwrap();
        let index = Index::offline(dir.path());
        let all = index.versions("demo").unwrap();
        assert_eq!(all.len(), 2);
        assert!(all[1].yanked);
        assert_eq!(
            all[1].feature_names().into_iter().collect::<Vec<_>>(),
            vec!["b"]
        );
        let err = index.entry("demo", &"2.0.0".parse().unwrap()).unwrap_err();
        assert!(err.to_string().contains("most recent: 1.0.0"), "{err}");
        assert!(index.versions("other").is_err());
    }
}
