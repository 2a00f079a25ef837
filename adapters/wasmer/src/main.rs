//! wasm-compat adapter for wasmer: speaks the line protocol on stdin/stdout.
//!
//! One source compiles against every supported wasmer release; API differences
//! are handled with the `wasmer_ge_N` cfg flags that `build.rs` derives from the
//! package version (which is the engine version the package pins).

mod config;
mod errors;
mod probestack;
mod session;
mod spectest;
mod values;

fn main() {
    wasm_compat_protocol::serve::<session::Session>();
}
