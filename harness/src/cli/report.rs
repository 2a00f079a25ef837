//! `wasm-compat report`: results files into Markdown, HTML, JSON and JUnit, or
//! `COMPATIBILITY.md` from the committed snapshots, or `FINDINGS.md` from the
//! case files and the known-failure table.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use wasm_compat::fsutil;
use wasm_compat::outputs::Outputs;
use wasm_compat::report::{self, Format, HistoryEntry, Table};

/// `report`'s arguments.
#[derive(clap::Args)]
pub struct Args {
    /// Results files or folders (default: target/wasm-compat/results.json.gz).
    results: Vec<PathBuf>,
    /// More results files or folders (the spelling `diff` uses).
    #[arg(long = "results", value_name = "RESULTS")]
    more_results: Vec<PathBuf>,
    /// Which formats (repeatable; default: all of them).
    #[arg(long, value_enum)]
    format: Vec<Format>,
    /// Folder to write the reports into (default: target/wasm-compat/report).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Summaries `wasm-compat fuzz` wrote, added to the Markdown report
    /// (repeatable).
    #[arg(long, value_name = "FUZZ_JSON")]
    fuzz: Vec<PathBuf>,
    /// Instead, regenerate COMPATIBILITY.md from the committed snapshots.
    #[arg(long)]
    compatibility: bool,
    /// Instead, regenerate FINDINGS.md from the case files' findings and
    /// expectations.toml.
    #[arg(long, conflicts_with = "compatibility")]
    findings: bool,
    #[command(flatten)]
    matrix: super::MatrixArg,
}

/// Write the reports.
pub fn run(args: Args, progress: bool) -> Result<ExitCode> {
    if args.compatibility {
        return compatibility(&args.matrix);
    }
    if args.findings {
        return findings(&args.matrix);
    }
    let outputs = Outputs::from_env();
    let mut inputs = args.results;
    inputs.extend(args.more_results);
    if inputs.is_empty() {
        inputs.push(outputs.results(None));
    }
    let runs = report::load(&inputs)?;
    let table = Table::merge(&runs)?;
    let history = if runs.len() > 1 {
        report::history(&runs)
    } else {
        Vec::new()
    };
    let out = args.out.unwrap_or_else(|| outputs.report_dir());
    let formats = if args.format.is_empty() {
        Format::ALL.to_vec()
    } else {
        args.format
    };
    let fuzzed: Vec<wasm_compat::fuzz::Summary> = args
        .fuzz
        .iter()
        .map(|p| wasm_compat::fuzz::Summary::load(p))
        .collect::<Result<_>>()?;
    for format in formats {
        let path = format.path_in(&out);
        let mut text = render(format, &table, &history, progress)?;
        if format == Format::Markdown {
            for summary in &fuzzed {
                text.push_str(&summary.markdown());
            }
        }
        fsutil::write_atomic(&path, text.as_bytes())?;
        println!("{:<8} {}", format.name(), path.display());
    }
    Ok(ExitCode::SUCCESS)
}

/// One report's text.
fn render(
    format: Format,
    table: &Table,
    history: &[HistoryEntry],
    progress: bool,
) -> Result<String> {
    Ok(match format {
        Format::Markdown => report::markdown::render(table, history),
        Format::Html => {
            let bar = wasm_compat::progress::run_bar(progress, table.cells.len() as u64);
            bar.set_message("rendering the HTML report");
            let text = report::html::render(table, history, &|| bar.inc(1));
            bar.finish_and_clear();
            text
        }
        Format::Json => {
            serde_json::to_string(&report::json(table)).context("encoding the JSON report")?
        }
        Format::Junit => report::junit::render(table)?,
    })
}

/// Regenerate COMPATIBILITY.md beside the matrix.
fn compatibility(matrix: &super::MatrixArg) -> Result<ExitCode> {
    let matrix = matrix.load()?;
    let base = matrix.base_dir();
    let cases = wasm_compat::cases::all_cases(&base, &matrix.suites.local_only())?;
    let text = report::compatibility::render(&base, &matrix, &cases)?;
    let path = base.join("COMPATIBILITY.md");
    fsutil::write_atomic(&path, text.as_bytes())?;
    println!("wrote {}", path.display());
    Ok(ExitCode::SUCCESS)
}

/// Regenerate FINDINGS.md beside the matrix.
fn findings(matrix: &super::MatrixArg) -> Result<ExitCode> {
    let matrix = matrix.load()?;
    let base = matrix.base_dir();
    let cases = wasm_compat::cases::all_cases(&base, &matrix.suites.local_only())?;
    let expectations =
        wasm_compat::expectations::Expectations::load(&base.join("expectations.toml"))?;
    let text = report::findings::render(&base, &cases, &expectations)?;
    let path = base.join(report::findings::FILE);
    fsutil::write_atomic(&path, text.as_bytes())?;
    println!("wrote {}", path.display());
    Ok(ExitCode::SUCCESS)
}
