//! Recording the requests adapter processes are sent, for bench's replay
//! baseline: a folder of one transcript per process, owned by whoever records.

use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use anyhow::{Context, Result};

/// A folder receiving, from every adapter process started for an adapter
/// that carries it (`BuiltAdapter::recording` in the builder), the requests the process is
/// sent, byte for byte, as `<n>.requests` (and its program and arguments as
/// `<n>.command`), so that the same requests can be replayed into the adapter
/// alone (`bench`'s baseline for engines without an in-process wast runner).
/// Owned by whoever records (bench); nothing records otherwise.
#[derive(Debug)]
pub struct Recorder {
    dir: std::path::PathBuf,
    next: AtomicUsize,
    /// Set when a transcript could not be written: a replay of it would be short.
    broken: AtomicBool,
}

impl Recorder {
    /// A recorder writing into `dir`.
    pub fn new(dir: &Path) -> Recorder {
        Recorder {
            dir: dir.to_path_buf(),
            next: AtomicUsize::new(0),
            broken: AtomicBool::new(false),
        }
    }

    /// The transcript file of a process of `program` `args` starting now.
    pub fn transcript(&self, program: &Path, args: &[String]) -> Result<std::fs::File> {
        let n = self.next.fetch_add(1, Ordering::SeqCst) + 1;
        let base = self.dir.join(format!("{n:06}"));
        let command = serde_json::json!({ "program": program, "args": args });
        std::fs::write(base.with_extension("command"), command.to_string())
            .with_context(|| format!("writing {}", base.display()))?;
        std::fs::File::create(base.with_extension("requests"))
            .with_context(|| format!("writing {}", base.display()))
    }

    /// Note that a transcript could not be written in full.
    pub fn mark_broken(&self) {
        self.broken.store(true, Ordering::SeqCst);
    }

    /// Fails when a transcript could not be written in full.
    pub fn finish(&self) -> Result<()> {
        if self.broken.load(Ordering::SeqCst) {
            anyhow::bail!("a request transcript could not be written in full");
        }
        Ok(())
    }
}
