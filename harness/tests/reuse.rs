//! One adapter process runs many cases (PROTOCOL.md, "Reset"): `configure`
//! must clear everything the previous case left. Checked on every engine a
//! test run takes (the quick profile; `WASM_COMPAT_FULL=1`: the whole
//! matrix), with raw requests (a registered instance, a host function,
//! store limits and instance handles must be gone) and through the harness's
//! process pool (a reused process gives the records a fresh one gives).

use std::path::PathBuf;
use std::time::Duration;

use wasm_compat::adapter::{self, AdapterProcess, Caps, Engine, Exchange};
use wasm_compat::cases::Case;
use wasm_compat::interp::{run_case, CaseRun, Participant};
use wasm_compat::matrix::Matrix;
use wasm_compat::outcome::Verdict;
use wasm_compat::run::{prepare_all, ReadyEngine};
use wasm_compat::{fsutil, plan::NotReady};
use wasm_compat_protocol::{
    Bytes, Capability, EngineConfig, HostFunc, Reply, Request, Response, StoreLimits, ValType,
    Value,
};

const TIMEOUT: Duration = Duration::from_secs(60);

/// Every engine of the matrix, built (or found in the cache) and greeted.
fn engines() -> Vec<ReadyEngine> {
    let path = std::env::var_os("WASM_COMPAT_MATRIX")
        .map(PathBuf::from)
        .unwrap_or_else(|| fsutil::repo_root().join("matrix.toml"));
    let matrix = Matrix::load(&path).expect("the matrix loads");
    let builder = wasm_compat::builder::Builder::new(&fsutil::cache_dir(), false).unwrap();
    let mut ready = Vec::new();
    let specs = matrix.test_engines().expect("WASM_COMPAT_FULL is 0 or 1");
    for (id, engine) in prepare_all(&builder, &specs, TIMEOUT) {
        match engine {
            Ok(engine) => ready.push(engine),
            Err(NotReady::Unavailable(why)) => eprintln!("{id}: not here ({why})"),
            Err(NotReady::Failed(why)) => panic!("{id}: {why}"),
        }
    }
    assert!(!ready.is_empty(), "no engine of the matrix is ready");
    ready
}

fn module(text: &str) -> Bytes {
    let buf = wast::parser::ParseBuffer::new(text).unwrap();
    let mut wat: wast::Wat = wast::parser::parse(&buf).unwrap();
    Bytes(wat.encode().unwrap())
}

fn answered(exchange: Exchange) -> Result<Reply, String> {
    match exchange {
        Exchange::Reply(Response::Ok(reply)) => Ok(reply),
        Exchange::Reply(Response::Err(failure)) => Err(format!("{:?}", failure.kind)),
        other => panic!("the adapter did not answer: {other:?}"),
    }
}

/// What a case of `engine` leaves behind, then a `configure`, then whether
/// any of it is still there: each leftover in words.
fn leftovers_after_configure(engine: &ReadyEngine) -> Vec<String> {
    let has = |c: Capability| engine.info.capabilities.contains(&c);
    let mut p = AdapterProcess::start(&engine.adapter, Caps::request_only(TIMEOUT)).unwrap();
    let configure = Request::Configure(EngineConfig::default());
    let mut ask = |r: Request| answered(p.request(&r));
    ask(configure.clone()).unwrap_or_else(|k| panic!("{}: {k}", engine.adapter.id));
    let exporter =
        module(r#"(module (global (export "g") i32 (i32.const 1)) (func (export "f")))"#);
    ask(Request::Compile {
        module: 0,
        bytes: exporter,
    })
    .unwrap();
    ask(Request::Instantiate {
        module: 0,
        instance: 0,
    })
    .unwrap();
    ask(Request::Register {
        instance: 0,
        name: "leak".into(),
    })
    .unwrap();
    if has(Capability::HostFunctions) {
        let host = HostFunc {
            module: "env".into(),
            name: "h".into(),
            params: vec![ValType::I32],
            results: Vec::new(),
            returns: Vec::new(),
            trap: None,
            computes: None,
        };
        ask(Request::DefineHost(host)).unwrap_or_else(|k| panic!("{}: {k}", engine.adapter.id));
    }
    // An engine may take limits only in `configure` (then `set-limits` is unsupported).
    let limited = has(Capability::StoreLimits) && {
        let limits = StoreLimits {
            memory_bytes: Some(65536),
            ..StoreLimits::default()
        };
        match ask(Request::SetLimits(limits)) {
            Ok(_) => true,
            Err(kind) if kind == "Unsupported" => false,
            Err(kind) => panic!("{}: set-limits: {kind}", engine.adapter.id),
        }
    };
    ask(configure).unwrap_or_else(|k| panic!("{}: {k}", engine.adapter.id));

    let mut leftovers = Vec::new();
    let invoked = ask(Request::Invoke {
        instance: 0,
        export: "f".into(),
        args: Vec::<Value>::new(),
    });
    if invoked.is_ok() {
        leftovers.push("an instance handle of the previous configuration still answers".into());
    }
    // Compile `text` as module `at`, then instantiate it as instance `at`.
    let mut link = |at: u32, text: &str| {
        ask(Request::Compile {
            module: at,
            bytes: module(text),
        })
        .unwrap();
        ask(Request::Instantiate {
            module: at,
            instance: at,
        })
    };
    if link(1, r#"(module (import "leak" "g" (global i32)))"#).is_ok() {
        leftovers.push("a name registered before `configure` still resolves imports".into());
    }
    if has(Capability::HostFunctions) {
        if link(2, r#"(module (import "env" "h" (func (param i32))))"#).is_ok() {
            leftovers
                .push("a host function defined before `configure` still resolves imports".into());
        }
    }
    if limited {
        if let Err(kind) = link(3, "(module (memory 4))") {
            leftovers.push(format!(
                "a store limit set before `configure` still applies ({kind})"
            ));
        }
    }
    leftovers
}

#[test]
fn configure_clears_what_the_previous_case_left() {
    let mut problems = Vec::new();
    for engine in engines() {
        for leftover in leftovers_after_configure(&engine) {
            problems.push(format!("{}: {leftover}", engine.adapter.id));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

fn case(name: &str, text: &str) -> Case {
    Case::from_text(format!("reuse/{name}.wast"), "reuse", text)
}

/// The case's records as a snapshot renders them, and whether every directive passed.
fn run_in(process: &mut AdapterProcess, engine: &ReadyEngine, case: &Case) -> (String, bool) {
    let participant = Participant {
        engine: process as &mut dyn Engine,
        features: &engine.info.features,
        defaults_only: false,
        capabilities: &engine.info.capabilities,
    };
    match run_case(vec![participant], case) {
        CaseRun::Ran(records) => (
            wasm_compat::snapshot::render(&records),
            records.iter().all(|r| r.verdict == Verdict::Pass),
        ),
        other => panic!(
            "{}: {} did not run: {other:?}",
            engine.adapter.id, case.name
        ),
    }
}

#[test]
fn a_pooled_process_runs_the_next_case_as_a_fresh_one_would() {
    let first = case(
        "registers",
        r#"(module $m (global (export "g") (mut i32) (i32.const 1))
             (func (export "set") (global.set 0 (i32.const 7))))
           (invoke "set")
           (register "leak" $m)"#,
    );
    let second = case(
        "expects_nothing_registered",
        r#"(assert_unlinkable (module (import "leak" "g" (global (mut i32)))) "unknown import")
           (module (global (export "g") (mut i32) (i32.const 1)))
           (assert_return (get "g") (i32.const 1))"#,
    );
    let caps = Caps::request_only(TIMEOUT);
    let pool = adapter::Pool::new(1);
    for engine in engines() {
        let mut fresh = AdapterProcess::start(&engine.adapter, caps).unwrap();
        let expected = run_in(&mut fresh, &engine, &second);
        drop(fresh);
        let mut process = pool.lease(&engine.adapter, caps).unwrap();
        let pid = process.pid();
        run_in(&mut process, &engine, &first);
        pool.give_back(process);
        let mut process = pool.lease(&engine.adapter, caps).unwrap();
        assert_eq!(
            process.pid(),
            pid,
            "{}: the process was not reused",
            engine.adapter.id
        );
        let got = run_in(&mut process, &engine, &second);
        assert_eq!(
            got, expected,
            "{}: the reused process differs",
            engine.adapter.id
        );
        assert!(got.1, "{}: {}", engine.adapter.id, got.0);
        drop(process);
    }
    drop(pool);
}
