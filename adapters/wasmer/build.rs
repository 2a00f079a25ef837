//! Emits `wasmer_ge_*` cfg flags from the engine version this package is built for.
//!
//! The generated build package's version is the wasmer version it pins, so
//! `CARGO_PKG_VERSION_MAJOR` / `_MINOR` / `_PATCH` tell which API the adapter
//! source must target: `wasmer_ge_X` means at least X.0.0, `wasmer_ge_X_Y` at
//! least X.Y.0 and `wasmer_ge_X_Y_Z` at least X.Y.Z. It also emits
//! `missing_rust_probestack` when the toolchain no longer has
//! `__rust_probestack` (Rust 1.89 and later; see `src/probestack.rs`).

/// Majors at which the wasmer API changed (`wasmer_ge_X`).
const MAJORS: &[u64] = &[5, 6, 7];

/// Releases inside a major at which the wasmer API changed (`wasmer_ge_X_Y`,
/// or `wasmer_ge_X_Y_Z` when the patch is not 0).
const RELEASES: &[(u64, u64, u64)] = &[
    (4, 2, 6), // `wasmer::sys` public, the root re-exports of its items deprecated
    (6, 1, 0), // `wasmer-vm` defines `__rust_probestack` itself
    (7, 1, 0), // `Features::wide_arithmetic`
];

fn main() {
    let number = |var: &str| -> u64 {
        std::env::var(var)
            .unwrap_or_else(|_| panic!("cargo sets {var}"))
            .parse()
            .expect("numeric version")
    };
    let version = (
        number("CARGO_PKG_VERSION_MAJOR"),
        number("CARGO_PKG_VERSION_MINOR"),
        number("CARGO_PKG_VERSION_PATCH"),
    );
    for &major in MAJORS {
        emit(&format!("wasmer_ge_{major}"), version >= (major, 0, 0));
    }
    for &(major, minor, patch) in RELEASES {
        let name = match patch {
            0 => format!("wasmer_ge_{major}_{minor}"),
            _ => format!("wasmer_ge_{major}_{minor}_{patch}"),
        };
        emit(&name, version >= (major, minor, patch));
    }
    emit(
        "missing_rust_probestack",
        !matches!(rustc_minor(), Some(minor) if minor < 89),
    );
    println!("cargo::rerun-if-changed=build.rs");
}

/// The minor version of the Rust 1.x toolchain building the adapter, if
/// `rustc --version` says (`rustc 1.95.0 (59807616e 2026-04-14)`).
fn rustc_minor() -> Option<u64> {
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let out = std::process::Command::new(rustc)
        .arg("--version")
        .output()
        .ok()?;
    let text = String::from_utf8(out.stdout).ok()?;
    let version = text.split_whitespace().nth(1)?;
    let mut parts = version.split('.');
    match (parts.next(), parts.next()) {
        (Some("1"), Some(minor)) => minor.parse().ok(),
        _ => None,
    }
}

/// Declare the cfg `name`, and set it when `on`.
fn emit(name: &str, on: bool) {
    println!("cargo::rustc-check-cfg=cfg({name})");
    if on {
        println!("cargo::rustc-cfg={name}");
    }
}
