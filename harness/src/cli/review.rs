//! `wasm-compat review`: each pending snapshot (`.snap.new`, written by
//! `run` where a case's outcome differs from its reviewed snapshot) shown as
//! a diff, then accepted, rejected or skipped, one at a time.

use std::io::{BufRead, Write};
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result};
use wasm_compat::snapshot;

/// `review`'s arguments.
#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    matrix: super::MatrixArg,
    /// Accept every pending snapshot without asking.
    #[arg(long, conflicts_with = "reject")]
    accept: bool,
    /// Reject (delete) every pending snapshot without asking.
    #[arg(long)]
    reject: bool,
}

/// What to do with one pending snapshot.
enum Choice {
    Accept,
    Reject,
    Skip,
}

/// Walk the pending snapshots, asking on standard input unless told.
pub fn run(args: Args) -> Result<ExitCode> {
    let root = args.matrix.load()?.base_dir();
    let pending = snapshot::all_pending(&root);
    if pending.is_empty() {
        println!(
            "no pending snapshot under {}",
            root.join("snapshots").display()
        );
        return Ok(ExitCode::SUCCESS);
    }
    let stdin = std::io::stdin();
    let mut answers = stdin.lock().lines();
    let (mut accepted, mut rejected, mut skipped) = (0, 0, 0);
    for (i, new) in pending.iter().enumerate() {
        let choice = if args.accept {
            Choice::Accept
        } else if args.reject {
            Choice::Reject
        } else {
            show(&root, new, i + 1, pending.len())?;
            ask(&mut answers)?
        };
        match choice {
            Choice::Accept => {
                let reviewed = new.with_extension("");
                std::fs::rename(new, &reviewed)
                    .with_context(|| format!("accepting {}", new.display()))?;
                accepted += 1;
            }
            Choice::Reject => {
                std::fs::remove_file(new)
                    .with_context(|| format!("rejecting {}", new.display()))?;
                rejected += 1;
            }
            Choice::Skip => skipped += 1,
        }
    }
    println!("{accepted} accepted, {rejected} rejected, {skipped} skipped");
    Ok(ExitCode::SUCCESS)
}

/// Print which snapshot this is and how it differs from the reviewed one.
fn show(root: &Path, new: &Path, at: usize, of: usize) -> Result<()> {
    let reviewed = new.with_extension("");
    let folder = new.parent().context("a snapshot has a folder")?;
    let name = reviewed
        .file_stem()
        .and_then(|n| n.to_str())
        .context("a snapshot has a name")?;
    let shown = reviewed.strip_prefix(root).unwrap_or(&reviewed);
    println!("\n[{at}/{of}] {} ({name})", shown.display());
    let now = snapshot::body(new).with_context(|| format!("reading {}", new.display()))?;
    match snapshot::stored(folder, name) {
        Some(old) => print!(
            "{}",
            snapshot::transcript_diff(&old, &now, "reviewed", "new")
        ),
        None => println!("a new snapshot:\n{now}"),
    }
    Ok(())
}

/// Read a choice; the end of input skips.
fn ask(answers: &mut impl Iterator<Item = std::io::Result<String>>) -> Result<Choice> {
    loop {
        print!("accept (a), reject (r) or skip (s)? ");
        std::io::stdout().flush()?;
        let Some(line) = answers.next() else {
            println!();
            return Ok(Choice::Skip);
        };
        match line?.trim() {
            "a" | "accept" => return Ok(Choice::Accept),
            "r" | "reject" => return Ok(Choice::Reject),
            "s" | "skip" | "" => return Ok(Choice::Skip),
            other => println!("`{other}`: answer a, r or s"),
        }
    }
}
