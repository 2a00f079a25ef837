//! The `wasm-compat` command line: parse, hand the subcommand to its module in
//! `cli/`, and turn an error into exit status 2.

mod cli;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    let progress = wasm_compat::progress::stderr_is_terminal();
    match cli.command.run(progress) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("wasm-compat: error: {e:#}");
            ExitCode::from(2)
        }
    }
}
