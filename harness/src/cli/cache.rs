//! `wasm-compat cache list|prune`: what the adapter build cache holds, and
//! freeing what current sources would not reuse.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use wasm_compat::builder::Builder;
use wasm_compat::matrix::{EngineId, EngineSpec, Matrix};

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
    /// Delete stale adapter builds (made from older adapter sources or another
    /// toolchain); `--all` deletes every build and the shared target folder.
    Prune {
        /// Delete everything in the cache but the index copy.
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
    current: bool,
}

/// List or prune.
pub fn run(args: Args) -> Result<ExitCode> {
    let builder = super::builder(false)?;
    let (matrix, all) = match &args.action {
        Action::List { matrix } => (matrix.load()?, false),
        Action::Prune { matrix, all } => (matrix.load()?, *all),
        Action::Key { matrix } => {
            println!("{}", key(&matrix.load()?)?);
            return Ok(ExitCode::SUCCESS);
        }
    };
    let builds = cached_builds(&builder, &matrix)?;
    match args.action {
        Action::List { .. } => list(&builder, &builds),
        Action::Prune { .. } => prune(&builder, &builds, all)?,
        Action::Key { .. } => unreachable!("answered above"),
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
        let size = dir_size(&b.path);
        total += size;
        let state = if b.current { "current" } else { "stale" };
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
        human(dir_size(&target))
    );
}

fn prune(builder: &Builder, builds: &[Cached], all: bool) -> Result<()> {
    let mut freed = 0;
    let mut removed = 0;
    for b in builds.iter().filter(|b| all || !b.current) {
        freed += dir_size(&b.path);
        std::fs::remove_dir_all(&b.path)
            .with_context(|| format!("removing {}", b.path.display()))?;
        removed += 1;
        println!("removed {} ({})", b.engine, b.path.display());
    }
    if all {
        for sub in ["target", "builds"] {
            let p = builder.cache_dir().join(sub);
            if p.exists() {
                freed += dir_size(&p);
                std::fs::remove_dir_all(&p).with_context(|| format!("removing {}", p.display()))?;
                println!("removed {}", p.display());
            }
        }
    }
    println!("{removed} build(s) removed, {} freed", human(freed));
    Ok(())
}

fn dir_size(path: &Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(path) else {
        return std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    };
    entries
        .flatten()
        .map(|e| match e.file_type() {
            Ok(t) if t.is_dir() => dir_size(&e.path()),
            _ => e.metadata().map(|m| m.len()).unwrap_or(0),
        })
        .sum()
}

fn human(bytes: u64) -> String {
    let mib = bytes as f64 / (1024.0 * 1024.0);
    if mib >= 1024.0 {
        format!("{:.1} GiB", mib / 1024.0)
    } else {
        format!("{mib:.1} MiB")
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
        // A build is current when its family's source would reuse it now.
        let current = matrix.families.get(engine).is_some_and(|f| {
            let spec = EngineSpec::new(id.clone(), f.source.clone());
            builder
                .current_key(&spec)
                .is_ok_and(|k| k.as_deref() == Some(key))
        });
        out.push(Cached {
            path: e.path(),
            engine: id.to_string(),
            key: key.to_string(),
            current,
        });
    }
    out.sort_by(|a, b| a.engine.cmp(&b.engine));
    Ok(out)
}
