//! The one case-driven test binary: a trial per `engine@version` x case, named
//! `engine@version/case-path`, so `cargo test -- wasmi@0.31` or
//! `cargo test -- memory_grow` filters.
//!
//! Adapters are built (or found in the cache) before the trials run, only for the
//! engines the filter selects; `--list` builds nothing. A case an engine version
//! cannot run is listed as an ignored `[unsupported]` trial, never dropped.
//! Environment: `WASM_COMPAT_MATRIX` picks another matrix file.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use libtest_mimic::{Arguments, Failed, Trial};
use wasm_compat::builder::Builder;
use wasm_compat::cases::{all_cases, Case};
use wasm_compat::expectations::Expectations;
use wasm_compat::fsutil;
use wasm_compat::matrix::{EngineId, Matrix};
use wasm_compat::run::{prepare_engine, run_trial, ReadyEngine, Status};

fn passes_filter(args: &Arguments, name: &str) -> bool {
    let selected = match &args.filter {
        None => true,
        Some(f) if args.exact => name == f,
        Some(f) => name.contains(f.as_str()),
    };
    let skipped = args.skip.iter().any(|s| {
        if args.exact {
            name == s
        } else {
            name.contains(s.as_str())
        }
    });
    selected && !skipped
}

fn main() -> ExitCode {
    let args = Arguments::from_args();
    let root = fsutil::repo_root();
    let matrix_path = std::env::var_os("WASM_COMPAT_MATRIX")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("matrix.toml"));
    let setup = (|| -> anyhow::Result<_> {
        let matrix = Matrix::load(&matrix_path)?;
        let cases = all_cases(&matrix.base_dir(), &matrix.suites)?;
        let expectations = Expectations::load(&matrix.base_dir().join("expectations.toml"))?;
        Ok((matrix, cases, expectations))
    })();
    let (matrix, cases, expectations) = match setup {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e:#}");
            return ExitCode::from(2);
        }
    };
    let cases: Vec<Arc<Case>> = cases.into_iter().map(Arc::new).collect();
    let expectations = Arc::new(expectations);
    let timeout = matrix.limits.request_timeout();

    // Build and greet the engines the filter needs (nothing for --list).
    let mut ready: BTreeMap<EngineId, Result<Arc<ReadyEngine>, String>> = BTreeMap::new();
    if !args.list {
        let builder = match Builder::new(
            &fsutil::cache_dir(),
            wasm_compat::progress::stderr_is_terminal(),
        ) {
            Ok(b) => b,
            Err(e) => {
                eprintln!("error: {e:#}");
                return ExitCode::from(2);
            }
        };
        for spec in matrix.engines() {
            let needed = cases
                .iter()
                .any(|c| passes_filter(&args, &format!("{}/{}", spec.id, c.name)));
            if needed {
                let engine = prepare_engine(&builder, &spec, timeout)
                    .map(Arc::new)
                    .map_err(|e| format!("{e:#}"));
                ready.insert(spec.id.clone(), engine);
            }
        }
    }

    let mut trials = Vec::new();
    for spec in matrix.engines() {
        for case in &cases {
            let name = format!("{}/{}", spec.id, case.name);
            let engine = ready.get(&spec.id).cloned();
            let unsupported = match &engine {
                Some(Ok(e)) => case.features.iter().any(|f| !e.info.features.contains(f)),
                _ => false,
            };
            if unsupported {
                trials.push(
                    Trial::test(name, || Ok(()))
                        .with_kind("unsupported")
                        .with_ignored_flag(true),
                );
                continue;
            }
            let case = case.clone();
            let expectations = expectations.clone();
            trials.push(Trial::test(name, move || {
                let engine = match engine {
                    Some(Ok(e)) => e,
                    Some(Err(e)) => {
                        return Err(Failed::from(format!("the adapter is not available: {e}")))
                    }
                    None => return Err(Failed::from("the adapter was not prepared")),
                };
                let result = run_trial(&engine, &case, timeout, &expectations);
                match result.status {
                    Status::Pass | Status::KnownFailure | Status::Unsupported => Ok(()),
                    status => Err(Failed::from(format!(
                        "{status:?}: {}",
                        result.reason.unwrap_or_default()
                    ))),
                }
            }));
        }
    }

    // The known-failure table names only engines and cases that exist.
    let engine_ids: Vec<String> = matrix.engines().iter().map(|e| e.id.to_string()).collect();
    let case_names: Vec<String> = cases.iter().map(|c| c.name.clone()).collect();
    let table = expectations.clone();
    trials.push(Trial::test(
        "harness/expectations-name-live-cells",
        move || {
            let stale: Vec<String> = table
                .entries()
                .iter()
                .filter(|e| {
                    !engine_ids
                        .iter()
                        .any(|id| case_names.iter().any(|c| e.matches(id, c)))
                })
                .map(|e| format!("{} {}", e.engine, e.case))
                .collect();
            if stale.is_empty() {
                Ok(())
            } else {
                Err(format!(
                    "expectations.toml entries match no engine x case of the matrix: {stale:?}"
                )
                .into())
            }
        },
    ));

    libtest_mimic::run(&args, trials).exit_code()
}
