//! Emits `wasmtime_ge_N` cfg flags from the engine version this package is built for.
//!
//! The generated build package's version is the wasmtime-wast version it pins (equal
//! to the wasmtime version), so `CARGO_PKG_VERSION_MAJOR` tells which runner API the
//! source must target.

/// Oldest and newest wasmtime majors the runner source knows about.
const FIRST: u32 = 24;
const LAST: u32 = 60;

fn main() {
    let major: u32 = std::env::var("CARGO_PKG_VERSION_MAJOR")
        .expect("cargo sets CARGO_PKG_VERSION_MAJOR")
        .parse()
        .expect("numeric major version");
    for v in FIRST..=LAST {
        println!("cargo::rustc-check-cfg=cfg(wasmtime_ge_{v})");
        if major >= v {
            println!("cargo::rustc-cfg=wasmtime_ge_{v}");
        }
    }
    println!("cargo::rerun-if-changed=build.rs");
}
