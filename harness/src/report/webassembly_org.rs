//! webassembly.org's feature table beside a sweep's firsts: for each family
//! swept and each proposal it has a row for, what the site says (a first
//! version, yes, no, behind a flag) against the first release found with the
//! proposal on by default and the first where its files pass; the
//! disagreements are listed for a person to look at, never decided here.
//! The site's data (`features.json` of the WebAssembly/website repository)
//! is kept, for the five families, in `harness/data/`; a newer copy of the
//! whole file can be given instead.

use std::collections::BTreeMap;

use anyhow::{Context, Result};
use serde::Serialize;

use super::sweep_table::{FamilyTable, RowKind, SweepTable};
use crate::proposal::Proposal;

/// The kept copy of the site's data for the families swept.
pub const KEPT: &str = include_str!("../../data/webassembly-org-features.json");

/// The site's feature keys and the proposal each names.
const FEATURES: &[(&str, Proposal)] = &[
    ("bulkMemory", Proposal::BulkMemory),
    (
        "customAnnotationSyntaxInTheTextFormat",
        Proposal::Annotations,
    ),
    ("customDescriptors", Proposal::CustomDescriptors),
    ("customPageSizes", Proposal::CustomPageSizes),
    ("exceptionsFinal", Proposal::Exceptions),
    ("extendedConst", Proposal::ExtendedConst),
    ("gc", Proposal::Gc),
    ("memory64", Proposal::Memory64),
    ("multiMemory", Proposal::MultiMemory),
    ("multiValue", Proposal::MultiValue),
    ("mutableGlobals", Proposal::MutableGlobal),
    ("referenceTypes", Proposal::ReferenceTypes),
    ("relaxedSimd", Proposal::RelaxedSimd),
    (
        "saturatedFloatToInt",
        Proposal::NontrappingFloatToIntConversions,
    ),
    ("signExtensions", Proposal::SignExtensionOps),
    ("simd", Proposal::Simd),
    ("stackSwitching", Proposal::StackSwitching),
    ("tailCall", Proposal::TailCall),
    ("threads", Proposal::Threads),
    ("typedFunctionReferences", Proposal::FunctionReferences),
    ("wideArithmetic", Proposal::WideArithmetic),
];

/// The site's name of each family.
const RUNTIMES: &[(&str, &str)] = &[
    ("node", "Node.js"),
    ("wasmtime", "Wasmtime"),
    ("wasmer", "Wasmer"),
    ("wazero", "wazero"),
    ("wasmi", "Wasmi"),
];

/// What the site says of one feature in one runtime.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Claim {
    /// Supported from this version.
    Since(String),
    /// Supported, no version given.
    Yes,
    /// Not supported (or not known: `null`).
    No,
    /// Behind a flag, with how.
    Flag(String),
}

impl std::fmt::Display for Claim {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Claim::Since(v) => write!(f, "from {v}"),
            Claim::Yes => f.write_str("yes"),
            Claim::No => f.write_str("no"),
            Claim::Flag(how) => write!(f, "flag ({how})"),
        }
    }
}

/// The site's claims: runtime name, then proposal.
pub type Claims = BTreeMap<String, BTreeMap<Proposal, Claim>>;

/// Read the site's data: the kept extract (`runtimes`) or the whole
/// `features.json` (`browsers`, each with `features`).
pub fn parse(text: &str) -> Result<Claims> {
    let json: serde_json::Value =
        serde_json::from_str(text).context("webassembly.org's features data is not JSON")?;
    let runtimes = json
        .get("runtimes")
        .or_else(|| json.get("browsers"))
        .and_then(|r| r.as_object())
        .context("webassembly.org's features data has neither `runtimes` nor `browsers`")?;
    let mut out = Claims::new();
    for (name, runtime) in runtimes {
        let features = runtime.get("features").unwrap_or(runtime);
        let mut claims = BTreeMap::new();
        for (key, proposal) in FEATURES {
            let claim = match features.get(*key) {
                None | Some(serde_json::Value::Null) | Some(serde_json::Value::Bool(false)) => {
                    Claim::No
                }
                Some(serde_json::Value::Bool(true)) => Claim::Yes,
                Some(serde_json::Value::String(s)) if s == "flag" => Claim::Flag(String::new()),
                Some(serde_json::Value::String(s)) => Claim::Since(s.clone()),
                Some(serde_json::Value::Array(a)) => match a.first().and_then(|v| v.as_str()) {
                    Some("flag") => {
                        Claim::Flag(a.get(1).and_then(|v| v.as_str()).unwrap_or("").to_string())
                    }
                    Some(v) => Claim::Since(v.to_string()),
                    None => Claim::No,
                },
                Some(other) => {
                    anyhow::bail!("webassembly.org's features data: {name}.{key} is {other}")
                }
            };
            claims.insert(*proposal, claim);
        }
        out.insert(name.clone(), claims);
    }
    Ok(out)
}

/// One proposal of one family, the site beside the sweep.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Line {
    /// The family.
    pub family: String,
    /// The proposal.
    pub proposal: Proposal,
    /// What the site says.
    pub site: Claim,
    /// The first release swept with it on by default.
    pub on_by_default: Option<String>,
    /// The first release swept where its files pass.
    pub passing: Option<String>,
    /// Files passing on the newest release swept, of those that applied.
    pub newest: Option<(u32, u32)>,
    /// Why the two disagree, when they do.
    pub disagreement: Option<String>,
}

/// Whether `version` (`0.43.1`) is the release the site names (`0.43`, `25`, `22.0`).
fn names(site: &str, version: &str) -> bool {
    let site: Vec<&str> = site.split('.').collect();
    let ours: Vec<&str> = version.split('.').collect();
    site.iter().zip(&ours).all(|(a, b)| a == b) && site.len() <= ours.len()
}

/// Compare one family's table with the site's claims for it.
pub fn compare_family(table: &FamilyTable, claims: &Claims) -> Vec<Line> {
    let Some(site_name) = RUNTIMES
        .iter()
        .find(|(f, _)| *f == table.family)
        .map(|(_, n)| *n)
    else {
        return Vec::new();
    };
    let Some(site) = claims.get(site_name) else {
        return Vec::new();
    };
    let run: Vec<usize> = (0..table.releases.len())
        .filter(|&i| table.releases[i].not_run.is_none())
        .collect();
    let (Some(&first), Some(&newest)) = (run.first(), run.last()) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for row in table
        .rows
        .iter()
        .filter(|r| matches!(r.kind, RowKind::Standard | RowKind::Proposal))
    {
        let Ok(proposal) = row.name.parse::<Proposal>() else {
            continue;
        };
        let Some(claim) = site.get(&proposal).cloned() else {
            continue;
        };
        let newest_square = row.squares[newest];
        let on_newest = table.releases[newest]
            .on_by_default
            .as_ref()
            .map(|on| on.iter().any(|n| n == proposal.name()));
        let passes_newest = newest_square.passes();
        let first_version = &table.releases[first].version;
        // Annotations live in the text format: engines take binaries here,
        // so the sweep cannot see what the site speaks of.
        if proposal == Proposal::Annotations {
            continue;
        }
        let newest_version = &table.releases[newest].version;
        let counted = format!(
            "{} of {} files pass on {newest_version}",
            newest_square.pass,
            newest_square.total()
        );
        let claims_support = !matches!(claim, Claim::No);
        // Without a probe (mutable globals: every engine's baseline), only
        // the files tell.
        let disagreement = if proposal.probe().is_none() {
            match (claims_support, passes_newest) {
                (true, false) => Some(format!("the site says {claim}; {counted}")),
                (false, true) => Some(format!("the site says no; {counted}")),
                _ => None,
            }
        } else {
            match (&claim, row.first_passing.as_deref()) {
                // The site names the release support came in, enabled by
                // default or not.
                (Claim::Since(v), Some(p))
                    if names(v, p) || (before(v, first_version) && p == first_version.as_str()) =>
                {
                    None
                }
                _ => by_default(
                    &claim,
                    row.first_on_by_default.as_deref(),
                    on_newest,
                    passes_newest,
                    newest_square.pass > 0,
                    (first_version, newest_version),
                ),
            }
        };
        let disagreement = match disagreement {
            None if claims_support
                && on_newest == Some(true)
                && !passes_newest
                && newest_square.total() > 0 =>
            {
                Some(format!("on by default as the site says, but {counted}"))
            }
            d => d,
        };
        out.push(Line {
            family: table.family.clone(),
            proposal,
            site: claim,
            on_by_default: match proposal.probe() {
                Some(_) => row.first_on_by_default.clone(),
                None => None,
            },
            passing: row.first_passing.clone(),
            newest: Some((newest_square.pass, newest_square.total())),
            disagreement,
        });
    }
    out
}

/// Whether the site's `claim` disagrees with the first release found with
/// the proposal on by default (`first_on`), and whether it is on in the
/// newest release swept; `range` is the first and newest release swept.
fn by_default(
    claim: &Claim,
    first_on: Option<&str>,
    on_newest: Option<bool>,
    passes_newest: bool,
    any_pass: bool,
    (first_version, newest_version): (&str, &str),
) -> Option<String> {
    match (claim, first_on, on_newest) {
        (_, _, None) => Some("the newest release swept has no on-by-default probe".to_string()),
        (Claim::Since(v), Some(d), _) if names(v, d) => None,
        (Claim::Since(v), Some(d), _) if d == first_version && before(v, first_version) => None,
        (Claim::Since(v), Some(d), _) => Some(format!(
            "the site says from {v}; on by default here from {d}"
        )),
        (Claim::Since(v), None, _) if before(newest_version, v) => None,
        (Claim::Since(v), None, _) => Some(format!(
            "the site says from {v}; not on by default in any release swept, and its files do not all pass from {v} on"
        )),
        (Claim::Yes, _, Some(true)) => None,
        (Claim::Yes, _, Some(false)) => {
            Some("the site says yes; off by default in the newest release swept".into())
        }
        (Claim::No, _, Some(false)) if !passes_newest => None,
        (Claim::No, _, Some(false)) => Some(
            "the site says no; off by default here, but its files pass when the harness enables it"
                .into(),
        ),
        (Claim::No, Some(d), Some(true)) => {
            Some(format!("the site says no; on by default here from {d}"))
        }
        (Claim::Flag(_), _, Some(false)) if passes_newest || any_pass => None,
        (Claim::Flag(_), _, Some(false)) => Some(
            "the site says behind a flag; off by default, and no file passes when enabled".into(),
        ),
        (Claim::Flag(_), d, Some(true)) => Some(format!(
            "the site says behind a flag; on by default here from {}",
            d.unwrap_or("?")
        )),
        (Claim::No, None, Some(true)) => {
            Some("the site says no; on by default in the newest release swept".into())
        }
    }
}

/// Whether the dotted version `a` (`0.14`) is before `b` (`0.31.0`).
fn before(a: &str, b: &str) -> bool {
    let nums = |s: &str| {
        s.split('.')
            .map(|p| p.parse::<u64>().unwrap_or(0))
            .collect::<Vec<u64>>()
    };
    let (a, b) = (nums(a), nums(b));
    a.iter()
        .zip(&b)
        .find(|(x, y)| x != y)
        .is_some_and(|(x, y)| x < y)
}

/// Every family of `table` against `claims`.
pub fn compare(table: &SweepTable, claims: &Claims) -> Vec<Line> {
    table
        .families
        .iter()
        .flat_map(|f| compare_family(f, claims))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_kept_data_parses_and_names_every_family() {
        let claims = parse(KEPT).unwrap();
        for (_, name) in RUNTIMES {
            assert!(claims.contains_key(*name), "{name}");
        }
        assert_eq!(
            claims["Wasmi"][&Proposal::Simd],
            Claim::Since("0.43".into())
        );
        assert_eq!(
            claims["wazero"][&Proposal::Threads],
            Claim::Flag(String::new())
        );
        assert_eq!(claims["wazero"][&Proposal::Gc], Claim::No);
        assert_eq!(
            claims["Wasmtime"][&Proposal::Gc],
            Claim::Flag("Requires flag `--wasm=gc`".into())
        );
    }

    /// wazero with three releases: SIMD on from the first, GC never, and
    /// threads off by default but passing when enabled.
    fn family() -> FamilyTable {
        use super::super::sweep_table::{Column, Row, Square};
        let column = |v: &str, on: &[&str]| Column {
            version: v.into(),
            withdrawn: None,
            not_run: None,
            host: None,
            on_by_default: Some(on.iter().map(|s| s.to_string()).collect()),
        };
        let row = |kind,
                   name: &str,
                   squares: [[u32; 4]; 3],
                   first_passing: Option<&str>,
                   first_on: Option<&str>| Row {
            kind,
            name: name.into(),
            files: vec!["f".into()],
            squares: squares.iter().map(|s| Square::from(*s)).collect(),
            first_passing: first_passing.map(String::from),
            first_on_by_default: first_on.map(String::from),
            regressions: Vec::new(),
        };
        FamilyTable {
            family: "wazero".into(),
            releases: vec![
                column("1.0.0", &["simd"]),
                column("1.1.0", &["simd", "gc"]),
                column("1.2.0", &["simd", "gc"]),
            ],
            rows: vec![
                row(
                    RowKind::Proposal,
                    "simd",
                    [[2, 0, 0, 0]; 3],
                    Some("1.0.0"),
                    Some("1.0.0"),
                ),
                row(
                    RowKind::Standard,
                    "gc",
                    [[0, 0, 0, 1], [1, 0, 0, 0], [1, 0, 0, 0]],
                    Some("1.1.0"),
                    Some("1.1.0"),
                ),
                row(RowKind::Proposal, "threads", [[1, 0, 1, 0]; 3], None, None),
                row(
                    RowKind::Behaviour,
                    "cases/x.wast",
                    [[1, 0, 0, 0]; 3],
                    Some("1.0.0"),
                    None,
                ),
            ],
        }
    }

    #[test]
    fn agreements_and_disagreements_with_the_site_are_told_apart() {
        let lines = compare_family(&family(), &parse(KEPT).unwrap());
        let line = |p: Proposal| lines.iter().find(|l| l.proposal == p).unwrap();
        // The site: simd yes, gc no, threads behind a flag.
        assert_eq!(line(Proposal::Simd).disagreement, None);
        assert_eq!(
            line(Proposal::Gc).disagreement.as_deref(),
            Some("the site says no; on by default here from 1.1.0")
        );
        assert_eq!(
            line(Proposal::Threads).disagreement,
            None,
            "off by default, some files pass when enabled"
        );
        assert_eq!(lines.len(), 3, "behaviour rows are not compared");
    }

    #[test]
    fn a_site_version_names_the_releases_of_its_line() {
        assert!(names("0.43", "0.43.1"));
        assert!(names("22.0", "22.0.0"));
        assert!(names("25", "25.0.3"));
        assert!(!names("0.43", "0.44.0"));
        assert!(!names("22.0", "22.1.0"));
        assert!(before("0.14", "0.31.0"));
        assert!(!before("0.41", "0.31.0"));
    }
}
