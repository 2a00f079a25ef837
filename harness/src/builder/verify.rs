//! Checking a cached adapter before it is used: `build.json` records the
//! sha256 of the adapter's program ([`super::BuildRecord::program_sha256`]),
//! written when the build is installed, and a cached build is used only
//! while its program still has that digest. A damaged program (truncated,
//! changed) is reported once, in one line, and built again.
//!
//! A record written before digests were recorded has none: it is trusted as
//! it is the first time it is loaded and its digest is recorded then (when
//! the cache can be written), so any damage after that is caught. Damage
//! before that first load is not; `cache prune --all` starts over.
//!
//! Each program is hashed once per process ([`Verified`] remembers it), so a
//! run that looks up one adapter several times reads it once.

use std::collections::HashSet;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use anyhow::{Context, Result};
use sha2::{Digest, Sha256};

use crate::engine_id::EngineId;

/// The sha256 of the file at `path`, in hex.
pub(super) fn digest_of(path: &Path) -> Result<String> {
    let mut file =
        std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let mut hasher = Sha256::new();
    let mut chunk = vec![0u8; 1 << 20];
    loop {
        let n = file
            .read(&mut chunk)
            .with_context(|| format!("reading {}", path.display()))?;
        if n == 0 {
            break;
        }
        hasher.update(&chunk[..n]);
    }
    Ok(hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
}

/// The programs this process found intact, and those it reported damaged
/// (each as its path and recorded digest).
#[derive(Default)]
pub(super) struct Verified {
    intact: Mutex<HashSet<(PathBuf, String)>>,
    reported: Mutex<HashSet<(PathBuf, String)>>,
}

impl Verified {
    /// Whether `program` of `id` has the digest `recorded`; when it does
    /// not, one line says so (once per program and process).
    pub(super) fn check(&self, id: &EngineId, program: &Path, recorded: &str) -> bool {
        let entry = (program.to_path_buf(), recorded.to_string());
        if lock(&self.intact).contains(&entry) {
            return true;
        }
        if digest_of(program).is_ok_and(|d| d == recorded) {
            lock(&self.intact).insert(entry);
            return true;
        }
        if lock(&self.reported).insert(entry) {
            eprintln!(
                "wasm-compat: {id}: the cached adapter {} is damaged (digest differs); rebuilding",
                program.display()
            );
        }
        false
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_changed_or_truncated_program_is_damaged_and_an_intact_one_is_not() {
        let dir = tempfile::tempdir().unwrap();
        let program = dir.path().join("adapter");
        std::fs::write(&program, b"\x7fELF and the rest").unwrap();
        let recorded = digest_of(&program).unwrap();
        assert_eq!(recorded.len(), 64);
        let id: EngineId = "node@20.20.2".parse().unwrap();
        assert!(Verified::default().check(&id, &program, &recorded));
        std::fs::write(&program, b"\x7fELF and the resT").unwrap();
        assert!(!Verified::default().check(&id, &program, &recorded));
        std::fs::write(&program, b"\x7fELF").unwrap();
        assert!(!Verified::default().check(&id, &program, &recorded));
        std::fs::remove_file(&program).unwrap();
        assert!(!Verified::default().check(&id, &program, &recorded));
    }
}
