//! `wasm-compat-adapter-fault`: a test-only engine that speaks the adapter protocol
//! and misbehaves on purpose, so the harness's promise that an engine fault never
//! takes it down can be tested.
//!
//! It runs no WebAssembly: `compile` and `instantiate` accept anything, and
//! `invoke` returns its arguments unchanged, except for these export names, which
//! inject a fault while handling the request:
//!
//! | export            | fault                                              |
//! |-------------------|----------------------------------------------------|
//! | `fault:panic`     | Rust panic (exit status 101)                       |
//! | `fault:abort`     | `abort()` (SIGABRT)                                |
//! | `fault:segfault`  | a write through a null pointer (SIGSEGV)           |
//! | `fault:kill`      | SIGKILL to itself, as an outside kill would         |
//! | `fault:hang`      | sleeps forever (the harness's timeout must fire)    |
//! | `fault:garbage`   | answers a line that is not JSON                    |
//! | `fault:exit`      | exits with status 3 without answering              |
//! | `fault:alloc`     | allocates and touches memory without bound          |
//! | `fault:truncated` | writes half a response line, then exits            |
//! | `fault:flood`     | writes 16 MiB of garbage on one line               |
//! | `fault:close-stdout` | closes its stdout and stays alive               |
//! | `fault:slow`      | answers correctly after 1.5 s                      |
//! | `fault:sleep`     | answers after as many seconds as its argument says |
//! | `fault:trap`      | a well-formed `unreachable` trap (not a fault)      |
//! | `fault:flaky`     | `(key, times)`: a wrong answer (`key + 1`) on the first `times` calls with this key, across processes; `key` after |
//!
//! `fault:flaky` counts its calls in the file `flaky-<key>` of the folder
//! named by the adapter's `--state-dir DIR` argument (which `serve` ignores),
//! so a test sees an engine answer one way in one process and another way in
//! the next.
//!
//! `hello` reports engine `fault`, version `1.0.0` (or `$WASM_COMPAT_FAULT_VERSION`),
//! and no optional request but `memory-usage`. The framing is the protocol
//! crate's [`serve`](wasm_compat_protocol::serve), as in any Rust adapter; the
//! faults happen inside `invoke`, where the adapter writes to stdout behind its back.

use std::io::Write;
use std::time::Duration;

use wasm_compat_protocol::{
    Adapter, EngineConfig, Failure, FailureKind, InstanceId, ModuleId, TrapKind, Value,
};

extern "C" {
    #[link_name = "close"]
    fn libc_close(fd: i32) -> i32;
}

fn main() {
    wasm_compat_protocol::serve::<Fault>();
}

/// An engine of no state: every module and instance exists.
struct Fault;

impl Adapter for Fault {
    const ENGINE: &'static str = "fault";

    fn version() -> String {
        std::env::var("WASM_COMPAT_FAULT_VERSION").unwrap_or_else(|_| "1.0.0".into())
    }

    fn features(_settings: &wasm_compat_protocol::Settings) -> Vec<&'static str> {
        vec!["annotations"]
    }

    fn configure(_: &EngineConfig) -> Result<Self, Failure> {
        Ok(Fault)
    }

    fn compile(&mut self, _: ModuleId, _: Vec<u8>) -> Result<(), Failure> {
        Ok(())
    }

    fn instantiate(&mut self, _: ModuleId, _: InstanceId) -> Result<(), Failure> {
        Ok(())
    }

    fn register(&mut self, _: InstanceId, _: String) -> Result<(), Failure> {
        Ok(())
    }

    fn invoke(
        &mut self,
        _: InstanceId,
        export: &str,
        args: &[Value],
    ) -> Result<Vec<Value>, Failure> {
        inject(export, args)
    }

    fn get_global(&mut self, _: InstanceId, _: &str) -> Result<Value, Failure> {
        Err(Failure::new(FailureKind::NotFound, "no globals here"))
    }

    fn memory_size(&mut self, _: InstanceId, _: &str) -> Result<u64, Failure> {
        Ok(0)
    }

    fn drop_instance(&mut self, _: InstanceId) -> Result<(), Failure> {
        Ok(())
    }

    fn drop_module(&mut self, _: ModuleId) -> Result<(), Failure> {
        Ok(())
    }
}

/// The fault `export` names, or the echo of `args`.
fn inject(export: &str, args: &[Value]) -> Result<Vec<Value>, Failure> {
    // The same stdout `serve` answers on (the lock is re-entrant).
    let mut stdout = std::io::stdout().lock();
    match export {
        "fault:panic" => panic!("injected panic"),
        "fault:abort" => std::process::abort(),
        "fault:segfault" => unsafe {
            let p: *mut u8 = std::ptr::null_mut();
            std::ptr::write_volatile(p, 1);
            unreachable!()
        },
        "fault:kill" => {
            let _ = std::process::Command::new("kill")
                .args(["-9", &std::process::id().to_string()])
                .status();
            std::thread::sleep(Duration::from_secs(60));
            unreachable!()
        }
        "fault:hang" => loop {
            std::thread::sleep(Duration::from_secs(3600));
        },
        "fault:garbage" => {
            writeln!(stdout, "this is not a response").expect("stdout");
            stdout.flush().expect("stdout");
            std::thread::sleep(Duration::from_secs(60));
            unreachable!()
        }
        "fault:exit" => std::process::exit(3),
        "fault:alloc" => {
            // Allocate and touch memory without bound.
            let mut hoard: Vec<Vec<u8>> = Vec::new();
            loop {
                hoard.push(vec![1u8; 16 << 20]);
                std::hint::black_box(&hoard);
            }
        }
        "fault:truncated" => {
            write!(stdout, "{{\"ok\":{{\"val").expect("stdout");
            stdout.flush().expect("stdout");
            std::process::exit(0)
        }
        "fault:flood" => {
            // Megabytes of output on one line.
            let junk = vec![b'x'; 1 << 20];
            for _ in 0..16 {
                stdout.write_all(&junk).expect("stdout");
            }
            writeln!(stdout).expect("stdout");
            stdout.flush().expect("stdout");
            std::thread::sleep(Duration::from_secs(60));
            unreachable!()
        }
        "fault:close-stdout" => {
            // SAFETY: closing our own stdout; nothing writes to it after.
            unsafe { libc_close(1) };
            std::thread::sleep(Duration::from_secs(60));
            unreachable!()
        }
        "fault:sleep" => {
            // Sleeps as many seconds as the first argument says, then echoes.
            let secs = match args.first() {
                Some(Value::I32(n)) => u64::from(*n),
                _ => 1,
            };
            std::thread::sleep(Duration::from_secs(secs));
            Ok(args.to_vec())
        }
        "fault:slow" => {
            std::thread::sleep(Duration::from_millis(1500));
            Ok(args.to_vec())
        }
        "fault:flaky" => flaky(args),
        "fault:trap" => Err(Failure::new(
            FailureKind::Trap {
                trap: TrapKind::Unreachable,
            },
            "injected unreachable",
        )),
        _ => Ok(args.to_vec()),
    }
}

/// `fault:flaky (key, times)`: `key + 1` on the first `times` calls with
/// `key`, counted across processes as the bytes of `<--state-dir>/flaky-<key>`
/// (each call appends one; an append is atomic, so processes calling at once
/// each get their own count); `key` after.
fn flaky(args: &[Value]) -> Result<Vec<Value>, Failure> {
    let (key, times) = match args {
        [Value::I32(key), Value::I32(times)] => (*key, *times),
        _ => {
            return Err(Failure::new(
                FailureKind::Other,
                "fault:flaky takes (key, times)",
            ))
        }
    };
    let argv: Vec<String> = std::env::args().collect();
    let dir = argv
        .iter()
        .position(|a| a == "--state-dir")
        .and_then(|at| argv.get(at + 1))
        .ok_or_else(|| Failure::new(FailureKind::Other, "fault:flaky needs --state-dir DIR"))?;
    let file = std::path::Path::new(dir).join(format!("flaky-{key}"));
    let failed =
        |e: std::io::Error| Failure::new(FailureKind::Other, format!("{}: {e}", file.display()));
    let mut counter = std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .open(&file)
        .map_err(failed)?;
    std::io::Write::write_all(&mut counter, b".").map_err(failed)?;
    // After an append, the offset is the end of this call's byte.
    let calls = std::io::Seek::stream_position(&mut counter).map_err(failed)? - 1;
    let answer = if calls < times.max(0) as u64 {
        key.wrapping_add(1)
    } else {
        key
    };
    Ok(vec![Value::I32(answer)])
}
