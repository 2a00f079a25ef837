//! Differential fuzzing across engine versions (`wasm-compat fuzz`): modules
//! generated from seeds with `wasm-smith`, their exports called with
//! generated arguments on every engine, out of process like every case. A
//! difference is confirmed by running both sides again, shrunk with
//! `wasm-shrink` while it remains, and written as an ordinary case.
//!
//! A generated module is a case text (`(module binary ...)` and one
//! `(observe (invoke ...))` per exported function), so it runs through the
//! one interpreter; two engines differ when their snapshot lines differ.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use anyhow::{Context, Result};
use arbitrary::Unstructured;
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use serde::{Deserialize, Serialize};
use wasm_compat_protocol::{FailureKind, Value};
use wasmparser::{Parser, Payload, ValType};

use crate::adapter::Caps;
use crate::cases::Case;
use crate::engine_id::EngineId;
use crate::interp::CaseRun;
use crate::interp::Parsed;
use crate::outcome::{agree, Actual, DirectiveRecord};
use crate::plan::ReadyEngine;
use crate::proposal::Proposal;
use crate::run::Processes;
use crate::wast_text::{binary_module, quoted};

/// Proposals `wasm-smith` can generate and the switch for each; the rest
/// (GC, threads, exceptions, memory64, ...) stay off: they are not in every
/// engine, and threads are not deterministic.
pub const SMITH_PROPOSALS: &[Proposal] = &[
    Proposal::MultiValue,
    Proposal::SignExtensionOps,
    Proposal::NontrappingFloatToIntConversions,
    Proposal::BulkMemory,
    Proposal::ReferenceTypes,
    Proposal::Simd,
];

/// The `wasm-smith` configuration for modules every engine of the run can
/// take: the proposals all of them announce (`common`), NaNs canonicalised
/// (as wasmtime's differential fuzzing does), no imports, every item exported.
pub fn smith_config(common: &[Proposal]) -> wasm_smith::Config {
    let on = |p: Proposal| common.contains(&p);
    let mut config = wasm_smith::Config {
        multi_value_enabled: on(Proposal::MultiValue),
        sign_extension_ops_enabled: on(Proposal::SignExtensionOps),
        saturating_float_to_int_enabled: on(Proposal::NontrappingFloatToIntConversions),
        bulk_memory_enabled: on(Proposal::BulkMemory),
        reference_types_enabled: on(Proposal::ReferenceTypes),
        simd_enabled: on(Proposal::Simd),
        ..wasm_smith::Config::default()
    };
    config.relaxed_simd_enabled = false;
    config.threads_enabled = false;
    config.shared_everything_threads_enabled = false;
    config.exceptions_enabled = false;
    config.gc_enabled = false;
    config.memory64_enabled = false;
    config.tail_call_enabled = false;
    config.wide_arithmetic_enabled = false;
    config.extended_const_enabled = false;
    config.custom_page_sizes_enabled = false;
    config.compact_imports_enabled = false;
    config.canonicalize_nans = true;
    config.max_imports = 0;
    config.min_funcs = 1;
    config.max_funcs = 20;
    config.max_memories = 1;
    config.max_tables = 1;
    config.max_memory32_bytes = 1 << 22;
    config.max_table_elements = 1000;
    config.export_everything = true;
    config.allow_start_export = true;
    config
}

/// Fuel each generated function gets per call before it traps, so every
/// module terminates.
const FUEL: u32 = 10_000;

/// The module of one seed.
pub fn module(seed: u64, common: &[Proposal]) -> Result<Vec<u8>> {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut bytes = vec![0u8; 8192];
    rng.fill(&mut bytes[..]);
    let mut u = Unstructured::new(&bytes);
    let mut module = wasm_smith::Module::new(smith_config(common), &mut u)
        .with_context(|| format!("wasm-smith on seed {seed}"))?;
    module
        .ensure_termination(FUEL)
        .map_err(|e| anyhow::anyhow!("seed {seed}: cannot bound the module's loops: {e}"))?;
    Ok(module.to_bytes())
}

/// One call of an exported function.
#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    /// The export.
    pub export: String,
    /// Its arguments.
    pub args: Vec<Value>,
}

/// A call of every exported function whose parameters are numbers, with
/// arguments drawn from `seed` (edge values half of the time).
pub fn calls(bytes: &[u8], seed: u64) -> Vec<Call> {
    let mut types: Vec<wasmparser::FuncType> = Vec::new();
    let mut funcs: Vec<u32> = Vec::new();
    let mut exports: Vec<(String, u32)> = Vec::new();
    for payload in Parser::new(0).parse_all(bytes) {
        match payload {
            Ok(Payload::TypeSection(s)) => {
                for group in s.into_iter().flatten() {
                    for sub in group.into_types() {
                        if let wasmparser::CompositeInnerType::Func(f) = sub.composite_type.inner {
                            types.push(f);
                        }
                    }
                }
            }
            Ok(Payload::FunctionSection(s)) => funcs.extend(s.into_iter().flatten()),
            Ok(Payload::ExportSection(s)) => {
                for e in s.into_iter().flatten() {
                    if e.kind == wasmparser::ExternalKind::Func {
                        exports.push((e.name.to_string(), e.index));
                    }
                }
            }
            Err(_) => return Vec::new(),
            _ => {}
        }
    }
    let mut rng = StdRng::seed_from_u64(seed ^ 0x9e37_79b9_7f4a_7c15);
    let mut out = Vec::new();
    for (export, index) in exports {
        let Some(ty) = funcs
            .get(index as usize)
            .and_then(|t| types.get(*t as usize))
        else {
            continue;
        };
        let args: Option<Vec<Value>> = ty.params().iter().map(|p| argument(*p, &mut rng)).collect();
        if let Some(args) = args {
            out.push(Call { export, args });
        }
    }
    out
}

fn argument(ty: ValType, rng: &mut StdRng) -> Option<Value> {
    let edge = rng.random_bool(0.5);
    Some(match ty {
        ValType::I32 => {
            const EDGES: [u32; 6] = [0, 1, u32::MAX, 0x8000_0000, 0x7fff_ffff, 0xffff];
            Value::I32(if edge {
                EDGES[rng.random_range(0..EDGES.len())]
            } else {
                rng.random()
            })
        }
        ValType::I64 => {
            const EDGES: [u64; 5] = [0, 1, u64::MAX, 1 << 63, (1 << 63) - 1];
            Value::I64(if edge {
                EDGES[rng.random_range(0..EDGES.len())]
            } else {
                rng.random()
            })
        }
        ValType::F32 => {
            const EDGES: [u32; 7] = [
                0,
                0x8000_0000,
                0x3f80_0000,
                0x7f80_0000,
                0xff80_0000,
                0x7fc0_0000,
                1,
            ];
            Value::F32(if edge {
                EDGES[rng.random_range(0..EDGES.len())]
            } else {
                rng.random()
            })
        }
        ValType::F64 => {
            const EDGES: [u64; 6] = [
                0,
                1 << 63,
                0x3ff0_0000_0000_0000,
                0x7ff0_0000_0000_0000,
                0x7ff8_0000_0000_0000,
                1,
            ];
            Value::F64(if edge {
                EDGES[rng.random_range(0..EDGES.len())]
            } else {
                rng.random()
            })
        }
        _ => return None,
    })
}

/// A value as a wast constant, exact to the bit.
fn constant(value: &Value) -> String {
    match value {
        Value::I32(v) => format!("(i32.const {})", *v as i32),
        Value::I64(v) => format!("(i64.const {})", *v as i64),
        Value::F32(bits) => format!(
            "(f32.const {})",
            float_text(
                f32::from_bits(*bits).is_nan(),
                *bits as u64 >> 31 != 0,
                (*bits & 0x7f_ffff) as u64,
                || f32::from_bits(*bits).to_string()
            )
        ),
        Value::F64(bits) => format!(
            "(f64.const {})",
            float_text(
                f64::from_bits(*bits).is_nan(),
                *bits >> 63 != 0,
                *bits & 0xf_ffff_ffff_ffff,
                || f64::from_bits(*bits).to_string()
            )
        ),
        other => format!("{other:?}"),
    }
}

/// A float as wast text: NaNs with their payload, the rest in Rust's
/// shortest round-trip decimal (which wast reads back to the same bits).
fn float_text(nan: bool, negative: bool, payload: u64, decimal: impl Fn() -> String) -> String {
    if nan {
        format!("{}nan:0x{payload:x}", if negative { "-" } else { "" })
    } else {
        match decimal().as_str() {
            "inf" => "inf".into(),
            "-inf" => "-inf".into(),
            d => d.to_string(),
        }
    }
}

/// The case text of a module and its calls, under `header` comment lines.
pub fn case_text(header: &[String], bytes: &[u8], calls: &[Call]) -> String {
    let mut text = String::new();
    for line in header {
        let _ = writeln!(text, ";; {line}");
    }
    text.push('\n');
    text.push_str(&binary_module(bytes));
    text.push('\n');
    for call in calls {
        let args: Vec<String> = call.args.iter().map(constant).collect();
        let _ = writeln!(
            text,
            "(observe (invoke {} {}))",
            quoted(&call.export),
            args.join(" ")
        );
    }
    text
}

/// A case for `text`, named `name`, needing `features`.
fn case_of(name: &str, text: String, features: &[Proposal]) -> Case {
    Case {
        features: features.to_vec(),
        ..Case::from_text(name, "fuzz", text)
    }
}

/// What one engine did with a case: its directive records, or why it did not run.
#[derive(Debug, Clone)]
pub enum Transcript {
    /// The records.
    Ran(Vec<DirectiveRecord>),
    /// It cannot run the case.
    Unsupported(String),
    /// The case could not run (a harness error).
    Error(String),
}

/// Run `case` on `engine`: in an adapter process of `processes` (a pooled
/// one for the first run of a module, a fresh one to confirm a difference
/// and while shrinking, so a difference never rests on a reused process).
pub fn transcript(
    engine: &ReadyEngine,
    case: &Case,
    parsed: &Parsed<'_>,
    caps: Caps,
    processes: Processes<'_>,
) -> Transcript {
    match crate::run::run_alone(engine, case, parsed, caps, processes) {
        CaseRun::Ran(records) => Transcript::Ran(records),
        CaseRun::Unsupported(why) => Transcript::Unsupported(why.to_string()),
        CaseRun::Error(why) => Transcript::Error(why.to_string()),
    }
}

/// A record as its snapshot line without the `line:col` position (so a
/// shrunk module keeps matching).
fn unplaced(record: &DirectiveRecord) -> String {
    let line = crate::snapshot::render(std::slice::from_ref(record));
    let line = line.trim_end();
    line.split_once(' ')
        .map(|(_, rest)| rest)
        .unwrap_or(line)
        .to_string()
}

/// The first directive where two transcripts disagree (`outcome::agree`:
/// values by bits, failures by kind, a coarser trap kind agreeing with a
/// finer one), as (first's, second's) snapshot lines without positions;
/// none once either side exhausted its stack (how deep a stack goes is each
/// engine's own, and after that the runs are no longer comparable) or ran
/// out of its time (`fuzz --budget`: how fast a module runs is the engine's
/// own too; such runs are listed in [`Summary::slow`] instead).
pub fn first_difference(a: &Transcript, b: &Transcript) -> Option<(String, String)> {
    let (Transcript::Ran(a), Transcript::Ran(b)) = (a, b) else {
        return None;
    };
    for i in 0..a.len().max(b.len()) {
        let (x, y) = match (a.get(i), b.get(i)) {
            (Some(x), Some(y)) => (x, y),
            (Some(x), None) => return Some((unplaced(x), "(nothing)".into())),
            (None, Some(y)) => return Some(("(nothing)".into(), unplaced(y))),
            (None, None) => return None,
        };
        let incomparable = |r: &DirectiveRecord| {
            r.actual.failure_kind() == Some(&FailureKind::Exhaustion)
                || matches!(r.actual, Actual::Timeout { .. })
        };
        if incomparable(x) || incomparable(y) {
            return None;
        }
        if !agree(x, y) {
            return Some((unplaced(x), unplaced(y)));
        }
    }
    None
}

/// What makes two differences the same finding: the two outcomes, except
/// that a side refusing to compile the module is one finding whatever the
/// other side then did (a configuration without a proposal refuses every
/// module using it, and the other side's outcomes vary with the module).
pub fn difference_class(outcomes: &(String, String)) -> (String, String) {
    let refused = |o: &str| o.starts_with("module: compile");
    match outcomes {
        (a, _) if refused(a) => (a.clone(), "*".into()),
        (_, b) if refused(b) => ("*".into(), b.clone()),
        other => other.clone(),
    }
}

/// The pairs of engines whose transcripts a run compares: consecutive
/// engines of one family (in matrix order), and each engine of another
/// family with the reference.
pub fn pairs(engines: &[EngineId], reference: &EngineId) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    for i in 1..engines.len() {
        if engines[i].engine == engines[i - 1].engine {
            out.push((i - 1, i));
        }
    }
    if let Some(r) = engines.iter().position(|e| e == reference) {
        for (i, e) in engines.iter().enumerate() {
            if e.engine != reference.engine {
                out.push((r, i));
            }
        }
    }
    out
}

/// One difference found, confirmed or not.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Finding {
    /// The module's seed.
    pub seed: u64,
    /// The two engines.
    pub engines: (String, String),
    /// What each did at the first directive where they differ.
    pub outcomes: (String, String),
    /// Whether running both again gave the same difference.
    pub confirmed: bool,
    /// The module's size before and after shrinking.
    pub bytes: (usize, usize),
    /// The case file written, if any.
    pub case: Option<String>,
}

/// `wasm-compat fuzz`'s summary, also written as JSON.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Summary {
    /// The first seed.
    pub seed: u64,
    /// The engines compared.
    pub engines: Vec<String>,
    /// Proposals the generated modules may use.
    pub proposals: Vec<String>,
    /// Modules generated and run.
    pub modules: u64,
    /// Calls made, over all engines.
    pub calls: u64,
    /// Seconds spent.
    pub seconds: f64,
    /// Confirmed differences (one per distinct pair of outcomes).
    pub findings: Vec<Finding>,
    /// Differences that did not repeat.
    pub flaky: Vec<Finding>,
    /// Modules `wasm-smith` could not make, or cases that could not run.
    pub errors: Vec<String>,
    /// The longest one module could run on one engine, in seconds.
    #[serde(default)]
    pub budget_secs: u64,
    /// Modules an engine did not finish within the budget (compared only
    /// up to where its time ran out).
    #[serde(default)]
    pub slow: Vec<Slow>,
}

/// A module one engine did not finish within `fuzz --budget`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Slow {
    /// The module's seed.
    pub seed: u64,
    /// The engine.
    pub engine: String,
}

impl Transcript {
    /// Whether the run ran out of its time.
    pub fn timed_out(&self) -> bool {
        matches!(self, Transcript::Ran(records)
            if records.iter().any(|r| matches!(r.actual, Actual::Timeout { .. })))
    }
}

impl Summary {
    /// Read a summary `fuzz` wrote.
    pub fn load(path: &std::path::Path) -> Result<Summary> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("reading the fuzz summary {}", path.display()))?;
        serde_json::from_str(&text)
            .with_context(|| format!("{}: not a fuzz summary", path.display()))
    }

    /// The summary as a Markdown section (for `report --fuzz`).
    pub fn markdown(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(
            s,
            "\n## Differential fuzzing\n\n{} modules from seed {} ({} calls) on {} engines in {:.0} s, \
             proposals [{}]: {} confirmed differences, {} flaky, {} errors.\n",
            self.modules,
            self.seed,
            self.calls,
            self.engines.len(),
            self.seconds,
            self.proposals.join(", "),
            self.findings.len(),
            self.flaky.len(),
            self.errors.len()
        );
        if !self.slow.is_empty() {
            let mut by_engine: BTreeMap<&str, usize> = BTreeMap::new();
            for slow in &self.slow {
                *by_engine.entry(&slow.engine).or_default() += 1;
            }
            let counts: Vec<String> = by_engine
                .iter()
                .map(|(engine, n)| format!("`{engine}` {n}"))
                .collect();
            let _ = writeln!(
                s,
                "Module runs over the budget of {} s, compared only up to there: {}.\n",
                self.budget_secs,
                counts.join(", ")
            );
        }
        if !self.findings.is_empty() || !self.flaky.is_empty() {
            let _ = writeln!(
                s,
                "| seed | engines | outcomes | bytes | case |\n|---|---|---|---|---|"
            );
        }
        for f in self.findings.iter().chain(&self.flaky) {
            let cell = |t: &str| t.replace('|', "\\|");
            let _ = writeln!(
                s,
                "| {} | `{}` vs `{}`{} | {} / {} | {} → {} | {} |",
                f.seed,
                f.engines.0,
                f.engines.1,
                if f.confirmed { "" } else { " (flaky)" },
                cell(&f.outcomes.0),
                cell(&f.outcomes.1),
                f.bytes.0,
                f.bytes.1,
                f.case
                    .as_deref()
                    .map(|c| format!("`{c}`"))
                    .unwrap_or_default()
            );
        }
        s
    }
}

/// Shrink `bytes` while `engines` still show the difference `outcomes`.
pub fn shrink(
    bytes: &[u8],
    seed: u64,
    features: &[Proposal],
    engines: (&ReadyEngine, &ReadyEngine),
    outcomes: &(String, String),
    attempts: u32,
    caps: Caps,
    deadline: std::time::Instant,
) -> Vec<u8> {
    let shrunk = wasm_shrink::WasmShrink::default()
        .attempts(attempts)
        .seed(seed)
        .run(bytes.to_vec(), |candidate| {
            // Out of time: every candidate is uninteresting, which ends the
            // shrink at once with the smallest found so far.
            if std::time::Instant::now() >= deadline {
                return Ok(false);
            }
            let text = case_text(&[], candidate, &calls(candidate, seed));
            let case = case_of("fuzz/shrink.wast", text, features);
            let a = transcript(engines.0, &case, &Parsed::new(), caps, Processes::Fresh);
            let b = transcript(engines.1, &case, &Parsed::new(), caps, Processes::Fresh);
            Ok(first_difference(&a, &b).as_ref() == Some(outcomes))
        });
    match shrunk {
        Ok(info) => info.output,
        Err(_) => bytes.to_vec(),
    }
}

/// The case of one module seed: its name and text.
pub fn module_case(seed: u64, bytes: &[u8], features: &[Proposal]) -> Case {
    let text = case_text(&[], bytes, &calls(bytes, seed));
    case_of(&format!("fuzz/{seed}.wast"), text, features)
}

/// A promoted finding as a case file's text: the seed and both outcomes in
/// its header, then the shrunk module and its calls.
pub fn finding_text(finding: &Finding, bytes: &[u8], bisect: Option<String>) -> String {
    let mut header = vec![
        format!(
            "Found by `wasm-compat fuzz`: module seed {} ({} bytes, shrunk from {}).",
            finding.seed, finding.bytes.1, finding.bytes.0
        ),
        format!("{}: {}", finding.engines.0, finding.outcomes.0),
        format!("{}: {}", finding.engines.1, finding.outcomes.1),
    ];
    if let Some(cmd) = bisect {
        header.push(format!("Which release changed it: {cmd}"));
    }
    case_text(&header, bytes, &calls(bytes, finding.seed))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outcome::{Actual, Verdict};

    #[test]
    fn a_seed_makes_the_same_valid_module_every_time() {
        let all = SMITH_PROPOSALS.to_vec();
        let a = module(7, &all).unwrap();
        assert_eq!(a, module(7, &all).unwrap());
        assert_ne!(a, module(8, &all).unwrap());
        wasmparser::Validator::new().validate_all(&a).unwrap();
        // Without SIMD in common, no module uses it.
        let scalar: Vec<Proposal> = all
            .iter()
            .copied()
            .filter(|p| *p != Proposal::Simd)
            .collect();
        for seed in 0..20 {
            let bytes = module(seed, &scalar).unwrap();
            let mut features = wasmparser::WasmFeatures::default();
            features.remove(wasmparser::WasmFeatures::SIMD);
            wasmparser::Validator::new_with_features(features)
                .validate_all(&bytes)
                .unwrap_or_else(|e| panic!("seed {seed}: {e}"));
        }
    }

    #[test]
    fn every_module_case_parses_and_calls_each_numeric_export() {
        let all = SMITH_PROPOSALS.to_vec();
        let mut calls_seen = 0;
        for seed in 0..30 {
            let bytes = module(seed, &all).unwrap();
            let case = module_case(seed, &bytes, &all);
            let buf = wast::parser::ParseBuffer::new(&case.text).unwrap();
            if let Err(e) = wast::parser::parse::<crate::script::Script<'_>>(&buf) {
                panic!("seed {seed}: {e}\n{}", case.text);
            }
            calls_seen += calls(&bytes, seed).len();
        }
        assert!(calls_seen > 10, "{calls_seen}");
    }

    #[test]
    fn a_summary_reads_back_and_renders_each_finding() {
        let summary = Summary {
            seed: 5,
            engines: vec!["e@1.0.0".into(), "e@2.0.0".into()],
            modules: 3,
            calls: 12,
            findings: vec![Finding {
                seed: 6,
                engines: ("e@1.0.0".into(), "e@2.0.0".into()),
                outcomes: (
                    "invoke: [i32:0x00000001]".into(),
                    "invoke: trap unreachable".into(),
                ),
                confirmed: true,
                bytes: (300, 40),
                case: Some("cases/fuzz/e-6-0.wast".into()),
            }],
            budget_secs: 2,
            slow: vec![
                Slow {
                    seed: 7,
                    engine: "e@1.0.0".into(),
                },
                Slow {
                    seed: 8,
                    engine: "e@1.0.0".into(),
                },
            ],
            ..Summary::default()
        };
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("fuzz.json");
        std::fs::write(&path, serde_json::to_string(&summary).unwrap()).unwrap();
        let back = Summary::load(&path).unwrap();
        let text = back.markdown();
        assert!(
            text.contains("3 modules from seed 5 (12 calls) on 2 engines"),
            "{text}"
        );
        assert!(
            text.contains("| 6 | `e@1.0.0` vs `e@2.0.0` | invoke: [i32:0x00000001] / invoke: trap unreachable | 300 → 40 | `cases/fuzz/e-6-0.wast` |"),
            "{text}"
        );
        assert!(
            text.contains("over the budget of 2 s, compared only up to there: `e@1.0.0` 2."),
            "{text}"
        );
        std::fs::write(&path, "{}x").unwrap();
        assert!(format!("{:#}", Summary::load(&path).unwrap_err()).contains("not a fuzz summary"));
    }

    #[test]
    fn constants_keep_their_bits() {
        assert_eq!(constant(&Value::I32(u32::MAX)), "(i32.const -1)");
        assert_eq!(
            constant(&Value::F32(0x7fc0_0001)),
            "(f32.const nan:0x400001)"
        );
        assert_eq!(
            constant(&Value::F64(0xfff8_0000_0000_0000)),
            "(f64.const -nan:0x8000000000000)"
        );
        assert_eq!(constant(&Value::F32(0xff80_0000)), "(f32.const -inf)");
        for bits in [1u32, 0x3f80_0001, 0x8000_0000, 0x0080_0000, 0x7f7f_ffff] {
            let text = format!(
                "(module (func (export \"f\") (result f32) {}))",
                constant(&Value::F32(bits))
            );
            let buf = wast::parser::ParseBuffer::new(&text).unwrap();
            let bytes = wast::parser::parse::<wast::Wat>(&buf)
                .unwrap()
                .encode()
                .unwrap();
            let mut found = None;
            for payload in Parser::new(0).parse_all(&bytes) {
                if let Ok(Payload::CodeSectionEntry(body)) = payload {
                    let mut ops = body.get_operators_reader().unwrap();
                    while !ops.eof() {
                        if let wasmparser::Operator::F32Const { value } = ops.read().unwrap() {
                            found = Some(value.bits());
                        }
                    }
                }
            }
            assert_eq!(found, Some(bits), "{text}");
        }
    }

    #[test]
    fn differences_ignore_positions_and_pairs_follow_families() {
        use wasm_compat_protocol::{Failure, TrapKind};
        let record = |line, actual| DirectiveRecord {
            line,
            col: 2,
            directive: "invoke".into(),
            second: false,
            expected: crate::outcome::OBSERVED.into(),
            actual,
            verdict: Verdict::Pass,
            why: None,
            agrees_with_reference: None,
        };
        let trap = |trap| {
            Actual::Failure(Failure {
                kind: FailureKind::Trap { trap },
                message: String::new(),
            })
        };
        let a = Transcript::Ran(vec![
            record(5, Actual::Ok),
            record(
                7,
                Actual::Values {
                    values: vec![Value::I32(1)],
                },
            ),
        ]);
        let b = Transcript::Ran(vec![
            record(6, Actual::Ok),
            record(8, trap(TrapKind::Unreachable)),
        ]);
        assert_eq!(
            first_difference(&a, &b),
            Some((
                "invoke: [i32:0x00000001]".into(),
                "invoke: trap unreachable".into()
            ))
        );
        assert_eq!(first_difference(&a, &a), None);
        // A coarser trap kind agrees with the finer one it covers.
        let fine = Transcript::Ran(vec![record(1, trap(TrapKind::IntegerOverflow))]);
        let coarse = Transcript::Ran(vec![record(
            1,
            trap(TrapKind::IntegerOverflowOrBadConversion),
        )]);
        assert_eq!(first_difference(&fine, &coarse), None);
        let deep = Transcript::Ran(vec![record(
            5,
            Actual::Failure(Failure {
                kind: FailureKind::Exhaustion,
                message: String::new(),
            }),
        )]);
        assert_eq!(first_difference(&a, &deep), None);
        // A run that ran out of its budget is compared only up to there.
        let slow = Transcript::Ran(vec![
            record(5, Actual::Ok),
            record(7, Actual::Timeout { after_secs: 2 }),
        ]);
        assert_eq!(first_difference(&b, &slow), None);
        assert!(slow.timed_out() && !a.timed_out());
        let slow_early = Transcript::Ran(vec![
            record(5, Actual::Timeout { after_secs: 2 }),
            record(7, Actual::NotRun),
        ]);
        assert_eq!(first_difference(&slow_early, &a), None);
        let differs_first = Transcript::Ran(vec![
            record(5, trap(TrapKind::Unreachable)),
            record(7, Actual::Timeout { after_secs: 2 }),
        ]);
        assert_eq!(
            first_difference(&a, &differs_first),
            Some(("invoke: ok".into(), "invoke: trap unreachable".into()))
        );
        let ids: Vec<EngineId> = [
            "wasmtime@1.0.0",
            "wasmtime@2.0.0",
            "wasmi@1.0.0",
            "wasmi@2.0.0",
        ]
        .iter()
        .map(|s| s.parse().unwrap())
        .collect();
        assert_eq!(
            difference_class(&(
                "module: trap unreachable".into(),
                "module: compile FAIL (expected success)".into()
            )),
            ("*".into(), "module: compile FAIL (expected success)".into())
        );
        assert_eq!(
            difference_class(&(
                "invoke: [i32:0x00000001]".into(),
                "invoke: trap unreachable".into()
            )),
            (
                "invoke: [i32:0x00000001]".into(),
                "invoke: trap unreachable".into()
            )
        );
        assert_eq!(pairs(&ids, &ids[1]), vec![(0, 1), (2, 3), (1, 2), (1, 3)]);
    }
}
