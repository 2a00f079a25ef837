//! Rebuilds the harness when an adapter's sources change: the adapters are
//! embedded in the binary (`builtin.rs`), and the macro that embeds them
//! cannot tell cargo which files it read. Also tells the tests which
//! toolchains this machine lacks (`wasm_compat_no_go`, `wasm_compat_no_npm`),
//! so a test that needs one is reported as ignored, with the reason, instead
//! of passing without having run.

use std::process::{Command, Stdio};

fn main() {
    println!("cargo:rerun-if-changed=../adapters");
    println!("cargo:rerun-if-changed=../docs/ci");
    println!("cargo:rerun-if-env-changed=PATH");
    for (tool, cfg) in [("go", "wasm_compat_no_go"), ("npm", "wasm_compat_no_npm")] {
        println!("cargo:rustc-check-cfg=cfg({cfg})");
        if !runs(tool) {
            println!("cargo:rustc-cfg={cfg}");
        }
    }
}

/// Whether `tool version` or `tool --version` succeeds here.
fn runs(tool: &str) -> bool {
    ["version", "--version"].iter().any(|arg| {
        Command::new(tool)
            .arg(arg)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    })
}
