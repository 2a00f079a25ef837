//! The one case-driven test binary: one trial per planned unit, named as the
//! plan names it (`engine@version/case-path`, or `family@*/case-path` for a
//! cross-version case's grid over every ordered pair of the family's
//! versions), so `cargo test -- wasmi@0.31` or `cargo test -- memory_grow`
//! filters.
//!
//! Adapters are built (or found in the cache) before the trials run, only for
//! the units the filter selects; `--list` builds nothing. A unit the plan says
//! cannot run here is an ignored `[unsupported]` trial, never dropped.
//! Environment: `WASM_COMPAT_MATRIX` picks another matrix file.
//!
//! An unexpected cell runs a second time in a fresh process before it fails
//! its trial (`run::run_unit`); one that does not reproduce (`flaky`) passes
//! with a note on stderr, or fails under `WASM_COMPAT_STRICT=1` (as `run
//! --strict` does).
//!
//! A local case (`cases/...`) is also asserted against its reviewed insta
//! snapshot (`snapshots/...`, see `wasm_compat::snapshot`): the case's records
//! per engine, or the family's grid.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use libtest_mimic::{Arguments, Failed, Trial};
use wasm_compat::adapter::Pool;
use wasm_compat::cases::{all_cases, Case};
use wasm_compat::expectations::Expectations;
use wasm_compat::matrix::Matrix;
use wasm_compat::plan::{self, Engines, Unit};
use wasm_compat::results::{CaseResult, Status};
use wasm_compat::run::{buffers, parse_cases, prepare_all, run_unit, Parsed, Snapshots};
use wasm_compat::{fsutil, snapshot};

/// What every trial shares.
struct Context {
    matrix: Matrix,
    root: PathBuf,
    expectations: Expectations,
    engines: Engines,
    /// The selected cases, each parsed once for every engine.
    parsed: Parsed<'static>,
    /// The idle adapter processes of the trials (one per test thread or so).
    pool: Pool,
}

/// Assert `text` against the insta snapshot `name` of local case `case`;
/// `messages` (the engines' words) go into the snapshot's metadata, which insta
/// does not compare.
fn assert_snapshot(
    root: &Path,
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

/// Whether a flaky cell fails its trial: `WASM_COMPAT_STRICT=1`, the test
/// binary's `run --strict`.
fn strict() -> bool {
    std::env::var_os("WASM_COMPAT_STRICT").is_some_and(|v| v == "1")
}

/// Every cell that did not pass, known-fail or turn out unsupported; a flaky
/// one only when [`strict`], and a note otherwise.
fn failures(results: &[CaseResult]) -> Result<(), Failed> {
    let strict = strict();
    for r in results
        .iter()
        .filter(|r| r.status == Status::Flaky && !strict)
    {
        let why = r.reason.as_deref().unwrap_or_default();
        eprintln!(
            "note: {}: flaky (passes; WASM_COMPAT_STRICT=1 fails it): {why}",
            r.cell()
        );
    }
    let problems: Vec<String> = results
        .iter()
        .filter(|r| match r.status {
            Status::Pass | Status::KnownFailure | Status::Unsupported => false,
            Status::Flaky => strict,
            _ => true,
        })
        .map(|r| {
            let why = r.reason.clone().unwrap_or_default();
            format!("{}: {:?}: {why}", r.cell(), r.status)
        })
        .collect();
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("\n").into())
    }
}

/// Run one unit, then assert its snapshot: the engine's records, or the grid.
/// A snapshot that differs is confirmed first, as `run` confirms an
/// unexpected result: the unit runs again, and only a difference that comes
/// back fails the trial (a second run that matches is flaky: a note, or a
/// failure under [`strict`]). With `INSTA_UPDATE` set the first run is what
/// insta writes.
fn check_unit(unit: &Unit, cx: &Context) -> Result<(), Failed> {
    let run = || {
        let results = run_unit(
            unit,
            &cx.engines,
            &cx.parsed,
            cx.matrix.limits.caps(),
            &cx.expectations,
            &Snapshots::Skip,
            &cx.pool,
        );
        failures(&results)?;
        Ok::<_, Failed>(snapshot_of(unit, &results))
    };
    let case = unit.case();
    if !snapshot::is_kept(&cx.root, case) {
        return run().map(|_| ());
    }
    let Some(first) = run()? else {
        return Ok(());
    };
    let folder = snapshot::folder(&cx.root, &case.name);
    let stored = snapshot::stored(&folder, &first.name);
    let matches = |s: &Snap| stored.as_deref() == Some(s.text.trim_end());
    if matches(&first) || stored.is_none() || updating() {
        return assert_snapshot(&cx.root, case, &first.name, &first.text, &first.messages);
    }
    let second = run()?.unwrap_or(first);
    if matches(&second) && !strict() {
        eprintln!(
            "note: {}/{}: flaky (the snapshot differed once, then matched in a second run; \
             WASM_COMPAT_STRICT=1 fails it)",
            second.name, case.name
        );
        return Ok(());
    }
    assert_snapshot(&cx.root, case, &second.name, &second.text, &second.messages)
}

/// One unit's snapshot: its name (the engine, or the family for a grid), body
/// and the engines' words; `None` for a cell that cannot run here.
struct Snap {
    name: String,
    text: String,
    messages: Vec<String>,
}

fn snapshot_of(unit: &Unit, results: &[CaseResult]) -> Option<Snap> {
    match unit {
        Unit::Single(cell) => {
            let r = &results[0];
            (r.status != Status::Unsupported).then(|| Snap {
                name: cell.id.engine.to_string(),
                text: snapshot::render(&r.directives),
                messages: snapshot::messages(&r.directives),
            })
        }
        Unit::Grid { family, .. } => {
            let grid = snapshot::pair_grids(results)
                .into_values()
                .next()
                .unwrap_or_default();
            let messages: Vec<String> = results
                .iter()
                .flat_map(|r| {
                    let second = r.second.as_ref().map(|s| s.version.to_string());
                    let pair = format!("{} -> {}", r.engine.version, second.unwrap_or_default());
                    snapshot::messages(&r.directives)
                        .into_iter()
                        .map(move |m| format!("{pair}: {m}"))
                })
                .collect();
            Some(Snap {
                name: family.clone(),
                text: grid,
                messages,
            })
        }
    }
}

/// Whether insta is asked to write snapshots (`INSTA_UPDATE` other than `no`).
fn updating() -> bool {
    std::env::var("INSTA_UPDATE").is_ok_and(|v| !v.is_empty() && v != "no")
}

fn passes_filter(args: &Arguments, name: &str) -> bool {
    let matches = |f: &str| {
        if args.exact {
            name == f
        } else {
            name.contains(f)
        }
    };
    args.filter.as_deref().is_none_or(matches) && !args.skip.iter().any(|s| matches(s))
}

/// The matrix, its cases and its known-failure table.
fn load() -> anyhow::Result<(Matrix, Vec<Arc<Case>>, Expectations)> {
    let path = std::env::var_os("WASM_COMPAT_MATRIX")
        .map(PathBuf::from)
        .unwrap_or_else(|| fsutil::repo_root().join("matrix.toml"));
    let matrix = Matrix::load(&path)?;
    let cases = all_cases(&matrix.base_dir(), &matrix.suites)?;
    let expectations = Expectations::load(&matrix.base_dir().join("expectations.toml"))?;
    Ok((
        matrix,
        cases.into_iter().map(Arc::new).collect(),
        expectations,
    ))
}

fn main() -> ExitCode {
    let args = Arguments::from_args();
    let (matrix, cases, expectations) = match load() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e:#}");
            return ExitCode::from(2);
        }
    };
    let units = plan::units(&matrix.engines(), &cases);
    // Build and greet the engines the selected units need (nothing for --list).
    let needed: BTreeSet<_> = units
        .iter()
        .filter(|u| !args.list && passes_filter(&args, &u.name()))
        .flat_map(|u| u.engines().into_iter().cloned())
        .collect();
    let specs: Vec<_> = matrix
        .engines()
        .into_iter()
        .filter(|s| needed.contains(&s.id))
        .collect();
    let engines = if specs.is_empty() {
        Engines::new()
    } else {
        let builder = match wasm_compat::builder::Builder::new(
            &fsutil::cache_dir(),
            wasm_compat::progress::stderr_is_terminal(),
        ) {
            Ok(b) => b,
            Err(e) => {
                eprintln!("error: {e:#}");
                return ExitCode::from(2);
            }
        };
        prepare_all(&builder, &specs, matrix.limits.request_timeout())
    };
    let cx = Arc::new(Context {
        root: matrix.base_dir(),
        matrix,
        expectations,
        engines,
        parsed: parse_once(&cases, &units, &args),
        pool: Pool::new(std::thread::available_parallelism().map_or(1, |n| n.get())),
    });
    let mut trials: Vec<Trial> = units
        .into_iter()
        .map(|unit| match unit.unsupported(&cx.engines, &cx.parsed) {
            Some(_) => Trial::test(unit.name(), || Ok(()))
                .with_kind("unsupported")
                .with_ignored_flag(true),
            None => {
                let cx = cx.clone();
                Trial::test(unit.name(), move || check_unit(&unit, &cx))
            }
        })
        .collect();
    trials.push(expectations_name_live_cells(&cx, &cases));
    if std::env::var_os("WASM_COMPAT_MATRIX").is_none() {
        trials.push(compatibility_md_is_current(&cx, &cases));
        trials.push(findings_md_is_current(&cx, &cases));
    }
    libtest_mimic::run(&args, trials).exit_code()
}

/// FINDINGS.md is made from the case files and the known-failure table.
fn findings_md_is_current(cx: &Arc<Context>, cases: &[Arc<Case>]) -> Trial {
    use wasm_compat::report::findings;
    let cx = cx.clone();
    let local: Vec<Case> = cases
        .iter()
        .filter(|c| c.path.is_some())
        .map(|c| (**c).clone())
        .collect();
    Trial::test("harness/findings-md-is-current", move || {
        let fresh =
            findings::render(&cx.root, &local, &cx.expectations).map_err(|e| format!("{e:#}"))?;
        let path = cx.root.join(findings::FILE);
        let stored = std::fs::read_to_string(&path).unwrap_or_default();
        if stored == fresh {
            Ok(())
        } else {
            Err(format!(
                "{} is stale relative to the case files and expectations.toml; \
                 regenerate it with `{}`",
                path.display(),
                findings::REGENERATE
            )
            .into())
        }
    })
}

/// The cases of the selected units, parsed and encoded once for every engine
/// that runs them; kept (leaked) for the trials, which live as long as the
/// process.
fn parse_once(cases: &[Arc<Case>], units: &[Unit], args: &Arguments) -> Parsed<'static> {
    let selected: BTreeSet<&str> = units
        .iter()
        .filter(|u| !args.list && passes_filter(args, &u.name()))
        .map(|u| u.case().name.as_str())
        .collect();
    let cases: &'static [Arc<Case>] = cases
        .iter()
        .filter(|c| selected.contains(c.name.as_str()))
        .cloned()
        .collect::<Vec<_>>()
        .leak();
    parse_cases(cases, buffers(cases).leak())
}

/// The known-failure table names only engines and cases that exist.
fn expectations_name_live_cells(cx: &Arc<Context>, cases: &[Arc<Case>]) -> Trial {
    let cx = cx.clone();
    let case_names: Vec<String> = cases.iter().map(|c| c.name.clone()).collect();
    Trial::test("harness/expectations-name-live-cells", move || {
        let engine_ids: Vec<String> = cx
            .matrix
            .engines()
            .iter()
            .map(|e| e.id.to_string())
            .collect();
        let stale: Vec<String> = cx
            .expectations
            .entries()
            .iter()
            .filter(|e| {
                !engine_ids
                    .iter()
                    .any(|id| case_names.iter().any(|c| e.names(id, c)))
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
    })
}

/// COMPATIBILITY.md is made from the committed snapshots of the default matrix.
fn compatibility_md_is_current(cx: &Arc<Context>, cases: &[Arc<Case>]) -> Trial {
    let cx = cx.clone();
    let local: Vec<Case> = cases.iter().map(|c| (**c).clone()).collect();
    Trial::test("harness/compatibility-md-is-current", move || {
        let fresh = wasm_compat::report::compatibility::render(&cx.root, &cx.matrix, &local)
            .map_err(|e| format!("{e:#}"))?;
        let path = cx.root.join("COMPATIBILITY.md");
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
    })
}
