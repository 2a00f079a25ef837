//! One configured engine with its store, linker, modules and instances.

use std::collections::HashMap;

use wasm_compat_protocol::{
    current_memory_usage, Bytes, EngineConfig, Failure, FailureKind, InstanceId, ModuleId, Reply,
    Request, Value,
};
use wasmtime::{Engine, Extern, Instance, Linker, Module, RootScope, Store, StoreLimits, Val};

use crate::{config, errors, spectest, values};

/// Per-store host state.
pub struct HostState {
    limits: StoreLimits,
}

/// Engine, store and everything created in them.
pub struct Session {
    engine: Engine,
    settings: config::Settings,
    store: Store<HostState>,
    linker: Linker<HostState>,
    modules: HashMap<ModuleId, Module>,
    instances: HashMap<InstanceId, Instance>,
}

fn not_found(msg: impl Into<String>) -> Failure {
    Failure::new(FailureKind::NotFound, msg)
}

fn other(msg: impl Into<String>) -> Failure {
    Failure::new(FailureKind::Other, msg)
}

/// A fresh store with the spectest module linked into a fresh linker.
fn new_store(
    engine: &Engine,
    settings: &config::Settings,
) -> Result<(Store<HostState>, Linker<HostState>), Failure> {
    let limits = settings
        .limits
        .as_ref()
        .map(config::store_limits)
        .unwrap_or_default();
    let mut store = Store::new(engine, HostState { limits });
    if settings.limits.is_some() {
        store.limiter(|state| &mut state.limits);
    }
    let mut linker = Linker::new(engine);
    linker.allow_shadowing(true);
    spectest::link(&mut linker, &mut store, settings.threads, settings.table64)
        .map_err(|e| other(format!("cannot define spectest: {e:#}")))?;
    Ok((store, linker))
}

impl Session {
    /// Build engine and store for `cfg`.
    pub fn new(cfg: &EngineConfig) -> Result<Self, Failure> {
        let (config, settings) = config::build(cfg)?;
        let engine = Engine::new(&config)
            .map_err(|e| Failure::new(FailureKind::Unsupported, format!("engine: {e:#}")))?;
        let (store, linker) = new_store(&engine, &settings)?;
        Ok(Session {
            engine,
            settings,
            store,
            linker,
            modules: HashMap::new(),
            instances: HashMap::new(),
        })
    }

    /// Answer one request (everything but `hello` and `configure`).
    pub fn handle(&mut self, request: Request) -> Result<Reply, Failure> {
        match request {
            Request::Hello | Request::Configure(_) => {
                unreachable!("handled by the main loop")
            }
            Request::Compile { module, bytes } => {
                let m = Module::new(&self.engine, &bytes.0)
                    .map_err(|e| Failure::new(FailureKind::Compile, errors::message(&e)))?;
                self.modules.insert(module, m);
                Ok(Reply::Done)
            }
            Request::Instantiate { module, instance } => self.instantiate(module, instance),
            Request::Register { instance, name } => {
                let inst = self.instance(instance)?;
                self.linker
                    .instance(&mut self.store, &name, inst)
                    .map_err(|e| other(errors::message(&e)))?;
                Ok(Reply::Done)
            }
            Request::Invoke {
                instance,
                export,
                args,
            } => self.invoke(instance, &export, &args),
            Request::GetGlobal { instance, export } => {
                let inst = self.instance(instance)?;
                let global = inst
                    .get_global(&mut self.store, &export)
                    .ok_or_else(|| not_found(format!("no global export `{export}`")))?;
                let mut scope = RootScope::new(&mut self.store);
                let ty = global.ty(&scope);
                let val = global.get(&mut scope);
                let value = values::from_val(&mut scope, &val, Some(ty.content()))?;
                Ok(Reply::Values(vec![value]))
            }
            Request::Serialize { module } => {
                let m = self.module(module)?;
                let bytes = m.serialize().map_err(|e| other(errors::message(&e)))?;
                Ok(Reply::Bytes(Bytes(bytes)))
            }
            Request::Deserialize { module, bytes } => {
                // SAFETY: wasmtime checks the artifact's header, engine version and
                // configuration before using it; the harness only hands us artifacts
                // produced by wasmtime (or deliberately corrupted ones, which the
                // header checks reject).
                let m = unsafe { Module::deserialize(&self.engine, &bytes.0) }
                    .map_err(|e| Failure::new(FailureKind::Rejected, errors::message(&e)))?;
                self.modules.insert(module, m);
                Ok(Reply::Done)
            }
            Request::GrowMemory {
                instance,
                export,
                delta,
            } => {
                let inst = self.instance(instance)?;
                match inst.get_export(&mut self.store, &export) {
                    Some(Extern::Memory(mem)) => mem
                        .grow(&mut self.store, delta)
                        .map(Reply::Pages)
                        .map_err(|e| Failure::new(FailureKind::Exhaustion, errors::message(&e))),
                    Some(Extern::SharedMemory(mem)) => mem
                        .grow(delta)
                        .map(Reply::Pages)
                        .map_err(|e| Failure::new(FailureKind::Exhaustion, errors::message(&e))),
                    _ => Err(not_found(format!("no memory export `{export}`"))),
                }
            }
            Request::MemorySize { instance, export } => {
                let inst = self.instance(instance)?;
                match inst.get_export(&mut self.store, &export) {
                    Some(Extern::Memory(mem)) => Ok(Reply::Pages(mem.size(&self.store))),
                    Some(Extern::SharedMemory(mem)) => Ok(Reply::Pages(mem.size())),
                    _ => Err(not_found(format!("no memory export `{export}`"))),
                }
            }
            Request::DropInstance { instance } => {
                self.instances
                    .remove(&instance)
                    .ok_or_else(|| not_found(format!("no instance {instance}")))?;
                Ok(Reply::Done)
            }
            Request::DropModule { module } => {
                self.modules
                    .remove(&module)
                    .ok_or_else(|| not_found(format!("no module {module}")))?;
                Ok(Reply::Done)
            }
            Request::DropStore => {
                self.instances.clear();
                let (store, linker) = new_store(&self.engine, &self.settings)?;
                // Replace the linker first: it may hold items of the old store.
                self.linker = linker;
                self.store = store;
                Ok(Reply::Done)
            }
            Request::MemoryUsage => current_memory_usage()
                .map(Reply::Memory)
                .ok_or_else(|| Failure::new(FailureKind::Unsupported, "no /proc/self/statm here")),
        }
    }

    fn module(&self, id: ModuleId) -> Result<&Module, Failure> {
        self.modules
            .get(&id)
            .ok_or_else(|| not_found(format!("no module {id}")))
    }

    fn instance(&self, id: InstanceId) -> Result<Instance, Failure> {
        self.instances
            .get(&id)
            .copied()
            .ok_or_else(|| not_found(format!("no instance {id}")))
    }

    fn instantiate(&mut self, module: ModuleId, instance: InstanceId) -> Result<Reply, Failure> {
        let m = self.module(module)?.clone();
        // Report missing imports ourselves so that they are told apart from other
        // instantiation failures without relying on message texts.
        for import in m.imports() {
            if self
                .linker
                .get_by_import(&mut self.store, &import)
                .is_none()
            {
                return Err(Failure::new(
                    FailureKind::Unlinkable,
                    format!(
                        "unknown import: `{}::{}` has not been defined",
                        import.module(),
                        import.name()
                    ),
                ));
            }
        }
        let inst = self
            .linker
            .instantiate(&mut self.store, &m)
            .map_err(errors::instantiate_failure)?;
        self.instances.insert(instance, inst);
        Ok(Reply::Done)
    }

    fn invoke(
        &mut self,
        instance: InstanceId,
        export: &str,
        args: &[Value],
    ) -> Result<Reply, Failure> {
        let inst = self.instance(instance)?;
        let func = inst
            .get_func(&mut self.store, export)
            .ok_or_else(|| not_found(format!("no function export `{export}`")))?;
        let mut scope = RootScope::new(&mut self.store);
        let ty = func.ty(&scope);
        let params: Vec<_> = ty.params().collect();
        let results_ty: Vec<_> = ty.results().collect();
        if params.len() != args.len() {
            return Err(other(format!(
                "`{export}` takes {} arguments, got {}",
                params.len(),
                args.len()
            )));
        }
        let mut vals = Vec::with_capacity(args.len());
        for (arg, pty) in args.iter().zip(&params) {
            vals.push(values::to_val(&mut scope, arg, Some(pty))?);
        }
        let mut results = vec![Val::I32(0); results_ty.len()];
        func.call(&mut scope, &vals, &mut results)
            .map_err(errors::invoke_failure)?;
        let mut out = Vec::with_capacity(results.len());
        for (val, rty) in results.iter().zip(&results_ty) {
            out.push(values::from_val(&mut scope, val, Some(rty))?);
        }
        Ok(Reply::Values(out))
    }
}
