//! `wasm-compat cache list|prune`: what the adapter build cache holds, and
//! freeing what current sources would not reuse.
//!
//! `prune` removes only what it knows to be stale: builds of the matrix's
//! families under a key other than the current one, and the staging folders
//! builds killed midway left. Builds of families the matrix does not name
//! may be another matrix's in a shared cache: they go only when asked for
//! (`--other-families`, or `--all` for everything). It holds the cache's
//! build lock while it works, so it never removes what a build is writing.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use wasm_compat::builder::lock::BuildLock;
use wasm_compat::builder::Builder;
use wasm_compat::engine_id::{EngineId, EngineSpec};
use wasm_compat::matrix::Matrix;

/// `cache`'s arguments.
#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    action: Action,
}

#[derive(clap::Subcommand)]
enum Action {
    /// Every cached adapter build: engine, version, size, and whether the
    /// current adapter sources would reuse it.
    List {
        #[command(flatten)]
        matrix: super::MatrixArg,
    },
    /// Delete stale adapter builds (of the matrix's families, made from older
    /// adapter sources or another toolchain) and leftovers of unfinished
    /// builds; builds of other families are kept unless asked for.
    Prune {
        /// Also delete the builds of families the matrix does not name.
        #[arg(long)]
        other_families: bool,
        /// Delete everything in the cache but the index copy: every build and
        /// the shared build folders.
        #[arg(long)]
        all: bool,
        #[command(flatten)]
        matrix: super::MatrixArg,
    },
    /// A key for a CI cache of the adapter builds: it changes when the
    /// matrix file, the built-in adapter sources or wasm-compat do.
    Key {
        #[command(flatten)]
        matrix: super::MatrixArg,
    },
}

/// One cached build.
struct Cached {
    path: PathBuf,
    engine: String,
    key: String,
    state: State,
}

/// A cached build as the matrix sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Its family's sources would reuse it now.
    Current,
    /// Of a family the matrix names, under another key: stale.
    Stale,
    /// Of a family the matrix does not name (another matrix's, perhaps).
    OtherFamily,
    /// Of a family the matrix names, whose current key cannot be known here
    /// (a toolchain it needs is missing): kept, since it may be current.
    Unknown,
}

impl State {
    fn word(self) -> &'static str {
        match self {
            State::Current => "current",
            State::Stale => "stale",
            State::OtherFamily => "other family",
            State::Unknown => "unknown",
        }
    }
}

/// What `prune` removes.
#[derive(Debug, Clone, Copy)]
struct Removal {
    other_families: bool,
    all: bool,
}

impl Removal {
    fn removes(self, state: State) -> bool {
        match state {
            State::Current | State::Unknown => self.all,
            State::Stale => true,
            State::OtherFamily => self.all || self.other_families,
        }
    }
}

/// List or prune.
pub fn run(args: Args) -> Result<ExitCode> {
    let builder = super::builder(false)?;
    let (matrix, removal) = match &args.action {
        Action::List { matrix } => (matrix.load()?, None),
        Action::Prune {
            matrix,
            other_families,
            all,
        } => (
            matrix.load()?,
            Some(Removal {
                other_families: *other_families,
                all: *all,
            }),
        ),
        Action::Key { matrix } => {
            println!("{}", key(&matrix.load()?)?);
            return Ok(ExitCode::SUCCESS);
        }
    };
    match removal {
        None => list(&builder, &cached_builds(&builder, &matrix)?),
        Some(removal) => {
            let held = builder.lock_cache("cache prune", "pruning the cache")?;
            prune_leftovers(&builder, &held)?;
            prune(&builder, &cached_builds(&builder, &matrix)?, removal)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The CI cache key of `matrix`: its file's digest, the built-in adapter
/// sources' digest and wasm-compat's version.
fn key(matrix: &Matrix) -> Result<String> {
    use sha2::{Digest, Sha256};
    let text = std::fs::read(&matrix.path)
        .with_context(|| format!("reading {}", matrix.path.display()))?;
    let digest = Sha256::digest(&text);
    let matrix_digest: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
    Ok(format!(
        "{}-{}-{matrix_digest}",
        env!("CARGO_PKG_VERSION"),
        wasm_compat::builtin::digest()
    ))
}

fn list(builder: &Builder, builds: &[Cached]) {
    let mut total = 0;
    println!("{:<22} {:<18} {:>10}  state", "engine", "key", "size");
    for b in builds {
        let size = wasm_compat::fsutil::tree_size(&b.path);
        total += size;
        let state = b.state.word();
        println!(
            "{:<22} {:<18} {:>10}  {state}",
            b.engine,
            b.key,
            human(size)
        );
    }
    let target = builder.cache_dir().join("target");
    println!(
        "{} build(s), {} in adapters; shared build folder {}: {}",
        builds.len(),
        human(total),
        target.display(),
        human(wasm_compat::fsutil::tree_size(&target))
    );
}

/// Remove the staging folders of builds that did not finish.
fn prune_leftovers(builder: &Builder, held: &BuildLock<'_>) -> Result<()> {
    for path in builder.remove_staging_leftovers(held)? {
        println!("removed an unfinished build ({})", path.display());
    }
    Ok(())
}

fn prune(builder: &Builder, builds: &[Cached], removal: Removal) -> Result<()> {
    let mut freed = 0;
    let mut removed = 0;
    for b in builds.iter().filter(|b| removal.removes(b.state)) {
        freed += wasm_compat::fsutil::tree_size(&b.path);
        std::fs::remove_dir_all(&b.path)
            .with_context(|| format!("removing {}", b.path.display()))?;
        removed += 1;
        println!("removed {} ({})", b.engine, b.path.display());
    }
    if removal.all {
        for sub in ["target", "builds"] {
            let p = builder.cache_dir().join(sub);
            if p.exists() {
                freed += wasm_compat::fsutil::tree_size(&p);
                std::fs::remove_dir_all(&p).with_context(|| format!("removing {}", p.display()))?;
                println!("removed {}", p.display());
            }
        }
    }
    let kept = builds
        .iter()
        .filter(|b| b.state == State::OtherFamily)
        .count();
    if kept > 0 && !removal.all && !removal.other_families {
        println!("kept {kept} build(s) of families the matrix does not name (--other-families removes them)");
    }
    println!("{removed} build(s) removed, {} freed", human(freed));
    Ok(())
}

fn human(bytes: u64) -> String {
    let mib = bytes as f64 / (1024.0 * 1024.0);
    if mib >= 1024.0 {
        format!("{:.1} GiB", mib / 1024.0)
    } else {
        format!("{mib:.1} MiB")
    }
}

/// Whether the build of `id` under `key` is current, stale or another
/// family's: current when its family's source would reuse it now.
fn state_of(builder: &Builder, matrix: &Matrix, id: &EngineId, key: &str) -> State {
    let Some(family) = matrix.families.get(&id.engine) else {
        return State::OtherFamily;
    };
    let spec = EngineSpec::new(id.clone(), family.source.clone());
    match builder.current_key(&spec) {
        Ok(Some(current)) if current == key => State::Current,
        Ok(_) => State::Stale,
        Err(_) => State::Unknown,
    }
}

/// Every cached adapter build, and whether current sources would reuse it.
fn cached_builds(builder: &Builder, matrix: &Matrix) -> Result<Vec<Cached>> {
    let dir = builder.cache_dir().join("adapters");
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Ok(out);
    };
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        let Some((engine_version, key)) = name.rsplit_once('-') else {
            continue;
        };
        let Some((engine, version)) = engine_version.split_once('-') else {
            continue;
        };
        let Ok(id) = format!("{engine}@{version}").parse::<EngineId>() else {
            continue;
        };
        out.push(Cached {
            path: e.path(),
            engine: id.to_string(),
            key: key.to_string(),
            state: state_of(builder, matrix, &id, key),
        });
    }
    out.sort_by(|a, b| a.engine.cmp(&b.engine));
    Ok(out)
}
