//! wasm-compat adapter for wasmtime: speaks the line protocol on stdin/stdout.
//!
//! One source compiles against every supported wasmtime major; API differences are
//! handled with the `wasmtime_ge_N` cfg flags that `build.rs` derives from the
//! package version (which is the engine version the package pins).

mod config;
mod errors;
mod session;
mod spectest;
mod values;

use std::io::{BufRead, Write};

use wasm_compat_protocol::{
    from_line, to_line, EngineInfo, Failure, FailureKind, Reply, Request, Response,
    PROTOCOL_VERSION,
};

use crate::session::Session;

/// Optional requests this adapter implements.
const CAPABILITIES: &[&str] = &[
    "serialize",
    "deserialize",
    "deserialize-file",
    "cache-dir",
    "grow-memory",
    "store-limits",
    "memory-usage",
    "drop-store",
    "host-functions",
];

fn hello() -> Reply {
    Reply::Hello(EngineInfo {
        engine: "wasmtime".to_string(),
        version: env!("CARGO_PKG_VERSION").to_string(),
        protocol: PROTOCOL_VERSION,
        features: config::supported_features()
            .iter()
            .map(|s| s.to_string())
            .collect(),
        capabilities: CAPABILITIES.iter().map(|s| s.to_string()).collect(),
    })
}

fn main() {
    let stdin = std::io::stdin();
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let mut session: Option<Session> = None;
    for line in stdin.lock().lines() {
        let line = match line {
            Ok(line) => line,
            Err(e) => {
                eprintln!("wasm-compat-adapter-wasmtime: cannot read stdin: {e}");
                break;
            }
        };
        if line.trim().is_empty() {
            continue;
        }
        let response = match from_line::<Request>(&line) {
            Err(e) => Response::Err(Failure::new(
                FailureKind::Other,
                format!("bad request: {e}"),
            )),
            Ok(Request::Hello) => Response::Ok(hello()),
            Ok(Request::Configure(cfg)) => {
                // Drop everything from the previous configuration first.
                session = None;
                match Session::new(&cfg) {
                    Ok(s) => {
                        session = Some(s);
                        Response::Ok(Reply::Done)
                    }
                    Err(f) => Response::Err(f),
                }
            }
            Ok(request) => {
                if session.is_none() {
                    match Session::new(&Default::default()) {
                        Ok(s) => session = Some(s),
                        Err(f) => {
                            write_line(&mut out, &Response::Err(f));
                            continue;
                        }
                    }
                }
                let s = session.as_mut().expect("session was just created");
                match s.handle(request) {
                    Ok(reply) => Response::Ok(reply),
                    Err(f) => Response::Err(f),
                }
            }
        };
        write_line(&mut out, &response);
    }
}

fn write_line(out: &mut impl Write, response: &Response) {
    let line = to_line(response);
    if writeln!(out, "{line}").and_then(|_| out.flush()).is_err() {
        // The harness went away; nothing sensible is left to do.
        std::process::exit(0);
    }
}
