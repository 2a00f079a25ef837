//! Engine configuration: which proposals this wasmtime version can enable, the
//! engine settings of a configuration (compiler, allocator, guard size,
//! virtual memory), and turning a protocol [`EngineConfig`] into a
//! `wasmtime::Config` and store limits.

use wasm_compat_protocol::{
    EngineConfig, Failure, FailureKind, Settings as Raw, StoreLimits as Limits,
};
use wasmtime::{Config, StoreLimits, StoreLimitsBuilder};

/// Which code generator compiles modules (`compiler` setting).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compiler {
    /// `cranelift`: the optimising compiler, wasmtime's default.
    Cranelift,
    /// `winch`: the baseline compiler.
    Winch,
}

/// How instances get their memories and tables (`allocator` setting).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Allocator {
    /// `on-demand`: allocate per instance, wasmtime's default.
    OnDemand,
    /// `pooling`: preallocated slots, wasmtime's pooling allocator with its
    /// defaults (but up to 100 memories and tables per module, so that
    /// multi-memory modules are not refused for a slot count).
    Pooling,
}

/// The engine settings this adapter understands, typed; documented in
/// `adapters/README.md`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EngineSettings {
    /// `compiler = cranelift | winch`.
    pub compiler: Compiler,
    /// `allocator = on-demand | pooling`.
    pub allocator: Allocator,
    /// `memory-guard-size = BYTES`: the guard region after each linear memory.
    pub memory_guard_size: Option<u64>,
    /// `memory-reservation = BYTES`: the virtual reservation of each linear memory.
    pub memory_reservation: Option<u64>,
    /// `virtual-memory = on | off`: whether wasmtime may use virtual memory
    /// (`off`: run as on a platform without it, see [`EngineSettings::apply`]).
    pub virtual_memory: bool,
}

impl EngineSettings {
    /// The typed settings of `raw`, or an `unsupported` failure naming the
    /// first one this version cannot honour.
    pub fn parse(raw: &Raw) -> Result<EngineSettings, Failure> {
        let mut out = EngineSettings {
            compiler: Compiler::Cranelift,
            allocator: Allocator::OnDemand,
            memory_guard_size: None,
            memory_reservation: None,
            virtual_memory: true,
        };
        let version = env!("CARGO_PKG_VERSION");
        for (key, value) in raw {
            let bad = || {
                unsupported(format!(
                    "wasmtime {version} has no setting `{key} = {value}`"
                ))
            };
            let bytes = || value.parse::<u64>().map_err(|_| bad());
            match key.as_str() {
                "compiler" => {
                    out.compiler = match value.as_str() {
                        "cranelift" => Compiler::Cranelift,
                        "winch" => Compiler::Winch,
                        _ => return Err(bad()),
                    }
                }
                "allocator" => {
                    out.allocator = match value.as_str() {
                        "on-demand" => Allocator::OnDemand,
                        "pooling" => Allocator::Pooling,
                        _ => return Err(bad()),
                    }
                }
                "memory-guard-size" => out.memory_guard_size = Some(bytes()?),
                "memory-reservation" => out.memory_reservation = Some(bytes()?),
                "virtual-memory" => {
                    out.virtual_memory = match value.as_str() {
                        "on" => true,
                        "off" => false,
                        _ => return Err(bad()),
                    }
                }
                _ => return Err(bad()),
            }
        }
        if !out.virtual_memory {
            out.check_without_virtual_memory()?;
        }
        Ok(out)
    }

    /// Whether these settings run wasmtime's Pulley interpreter.
    pub fn pulley(&self) -> bool {
        !self.virtual_memory
    }

    /// The settings of `raw`, or the defaults when they cannot be honoured
    /// (for `features`, which cannot fail; `check_settings` refuses them).
    pub fn or_default(raw: &Raw) -> EngineSettings {
        EngineSettings::parse(raw).unwrap_or_else(|_| EngineSettings::parse(&Raw::new()).unwrap())
    }

    /// `virtual-memory = off`: refused by versions and with settings that
    /// cannot run without virtual memory.
    fn check_without_virtual_memory(&self) -> Result<(), Failure> {
        let version = env!("CARGO_PKG_VERSION");
        let refuse = |why: &str| {
            Err(unsupported(format!(
                "wasmtime {version} cannot run `virtual-memory = off`: {why}"
            )))
        };
        if !cfg!(wasmtime_ge_32) {
            return refuse(
                "it has no `Module::deserialize_raw` (32 and later), the loading \
                 path that setting is for, and no Pulley interpreter to run code \
                 from memory that is never made executable",
            );
        }
        if self.compiler == Compiler::Winch {
            return refuse(
                "code not made executable runs on wasmtime's Pulley interpreter, \
                 which only Cranelift compiles for, not Winch",
            );
        }
        if self.allocator == Allocator::Pooling {
            return refuse("the pooling allocator reserves virtual memory for its slots");
        }
        if self.memory_guard_size.is_some() || self.memory_reservation.is_some() {
            return refuse(
                "guard regions and reservations are virtual memory \
                 (`memory-guard-size` and `memory-reservation` go with `on` only)",
            );
        }
        Ok(())
    }

    /// Apply the settings to `config`.
    fn apply(&self, config: &mut Config) {
        if self.compiler == Compiler::Winch {
            config.strategy(wasmtime::Strategy::Winch);
        }
        if self.allocator == Allocator::Pooling {
            let mut pooling = wasmtime::PoolingAllocationConfig::default();
            pooling
                .max_memories_per_module(100)
                .max_tables_per_module(100);
            config.allocation_strategy(wasmtime::InstanceAllocationStrategy::Pooling(pooling));
        }
        if let Some(bytes) = self.memory_guard_size {
            // Before 36 static and dynamic memories had a guard size each.
            #[cfg(wasmtime_ge_36)]
            config.memory_guard_size(bytes);
            #[cfg(not(wasmtime_ge_36))]
            config
                .static_memory_guard_size(bytes)
                .dynamic_memory_guard_size(bytes);
        }
        if let Some(bytes) = self.memory_reservation {
            #[cfg(wasmtime_ge_36)]
            config.memory_reservation(bytes);
            #[cfg(not(wasmtime_ge_36))]
            config.static_memory_maximum_size(bytes);
        }
        if !self.virtual_memory {
            without_virtual_memory(config);
        }
    }
}

/// Configure wasmtime the way it configures itself where there is no
/// virtual memory (no `has_virtual_memory`, no `has_native_signals`; see
/// `Config::validate` in wasmtime 32 to 48): no signal handlers, no guard
/// regions, no reservations, no copy-on-write images, so linear memories are
/// plain heap allocations (`MallocMemory`); and compile for Pulley, the
/// interpreter, whose code is data and never made executable, which is what
/// lets `Module::deserialize_raw` use the embedder's memory as it is.
/// `check_without_virtual_memory` refuses this before 32.
#[cfg(wasmtime_ge_32)]
fn without_virtual_memory(config: &mut Config) {
    // Pulley with the host's pointer width (what `deserialize_raw` of a
    // native target refuses: "this target requires virtual memory").
    let pulley = if cfg!(target_pointer_width = "32") {
        "pulley32"
    } else {
        "pulley64"
    };
    config
        .target(pulley)
        .expect("every wasmtime from 32 on knows the Pulley targets");
    config
        .signals_based_traps(false)
        .memory_guard_size(0)
        .guard_before_linear_memory(false)
        .memory_reservation(0)
        .memory_reservation_for_growth(1 << 20)
        .memory_init_cow(false);
}

#[cfg(not(wasmtime_ge_32))]
fn without_virtual_memory(_config: &mut Config) {
    unreachable!("`virtual-memory = off` is refused before wasmtime 32")
}

/// Proposals every supported version can enable (or always has on).
const ALWAYS: &[&str] = &[
    "multi-value",
    "bulk-memory",
    "reference-types",
    "simd",
    "relaxed-simd",
    "tail-call",
    "threads",
    "memory64",
    "multi-memory",
    "function-references",
    "custom-page-sizes",
    "sign-extension-ops",
    "nontrapping-float-to-int-conversions",
    "mutable-global",
    "annotations",
];

/// Proposal names this version can enable under `settings`, as reported by `hello`.
pub fn supported_features(settings: &EngineSettings) -> Vec<&'static str> {
    let mut features = ALWAYS.to_vec();
    // Pulley has no shared memories (wasmtime refuses `threads` for it).
    if settings.pulley() {
        features.retain(|f| *f != "threads");
    }
    // `Config::wasm_extended_const` appeared in 25.
    if cfg!(wasmtime_ge_25) {
        features.push("extended-const");
    }
    // `Config::wasm_wide_arithmetic` appeared in 27.
    if cfg!(wasmtime_ge_27) {
        features.push("wide-arithmetic");
    }
    // Before 27 Cranelift rejects (or panics on) GC instructions.
    if cfg!(wasmtime_ge_27) {
        features.push("gc");
    }
    // Before 37 Cranelift rejects `try_table` / `throw_ref`.
    if cfg!(wasmtime_ge_37) {
        features.push("exceptions");
    }
    features
}

/// Everything a session needs to know besides the engine itself.
pub struct Settings {
    /// Store limits to install as the store's limiter, if any were asked for.
    pub limits: Option<Limits>,
    /// Whether the threads proposal is on (the spectest module then has `shared_memory`).
    pub threads: bool,
    /// Whether memory64 was asked for (the spectest `table64` must then exist).
    pub table64: bool,
}

fn unsupported(msg: impl Into<String>) -> Failure {
    Failure::new(FailureKind::Unsupported, msg)
}

/// Build the wasmtime configuration for `cfg`.
pub fn build(cfg: &EngineConfig) -> Result<(Config, Settings), Failure> {
    let mut config = Config::new();
    let engine_settings = EngineSettings::parse(&cfg.settings)?;
    engine_settings.apply(&mut config);
    let supported = supported_features(&engine_settings);
    let mut settings = Settings {
        limits: cfg.limits.clone(),
        threads: false,
        table64: false,
    };
    for name in &cfg.features {
        if !supported.contains(&name.as_str()) {
            return Err(unsupported(format!(
                "wasmtime {} cannot enable proposal `{name}`",
                env!("CARGO_PKG_VERSION")
            )));
        }
        match name.as_str() {
            "multi-value" => {
                config.wasm_multi_value(true);
            }
            "bulk-memory" => {
                config.wasm_bulk_memory(true);
            }
            "reference-types" => {
                config.wasm_bulk_memory(true).wasm_reference_types(true);
            }
            "simd" => {
                config.wasm_simd(true);
            }
            "relaxed-simd" => {
                config.wasm_simd(true).wasm_relaxed_simd(true);
            }
            "tail-call" => {
                config.wasm_tail_call(true);
            }
            "threads" => {
                config.wasm_bulk_memory(true).wasm_threads(true);
                // From 40 on creating shared memories needs a separate opt-in.
                #[cfg(wasmtime_ge_40)]
                config.shared_memory(true);
                settings.threads = true;
            }
            "memory64" => {
                config.wasm_memory64(true);
                settings.table64 = cfg!(wasmtime_ge_26);
            }
            "multi-memory" => {
                config.wasm_multi_memory(true);
            }
            "function-references" => {
                config
                    .wasm_bulk_memory(true)
                    .wasm_reference_types(true)
                    .wasm_function_references(true);
            }
            "gc" => {
                config
                    .wasm_bulk_memory(true)
                    .wasm_reference_types(true)
                    .wasm_function_references(true)
                    .wasm_gc(true);
            }
            "custom-page-sizes" => {
                config.wasm_custom_page_sizes(true);
            }
            #[cfg(wasmtime_ge_25)]
            "extended-const" => {
                config.wasm_extended_const(true);
            }
            #[cfg(wasmtime_ge_27)]
            "wide-arithmetic" => {
                config.wasm_wide_arithmetic(true);
            }
            #[cfg(wasmtime_ge_37)]
            "exceptions" => {
                config
                    .wasm_bulk_memory(true)
                    .wasm_reference_types(true)
                    .wasm_exceptions(true);
            }
            // Always on, nothing to enable.
            "sign-extension-ops"
            | "nontrapping-float-to-int-conversions"
            | "mutable-global"
            | "annotations" => {}
            other => {
                return Err(unsupported(format!(
                    "adapter does not know how to enable `{other}`"
                )))
            }
        }
    }
    if let Some(dir) = &cfg.cache_dir {
        enable_cache(&mut config, dir)?;
    }
    Ok((config, settings))
}

/// Turn on the on-disk compilation cache in `dir`.
#[cfg(wasmtime_ge_33)]
fn enable_cache(config: &mut Config, dir: &str) -> Result<(), Failure> {
    let mut cache_config = wasmtime::CacheConfig::new();
    cache_config.with_directory(dir);
    let cache = wasmtime::Cache::new(cache_config)
        .map_err(|e| Failure::new(FailureKind::Other, format!("cache: {e:#}")))?;
    config.cache(Some(cache));
    Ok(())
}

/// Turn on the on-disk compilation cache in `dir` (before 33 the cache is
/// configured through a TOML file; it is written outside `dir`, whose files the
/// cache's cleanup worker deletes when it does not know them).
#[cfg(not(wasmtime_ge_33))]
fn enable_cache(config: &mut Config, dir: &str) -> Result<(), Failure> {
    let other = |e: &dyn std::fmt::Display| Failure::new(FailureKind::Other, format!("cache: {e}"));
    std::fs::create_dir_all(dir).map_err(|e| other(&e))?;
    let dir_path = std::path::Path::new(dir)
        .canonicalize()
        .map_err(|e| other(&e))?;
    let toml_path = std::env::temp_dir().join(format!(
        "wasm-compat-wasmtime-cache-{}.toml",
        std::process::id()
    ));
    let escaped = dir_path
        .display()
        .to_string()
        .replace('\\', "\\\\")
        .replace('"', "\\\"");
    std::fs::write(
        &toml_path,
        format!("[cache]\nenabled = true\ndirectory = \"{escaped}\"\n"),
    )
    .map_err(|e| other(&e))?;
    config
        .cache_config_load(&toml_path)
        .map_err(|e| Failure::new(FailureKind::Other, format!("cache: {e:#}")))?;
    Ok(())
}

fn to_usize(v: u64) -> usize {
    usize::try_from(v).unwrap_or(usize::MAX)
}

/// The wasmtime store limiter for the protocol's limits.
pub fn store_limits(limits: &Limits) -> StoreLimits {
    let mut builder = StoreLimitsBuilder::new();
    if let Some(bytes) = limits.memory_bytes {
        builder = builder.memory_size(to_usize(bytes));
    }
    if let Some(elements) = limits.table_elements {
        // Before 26 the table element limit was a `u32`.
        #[cfg(wasmtime_ge_26)]
        let elements = to_usize(elements);
        #[cfg(not(wasmtime_ge_26))]
        let elements = u32::try_from(elements).unwrap_or(u32::MAX);
        builder = builder.table_elements(elements);
    }
    if let Some(instances) = limits.instances {
        builder = builder.instances(to_usize(instances));
    }
    builder = builder.trap_on_grow_failure(limits.trap_on_grow_failure);
    builder.build()
}
