//! `COMPATIBILITY.md`: the published table of the default matrix, made from the
//! committed snapshots alone (so a test can tell when it is stale without
//! running any engine). Per behaviour case, engine versions that behave the same
//! share a letter (the reference's behaviour is `A`); the lines where the others
//! differ follow; then the cross-version grids.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::path::Path;

use anyhow::Result;

use crate::cases::Case;
use crate::matrix::Matrix;
use crate::snapshot;

/// The command that regenerates the file; named by the staleness test.
pub const REGENERATE: &str = "cargo run --release -- report --compatibility";

/// Render `COMPATIBILITY.md` from the snapshots under `root` for `matrix`'s
/// engines and the local `cases`.
pub fn render(root: &Path, matrix: &Matrix, cases: &[Case]) -> Result<String> {
    let engines: Vec<String> = matrix.engines().iter().map(|e| e.id.to_string()).collect();
    let reference = matrix.reference.to_string();
    let mut s = String::new();
    let _ = writeln!(
        s,
        "# Compatibility of the default matrix\n\n\
         Generated from the reviewed snapshots under `snapshots/` by `{REGENERATE}`; \
         a test fails when this file is stale. Per behaviour case, engine versions \
         whose snapshots are identical share a letter; `A` is the behaviour of the \
         reference, `{reference}`; `-` means no snapshot (the case does not run there). \
         The lines where a behaviour differs from `A` follow the table. Spec-suite \
         pass rates are in docs/matrix.md and in `wasm-compat report`; what the \
         cases found is in FINDINGS.md.\n"
    );
    super::markdown::table_head(&mut s, "case", &engines, ":-:");
    let mut details = String::new();
    let mut grids = String::new();
    for case in cases.iter().filter(|c| snapshot::is_kept(root, c)) {
        let folder = snapshot::folder(root, &case.name);
        if case.cross_version {
            for family in matrix.families.keys() {
                if let Some(grid) = snapshot::stored(&folder, family) {
                    let _ = writeln!(
                        grids,
                        "\n### `{}` on {family}\n\n```text\n{grid}\n```",
                        case.name
                    );
                }
            }
            continue;
        }
        let bodies: Vec<Option<String>> = engines
            .iter()
            .map(|e| snapshot::stored(&folder, e))
            .collect();
        // Letters in order of first appearance, the reference's first.
        let mut letters: BTreeMap<String, char> = BTreeMap::new();
        let mut order: Vec<String> = Vec::new();
        let ref_index = engines.iter().position(|e| *e == reference);
        let ref_body = ref_index.and_then(|i| bodies[i].clone());
        if let Some(b) = &ref_body {
            letters.insert(b.clone(), 'A');
            order.push(b.clone());
        }
        for b in bodies.iter().flatten() {
            if !letters.contains_key(b) {
                let letter = (b'A' + letters.len() as u8) as char;
                letters.insert(b.clone(), letter);
                order.push(b.clone());
            }
        }
        let _ = write!(s, "| `{}` |", case.name);
        for b in &bodies {
            match b {
                Some(b) => {
                    let _ = write!(s, " {} |", letters[b]);
                }
                None => s.push_str(" - |"),
            }
        }
        s.push('\n');
        if order.len() > 1 {
            let base = order[0].clone();
            let _ = writeln!(details, "\n### `{}`\n", case.name);
            for b in order.iter().skip(1) {
                let who: Vec<&str> = engines
                    .iter()
                    .zip(&bodies)
                    .filter(|(_, x)| x.as_ref() == Some(b))
                    .map(|(e, _)| e.as_str())
                    .collect();
                let _ = writeln!(
                    details,
                    "`{}` ({}), lines that differ from `A`:\n",
                    letters[b],
                    who.join(", ")
                );
                let base_lines: std::collections::HashSet<&str> = base.lines().collect();
                let _ = writeln!(details, "```text");
                for line in b.lines().filter(|l| !base_lines.contains(l)) {
                    let _ = writeln!(details, "{line}");
                }
                let _ = writeln!(details, "```\n");
            }
        }
    }
    if !details.is_empty() {
        let _ = writeln!(s, "\n## Where behaviours differ");
        s.push_str(&details);
    }
    if !grids.is_empty() {
        let _ = writeln!(
            s,
            "\n## Cross-version cases\n\nRows: the version that made the artifact or cache; columns: the version that used it."
        );
        s.push_str(&grids);
    }
    Ok(s.trim_end().to_string() + "\n")
}
