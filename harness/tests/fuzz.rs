//! Bad input, fuzzed: the case parser (standard and behaviour directives), the
//! `;;!` header, `matrix.toml` and the protocol decoder get mutated and random
//! inputs; none may panic, and every error must say where.
//!
//! Each target runs for `WASM_COMPAT_FUZZ_SECS` seconds (default 2, so
//! `cargo test` stays quick); `WASM_COMPAT_FUZZ_SECS=300 cargo test --release
//! --test fuzz` is the long run RELIABILITY.md reports.

use std::path::Path;
use std::time::{Duration, Instant};

use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};

fn budget() -> Duration {
    let secs = std::env::var("WASM_COMPAT_FUZZ_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(2);
    Duration::from_secs(secs)
}

/// A seed text with random byte edits (replace, insert, delete), or random text.
fn mutated(seed: &'static str) -> impl Strategy<Value = String> {
    let edits =
        proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>(), 0u8..3), 0..12);
    let mutate = edits.prop_map(move |edits| {
        let mut bytes = seed.as_bytes().to_vec();
        for (at, byte, op) in edits {
            let i = at.index(bytes.len() + 1);
            match op {
                0 if i < bytes.len() => bytes[i] = byte,
                1 => bytes.insert(i, byte),
                _ if i < bytes.len() => {
                    bytes.remove(i);
                }
                _ => {}
            }
        }
        String::from_utf8_lossy(&bytes).into_owned()
    });
    prop_oneof![4 => mutate, 1 => ".{0,200}"]
}

/// Run `check` on inputs from `strategy` until the time budget is spent;
/// returns how many inputs were tried.
fn fuzz<S: Strategy>(name: &str, strategy: S, check: impl Fn(S::Value)) -> u64
where
    S::Value: std::fmt::Debug,
{
    let started = Instant::now();
    let mut tried = 0u64;
    let mut round = 0u64;
    while started.elapsed() < budget() {
        // A fresh runner per round (a runner stops after `cases` successes),
        // seeded from the round number: a failure is reproducible.
        let mut seed = [0u8; 32];
        seed[..8].copy_from_slice(&round.to_le_bytes());
        let config = Config {
            cases: 128,
            failure_persistence: None,
            ..Config::default()
        };
        let mut runner =
            TestRunner::new_with_rng(config, TestRng::from_seed(RngAlgorithm::ChaCha, &seed));
        runner
            .run(&strategy, |input| {
                check(input);
                Ok(())
            })
            .unwrap_or_else(|e| panic!("{name} (round {round}): {e}"));
        tried += 128;
        round += 1;
    }
    eprintln!(
        "fuzz {name}: {tried} inputs in {:.1}s, no panic",
        started.elapsed().as_secs_f64()
    );
    tried
}

const CASE_SEED: &str = include_str!("../../cases/README.wast");
const MATRIX_SEED: &str = include_str!("../../matrix.toml");
const PROTOCOL_SEED: &str = r#"{"op":"define-host","module":"env","name":"f","params":["i32"],"results":["i64"],"returns":[{"i64":"0x0000000000000005"}]}"#;
const RESPONSE_SEED: &str =
    r#"{"err":{"kind":"trap","trap":"integer-division-by-zero","message":"boom"}}"#;

#[test]
fn the_case_parser_never_panics_and_errors_have_a_location() {
    let tried = fuzz("case parser", mutated(CASE_SEED), |text| {
        let mut lexer = wast::lexer::Lexer::new(&text);
        lexer.allow_confusing_unicode(true);
        let Ok(buf) = wast::parser::ParseBuffer::new_with_lexer(lexer) else {
            return;
        };
        let case = wasm_compat::cases::Case::from_text("fuzz.wast", "fuzz", text.clone());
        if let Err(e) = wasm_compat::interp::parse_script(&buf, &case) {
            assert!(e.contains("fuzz.wast:"), "no location in {e:?}");
        }
    });
    assert!(tried > 0);
}

#[test]
fn the_case_header_never_panics() {
    fuzz(
        "case header",
        mutated(";;! features = [\"gc\"]\n;;! cross-version = true\n(module)\n"),
        |text| {
            if let Err(e) = wasm_compat::cases::parse_header(&text, "fuzz.wast") {
                assert!(e.to_string().starts_with("fuzz.wast:"), "{e}");
            }
        },
    );
}

#[test]
fn the_matrix_parser_never_panics_and_names_the_file() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let path = dir.join("matrix.toml");
    fuzz("matrix.toml", mutated(MATRIX_SEED), |text| {
        if let Err(e) = wasm_compat::matrix::Matrix::parse(&text, &path) {
            assert!(format!("{e:#}").contains("matrix.toml"), "{e:#}");
        }
    });
}

#[test]
fn the_protocol_decoder_never_panics() {
    fuzz("protocol requests", mutated(PROTOCOL_SEED), |line| {
        let _ = wasm_compat_protocol::from_line::<wasm_compat_protocol::Request>(&line);
    });
    fuzz("protocol responses", mutated(RESPONSE_SEED), |line| {
        let _ = wasm_compat_protocol::from_line::<wasm_compat_protocol::Response>(&line);
    });
}
