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
//! By default only the matrix's quick profile runs (`[profiles.quick]` in
//! matrix.toml: one version of each family and the reference); the binary
//! ends with a line counting the trials it left out. `WASM_COMPAT_FULL=1` runs
//! every cell, and the cross-version grids, which need every version of a
//! family. The trials over whole-matrix documents (COMPATIBILITY.md,
//! FINDINGS.md, the known-failure table) read the whole matrix and the
//! committed files in either case.
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
    /// How to accept a changed snapshot, as this run was run.
    update_hint: String,
}

/// Assert `text` against the insta snapshot `name` of local case `case`;
/// `messages` (the engines' words) go into the snapshot's metadata, which insta
/// does not compare.
fn assert_snapshot(
    cx: &Context,
    case: &Case,
    name: &str,
    text: &str,
    messages: &[String],
) -> Result<(), Failed> {
    let mut settings = insta::Settings::clone_current();
    if !messages.is_empty() {
        settings.set_info(&messages);
    }
    settings.set_snapshot_path(snapshot::folder(&cx.root, &case.name));
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
            snapshot::folder(&cx.root, &case.name).display(),
            cx.update_hint
        ))
    })
}

/// insta's update switch, named with `WASM_COMPAT_FULL=1` when this run has
/// it: a cell outside the quick profile is written only by a run that has it.
fn update_hint(matrix: &Matrix, full: bool) -> String {
    let hint = snapshot::UPDATE_HINT;
    if full && matrix.quick.is_some() {
        hint.replace("INSTA_UPDATE=", "WASM_COMPAT_FULL=1 INSTA_UPDATE=")
    } else {
        hint.to_string()
    }
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
        return assert_snapshot(cx, case, &first.name, &first.text, &first.messages);
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
    assert_snapshot(cx, case, &second.name, &second.text, &second.messages)
}

/// One unit's snapshot: its name (the engine, or the family for a grid), body
/// and the engines' words; `None` for a cell that cannot run here.
struct Snap {
    name: String,
    text: String,
    messages: Vec<String>,
}

/// The name of a unit's snapshot: the engine, or the family for a grid.
fn snapshot_name(unit: &Unit) -> String {
    match unit {
        Unit::Single(cell) => cell.id.engine.to_string(),
        Unit::Grid { family, .. } => family.clone(),
    }
}

fn snapshot_of(unit: &Unit, results: &[CaseResult]) -> Option<Snap> {
    match unit {
        Unit::Single(_) => {
            let r = &results[0];
            (r.status != Status::Unsupported).then(|| Snap {
                name: snapshot_name(unit),
                text: snapshot::render(&r.directives),
                messages: snapshot::messages(&r.directives),
            })
        }
        Unit::Grid { .. } => {
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
                name: snapshot_name(unit),
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

/// The matrix, its cases, its known-failure table, and whether the whole
/// matrix runs ([`full`]).
fn load() -> anyhow::Result<(Matrix, Vec<Arc<Case>>, Expectations, bool)> {
    let full = wasm_compat::matrix::full_requested()?;
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
        full,
    ))
}

fn main() -> ExitCode {
    let args = Arguments::from_args();
    let (matrix, cases, expectations, full) = match load() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e:#}");
            return ExitCode::from(2);
        }
    };
    let (units, left_out) = profile(plan::units(&matrix.engines(), &cases), &matrix, full);
    keep_snapshots_of(&matrix.base_dir(), &left_out);
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
        update_hint: update_hint(&matrix, full),
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
        trials.push(compat_tables_are_current(&cx));
        trials.push(findings_md_is_current(&cx, &cases));
    }
    let conclusion = libtest_mimic::run(&args, trials);
    if !left_out.is_empty() {
        eprintln!("{}", left_out_line(&left_out, &cx.matrix, &args));
    }
    conclusion.exit_code()
}

/// The units this run takes and those it leaves out: all of them when `full`
/// or without a quick profile; otherwise the single cells of the quick
/// profile's engines, and no cross-version grid (a grid needs every version
/// of its family).
fn profile(units: Vec<Unit>, matrix: &Matrix, full: bool) -> (Vec<Unit>, Vec<Unit>) {
    if full || matrix.quick.is_none() {
        return (units, Vec::new());
    }
    let quick: BTreeSet<_> = matrix.quick_engines().into_iter().map(|e| e.id).collect();
    units.into_iter().partition(|u| match u {
        Unit::Single(cell) => quick.contains(&cell.id.engine),
        Unit::Grid { .. } => false,
    })
}

/// The closing line of a quick run: how many trials it left out, of which
/// engines, how many of them the filter selects, and the switch that runs
/// them.
fn left_out_line(left_out: &[Unit], matrix: &Matrix, args: &Arguments) -> String {
    let engines: BTreeSet<_> = left_out
        .iter()
        .filter_map(|u| match u {
            Unit::Single(cell) => Some(&cell.id.engine),
            Unit::Grid { .. } => None,
        })
        .collect();
    let grids = left_out
        .iter()
        .filter(|u| matches!(u, Unit::Grid { .. }))
        .count();
    let selected = left_out
        .iter()
        .filter(|u| passes_filter(args, &u.name()))
        .count();
    let filtered = if args.filter.is_some() || !args.skip.is_empty() {
        format!(" ({selected} of them match the filter)")
    } else {
        String::new()
    };
    let cells: usize = left_out.iter().map(|u| u.cells().len()).sum();
    format!(
        "compat: the quick profile ([profiles.quick] of {}) left out {} trials, {cells} cells\
         {filtered}: those of {} other engine versions and configurations, and {grids} \
         cross-version grids; WASM_COMPAT_FULL=1 runs the whole matrix",
        matrix.path.display(),
        left_out.len(),
        engines.len(),
    )
}

/// Under `cargo insta test`, which lists the snapshots a run asserted
/// (`INSTA_SNAPSHOT_REFERENCES_FILE`) to find unreferenced ones, the
/// snapshots of the units left out count as asserted: a quick run must not
/// have them reported or deleted.
fn keep_snapshots_of(root: &Path, left_out: &[Unit]) {
    let Some(list) = std::env::var_os("INSTA_SNAPSHOT_REFERENCES_FILE") else {
        return;
    };
    let mut lines = String::new();
    for unit in left_out
        .iter()
        .filter(|u| snapshot::is_kept(root, u.case()))
    {
        let folder = snapshot::folder(root, &unit.case().name);
        let path = folder.join(format!("{}.snap", snapshot_name(unit)));
        if path.is_file() {
            lines.push_str(&format!("{}\n", path.display()));
        }
    }
    let written = std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .open(&list)
        .and_then(|mut f| std::io::Write::write_all(&mut f, lines.as_bytes()));
    if let Err(e) = written {
        eprintln!("warning: cannot list the left-out snapshots in {list:?}: {e}");
    }
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

/// The known-failure table names only engines and cases that exist: those of
/// the whole matrix, whichever profile runs.
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

/// `docs/compat/` (the published sweep tables) is what `sweep table` makes
/// of its own `table.json`: no file hand-edited, none stale.
fn compat_tables_are_current(cx: &Arc<Context>) -> Trial {
    let cx = cx.clone();
    Trial::test("harness/compat-tables-are-current", move || {
        use wasm_compat::report::{sweep_pages, sweep_table::SweepTable, webassembly_org};
        let dir = cx.root.join("docs/compat");
        let json = std::fs::read_to_string(dir.join("table.json"))
            .map_err(|e| format!("{}: {e}", dir.join("table.json").display()))?;
        let table: SweepTable =
            serde_json::from_str(&json).map_err(|e| format!("docs/compat/table.json: {e}"))?;
        let claims = webassembly_org::parse(webassembly_org::KEPT).map_err(|e| format!("{e:#}"))?;
        let comparison = webassembly_org::compare(&table, &claims);
        let mut stale = Vec::new();
        for (name, text) in sweep_pages::render(&table, &comparison) {
            if std::fs::read_to_string(dir.join(&name)).ok().as_deref() != Some(text.as_str()) {
                stale.push(name);
            }
        }
        match stale.is_empty() {
            true => Ok(()),
            false => Err(format!(
                "docs/compat: {stale:?} differ from what its table.json makes; regenerate them with \
                 `cargo run --release -- sweep table --from-json docs/compat/table.json --out docs/compat` \
                 (or from the sweep folders with `--dir`)"
            )
            .into()),
        }
    })
}

/// COMPATIBILITY.md is made from the committed snapshots of the default matrix
/// (the whole matrix, whichever profile runs: it runs no engine).
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
