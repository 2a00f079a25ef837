//! Baseline for benchmarks: runs a folder of `.wast` files with wasmtime's own wast runner.
//!
//! `wasm-compat-native-wasmtime <dir>` runs every `*.wast` file directly in `<dir>`
//! (sorted by name) on one thread, each in a fresh `WastContext` with the spectest
//! module registered, the way wasmtime's own spec test runner does. It prints
//! `PASS <file>` or `FAIL <file>: <first line of the error>` per file and finally
//! `native: files=<n> passed=<p> failed=<f> seconds=<wall seconds>`. Failing files
//! do not change the exit status: only the time is meant to be compared.
//!
//! One source compiles against every supported wasmtime-wast major; API differences
//! are handled with the `wasmtime_ge_N` cfg flags that `build.rs` derives from the
//! package version (which is the engine version the package pins).

mod runner;

use std::process::ExitCode;

fn main() -> ExitCode {
    wasm_compat_native_driver::main("wasm-compat-native-wasmtime", runner::run_file)
}
