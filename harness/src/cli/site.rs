//! `wasm-compat site`: a folder of results from successive runs into a
//! static site, published whole: written beside the old one, then swapped in
//! by two renames (a reader sees the old site, the new one, or for that
//! instant none, never half of one; a failed swap puts the old one back).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use wasm_compat::outputs::Outputs;
use wasm_compat::report;

/// `site`'s arguments.
#[derive(clap::Args)]
pub struct Args {
    /// Results files, or folders of them (a history of runs); default:
    /// target/wasm-compat/results.json.gz.
    results: Vec<PathBuf>,
    /// The folder the site is published to (default: target/wasm-compat/site).
    #[arg(long)]
    out: Option<PathBuf>,
}

/// Render and publish.
pub fn run(args: Args) -> Result<ExitCode> {
    let outputs = Outputs::from_env();
    let inputs = if args.results.is_empty() {
        vec![outputs.results(None)]
    } else {
        args.results
    };
    let runs = report::load(&inputs)?;
    let files = report::site::render(&runs)?;
    let out = args.out.unwrap_or_else(|| outputs.site_dir());
    publish(&out, &files)?;
    println!(
        "site of {} run(s): {} (open index.html)",
        runs.len(),
        out.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// Write `files` into a fresh folder beside `out`, then put it in `out`'s
/// place: the old site is renamed away first and deleted after.
pub(super) fn publish(out: &Path, files: &[(String, String)]) -> Result<()> {
    let parent = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let written =
        wasm_compat::fsutil::staged_folder(&parent, files.iter().map(|(rel, text)| (rel, text)))?;
    let old = parent.join(format!(".site-old-{}", std::process::id()));
    let had_old = out.exists();
    if had_old {
        std::fs::rename(out, &old)
            .with_context(|| format!("moving the old {} aside", out.display()))?;
    }
    if let Err(e) = std::fs::rename(&written, out) {
        // Put the old site back; the new one stays beside it for a look.
        if had_old {
            let _ = std::fs::rename(&old, out);
        }
        return Err(e).with_context(|| {
            format!(
                "publishing {} (the new site is in {})",
                out.display(),
                written.display()
            )
        });
    }
    if had_old {
        std::fs::remove_dir_all(&old).with_context(|| format!("removing {}", old.display()))?;
    }
    Ok(())
}
