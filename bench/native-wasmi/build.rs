//! Emits `cfg` flags describing the wasmi_wast version this runner is built against.
//!
//! The package version equals the engine version (wasmi_wast and wasmi are released
//! together), so `wasmi_ge_X_Y` means "wasmi_wast >= X.Y".

use std::env;

/// Versions at which the wasmi_wast API changed.
const THRESHOLDS: &[(u64, u64)] = &[
    (1, 0), // WastRunner::new(&Config) instead of WastRunner::new(RunnerConfig)
];

fn main() {
    let major: u64 = env::var("CARGO_PKG_VERSION_MAJOR")
        .unwrap()
        .parse()
        .unwrap();
    let minor: u64 = env::var("CARGO_PKG_VERSION_MINOR")
        .unwrap()
        .parse()
        .unwrap();
    for &(ma, mi) in THRESHOLDS {
        let name = format!("wasmi_ge_{ma}_{mi}");
        println!("cargo::rustc-check-cfg=cfg({name})");
        if (major, minor) >= (ma, mi) {
            println!("cargo::rustc-cfg={name}");
        }
    }
    println!("cargo::rerun-if-changed=build.rs");
}
