//! One `.wast` file through `wasmtime_wast::WastContext`, per wasmtime-wast version.
//!
//! API differences handled:
//! - before 32: `WastContext::new(Store<T>)`;
//! - 32 to 37: `WastContext::new(Store<T>, Async)`;
//! - from 38: `WastContext::new(&Engine, Async, configure_store)`, the context
//!   making its own stores;
//! - from 42 errors are `wasmtime::Error` instead of `anyhow::Error` (both are only
//!   displayed here, and both show the cause chain with `{:#}`).

use std::path::Path;

use wasmtime::{Config, Engine};
#[cfg(not(wasmtime_ge_38))]
use wasmtime::Store;
use wasmtime_wast::{SpectestConfig, WastContext};

/// Runs the file at `path` in a fresh engine and context; the error is displayed with its causes.
pub fn run_file(path: &Path) -> Result<(), String> {
    // The default Config, as wasmtime's own spec tests use for the core suites, but
    // compiling on the calling thread only: the comparison is single-threaded.
    let mut config = Config::new();
    config.parallel_compilation(false);
    let engine = Engine::new(&config).map_err(|e| format!("creating the engine: {e:#}"))?;

    #[cfg(wasmtime_ge_38)]
    let mut ctx = WastContext::new(&engine, wasmtime_wast::Async::No, |_store| {});
    #[cfg(all(wasmtime_ge_32, not(wasmtime_ge_38)))]
    let mut ctx = WastContext::new(Store::new(&engine, ()), wasmtime_wast::Async::No);
    #[cfg(not(wasmtime_ge_32))]
    let mut ctx = WastContext::new(Store::new(&engine, ()));

    // No `shared_memory` export: the threads proposal is not part of the default Config.
    ctx.register_spectest(&SpectestConfig {
        use_shared_memory: false,
        suppress_prints: true,
    })
    .map_err(|e| format!("registering spectest: {e:#}"))?;
    ctx.run_file(path).map_err(|e| format!("{e:#}"))
}
