//! The interpreter on scripted engines: verdicts, the pipelining window, and an
//! engine dying mid-case, each in milliseconds without an adapter.

use wasm_compat_protocol::{
    Bytes, Capability, Failure, FailureKind, Reply, Request, Response, TrapKind, Value,
};

use super::fake::{ok, ScriptedEngine};
use super::{run_case, run_case_in, CaseRun, Participant};
use crate::adapter::Exchange;
use crate::cases::Case;
use crate::outcome::{Actual, DirectiveRecord, Verdict};

fn case(text: &str) -> Case {
    Case::from_text("cases/test.wast", "cases", text)
}

fn run(engine: &mut ScriptedEngine, text: &str) -> Vec<DirectiveRecord> {
    ran(run_case(participants(engine), &case(text)))
}

fn participants(engine: &mut ScriptedEngine) -> Vec<Participant<'_>> {
    announcing(engine, &[])
}

/// One engine announcing the proposals `features` and every capability.
fn announcing<'e>(engine: &'e mut ScriptedEngine, features: &'e [String]) -> Vec<Participant<'e>> {
    vec![Participant {
        engine,
        features,
        defaults_only: false,
        capabilities: &Capability::ALL,
    }]
}

fn ran(run: CaseRun) -> Vec<DirectiveRecord> {
    match run {
        CaseRun::Ran(records) => records,
        other => panic!("the case did not run: {other:?}"),
    }
}

fn failure(kind: FailureKind) -> Exchange {
    Exchange::Reply(Response::Err(Failure::new(kind, "the engine's words")))
}

fn trap(trap: TrapKind) -> Exchange {
    failure(FailureKind::Trap { trap })
}

/// An engine that answers every call with `answer` and everything else with `done`.
fn calls_answer(answer: Exchange) -> ScriptedEngine {
    ScriptedEngine::new(move |request| match request {
        Request::Invoke { .. } => answer.clone(),
        _ => ok(Reply::Done),
    })
}

fn verdicts(records: &[DirectiveRecord]) -> Vec<(&str, Verdict)> {
    records
        .iter()
        .map(|r| (r.directive.as_str(), r.verdict))
        .collect()
}

/// The verdict and reason of the last record of `text` on `engine`.
fn last(mut engine: ScriptedEngine, text: &str) -> (Verdict, Option<String>) {
    let records = run(&mut engine, text);
    let r = records.last().expect("a record");
    (r.verdict, r.why.clone())
}

/// A plain file (no header) whose module needs memory64, and a module under
/// `assert_invalid` that would need gc.
const NEEDS_MEMORY64: &str = "(module (memory i64 1) (func (export \"size\") (result i64) memory.size))\n\
(assert_return (invoke \"size\") (i64.const 1))\n\
(assert_invalid (module (type $s (struct)) (func (drop (struct.new $s)) (unreachable))) \"type mismatch\")\n";

#[test]
fn inference_enables_what_the_modules_need_and_nothing_for_invalid_ones() {
    let mut engine = ScriptedEngine::new(|request| match request {
        Request::Invoke { .. } => ok(Reply::Values(vec![Value::I64(1)])),
        _ => ok(Reply::Done),
    });
    let features = ["memory64".to_string(), "gc".to_string()];
    let run = run_case(announcing(&mut engine, &features), &case(NEEDS_MEMORY64));
    let records = ran(run);
    assert_eq!(
        verdicts(&records[..2]),
        [("module", Verdict::Pass), ("assert_return", Verdict::Pass)]
    );
    match &engine.requests[0] {
        // Not gc: the module that would need it is expected to be invalid.
        Request::Configure(config) => assert_eq!(config.features, ["memory64"]),
        other => panic!("first request {other:?}"),
    }
}

#[test]
fn inference_makes_a_case_unsupported_naming_the_proposal() {
    let mut engine = ScriptedEngine::done();
    let features = ["gc".to_string()];
    let run = run_case(announcing(&mut engine, &features), &case(NEEDS_MEMORY64));
    match run {
        CaseRun::Unsupported(why) => assert_eq!(
            why,
            crate::reason::Reason::MissingProposals(crate::proposal::Needs {
                declared: vec![],
                inferred: vec![crate::proposal::Proposal::Memory64],
            })
        ),
        other => panic!("{other:?}"),
    }
    assert!(engine.requests.is_empty(), "{:?}", engine.requests);
}

#[test]
fn a_case_that_configures_its_engine_itself_gets_nothing_inferred() {
    let mut engine = ScriptedEngine::done();
    let features = ["threads".to_string()];
    let text = "(configure)\n(module (memory 1 1 shared))\n";
    let run = run_case(announcing(&mut engine, &features), &case(text));
    assert!(matches!(run, CaseRun::Ran(_)), "{run:?}");
    match &engine.requests[0] {
        Request::Configure(config) => assert!(config.features.is_empty(), "{config:?}"),
        other => panic!("first request {other:?}"),
    }
}

#[test]
fn an_engine_that_dies_while_set_up_is_the_engines_failure_not_the_harnesss() {
    let mut engine = ScriptedEngine::done().dying_at(1);
    match run_case(participants(&mut engine), &case("(module)")) {
        CaseRun::Error(why) => {
            assert_eq!(why.cause(), crate::reason::Cause::Engine, "{why}");
            assert!(
                why.to_string()
                    .starts_with("setting the engine up failed: "),
                "{why}"
            );
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_header_that_switches_a_proposal_off_is_never_overruled() {
    let mut engine = ScriptedEngine::done();
    let text = format!(";;! memory64 = false\n{NEEDS_MEMORY64}");
    let mut case = case(&text);
    case.off = vec![crate::proposal::Proposal::Memory64];
    let run = run_case(participants(&mut engine), &case);
    assert!(matches!(run, CaseRun::Ran(_)), "{run:?}");
    match &engine.requests[0] {
        Request::Configure(config) => assert!(config.features.is_empty(), "{config:?}"),
        other => panic!("first request {other:?}"),
    }
}

const F32_MODULE: &str = "(module (func (export \"f\") (result f32) (f32.const 1)))\n";

#[test]
fn assert_return_compares_exact_bits() {
    let text = format!("{F32_MODULE}(assert_return (invoke \"f\") (f32.const 1))");
    let values = |bits: &[u32]| ok(Reply::Values(bits.iter().map(|b| Value::F32(*b)).collect()));
    assert_eq!(
        last(calls_answer(values(&[0x3f80_0000])), &text),
        (Verdict::Pass, None)
    );
    let (verdict, why) = last(calls_answer(values(&[0x3f80_0001])), &text);
    assert_eq!(verdict, Verdict::Fail);
    assert!(why.unwrap().starts_with("result 0: "));
    let (verdict, why) = last(calls_answer(values(&[0x3f80_0000, 0])), &text);
    assert_eq!(verdict, Verdict::Fail);
    assert_eq!(why.as_deref(), Some("expected 1 results, got 2"));
    let (verdict, why) = last(calls_answer(trap(TrapKind::Unreachable)), &text);
    assert_eq!(verdict, Verdict::Fail);
    assert_eq!(
        why.as_deref(),
        Some("expected results, got trap unreachable")
    );
}

#[test]
fn a_canonical_nan_pattern_accepts_either_sign_and_nothing_else() {
    let text = format!("{F32_MODULE}(assert_return (invoke \"f\") (f32.const nan:canonical))");
    let nan = |bits| calls_answer(ok(Reply::Values(vec![Value::F32(bits)])));
    assert_eq!(last(nan(0x7fc0_0000), &text).0, Verdict::Pass);
    assert_eq!(last(nan(0xffc0_0000), &text).0, Verdict::Pass);
    assert_eq!(last(nan(0x7fc0_0001), &text).0, Verdict::Fail);
}

#[test]
fn assert_trap_needs_the_kind_its_message_names() {
    let text =
        "(module (func (export \"f\")))\n(assert_trap (invoke \"f\") \"integer divide by zero\")";
    let records = run(
        &mut calls_answer(trap(TrapKind::IntegerDivisionByZero)),
        text,
    );
    assert_eq!(records[1].expected, "trap integer-division-by-zero");
    assert_eq!(records[1].verdict, Verdict::Pass);
    assert_eq!(
        last(calls_answer(trap(TrapKind::Unreachable)), text),
        (
            Verdict::Fail,
            Some("expected trap integer-division-by-zero, got trap unreachable".into())
        )
    );
    assert_eq!(
        last(calls_answer(ok(Reply::Values(Vec::new()))), text),
        (Verdict::Fail, Some("expected a trap, got []".into()))
    );
}

#[test]
fn assert_invalid_accepts_any_compile_failure() {
    let text = "(assert_invalid (module (func (result i32))) \"type mismatch\")";
    let compile_answers = |answer: Exchange| {
        ScriptedEngine::new(move |request| match request {
            Request::Compile { .. } => answer.clone(),
            _ => ok(Reply::Done),
        })
    };
    for kind in [
        FailureKind::Invalid,
        FailureKind::Malformed,
        FailureKind::Compile,
    ] {
        let (verdict, _) = last(compile_answers(failure(kind.clone())), text);
        assert_eq!(verdict, Verdict::Pass, "{kind:?}");
    }
    assert_eq!(
        last(compile_answers(failure(FailureKind::Unlinkable)), text),
        (
            Verdict::Fail,
            Some("expected a compile failure, got unlinkable".into())
        )
    );
    assert_eq!(
        last(compile_answers(ok(Reply::Done)), text),
        (
            Verdict::Fail,
            Some("expected a compile failure, got ok".into())
        )
    );
}

#[test]
fn an_unsupported_answer_is_unsupported_whatever_was_expected() {
    let text = format!("{F32_MODULE}(assert_return (invoke \"f\") (f32.const 1))");
    let answer = Exchange::Reply(Response::Err(Failure::new(
        FailureKind::Unsupported,
        "no floats here",
    )));
    assert_eq!(
        last(calls_answer(answer), &text),
        (Verdict::Unsupported, Some("no floats here".into()))
    );
}

/// A module exporting `f`, then `calls` assertions on it, one a line.
fn many_calls(calls: usize) -> String {
    let mut text = String::from("(module (func (export \"f\") (result i32) (i32.const 7)))\n");
    for _ in 0..calls {
        text.push_str("(assert_return (invoke \"f\") (i32.const 7))\n");
    }
    text
}

#[test]
fn more_calls_than_the_window_holds_are_all_judged_in_order() {
    let mut engine = calls_answer(ok(Reply::Values(vec![Value::I32(7)])));
    let records = run(&mut engine, &many_calls(200));
    assert_eq!(records.len(), 201);
    assert!(records.iter().all(|r| r.verdict == Verdict::Pass));
    let lines: Vec<usize> = records.iter().map(|r| r.line).collect();
    assert_eq!(lines, (1..=201).collect::<Vec<_>>());
    assert_eq!(engine.most_in_flight(), 64);
}

#[test]
fn a_module_directive_waits_for_every_call_in_flight() {
    let text = format!("{}(module)\n(invoke \"f\")", many_calls(3));
    let mut engine = calls_answer(ok(Reply::Values(vec![Value::I32(7)])));
    let records = run(&mut engine, &text);
    assert_eq!(
        verdicts(&records),
        [
            ("module", Verdict::Pass),
            ("assert_return", Verdict::Pass),
            ("assert_return", Verdict::Pass),
            ("assert_return", Verdict::Pass),
            ("module", Verdict::Pass),
            ("invoke", Verdict::Pass),
        ]
    );
    let ops: Vec<(&str, usize)> = engine
        .requests
        .iter()
        .zip(&engine.in_flight_before)
        .map(|(r, n)| (op(r), *n))
        .collect();
    assert_eq!(
        ops,
        [
            ("configure", 0),
            ("compile", 0),
            ("instantiate", 1),
            ("invoke", 0),
            ("invoke", 1),
            ("invoke", 2),
            ("compile", 0),
            ("instantiate", 1),
            ("invoke", 0),
        ]
    );
}

#[test]
fn rejected_modules_are_pipelined_and_a_refused_compile_ends_its_module_directive() {
    let text = "(assert_invalid (module (func (result i32))) \"type mismatch\")\n\
                (assert_invalid (module (func (result i64))) \"type mismatch\")\n\
                (module)\n(invoke \"f\")";
    let mut engine = ScriptedEngine::new(|request| match request {
        Request::Compile { .. } => {
            Exchange::Reply(Response::Err(Failure::new(FailureKind::Invalid, "refused")))
        }
        Request::Instantiate { .. } => Exchange::Reply(Response::Err(Failure::new(
            FailureKind::NotFound,
            "no such module",
        ))),
        _ => ok(Reply::Done),
    });
    let records = run(&mut engine, text);
    let verdicts = verdicts(&records);
    assert_eq!(verdicts[0], ("assert_invalid", Verdict::Pass));
    assert_eq!(verdicts[1], ("assert_invalid", Verdict::Pass));
    // The module's own compile failure is its outcome, not the dropped
    // answer of the instantiation sent with it.
    assert_eq!(verdicts[2], ("module", Verdict::Fail));
    assert!(
        format!("{:?}", records[2].actual).contains("refused"),
        "{:?}",
        records[2].actual
    );
    let ops: Vec<(&str, usize)> = engine
        .requests
        .iter()
        .zip(&engine.in_flight_before)
        .map(|(r, n)| (op(r), *n))
        .take(3)
        .collect();
    // The assert_invalid compile was still in flight when the next went out.
    assert_eq!(ops, [("configure", 0), ("compile", 0), ("compile", 1)]);
}

fn op(request: &Request) -> &'static str {
    match request {
        Request::Configure(_) => "configure",
        Request::Compile { .. } => "compile",
        Request::Instantiate { .. } => "instantiate",
        Request::Invoke { .. } => "invoke",
        _ => "other",
    }
}

#[test]
fn an_engine_dying_mid_case_ends_its_part_of_the_case() {
    // Requests: configure, compile, instantiate, then the calls from the 4th on.
    let text = format!("{}(module)\n(invoke \"f\")", many_calls(10));
    let mut engine = calls_answer(ok(Reply::Values(vec![Value::I32(7)]))).dying_at(6);
    let records = run(&mut engine, &text);
    let got = verdicts(&records);
    assert_eq!(
        got[..3],
        [
            ("module", Verdict::Pass),
            ("assert_return", Verdict::Pass),
            ("assert_return", Verdict::Pass)
        ]
    );
    assert_eq!(got[3], ("assert_return", Verdict::Crash));
    assert!(matches!(records[3].actual, Actual::Crash { .. }));
    assert_eq!(records.len(), 13);
    for r in &records[4..] {
        assert_eq!(
            (r.verdict, &r.actual),
            (Verdict::NotRun, &Actual::NotRun),
            "line {}",
            r.line
        );
    }
    // Every call was already sent when the crash was read; nothing was sent after.
    assert_eq!(engine.requests.len(), 13);
}

#[test]
fn a_module_text_refused_after_a_crash_in_flight_is_not_run() {
    // The harness's own parser refuses the quoted module, so no request is
    // needed; still, the call before it crashed the engine, and everything
    // after a crash records `not-run`.
    let text = format!(
        "{}(assert_malformed (module quote \"(func (result i32) (param i32))\") \"unexpected\")\n\
         (assert_malformed (module quote \"(func (result i32) (param i32))\") \"unexpected\")",
        many_calls(2)
    );
    let mut engine = calls_answer(ok(Reply::Values(vec![Value::I32(7)]))).dying_at(5);
    let records = run(&mut engine, &text);
    assert_eq!(
        verdicts(&records),
        [
            ("module", Verdict::Pass),
            ("assert_return", Verdict::Pass),
            ("assert_return", Verdict::Crash),
            ("assert_malformed", Verdict::NotRun),
            ("assert_malformed", Verdict::NotRun),
        ]
    );
    // Without a crash the same refusal passes, judged by the harness alone.
    let mut engine = calls_answer(ok(Reply::Values(vec![Value::I32(7)])));
    let records = run(&mut engine, &text);
    assert_eq!(verdicts(&records)[3], ("assert_malformed", Verdict::Pass));
    assert!(matches!(records[3].actual, Actual::TextRejected { .. }));
}

#[test]
fn an_engine_dying_outside_the_window_records_the_crash_there() {
    let text = "(module)\n(module)\n(module)";
    let mut engine = ScriptedEngine::done().dying_at(4);
    let records = run(&mut engine, text);
    assert_eq!(
        verdicts(&records),
        [
            ("module", Verdict::Pass),
            ("module", Verdict::Crash),
            ("module", Verdict::NotRun),
        ]
    );
}

#[test]
fn assert_exhaustion_on_a_queue_of_answers() {
    // configure, compile, instantiate, then the call.
    let done = || ok(Reply::Done);
    let answers = vec![done(), done(), done(), failure(FailureKind::Exhaustion)];
    let text = "(module (func (export \"f\")))\n(assert_exhaustion (invoke \"f\") \"call stack exhausted\")";
    let records = run(&mut ScriptedEngine::replying(answers), text);
    assert_eq!(records[1].expected, "exhaustion");
    assert_eq!(records[1].verdict, Verdict::Pass);
}

/// `text` run with a work folder where `blocked` is a file instead of a
/// folder, so the harness cannot write below it.
fn run_blocked(engine: &mut ScriptedEngine, text: &str, blocked: &str) -> Vec<DirectiveRecord> {
    let workdir = tempfile::tempdir().unwrap();
    std::fs::write(workdir.path().join(blocked), "not a folder").unwrap();
    ran(run_case_in(
        participants(engine),
        &case(text),
        Some(workdir.path()),
    ))
}

#[test]
fn an_artifact_file_the_harness_cannot_write_is_a_harness_error_and_the_case_goes_on() {
    let text = "(module definition $m (func (export \"f\") (result i32) (i32.const 7)))
(serialize $m \"art\")
(deserialize_file $a \"art\")
(module instance $i $a)
(module $n (func (export \"f\") (result i32) (i32.const 7)))
(assert_return (invoke $n \"f\") (i32.const 7))";
    let mut engine = ScriptedEngine::new(|request| match request {
        Request::Serialize { .. } => ok(Reply::Bytes(Bytes(vec![0, 1, 2]))),
        Request::Invoke { .. } => ok(Reply::Values(vec![Value::I32(7)])),
        _ => ok(Reply::Done),
    });
    let records = run_blocked(&mut engine, text, "artifacts");
    assert_eq!(
        verdicts(&records),
        [
            ("module definition", Verdict::Pass),
            ("serialize", Verdict::Pass),
            ("deserialize_file", Verdict::Error),
            ("module instance", Verdict::NotRun),
            ("module", Verdict::Pass),
            ("assert_return", Verdict::Pass),
        ]
    );
    let Actual::Harness { detail } = &records[2].actual else {
        panic!("{:?}", records[2].actual)
    };
    assert!(detail.starts_with("cannot write "), "{detail}");
    assert_eq!(records[3].why.as_deref(), Some("$a was not made (line 3)"));
    assert!(!engine
        .requests
        .iter()
        .any(|r| matches!(r, Request::DeserializeFile { .. })));
    // What the cell's judgement names (`results::decide` makes it an error).
    let why = records[2].why.as_deref().unwrap_or_default();
    assert!(why.starts_with("harness: cannot write "), "{why}");
}

#[test]
fn a_cache_folder_the_harness_cannot_make_is_a_harness_error_and_the_case_goes_on() {
    let text = "(module $m)\n(compilation_cache \"c\")\n(register \"m\" $m)";
    let records = run_blocked(&mut ScriptedEngine::done(), text, "cache");
    assert_eq!(
        verdicts(&records),
        [
            ("module", Verdict::Pass),
            ("compilation_cache", Verdict::Error),
            // The engine was not reconfigured, so `$m` is still there.
            ("register", Verdict::Pass),
        ]
    );
    assert!(
        matches!(&records[1].actual, Actual::Harness { detail } if detail.starts_with("cannot make "))
    );
}

#[test]
fn on_second_runs_on_the_second_engine_and_the_first_goes_on_after() {
    let text = "(module (func (export \"f\") (result i32) (i32.const 7)))
(assert_return (invoke \"f\") (i32.const 7))
(on second
  (module (func (export \"f\") (result i32) (i32.const 7)))
  (assert_return (invoke \"f\") (i32.const 7)))
(assert_return (invoke \"f\") (i32.const 7))";
    let case = Case {
        cross_version: true,
        ..case(text)
    };
    let answer = |n| calls_answer(ok(Reply::Values(vec![Value::I32(n)])));
    let (mut first, mut second) = (answer(7), answer(8));
    let mut engines = participants(&mut first);
    engines.extend(participants(&mut second));
    let records = ran(run_case(engines, &case));
    let sides: Vec<(bool, Verdict)> = records.iter().map(|r| (r.second, r.verdict)).collect();
    assert_eq!(
        sides,
        [
            (false, Verdict::Pass),
            (false, Verdict::Pass),
            (true, Verdict::Pass),
            (true, Verdict::Fail),
            (false, Verdict::Pass),
        ]
    );
    assert_eq!(first.requests.len(), 5);
    assert_eq!(second.requests.len(), 4);
}

#[test]
fn a_misspelt_proposal_in_configure_names_where_it_is() {
    let mut engine = ScriptedEngine::done();
    let text = "(module)\n(configure (features \"memroy64\"))\n";
    match run_case(participants(&mut engine), &case(text)) {
        CaseRun::Error(why) => {
            assert_eq!(why.cause(), crate::reason::Cause::Corpus, "{why}");
            let why = why.to_string();
            assert!(why.contains("cases/test.wast:2:"), "{why}");
            assert!(why.contains("unknown proposal `memroy64`"), "{why}");
        }
        other => panic!("{other:?}"),
    }
    assert!(
        engine.requests.is_empty(),
        "nothing may run: {:?}",
        engine.requests
    );
}

#[test]
fn a_directive_needing_an_unannounced_capability_is_unsupported_and_not_sent() {
    let mut engine = ScriptedEngine::done();
    let text = "(module $m)\n(serialize $m \"a\")\n(drop_store)\n";
    let participants = vec![Participant {
        engine: &mut engine,
        features: &[],
        defaults_only: false,
        capabilities: &[Capability::DropStore],
    }];
    let records = ran(run_case(participants, &case(text)));
    assert_eq!(records[1].verdict, Verdict::Unsupported, "{records:?}");
    assert_eq!(records[2].verdict, Verdict::Pass, "{records:?}");
    assert!(
        !engine
            .requests
            .iter()
            .any(|r| matches!(r, Request::Serialize { .. })),
        "{:?}",
        engine.requests
    );
    assert!(engine
        .requests
        .iter()
        .any(|r| matches!(r, Request::DropStore)));
}

#[test]
fn collect_reaches_only_an_engine_whose_host_has_a_collector() {
    let text = "(module $m)\n(collect)\n";
    for (capabilities, sent) in [(&[][..], false), (&[Capability::Collect][..], true)] {
        let mut engine = ScriptedEngine::done();
        let participants = vec![Participant {
            engine: &mut engine,
            features: &[],
            defaults_only: false,
            capabilities,
        }];
        let records = ran(run_case(participants, &case(text)));
        assert_eq!(records[1].verdict, Verdict::Pass, "{records:?}");
        assert_eq!(
            engine
                .requests
                .iter()
                .any(|r| matches!(r, Request::Collect)),
            sent,
            "{capabilities:?}: {:?}",
            engine.requests
        );
    }
}

#[test]
fn a_collector_timed_bound_is_checked_only_where_the_host_has_no_collector() {
    // Memory grows by 100 MiB between the two measurements: beyond the bound.
    let text = "(memory_usage \"a\")\n(memory_usage \"b\")\n\
                (assert_memory_growth \"a\" \"b\" (at_most 1 mib) (collector_timed))\n\
                (assert_memory_growth \"a\" \"b\" (at_most 1 mib))\n";
    for (capabilities, timed_verdict) in [
        (&[Capability::MemoryUsage][..], Verdict::Fail),
        (
            &[Capability::MemoryUsage, Capability::Collect][..],
            Verdict::Pass,
        ),
    ] {
        let mut rss = 0;
        let mut engine = ScriptedEngine::new(move |_| {
            rss += 100 << 20;
            ok(Reply::Memory(wasm_compat_protocol::MemoryUsage {
                rss_bytes: rss,
            }))
        });
        let participants = vec![Participant {
            engine: &mut engine,
            features: &[],
            defaults_only: false,
            capabilities,
        }];
        let records = ran(run_case(participants, &case(text)));
        assert_eq!(records[2].verdict, timed_verdict, "{records:?}");
        // An unmarked bound is judged in every host.
        assert_eq!(records[3].verdict, Verdict::Fail, "{records:?}");
        let timed = matches!(records[2].actual, Actual::CollectorTimed { bytes, within: false } if bytes == 100 << 20);
        let has_collector = capabilities.contains(&Capability::Collect);
        assert_eq!(timed, has_collector, "{records:?}");
    }
}

#[test]
fn what_follows_unsupported_store_limits_is_unsupported_and_not_sent() {
    let mut engine = ScriptedEngine::done();
    let text = "(module $a)\n(store_limits (instances 1))\n(module $b)\n(module $c)\n";
    let participants = vec![Participant {
        engine: &mut engine,
        features: &[],
        defaults_only: false,
        capabilities: &[],
    }];
    let records = ran(run_case(participants, &case(text)));
    let verdicts: Vec<Verdict> = records.iter().map(|r| r.verdict).collect();
    assert_eq!(
        verdicts,
        [
            Verdict::Pass,
            Verdict::Unsupported,
            Verdict::Unsupported,
            Verdict::Unsupported
        ],
        "{records:?}"
    );
    assert!(records[2]
        .why
        .as_deref()
        .unwrap_or("")
        .contains("store limits"));
    let compiled = engine
        .requests
        .iter()
        .filter(|r| matches!(r, Request::Compile { .. }))
        .count();
    assert_eq!(compiled, 1, "{:?}", engine.requests);
}

#[test]
fn a_component_makes_the_case_unsupported_before_anything_is_sent() {
    let mut engine = ScriptedEngine::done();
    let text = "(component)\n(assert_invalid (component (core module)) \"x\")\n";
    let participants = vec![Participant {
        engine: &mut engine,
        features: &[],
        defaults_only: false,
        capabilities: &[],
    }];
    match run_case(participants, &case(text)) {
        CaseRun::Unsupported(crate::reason::Reason::NotRunHere { at, what }) => {
            assert!(at.unwrap().starts_with("cases/test.wast:1:"));
            assert!(what.contains("component"), "{what}");
        }
        other => panic!("{other:?}"),
    }
    assert!(engine.requests.is_empty(), "{:?}", engine.requests);
}

#[test]
fn only_a_case_of_standard_directives_may_share_a_process() {
    let standard_only = |text: &str| {
        let case = case(text);
        let buf = super::buffer(&case);
        let prepared = super::prepare(buf.as_ref(), &case).map_err(|_| ()).unwrap();
        prepared.only_standard_directives()
    };
    assert!(standard_only(
        "(module $m (func (export \"f\") (result i32) (i32.const 1)))\n\
         (register \"m\" $m) ;; (drop_store)\n\
         (assert_return (invoke \"f\") (i32.const 1))"
    ));
    assert!(
        standard_only("(func)"),
        "a bare module is one standard module"
    );
    assert!(
        standard_only("(module (func (export \"f\")))\n(observe (invoke \"f\"))"),
        "an observed call is a standard one"
    );
    for other in [
        "(module)\n(drop_store)",
        "(module (func (export \"f\")))\n(repeat 2 (invoke \"f\"))",
        "(module)\n(collect)",
        "(module)\n(observe (drop_store))",
    ] {
        assert!(!standard_only(other), "{other:?}");
    }
}

/// A folder's runner conventions: wasmtime's message rule passes a trap
/// expectation met by an exhaustion with the expected text (the spec rule
/// does not), and named modules are registered under their names.
#[test]
fn folder_conventions_match_messages_and_register_named_modules() {
    let text = "(module $lib (func (export \"f\")))\n\
                (assert_trap (invoke \"f\") \"call stack exhausted\")";
    let exhausted = || {
        let failure = Failure::new(FailureKind::Exhaustion, "wasm trap: call stack exhausted");
        calls_answer(Exchange::Reply(Response::Err(failure)))
    };
    let strict = case(text);
    let wasmtime_rules = Case {
        conventions: crate::cases::Conventions {
            match_messages: true,
            register_named_modules: true,
            ..Default::default()
        },
        ..case(text)
    };
    let mut engine = exhausted();
    let records = ran(run_case(participants(&mut engine), &strict));
    assert_eq!(records.last().unwrap().verdict, Verdict::Fail);
    assert!(!engine
        .requests
        .iter()
        .any(|r| matches!(r, Request::Register { .. })));

    let mut engine = exhausted();
    let records = ran(run_case(participants(&mut engine), &wasmtime_rules));
    assert_eq!(
        verdicts(&records),
        vec![("module", Verdict::Pass), ("assert_trap", Verdict::Pass)]
    );
    assert!(engine
        .requests
        .iter()
        .any(|r| matches!(r, Request::Register { name, .. } if name == "lib")));
    // Another message still fails, by kind.
    let other = "(module $lib (func (export \"f\")))\n(assert_trap (invoke \"f\") \"unreachable\")";
    let mut engine = exhausted();
    let other = Case {
        text: other.into(),
        ..wasmtime_rules.clone()
    };
    let records = ran(run_case(participants(&mut engine), &other));
    assert_eq!(records.last().unwrap().verdict, Verdict::Fail);
}

/// Host functions a folder's runner provides are defined right after
/// `configure`; an adapter without host functions cannot run such a case.
#[test]
fn folder_host_functions_are_defined_before_the_case() {
    let gc = wasm_compat_protocol::HostFunc {
        module: "wasmtime".into(),
        name: "gc".into(),
        params: Vec::new(),
        results: Vec::new(),
        returns: Vec::new(),
        trap: None,
        computes: None,
    };
    let case = Case {
        conventions: crate::cases::Conventions {
            host_functions: vec![gc.clone()],
            ..Default::default()
        },
        ..case("(module (import \"wasmtime\" \"gc\" (func)))")
    };
    let mut engine = ScriptedEngine::done();
    ran(run_case(participants(&mut engine), &case));
    assert!(matches!(engine.requests[0], Request::Configure(_)));
    assert_eq!(engine.requests[1], Request::DefineHost(gc));
    let mut engine = ScriptedEngine::done();
    let bare = vec![Participant {
        engine: &mut engine,
        features: &[],
        defaults_only: false,
        capabilities: &[],
    }];
    assert!(matches!(run_case(bare, &case), CaseRun::Unsupported(_)));
}

/// A component whose text the wast crate no longer parses is unsupported,
/// not an error; a core module that does not parse stays an error.
#[test]
fn a_component_that_does_not_parse_is_unsupported() {
    let component = ";; (component in a comment)\n(component (core module $m) (export \"x\" (core module $m) oops))";
    let mut engine = ScriptedEngine::done();
    match run_case(participants(&mut engine), &case(component)) {
        CaseRun::Unsupported(why) => assert!(why.to_string().contains("a component"), "{why}"),
        other => panic!("{other:?}"),
    }
    let core = ";; (component in a comment)\n(module (func oops))";
    let mut engine = ScriptedEngine::done();
    assert!(matches!(
        run_case(participants(&mut engine), &case(core)),
        CaseRun::Error(_)
    ));
}

#[test]
fn under_defaults_the_harness_enables_nothing_and_refuses_cases_that_configure() {
    let mut engine = ScriptedEngine::done();
    // memory64 on by default here: the case runs, and its configure names nothing.
    let on = ["memory64".to_string()];
    let defaults = |engine: &mut ScriptedEngine| -> CaseRun {
        let participants = vec![Participant {
            engine,
            features: &on,
            defaults_only: true,
            capabilities: &Capability::ALL,
        }];
        run_case(participants, &case(NEEDS_MEMORY64))
    };
    assert!(matches!(defaults(&mut engine), CaseRun::Ran(_)));
    match &engine.requests[0] {
        Request::Configure(config) => assert!(config.features.is_empty(), "{config:?}"),
        other => panic!("first request {other:?}"),
    }
    // A case that enables proposals itself never runs under `+defaults`.
    let mut engine = ScriptedEngine::done();
    let participants = vec![Participant {
        engine: &mut engine,
        features: &on,
        defaults_only: true,
        capabilities: &Capability::ALL,
    }];
    let run = run_case(participants, &case("(configure)\n(module)\n"));
    match run {
        CaseRun::Unsupported(why) => assert!(why.to_string().contains("`+defaults` never does")),
        other => panic!("{other:?}"),
    }
    assert!(engine.requests.is_empty(), "{:?}", engine.requests);
}
