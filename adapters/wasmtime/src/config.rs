//! Engine configuration: which proposals this wasmtime version can enable, and
//! turning a protocol [`EngineConfig`] into a `wasmtime::Config` and store limits.

use wasm_compat_protocol::{EngineConfig, Failure, FailureKind, StoreLimits as Limits};
use wasmtime::{Config, StoreLimits, StoreLimitsBuilder};

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

/// Proposal names this version can enable, as reported by `hello`.
pub fn supported_features() -> Vec<&'static str> {
    let mut features = ALWAYS.to_vec();
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
    let supported = supported_features();
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
