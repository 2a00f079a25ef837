//! wasm-compat adapter for the wasmi interpreter (wasmi 0.31 through 2.0).
//!
//! Speaks the line-oriented JSON protocol of `wasm-compat-protocol` on stdin/stdout.
//! Version differences of the wasmi API live in [`compat`].

mod compat;

use std::collections::{HashMap, HashSet};

use compat::{Data, ErrorClass, HostStore};
use wasm_compat_protocol::{
    Adapter, Capability, EngineConfig, Failure, FailureKind, HostFunc, InstanceId, ModuleId,
    TrapKind, Value,
};
use wasmi::{Engine, Extern, Instance, Linker, Module, Store};

type Result<T> = std::result::Result<T, Failure>;

fn fail(kind: FailureKind, message: impl Into<String>) -> Failure {
    Failure::new(kind, message)
}

/// The adapter's whole state: one engine, one store, and the handles the harness chose.
struct Session {
    engine: Engine,
    config: EngineConfig,
    memory64: bool,
    store: HostStore,
    modules: HashMap<ModuleId, Module>,
    instances: HashMap<InstanceId, Instance>,
    /// Instances whose instantiation failed: wasmi hands back no instance
    /// then, so requests naming one are answered `unsupported` saying so.
    failed: HashSet<InstanceId>,
    /// Import namespaces: module name -> its externs. `spectest` is pre-filled; a
    /// registration replaces the whole namespace of its name.
    namespaces: HashMap<String, HashMap<String, Extern>>,
    /// Host functions defined so far (re-created in the store made by `drop-store`).
    hosts: Vec<HostFunc>,
    /// Every host function call's arguments.
    calls: wasm_compat_protocol::HostCallLog,
}

impl Session {
    /// Replaces the store by an empty one (same engine and limits), clearing instances
    /// and registrations and re-creating `spectest`.
    fn reset_store(&mut self) -> Result<()> {
        let limits = self.config.limits.as_ref().map(compat::store_limits);
        let has_limits = limits.is_some();
        let data = Data {
            limits: limits.unwrap_or_else(|| wasmi::StoreLimitsBuilder::new().build()),
        };
        let mut store = Store::new(&self.engine, data);
        if has_limits {
            store.limiter(|data: &mut Data| &mut data.limits);
        }
        self.instances.clear();
        self.failed.clear();
        self.namespaces.clear();
        let spectest = compat::spectest(&mut store, self.memory64);
        self.namespaces
            .insert("spectest".to_string(), spectest.into_iter().collect());
        self.store = store;
        for host in self.hosts.clone() {
            self.make_host(&host)?;
        }
        Ok(())
    }

    /// Creates `host` in the current store and makes it importable.
    fn make_host(&mut self, host: &HostFunc) -> Result<()> {
        let func = compat::host_func(&mut self.store, host, &self.calls)
            .map_err(|m| fail(FailureKind::Unsupported, m))?;
        self.namespaces
            .entry(host.module.clone())
            .or_default()
            .insert(host.name.clone(), Extern::Func(func));
        Ok(())
    }

    fn instance(&self, id: InstanceId) -> Result<Instance> {
        self.instances
            .get(&id)
            .copied()
            .ok_or_else(|| self.no_instance(id))
    }

    /// The answer for a request naming an instance this session lacks.
    fn no_instance(&self, id: InstanceId) -> Failure {
        // Nothing to use after a failure: the API hands back no instance.
        if self.failed.contains(&id) {
            return fail(
                FailureKind::Unsupported,
                format!(
                    "no instance {id}: wasmi's instantiation returned an error and no instance"
                ),
            );
        }
        fail(FailureKind::NotFound, format!("no instance {id}"))
    }

    fn export(&self, id: InstanceId, name: &str) -> Result<Extern> {
        let instance = self.instance(id)?;
        instance.get_export(&self.store, name).ok_or_else(|| {
            fail(
                FailureKind::NotFound,
                format!("instance {id} has no export {name:?}"),
            )
        })
    }

    fn memory(&self, id: InstanceId, name: &str) -> Result<wasmi::Memory> {
        match self.export(id, name)? {
            Extern::Memory(m) => Ok(m),
            _ => Err(fail(
                FailureKind::NotFound,
                format!("export {name:?} is not a memory"),
            )),
        }
    }
}

impl Adapter for Session {
    const ENGINE: &'static str = "wasmi";
    const CAPABILITIES: &'static [Capability] = &[
        Capability::GrowMemory,
        Capability::StoreLimits,
        Capability::DropStore,
        Capability::HostFunctions,
    ];

    fn version() -> String {
        env!("CARGO_PKG_VERSION").to_string()
    }

    fn features(_settings: &wasm_compat_protocol::Settings) -> Vec<&'static str> {
        compat::supported_proposals()
    }

    fn configure(config: &EngineConfig) -> Result<Self> {
        let mut wasmi_config = wasmi::Config::default();
        let mut memory64 = compat::MEMORY64_BY_DEFAULT;
        for feature in &config.features {
            if !compat::enable_proposal(&mut wasmi_config, feature) {
                return Err(fail(
                    FailureKind::Unsupported,
                    format!(
                        "wasmi {} cannot enable proposal {feature}",
                        env!("CARGO_PKG_VERSION")
                    ),
                ));
            }
            if feature == "memory64" {
                memory64 = true;
            }
        }
        let engine = Engine::new(&wasmi_config);
        let mut session = Session {
            store: Store::new(
                &engine,
                Data {
                    limits: wasmi::StoreLimitsBuilder::new().build(),
                },
            ),
            engine,
            config: config.clone(),
            memory64,
            modules: HashMap::new(),
            instances: HashMap::new(),
            failed: HashSet::new(),
            namespaces: HashMap::new(),
            hosts: Vec::new(),
            calls: wasm_compat_protocol::HostCallLog::default(),
        };
        session.reset_store()?;
        Ok(session)
    }

    fn compile(&mut self, module: ModuleId, bytes: Vec<u8>) -> Result<()> {
        let compiled = compat::compile(&self.engine, &bytes)
            .map_err(|e| fail(FailureKind::Compile, e.to_string()))?;
        self.modules.insert(module, compiled);
        Ok(())
    }

    fn instantiate(&mut self, module: ModuleId, instance: InstanceId) -> Result<()> {
        let compiled = self
            .modules
            .get(&module)
            .ok_or_else(|| fail(FailureKind::NotFound, format!("no module {module}")))?;
        let mut linker = Linker::<Data>::new(&self.engine);
        for import in compiled.imports() {
            let found = self
                .namespaces
                .get(import.module())
                .and_then(|ns| ns.get(import.name()));
            if let Some(item) = found {
                // Each (module, name) pair is defined at most once per linker.
                let _ = linker.define(import.module(), import.name(), *item);
            }
        }
        match compat::instantiate(&linker, &mut self.store, compiled) {
            Ok(inst) => {
                self.failed.remove(&instance);
                self.instances.insert(instance, inst);
                Ok(())
            }
            Err(e) => {
                self.instances.remove(&instance);
                self.failed.insert(instance);
                Err(instantiate_failure(&e))
            }
        }
    }

    fn register(&mut self, instance: InstanceId, name: String) -> Result<()> {
        let inst = self.instance(instance)?;
        // Each export shadows an earlier definition of the same name; other
        // names registered under `name` before stay importable.
        let exports = compat::exports(&self.store, &inst);
        self.namespaces.entry(name).or_default().extend(exports);
        Ok(())
    }

    fn invoke(&mut self, instance: InstanceId, export: &str, args: &[Value]) -> Result<Vec<Value>> {
        let func = match self.export(instance, export)? {
            Extern::Func(f) => f,
            _ => {
                return Err(fail(
                    FailureKind::NotFound,
                    format!("export {export:?} is not a function"),
                ))
            }
        };
        let args = args
            .iter()
            .map(|a| compat::to_wasmi(&mut self.store, a))
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(|m| fail(FailureKind::Unsupported, m))?;
        let results =
            compat::call(&mut self.store, &func, &args).map_err(|e| runtime_failure(&e))?;
        Ok(results
            .iter()
            .map(|v| compat::from_wasmi(&self.store, v))
            .collect())
    }

    fn get_global(&mut self, instance: InstanceId, export: &str) -> Result<Value> {
        match self.export(instance, export)? {
            Extern::Global(g) => {
                let value = compat::global_get(&self.store, &g);
                Ok(compat::from_wasmi(&self.store, &value))
            }
            _ => Err(fail(
                FailureKind::NotFound,
                format!("export {export:?} is not a global"),
            )),
        }
    }

    fn memory_size(&mut self, instance: InstanceId, export: &str) -> Result<u64> {
        let memory = self.memory(instance, export)?;
        Ok(compat::memory_size(&self.store, &memory))
    }

    fn drop_instance(&mut self, instance: InstanceId) -> Result<()> {
        // An unknown handle is no error, but one whose instantiation failed
        // names nothing the engine handed back.
        if self.instances.remove(&instance).is_none() && self.failed.contains(&instance) {
            return Err(self.no_instance(instance));
        }
        Ok(())
    }

    fn drop_module(&mut self, module: ModuleId) -> Result<()> {
        self.modules.remove(&module);
        Ok(())
    }

    fn define_host(&mut self, host: HostFunc) -> Result<()> {
        wasm_compat_protocol::compute::check(&host)?;
        self.make_host(&host)?;
        self.hosts.push(host);
        Ok(())
    }

    fn host_calls(&mut self, module: &str, name: &str) -> Result<Vec<Vec<Value>>> {
        Ok(self.calls.calls(module, name))
    }

    fn set_limits(&mut self, limits: wasm_compat_protocol::StoreLimits) -> Result<()> {
        self.store.data_mut().limits = compat::store_limits(&limits);
        self.store.limiter(|data: &mut Data| &mut data.limits);
        self.config.limits = Some(limits);
        Ok(())
    }

    fn grow_memory(&mut self, instance: InstanceId, export: &str, delta: u64) -> Result<u64> {
        let memory = self.memory(instance, export)?;
        compat::memory_grow(&mut self.store, &memory, delta)
            .map_err(|m| fail(FailureKind::Exhaustion, m))
    }

    fn drop_store(&mut self) -> Result<()> {
        self.reset_store()
    }
}

/// Failure of a call (or of a start function): trap, exhaustion or other.
fn runtime_failure(err: &wasmi::Error) -> Failure {
    let message = err.to_string();
    match compat::trap_code(err) {
        Some(code) if compat::is_exhaustion(&code) => fail(FailureKind::Exhaustion, message),
        Some(code) => fail(
            FailureKind::Trap {
                trap: compat::trap_kind(&code),
            },
            message,
        ),
        None if message.contains(compat::HOST_TRAP_PREFIX) => fail(
            FailureKind::Trap {
                trap: TrapKind::HostError,
            },
            message,
        ),
        None => fail(FailureKind::Other, message),
    }
}

/// Failure of an instantiation: unlinkable, trap, exhaustion or uninstantiable.
fn instantiate_failure(err: &wasmi::Error) -> Failure {
    if compat::trap_code(err).is_some() {
        return runtime_failure(err);
    }
    let message = err.to_string();
    let kind = match compat::error_class(err) {
        ErrorClass::Linker => FailureKind::Unlinkable,
        ErrorClass::Instantiation(debug) => {
            // Variant names differ between wasmi versions, hence the name match.
            let name = debug.split([' ', '{', '(']).next().unwrap_or_default();
            match name {
                "ElementSegmentDoesNotFit" => FailureKind::Trap {
                    trap: TrapKind::TableOutOfBounds,
                },
                "ImportsExternalsLenMismatch"
                | "InvalidNumberOfImports"
                | "MismatchedNumberOfImports"
                | "ImportsExternalsMismatch"
                | "ImportTypeMismatch"
                | "SignatureMismatch"
                | "GlobalTypeMismatch"
                | "FuncTypeMismatch"
                | "TableTypeMismatch"
                | "MemoryTypeMismatch" => FailureKind::Unlinkable,
                _ => FailureKind::Uninstantiable,
            }
        }
        // Older versions report out-of-bounds active segments as plain entity errors.
        ErrorClass::Memory(debug) if debug.starts_with("OutOfBoundsAccess") => FailureKind::Trap {
            trap: TrapKind::MemoryOutOfBounds,
        },
        ErrorClass::Table(debug) if debug.contains("OutOfBounds") && !debug.starts_with("Grow") => {
            FailureKind::Trap {
                trap: TrapKind::TableOutOfBounds,
            }
        }
        ErrorClass::Memory(debug) | ErrorClass::Table(debug) | ErrorClass::Global(debug)
            if debug.contains("Subtype")
                || debug.contains("TypeMismatch")
                || debug.contains("UnsatisfyingGlobalType") =>
        {
            FailureKind::Unlinkable
        }
        ErrorClass::Memory(_)
        | ErrorClass::Table(_)
        | ErrorClass::Global(_)
        | ErrorClass::Other => FailureKind::Uninstantiable,
    };
    fail(kind, message)
}

fn main() {
    wasm_compat_protocol::serve::<Session>();
}
