//! `wasm-compat init`: a matrix, a case folder with one example and a CI
//! workflow, written into the user's own repository.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use wasm_compat::builtin;
use wasm_compat::fsutil::write_atomic;

/// `init`'s arguments.
#[derive(clap::Args)]
pub struct Args {
    /// The folder to write into (default: the current directory).
    #[arg(long)]
    dir: Option<PathBuf>,
    /// Replace files that are already there.
    #[arg(long)]
    force: bool,
}

/// The families `init` puts in the matrix: quick to build, three languages.
const FAMILIES: [&str; 4] = ["wasmtime", "wasmi", "wazero", "node"];

/// This repository's own matrix, whose newest version of each family the
/// new matrix starts from.
const PROJECT_MATRIX: &str = include_str!("../../../matrix.toml");

const EXAMPLE_CASE: &str = r#";; An example case, in the WebAssembly spec's script format (wast): a
;; module, calls, and what they must return. Every engine version in
;; matrix.toml runs it. `wasm-compat run --accept` keeps what each version
;; did as a snapshot under snapshots/; later runs fail when that changes.
;; See the wasm-compat guide (docs/cases.md) for the behaviour directives
;; (compiled-module caches, memory release and growth, host functions).
(module
  (memory (export "memory") 1 2)
  (func (export "add") (param i32 i32) (result i32)
    (i32.add (local.get 0) (local.get 1)))
  (func (export "div") (param i32 i32) (result i32)
    (i32.div_u (local.get 0) (local.get 1)))
  (func (export "grow") (param i32) (result i32)
    (memory.grow (local.get 0))))
(assert_return (invoke "add" (i32.const 2) (i32.const 3)) (i32.const 5))
(assert_return (invoke "grow" (i32.const 1)) (i32.const 1))
;; Past the maximum: -1, and the memory keeps its size.
(assert_return (invoke "grow" (i32.const 1)) (i32.const -1))
(assert_trap (invoke "div" (i32.const 1) (i32.const 0)) "integer divide by zero")
"#;

/// Write the files, refusing to replace any unless `--force`.
pub fn run(args: Args) -> Result<ExitCode> {
    let dir = match args.dir {
        Some(dir) => dir,
        None => std::env::current_dir().context("the current directory")?,
    };
    let files = [
        (dir.join("matrix.toml"), matrix_text()?),
        (dir.join("cases/example.wast"), EXAMPLE_CASE.to_string()),
        (
            dir.join(".github/workflows/wasm-compat.yml"),
            builtin::CI_WORKFLOW.to_string(),
        ),
        (
            dir.join(".github/workflows/wasm-compat-sweep.yml"),
            builtin::SWEEP_WORKFLOW.to_string(),
        ),
    ];
    if !args.force {
        let there: Vec<String> = files
            .iter()
            .filter(|(path, _)| path.exists())
            .map(|(path, _)| path.display().to_string())
            .collect();
        if !there.is_empty() {
            bail!(
                "already there (pass --force to replace): {}",
                there.join(", ")
            );
        }
    }
    for (path, text) in &files {
        write_atomic(path, text.as_bytes())?;
        println!("wrote {}", shown(&dir, path));
    }
    println!(
        "next: `wasm-compat run` (builds each engine version's adapter once, then runs \
cases/ on every one), `wasm-compat run --accept` to keep the outcomes as snapshots, \
and set WASM_COMPAT_INSTALL in .github/workflows/wasm-compat.yml"
    );
    Ok(ExitCode::SUCCESS)
}

fn shown(dir: &Path, path: &Path) -> String {
    path.strip_prefix(dir).unwrap_or(path).display().to_string()
}

/// The new matrix: the newest version of each of [`FAMILIES`] in this
/// repository's matrix, the reference its reference.
fn matrix_text() -> Result<String> {
    let project: toml::Table = toml::from_str(PROJECT_MATRIX).context("the project's matrix")?;
    let reference = project
        .get("reference")
        .and_then(|r| r.as_str())
        .context("the project's matrix names a reference")?;
    let mut text = format!(
        "# The engines and versions this project's cases run on (written by\n\
         # `wasm-compat init`). Built-in adapters: {}; each version is\n\
         # built once from its own registry and cached.\n\
         reference = \"{reference}\"\n",
        builtin::FAMILIES.join(", ")
    );
    for family in FAMILIES {
        let newest = project
            .get("engines")
            .and_then(|e| e.get(family))
            .and_then(|f| f.get("versions"))
            .and_then(|v| v.as_array())
            .and_then(|v| v.last())
            .and_then(|v| v.as_str())
            .with_context(|| format!("the project's matrix lists {family} versions"))?;
        let note = match family {
            "wazero" => "# Needs the `go` command (without it these cells are unsupported).\n",
            "node" => "# V8 as a Node.js release from npm runs it (needs npm).\n",
            _ => "",
        };
        text.push_str(&format!(
            "\n[engines.{family}]\n{note}versions = [\"{newest}\"]\n"
        ));
    }
    text.push_str(
        "\n[suites]\n\
         # Spec suites to run as well, e.g. [\"wasm-v2\", \"proposals/*\"].\n\
         spec = []\n\
         # Folders of this project's own cases; their snapshots live in\n\
         # snapshots/ beside this file.\n\
         cases = [\"cases\"]\n",
    );
    Ok(text)
}
