//! The cache's build lock: one OS file lock, `<cache>/build.lock`, held by
//! whoever builds, fetches or prunes adapters in that cache.
//!
//! A build shares more than its own output: `builds/ENGINE-VERSION` (the
//! generated package and its `Cargo.lock`), the cargo target folder every
//! Rust adapter is built into (`target/`, where each family's binary has one
//! name for every version), the Go build and module folders (`go/`) and the
//! staging folders under `adapters/`. So there is one lock for the whole
//! cache rather than one per version: two processes building into one cache
//! take turns (as two builds in one process always did: they also share both
//! cores), while reading a finished build never waits. Whoever waits says
//! once for whom, from the note the holder writes into the lock file.
//!
//! Invariant: a staging folder (`adapters/.staging-*`) exists only while its
//! build holds the lock, so whoever takes the lock removes any it finds:
//! they are what builds killed midway left behind.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use anyhow::{Context, Result};

/// The staging folders' name prefix under `<cache>/adapters/`.
pub(super) const STAGING_PREFIX: &str = ".staging-";

/// The held build lock of one cache; released when dropped.
pub struct BuildLock<'a> {
    /// The locked file (the OS lock goes with it).
    file: File,
    /// The same lock between the threads of this process.
    _in_process: MutexGuard<'a, ()>,
}

impl Drop for BuildLock<'_> {
    /// Clear the note, so a later waiter never reads a holder that has gone.
    fn drop(&mut self) {
        let _ = self.file.set_len(0);
    }
}

/// Take the build lock of `cache` for `doing` (`building node@20.20.2`),
/// waiting for whoever holds it; `who` names the waiter in the line that
/// says so (`node@20.20.2`).
pub(super) fn acquire<'a>(
    cache: &Path,
    serial: &'a Mutex<()>,
    who: &str,
    doing: &str,
) -> Result<BuildLock<'a>> {
    let in_process = serial.lock().unwrap_or_else(|p| p.into_inner());
    let path = cache.join("build.lock");
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .with_context(|| format!("opening the build lock {}", path.display()))?;
    match file.try_lock() {
        Ok(()) => {}
        Err(TryLockError::WouldBlock) => {
            eprintln!(
                "wasm-compat: {who}: waiting for {} to finish with the adapter cache {}",
                holder(&path),
                cache.display()
            );
            file.lock()
                .with_context(|| format!("waiting for the build lock {}", path.display()))?;
        }
        Err(TryLockError::Error(e)) => {
            return Err(e).with_context(|| format!("taking the build lock {}", path.display()))
        }
    }
    note_holder(&mut file, doing);
    Ok(BuildLock {
        file,
        _in_process: in_process,
    })
}

/// Who holds the lock at `path`, from its note (`wasm-compat (pid 812,
/// building wasmi@0.31.2)`).
fn holder(path: &Path) -> String {
    match std::fs::read_to_string(path) {
        Ok(note) if !note.trim().is_empty() => format!("wasm-compat ({})", note.trim()),
        _ => "another wasm-compat process".to_string(),
    }
}

/// Write this process and what it does into the held lock file. Only a
/// courtesy to waiters: a failure changes nothing else.
fn note_holder(file: &mut File, doing: &str) {
    let note = format!("pid {}, {doing}\n", std::process::id());
    let _ = file
        .set_len(0)
        .and_then(|_| file.write_all(note.as_bytes()));
}

/// Remove the staging folders under `<cache>/adapters/`: with the lock held,
/// every one is a leftover of a build that did not finish. The removed folders.
pub(super) fn remove_staging_leftovers(cache: &Path) -> Result<Vec<PathBuf>> {
    let adapters = cache.join("adapters");
    let Ok(entries) = std::fs::read_dir(&adapters) else {
        return Ok(Vec::new());
    };
    let mut removed = Vec::new();
    for entry in entries.flatten() {
        if !entry
            .file_name()
            .to_string_lossy()
            .starts_with(STAGING_PREFIX)
        {
            continue;
        }
        let path = entry.path();
        std::fs::remove_dir_all(&path).with_context(|| format!("removing {}", path.display()))?;
        removed.push(path);
    }
    Ok(removed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_taker_waits_until_the_first_lets_go() {
        let cache = tempfile::tempdir().unwrap();
        let (first, second) = (Mutex::new(()), Mutex::new(()));
        let held = acquire(cache.path(), &first, "a@1.0.0", "building a@1.0.0").unwrap();
        let note = holder(&cache.path().join("build.lock"));
        assert!(note.contains("building a@1.0.0"), "{note}");
        assert!(note.contains(&std::process::id().to_string()), "{note}");
        // A second open file description is another taker, as another process is.
        let other = File::open(cache.path().join("build.lock")).unwrap();
        assert!(matches!(other.try_lock(), Err(TryLockError::WouldBlock)));
        drop(held);
        drop(other);
        let again = acquire(cache.path(), &second, "b@1.0.0", "building b@1.0.0");
        assert!(again.is_ok());
    }

    #[test]
    fn staging_leftovers_are_removed_and_builds_kept() {
        let cache = tempfile::tempdir().unwrap();
        let adapters = cache.path().join("adapters");
        for dir in [".staging-abc/sub", "node-20.20.2-0123456789abcdef"] {
            std::fs::create_dir_all(adapters.join(dir)).unwrap();
        }
        let removed = remove_staging_leftovers(cache.path()).unwrap();
        assert_eq!(removed, [adapters.join(".staging-abc")]);
        assert!(adapters.join("node-20.20.2-0123456789abcdef").is_dir());
    }
}
