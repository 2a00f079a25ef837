//! The unit tests of the adapters written in other languages, run from
//! `cargo test` so CI runs them: `go test` in `adapters/wazero` and
//! `node --test` in `adapters/node`. A trial whose toolchain is missing is
//! ignored, saying which (those engines are `unsupported` there too).

use std::path::{Path, PathBuf};
use std::process::Command;

use libtest_mimic::{Arguments, Failed, Trial};

/// One adapter's own test command.
struct Suite {
    folder: &'static str,
    program: &'static str,
    args: &'static [&'static str],
}

const SUITES: &[Suite] = &[
    Suite {
        folder: "wazero",
        program: "go",
        args: &["test", "./..."],
    },
    Suite {
        folder: "node",
        program: "node",
        args: &["--expose-gc", "--test", "test/adapter.test.js"],
    },
];

fn adapters() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../adapters")
}

/// Whether `program` runs here (`go version`, `node --version`).
fn available(program: &str) -> bool {
    ["version", "--version"].iter().any(|arg| {
        Command::new(program)
            .arg(arg)
            .output()
            .is_ok_and(|o| o.status.success())
    })
}

fn run(suite: &Suite) -> Result<(), Failed> {
    let dir = adapters().join(suite.folder);
    let mut cmd = Command::new(suite.program);
    cmd.args(suite.args).current_dir(&dir);
    if suite.program == "go" {
        // The toolchain on PATH, never one the go command would fetch.
        cmd.env("GOTOOLCHAIN", "local");
    }
    let out = cmd
        .output()
        .map_err(|e| format!("running {} in {}: {e}", suite.program, dir.display()))?;
    if out.status.success() {
        return Ok(());
    }
    Err(format!(
        "{} {} in adapters/{} failed ({}):\n{}\n{}",
        suite.program,
        suite.args.join(" "),
        suite.folder,
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
    .into())
}

fn main() {
    let args = Arguments::from_args();
    let trials = SUITES
        .iter()
        .map(|suite| {
            let name = format!(
                "adapters/{}: {} {}",
                suite.folder,
                suite.program,
                suite.args.join(" ")
            );
            let there = available(suite.program);
            let trial = Trial::test(name, move || run(suite));
            if there {
                trial
            } else {
                trial.with_ignored_flag(true)
            }
        })
        .collect();
    libtest_mimic::run(&args, trials).exit();
}
