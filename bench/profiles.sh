#!/usr/bin/env bash
# Build the wasmi@2.0.0 adapter under several release-profile choices, each in
# an empty target folder (so its dependencies count), and bench each binary on
# wasm-v2 as a `command` engine. Prints one line per choice. See BENCHMARKS.md.
# Needs `cargo build --release` of the harness first.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$(mktemp -d)}
run() {
  name=$1; shift
  d=$out/$name; mkdir -p "$d"
  cat > "$d/Cargo.toml" <<T
[[bin]]
name = "wasm-compat-adapter-wasmi"
path = "$root/adapters/wasmi/src/main.rs"
[package]
autobins = false
build = "$root/adapters/wasmi/build.rs"
edition = "2021"
name = "wasm-compat-adapter-wasmi"
publish = false
version = "2.0.0"
[profile.release]
debug = false
[workspace]
[dependencies]
wasm-compat-protocol = { path = "$root/adapters/protocol" }
wasmi = { default-features = false, features = ["std", "validate", "simd", "memory64"], version = "=2.0.0" }
T
  start=$(date +%s.%N)
  env "$@" CARGO_TARGET_DIR="$d/target" cargo build --release --manifest-path "$d/Cargo.toml" -q
  end=$(date +%s.%N)
  bin=$d/target/release/wasm-compat-adapter-wasmi
  cat > "$d/matrix.toml" <<M
reference = "wasmi@2.0.0"
[engines.wasmi]
command = ["$bin"]
versions = ["2.0.0"]
[suites]
spec = ["wasm-v2"]
cases = []
M
  "$root/target/release/wasm-compat" bench --matrix "$d/matrix.toml" --repeat 3 --out "$d/bench.md" > /dev/null 2>&1
  printf '%s | build %.0f s | binary %s bytes | %s\n' "$name" "$(echo "$end - $start" | bc)" \
    "$(stat -c %s "$bin")" "$(grep '^| wasmi' "$d/bench.md")"
}
run default
run opt-level-1 CARGO_PROFILE_RELEASE_OPT_LEVEL=1
run opt-level-2 CARGO_PROFILE_RELEASE_OPT_LEVEL=2
run codegen-units-1 CARGO_PROFILE_RELEASE_CODEGEN_UNITS=1
run line-tables CARGO_PROFILE_RELEASE_DEBUG=line-tables-only
