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
use wast::{Wast, WastDirective, WastExecute, WastInvoke};

use crate::adapter::{Engine, Exchange};
use crate::cases::Case;
use crate::expect;
use crate::outcome::{render_kind, Actual, DirectiveRecord, Verdict};

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
        }
    }
}

/// Run `case` on `engine` (already started) with the case's features enabled.
/// `supported` is the feature list the engine announced in its hello.
pub fn run_case(engine: &mut dyn Engine, case: &Case, supported: &[String]) -> CaseRun {
    let missing: Vec<&String> = case
        .features
        .iter()
        .filter(|f| !supported.contains(f))
        .collect();
    if !missing.is_empty() {
        let names: Vec<&str> = missing.iter().map(|s| s.as_str()).collect();
        return CaseRun::Unsupported(format!(
            "needs {} which this engine version does not support",
            names.join(", ")
        ));
    }
    let mut lexer = wast::lexer::Lexer::new(&case.text);
    lexer.allow_confusing_unicode(true);
    let buf = match ParseBuffer::new_with_lexer(lexer) {
        Ok(b) => b,
        Err(e) => return CaseRun::Error(located(e, case)),
    };
    let wast = match parser::parse::<Wast<'_>>(&buf) {
        Ok(w) => w,
        Err(e) => return CaseRun::Error(located(e, case)),
    };
    if wast
        .directives
        .iter()
        .any(|d| matches!(d, WastDirective::Thread(_) | WastDirective::Wait { .. }))
    {
        return CaseRun::Unsupported(
            "uses `thread`/`wait` directives, which need concurrent execution that wasm-compat does not run yet"
                .into(),
        );
    }
    if let Some(d) = wast
        .directives
        .iter()
        .find(|d| matches!(d, WastDirective::AssertSuspension { .. }))
    {
        let (line, col) = d.span().linecol_in(&case.text);
        return CaseRun::Unsupported(format!(
            "{}:{}:{}: `assert_suspension` (stack switching) is not run by wasm-compat yet",
            case.name,
            line + 1,
            col + 1
        ));
    }
    let config = EngineConfig {
        features: case.features.clone(),
        ..Default::default()
    };
    match engine.request(&Request::Configure(config)) {
        Exchange::Reply(Response::Ok(_)) => {}
        Exchange::Reply(Response::Err(f)) if f.kind == FailureKind::Unsupported => {
            return CaseRun::Unsupported(f.message)
        }
        other => return CaseRun::Error(format!("configuring the engine failed: {other:?}")),
    }
    let mut wast = wast;
    let mut session = Session {
        engine,
        lines: LineIndex::new(&case.text),
        records: Vec::new(),
        pending: VecDeque::new(),
        next_module: 0,
        next_instance: 0,
        current: None,
        instances: HashMap::new(),
        definitions: HashMap::new(),
        last_definition: None,
        dead: false,
    };
    for directive in wast.directives.iter_mut() {
        session.directive(directive);
    }
    session.flush();
    CaseRun::Ran(session.records)
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

struct Session<'e, 'd, 'a> {
    engine: &'e mut dyn Engine,
    lines: LineIndex,
    records: Vec<DirectiveRecord>,
    /// Sent, not yet answered, in order; judged before any later directive.
    pending: VecDeque<Pending<'d, 'a>>,
    next_module: ModuleId,
    next_instance: InstanceId,
    current: Option<InstanceId>,
    instances: HashMap<String, InstanceId>,
    definitions: HashMap<String, ModuleId>,
    last_definition: Option<ModuleId>,
    dead: bool,
}

/// The result of one step of a directive.
enum Step {
    Done(Reply),
    Failed(Failure),
    /// Crash, timeout, protocol error, or a harness-side problem.
    Broken(Actual),
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
    }
}

impl<'d, 'a> Session<'_, 'd, 'a> {
    /// Send and wait (everything sent earlier is judged first).
    fn send(&mut self, req: Request) -> Step {
        self.flush();
        step_of(self.engine.request(&req))
    }

    /// Send without waiting; the answer is judged when a later directive needs
    /// the engine's state, or when the window is full.
    fn pipeline(&mut self, req: Request, pending: Pending<'d, 'a>) {
        if self.pending.len() >= WINDOW {
            self.settle_one();
        }
        self.engine.send(&req);
        self.pending.push_back(pending);
    }

    fn settle_one(&mut self) {
        let Some(p) = self.pending.pop_front() else {
            return;
        };
        if self.dead {
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
        let step = step_of(self.engine.receive());
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
            self.dead = true;
        }
        self.records.push(DirectiveRecord {
            line,
            col,
            directive: directive.to_string(),
            expected,
            actual,
            verdict,
            why,
            agrees_with_reference: None,
        });
    }

    fn instance_of(&self, id: Option<wast::token::Id<'_>>) -> Result<InstanceId, String> {
        match id {
            Some(id) => self
                .instances
                .get(id.name())
                .copied()
                .ok_or_else(|| format!("no instance named ${}", id.name())),
            None => self
                .current
                .ok_or_else(|| "no module instantiated yet".to_string()),
        }
    }

    /// Compile a module; on success returns its id.
    fn compile(&mut self, bytes: Vec<u8>) -> Result<ModuleId, Step> {
        let module = self.next_module;
        self.next_module += 1;
        match self.send(Request::Compile {
            module,
            bytes: Bytes(bytes),
        }) {
            Step::Done(_) => Ok(module),
            other => Err(other),
        }
    }

    fn instantiate(&mut self, module: ModuleId) -> Result<InstanceId, Step> {
        let instance = self.next_instance;
        self.next_instance += 1;
        match self.send(Request::Instantiate { module, instance }) {
            Step::Done(_) => Ok(instance),
            other => Err(other),
        }
    }

    fn directive(&mut self, d: &'d mut WastDirective<'a>) {
        let span = d.span();
        let name = directive_name(d);
        if !is_pipelined(d) {
            self.flush();
        }
        if self.dead {
            self.flush();
            self.record(
                span,
                name,
                String::new(),
                Actual::NotRun,
                Verdict::NotRun,
                None,
            );
            return;
        }
        match d {
            WastDirective::Module(q) => {
                let id = q.name().map(|i| i.name().to_string());
                match self.instantiate_text(q.encode()) {
                    Ok(instance) => {
                        self.current = Some(instance);
                        if let Some(id) = id {
                            self.instances.insert(id, instance);
                        }
                        self.judge(span, name, Expect::Success, Step::Done(Reply::Done), None);
                    }
                    Err(step) => self.judge(span, name, Expect::Success, step, None),
                }
            }
            WastDirective::ModuleDefinition(q) => {
                let id = q.name().map(|i| i.name().to_string());
                let step = match self.compile_text(q.encode()) {
                    Ok(module) => {
                        self.last_definition = Some(module);
                        if let Some(id) = id {
                            self.definitions.insert(id, module);
                        }
                        Step::Done(Reply::Done)
                    }
                    Err(step) => step,
                };
                self.judge(span, name, Expect::Success, step, None);
            }
            WastDirective::ModuleInstance {
                instance, module, ..
            } => {
                let module_id = match module {
                    Some(m) => self.definitions.get(m.name()).copied(),
                    None => self.last_definition,
                };
                let step = match module_id {
                    None => Step::Failed(missing(
                        "module instance names an unknown module definition",
                    )),
                    Some(m) => match self.instantiate(m) {
                        Ok(i) => {
                            self.current = Some(i);
                            if let Some(id) = instance {
                                self.instances.insert(id.name().to_string(), i);
                            }
                            Step::Done(Reply::Done)
                        }
                        Err(step) => step,
                    },
                };
                self.judge(span, name, Expect::Success, step, None);
            }
            WastDirective::Register {
                name: as_name,
                module,
                ..
            } => {
                let step = match self.instance_of(*module) {
                    Err(e) => Step::Failed(missing(e)),
                    Ok(instance) => self.send(Request::Register {
                        instance,
                        name: as_name.to_string(),
                    }),
                };
                self.judge(span, name, Expect::Success, step, None);
            }
            WastDirective::Invoke(invoke) => {
                let request = self.invoke_request(invoke);
                self.run(
                    span,
                    name,
                    Expect::Success,
                    String::new(),
                    None,
                    Some(request),
                );
            }
            WastDirective::AssertReturn { exec, results, .. } => {
                let results: &'d Vec<wast::WastRet<'a>> = results;
                let expected = expected_results(results);
                let request = self.exec_request(exec);
                if request.is_none() {
                    let step = self.execute(exec);
                    self.judge(span, name, Expect::Results, step, Some(results));
                } else {
                    self.run(
                        span,
                        name,
                        Expect::Results,
                        expected,
                        Some(results),
                        request,
                    );
                }
            }
            WastDirective::AssertTrap { exec, message, .. } => {
                let expect = Expect::Trap(expect::trap_kind_for_message(message));
                let expected = expect.describe(message);
                let request = self.exec_request(exec);
                if request.is_none() {
                    let step = self.execute(exec);
                    self.judge_with_message(span, name, expect, step, message);
                } else {
                    self.run(span, name, expect, expected, None, request);
                }
            }
            WastDirective::AssertExhaustion { call, message, .. } => {
                let expected = Expect::Exhaustion.describe(message);
                let request = self.invoke_request(call);
                self.run(
                    span,
                    name,
                    Expect::Exhaustion,
                    expected,
                    None,
                    Some(request),
                );
            }
            WastDirective::AssertException { exec, .. } => {
                let step = self.execute(exec);
                self.judge(span, name, Expect::Exception, step, None);
            }
            WastDirective::AssertMalformed {
                module, message, ..
            }
            | WastDirective::AssertInvalid {
                module, message, ..
            } => {
                let step = done(self.compile_text(module.encode()));
                self.judge_with_message(span, name, Expect::CompileFailure, step, message);
            }
            WastDirective::AssertMalformedCustom { module, .. }
            | WastDirective::AssertInvalidCustom { module, .. } => {
                // Custom sections are not validated by engines: the module must still load.
                let step = done(self.compile_text(module.encode()));
                let step = match step {
                    Step::Broken(Actual::TextRejected { .. }) => Step::Done(Reply::Done),
                    other => other,
                };
                self.judge(span, name, Expect::Success, step, None);
            }
            WastDirective::AssertUnlinkable {
                module, message, ..
            } => {
                let step = done(self.instantiate_text(module.encode()));
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

    /// Compile the module text encoded as `encoded` (a text the harness's own
    /// parser rejects becomes a `TextRejected` step).
    fn compile_text(&mut self, encoded: Result<Vec<u8>, wast::Error>) -> Result<ModuleId, Step> {
        let bytes = encoded.map_err(|e| {
            Step::Broken(Actual::TextRejected {
                message: e.to_string(),
            })
        })?;
        self.compile(bytes)
    }

    /// Compile and instantiate the module text encoded as `encoded`.
    fn instantiate_text(
        &mut self,
        encoded: Result<Vec<u8>, wast::Error>,
    ) -> Result<InstanceId, Step> {
        let module = self.compile_text(encoded)?;
        self.instantiate(module)
    }

    /// The request of an `invoke`, or the step that says why there is none.
    fn invoke_request(&self, invoke: &WastInvoke<'_>) -> Result<Request, Step> {
        let instance = self
            .instance_of(invoke.module)
            .map_err(|e| Step::Failed(missing(e)))?;
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
    fn exec_request(&self, exec: &WastExecute<'_>) -> Option<Result<Request, Step>> {
        match exec {
            WastExecute::Invoke(invoke) => Some(self.invoke_request(invoke)),
            WastExecute::Get { module, global, .. } => Some(
                self.instance_of(*module)
                    .map(|instance| Request::GetGlobal {
                        instance,
                        export: global.to_string(),
                    })
                    .map_err(|e| Step::Failed(missing(e))),
            ),
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
        request: Option<Result<Request, Step>>,
    ) {
        let expected = if expected.is_empty() {
            expect.describe("")
        } else {
            expected
        };
        match request {
            Some(Ok(request)) => {
                let pending = Pending {
                    span,
                    name,
                    expect,
                    expected,
                    results,
                };
                self.pipeline(request, pending);
            }
            Some(Err(step)) => {
                self.flush();
                self.judge_described(span, name, expect, expected, step, results);
            }
            None => unreachable!("callers handle module executions themselves"),
        }
    }

    fn execute(&mut self, exec: &mut WastExecute<'_>) -> Step {
        if let WastExecute::Wat(wat) = exec {
            return done(self.instantiate_text(wat.encode()));
        }
        match self.exec_request(exec) {
            Some(Ok(request)) => self.send(request),
            Some(Err(step)) => step,
            None => unreachable!("module executions return above"),
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
            Step::Done(Reply::Values(values)) => Actual::Values { values },
            Step::Done(_) => Actual::Ok,
            Step::Failed(f) => Actual::Failure(f),
            Step::Broken(a) => a,
        };
        let (verdict, why) = verdict(&expect, &actual, results);
        self.record(span, name, expected, actual, verdict, why);
    }
}

fn verdict(
    expect: &Expect,
    actual: &Actual,
    results: Option<&Vec<wast::WastRet<'_>>>,
) -> (Verdict, Option<String>) {
    let fail = |why: String| (Verdict::Fail, Some(why));
    match actual {
        Actual::Crash { .. } => return (Verdict::Crash, None),
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
mod tests {
    use super::*;

    #[test]
    fn line_index_agrees_with_the_wast_crate() {
        let text = "(module)\n\n  (assert_return (invoke \"f\"))\n;; \u{e9}\u{e9}\n(x)";
        let index = LineIndex::new(text);
        let mut offsets = vec![0, 9, 12, text.len() - 3, text.len() - 1];
        offsets.sort();
        for offset in offsets {
            let span = wast::token::Span::from_offset(offset);
            let (line, col) = span.linecol_in(text);
            assert_eq!(index.locate(offset), (line + 1, col + 1), "offset {offset}");
        }
    }
}
