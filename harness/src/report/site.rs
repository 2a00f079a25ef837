//! `wasm-compat site`: a static site from the results of successive runs
//! (no server; it works from disk and from any static host). `index.html`
//! holds every run's status of every cell, compactly, and draws from it the
//! heatmap per engine version and area, a case's history across runs, the
//! diff between any two runs, "passed by N engines", filters by area and
//! proposal, and the first version of each family that passes each proposal
//! and behaviour case (also `firsts.json`); `runs/<n>.html` is each run's
//! full report, with transcripts. Opening `index.html#selftest` makes the
//! page exercise itself, as the report does.

use std::collections::BTreeMap;

use anyhow::Result;
use serde::Serialize;

use super::{disagrees, html, utc_date, LoadedRun, Table};
use crate::engine_id::EngineId;
use crate::results::{CaseResult, EngineEntry};

/// The files of a site: path relative to its folder, contents.
pub type Files = Vec<(String, String)>;

/// Per family (`wasmtime`, `wasmtime+winch`): the first version that
/// passes, or `None` when none of those run does.
pub type FirstByFamily = BTreeMap<String, Option<String>>;

/// The first passing version per family of each spec proposal (every case of
/// `proposals/<name>` passes) and of each behaviour case.
#[derive(Debug, Default, Serialize, PartialEq)]
pub struct Firsts {
    /// Proposal name -> family -> first version passing it (with the
    /// proposal enabled by the harness, where it is behind a setting): every
    /// file of the standard suite that exercises it, or, for a proposal with
    /// no such file, every file of its own folder (files that need a
    /// proposal the version lacks apply only to that proposal).
    pub proposals: BTreeMap<String, FirstByFamily>,
    /// Merged proposal name -> family -> first version passing every file
    /// of its proposal-era folder: history, whose old rules the standard
    /// may contradict.
    pub proposal_era: BTreeMap<String, FirstByFamily>,
    /// Proposal name -> family -> first version that has it on by default
    /// (probed when each engine started; the harness enabling nothing).
    pub on_by_default: BTreeMap<String, FirstByFamily>,
    /// Behaviour case -> family -> first version.
    pub cases: BTreeMap<String, FirstByFamily>,
}

#[derive(Serialize)]
struct RunView {
    label: String,
    source: String,
    page: String,
}

#[derive(Serialize)]
struct CaseView {
    name: String,
    area: String,
    proposal: Option<String>,
}

#[derive(Serialize)]
struct SiteData<'a> {
    title: String,
    reference: String,
    runs: Vec<RunView>,
    engines: Vec<String>,
    cases: Vec<CaseView>,
    /// `[run][engine]`: one character per case (see [`status_char`]).
    statuses: Vec<Vec<String>>,
    firsts: &'a Firsts,
}

/// One character for a cell's status, upper case when a directive
/// disagrees with the reference; `.` for no cell.
fn status_char(r: Option<&CaseResult>) -> char {
    let Some(r) = r else { return '.' };
    let c = r.status.code();
    if disagrees(r) {
        c.to_ascii_uppercase()
    } else {
        c
    }
}

/// The proposal a case belongs to: the spec suite `proposals/<name>`.
fn proposal_of(r: &CaseResult) -> Option<String> {
    (r.origin() == crate::cases::Origin::Spec)
        .then(|| r.suite.strip_prefix("proposals/").map(str::to_string))
        .flatten()
}

/// The site of `runs` (oldest first): its files.
pub fn render(runs: &[LoadedRun]) -> Result<Files> {
    let merged = Table::merge(runs)?;
    let tables: Vec<Table> = runs
        .iter()
        .map(|run| Table::merge(std::slice::from_ref(run)))
        .collect::<Result<_>>()?;
    let engines: Vec<EngineId> = merged.engine_order().to_vec();
    let names = merged.case_names();
    let cases: Vec<CaseView> = names
        .iter()
        .map(|name| {
            let any = engines.iter().find_map(|e| merged.cell(e, name));
            CaseView {
                name: name.clone(),
                area: any.map(CaseResult::area).unwrap_or_default(),
                proposal: any.and_then(proposal_of),
            }
        })
        .collect();
    let statuses = tables
        .iter()
        .map(|t| {
            engines
                .iter()
                .map(|e| names.iter().map(|c| status_char(t.cell(e, c))).collect())
                .collect()
        })
        .collect();
    let firsts = firsts(&merged);
    let mut files: Files = Vec::new();
    let mut run_views = Vec::new();
    for (i, (run, table)) in runs.iter().zip(&tables).enumerate() {
        let page = format!("runs/{}.html", i + 1);
        files.push((page.clone(), html::render(table, &[], &|| {})));
        run_views.push(RunView {
            label: utc_date(run.run.started_unix),
            source: run.path.display().to_string(),
            page,
        });
    }
    let data = SiteData {
        title: format!(
            "wasm-compat: {} run(s), latest {}",
            runs.len(),
            utc_date(merged.started_unix)
        ),
        reference: merged.reference.to_string(),
        runs: run_views,
        engines: engines.iter().map(|e| e.to_string()).collect(),
        cases,
        statuses,
        firsts: &firsts,
    };
    files.push((
        "index.html".into(),
        html::page_text(TEMPLATE, &html::script_json(&data)),
    ));
    files.push((
        "firsts.json".into(),
        serde_json::to_string_pretty(&firsts)? + "\n",
    ));
    Ok(files)
}

/// The first passing version per family, over the merged cells. A
/// proposal merged into the standard is judged by the standard suite's
/// files that exercise it (`sweep_table::row_specs`, as the sweep's table),
/// never by its proposal-era folder (kept apart, as history).
pub fn firsts(table: &Table) -> Firsts {
    use super::sweep_table::{self, RowKind};
    // family -> versions in order
    let mut families: BTreeMap<String, Vec<&EngineId>> = BTreeMap::new();
    for e in table.engine_order() {
        families.entry(e.family_label()).or_default().push(e);
    }
    let mut needs = BTreeMap::new();
    for case in table.case_names() {
        if let Some(r) = table
            .engine_order()
            .iter()
            .find_map(|e| table.cell(e, &case))
        {
            needs.insert(case, sweep_table::needs_of(r));
        }
    }
    let first = |spec: &sweep_table::RowSpec| -> FirstByFamily {
        families
            .iter()
            .map(|(family, versions)| {
                let v = versions
                    .iter()
                    .find(|e| spec.square(|c| table.cell(e, c)).passes())
                    .map(|e| e.version.to_string());
                (family.clone(), v)
            })
            .collect()
    };
    let mut firsts = Firsts {
        on_by_default: on_by_default(table),
        proposals: BTreeMap::new(),
        proposal_era: BTreeMap::new(),
        cases: BTreeMap::new(),
    };
    for spec in sweep_table::row_specs(&needs, sweep_table::STANDARD) {
        let into = match spec.kind {
            RowKind::Standard | RowKind::Proposal => &mut firsts.proposals,
            RowKind::History => &mut firsts.proposal_era,
            RowKind::Behaviour => &mut firsts.cases,
            RowKind::Core => continue,
        };
        into.insert(spec.name.clone(), first(&spec));
    }
    firsts
}

/// Per probed proposal, the first version of each family whose engine
/// entry has it on by default (versions whose entry has a probe record: the
/// default configuration and `+defaults`, which probe the same engine).
fn on_by_default(table: &Table) -> BTreeMap<String, FirstByFamily> {
    let mut families: BTreeMap<&str, Vec<&EngineEntry>> = BTreeMap::new();
    for (id, entry) in &table.engines {
        if (id.config.is_none() || id.defaults_only()) && entry.on_by_default.is_some() {
            families.entry(id.engine.as_str()).or_default().push(entry);
        }
    }
    for entries in families.values_mut() {
        entries.sort_by(|a, b| a.id.version.cmp(&b.id.version));
    }
    crate::proposal::Proposal::ALL
        .iter()
        .filter(|p| p.probe().is_some())
        .map(|p| {
            let firsts = families
                .iter()
                .map(|(family, entries)| {
                    let first = entries
                        .iter()
                        .find(|e| e.on_by_default.iter().flatten().any(|o| o == p.name()))
                        .map(|e| e.id.version.to_string());
                    (family.to_string(), first)
                })
                .collect();
            (p.name().to_string(), firsts)
        })
        .collect()
}

const TEMPLATE: &str = include_str!("site.html");
