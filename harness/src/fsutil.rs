//! File-system helpers: atomic writes and the location of the wasm-compat cache.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

/// Write `files` (paths relative to the folder, and contents) into a new
/// folder made in `parent`, for the caller to rename into place whole: what
/// a whole-folder atomic publish starts with. Removed again when a write fails.
pub fn staged_folder<P: AsRef<Path>, C: AsRef<[u8]>>(
    parent: &Path,
    files: impl IntoIterator<Item = (P, C)>,
) -> Result<PathBuf> {
    std::fs::create_dir_all(parent).with_context(|| format!("creating {}", parent.display()))?;
    let staged = tempfile::Builder::new()
        .prefix(".staged-")
        .tempdir_in(parent)
        .with_context(|| format!("a temporary folder in {}", parent.display()))?;
    for (rel, contents) in files {
        let path = staged.path().join(rel);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        }
        std::fs::write(&path, contents).with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(staged.keep())
}

/// Write `bytes` to `path` atomically: a temporary file in the same folder, then a
/// rename, so a reader (or a kill at any moment) sees the old file or the new one.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let mut tmp = tempfile::NamedTempFile::new_in(dir)
        .with_context(|| format!("creating a temporary file in {}", dir.display()))?;
    // Temporary files are created private; results and snapshots are for reading.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = tmp
            .as_file()
            .set_permissions(std::fs::Permissions::from_mode(0o644));
    }
    tmp.write_all(bytes)
        .and_then(|_| tmp.as_file().sync_all())
        .with_context(|| format!("writing {}", path.display()))?;
    tmp.persist(path)
        .map_err(|e| e.error)
        .with_context(|| format!("replacing {}", path.display()))?;
    Ok(())
}

/// The folder holding adapter builds, the index cache and build records:
/// `$WASM_COMPAT_CACHE`, else `$XDG_CACHE_HOME/wasm-compat`, else `~/.cache/wasm-compat`.
pub fn cache_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("WASM_COMPAT_CACHE") {
        return PathBuf::from(dir);
    }
    if let Some(dir) = std::env::var_os("XDG_CACHE_HOME") {
        return PathBuf::from(dir).join("wasm-compat");
    }
    match std::env::var_os("HOME") {
        Some(home) => PathBuf::from(home).join(".cache").join("wasm-compat"),
        None => std::env::temp_dir().join("wasm-compat-cache"),
    }
}

/// The repository root, for defaults (`matrix.toml`, `cases/`), found from the
/// current directory upwards by its `matrix.toml`; falls back to the directory the
/// harness was compiled in.
pub fn repo_root() -> PathBuf {
    if let Ok(mut dir) = std::env::current_dir() {
        loop {
            if dir.join("matrix.toml").is_file() && dir.join("harness").is_dir() {
                return dir;
            }
            if !dir.pop() {
                break;
            }
        }
    }
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("harness sits inside the repository")
        .to_path_buf()
}

/// The bytes of the files under `path` (a file: its own size).
pub fn tree_size(path: &Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(path) else {
        return std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    };
    entries
        .flatten()
        .map(|e| match e.file_type() {
            Ok(t) if t.is_dir() => tree_size(&e.path()),
            _ => e.metadata().map(|m| m.len()).unwrap_or(0),
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_write_replaces_whole_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("sub/out.json");
        write_atomic(&p, b"old contents").unwrap();
        write_atomic(&p, b"new").unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"new");
        let leftovers: Vec<_> = std::fs::read_dir(p.parent().unwrap()).unwrap().collect();
        assert_eq!(leftovers.len(), 1, "temporary files left behind");
    }
}
