//! Emits `cfg` flags describing the wasmi version (and cargo features) this adapter is built against.
//!
//! The package version equals the engine version, so `wasmi_ge_X_Y` means "wasmi >= X.Y".
//! `wasmi_feature_<name>` means the manifest enables cargo feature `<name>` of `wasmi`
//! (read from the manifest's `wasmi = { ... features = [...] }` line).

use std::env;

/// Versions at which the wasmi API or its proposal support changed.
const THRESHOLDS: &[(u64, u64)] = &[
    (0, 32), // Value -> Val, Error::kind(), Module::new(&[u8])
    (0, 33), // Memory::grow/size in u32 pages instead of `Pages`
    (0, 37), // multi-memory
    (0, 41), // memory64, custom-page-sizes, 64-bit memory sizes
    (0, 42), // wide-arithmetic
    (0, 43), // simd, Val::V128
    (0, 44), // relaxed-simd
    (0, 45), // infallible MemoryType::new
    (0, 49), // Ref<T> values, root re-exports, Linker::instantiate_and_start
    (1, 0),  // InstancePre removed
    (2, 0),  // Nullable<T>, RefType, `validate`/`memory64` cargo features
];

/// Cargo features of the wasmi crate the adapter cares about.
const FEATURES: &[&str] = &["std", "simd", "memory64", "validate"];

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

    let manifest_dir = env::var("CARGO_MANIFEST_DIR").unwrap();
    let manifest_path = format!("{manifest_dir}/Cargo.toml");
    println!("cargo::rerun-if-changed={manifest_path}");
    println!("cargo::rerun-if-changed=build.rs");
    let manifest = std::fs::read_to_string(&manifest_path).unwrap_or_default();
    let enabled = wasmi_features(&manifest);
    for feature in FEATURES {
        let name = format!("wasmi_feature_{feature}");
        println!("cargo::rustc-check-cfg=cfg({name})");
        if enabled.iter().any(|f| f == feature) {
            println!("cargo::rustc-cfg={name}");
        }
    }
}

/// The `features = [...]` list of the `wasmi = { ... }` dependency line, if any.
fn wasmi_features(manifest: &str) -> Vec<String> {
    let Some(line) = manifest
        .lines()
        .map(str::trim)
        .find(|l| l.starts_with("wasmi ") || l.starts_with("wasmi="))
    else {
        return Vec::new();
    };
    // `features = [...]` is the only array on the line.
    let (Some(open), Some(close)) = (line.find('['), line.find(']')) else {
        return Vec::new();
    };
    line[open + 1..close]
        .split(',')
        .map(|f| f.trim().trim_matches('"').to_string())
        .filter(|f| !f.is_empty())
        .collect()
}
