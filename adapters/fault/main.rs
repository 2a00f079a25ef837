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
//!
//! `hello` reports engine `fault`, version `1.0.0` (or `$WASM_COMPAT_FAULT_VERSION`).

use std::io::{BufRead, Write};

use wasm_compat_protocol::{
    from_line, to_line, EngineInfo, Failure, FailureKind, Reply, Request, Response, TrapKind,
    PROTOCOL_VERSION,
};

extern "C" {
    #[link_name = "close"]
    fn libc_close(fd: i32) -> i32;
}

fn main() {
    let stdin = std::io::stdin();
    let mut stdout = std::io::stdout().lock();
    for line in stdin.lock().lines() {
        let Ok(line) = line else { break };
        let response = match from_line::<Request>(&line) {
            Err(e) => Response::Err(Failure::new(
                FailureKind::Other,
                format!("bad request: {e}"),
            )),
            Ok(request) => handle(request, &mut stdout),
        };
        writeln!(stdout, "{}", to_line(&response)).expect("stdout");
        stdout.flush().expect("stdout");
    }
}

fn handle(request: Request, stdout: &mut impl Write) -> Response {
    match request {
        Request::Hello => Response::Ok(Reply::Hello(EngineInfo {
            engine: "fault".into(),
            version: std::env::var("WASM_COMPAT_FAULT_VERSION").unwrap_or_else(|_| "1.0.0".into()),
            protocol: PROTOCOL_VERSION,
            features: vec!["annotations".into()],
            capabilities: vec!["memory-usage".into()],
        })),
        Request::Invoke { export, args, .. } => match export.as_str() {
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
                std::thread::sleep(std::time::Duration::from_secs(60));
                unreachable!()
            }
            "fault:hang" => loop {
                std::thread::sleep(std::time::Duration::from_secs(3600));
            },
            "fault:garbage" => {
                writeln!(stdout, "this is not a response").expect("stdout");
                stdout.flush().expect("stdout");
                std::thread::sleep(std::time::Duration::from_secs(60));
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
                std::thread::sleep(std::time::Duration::from_secs(60));
                unreachable!()
            }
            "fault:close-stdout" => {
                // SAFETY: closing our own stdout; nothing writes to it after.
                unsafe { libc_close(1) };
                std::thread::sleep(std::time::Duration::from_secs(60));
                unreachable!()
            }
            "fault:sleep" => {
                // Sleeps as many seconds as the first argument says, then echoes.
                let secs = match args.first() {
                    Some(wasm_compat_protocol::Value::I32(n)) => u64::from(*n),
                    _ => 1,
                };
                std::thread::sleep(std::time::Duration::from_secs(secs));
                Response::Ok(Reply::Values(args))
            }
            "fault:slow" => {
                std::thread::sleep(std::time::Duration::from_millis(1500));
                Response::Ok(Reply::Values(args))
            }
            "fault:trap" => Response::Err(Failure::new(
                FailureKind::Trap {
                    trap: TrapKind::Unreachable,
                },
                "injected unreachable",
            )),
            _ => Response::Ok(Reply::Values(args)),
        },
        Request::MemoryUsage => match wasm_compat_protocol::current_memory_usage() {
            Some(m) => Response::Ok(Reply::Memory(m)),
            None => Response::Err(Failure::new(FailureKind::Unsupported, "no /proc here")),
        },
        Request::HostCalls { .. } => Response::Ok(Reply::Calls(Vec::new())),
        Request::Serialize { .. }
        | Request::Deserialize { .. }
        | Request::DeserializeFile { .. }
        | Request::GrowMemory { .. } => Response::Err(Failure::new(
            FailureKind::Unsupported,
            "the fault engine has no such thing",
        )),
        Request::MemorySize { .. } => Response::Ok(Reply::Pages(0)),
        Request::GetGlobal { .. } => {
            Response::Err(Failure::new(FailureKind::NotFound, "no globals here"))
        }
        _ => Response::Ok(Reply::Done),
    }
}
