//! The adapters this binary carries: the sources of `adapters/` embedded at
//! build time, written out once per content under the cache
//! (`<cache>/sources/<digest>/`) when a build first needs them (the matrix
//! only names the folder), so an installed `wasm-compat` builds its
//! adapters in any folder, without this repository checked out beside the
//! user's files. Builds are keyed by content, so a build from the embedded
//! sources and one from a checkout of the same sources are the same build.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use anyhow::{Context, Result};
use include_dir::{include_dir, Dir, DirEntry};
use sha2::{Digest, Sha256};

static ADAPTERS: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/../adapters");

/// The engine families with an adapter of their own here.
pub const FAMILIES: [&str; 5] = ["wasmtime", "wasmi", "wasmer", "wazero", "node"];

/// The CI workflow `init` writes (also `docs/ci/github-actions.yml`).
pub const CI_WORKFLOW: &str = include_str!("../../docs/ci/github-actions.yml");

/// The sweep workflow `init` writes (also `docs/ci/github-actions-sweep.yml`).
pub const SWEEP_WORKFLOW: &str = include_str!("../../docs/ci/github-actions-sweep.yml");

/// Every embedded file, by its path under `adapters/`.
fn files() -> Vec<(&'static Path, &'static [u8])> {
    fn walk(dir: &'static Dir<'static>, out: &mut Vec<(&'static Path, &'static [u8])>) {
        for entry in dir.entries() {
            match entry {
                DirEntry::Dir(d) => walk(d, out),
                DirEntry::File(f) => out.push((f.path(), f.contents())),
            }
        }
    }
    let mut out = Vec::new();
    walk(&ADAPTERS, &mut out);
    out.sort();
    out
}

/// The digest of the embedded sources: the name of their folder.
pub fn digest() -> &'static str {
    static DIGEST: OnceLock<String> = OnceLock::new();
    DIGEST.get_or_init(|| {
        let mut hasher = Sha256::new();
        for (path, contents) in files() {
            hasher.update(path.to_string_lossy().as_bytes());
            hasher.update(b"\0");
            hasher.update(contents);
            hasher.update(b"\0");
        }
        hasher.finalize()[..8]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    })
}

/// The folder of `family`'s built-in adapter under `cache` (`None`: the
/// family has none). Naming it writes nothing: [`write_if_needed`] does,
/// when a build needs the files.
pub fn folder(cache: &Path, family: &str) -> Option<PathBuf> {
    FAMILIES
        .contains(&family)
        .then(|| cache.join("sources").join(digest()).join(family))
}

/// Whether `family`'s built-in adapter has the file `name` (a manifest),
/// told from the embedded sources without writing them.
pub fn has_file(family: &str, name: &str) -> bool {
    ADAPTERS.get_file(Path::new(family).join(name)).is_some()
}

/// Write the built-in adapter sources if `dir` is the [`folder`] of a
/// built-in adapter and they are not there yet (atomically: a whole folder
/// appears, or none); any other folder is left alone.
pub fn write_if_needed(dir: &Path) -> Result<()> {
    let (Some(family), Some(root)) = (dir.file_name().and_then(|f| f.to_str()), dir.parent())
    else {
        return Ok(());
    };
    let cache = root.parent().and_then(Path::parent);
    let builtin = cache.and_then(|cache| folder(cache, family)).as_deref() == Some(dir);
    if !builtin || root.is_dir() {
        return Ok(());
    }
    extract(root)
        .with_context(|| format!("writing the built-in adapter sources to {}", root.display()))
}

/// Write every embedded file under a temporary folder beside `root`, then
/// move it into place (another process doing the same at once is fine).
fn extract(root: &Path) -> Result<()> {
    let parent = root.parent().context("sources folder has a parent")?;
    let written = crate::fsutil::staged_folder(parent, files())?;
    match std::fs::rename(&written, root) {
        Ok(()) => Ok(()),
        // Another process put the same sources in place first.
        Err(_) if root.is_dir() => {
            let _ = std::fs::remove_dir_all(&written);
            Ok(())
        }
        Err(e) => {
            let _ = std::fs::remove_dir_all(&written);
            Err(e.into())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_family_is_written_out_once_with_its_manifest() {
        let cache = tempfile::tempdir().unwrap();
        let wasmi = folder(cache.path(), "wasmi").unwrap();
        assert!(
            !cache.path().join("sources").exists(),
            "naming writes nothing"
        );
        for (family, manifest) in [
            ("wasmtime", "Cargo.toml"),
            ("wasmi", "Cargo.toml"),
            ("wasmer", "Cargo.toml"),
            ("wazero", "go.mod"),
            ("node", "package.json"),
        ] {
            assert!(has_file(family, manifest), "{family}");
            let dir = folder(cache.path(), family).unwrap();
            write_if_needed(&dir).unwrap();
            assert!(dir.join(manifest).is_file(), "{}", dir.display());
        }
        assert!(!has_file("wasmi", "go.mod"));
        // The Rust adapters find the protocol crate beside them.
        assert!(wasmi.join("../protocol/src/lib.rs").is_file());
        let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../adapters/wasmi/src/main.rs");
        assert_eq!(
            std::fs::read(wasmi.join("src/main.rs")).unwrap(),
            std::fs::read(repo).unwrap(),
            "the embedded sources are the repository's"
        );
        let sources: Vec<_> = std::fs::read_dir(cache.path().join("sources"))
            .unwrap()
            .collect();
        assert_eq!(sources.len(), 1, "one folder, no temporary left");
        assert_eq!(folder(cache.path(), "v8"), None);
        // Another folder is not the builder's to write.
        let elsewhere = cache.path().join("elsewhere").join("wasmi");
        write_if_needed(&elsewhere).unwrap();
        assert!(!elsewhere.exists());
    }
}
