//! One run of a case: the engines taking part ([`Side`]s, each with the names the
//! case made in it), the requests in flight, and the records, in directive
//! order. Directives go through [`Session::check`]: perform a step, then judge it.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use wasm_compat_protocol::{
    Capability, EngineConfig, Failure, FailureKind, InstanceId, ModuleId, Request,
};
use wast::token::{Id, Span};

use super::handles::Handles;
use super::measure::Measures;
use super::step::{missing, Step};
use super::verdict::{message_verdict, verdict, Expect, Judged};
use super::window::{self, Window};
use crate::adapter::{Engine, Exchange};
use crate::cases::{Case, Conventions};
use crate::outcome::{Actual, DirectiveRecord, Verdict, OBSERVED};
use crate::script::Item;

/// Where a directive is and what it is called in records.
#[derive(Debug, Clone, Copy)]
pub(super) struct At {
    pub span: Span,
    pub name: &'static str,
}

/// What a directive claims about its outcome, to be judged once the outcome is
/// known (at once, or when a pipelined answer arrives).
pub(super) struct Assertion<'r> {
    at: At,
    expect: Expect<'r>,
    /// `expect` in words, with the case's message.
    expected: String,
    /// The case's text for the failure it expects (empty when none).
    message: &'r str,
}

impl<'r> Assertion<'r> {
    pub(super) fn new(at: At, expect: Expect<'r>) -> Self {
        Assertion::with_message(at, expect, "")
    }

    /// An assertion whose words include the case's `message` for the failure.
    pub(super) fn with_message(at: At, expect: Expect<'r>, message: &'r str) -> Self {
        let expected = expect.describe(message);
        Assertion {
            at,
            expect,
            expected,
            message,
        }
    }
}

/// An instance, and the module it was made from.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Instance {
    pub id: InstanceId,
    pub module: ModuleId,
}

/// One engine's process and the names the case made in it.
pub(super) struct Side<'e> {
    pub engine: &'e mut dyn Engine,
    /// The optional requests the adapter announced.
    pub capabilities: &'e [Capability],
    next_module: ModuleId,
    next_instance: InstanceId,
    /// The instance unnamed directives use.
    pub current: Option<InstanceId>,
    pub instances: Handles<Instance>,
    pub definitions: Handles<ModuleId>,
    /// The definition an unnamed `module instance` uses.
    pub last_definition: Option<ModuleId>,
    /// Where each compiled module's binary is in the encoded map.
    pub source_of: HashMap<ModuleId, usize>,
    /// The most recent module compiled, loaded or instantiated.
    pub last_module: Option<ModuleId>,
    /// The process is gone (crash, timeout, protocol error, memory limit).
    pub dead: bool,
    /// A setting the rest of the case relies on (its store limits) is
    /// unsupported here, and why: what follows is not run, as `unsupported`.
    pub lacking: Option<String>,
}

impl<'e> Side<'e> {
    pub(super) fn new(engine: &'e mut dyn Engine, capabilities: &'e [Capability]) -> Self {
        Side {
            engine,
            capabilities,
            next_module: 0,
            next_instance: 0,
            current: None,
            instances: Handles::default(),
            definitions: Handles::default(),
            last_definition: None,
            source_of: HashMap::new(),
            last_module: None,
            dead: false,
            lacking: None,
        }
    }

    pub(super) fn new_module(&mut self) -> ModuleId {
        self.next_module += 1;
        self.next_module - 1
    }

    pub(super) fn new_instance(&mut self) -> InstanceId {
        self.next_instance += 1;
        self.next_instance - 1
    }

    /// The engine, unless its process is gone.
    fn live_engine(&mut self) -> Option<&mut dyn Engine> {
        if self.dead {
            None
        } else {
            Some(&mut *self.engine)
        }
    }

    /// Forget every name (after the engine was reconfigured).
    pub(super) fn forget(&mut self) {
        self.current = None;
        self.instances.forget();
        self.definitions.forget();
        self.last_definition = None;
        self.last_module = None;
    }

    /// The instance `id` names (or the current one).
    pub(super) fn instance(&self, id: Option<Id<'_>>) -> Result<InstanceId, Step> {
        match id {
            Some(id) => self
                .instances
                .lookup(id.name())
                .map(|i| i.id)
                .found(|| format!("no instance named ${}", id.name())),
            None => self
                .current
                .ok_or_else(|| missing("no module instantiated yet")),
        }
    }

    /// The module `id` names: a definition, or the module of an instance (or
    /// the last module made).
    pub(super) fn module(&self, id: Option<Id<'_>>) -> Result<ModuleId, Step> {
        match id {
            Some(id) => {
                let instance = self.instances.lookup(id.name()).map(|i| i.module);
                let definition = self.definitions.lookup(id.name());
                definition
                    .or(instance)
                    .found(|| format!("no module named ${}", id.name()))
            }
            None => self
                .last_module
                .ok_or_else(|| missing("no module compiled yet")),
        }
    }

    /// The module definition `id` names (or the last one).
    pub(super) fn definition(&self, id: Option<Id<'_>>) -> Result<ModuleId, Step> {
        match id {
            Some(id) => self
                .definitions
                .lookup(id.name())
                .found(|| format!("no module definition named ${}", id.name())),
            None => self
                .last_definition
                .ok_or_else(|| missing("module instance without a module definition")),
        }
    }

    /// Forget the names of a dropped instance.
    pub(super) fn forget_instance(&mut self, instance: InstanceId) {
        self.instances.remove_where(|i| i.id == instance);
        if self.current == Some(instance) {
            self.current = None;
        }
    }

    /// Forget the names of a dropped module.
    pub(super) fn forget_module(&mut self, module: ModuleId) {
        self.definitions.remove_where(|m| *m == module);
        self.source_of.remove(&module);
        if self.last_module == Some(module) {
            self.last_module = None;
        }
        if self.last_definition == Some(module) {
            self.last_definition = None;
        }
    }

    /// `instance` is now the current one, named `name` if it has one.
    pub(super) fn name_instance(&mut self, name: Option<Id<'_>>, instance: Instance) {
        self.current = Some(instance.id);
        if let Some(name) = name {
            self.instances.insert(name.name(), instance);
        }
    }

    /// `module` is now the last definition, named `name` if it has one.
    pub(super) fn name_definition(&mut self, name: Option<Id<'_>>, module: ModuleId) {
        self.last_definition = Some(module);
        if let Some(name) = name {
            self.definitions.insert(name.name(), module);
        }
    }
}

/// What a case gives every directive: its configuration, encoded modules, work
/// folder and lines.
pub(super) struct CaseInputs<'d> {
    /// The configuration every engine starts from.
    pub base: EngineConfig,
    /// Every module's binary, by the offset of its directive.
    pub encoded: &'d HashMap<usize, Result<Vec<u8>, String>>,
    /// The case's scratch folder: artifact files, compilation caches.
    pub workdir: PathBuf,
    /// The conventions of the runner the case's folder was written for.
    pub conventions: Conventions,
    lines: LineIndex,
}

impl<'d> CaseInputs<'d> {
    pub(super) fn new(
        base: EngineConfig,
        encoded: &'d HashMap<usize, Result<Vec<u8>, String>>,
        workdir: &Path,
        case: &Case,
    ) -> Self {
        CaseInputs {
            base,
            encoded,
            workdir: workdir.to_path_buf(),
            conventions: case.conventions.clone(),
            lines: LineIndex::new(&case.text),
        }
    }

    /// The 1-based line a directive is on.
    pub(super) fn line(&self, at: At) -> usize {
        self.lines.locate(at.span.offset()).0
    }
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

/// A case being run.
pub(super) struct Session<'e, 'd> {
    sides: Vec<Side<'e>>,
    /// Index of the side directives run on (1 inside `(on second ...)`).
    active: usize,
    pub case: CaseInputs<'d>,
    records: Vec<DirectiveRecord>,
    /// Sent to the active side, not yet answered, in order.
    window: Window<Assertion<'d>>,
    /// Artifacts made on the harness side or by `serialize`, by name.
    pub artifacts: Handles<Vec<u8>>,
    pub measures: Measures,
    /// Inside `(observe ...)`: standard directives are recorded, not judged.
    observing: bool,
}

impl<'e, 'd> Session<'e, 'd> {
    pub(super) fn new(sides: Vec<Side<'e>>, case: CaseInputs<'d>) -> Self {
        Session {
            sides,
            active: 0,
            case,
            records: Vec::new(),
            window: Window::new(),
            artifacts: Handles::default(),
            measures: Measures::default(),
            observing: false,
        }
    }

    /// Run `items` and return a record per directive run, in directive order.
    pub(super) fn run(mut self, items: &'d [Item<'d>]) -> Vec<DirectiveRecord> {
        self.items(items);
        self.flush();
        self.records
    }

    pub(super) fn items(&mut self, items: &'d [Item<'d>]) {
        for item in items {
            match item {
                Item::Wast(d) => self.directive(d),
                Item::Behaviour(b) => self.behaviour(b),
            }
        }
    }

    /// Run `items` on side `active`, `observing` or not; then, once everything
    /// they sent is judged, go back to the side and mode of before.
    pub(super) fn items_in(&mut self, items: &'d [Item<'d>], active: usize, observing: bool) {
        let before = (self.active, self.observing);
        (self.active, self.observing) = (active, observing);
        self.items(items);
        self.flush();
        (self.active, self.observing) = before;
    }

    pub(super) fn active(&self) -> usize {
        self.active
    }

    pub(super) fn observing(&self) -> bool {
        self.observing
    }

    pub(super) fn side(&mut self) -> &mut Side<'e> {
        &mut self.sides[self.active]
    }

    /// Send and wait (everything sent earlier is judged first). A request
    /// needing a capability the adapter did not announce is not sent: it is
    /// `unsupported`.
    pub(super) fn send(&mut self, request: Request) -> Step {
        self.flush();
        let side = self.side();
        let lacking = request
            .capabilities()
            .into_iter()
            .find(|c| !side.capabilities.contains(c));
        if let Some(capability) = lacking {
            return Step::Failed(Failure::new(
                FailureKind::Unsupported,
                format!(
                    "harness: the adapter does not announce the `{}` capability",
                    capability.name()
                ),
            ));
        }
        Step::of(side.engine.request(&request))
    }

    /// Send `first` and `then` together and wait for both (one round trip
    /// instead of two): the step of `first`, and of `then` only when `first`
    /// succeeded (its answer is read and dropped otherwise). Neither may
    /// need a capability.
    pub(super) fn send_pair(&mut self, first: Request, then: Request) -> (Step, Option<Step>) {
        debug_assert!(first.capabilities().is_empty() && then.capabilities().is_empty());
        self.flush();
        let engine = &mut *self.side().engine;
        engine.send(&first);
        engine.send(&then);
        let first = Step::of(engine.receive());
        if !first.is_done() {
            if matches!(first, Step::Failed(_)) {
                engine.receive();
            }
            return (first, None);
        }
        (first, Some(Step::of(engine.receive())))
    }

    /// Judge `assertion` on `step` now (after everything in flight).
    pub(super) fn check(&mut self, assertion: Assertion<'d>, step: Step) {
        self.flush();
        self.judge(assertion, step);
    }

    /// Send `request` without waiting and judge `assertion` on its answer later:
    /// when a directive needs the engine's state, or the window is full.
    pub(super) fn check_later(&mut self, assertion: Assertion<'d>, request: Request) {
        if self.window.is_full() {
            self.settle_some();
        }
        let side = &mut self.sides[self.active];
        self.window.send(&mut *side.engine, &request, assertion);
    }

    /// Judge the oldest quarter of a full window: the requests sent next go
    /// out together while the adapter still works on the rest, so neither
    /// process waits for the other and each wake-up carries many answers.
    fn settle_some(&mut self) {
        for _ in 0..window::REFILL {
            let engine = self.sides[self.active].live_engine();
            match self.window.settle(engine) {
                Some((pending, answer)) => self.settled(pending, answer),
                None => break,
            }
        }
    }

    /// Judge every directive still in flight.
    pub(super) fn flush(&mut self) {
        if self.window.is_empty() {
            return;
        }
        let side = &mut self.sides[self.active];
        for (pending, answer) in self.window.flush(&mut *side.engine, !side.dead) {
            self.settled(pending, answer);
        }
    }

    /// Judge a pipelined directive on its answer (none: the engine was gone).
    fn settled(&mut self, pending: Assertion<'d>, answer: Option<Exchange>) {
        match answer {
            Some(exchange) => self.judge(pending, Step::of(exchange)),
            None => self.record_not_run(pending.at, Verdict::NotRun),
        }
    }

    fn judge(&mut self, assertion: Assertion<'_>, step: Step) {
        let Assertion {
            at,
            expect,
            expected,
            message,
        } = assertion;
        let actual = match step.into_actual() {
            Ok(actual) => actual,
            Err(why) => {
                return self.record(at, expected, Actual::NotRun, (Verdict::NotRun, Some(why)))
            }
        };
        let (expect, expected) = match expect {
            // An observed bound check still names its bound: it classifies.
            Expect::WithinBound(bound) if self.observing => (Expect::Observed, bound),
            _ if self.observing => (Expect::Observed, OBSERVED.to_string()),
            expect => (expect, expected),
        };
        let by_message = self.case.conventions.match_messages;
        let judged = match by_message.then(|| message_verdict(&expect, &actual, message)) {
            Some(Some(judged)) => judged,
            _ => verdict(&expect, &actual),
        };
        self.record(at, expected, actual, judged);
    }

    /// Record `at` as not run when the engine is gone, or as `unsupported`
    /// when a setting the case relies on is; true when it was.
    pub(super) fn skip_if_cannot_go_on(&mut self, at: At) -> bool {
        if let Some(why) = self.side().lacking.clone() {
            self.flush();
            let judged = (Verdict::Unsupported, Some(why));
            self.record(at, String::new(), Actual::NotRun, judged);
            return true;
        }
        if !self.side().dead {
            return false;
        }
        self.flush();
        self.record_not_run(at, Verdict::NotRun);
        true
    }

    /// Record a directive that was not run, with `verdict`.
    pub(super) fn record_not_run(&mut self, at: At, verdict: Verdict) {
        self.record(at, String::new(), Actual::NotRun, (verdict, None));
    }

    fn record(&mut self, at: At, expected: String, actual: Actual, judged: Judged) {
        let (line, col) = self.case.lines.locate(at.span.offset());
        if actual.ends_case() {
            self.side().dead = true;
        }
        let (verdict, why) = judged;
        self.records.push(DirectiveRecord {
            line,
            col,
            directive: at.name.to_string(),
            second: self.active == 1,
            expected,
            actual,
            verdict,
            why,
            agrees_with_reference: None,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::LineIndex;

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
