//! The part of the native wast runner baselines that does not depend on the
//! engine: walk a folder of `.wast` files, run each with the engine's runner on one
//! thread, print `PASS`/`FAIL` per file and a final
//! `native: files=<n> passed=<p> failed=<f> seconds=<wall seconds>` line.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

/// Run every `*.wast` file directly in the folder named by the only argument with
/// `run_file`, and report. Failing files do not change the exit status.
pub fn main(program: &str, run_file: fn(&Path) -> Result<(), String>) -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let [_, dir] = args.as_slice() else {
        eprintln!("usage: {program} <dir>");
        return ExitCode::from(2);
    };
    let started = Instant::now();
    let files = match wast_files(Path::new(dir)) {
        Ok(files) => files,
        Err(e) => {
            eprintln!("error: listing {dir}: {e}");
            return ExitCode::from(2);
        }
    };
    // The runner may panic on input it does not support; report that as a failure.
    std::panic::set_hook(Box::new(|_| {}));
    let mut passed = 0;
    for path in &files {
        let name = path.file_name().unwrap_or_default().to_string_lossy();
        let outcome = std::panic::catch_unwind(|| run_file(path))
            .unwrap_or_else(|payload| Err(format!("panic: {}", panic_message(&payload))));
        match outcome {
            Ok(()) => {
                passed += 1;
                println!("PASS {name}");
            }
            Err(e) => println!("FAIL {name}: {}", e.lines().next().unwrap_or("")),
        }
    }
    println!(
        "native: files={} passed={passed} failed={} seconds={:.3}",
        files.len(),
        files.len() - passed,
        started.elapsed().as_secs_f64()
    );
    ExitCode::SUCCESS
}

/// The `*.wast` files directly in `dir`, sorted by name.
fn wast_files(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_file() && path.extension().is_some_and(|e| e == "wast") {
            files.push(path);
        }
    }
    files.sort_by(|a, b| a.file_name().cmp(&b.file_name()));
    Ok(files)
}

fn panic_message(payload: &Box<dyn std::any::Any + Send>) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        s.to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "(no message)".to_string()
    }
}
