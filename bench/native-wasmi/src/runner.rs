//! One `.wast` file through `wasmi_wast::WastRunner`, per wasmi_wast version.
//!
//! API differences handled:
//! - before 1.0: `WastRunner::new(RunnerConfig { config, parsing_mode })`; the
//!   buffered parsing mode is used (streaming is the other one wasmi tests);
//! - from 1.0: `WastRunner::new(&Config)`.
//!
//! The engine is configured with `wasmi::Config::default()` (every default-enabled
//! proposal, no fuel), reached through type inference so that this crate needs no
//! direct `wasmi` dependency.

use std::path::Path;

use wasmi_wast::WastRunner;

/// Runs the file at `path` in a fresh runner; the error is displayed with its causes.
pub fn run_file(path: &Path) -> Result<(), String> {
    let wast = std::fs::read_to_string(path)
        .map_err(|e| format!("failed to read `{}`: {e}", path.display()))?;

    #[cfg(wasmi_ge_1_0)]
    let mut runner = WastRunner::new(&Default::default());
    #[cfg(not(wasmi_ge_1_0))]
    let mut runner = WastRunner::new(wasmi_wast::RunnerConfig {
        config: Default::default(),
        parsing_mode: wasmi_wast::ParsingMode::Buffered,
    });

    runner
        .register_spectest()
        .map_err(|e| format!("registering spectest: {e:#}"))?;
    runner
        .process_directives(&path.display().to_string(), &wast)
        .map_err(|e| format!("{e:#}"))
}
