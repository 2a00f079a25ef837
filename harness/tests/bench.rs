//! `bench` end to end on the fault engine (an adapter that runs no WebAssembly,
//! so the figures are the harness's own): every figure is measured, and the
//! adapter-alone baseline replays exactly the requests a harness run sent.
//! A binary of its own: recording requests is process-wide.

use std::time::Duration;

use wasm_compat::bench::{bench, render, BenchOptions};
use wasm_compat::builder::Builder;
use wasm_compat::expectations::Expectations;
use wasm_compat::matrix::{AdapterSource, EngineId, EngineSpec};

#[test]
fn bench_measures_the_harness_and_the_adapter_alone() {
    let cache = tempfile::tempdir().unwrap();
    let builder = Builder::new(cache.path(), false).unwrap();
    let expectations = Expectations::default();
    let spec = EngineSpec::new(
        EngineId::new("fault", semver::Version::new(1, 0, 0)),
        AdapterSource::Command {
            argv: vec![env!("CARGO_BIN_EXE_wasm-compat-adapter-fault").to_string()],
        },
    );
    let options = BenchOptions {
        engines: vec![spec],
        repeat: 1,
        jobs: 2,
        native_dir: cache.path().join("no-native-runners"),
        timeout: Duration::from_secs(30),
        expectations: &expectations,
    };
    let rows = bench(&builder, &options).unwrap();
    assert_eq!(rows.len(), 1);
    let row = &rows[0];
    assert!(row.native.is_err(), "a command engine has no native runner");
    assert!(row.replay > 0.0 && row.harness_one > 0.0 && row.harness_all > 0.0);
    // The fault engine echoes arguments, so some assertions pass and most run.
    assert!(row.assertions.1 > 10_000, "{:?}", row.assertions);
    let table = render(&rows, 2);
    assert!(table.contains("(replay)"), "{table}");
}
