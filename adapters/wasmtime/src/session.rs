//! One configured engine with its store, linker, modules and instances.

use std::collections::{HashMap, HashSet};

use wasm_compat_protocol::{
    Adapter, Capability, EngineConfig, Failure, FailureKind, HostCallLog, HostFunc, InstanceId,
    LoadPath, ModuleId, UnknownImports, Value,
};
use wasmtime::{
    Engine, Extern, FuncType, Instance, Linker, Module, RootScope, Store, StoreLimits, Val,
};

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
    /// Instances whose instantiation failed: wasmtime hands back no instance
    /// then, so requests naming one are answered `unsupported` saying so.
    failed: HashSet<InstanceId>,
    /// Host functions defined so far (re-linked into the linker of a new store).
    hosts: Vec<HostFunc>,
    /// The `define-unknown-imports` requests of each module, in order: made
    /// in a copy of the linker that instantiates the module, so that they
    /// apply to it alone (and stay past `drop-store`).
    unknown: HashMap<ModuleId, Vec<UnknownImports>>,
    /// Every host function call's arguments, by (module, name).
    calls: HostCallLog,
    /// The memory of artifacts loaded with `deserialize_raw`, which must
    /// outlive every module made from it: kept until the session goes
    /// (declared last, so dropped after the store and modules; before 32,
    /// which has no `deserialize_raw`, always empty).
    #[cfg_attr(not(wasmtime_ge_32), allow(dead_code))]
    raw: Vec<RawArtifact>,
}

/// Page-aligned memory holding one artifact for `Module::deserialize_raw`
/// (the embedder owns it and must keep it alive and unchanged).
struct RawArtifact {
    ptr: std::ptr::NonNull<u8>,
    layout: std::alloc::Layout,
}

impl RawArtifact {
    /// A page-aligned copy of `bytes`.
    #[cfg_attr(not(wasmtime_ge_32), allow(dead_code))]
    fn new(bytes: &[u8]) -> Result<RawArtifact, Failure> {
        let layout = std::alloc::Layout::from_size_align(bytes.len().max(1), 1 << 16)
            .map_err(|e| other(format!("raw artifact layout: {e}")))?;
        // SAFETY: the layout has a non-zero size.
        let ptr = std::ptr::NonNull::new(unsafe { std::alloc::alloc_zeroed(layout) })
            .ok_or_else(|| other("cannot allocate the raw artifact's memory"))?;
        // SAFETY: `ptr` is valid for `layout.size() >= bytes.len()` bytes.
        unsafe { std::ptr::copy_nonoverlapping(bytes.as_ptr(), ptr.as_ptr(), bytes.len()) };
        Ok(RawArtifact { ptr, layout })
    }

    /// The artifact as the slice `deserialize_raw` takes.
    #[cfg_attr(not(wasmtime_ge_32), allow(dead_code))]
    fn slice(&self, len: usize) -> std::ptr::NonNull<[u8]> {
        std::ptr::NonNull::slice_from_raw_parts(self.ptr, len)
    }
}

impl Drop for RawArtifact {
    fn drop(&mut self) {
        // SAFETY: allocated in `new` with this layout.
        unsafe { std::alloc::dealloc(self.ptr.as_ptr(), self.layout) }
    }
}

/// The answer for a loading path this version lacks.
fn no_path(via: LoadPath) -> Failure {
    Failure::new(
        FailureKind::Unsupported,
        format!(
            "wasmtime {} has no loading path `{via}`",
            env!("CARGO_PKG_VERSION")
        ),
    )
}

/// The error a host function defined with `trap` returns; recognised as a host trap.
#[derive(Debug)]
pub struct HostTrap(pub String);

impl std::fmt::Display for HostTrap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "host function trapped: {}", self.0)
    }
}

impl std::error::Error for HostTrap {}

/// The error a host function returns when the adapter cannot convert one of
/// its arguments for the call log (an adapter failure, not the engine's).
#[derive(Debug)]
struct HostArgument(String);

impl std::fmt::Display for HostArgument {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "the adapter cannot record a host function argument: {}",
            self.0
        )
    }
}

impl std::error::Error for HostArgument {}

fn val_type(t: wasm_compat_protocol::ValType) -> wasmtime::ValType {
    match t {
        wasm_compat_protocol::ValType::I32 => wasmtime::ValType::I32,
        wasm_compat_protocol::ValType::I64 => wasmtime::ValType::I64,
        wasm_compat_protocol::ValType::F32 => wasmtime::ValType::F32,
        wasm_compat_protocol::ValType::F64 => wasmtime::ValType::F64,
        wasm_compat_protocol::ValType::Externref => wasmtime::ValType::EXTERNREF,
        wasm_compat_protocol::ValType::Funcref => wasmtime::ValType::FUNCREF,
    }
}

/// The number value of `v` as a wasmtime value (`returns` are numbers only).
fn number_val(v: &Value) -> Option<Val> {
    Some(match v {
        Value::I32(b) => Val::I32(*b as i32),
        Value::I64(b) => Val::I64(*b as i64),
        Value::F32(b) => Val::F32(*b),
        Value::F64(b) => Val::F64(*b),
        _ => return None,
    })
}

/// Define `host` in `linker`, recording its calls in `calls`.
fn link_host(
    engine: &Engine,
    linker: &mut Linker<HostState>,
    host: &HostFunc,
    calls: &HostCallLog,
) -> Result<(), Failure> {
    wasm_compat_protocol::compute::check(host)?;
    let params: Vec<wasmtime::ValType> = host.params.iter().map(|t| val_type(*t)).collect();
    let ty = FuncType::new(
        engine,
        params.iter().cloned(),
        host.results.iter().map(|t| val_type(*t)),
    );
    let (module, name) = (host.module.clone(), host.name.clone());
    let mut returns = Vec::new();
    for v in &host.returns {
        returns.push(number_val(v).ok_or_else(|| {
            Failure::new(
                FailureKind::Unsupported,
                "host functions return numbers only",
            )
        })?);
    }
    let trap = host.trap.clone();
    let computes = host.computes;
    let result = host.results.first().copied();
    let calls = calls.clone();
    linker
        .func_new(
            &host.module,
            &host.name,
            ty,
            move |mut caller, args: &[Val], results: &mut [Val]| {
                // Arguments are logged the way `invoke` reports results.
                let mut logged = Vec::with_capacity(args.len());
                for (val, ty) in args.iter().zip(&params) {
                    let value = values::from_val(&mut caller, val, Some(ty))
                        .map_err(|f| wasmtime::Error::new(HostArgument(f.message)))?;
                    logged.push(value);
                }
                let answer = match (computes, result) {
                    (Some(c), Some(ty)) => wasm_compat_protocol::compute::answer(c, &logged, ty),
                    _ => None,
                };
                calls.record(&module, &name, logged);
                if let Some(message) = &trap {
                    return Err(wasmtime::Error::new(HostTrap(message.clone())));
                }
                match computes {
                    // The engine's own values go back, every bit of them.
                    Some(wasm_compat_protocol::Compute::Echo) => {
                        for (slot, arg) in results.iter_mut().zip(args) {
                            *slot = arg.clone();
                        }
                    }
                    Some(_) => {
                        if let (Some(slot), Some(val)) =
                            (results.first_mut(), answer.as_ref().and_then(number_val))
                        {
                            *slot = val;
                        }
                    }
                    None => {
                        for (slot, value) in results.iter_mut().zip(&returns) {
                            *slot = value.clone();
                        }
                    }
                }
                Ok(())
            },
        )
        .map_err(|e| other(errors::message(&e)))?;
    Ok(())
}

/// Give the imports of `m` that nothing in `linker` provides the linker's
/// own definitions (`fill`).
fn define_unknown(
    linker: &mut Linker<HostState>,
    store: &mut Store<HostState>,
    m: &Module,
    fill: UnknownImports,
) -> Result<(), Failure> {
    let defined = match fill {
        UnknownImports::Traps => linker.define_unknown_imports_as_traps(m),
        // From 32 on every kind of import gets a default value, made in the store.
        #[cfg(wasmtime_ge_32)]
        UnknownImports::Defaults => linker.define_unknown_imports_as_default_values(store, m),
        #[cfg(not(wasmtime_ge_32))]
        UnknownImports::Defaults => {
            let _ = store;
            linker.define_unknown_imports_as_default_values(m)
        }
    };
    defined.map_err(|e| other(errors::message(&e)))
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

impl Adapter for Session {
    const ENGINE: &'static str = "wasmtime";
    const CAPABILITIES: &'static [Capability] = &[
        Capability::Serialize,
        Capability::Deserialize,
        Capability::DeserializeFile,
        Capability::CacheDir,
        Capability::GrowMemory,
        Capability::StoreLimits,
        Capability::DropStore,
        Capability::HostFunctions,
        Capability::UnknownImports,
    ];

    fn version() -> String {
        env!("CARGO_PKG_VERSION").to_string()
    }

    fn features(settings: &wasm_compat_protocol::Settings) -> Vec<&'static str> {
        config::supported_features(&config::EngineSettings::or_default(settings))
    }

    fn check_settings(settings: &wasm_compat_protocol::Settings) -> Result<(), Failure> {
        config::EngineSettings::parse(settings).map(|_| ())
    }

    fn configure(cfg: &EngineConfig) -> Result<Self, Failure> {
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
            failed: HashSet::new(),
            hosts: Vec::new(),
            unknown: HashMap::new(),
            calls: HostCallLog::default(),
            raw: Vec::new(),
        })
    }

    fn compile(&mut self, module: ModuleId, bytes: Vec<u8>) -> Result<(), Failure> {
        let m = Module::new(&self.engine, &bytes)
            .map_err(|e| Failure::new(FailureKind::Compile, errors::message(&e)))?;
        self.modules.insert(module, m);
        Ok(())
    }

    fn instantiate(&mut self, module: ModuleId, instance: InstanceId) -> Result<(), Failure> {
        let m = self.module(module)?.clone();
        let result = self.instantiate_module(module, &m);
        match result {
            Ok(inst) => {
                self.failed.remove(&instance);
                self.instances.insert(instance, inst);
                Ok(())
            }
            Err(failure) => {
                self.instances.remove(&instance);
                self.failed.insert(instance);
                Err(failure)
            }
        }
    }

    fn register(&mut self, instance: InstanceId, name: String) -> Result<(), Failure> {
        let inst = self.instance(instance)?;
        self.linker
            .instance(&mut self.store, &name, inst)
            .map_err(|e| other(errors::message(&e)))?;
        Ok(())
    }

    fn invoke(
        &mut self,
        instance: InstanceId,
        export: &str,
        args: &[Value],
    ) -> Result<Vec<Value>, Failure> {
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
        Ok(out)
    }

    fn get_global(&mut self, instance: InstanceId, export: &str) -> Result<Value, Failure> {
        let inst = self.instance(instance)?;
        let global = inst
            .get_global(&mut self.store, export)
            .ok_or_else(|| not_found(format!("no global export `{export}`")))?;
        let mut scope = RootScope::new(&mut self.store);
        let ty = global.ty(&scope);
        let val = global.get(&mut scope);
        values::from_val(&mut scope, &val, Some(ty.content()))
    }

    fn memory_size(&mut self, instance: InstanceId, export: &str) -> Result<u64, Failure> {
        let inst = self.instance(instance)?;
        match inst.get_export(&mut self.store, export) {
            Some(Extern::Memory(mem)) => Ok(mem.size(&self.store)),
            Some(Extern::SharedMemory(mem)) => Ok(mem.size()),
            _ => Err(not_found(format!("no memory export `{export}`"))),
        }
    }

    fn drop_instance(&mut self, instance: InstanceId) -> Result<(), Failure> {
        self.instances
            .remove(&instance)
            .ok_or_else(|| self.no_instance(instance))?;
        Ok(())
    }

    fn drop_module(&mut self, module: ModuleId) -> Result<(), Failure> {
        self.modules
            .remove(&module)
            .ok_or_else(|| not_found(format!("no module {module}")))?;
        self.unknown.remove(&module);
        Ok(())
    }

    fn serialize(&mut self, module: ModuleId) -> Result<Vec<u8>, Failure> {
        let m = self.module(module)?;
        m.serialize().map_err(|e| other(errors::message(&e)))
    }

    fn deserialize(
        &mut self,
        module: ModuleId,
        bytes: Vec<u8>,
        via: LoadPath,
    ) -> Result<(), Failure> {
        // SAFETY (every path): wasmtime checks the artifact's header, engine
        // version and configuration before using it; the harness only hands us
        // artifacts produced by wasmtime (or deliberately corrupted ones, which
        // the header checks reject).
        let loaded = match via {
            LoadPath::Bytes => unsafe { Module::deserialize(&self.engine, &bytes) },
            // `deserialize_raw` appeared in 32.
            #[cfg(wasmtime_ge_32)]
            LoadPath::BytesRaw => {
                let raw = RawArtifact::new(&bytes)?;
                let loaded =
                    unsafe { Module::deserialize_raw(&self.engine, raw.slice(bytes.len())) };
                self.raw.push(raw);
                loaded
            }
            other => return Err(no_path(other)),
        };
        let m = loaded.map_err(|e| Failure::new(FailureKind::Rejected, errors::message(&e)))?;
        self.modules.insert(module, m);
        Ok(())
    }

    fn deserialize_file(
        &mut self,
        module: ModuleId,
        path: &str,
        via: LoadPath,
    ) -> Result<(), Failure> {
        // SAFETY: as for `deserialize`; the file is the harness's own copy.
        let loaded = match via {
            LoadPath::File => unsafe { Module::deserialize_file(&self.engine, path) },
            // `deserialize_open_file` appeared in 28.
            #[cfg(wasmtime_ge_28)]
            LoadPath::OpenFile => {
                let file = std::fs::File::open(path)
                    .map_err(|e| other(format!("cannot open {path}: {e}")))?;
                unsafe { Module::deserialize_open_file(&self.engine, file) }
            }
            other => return Err(no_path(other)),
        };
        let m = loaded.map_err(|e| Failure::new(FailureKind::Rejected, errors::message(&e)))?;
        self.modules.insert(module, m);
        Ok(())
    }

    fn define_host(&mut self, host: HostFunc) -> Result<(), Failure> {
        link_host(&self.engine, &mut self.linker, &host, &self.calls)?;
        self.hosts.push(host);
        Ok(())
    }

    fn host_calls(&mut self, module: &str, name: &str) -> Result<Vec<Vec<Value>>, Failure> {
        Ok(self.calls.calls(module, name))
    }

    fn set_limits(&mut self, limits: wasm_compat_protocol::StoreLimits) -> Result<(), Failure> {
        self.store.data_mut().limits = config::store_limits(&limits);
        self.store.limiter(|state| &mut state.limits);
        self.settings.limits = Some(limits);
        Ok(())
    }

    fn grow_memory(
        &mut self,
        instance: InstanceId,
        export: &str,
        delta: u64,
    ) -> Result<u64, Failure> {
        let inst = self.instance(instance)?;
        match inst.get_export(&mut self.store, export) {
            Some(Extern::Memory(mem)) => mem
                .grow(&mut self.store, delta)
                .map_err(|e| Failure::new(FailureKind::Exhaustion, errors::message(&e))),
            Some(Extern::SharedMemory(mem)) => mem
                .grow(delta)
                .map_err(|e| Failure::new(FailureKind::Exhaustion, errors::message(&e))),
            _ => Err(not_found(format!("no memory export `{export}`"))),
        }
    }

    fn drop_store(&mut self) -> Result<(), Failure> {
        self.instances.clear();
        self.failed.clear();
        let (store, mut linker) = new_store(&self.engine, &self.settings)?;
        for host in &self.hosts {
            link_host(&self.engine, &mut linker, host, &self.calls)?;
        }
        // Replace the linker first: it may hold items of the old store.
        self.linker = linker;
        self.store = store;
        Ok(())
    }

    fn define_unknown_imports(
        &mut self,
        module: ModuleId,
        fill: UnknownImports,
    ) -> Result<(), Failure> {
        let m = self.module(module)?.clone();
        let mut fills = self.unknown.get(&module).cloned().unwrap_or_default();
        fills.push(fill);
        // Made once now, for the engine's refusal (a type without a default
        // value); the definitions themselves are made at instantiation.
        let mut linker = self.linker.clone();
        for fill in &fills {
            define_unknown(&mut linker, &mut self.store, &m, *fill)?;
        }
        self.unknown.insert(module, fills);
        Ok(())
    }
}

impl Session {
    fn module(&self, id: ModuleId) -> Result<&Module, Failure> {
        self.modules
            .get(&id)
            .ok_or_else(|| not_found(format!("no module {id}")))
    }

    fn instance(&self, id: InstanceId) -> Result<Instance, Failure> {
        self.instances
            .get(&id)
            .copied()
            .ok_or_else(|| self.no_instance(id))
    }

    /// Instantiate `m` (module `id`) through the linker, or through a copy
    /// of it given the module's unknown-import definitions.
    fn instantiate_module(&mut self, id: ModuleId, m: &Module) -> Result<Instance, Failure> {
        let mut own;
        let linker = match self.unknown.get(&id) {
            None => &self.linker,
            Some(fills) => {
                own = self.linker.clone();
                for fill in fills {
                    define_unknown(&mut own, &mut self.store, m, *fill)?;
                }
                &own
            }
        };
        // Report missing imports ourselves so that they are told apart from other
        // instantiation failures without relying on message texts.
        for import in m.imports() {
            if linker.get_by_import(&mut self.store, &import).is_none() {
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
        linker
            .instantiate(&mut self.store, m)
            .map_err(errors::instantiate_failure)
    }

    /// The answer for a request naming an instance this session lacks.
    fn no_instance(&self, id: InstanceId) -> Failure {
        if self.failed.contains(&id) {
            // Nothing to use: the API hands back no instance on failure.
            Failure::new(
                FailureKind::Unsupported,
                format!(
                    "no instance {id}: wasmtime's instantiation returned an error and no instance"
                ),
            )
        } else {
            not_found(format!("no instance {id}"))
        }
    }
}
