//! Rebuilds the harness when an adapter's sources change: the adapters are
//! embedded in the binary (`builtin.rs`), and the macro that embeds them
//! cannot tell cargo which files it read.

fn main() {
    println!("cargo:rerun-if-changed=../adapters");
    println!("cargo:rerun-if-changed=../docs/ci");
}
