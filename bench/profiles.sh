#!/usr/bin/env bash
# Build one adapter (wasmi@2.0.0, or wasmtime@48.0.8 with ENGINE=wasmtime)
# under several release-profile choices, each in an empty target folder (so
# its dependencies count), and bench each binary on wasm-v2 as a `command`
# engine. Prints one line per choice. See BENCHMARKS.md.
# Needs `cargo build --release` of the harness first.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$(mktemp -d)}
engine=${ENGINE:-wasmi}
case $engine in
  wasmi)
    version=2.0.0
    dependency='wasmi = { default-features = false, features = ["std", "validate", "simd", "memory64"], version = "=2.0.0" }'
    ;;
  wasmtime)
    version=48.0.8
    dependency='wasmtime = { version = "=48.0.8", default-features = false, features = ["cranelift", "runtime", "std", "gc", "gc-drc", "gc-null", "threads", "cache", "pooling-allocator", "winch"] }'
    ;;
  *) echo "ENGINE is wasmi or wasmtime" >&2; exit 2 ;;
esac
run() {
  name=$1; shift
  d=$out/$name; mkdir -p "$d"
  cat > "$d/Cargo.toml" <<T
[[bin]]
name = "wasm-compat-adapter-$engine"
path = "$root/adapters/$engine/src/main.rs"
[package]
autobins = false
build = "$root/adapters/$engine/build.rs"
edition = "2021"
name = "wasm-compat-adapter-$engine"
publish = false
version = "$version"
[profile.release]
debug = false
[workspace]
[dependencies]
wasm-compat-protocol = { path = "$root/adapters/protocol" }
$dependency
T
  start=$(date +%s.%N)
  env "$@" CARGO_TARGET_DIR="$d/target" cargo build --release --manifest-path "$d/Cargo.toml" -q
  end=$(date +%s.%N)
  bin=$d/target/release/wasm-compat-adapter-$engine
  cat > "$d/matrix.toml" <<M
reference = "$engine@$version"
[engines.$engine]
command = ["$bin"]
versions = ["$version"]
[suites]
spec = ["wasm-v2"]
cases = []
M
  "$root/target/release/wasm-compat" bench --matrix "$d/matrix.toml" --repeat 3 --out "$d/bench.md" > /dev/null 2>&1
  printf '%s | build %.0f s | binary %s bytes | %s\n' "$name" "$(echo "$end - $start" | bc)" \
    "$(stat -c %s "$bin")" "$(grep "^| $engine" "$d/bench.md")"
}
# CHOICES picks some (default: all), e.g. CHOICES="default opt-level-1".
choices=" ${CHOICES:-default opt-level-1 opt-level-2 codegen-units-1 line-tables} "
want() { [[ $choices == *" $1 "* ]]; }
want default && run default
want opt-level-1 && run opt-level-1 CARGO_PROFILE_RELEASE_OPT_LEVEL=1
want opt-level-2 && run opt-level-2 CARGO_PROFILE_RELEASE_OPT_LEVEL=2
want codegen-units-1 && run codegen-units-1 CARGO_PROFILE_RELEASE_CODEGEN_UNITS=1
want line-tables && run line-tables CARGO_PROFILE_RELEASE_DEBUG=line-tables-only
true
