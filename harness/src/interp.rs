//! The directive interpreter, written once over the adapter protocol: it walks a
//! case's wast directives, sends requests to an [`Engine`], and records what each
//! directive did and whether that is what the case expects.
//!
//! The interpreter never names a concrete engine.

use std::collections::{HashMap, VecDeque};

use wasm_compat_protocol::{
    Bytes, EngineConfig, Failure, FailureKind, InstanceId, ModuleId, Reply, Request, Response,
    TrapKind,
};
use wast::parser::{self, ParseBuffer};
use wast::{WastDirective, WastExecute, WastInvoke};

use crate::adapter::{Engine, Exchange};
use crate::cases::Case;
use crate::expect;
use crate::outcome::{render_kind, Actual, DirectiveRecord, Verdict};
use crate::script::{self, ArtifactSource, Behaviour, BehaviourKind, Bound, Item, Script};

#[cfg(test)]
mod fake;

/// How a whole case went on one engine.
#[derive(Debug, Clone)]
pub enum CaseRun {
    /// The directives ran (some may have failed, crashed or not run).
    Ran(Vec<DirectiveRecord>),
    /// The engine cannot run this case; nothing was run.
    Unsupported(String),
    /// The case itself is broken (does not parse, or uses a directive the harness rejects).
    Error(String),
}

/// What a directive expects.
enum Expect {
    /// Success, any values.
    Success,
    /// Success with these results.
    Results,
    /// A compile-time rejection (malformed or invalid).
    CompileFailure,
    /// Compiles, then fails to link.
    Unlinkable,
    /// A trap of this kind (`None`: any trap).
    Trap(Option<TrapKind>),
    /// Resource exhaustion.
    Exhaustion,
    /// An uncaught exception.
    Exception,
    /// Whatever the engine answers is recorded (and pinned by the case's
    /// snapshot); only a crash or hang is a failure.
    Observed,
    /// A loaded artifact must be refused.
    Rejected,
    /// A harness-side check of a measurement against a bound (in words).
    WithinBound(String),
}

impl Expect {
    fn describe(&self, message: &str) -> String {
        match self {
            Expect::Success => "success".into(),
            Expect::Results => "results".into(),
            Expect::CompileFailure => format!("compile failure ({message})"),
            Expect::Unlinkable => format!("unlinkable ({message})"),
            Expect::Trap(Some(kind)) => render_kind(&FailureKind::Trap { trap: *kind }),
            Expect::Trap(None) => format!("trap ({message})"),
            Expect::Exhaustion => "exhaustion".into(),
            Expect::Exception => "exception".into(),
            Expect::Observed => crate::outcome::OBSERVED.into(),
            Expect::Rejected => "rejected".into(),
            Expect::WithinBound(bound) => bound.clone(),
        }
    }
}

/// One engine taking part in a case run: the first, or the second of a
/// cross-version pair.
pub struct Participant<'e> {
    /// The adapter process (already started).
    pub engine: &'e mut dyn Engine,
    /// The proposals it announced in its hello.
    pub features: &'e [String],
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

/// Run `case` on `engines` (one, or two for a cross-version case) with the
/// case's features enabled.
pub fn run_case(mut engines: Vec<Participant<'_>>, case: &Case) -> CaseRun {
    for p in &engines {
        let missing: Vec<&str> = case
            .features
            .iter()
            .filter(|f| !p.features.contains(f))
            .map(|s| s.as_str())
            .collect();
        if !missing.is_empty() {
            return CaseRun::Unsupported(format!(
                "needs {} which this engine version does not support",
                missing.join(", ")
            ));
        }
    }
    let mut lexer = wast::lexer::Lexer::new(&case.text);
    lexer.allow_confusing_unicode(true);
    let buf = match ParseBuffer::new_with_lexer(lexer) {
        Ok(b) => b,
        Err(e) => return CaseRun::Error(located(e, case)),
    };
    let mut script = match parse_script(&buf, case) {
        Ok(s) => s,
        Err(e) => return CaseRun::Error(e),
    };
    let mut unsupported = None;
    script::for_each_wast(&script.items, &mut |d| {
        if unsupported.is_some() {
            return;
        }
        let (line, col) = d.span().linecol_in(&case.text);
        let at = format!("{}:{}:{}", case.name, line + 1, col + 1);
        match d {
            WastDirective::Thread(_) | WastDirective::Wait { .. } => {
                unsupported = Some(format!(
                    "{at}: uses `thread`/`wait` directives, which need concurrent execution that wasm-compat does not run yet"
                ))
            }
            WastDirective::AssertSuspension { .. } => {
                unsupported = Some(format!(
                    "{at}: `assert_suspension` (stack switching) is not run by wasm-compat yet"
                ))
            }
            _ => {}
        }
    });
    if let Some(why) = unsupported {
        return CaseRun::Unsupported(why);
    }
    let pair = script::uses_second(&script.items);
    if pair != case.cross_version {
        return CaseRun::Error(format!(
            "{}: a case uses `(on second ...)` exactly when its header says `cross-version = true`",
            case.name
        ));
    }
    if case.cross_version && engines.len() != 2 {
        return CaseRun::Error(format!(
            "{}: a cross-version case runs on a pair of engine versions",
            case.name
        ));
    }
    engines.truncate(if case.cross_version { 2 } else { 1 });
    let encoded = encode_modules(&mut script.items);
    let workdir = match tempfile::Builder::new()
        .prefix("wasm-compat-case-")
        .tempdir()
    {
        Ok(d) => d,
        Err(e) => return CaseRun::Error(format!("cannot make a work folder for the case: {e}")),
    };
    let base = EngineConfig {
        features: case.features.clone(),
        ..Default::default()
    };
    let mut sides = Vec::new();
    for p in engines {
        match p.engine.request(&Request::Configure(base.clone())) {
            Exchange::Reply(Response::Ok(_)) => {}
            Exchange::Reply(Response::Err(f)) if f.kind == FailureKind::Unsupported => {
                return CaseRun::Unsupported(f.message)
            }
            other => return CaseRun::Error(format!("configuring the engine failed: {other:?}")),
        }
        sides.push(Side::new(p.engine));
    }
    let mut session = Session {
        sides,
        active: 0,
        base,
        encoded: &encoded,
        workdir: workdir.path().to_path_buf(),
        lines: LineIndex::new(&case.text),
        records: Vec::new(),
        pending: VecDeque::new(),
        artifacts: HashMap::new(),
        lost_artifacts: HashMap::new(),
        measurements: HashMap::new(),
        timings: HashMap::new(),
        observing: false,
    };
    for item in &script.items {
        session.item(item);
    }
    session.flush();
    CaseRun::Ran(session.records)
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

/// Expected results in words: `[i32:0x00000001, f32:nan:canonical]`.
fn expected_results(results: &[wast::WastRet<'_>]) -> String {
    let parts: Vec<String> = results
        .iter()
        .map(|r| match r {
            wast::WastRet::Core(c) => expect::render_ret(c),
            #[allow(unreachable_patterns)]
            _ => "component value".into(),
        })
        .collect();
    format!("[{}]", parts.join(", "))
}

/// Whether a directive's request can be sent without waiting for earlier
/// answers: calls and reads only; anything that makes modules or instances waits.
fn is_pipelined(d: &WastDirective<'_>) -> bool {
    match d {
        WastDirective::Invoke(_) | WastDirective::AssertExhaustion { .. } => true,
        WastDirective::AssertReturn { exec, .. } | WastDirective::AssertTrap { exec, .. } => {
            !matches!(exec, WastExecute::Wat(_))
        }
        _ => false,
    }
}

/// The step of something that either succeeded with nothing to return or failed.
fn done<T>(result: Result<T, Step>) -> Step {
    result.map_or_else(|step| step, |_| Step::Done(Reply::Done))
}

/// A directive names a module or instance the case never made (usually because
/// making it failed earlier): that directive fails, the case goes on.
fn missing(what: impl Into<String>) -> Failure {
    Failure::new(FailureKind::NotFound, format!("harness: {}", what.into()))
}

fn located(mut e: wast::Error, case: &Case) -> String {
    e.set_path(std::path::Path::new(&case.name));
    e.set_text(&case.text);
    e.to_string()
}

/// Requests in flight at most: enough to hide the round trip, few enough that
/// neither pipe can fill up and stall both processes.
const WINDOW: usize = 64;

/// A directive whose request was sent and whose answer is still to be judged.
struct Pending<'d, 'a> {
    span: wast::token::Span,
    name: &'static str,
    expect: Expect,
    expected: String,
    results: Option<&'d Vec<wast::WastRet<'a>>>,
}

/// Byte offsets where each line of a case starts, to turn spans into
/// line:column without rescanning the text for every directive.
struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    fn new(text: &str) -> LineIndex {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex { starts }
    }

    /// 1-based line and column (in bytes, as the `wast` crate counts) of byte `offset`.
    fn locate(&self, offset: usize) -> (usize, usize) {
        let line = self.starts.partition_point(|&s| s <= offset) - 1;
        (line + 1, offset - self.starts[line] + 1)
    }
}

/// One engine's process and the names the case made in it.
struct Side<'e> {
    engine: &'e mut dyn Engine,
    next_module: ModuleId,
    next_instance: InstanceId,
    current: Option<InstanceId>,
    instances: HashMap<String, InstanceId>,
    definitions: HashMap<String, ModuleId>,
    last_definition: Option<ModuleId>,
    /// The module each instance was made from.
    module_of: HashMap<InstanceId, ModuleId>,
    /// Where each compiled module's binary is in the encoded map.
    source_of: HashMap<ModuleId, usize>,
    /// The most recent module compiled, loaded or instantiated.
    last_module: Option<ModuleId>,
    /// Names whose making failed or was not supported, and why: directives
    /// that use them are not run (and do not fail a second time).
    lost: HashMap<String, String>,
    /// The process is gone (crash, timeout, protocol error).
    dead: bool,
}

impl<'e> Side<'e> {
    fn new(engine: &'e mut dyn Engine) -> Self {
        Side {
            engine,
            next_module: 0,
            next_instance: 0,
            current: None,
            instances: HashMap::new(),
            definitions: HashMap::new(),
            last_definition: None,
            module_of: HashMap::new(),
            source_of: HashMap::new(),
            last_module: None,
            lost: HashMap::new(),
            dead: false,
        }
    }

    /// Forget every name (after the engine was reconfigured).
    fn forget(&mut self) {
        self.current = None;
        self.instances.clear();
        self.definitions.clear();
        self.last_definition = None;
        self.module_of.clear();
        self.last_module = None;
        self.lost.clear();
    }
}

struct Session<'e, 'd, 'a> {
    sides: Vec<Side<'e>>,
    /// Index of the side directives run on (1 inside `(on second ...)`).
    active: usize,
    /// The configuration every engine starts from.
    base: EngineConfig,
    encoded: &'d HashMap<usize, Result<Vec<u8>, String>>,
    /// The case's scratch folder: artifact files, compilation caches.
    workdir: std::path::PathBuf,
    lines: LineIndex,
    records: Vec<DirectiveRecord>,
    /// Sent to the active side, not yet answered, in order.
    pending: VecDeque<Pending<'d, 'a>>,
    artifacts: HashMap<String, Vec<u8>>,
    /// Artifacts that could not be made, and why.
    lost_artifacts: HashMap<String, String>,
    measurements: HashMap<String, u64>,
    /// Every timing of each label; checks use the fastest, which is robust
    /// against a busy machine.
    timings: HashMap<String, Vec<std::time::Duration>>,
    /// Inside `(observe ...)`: standard directives are recorded, not judged.
    observing: bool,
}

/// The result of one step of a directive.
enum Step {
    Done(Reply),
    Failed(Failure),
    /// Crash, timeout, protocol error, or a harness-side problem.
    Broken(Actual),
    /// A harness-side result (counts, growth checks, timings).
    Observed(Actual),
    /// Not run: it needs something an earlier directive did not make.
    Skipped(String),
}

fn step_of(exchange: Exchange) -> Step {
    match exchange {
        Exchange::Reply(Response::Ok(reply)) => Step::Done(reply),
        Exchange::Reply(Response::Err(f)) => Step::Failed(f),
        Exchange::Crash { status, stderr } => Step::Broken(Actual::Crash { status, stderr }),
        Exchange::Timeout { after } => Step::Broken(Actual::Timeout {
            after_secs: after.as_secs(),
        }),
        Exchange::ProtocolError { detail } => Step::Broken(Actual::ProtocolError { detail }),
        Exchange::MemoryLimit {
            rss_bytes,
            cap_bytes,
        } => Step::Broken(Actual::MemoryLimit {
            rss_bytes,
            cap_bytes,
        }),
    }
}

/// A name in words, for messages: `$m`, or `the last module`.
fn name_of(id: Option<wast::token::Id<'_>>, what: &str) -> String {
    match id {
        Some(id) => format!("${}", id.name()),
        None => format!("the last {what}"),
    }
}

impl<'e, 'd, 'a> Session<'e, 'd, 'a> {
    fn side(&mut self) -> &mut Side<'e> {
        &mut self.sides[self.active]
    }

    /// Send and wait (everything sent earlier is judged first).
    fn send(&mut self, req: Request) -> Step {
        self.flush();
        step_of(self.side().engine.request(&req))
    }

    /// Send without waiting; the answer is judged when a later directive needs
    /// the engine's state, or when the window is full.
    fn pipeline(&mut self, req: Request, pending: Pending<'d, 'a>) {
        if self.pending.len() >= WINDOW {
            self.settle_one();
        }
        self.side().engine.send(&req);
        self.pending.push_back(pending);
    }

    fn settle_one(&mut self) {
        let Some(p) = self.pending.pop_front() else {
            return;
        };
        if self.side().dead {
            self.record(
                p.span,
                p.name,
                String::new(),
                Actual::NotRun,
                Verdict::NotRun,
                None,
            );
            return;
        }
        let step = step_of(self.side().engine.receive());
        self.judge_described(p.span, p.name, p.expect, p.expected, step, p.results);
    }

    /// Judge every directive still in flight.
    fn flush(&mut self) {
        while !self.pending.is_empty() {
            self.settle_one();
        }
    }

    fn record(
        &mut self,
        span: wast::token::Span,
        directive: &str,
        expected: String,
        actual: Actual,
        verdict: Verdict,
        why: Option<String>,
    ) {
        let (line, col) = self.lines.locate(span.offset());
        if actual.ends_case() {
            self.side().dead = true;
        }
        let second = self.active == 1;
        self.records.push(DirectiveRecord {
            line,
            col,
            directive: directive.to_string(),
            second,
            expected,
            actual,
            verdict,
            why,
            agrees_with_reference: None,
        });
    }

    /// The instance `id` names (or the current one), or the step that says why not.
    fn instance_of(&mut self, id: Option<wast::token::Id<'_>>) -> Result<InstanceId, Step> {
        let side = self.side();
        match id {
            Some(id) => match side.instances.get(id.name()) {
                Some(i) => Ok(*i),
                None => Err(match side.lost.get(id.name()) {
                    Some(why) => Step::Skipped(why.clone()),
                    None => Step::Failed(missing(format!("no instance named ${}", id.name()))),
                }),
            },
            None => side
                .current
                .ok_or_else(|| Step::Failed(missing("no module instantiated yet"))),
        }
    }

    /// The module `id` names: a definition, or the module of an instance.
    fn module_of(&mut self, id: Option<wast::token::Id<'_>>) -> Result<ModuleId, Step> {
        let side = self.side();
        match id {
            Some(id) => {
                if let Some(m) = side.definitions.get(id.name()) {
                    return Ok(*m);
                }
                if let Some(m) = side
                    .instances
                    .get(id.name())
                    .and_then(|i| side.module_of.get(i))
                {
                    return Ok(*m);
                }
                Err(match side.lost.get(id.name()) {
                    Some(why) => Step::Skipped(why.clone()),
                    None => Step::Failed(missing(format!("no module named ${}", id.name()))),
                })
            }
            None => side
                .last_module
                .ok_or_else(|| Step::Failed(missing("no module compiled yet"))),
        }
    }

    /// Remember that `id` could not be made because of `step`.
    fn lose(&mut self, id: Option<&str>, span: wast::token::Span, step: &Step) {
        let (Some(id), Step::Failed(_) | Step::Skipped(_) | Step::Broken(_)) = (id, step) else {
            return;
        };
        let (line, _) = self.lines.locate(span.offset());
        let why = match step {
            Step::Skipped(why) => why.clone(),
            _ => format!("${id} was not made (line {line})"),
        };
        self.side().lost.insert(id.to_string(), why);
    }

    /// Compile the module of the directive at `offset`; on success returns its id.
    fn compile_at(&mut self, offset: usize) -> Result<ModuleId, Step> {
        let bytes = match self.encoded.get(&offset) {
            Some(Ok(bytes)) => bytes.clone(),
            Some(Err(message)) => {
                return Err(Step::Broken(Actual::TextRejected {
                    message: message.clone(),
                }))
            }
            None => unreachable!("every module was encoded before the run"),
        };
        let side = self.side();
        let module = side.next_module;
        side.next_module += 1;
        match self.send(Request::Compile {
            module,
            bytes: Bytes(bytes),
        }) {
            Step::Done(_) => {
                let side = self.side();
                side.source_of.insert(module, offset);
                side.last_module = Some(module);
                Ok(module)
            }
            other => Err(other),
        }
    }

    fn instantiate(&mut self, module: ModuleId) -> Result<InstanceId, Step> {
        let side = self.side();
        let instance = side.next_instance;
        side.next_instance += 1;
        match self.send(Request::Instantiate { module, instance }) {
            Step::Done(_) => {
                let side = self.side();
                side.module_of.insert(instance, module);
                side.last_module = Some(module);
                Ok(instance)
            }
            other => Err(other),
        }
    }

    /// Compile and instantiate the module of the directive at `offset`.
    fn instantiate_at(&mut self, offset: usize) -> Result<InstanceId, Step> {
        let module = self.compile_at(offset)?;
        self.instantiate(module)
    }

    fn item(&mut self, item: &'d Item<'a>) {
        match item {
            Item::Wast(d) => self.directive(d),
            Item::Behaviour(b) => self.behaviour(b),
        }
    }

    /// Record a directive as not run when its side's process is gone.
    fn skip_if_dead(&mut self, span: wast::token::Span, name: &str) -> bool {
        if !self.side().dead {
            return false;
        }
        self.flush();
        self.record(
            span,
            name,
            String::new(),
            Actual::NotRun,
            Verdict::NotRun,
            None,
        );
        true
    }

    fn directive(&mut self, d: &'d WastDirective<'a>) {
        let span = d.span();
        let offset = span.offset();
        let name = directive_name(d);
        if !is_pipelined(d) {
            self.flush();
        }
        if self.skip_if_dead(span, name) {
            return;
        }
        match d {
            WastDirective::Module(q) => {
                let id = q.name().map(|i| i.name());
                match self.instantiate_at(offset) {
                    Ok(instance) => {
                        let side = self.side();
                        side.current = Some(instance);
                        if let Some(id) = id {
                            side.instances.insert(id.to_string(), instance);
                            side.lost.remove(id);
                        }
                        self.judge(span, name, Expect::Success, Step::Done(Reply::Done), None);
                    }
                    Err(step) => {
                        self.lose(id, span, &step);
                        self.judge(span, name, Expect::Success, step, None)
                    }
                }
            }
            WastDirective::ModuleDefinition(q) => {
                let id = q.name().map(|i| i.name());
                let step = match self.compile_at(offset) {
                    Ok(module) => {
                        let side = self.side();
                        side.last_definition = Some(module);
                        if let Some(id) = id {
                            side.definitions.insert(id.to_string(), module);
                            side.lost.remove(id);
                        }
                        Step::Done(Reply::Done)
                    }
                    Err(step) => {
                        self.lose(id, span, &step);
                        step
                    }
                };
                self.judge(span, name, Expect::Success, step, None);
            }
            WastDirective::ModuleInstance {
                instance, module, ..
            } => {
                let module_id = match module {
                    Some(m) => match self.side().definitions.get(m.name()).copied() {
                        Some(id) => Ok(id),
                        None => Err(match self.side().lost.get(m.name()) {
                            Some(why) => Step::Skipped(why.clone()),
                            None => Step::Failed(missing(format!(
                                "no module definition named ${}",
                                m.name()
                            ))),
                        }),
                    },
                    None => self.side().last_definition.ok_or_else(|| {
                        Step::Failed(missing("module instance without a module definition"))
                    }),
                };
                let step = match module_id.and_then(|m| self.instantiate(m)) {
                    Ok(i) => {
                        let side = self.side();
                        side.current = Some(i);
                        if let Some(id) = instance {
                            side.instances.insert(id.name().to_string(), i);
                            side.lost.remove(id.name());
                        }
                        Step::Done(Reply::Done)
                    }
                    Err(step) => {
                        self.lose(instance.map(|i| i.name()), span, &step);
                        step
                    }
                };
                self.judge(span, name, Expect::Success, step, None);
            }
            WastDirective::Register {
                name: as_name,
                module,
                ..
            } => {
                let step = match self.instance_of(*module) {
                    Err(step) => step,
                    Ok(instance) => self.send(Request::Register {
                        instance,
                        name: as_name.to_string(),
                    }),
                };
                self.judge(span, name, Expect::Success, step, None);
            }
            WastDirective::Invoke(invoke) => {
                let request = self.invoke_request(invoke);
                self.run(span, name, Expect::Success, String::new(), None, request);
            }
            WastDirective::AssertReturn { exec, results, .. } => {
                let expected = expected_results(results);
                match self.exec_request(exec) {
                    None => {
                        let step = done(self.instantiate_at(offset));
                        self.judge(span, name, Expect::Results, step, Some(results));
                    }
                    Some(request) => self.run(
                        span,
                        name,
                        Expect::Results,
                        expected,
                        Some(results),
                        request,
                    ),
                }
            }
            WastDirective::AssertTrap { exec, message, .. } => {
                let expect = Expect::Trap(expect::trap_kind_for_message(message));
                let expected = expect.describe(message);
                match self.exec_request(exec) {
                    None => {
                        let step = done(self.instantiate_at(offset));
                        self.judge_with_message(span, name, expect, step, message);
                    }
                    Some(request) => self.run(span, name, expect, expected, None, request),
                }
            }
            WastDirective::AssertExhaustion { call, message, .. } => {
                let expected = Expect::Exhaustion.describe(message);
                let request = self.invoke_request(call);
                self.run(span, name, Expect::Exhaustion, expected, None, request);
            }
            WastDirective::AssertException { exec, .. } => {
                let step = match self.exec_request(exec) {
                    None => done(self.instantiate_at(offset)),
                    Some(Ok(request)) => self.send(request),
                    Some(Err(step)) => step,
                };
                self.judge(span, name, Expect::Exception, step, None);
            }
            WastDirective::AssertMalformed { message, .. }
            | WastDirective::AssertInvalid { message, .. } => {
                let step = done(self.compile_at(offset));
                self.judge_with_message(span, name, Expect::CompileFailure, step, message);
            }
            WastDirective::AssertMalformedCustom { .. }
            | WastDirective::AssertInvalidCustom { .. } => {
                // Custom sections are not validated by engines: the module must still load.
                let step = match done(self.compile_at(offset)) {
                    Step::Broken(Actual::TextRejected { .. }) => Step::Done(Reply::Done),
                    other => other,
                };
                self.judge(span, name, Expect::Success, step, None);
            }
            WastDirective::AssertUnlinkable { message, .. } => {
                let step = done(self.instantiate_at(offset));
                self.judge_with_message(span, name, Expect::Unlinkable, step, message);
            }
            WastDirective::AssertSuspension { .. }
            | WastDirective::Thread(_)
            | WastDirective::Wait { .. } => {
                // Rejected before the case starts (see `run_case`).
                self.record(
                    span,
                    name,
                    String::new(),
                    Actual::NotRun,
                    Verdict::Unsupported,
                    None,
                );
            }
        }
    }

    /// The bytes of artifact `name`, or the step that says why there are none.
    fn artifact(&self, name: &str) -> Result<Vec<u8>, Step> {
        if let Some(bytes) = self.artifacts.get(name) {
            return Ok(bytes.clone());
        }
        Err(match self.lost_artifacts.get(name) {
            Some(why) => Step::Skipped(why.clone()),
            None => Step::Failed(missing(format!("no artifact named {name:?}"))),
        })
    }

    fn lose_artifact(&mut self, name: &str, span: wast::token::Span, step: &Step) {
        let (line, _) = self.lines.locate(span.offset());
        let why = match step {
            Step::Skipped(why) => why.clone(),
            Step::Failed(f) if f.kind == FailureKind::Unsupported => {
                format!("artifact {name:?} was not made: unsupported (line {line})")
            }
            _ => format!("artifact {name:?} was not made (line {line})"),
        };
        self.lost_artifacts.insert(name.to_string(), why);
    }

    /// Load artifact `artifact` as a module definition named `module`.
    fn deserialize(
        &mut self,
        module: Option<wast::token::Id<'_>>,
        artifact: &str,
        from_file: bool,
    ) -> Step {
        let bytes = match self.artifact(artifact) {
            Ok(b) => b,
            Err(step) => return step,
        };
        let side = self.side();
        let id = side.next_module;
        side.next_module += 1;
        let request = if from_file {
            let dir = self.workdir.join("artifacts");
            let path = dir.join(format!("{artifact}.bin"));
            let written = std::fs::create_dir_all(&dir).and_then(|_| std::fs::write(&path, &bytes));
            if let Err(e) = written {
                return Step::Broken(Actual::ProtocolError {
                    detail: format!("harness: cannot write {}: {e}", path.display()),
                });
            }
            Request::DeserializeFile {
                module: id,
                path: path.to_string_lossy().into_owned(),
            }
        } else {
            Request::Deserialize {
                module: id,
                bytes: Bytes(bytes),
            }
        };
        let step = self.send(request);
        if let Step::Done(_) = step {
            let side = self.side();
            side.last_definition = Some(id);
            side.last_module = Some(id);
            if let Some(name) = module {
                side.definitions.insert(name.name().to_string(), id);
                side.lost.remove(name.name());
            }
        }
        step
    }

    fn cache_dir(&self, dir: &str) -> std::path::PathBuf {
        self.workdir.join("cache").join(dir)
    }

    fn behaviour(&mut self, b: &'d Behaviour<'a>) {
        let span = b.span;
        let name = b.kind.keyword();
        self.flush();
        match &b.kind {
            BehaviourKind::Repeat { times, items } => {
                for _ in 0..*times {
                    for item in items {
                        self.item(item);
                    }
                }
                return;
            }
            BehaviourKind::OnSecond(items) => {
                let before = self.active;
                self.active = 1;
                for item in items {
                    self.item(item);
                }
                self.flush();
                self.active = before;
                return;
            }
            BehaviourKind::Observe(items) => {
                let before = self.observing;
                self.observing = true;
                for item in items {
                    self.item(item);
                }
                self.flush();
                self.observing = before;
                return;
            }
            BehaviourKind::Timed { label, items } => {
                let started = std::time::Instant::now();
                for item in items {
                    self.item(item);
                }
                self.flush();
                let took = started.elapsed();
                self.timings.entry(label.clone()).or_default().push(took);
                let actual = Actual::Timed {
                    millis: took.as_secs_f64() * 1000.0,
                };
                self.judge(span, name, Expect::Observed, Step::Observed(actual), None);
                return;
            }
            _ => {}
        }
        if self.skip_if_dead(span, name) {
            return;
        }
        let (expect, step) = match &b.kind {
            BehaviourKind::Repeat { .. }
            | BehaviourKind::OnSecond(_)
            | BehaviourKind::Observe(_)
            | BehaviourKind::Timed { .. } => unreachable!("handled above"),
            BehaviourKind::Configure(features) => {
                let mut config = self.base.clone();
                for f in features {
                    if !config.features.contains(f) {
                        config.features.push(f.clone());
                    }
                }
                let step = self.send(Request::Configure(config));
                if matches!(step, Step::Done(_)) {
                    self.side().forget();
                }
                (Expect::Observed, step)
            }
            BehaviourKind::Serialize { module, artifact } => {
                let step = match self.module_of(*module) {
                    Err(step) => step,
                    Ok(m) => match self.send(Request::Serialize { module: m }) {
                        Step::Done(Reply::Bytes(bytes)) => {
                            self.artifacts.insert(artifact.clone(), bytes.0);
                            self.lost_artifacts.remove(artifact);
                            Step::Done(Reply::Done)
                        }
                        Step::Done(other) => Step::Broken(Actual::ProtocolError {
                            detail: format!("serialize answered {other:?}"),
                        }),
                        other => other,
                    },
                };
                if !matches!(step, Step::Done(_)) {
                    self.lose_artifact(artifact, span, &step);
                }
                (Expect::Observed, step)
            }
            BehaviourKind::Deserialize {
                module,
                artifact,
                from_file,
            } => {
                let step = self.deserialize(*module, artifact, *from_file);
                if !matches!(step, Step::Done(_)) {
                    self.lose(module.map(|m| m.name()), span, &step);
                }
                (Expect::Observed, step)
            }
            BehaviourKind::AssertRejected {
                module,
                artifact,
                from_file,
            } => {
                let step = self.deserialize(*module, artifact, *from_file);
                (Expect::Rejected, step)
            }
            BehaviourKind::Artifact { name: new, source } => {
                let made = match source {
                    ArtifactSource::Truncated(from) => {
                        self.artifact(from).map(|b| b[..b.len() / 2].to_vec())
                    }
                    ArtifactSource::BitFlipped(from, at) => {
                        self.artifact(from).and_then(|mut b| {
                            let len = b.len() as i64;
                            let index = if *at < 0 { len + at } else { *at };
                            if index < 0 || index >= len {
                                return Err(Step::Failed(missing(format!(
                                    "offset {at} is outside artifact {from:?} ({len} bytes)"
                                ))));
                            }
                            b[index as usize] ^= 1;
                            Ok(b)
                        })
                    }
                    ArtifactSource::Empty => Ok(Vec::new()),
                    ArtifactSource::ModuleBytes(id) => self.module_of(*id).and_then(|m| {
                        let side = &self.sides[self.active];
                        match side.source_of.get(&m).and_then(|o| self.encoded.get(o)) {
                            Some(Ok(bytes)) => Ok(bytes.clone()),
                            _ => Err(Step::Failed(missing(format!(
                                "{} was not compiled from text",
                                name_of(*id, "module")
                            )))),
                        }
                    }),
                    ArtifactSource::Bytes(bytes) => Ok(bytes.clone()),
                };
                let step = match made {
                    Ok(bytes) => {
                        self.artifacts.insert(new.clone(), bytes);
                        self.lost_artifacts.remove(new);
                        Step::Done(Reply::Done)
                    }
                    Err(step) => {
                        self.lose_artifact(new, span, &step);
                        step
                    }
                };
                (Expect::Observed, step)
            }
            BehaviourKind::CompilationCache { dir } => {
                let path = self.cache_dir(dir);
                let config = EngineConfig {
                    cache_dir: Some(path.to_string_lossy().into_owned()),
                    ..self.base.clone()
                };
                let step = match std::fs::create_dir_all(&path) {
                    Err(e) => Step::Broken(Actual::ProtocolError {
                        detail: format!("harness: cannot make {}: {e}", path.display()),
                    }),
                    Ok(()) => self.send(Request::Configure(config)),
                };
                if matches!(step, Step::Done(_)) {
                    self.side().forget();
                }
                (Expect::Observed, step)
            }
            BehaviourKind::CacheEntries { dir } => {
                let count = count_cache_entries(&self.cache_dir(dir));
                (Expect::Observed, Step::Observed(Actual::Count { count }))
            }
            BehaviourKind::DropInstance(id) => {
                let step = match self.instance_of(*id) {
                    Err(step) => step,
                    Ok(instance) => {
                        let step = self.send(Request::DropInstance { instance });
                        if matches!(step, Step::Done(_)) {
                            let side = self.side();
                            side.instances.retain(|_, i| *i != instance);
                            if side.current == Some(instance) {
                                side.current = None;
                            }
                        }
                        step
                    }
                };
                (Expect::Observed, step)
            }
            BehaviourKind::DropModule(id) => {
                let step = match self.module_of(*id) {
                    Err(step) => step,
                    Ok(module) => {
                        let step = self.send(Request::DropModule { module });
                        if matches!(step, Step::Done(_)) {
                            let side = self.side();
                            side.definitions.retain(|_, m| *m != module);
                            side.source_of.remove(&module);
                            if side.last_module == Some(module) {
                                side.last_module = None;
                            }
                            if side.last_definition == Some(module) {
                                side.last_definition = None;
                            }
                        }
                        step
                    }
                };
                (Expect::Observed, step)
            }
            BehaviourKind::DropStore => {
                let step = self.send(Request::DropStore);
                if matches!(step, Step::Done(_)) {
                    let side = self.side();
                    side.instances.clear();
                    side.module_of.clear();
                    side.current = None;
                }
                (Expect::Observed, step)
            }
            BehaviourKind::StoreLimits(limits) => (
                Expect::Observed,
                self.send(Request::SetLimits(limits.clone())),
            ),
            BehaviourKind::GrowMemory {
                instance,
                memory,
                delta,
            } => {
                let step = match self.instance_of(*instance) {
                    Err(step) => step,
                    Ok(instance) => self.send(Request::GrowMemory {
                        instance,
                        export: memory.clone(),
                        delta: *delta,
                    }),
                };
                (Expect::Observed, step)
            }
            BehaviourKind::MemorySize { instance, memory } => {
                let step = match self.instance_of(*instance) {
                    Err(step) => step,
                    Ok(instance) => self.send(Request::MemorySize {
                        instance,
                        export: memory.clone(),
                    }),
                };
                (Expect::Observed, step)
            }
            BehaviourKind::HostFunc(host) => (
                Expect::Observed,
                self.send(Request::DefineHost(host.clone())),
            ),
            BehaviourKind::HostCalls { module, name } => (
                Expect::Observed,
                self.send(Request::HostCalls {
                    module: module.clone(),
                    name: name.clone(),
                }),
            ),
            BehaviourKind::MemoryUsage(label) => {
                let step = self.send(Request::MemoryUsage);
                if let Step::Done(Reply::Memory(m)) = &step {
                    self.measurements.insert(label.clone(), m.rss_bytes);
                }
                (Expect::Observed, step)
            }
            BehaviourKind::AssertMemoryGrowth { from, to, bound } => {
                let step = match (self.measurements.get(from), self.measurements.get(to)) {
                    (Some(a), Some(b)) => {
                        let bytes = *b as i64 - *a as i64;
                        let within = match bound {
                            Bound::AtMost(n) => bytes <= *n,
                            Bound::AtLeast(n) => bytes >= *n,
                        };
                        Step::Observed(Actual::Growth { bytes, within })
                    }
                    _ => Step::Failed(missing(format!(
                        "no memory measurement named {from:?} and {to:?}"
                    ))),
                };
                (Expect::WithinBound(describe_bound(bound)), step)
            }
            BehaviourKind::AssertSlowdown {
                first,
                later,
                at_most,
            } => {
                let fastest = |label: &str| self.timings.get(label).and_then(|t| t.iter().min());
                let step = match (fastest(first), fastest(later)) {
                    (Some(a), Some(b)) => {
                        let ratio = b.as_secs_f64() / a.as_secs_f64().max(1e-9);
                        let ratio = (ratio * 100.0).round() / 100.0;
                        Step::Observed(Actual::Slowdown {
                            ratio,
                            within: ratio <= f64::from(*at_most),
                        })
                    }
                    _ => Step::Failed(missing(format!("no timing named {first:?} and {later:?}"))),
                };
                (Expect::WithinBound(format!("at most {at_most}x")), step)
            }
        };
        self.judge(span, name, expect, step, None);
    }

    /// The request of an `invoke`, or the step that says why there is none.
    fn invoke_request(&mut self, invoke: &WastInvoke<'_>) -> Result<Request, Step> {
        let instance = self.instance_of(invoke.module)?;
        let mut args = Vec::new();
        for a in &invoke.args {
            let v = expect::arg_value(a)
                .map_err(|e| Step::Failed(Failure::new(FailureKind::Unsupported, e)))?;
            args.push(v);
        }
        Ok(Request::Invoke {
            instance,
            export: invoke.name.to_string(),
            args,
        })
    }

    /// The request of an invoke or get; `None` for a module (which needs several).
    fn exec_request(&mut self, exec: &WastExecute<'_>) -> Option<Result<Request, Step>> {
        match exec {
            WastExecute::Invoke(invoke) => Some(self.invoke_request(invoke)),
            WastExecute::Get { module, global, .. } => Some(self.instance_of(*module).map(
                |instance| Request::GetGlobal {
                    instance,
                    export: global.to_string(),
                },
            )),
            WastExecute::Wat(_) => None,
        }
    }

    /// Pipeline a prepared request, or judge at once why there is none.
    fn run(
        &mut self,
        span: wast::token::Span,
        name: &'static str,
        expect: Expect,
        expected: String,
        results: Option<&'d Vec<wast::WastRet<'a>>>,
        request: Result<Request, Step>,
    ) {
        let expected = if expected.is_empty() {
            expect.describe("")
        } else {
            expected
        };
        match request {
            Ok(request) => {
                let pending = Pending {
                    span,
                    name,
                    expect,
                    expected,
                    results,
                };
                self.pipeline(request, pending);
            }
            Err(step) => {
                self.flush();
                self.judge_described(span, name, expect, expected, step, results);
            }
        }
    }

    fn judge_with_message(
        &mut self,
        span: wast::token::Span,
        name: &str,
        expect: Expect,
        step: Step,
        message: &str,
    ) {
        let expected = expect.describe(message);
        self.judge_described(span, name, expect, expected, step, None);
    }

    fn judge(
        &mut self,
        span: wast::token::Span,
        name: &str,
        expect: Expect,
        step: Step,
        results: Option<&Vec<wast::WastRet<'_>>>,
    ) {
        let expected = match (&expect, results) {
            (Expect::Results, Some(rs)) => expected_results(rs),
            _ => expect.describe(""),
        };
        self.judge_described(span, name, expect, expected, step, results);
    }

    fn judge_described(
        &mut self,
        span: wast::token::Span,
        name: &str,
        expect: Expect,
        expected: String,
        step: Step,
        results: Option<&Vec<wast::WastRet<'_>>>,
    ) {
        let actual = match step {
            Step::Skipped(why) => {
                self.record(
                    span,
                    name,
                    expected,
                    Actual::NotRun,
                    Verdict::NotRun,
                    Some(why),
                );
                return;
            }
            Step::Done(Reply::Values(values)) => Actual::Values { values },
            Step::Done(Reply::Pages(pages)) => Actual::Pages { pages },
            Step::Done(Reply::Calls(calls)) => Actual::Calls { calls },
            Step::Done(Reply::Memory(m)) => Actual::Memory {
                rss_bytes: m.rss_bytes,
            },
            Step::Done(_) => Actual::Ok,
            Step::Failed(f) => Actual::Failure(f),
            Step::Broken(a) | Step::Observed(a) => a,
        };
        let (expect, expected) = match expect {
            // An observed bound check still names its bound: it classifies.
            Expect::WithinBound(bound) if self.observing => (Expect::Observed, bound),
            _ if self.observing => (Expect::Observed, Expect::Observed.describe("")),
            expect => (expect, expected),
        };
        let (verdict, why) = verdict(&expect, &actual, results);
        self.record(span, name, expected, actual, verdict, why);
    }
}

/// A bound in words: `at most 16 MiB`.
fn describe_bound(bound: &Bound) -> String {
    let (word, n) = match bound {
        Bound::AtMost(n) => ("at most", *n),
        Bound::AtLeast(n) => ("at least", *n),
    };
    let size = if n != 0 && n % (1 << 20) == 0 {
        format!("{} MiB", n >> 20)
    } else if n != 0 && n % (1 << 10) == 0 {
        format!("{} KiB", n >> 10)
    } else {
        format!("{n} bytes")
    };
    format!("{word} {size}")
}

/// Modules an on-disk compilation cache holds: its files, without the engine's
/// own bookkeeping (statistics, configuration, files being written).
fn count_cache_entries(dir: &std::path::Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    let mut count = 0;
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if path.is_dir() {
            count += count_cache_entries(&path);
        } else if !(name.ends_with(".stats")
            || name.ends_with(".toml")
            || name.starts_with(".wip")
            || name.contains(".wip-"))
        {
            count += 1;
        }
    }
    count
}

fn verdict(
    expect: &Expect,
    actual: &Actual,
    results: Option<&Vec<wast::WastRet<'_>>>,
) -> (Verdict, Option<String>) {
    let fail = |why: String| (Verdict::Fail, Some(why));
    match actual {
        Actual::Crash { .. } => return (Verdict::Crash, None),
        Actual::MemoryLimit { .. } => {
            return (
                Verdict::Crash,
                Some("the adapter went over its memory cap".into()),
            )
        }
        Actual::Timeout { .. } => return (Verdict::Timeout, None),
        Actual::NotRun => return (Verdict::NotRun, None),
        Actual::ProtocolError { detail } => return fail(format!("protocol error: {detail}")),
        Actual::Failure(f) if f.kind == FailureKind::Unsupported => {
            return (Verdict::Unsupported, Some(f.message.clone()))
        }
        _ => {}
    }
    match expect {
        Expect::Success => match actual {
            Actual::Ok | Actual::Values { .. } => (Verdict::Pass, None),
            other => fail(format!("expected success, got {}", other.summary())),
        },
        Expect::Results => match actual {
            Actual::Values { values } => {
                let Some(results) = results else {
                    return (Verdict::Pass, None);
                };
                if values.len() != results.len() {
                    return fail(format!(
                        "expected {} results, got {}",
                        results.len(),
                        values.len()
                    ));
                }
                for (i, (r, v)) in results.iter().zip(values).enumerate() {
                    if let Err(e) = expect::check_result(r, v) {
                        return fail(format!("result {i}: {e}"));
                    }
                }
                (Verdict::Pass, None)
            }
            Actual::Ok if results.is_none_or(|r| r.is_empty()) => (Verdict::Pass, None),
            other => fail(format!("expected results, got {}", other.summary())),
        },
        Expect::CompileFailure => match actual {
            Actual::TextRejected { .. } => (Verdict::Pass, None),
            Actual::Failure(f)
                if matches!(
                    f.kind,
                    FailureKind::Malformed | FailureKind::Invalid | FailureKind::Compile
                ) =>
            {
                (Verdict::Pass, None)
            }
            other => fail(format!(
                "expected a compile failure, got {}",
                other.summary()
            )),
        },
        Expect::Unlinkable => match actual {
            Actual::Failure(f) if f.kind == FailureKind::Unlinkable => (Verdict::Pass, None),
            other => fail(format!("expected unlinkable, got {}", other.summary())),
        },
        Expect::Trap(kind) => match actual {
            Actual::Failure(Failure {
                kind: FailureKind::Trap { trap },
                ..
            }) => match kind {
                Some(k) if k != trap => fail(format!(
                    "expected {}, got {}",
                    render_kind(&FailureKind::Trap { trap: *k }),
                    render_kind(&FailureKind::Trap { trap: *trap })
                )),
                _ => (Verdict::Pass, None),
            },
            other => fail(format!("expected a trap, got {}", other.summary())),
        },
        Expect::Exhaustion => match actual {
            Actual::Failure(f) if f.kind == FailureKind::Exhaustion => (Verdict::Pass, None),
            other => fail(format!("expected exhaustion, got {}", other.summary())),
        },
        Expect::Exception => match actual {
            Actual::Failure(f) if f.kind == FailureKind::Exception => (Verdict::Pass, None),
            other => fail(format!("expected an exception, got {}", other.summary())),
        },
        Expect::Observed => match actual {
            Actual::Failure(f) if f.kind == FailureKind::NotFound => {
                fail(format!("the case names something missing: {}", f.message))
            }
            _ => (Verdict::Pass, None),
        },
        Expect::Rejected => match actual {
            Actual::Failure(f) if f.kind == FailureKind::Rejected => (Verdict::Pass, None),
            other => fail(format!(
                "expected the artifact to be rejected, got {}",
                other.summary()
            )),
        },
        Expect::WithinBound(bound) => match actual {
            Actual::Growth { within: true, .. } | Actual::Slowdown { within: true, .. } => {
                (Verdict::Pass, None)
            }
            Actual::Growth { bytes, .. } => {
                fail(format!("memory changed by {bytes} bytes, expected {bound}"))
            }
            Actual::Slowdown { ratio, .. } => {
                fail(format!("took {ratio}x as long, expected {bound}"))
            }
            other => fail(format!("expected a measurement, got {}", other.summary())),
        },
    }
}

/// The wast keyword of a directive.
pub fn directive_name(d: &WastDirective<'_>) -> &'static str {
    match d {
        WastDirective::Module(_) => "module",
        WastDirective::ModuleDefinition(_) => "module definition",
        WastDirective::ModuleInstance { .. } => "module instance",
        WastDirective::AssertMalformed { .. } => "assert_malformed",
        WastDirective::AssertInvalid { .. } => "assert_invalid",
        WastDirective::AssertInvalidCustom { .. } => "assert_invalid_custom",
        WastDirective::AssertMalformedCustom { .. } => "assert_malformed_custom",
        WastDirective::Register { .. } => "register",
        WastDirective::Invoke(_) => "invoke",
        WastDirective::AssertTrap {
            exec: WastExecute::Wat(_),
            ..
        } => "assert_uninstantiable",
        WastDirective::AssertTrap { .. } => "assert_trap",
        WastDirective::AssertReturn { .. } => "assert_return",
        WastDirective::AssertExhaustion { .. } => "assert_exhaustion",
        WastDirective::AssertUnlinkable { .. } => "assert_unlinkable",
        WastDirective::AssertException { .. } => "assert_exception",
        WastDirective::AssertSuspension { .. } => "assert_suspension",
        WastDirective::Thread(_) => "thread",
        WastDirective::Wait { .. } => "wait",
    }
}

#[cfg(test)]
mod tests;
