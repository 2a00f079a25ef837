//! Baseline for benchmarks: runs a folder of `.wast` files with wasmi's own wast runner.
//!
//! `wasm-compat-native-wasmi <dir>` runs every `*.wast` file directly in `<dir>`
//! (sorted by name) on one thread, each in a fresh `WastRunner` with the spectest
//! module registered, the way wasmi's own spec test runner does. It prints
//! `PASS <file>` or `FAIL <file>: <first line of the error>` per file and finally
//! `native: files=<n> passed=<p> failed=<f> seconds=<wall seconds>`. Failing files
//! do not change the exit status: only the time is meant to be compared.
//!
//! One source compiles against every supported wasmi_wast version; API differences
//! are handled with the `wasmi_ge_X_Y` cfg flags that `build.rs` derives from the
//! package version (which is the engine version the package pins).

mod runner;

use std::process::ExitCode;

fn main() -> ExitCode {
    wasm_compat_native_driver::main("wasm-compat-native-wasmi", runner::run_file)
}
