//! The directive interpreter, written once over the adapter protocol: it walks a
//! case's wast directives, sends requests to an [`Engine`], and records what each
//! directive did and whether that is what the case expects.
//!
//! The interpreter never names a concrete engine. This module sets a case up
//! (parse, refuse what cannot run, encode, configure) and hands it to a
//! [`session::Session`]; `standard` and `behaviour` run the directives,
//! `verdict` judges them.

use std::collections::HashMap;
use std::path::Path;

use wasm_compat_protocol::{Capability, EngineConfig, FailureKind, Request, Response};
use wast::parser::{self, ParseBuffer};
use wast::{WastDirective, WastExecute};

use crate::adapter::{Engine, Exchange};
use crate::cases::{Case, Conventions};
use crate::outcome::DirectiveRecord;
use crate::proposal::{Needs, Proposal};
use crate::reason::Reason;
use crate::script::{self, Item, Script};

mod artifacts;
mod behaviour;
mod handles;
mod measure;
mod session;
mod standard;
mod step;
mod verdict;
mod window;

/// The name every temporary case folder of this process starts with (its
/// process id in it, so a check for leftovers counts this process's only,
/// even while another run shares the temporary folder).
pub fn case_dir_prefix() -> String {
    format!("wasm-compat-case-{}-", std::process::id())
}

#[cfg(test)]
mod fake;
#[cfg(test)]
mod tests;

pub use standard::directive_name;

use session::{CaseInputs, Session, Side};

/// How a whole case went on one engine.
#[derive(Debug, Clone)]
pub enum CaseRun {
    /// The directives ran (some may have failed, crashed or not run).
    Ran(Vec<DirectiveRecord>),
    /// The engine cannot run this case; nothing was run.
    Unsupported(Reason),
    /// The case could not be run: it is broken (does not parse, uses a
    /// directive wrongly), or the harness failed.
    Error(Reason),
}

/// One engine taking part in a case run: the first, or the second of a
/// cross-version pair.
pub struct Participant<'e> {
    /// The adapter process (already started).
    pub engine: &'e mut dyn Engine,
    /// The proposals a case may need on it: those it announced in its
    /// hello, or under `+defaults` those on by default.
    pub features: &'e [String],
    /// Whether it runs as `+defaults`: the harness enables nothing.
    pub defaults_only: bool,
    /// The optional requests it announced in its hello: a directive needing
    /// another is `unsupported` without being sent.
    pub capabilities: &'e [Capability],
}

/// Parse a case's text into a [`Script`]; errors name the file, line and column.
pub fn parse_script<'a>(buf: &'a ParseBuffer<'a>, case: &Case) -> Result<Script<'a>, String> {
    match parser::parse::<Script<'a>>(buf) {
        Ok(script) => Ok(script),
        // A file that is one bare module (fields without `(module ...)`) is
        // what the wast crate's own parser accepts beside directives.
        Err(e) => match parser::parse::<wast::Wast<'a>>(buf) {
            Ok(wast) if wast.directives.len() == 1 => Ok(Script {
                items: wast.directives.into_iter().map(Item::Wast).collect(),
            }),
            _ => Err(located(e, case)),
        },
    }
}

/// A case parsed, checked and with every module encoded: what does not
/// depend on the engine, done once however many engines run the case.
pub struct Prepared<'a> {
    script: Script<'a>,
    encoded: HashMap<usize, Result<Vec<u8>, String>>,
    inferred: Vec<Proposal>,
    /// It has `(configure ...)` directives: it enables proposals itself.
    configures: bool,
}

impl Prepared<'_> {
    /// The proposals the case's modules need that the case does not declare
    /// (see [`infer`]).
    pub fn inferred(&self) -> &[Proposal] {
        &self.inferred
    }

    /// What `case`, prepared as this, needs: declared and inferred.
    pub fn needs(&self, case: &Case) -> Needs {
        Needs {
            declared: case.features.clone(),
            inferred: self.inferred.clone(),
        }
    }

    /// Whether the case holds only standard wast directives (observed or
    /// not): it keeps nothing in its adapter that `configure` does not
    /// clear and measures nothing of the process, so it may run in a
    /// process that ran another case; anything else gets a fresh process.
    pub fn only_standard_directives(&self) -> bool {
        fn standard(items: &[Item<'_>]) -> bool {
            items.iter().all(|i| match i {
                Item::Wast(_) => true,
                Item::Behaviour(b) => {
                    matches!(&b.kind, script::BehaviourKind::Observe(inner) if standard(inner))
                }
            })
        }
        standard(&self.script.items)
    }
}

/// The cases of a run, each prepared once ([`prepare`]), by name: ready to
/// run, or how every cell of it ends. The plan decides from it before a cell
/// runs; a case not in it is prepared when it runs.
pub type Parsed<'a> = HashMap<&'a str, Result<Prepared<'a>, CaseRun>>;

/// The lexer's buffer of `case` (what a [`Prepared`] case borrows).
pub fn buffer(case: &Case) -> Result<ParseBuffer<'_>, String> {
    let mut lexer = wast::lexer::Lexer::new(&case.text);
    lexer.allow_confusing_unicode(true);
    ParseBuffer::new_with_lexer(lexer).map_err(|e| located(e, case))
}

/// Parse `case` from `buf`, refuse what no engine can run, encode its modules;
/// or how every cell of the case ends without running.
pub fn prepare<'a>(
    buf: Result<&'a ParseBuffer<'a>, &String>,
    case: &Case,
) -> Result<Prepared<'a>, CaseRun> {
    if let Some(why) = case.state.broken() {
        return Err(CaseRun::Error(why.clone()));
    }
    let buf = buf.map_err(|e| CaseRun::Error(broken(e)))?;
    let mut script = parse_script(buf, case).map_err(|e| match writes_component(&case.text) {
        // The wast crate's component syntax moves on; a core engine never runs one anyway.
        true => CaseRun::Unsupported(Reason::NotRunHere {
            at: Some(case.name.clone()),
            what: COMPONENT.to_string(),
        }),
        false => CaseRun::Error(broken(&e)),
    })?;
    if let Some(refused) = refuse(&script, case) {
        return Err(refused);
    }
    let mut encoded = encode_modules(&mut script.items);
    read_module_files(&script.items, case, &mut encoded).map_err(|e| CaseRun::Error(broken(&e)))?;
    let mut configures = false;
    script::for_each_behaviour(&script.items, &mut |b| {
        configures |= matches!(b.kind, script::BehaviourKind::Configure(_));
    });
    // A case that configures its engine itself says what it enables.
    let inferred = match configures {
        true => Vec::new(),
        false => infer(&script.items, &encoded, case),
    };
    Ok(Prepared {
        script,
        encoded,
        inferred,
        configures,
    })
}

/// The proposals that the modules `case` expects to be valid (not those of
/// `assert_invalid` or `assert_malformed`) and its folder's host modules
/// need, found by validation, beyond what the case declares and leaving out
/// what its header switches off (a case with `(configure ...)` directives
/// says itself what it enables: nothing is inferred for it).
fn infer(
    items: &[Item<'_>],
    encoded: &HashMap<usize, Result<Vec<u8>, String>>,
    case: &Case,
) -> Vec<Proposal> {
    let mut valid = Vec::new();
    script::for_each_wast(items, &mut |d| match d {
        WastDirective::Module(_)
        | WastDirective::ModuleDefinition(_)
        | WastDirective::AssertUnlinkable { .. }
        | WastDirective::AssertTrap {
            exec: WastExecute::Wat(_),
            ..
        }
        | WastDirective::AssertReturn {
            exec: WastExecute::Wat(_),
            ..
        }
        | WastDirective::AssertException {
            exec: WastExecute::Wat(_),
            ..
        } => valid.push(d.span().offset()),
        _ => {}
    });
    script::for_each_behaviour(items, &mut |b| {
        if let script::BehaviourKind::ModuleFile { .. } = &b.kind {
            valid.push(b.span.offset());
        }
    });
    let hosts = case.conventions.host_modules.iter().map(|h| &h.bytes[..]);
    let modules = valid
        .iter()
        .filter_map(|offset| match encoded.get(offset) {
            Some(Ok(bytes)) => Some(&bytes[..]),
            _ => None,
        })
        .chain(hosts);
    let mut out: Vec<Proposal> = Vec::new();
    for bytes in modules {
        for p in crate::proposal::needed_by(bytes).unwrap_or_default() {
            if !out.contains(&p) && !case.features.contains(&p) && !case.off.contains(&p) {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// Run `case` on `engines` (one, or two for a cross-version case) with the
/// case's features enabled.
pub fn run_case(engines: Vec<Participant<'_>>, case: &Case) -> CaseRun {
    run_case_in(engines, case, None)
}

/// [`run_case`] with the case's work folder (artifact files, compilation
/// caches) given, or a fresh temporary one when `None`.
fn run_case_in(engines: Vec<Participant<'_>>, case: &Case, workdir: Option<&Path>) -> CaseRun {
    let buf = buffer(case);
    let prepared = match prepare(buf.as_ref(), case) {
        Ok(prepared) => prepared,
        Err(ends) => return ends,
    };
    if let Some(why) = engines
        .iter()
        .find_map(|p| Reason::lacking(&prepared.needs(case), p.features, p.defaults_only))
    {
        return CaseRun::Unsupported(why);
    }
    run_prepared(engines, case, &prepared, workdir)
}

/// Run a case prepared by [`prepare`] on `engines`, which have every
/// proposal it needs (the plan decided that, [`Reason::lacking`]); in a fresh
/// temporary work folder when `workdir` is `None`.
pub fn run_prepared(
    mut engines: Vec<Participant<'_>>,
    case: &Case,
    prepared: &Prepared<'_>,
    workdir: Option<&Path>,
) -> CaseRun {
    let needs = prepared.needs(case);
    if case.cross_version && engines.len() != 2 {
        return CaseRun::Error(broken(&format!(
            "{}: a cross-version case runs on a pair of engine versions",
            case.name
        )));
    }
    engines.truncate(if case.cross_version { 2 } else { 1 });
    let temporary;
    let workdir = match workdir {
        Some(dir) => dir,
        None => match tempfile::Builder::new()
            .prefix(&case_dir_prefix())
            .tempdir()
        {
            Ok(dir) => {
                temporary = dir;
                temporary.path()
            }
            Err(e) => {
                return CaseRun::Error(Reason::Harness {
                    what: format!("cannot make a work folder for the case: {e}"),
                })
            }
        },
    };
    // Under `+defaults` the engine has what the case needs on by default,
    // and the harness enables nothing.
    let defaults_only = engines.iter().any(|p| p.defaults_only);
    if defaults_only && prepared.configures {
        return CaseRun::Unsupported(Reason::NotRunHere {
            at: None,
            what: "the case enables proposals itself (`configure`), which `+defaults` never does"
                .into(),
        });
    }
    let enabled = if defaults_only {
        Vec::new()
    } else {
        needs.all()
    };
    let base = EngineConfig {
        features: crate::proposal::wire_names(&enabled),
        ..Default::default()
    };
    let sides = match configure(engines, &base, &case.conventions) {
        Ok(sides) => sides,
        Err(refused) => return refused,
    };
    let inputs = CaseInputs::new(base, &prepared.encoded, workdir, case);
    CaseRun::Ran(Session::new(sides, inputs).run(&prepared.script.items))
}

/// A broken case, in `why`'s words (which name the place).
fn broken(why: &str) -> Reason {
    Reason::BrokenCase {
        what: why.to_string(),
    }
}

/// What a case holding a component is.
const COMPONENT: &str =
    "a component, which core engines do not run (wasm-compat runs core modules only)";

/// Why a parsed case cannot run, if it cannot.
fn refuse(script: &Script<'_>, case: &Case) -> Option<CaseRun> {
    if let Some(why) = unsupported_directive(script, case) {
        return Some(CaseRun::Unsupported(why));
    }
    if script::uses_second(&script.items) != case.cross_version {
        return Some(CaseRun::Error(broken(&format!(
            "{}: a case uses `(on second ...)` exactly when its header says `cross-version = true`",
            case.name
        ))));
    }
    None
}

/// The first directive wasm-compat does not run yet, with its place.
fn unsupported_directive(script: &Script<'_>, case: &Case) -> Option<Reason> {
    let mut unsupported = None;
    script::for_each_wast(&script.items, &mut |d| {
        if unsupported.is_some() {
            return;
        }
        let why = match d {
            WastDirective::Thread(_) | WastDirective::Wait { .. } => {
                "uses `thread`/`wait` directives, which need concurrent execution that wasm-compat does not run yet"
            }
            WastDirective::AssertSuspension { .. } => {
                "`assert_suspension` (stack switching) is not run by wasm-compat yet"
            }
            d if holds_component(d) => COMPONENT,
            _ => return,
        };
        // Located only when needed: finding a line scans the text from its start.
        let (line, col) = d.span().linecol_in(&case.text);
        unsupported = Some(Reason::NotRunHere {
            at: Some(format!("{}:{}:{}", case.name, line + 1, col + 1)),
            what: why.to_string(),
        });
    });
    unsupported
}

/// Whether the text has a `(component` form anywhere (read with the wast
/// crate's lexer, so comments and strings do not count).
fn writes_component(text: &str) -> bool {
    use wast::lexer::{Lexer, TokenKind};
    let mut after_paren = false;
    for token in Lexer::new(text).iter(0) {
        let Ok(token) = token else { return false };
        match token.kind {
            TokenKind::Whitespace | TokenKind::LineComment | TokenKind::BlockComment => {}
            TokenKind::LParen => after_paren = true,
            TokenKind::Keyword if after_paren && token.src(text) == "component" => return true,
            _ => after_paren = false,
        }
    }
    false
}

/// Whether `d` defines, expects or instantiates a component rather than a core module.
fn holds_component(d: &WastDirective<'_>) -> bool {
    use wast::{QuoteWat, Wat};
    let quoted = |q: &QuoteWat<'_>| {
        matches!(
            q,
            QuoteWat::Wat(Wat::Component(_)) | QuoteWat::QuoteComponent(..)
        )
    };
    match d {
        WastDirective::Module(q)
        | WastDirective::ModuleDefinition(q)
        | WastDirective::AssertMalformed { module: q, .. }
        | WastDirective::AssertInvalid { module: q, .. }
        | WastDirective::AssertMalformedCustom { module: q, .. }
        | WastDirective::AssertInvalidCustom { module: q, .. } => quoted(q),
        WastDirective::AssertUnlinkable { module, .. } => matches!(module, Wat::Component(_)),
        WastDirective::AssertTrap { exec, .. }
        | WastDirective::AssertReturn { exec, .. }
        | WastDirective::AssertException { exec, .. } => {
            matches!(exec, WastExecute::Wat(Wat::Component(_)))
        }
        _ => false,
    }
}

/// The first handles of the host modules a case's conventions define (far
/// above any a case's own directives reach).
const HOST_MODULE_HANDLES: u32 = 1 << 30;

/// The requests that define the host modules of `conventions`: each compiled,
/// instantiated and registered under its name.
fn host_module_requests(conventions: &Conventions) -> impl Iterator<Item = Request> + '_ {
    conventions
        .host_modules
        .iter()
        .zip(HOST_MODULE_HANDLES..)
        .flat_map(|(host, handle)| {
            [
                Request::Compile {
                    module: handle,
                    bytes: wasm_compat_protocol::Bytes(host.bytes.clone()),
                },
                Request::Instantiate {
                    module: handle,
                    instance: handle,
                },
                Request::Register {
                    instance: handle,
                    name: host.name.clone(),
                },
            ]
        })
}

/// Configure every engine with `base` and define the host functions and
/// host modules its folder's runner provides: one [`Side`] each, or how the
/// case ends.
fn configure<'e>(
    engines: Vec<Participant<'e>>,
    base: &EngineConfig,
    conventions: &Conventions,
) -> Result<Vec<Side<'e>>, CaseRun> {
    let hosts = &conventions.host_functions;
    let mut sides = Vec::new();
    for p in engines {
        if !hosts.is_empty() && !p.capabilities.contains(&Capability::HostFunctions) {
            return Err(CaseRun::Unsupported(Reason::EngineLacks {
                what: format!(
                    "{} defines host functions, and this adapter has none",
                    conventions_file(conventions)
                ),
            }));
        }
        let requests = std::iter::once(Request::Configure(base.clone()))
            .chain(hosts.iter().cloned().map(Request::DefineHost))
            .chain(host_module_requests(conventions));
        for request in requests {
            match p.engine.request(&request) {
                Exchange::Reply(Response::Ok(_)) => {}
                Exchange::Reply(Response::Err(f)) if f.kind == FailureKind::Unsupported => {
                    return Err(CaseRun::Unsupported(Reason::EngineLacks {
                        what: f.message,
                    }))
                }
                other => {
                    let name = match &request {
                        Request::Configure(_) => "configure".to_string(),
                        Request::DefineHost(_) => "define_host".to_string(),
                        _ => format!("host module from {}", conventions_file(conventions)),
                    };
                    let what = format!("setting the engine up failed: {}", other.failed(&name));
                    return Err(CaseRun::Error(match other {
                        Exchange::Harness { .. } => Reason::Harness { what },
                        _ => Reason::EngineFailed { what },
                    }));
                }
            }
        }
        sides.push(Side::new(p.engine, p.capabilities));
    }
    Ok(sides)
}

/// The conventions file's path, for messages.
fn conventions_file(conventions: &Conventions) -> String {
    conventions
        .file
        .as_deref()
        .unwrap_or(Path::new("conventions.toml"))
        .display()
        .to_string()
}

/// The binary of every module in the script, keyed by the offset of the
/// directive that holds it; encoded once, so that `repeat` can reuse it.
fn encode_modules(items: &mut [Item<'_>]) -> HashMap<usize, Result<Vec<u8>, String>> {
    let mut out = HashMap::new();
    script::for_each_wast_mut(items, &mut |d| {
        let offset = d.span().offset();
        let encoded = match d {
            WastDirective::Module(q)
            | WastDirective::ModuleDefinition(q)
            | WastDirective::AssertMalformed { module: q, .. }
            | WastDirective::AssertInvalid { module: q, .. }
            | WastDirective::AssertMalformedCustom { module: q, .. }
            | WastDirective::AssertInvalidCustom { module: q, .. } => q.encode(),
            WastDirective::AssertUnlinkable { module, .. } => module.encode(),
            WastDirective::AssertTrap {
                exec: WastExecute::Wat(w),
                ..
            }
            | WastDirective::AssertReturn {
                exec: WastExecute::Wat(w),
                ..
            }
            | WastDirective::AssertException {
                exec: WastExecute::Wat(w),
                ..
            } => w.encode(),
            _ => return,
        };
        out.insert(offset, encoded.map_err(|e| e.to_string()));
    });
    out
}

/// The bytes of every `(module_file ...)`, read from beside the case and
/// keyed like [`encode_modules`]; a file that cannot be read breaks the
/// case, naming the directive and the file.
fn read_module_files(
    items: &[Item<'_>],
    case: &Case,
    out: &mut HashMap<usize, Result<Vec<u8>, String>>,
) -> Result<(), String> {
    let mut failed = None;
    script::for_each_behaviour(items, &mut |b| {
        let script::BehaviourKind::ModuleFile { file, .. } = &b.kind else {
            return;
        };
        if failed.is_some() {
            return;
        }
        let (line, col) = b.span.linecol_in(&case.text);
        let at = format!("{}:{}:{}: module_file", case.name, line + 1, col + 1);
        let read = match case.path.as_deref().and_then(Path::parent) {
            None => Err(format!("{at}: a case with no folder loads no file")),
            Some(dir) => std::fs::read(dir.join(file))
                .map_err(|e| format!("{at}: {}: {e}", dir.join(file).display())),
        };
        match read {
            Ok(bytes) => {
                out.insert(b.span.offset(), Ok(bytes));
            }
            Err(why) => failed = Some(why),
        }
    });
    failed.map_or(Ok(()), Err)
}

fn located(mut e: wast::Error, case: &Case) -> String {
    e.set_path(Path::new(&case.name));
    e.set_text(&case.text);
    e.to_string()
}
