//! The standard wast directives: each is performed (modules compiled and
//! instantiated, calls sent), then checked against what it expects.

use wasm_compat_protocol::{Bytes, Failure, FailureKind, ModuleId, Request};
use wast::token::Id;
use wast::{WastDirective, WastExecute, WastInvoke};

use super::session::{Assertion, At, Instance, Session};
use super::step::Step;
use super::verdict::Expect;
use crate::expect;
use crate::outcome::{Actual, Verdict};

/// A directive performed: its step now, or a request whose answer is judged later.
pub(super) enum Performed {
    Now(Step),
    Later(Request),
}

impl From<Result<Request, Step>> for Performed {
    fn from(request: Result<Request, Step>) -> Self {
        request.map_or_else(Performed::Now, Performed::Later)
    }
}

impl<'e, 'd> Session<'e, 'd> {
    pub(super) fn directive(&mut self, d: &'d WastDirective<'d>) {
        let at = At {
            span: d.span(),
            name: directive_name(d),
        };
        if !self.is_pipelined(d) {
            self.flush();
        }
        if self.skip_if_cannot_go_on(at) {
            return;
        }
        match d {
            WastDirective::Invoke(_)
            | WastDirective::AssertReturn { .. }
            | WastDirective::AssertTrap { .. }
            | WastDirective::AssertExhaustion { .. }
            | WastDirective::AssertException { .. } => self.execution(at, d),
            // Refused before the case starts (see `run_case`).
            WastDirective::AssertSuspension { .. }
            | WastDirective::Thread(_)
            | WastDirective::Wait { .. } => self.record_not_run(at, Verdict::Unsupported),
            _ => self.module_directive(at, d),
        }
    }

    /// A directive that makes, names or checks a module.
    fn module_directive(&mut self, at: At, d: &'d WastDirective<'d>) {
        let offset = at.span.offset();
        match d {
            WastDirective::Module(q) => {
                let step = self.perform_module(at, offset, q.name());
                self.check(Assertion::new(at, Expect::Success), step);
            }
            WastDirective::ModuleDefinition(q) => {
                let step = self.perform_module_definition(at, offset, q.name());
                self.check(Assertion::new(at, Expect::Success), step);
            }
            WastDirective::ModuleInstance {
                instance, module, ..
            } => {
                let step = self.perform_module_instance(at, *instance, *module);
                self.check(Assertion::new(at, Expect::Success), step);
            }
            WastDirective::Register { name, module, .. } => {
                let step = self.perform_register(*module, name);
                self.check(Assertion::new(at, Expect::Success), step);
            }
            WastDirective::AssertMalformed { message, .. }
            | WastDirective::AssertInvalid { message, .. } => {
                let performed = self.perform_rejected_compile(offset);
                let assertion = Assertion::with_message(at, Expect::CompileFailure, message);
                self.check_performed(assertion, performed);
            }
            WastDirective::AssertMalformedCustom { .. }
            | WastDirective::AssertInvalidCustom { .. } => {
                let step = self.perform_custom_section_module(offset);
                self.check(Assertion::new(at, Expect::Success), step);
            }
            WastDirective::AssertUnlinkable { message, .. } => {
                let step = Step::done(self.instantiate_at(offset));
                let assertion = Assertion::with_message(at, Expect::Unlinkable, message);
                self.check(assertion, step);
            }
            _ => unreachable!("`directive` runs every other directive"),
        }
    }

    /// A call, a read, or an assertion on one (or on instantiating a module).
    fn execution(&mut self, at: At, d: &'d WastDirective<'d>) {
        let offset = at.span.offset();
        match d {
            WastDirective::Invoke(invoke) => {
                let performed = self.perform_invoke(invoke);
                self.check_performed(Assertion::new(at, Expect::Success), performed);
            }
            WastDirective::AssertReturn { exec, results, .. } => {
                let performed = self.perform_execute(offset, exec);
                let expect = Expect::Results(results);
                self.check_performed(Assertion::new(at, expect), performed);
            }
            WastDirective::AssertTrap { exec, message, .. } => {
                let performed = self.perform_execute(offset, exec);
                let expect = Expect::Trap(expect::trap_kind_for_message(message));
                self.check_performed(Assertion::with_message(at, expect, message), performed);
            }
            WastDirective::AssertExhaustion { call, message, .. } => {
                let performed = self.perform_invoke(call);
                let assertion = Assertion::with_message(at, Expect::Exhaustion, message);
                self.check_performed(assertion, performed);
            }
            WastDirective::AssertException { exec, .. } => {
                let performed = self.perform_execute(offset, exec);
                let step = self.finish(performed);
                self.check(Assertion::new(at, Expect::Exception), step);
            }
            _ => unreachable!("`directive` runs every other directive"),
        }
    }

    /// Judge `performed` now, or pipeline its request and judge the answer later.
    fn check_performed(&mut self, assertion: Assertion<'d>, performed: Performed) {
        match performed {
            Performed::Now(step) => self.check(assertion, step),
            Performed::Later(request) => self.check_later(assertion, request),
        }
    }

    /// The step of `performed`, sending its request and waiting if it has one.
    fn finish(&mut self, performed: Performed) -> Step {
        match performed {
            Performed::Now(step) => step,
            Performed::Later(request) => self.send(request),
        }
    }

    /// `(module $m ...)`: compile and instantiate; `$m` names the instance.
    /// Under a folder's `register-named-modules` convention, `$m` is also
    /// registered as `m`.
    pub(super) fn perform_module(&mut self, at: At, offset: usize, name: Option<Id<'_>>) -> Step {
        let made = self.instantiate_at(offset);
        let step = self.keep_instance(at, name, made);
        match name {
            Some(id) if step.is_done() && self.case.conventions.register_named_modules => {
                self.perform_register(Some(id), id.name())
            }
            _ => step,
        }
    }

    /// `(module definition $m ...)`: compile only.
    fn perform_module_definition(&mut self, at: At, offset: usize, name: Option<Id<'_>>) -> Step {
        match self.compile_at(offset) {
            Ok(module) => {
                self.side().name_definition(name, module);
                Step::ok()
            }
            Err(step) => {
                self.lose_definition(at, name, &step);
                step
            }
        }
    }

    /// `(module instance $i $m)`: instantiate a definition.
    fn perform_module_instance(
        &mut self,
        at: At,
        name: Option<Id<'_>>,
        module: Option<Id<'_>>,
    ) -> Step {
        let made = self
            .side()
            .definition(module)
            .and_then(|m| self.instantiate(m));
        self.keep_instance(at, name, made)
    }

    /// Make a `made` instance the current one, named `name`; or remember why
    /// `name` could not be made.
    fn keep_instance(
        &mut self,
        at: At,
        name: Option<Id<'_>>,
        made: Result<Instance, Step>,
    ) -> Step {
        match made {
            Ok(instance) => {
                self.side().name_instance(name, instance);
                Step::ok()
            }
            Err(step) => {
                if let Some(name) = name {
                    let why = self.why_lost(at, name, &step);
                    self.side().instances.lose(name.name(), why);
                }
                step
            }
        }
    }

    fn perform_register(&mut self, module: Option<Id<'_>>, as_name: &str) -> Step {
        match self.side().instance(module) {
            Err(step) => step,
            Ok(instance) => self.send(Request::Register {
                instance,
                name: as_name.to_string(),
            }),
        }
    }

    /// An `invoke`: its request, or why there is none.
    fn perform_invoke(&mut self, invoke: &WastInvoke<'_>) -> Performed {
        Performed::from(self.invoke_request(invoke))
    }

    fn invoke_request(&mut self, invoke: &WastInvoke<'_>) -> Result<Request, Step> {
        let instance = self.side().instance(invoke.module)?;
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

    /// What an assertion runs: a call or a read (its request), or a module
    /// instantiated at once.
    fn perform_execute(&mut self, offset: usize, exec: &WastExecute<'_>) -> Performed {
        match exec {
            WastExecute::Invoke(invoke) => self.perform_invoke(invoke),
            WastExecute::Get { module, global, .. } => Performed::from(
                self.side()
                    .instance(*module)
                    .map(|instance| Request::GetGlobal {
                        instance,
                        export: global.to_string(),
                    }),
            ),
            WastExecute::Wat(_) => Performed::Now(Step::done(self.instantiate_at(offset))),
        }
    }

    /// Custom sections are not validated by engines: the module must still load.
    fn perform_custom_section_module(&mut self, offset: usize) -> Step {
        match Step::done(self.compile_at(offset)) {
            Step::Broken(Actual::TextRejected { .. }) => Step::ok(),
            other => other,
        }
    }

    /// Remember that the module definition `name` could not be made because of `step`.
    pub(super) fn lose_definition(&mut self, at: At, name: Option<Id<'_>>, step: &Step) {
        if let Some(name) = name {
            let why = self.why_lost(at, name, step);
            self.side().definitions.lose(name.name(), why);
        }
    }

    fn why_lost(&self, at: At, name: Id<'_>, step: &Step) -> String {
        let line = self.case.line(at);
        step.loss(|| format!("${} was not made (line {line})", name.name()))
    }

    /// Compile the module of the directive at `offset`.
    pub(super) fn compile_at(&mut self, offset: usize) -> Result<ModuleId, Step> {
        let bytes = match self.case.encoded.get(&offset) {
            Some(Ok(bytes)) => bytes.clone(),
            Some(Err(message)) => {
                let message = message.clone();
                return Err(Step::Broken(Actual::TextRejected { message }));
            }
            None => unreachable!("every module was encoded before the run"),
        };
        let module = self.side().new_module();
        let step = self.send(Request::Compile {
            module,
            bytes: Bytes(bytes),
        });
        if !step.is_done() {
            return Err(step);
        }
        let side = self.side();
        side.source_of.insert(module, offset);
        side.last_module = Some(module);
        Ok(module)
    }

    /// Whether a directive's request can be sent without waiting for earlier
    /// answers: calls and reads, and the compile of a module expected to be
    /// refused when there are bytes to send (one the harness's own parser
    /// refused is judged without the engine, so only once the answers in
    /// flight show the engine still there); anything that makes modules or
    /// instances waits.
    fn is_pipelined(&self, d: &WastDirective<'_>) -> bool {
        match d {
            WastDirective::Invoke(_) | WastDirective::AssertExhaustion { .. } => true,
            WastDirective::AssertInvalid { .. } | WastDirective::AssertMalformed { .. } => {
                matches!(self.case.encoded.get(&d.span().offset()), Some(Ok(_)))
            }
            WastDirective::AssertReturn { exec, .. } | WastDirective::AssertTrap { exec, .. } => {
                !matches!(exec, WastExecute::Wat(_))
            }
            _ => false,
        }
    }

    /// Compile a module expected to be refused (`assert_invalid`,
    /// `assert_malformed`): nothing later depends on its answer, so it is
    /// pipelined like a call, and never becomes the current module.
    fn perform_rejected_compile(&mut self, offset: usize) -> Performed {
        match self.case.encoded.get(&offset) {
            Some(Ok(bytes)) => {
                let module = self.side().new_module();
                Performed::Later(Request::Compile {
                    module,
                    bytes: Bytes(bytes.clone()),
                })
            }
            _ => Performed::Now(Step::done(self.compile_at(offset))),
        }
    }

    fn instantiate(&mut self, module: ModuleId) -> Result<Instance, Step> {
        let id = self.side().new_instance();
        let step = self.send(Request::Instantiate {
            module,
            instance: id,
        });
        if !step.is_done() {
            return Err(step);
        }
        self.side().last_module = Some(module);
        Ok(Instance { id, module })
    }

    /// Compile and instantiate the module of the directive at `offset`, both
    /// requests sent together.
    fn instantiate_at(&mut self, offset: usize) -> Result<Instance, Step> {
        let bytes = match self.case.encoded.get(&offset) {
            Some(Ok(bytes)) => bytes.clone(),
            _ => return self.compile_at(offset).and_then(|m| self.instantiate(m)),
        };
        let (module, id) = (self.side().new_module(), self.side().new_instance());
        let compile = Request::Compile {
            module,
            bytes: Bytes(bytes),
        };
        let instantiate = Request::Instantiate {
            module,
            instance: id,
        };
        let (compiled, instantiated) = self.send_pair(compile, instantiate);
        let side = self.side();
        if compiled.is_done() {
            side.source_of.insert(module, offset);
            side.last_module = Some(module);
        }
        match instantiated {
            Some(step) if step.is_done() => Ok(Instance { id, module }),
            Some(step) => Err(step),
            None => Err(compiled),
        }
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
