//! The one case-driven test binary: a trial per `engine@version` x case, named
//! `engine@version/case-path`, so `cargo test -- wasmi@0.31` or
//! `cargo test -- memory_grow` filters.
//!
//! Adapters are built (or found in the cache) before the trials run, only for the
//! engines the filter selects; `--list` builds nothing. A case an engine version
//! cannot run is listed as an ignored `[unsupported]` trial, never dropped.
//! Environment: `WASM_COMPAT_MATRIX` picks another matrix file.
//!
//! A local case (`cases/...`) is also checked against its reviewed insta snapshot
//! (`snapshots/...`, see `wasm_compat::snapshot`); a cross-version case is one
//! trial per family, `FAMILY@*/case`, that runs every ordered pair of the
//! family's versions and snapshots the grid.

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
use wasm_compat::run::{grid_text, prepare_engine, run_pair, run_trial, ReadyEngine, Status};
use wasm_compat::snapshot;

/// Assert `text` against the insta snapshot `name` of local case `case`;
/// `messages` (the engines' words) go into the snapshot's metadata, which insta
/// does not compare.
fn assert_snapshot(
    root: &std::path::Path,
    case: &Case,
    name: &str,
    text: &str,
    messages: &[String],
) -> Result<(), Failed> {
    let mut settings = insta::Settings::clone_current();
    if !messages.is_empty() {
        settings.set_info(&messages);
    }
    settings.set_snapshot_path(snapshot::folder(root, &case.name));
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings.set_description(format!("{} on {name}", case.name));
    if let Some(path) = &case.path {
        settings.set_input_file(path);
    }
    // insta prints the diff and panics on a mismatch; the trial then fails
    // with the one update switch named.
    let checked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        settings.bind(|| insta::assert_snapshot!(name.to_string(), text))
    }));
    checked.map_err(|_| {
        Failed::from(format!(
            "the snapshot {}/{name}.snap differs from this run (diff above); {}",
            snapshot::folder(root, &case.name).display(),
            snapshot::UPDATE_HINT
        ))
    })
}

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
    let caps = matrix.limits.caps();

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

    let root = Arc::new(matrix.base_dir());
    let mut trials = Vec::new();
    for spec in matrix.engines() {
        for case in cases.iter().filter(|c| !c.cross_version) {
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
            let root = root.clone();
            trials.push(Trial::test(name, move || {
                let engine = match engine {
                    Some(Ok(e)) => e,
                    Some(Err(e)) => {
                        return Err(Failed::from(format!("the adapter is not available: {e}")))
                    }
                    None => return Err(Failed::from("the adapter was not prepared")),
                };
                let result = run_trial(&engine, &case, caps, &expectations);
                match result.status {
                    Status::Pass | Status::KnownFailure | Status::Unsupported => {}
                    status => {
                        return Err(Failed::from(format!(
                            "{status:?}: {}",
                            result.reason.unwrap_or_default()
                        )))
                    }
                }
                if snapshot::is_snapshotted(&case.name) && result.status != Status::Unsupported {
                    let text = snapshot::render(&result.directives);
                    let messages = snapshot::messages(&result.directives);
                    return assert_snapshot(
                        &root,
                        &case,
                        &result.engine.to_string(),
                        &text,
                        &messages,
                    );
                }
                Ok(())
            }));
        }
    }

    // Cross-version cases: one trial per family, over every ordered pair.
    for (family, fam) in &matrix.families {
        let ids: Vec<EngineId> = fam
            .versions
            .iter()
            .map(|v| EngineId {
                engine: family.clone(),
                version: v.clone(),
            })
            .collect();
        for case in cases.iter().filter(|c| c.cross_version) {
            let name = format!("{family}@*/{}", case.name);
            let engines: Vec<_> = ids
                .iter()
                .map(|id| (id.clone(), ready.get(id).cloned()))
                .collect();
            let case = case.clone();
            let expectations = expectations.clone();
            let root = root.clone();
            let family = family.clone();
            trials.push(Trial::test(name, move || {
                let mut list = Vec::new();
                for (id, engine) in engines {
                    match engine {
                        Some(Ok(e)) => list.push(e),
                        Some(Err(e)) => {
                            return Err(format!("{id}: the adapter is not available: {e}").into())
                        }
                        None => return Err(format!("{id}: the adapter was not prepared").into()),
                    }
                }
                let mut results = Vec::new();
                let mut problems = Vec::new();
                for a in &list {
                    for b in &list {
                        let r = run_pair(a, b, &case, caps, &expectations);
                        if !matches!(
                            r.status,
                            Status::Pass | Status::KnownFailure | Status::Unsupported
                        ) {
                            problems.push(format!(
                                "{} -> {}: {:?}: {}",
                                a.adapter.id,
                                b.adapter.id.version,
                                r.status,
                                r.reason.clone().unwrap_or_default()
                            ));
                        }
                        results.push(r);
                    }
                }
                if !problems.is_empty() {
                    return Err(problems.join("\n").into());
                }
                let grid = grid_text(&results);
                let messages: Vec<String> = results
                    .iter()
                    .flat_map(|r| {
                        let pair = format!(
                            "{} -> {}",
                            r.engine.version,
                            r.second.as_ref().map(|s| s.version.as_str()).unwrap_or("?")
                        );
                        snapshot::messages(&r.directives)
                            .into_iter()
                            .map(move |m| format!("{pair}: {m}"))
                    })
                    .collect();
                if !snapshot::is_snapshotted(&case.name) {
                    return Ok(());
                }
                assert_snapshot(&root, &case, &family, &grid, &messages)
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

    // COMPATIBILITY.md is made from the committed snapshots of the default matrix.
    if std::env::var_os("WASM_COMPAT_MATRIX").is_none() {
        let local: Vec<Case> = cases.iter().map(|c| (**c).clone()).collect();
        let matrix = matrix.clone();
        let base = root.as_ref().clone();
        trials.push(Trial::test(
            "harness/compatibility-md-is-current",
            move || {
                let fresh = wasm_compat::report::compatibility::render(&base, &matrix, &local)
                    .map_err(|e| format!("{e:#}"))?;
                let path = base.join("COMPATIBILITY.md");
                let stored = std::fs::read_to_string(&path).unwrap_or_default();
                if stored == fresh {
                    Ok(())
                } else {
                    Err(format!(
                        "{} is stale relative to the snapshots; regenerate it with `{}`",
                        path.display(),
                        wasm_compat::report::compatibility::REGENERATE
                    )
                    .into())
                }
            },
        ));
    }

    libtest_mimic::run(&args, trials).exit_code()
}
