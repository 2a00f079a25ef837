//! One configured engine with its store, import namespace, modules and instances.

use std::collections::{HashMap, HashSet};

use wasm_compat_protocol::{
    Adapter, Capability, Compute, EngineConfig, Failure, FailureKind, HostCallLog, HostFunc,
    InstanceId, LoadPath, ModuleId, Settings as Raw, Value,
};
use wasmer::{
    Engine, Function, FunctionEnv, FunctionEnvMut, FunctionType, Imports, Instance, Memory, Module,
    Pages, RuntimeError, Store, Type,
};

use crate::{config, errors, spectest, values};

/// Engine, store and everything created in them.
pub struct Session {
    engine: Engine,
    settings: config::Settings,
    store: Store,
    /// What instantiation can import: `spectest`, host functions and the
    /// exports of registered instances. A later definition of a
    /// (module, name) pair replaces the earlier one.
    imports: Imports,
    /// Compiled modules belong to the engine, so they survive `drop-store`.
    modules: HashMap<ModuleId, Module>,
    instances: HashMap<InstanceId, Instance>,
    /// Instances whose instantiation failed: wasmer hands back no instance
    /// then, so requests naming one are answered `unsupported` saying so.
    failed: HashSet<InstanceId>,
    /// Host functions defined so far (re-made in the store `drop-store` makes).
    hosts: Vec<HostFunc>,
    /// Every host function call's arguments, by (module, name).
    calls: HostCallLog,
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

fn val_type(t: wasm_compat_protocol::ValType) -> Type {
    match t {
        wasm_compat_protocol::ValType::I32 => Type::I32,
        wasm_compat_protocol::ValType::I64 => Type::I64,
        wasm_compat_protocol::ValType::F32 => Type::F32,
        wasm_compat_protocol::ValType::F64 => Type::F64,
        wasm_compat_protocol::ValType::Externref => Type::ExternRef,
        wasm_compat_protocol::ValType::Funcref => Type::FuncRef,
    }
}

/// The answer for a loading path wasmer has no API for.
fn no_path(via: LoadPath) -> Failure {
    Failure::new(
        FailureKind::Unsupported,
        format!(
            "wasmer {} has no loading path `{via}`",
            env!("CARGO_PKG_VERSION")
        ),
    )
}

fn not_found(msg: impl Into<String>) -> Failure {
    Failure::new(FailureKind::NotFound, msg)
}

fn other(msg: impl Into<String>) -> Failure {
    Failure::new(FailureKind::Other, msg)
}

/// Make `host` in `store` and define it in `imports`, recording its calls in `calls`.
fn link_host(
    store: &mut Store,
    imports: &mut Imports,
    host: &HostFunc,
    calls: &HostCallLog,
) -> Result<(), Failure> {
    wasm_compat_protocol::compute::check(host)?;
    let ty = FunctionType::new(
        host.params.iter().map(|t| val_type(*t)).collect::<Vec<_>>(),
        host.results
            .iter()
            .map(|t| val_type(*t))
            .collect::<Vec<_>>(),
    );
    if host.returns.iter().any(|v| values::number_val(v).is_none()) {
        return Err(Failure::new(
            FailureKind::Unsupported,
            "host functions return numbers only",
        ));
    }
    // Values beyond the declared results are dropped; fewer are handed to
    // wasmer as they are (it refuses them with an error of its own).
    let returns: Vec<Value> = host
        .returns
        .iter()
        .take(host.results.len())
        .cloned()
        .collect();
    let (module, name) = (host.module.clone(), host.name.clone());
    let trap = host.trap.clone();
    let computes = host.computes;
    let result = host.results.first().copied();
    let calls = calls.clone();
    // The function's environment gives it the store, to read externrefs.
    let env = FunctionEnv::new(store, ());
    let func = Function::new_with_env(store, &env, ty, move |env: FunctionEnvMut<()>, params| {
        // Arguments are logged the way `invoke` reports results.
        let mut args = Vec::with_capacity(params.len());
        for val in params {
            let value = values::from_val(&env, val).map_err(|f| {
                RuntimeError::new(format!(
                    "the adapter cannot record a host function argument: {}",
                    f.message
                ))
            })?;
            args.push(value);
        }
        let answer = match (computes, result) {
            (Some(c), Some(ty)) => wasm_compat_protocol::compute::answer(c, &args, ty),
            _ => None,
        };
        calls.record(&module, &name, args);
        if let Some(message) = &trap {
            return Err(RuntimeError::user(Box::new(HostTrap(message.clone()))));
        }
        Ok(match computes {
            // The engine's own values go back, every bit of them.
            Some(Compute::Echo) => params.to_vec(),
            Some(_) => answer.iter().filter_map(values::number_val).collect(),
            None => returns.iter().filter_map(values::number_val).collect(),
        })
    });
    imports.define(&host.module, &host.name, func);
    Ok(())
}

/// A fresh store with `spectest` defined in fresh imports.
fn new_store(engine: &Engine, settings: &config::Settings) -> Result<(Store, Imports), Failure> {
    let mut store = Store::new(engine.clone());
    let mut imports = Imports::new();
    spectest::define(&mut imports, &mut store, settings.threads)
        .map_err(|e| other(format!("cannot define spectest: {e}")))?;
    Ok((store, imports))
}

impl Adapter for Session {
    const ENGINE: &'static str = "wasmer";
    const CAPABILITIES: &'static [Capability] = &[
        Capability::Serialize,
        Capability::Deserialize,
        Capability::DeserializeFile,
        Capability::GrowMemory,
        Capability::DropStore,
        Capability::HostFunctions,
    ];

    fn version() -> String {
        env!("CARGO_PKG_VERSION").to_string()
    }

    fn features(settings: &Raw) -> Vec<&'static str> {
        config::supported_features(config::EngineSettings::or_default(settings).compiler)
    }

    fn check_settings(settings: &Raw) -> Result<(), Failure> {
        config::EngineSettings::parse(settings).map(|_| ())
    }

    fn configure(cfg: &EngineConfig) -> Result<Self, Failure> {
        let (engine, settings) = config::build(cfg)?;
        let (store, imports) = new_store(&engine, &settings)?;
        Ok(Session {
            engine,
            settings,
            store,
            imports,
            modules: HashMap::new(),
            instances: HashMap::new(),
            failed: HashSet::new(),
            hosts: Vec::new(),
            calls: HostCallLog::default(),
        })
    }

    fn compile(&mut self, module: ModuleId, bytes: Vec<u8>) -> Result<(), Failure> {
        let m = Module::from_binary(&self.engine, &bytes).map_err(errors::compile_failure)?;
        self.modules.insert(module, m);
        Ok(())
    }

    fn instantiate(&mut self, module: ModuleId, instance: InstanceId) -> Result<(), Failure> {
        let m = self
            .modules
            .get(&module)
            .ok_or_else(|| not_found(format!("no module {module}")))?;
        // Missing imports come back as `LinkError::Import(.., UnknownImport)`,
        // imports of the wrong type as `LinkError::Import(.., IncompatibleType)`.
        match Instance::new(&mut self.store, m, &self.imports) {
            Ok(inst) => {
                self.failed.remove(&instance);
                self.instances.insert(instance, inst);
                Ok(())
            }
            Err(e) => {
                self.instances.remove(&instance);
                self.failed.insert(instance);
                Err(errors::instantiate_failure(e))
            }
        }
    }

    fn register(&mut self, instance: InstanceId, name: String) -> Result<(), Failure> {
        let inst = self.instance(instance)?.clone();
        // Each export shadows an earlier definition of the same name; other
        // names registered under `name` before stay importable.
        for (field, export) in inst.exports.iter() {
            self.imports.define(&name, field, export.clone());
        }
        Ok(())
    }

    fn invoke(
        &mut self,
        instance: InstanceId,
        export: &str,
        args: &[Value],
    ) -> Result<Vec<Value>, Failure> {
        let func = self
            .instance(instance)?
            .exports
            .get_function(export)
            .map_err(|e| not_found(format!("no function export `{export}`: {e}")))?
            .clone();
        let ty = func.ty(&self.store);
        if ty.params().len() != args.len() {
            return Err(other(format!(
                "`{export}` takes {} arguments, got {}",
                ty.params().len(),
                args.len()
            )));
        }
        let mut vals = Vec::with_capacity(args.len());
        for (arg, pty) in args.iter().zip(ty.params()) {
            vals.push(values::to_val(&mut self.store, arg, Some(*pty))?);
        }
        let results = func
            .call(&mut self.store, &vals)
            .map_err(errors::invoke_failure)?;
        results
            .iter()
            .map(|val| values::from_val(&self.store, val))
            .collect()
    }

    fn get_global(&mut self, instance: InstanceId, export: &str) -> Result<Value, Failure> {
        let global = self
            .instance(instance)?
            .exports
            .get_global(export)
            .map_err(|e| not_found(format!("no global export `{export}`: {e}")))?
            .clone();
        let val = global.get(&mut self.store);
        values::from_val(&self.store, &val)
    }

    fn memory_size(&mut self, instance: InstanceId, export: &str) -> Result<u64, Failure> {
        let memory = self.memory(instance, export)?;
        Ok(u64::from(memory.view(&self.store).size().0))
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
        Ok(())
    }

    fn serialize(&mut self, module: ModuleId) -> Result<Vec<u8>, Failure> {
        let m = self.module(module)?;
        m.serialize()
            .map(|bytes| bytes.to_vec())
            .map_err(|e| other(e.to_string()))
    }

    fn deserialize(
        &mut self,
        module: ModuleId,
        bytes: Vec<u8>,
        via: LoadPath,
    ) -> Result<(), Failure> {
        // SAFETY (every path): loading an artifact runs its code; the harness
        // only hands us artifacts made by wasmer, or deliberately corrupted
        // ones whose handling is the behaviour under test. `Module::deserialize`
        // is wasmer's checked path (in 4 it checks the header and validates
        // the archive; in 6 and 7 it calls `deserialize_unchecked` itself).
        let loaded = match via {
            LoadPath::Bytes => unsafe { Module::deserialize(&self.engine, bytes) },
            LoadPath::BytesUnchecked => unsafe {
                Module::deserialize_unchecked(&self.engine, bytes)
            },
            other => return Err(no_path(other)),
        };
        self.loaded(module, loaded)
    }

    fn deserialize_file(
        &mut self,
        module: ModuleId,
        path: &str,
        via: LoadPath,
    ) -> Result<(), Failure> {
        // SAFETY: as for `deserialize`; the file is the harness's own copy.
        let loaded = match via {
            LoadPath::File => unsafe { Module::deserialize_from_file(&self.engine, path) },
            LoadPath::FileUnchecked => unsafe {
                Module::deserialize_from_file_unchecked(&self.engine, path)
            },
            other => return Err(no_path(other)),
        };
        self.loaded(module, loaded)
    }

    fn define_host(&mut self, host: HostFunc) -> Result<(), Failure> {
        link_host(&mut self.store, &mut self.imports, &host, &self.calls)?;
        self.hosts.push(host);
        Ok(())
    }

    fn host_calls(&mut self, module: &str, name: &str) -> Result<Vec<Vec<Value>>, Failure> {
        Ok(self.calls.calls(module, name))
    }

    fn grow_memory(
        &mut self,
        instance: InstanceId,
        export: &str,
        delta: u64,
    ) -> Result<u64, Failure> {
        let memory = self.memory(instance, export)?;
        let refused = |msg: String| Failure::new(FailureKind::Exhaustion, msg);
        // wasmer counts pages in a `u32`.
        let delta =
            u32::try_from(delta).map_err(|_| refused(format!("cannot grow by {delta} pages")))?;
        memory
            .grow(&mut self.store, Pages(delta))
            .map(|previous| u64::from(previous.0))
            .map_err(|e| refused(e.to_string()))
    }

    fn drop_store(&mut self) -> Result<(), Failure> {
        self.instances.clear();
        self.failed.clear();
        let (mut store, mut imports) = new_store(&self.engine, &self.settings)?;
        for host in &self.hosts {
            link_host(&mut store, &mut imports, host, &self.calls)?;
        }
        // The old imports hold externs of the old store: replace both.
        self.imports = imports;
        self.store = store;
        Ok(())
    }
}

impl Session {
    fn module(&self, id: ModuleId) -> Result<&Module, Failure> {
        self.modules
            .get(&id)
            .ok_or_else(|| not_found(format!("no module {id}")))
    }

    fn instance(&self, id: InstanceId) -> Result<&Instance, Failure> {
        self.instances.get(&id).ok_or_else(|| self.no_instance(id))
    }

    /// The answer for a request naming an instance this session lacks.
    fn no_instance(&self, id: InstanceId) -> Failure {
        if self.failed.contains(&id) {
            // Nothing to use: the API hands back no instance on failure.
            Failure::new(
                FailureKind::Unsupported,
                format!(
                    "no instance {id}: wasmer's instantiation returned an error and no instance"
                ),
            )
        } else {
            not_found(format!("no instance {id}"))
        }
    }

    fn memory(&self, id: InstanceId, export: &str) -> Result<Memory, Failure> {
        self.instance(id)?
            .exports
            .get_memory(export)
            .cloned()
            .map_err(|e| not_found(format!("no memory export `{export}`: {e}")))
    }

    /// Keep a deserialized module as `id`; a refused artifact is `rejected`.
    fn loaded(
        &mut self,
        id: ModuleId,
        loaded: Result<Module, wasmer::DeserializeError>,
    ) -> Result<(), Failure> {
        let m = loaded.map_err(|e| Failure::new(FailureKind::Rejected, e.to_string()))?;
        self.modules.insert(id, m);
        Ok(())
    }
}
