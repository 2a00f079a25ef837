//! wasm-compat's behaviour directives (`repeat`, `on second`, `observe`,
//! `timed`, `configure`, drops, store limits, host growth, host functions,
//! memory measurements): each is performed, then checked. Artifacts and
//! compilation caches are in `artifacts`.

use std::time::Instant;

use wasm_compat_protocol::{
    Capability, EngineConfig, FailureKind, InstanceId, LoadPath, Reply, Request, StoreLimits,
};
use wast::token::Id;

use super::measure::describe_bound;
use super::session::{Assertion, At, Session, Side};
use super::step::Step;
use super::verdict::Expect;
use crate::outcome::Actual;
use crate::script::{Behaviour, BehaviourKind, Item, Via};

impl<'e, 'd> Session<'e, 'd> {
    pub(super) fn behaviour(&mut self, b: &'d Behaviour<'d>) {
        let at = At {
            span: b.span,
            name: b.kind.keyword(),
        };
        self.flush();
        match &b.kind {
            BehaviourKind::Repeat { times, items } => {
                for _ in 0..*times {
                    self.items(items);
                }
            }
            BehaviourKind::OnSecond(items) => self.items_in(items, 1, self.observing()),
            BehaviourKind::Observe(items) => self.items_in(items, self.active(), true),
            BehaviourKind::Timed { label, items } => self.timed(at, label, items),
            BehaviourKind::ModuleFile { module, .. } => {
                if !self.skip_if_cannot_go_on(at) {
                    let step = self.perform_module(at, b.span.offset(), *module);
                    self.check(Assertion::new(at, Expect::Success), step);
                }
            }
            BehaviourKind::Deserialize {
                module,
                artifact,
                via: Via::Every,
                ..
            } => self.load_every_way(b.span, false, *module, artifact),
            BehaviourKind::AssertRejected {
                module,
                artifact,
                via: Via::Every,
                ..
            } => self.load_every_way(b.span, true, *module, artifact),
            kind => {
                if !self.skip_if_cannot_go_on(at) {
                    let (expect, step) = self.perform_behaviour(at, kind);
                    self.check(Assertion::new(at, expect), step);
                }
            }
        }
    }

    /// `(deserialize ... (via every))` and its `assert_rejected`: the load
    /// through each of the engine's loading paths in turn, one record each,
    /// so that two paths of one version that disagree show. `$m` names the
    /// last module a path loaded; it is lost when no path loads it.
    fn load_every_way(
        &mut self,
        span: wast::token::Span,
        rejected: bool,
        module: Option<Id<'d>>,
        artifact: &str,
    ) {
        let expect = || {
            if rejected {
                Expect::Rejected
            } else {
                Expect::Observed
            }
        };
        let mut loaded = false;
        for path in LoadPath::ALL {
            let at = At {
                span,
                name: Via::record_name(rejected, path),
            };
            if self.skip_if_cannot_go_on(at) {
                continue;
            }
            let step = self.deserialize(module, artifact, path);
            loaded |= step.is_done();
            // A later path that loads it names `$m` again.
            if !rejected && !loaded {
                self.lose_definition(at, module, &step);
            }
            self.check(Assertion::new(at, expect()), step);
        }
    }

    /// `(timed "label" item...)`: run the items and keep how long they took.
    fn timed(&mut self, at: At, label: &str, items: &'d [Item<'d>]) {
        let started = Instant::now();
        self.items(items);
        self.flush();
        let took = started.elapsed();
        self.measures.timing(label, took);
        let actual = Actual::Timed {
            millis: took.as_secs_f64() * 1000.0,
        };
        self.check(Assertion::new(at, Expect::Observed), Step::Observed(actual));
    }

    /// Perform a behaviour directive that is not a block: what it expects, and its step.
    fn perform_behaviour(&mut self, at: At, kind: &BehaviourKind<'_>) -> (Expect<'d>, Step) {
        use BehaviourKind as B;
        let observed = |step| (Expect::Observed, step);
        match kind {
            B::Serialize { module, artifact } => observed(self.serialize(at, *module, artifact)),
            B::Deserialize {
                module,
                artifact,
                via: Via::One(path),
            } => observed(self.deserialize_named(at, *module, artifact, *path)),
            B::AssertRejected {
                module,
                artifact,
                via: Via::One(path),
            } => (Expect::Rejected, self.deserialize(*module, artifact, *path)),
            B::Artifact { name, source } => observed(self.make_artifact(at, name, source)),
            B::CompilationCache { dir } => observed(self.compilation_cache(dir)),
            B::CacheEntries { dir } => observed(self.cache_entries(dir)),
            B::AssertMemoryGrowth {
                from,
                to,
                bound,
                collector_timed,
            } => {
                let timed = *collector_timed && self.has_collector();
                (
                    Expect::WithinBound(describe_bound(bound)),
                    self.measures.growth(from, to, bound, timed),
                )
            }
            B::AssertSlowdown {
                first,
                later,
                at_most,
            } => (
                Expect::WithinBound(format!("at most {at_most}x")),
                self.measures.slowdown(first, later, *at_most),
            ),
            other => observed(self.perform_engine_behaviour(other)),
        }
    }

    /// Perform a behaviour directive that is one request to the engine.
    fn perform_engine_behaviour(&mut self, kind: &BehaviourKind<'_>) -> Step {
        use BehaviourKind as B;
        match kind {
            B::Configure(features) => self.configure_features(features),
            B::DropInstance(id) => self.drop_instance(*id),
            B::DropModule(id) => self.drop_module(*id),
            B::DropStore => self.drop_store(),
            B::Collect => self.collect(),
            B::StoreLimits(limits) => self.store_limits(limits),
            B::GrowMemory {
                instance,
                memory,
                delta,
            } => self.on_instance(*instance, |instance| Request::GrowMemory {
                instance,
                export: memory.clone(),
                delta: *delta,
            }),
            B::MemorySize { instance, memory } => {
                self.on_instance(*instance, |instance| Request::MemorySize {
                    instance,
                    export: memory.clone(),
                })
            }
            B::HostFunc(host) => self.send(Request::DefineHost(host.clone())),
            B::InstantiateKeeping { instance, module } => {
                self.instantiate_keeping(*instance, *module)
            }
            B::CloseInstance {
                instance,
                exit_code,
            } => self.on_instance(*instance, |instance| Request::CloseInstance {
                instance,
                exit_code: *exit_code,
            }),
            B::DefineUnknownImports { module, fill } => match self.side().definition(*module) {
                Ok(module) => self.send(Request::DefineUnknownImports {
                    module,
                    fill: *fill,
                }),
                Err(step) => step,
            },
            B::ResolveImports { name, instance } => {
                self.on_instance(*instance, |instance| Request::ResolveImports {
                    instance,
                    name: name.clone(),
                })
            }
            B::HostCalls { module, name } => self.send(Request::HostCalls {
                module: module.clone(),
                name: name.clone(),
            }),
            B::MemoryUsage(label) => self.measure_memory(label),
            _ => unreachable!("`perform_behaviour` runs every other directive"),
        }
    }

    /// Send the request `make` makes for instance `id`.
    fn on_instance(
        &mut self,
        id: Option<Id<'_>>,
        make: impl FnOnce(InstanceId) -> Request,
    ) -> Step {
        match self.side().instance(id) {
            Ok(instance) => self.send(make(instance)),
            Err(step) => step,
        }
    }

    /// `(instantiate_keeping $i $m)`: the instance is named whatever the
    /// answer, so later directives go to what the engine handed back (an
    /// adapter whose engine handed back nothing answers them `unsupported`).
    fn instantiate_keeping(&mut self, instance: Option<Id<'_>>, module: Option<Id<'_>>) -> Step {
        let module = match self.side().definition(module) {
            Ok(module) => module,
            Err(step) => return step,
        };
        let id = self.side().new_instance();
        let step = self.send(Request::Instantiate {
            module,
            instance: id,
        });
        self.side()
            .name_instance(instance, super::session::Instance { id, module });
        step
    }

    /// `(configure (features ...))`: a fresh engine with more proposals.
    fn configure_features(&mut self, features: &[crate::proposal::Proposal]) -> Step {
        let mut config = self.case.base.clone();
        for f in features {
            if !config.features.iter().any(|c| c == f.name()) {
                config.features.push(f.name().to_string());
            }
        }
        self.reconfigure(config)
    }

    /// Start the engine afresh with `config`; the case's names go with the old one.
    pub(super) fn reconfigure(&mut self, config: EngineConfig) -> Step {
        let step = self.send(Request::Configure(config));
        if step.is_done() {
            self.side().forget();
        }
        step
    }

    fn drop_instance(&mut self, id: Option<Id<'_>>) -> Step {
        let instance = self.side().instance(id);
        let request = |instance| Request::DropInstance { instance };
        self.drop_handle(instance, request, Side::forget_instance)
    }

    fn drop_module(&mut self, id: Option<Id<'_>>) -> Step {
        let module = self.side().module(id);
        let request = |module| Request::DropModule { module };
        self.drop_handle(module, request, Side::forget_module)
    }

    /// Send the request that drops `handle`; once it is dropped, `forget` its names.
    fn drop_handle<H: Copy>(
        &mut self,
        handle: Result<H, Step>,
        request: impl FnOnce(H) -> Request,
        forget: impl FnOnce(&mut Side<'e>, H),
    ) -> Step {
        let handle = match handle {
            Ok(handle) => handle,
            Err(step) => return step,
        };
        let step = self.send(request(handle));
        if step.is_done() {
            forget(self.side(), handle);
        }
        step
    }

    fn drop_store(&mut self) -> Step {
        let step = self.send(Request::DropStore);
        if step.is_done() {
            let side = self.side();
            side.instances.clear();
            side.current = None;
        }
        step
    }

    /// `(store_limits ...)`: what follows relies on the limits, so where they
    /// are unsupported the rest of the case is too.
    fn store_limits(&mut self, limits: &StoreLimits) -> Step {
        let step = self.send(Request::SetLimits(limits.clone()));
        if let Step::Failed(f) = &step {
            if f.kind == FailureKind::Unsupported {
                self.side().lacking = Some(format!(
                    "the store limits of this case are unsupported here ({})",
                    f.message
                ));
            }
        }
        step
    }

    /// Whether the engine's host has a garbage collector (its adapter
    /// announces `collect`).
    fn has_collector(&mut self) -> bool {
        self.side().capabilities.contains(&Capability::Collect)
    }

    /// `(collect)`: a full collection where the host has a collector; where it
    /// has none, dropped memory is already freed and there is nothing to do.
    fn collect(&mut self) -> Step {
        if self.has_collector() {
            self.send(Request::Collect)
        } else {
            Step::ok()
        }
    }

    /// `(memory_usage "label")`: the adapter's resident memory, kept by label.
    fn measure_memory(&mut self, label: &str) -> Step {
        let step = self.send(Request::MemoryUsage);
        if let Step::Done(Reply::Memory(m)) = &step {
            self.measures.memory(label, m.rss_bytes);
        }
        step
    }
}
