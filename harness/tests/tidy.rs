//! Tidy checks of the project's own sources, as ordinary tests: every Rust
//! module (the harness, its test binaries, the adapters and the protocol
//! crate, the benchmark baselines) says what it is for in a `//!` line, every
//! Go and JavaScript file of an adapter in a first `//` comment, and no Rust
//! function grows past the size a reader can hold in mind (data tables
//! aside).

use std::path::{Path, PathBuf};

/// Longest function body allowed, in lines.
const MAX_FUNCTION_LINES: usize = 120;

/// Every file under `dir` whose extension is one of `extensions`, sorted;
/// build output and fetched dependencies (`target`, `node_modules`, hidden
/// folders) left out.
fn files(dir: &Path, extensions: &[&str]) -> Vec<PathBuf> {
    fn walk(dir: &Path, extensions: &[&str], out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy();
            if path.is_dir() {
                if !(name.starts_with('.') || name == "target" || name == "node_modules") {
                    walk(&path, extensions, out);
                }
            } else if path
                .extension()
                .is_some_and(|e| extensions.iter().any(|x| e == *x))
            {
                out.push(path);
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, extensions, &mut out);
    out.sort();
    out
}

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// The Rust sources: `harness/src`, the harness's build script and test
/// binaries (`harness/tests/*.rs`; their fixtures are data), and the Rust
/// under `adapters/` and `bench/`.
fn rust_sources() -> Vec<PathBuf> {
    let repo = repo();
    let mut out = files(&repo.join("harness/src"), &["rs"]);
    assert!(out.len() > 20, "the harness sources were not found");
    out.push(repo.join("harness/build.rs"));
    let tests = files(&repo.join("harness/tests"), &["rs"]);
    let tests: Vec<PathBuf> = tests
        .into_iter()
        .filter(|p| p.parent() == Some(&repo.join("harness/tests")))
        .collect();
    assert!(tests.len() > 10, "the test binaries were not found");
    out.extend(tests);
    let adapters = files(&repo.join("adapters"), &["rs"]);
    assert!(adapters.len() > 10, "the Rust adapters were not found");
    out.extend(adapters);
    out.extend(files(&repo.join("bench"), &["rs"]));
    out
}

/// The adapters written in Go and JavaScript.
fn other_sources() -> Vec<PathBuf> {
    let out = files(&repo().join("adapters"), &["go", "js"]);
    assert!(
        out.len() > 20,
        "the Go and JavaScript adapters were not found"
    );
    out
}

/// Whether a Go or JavaScript file opens with a `//` comment, after a Go
/// build constraint (which must come first) and the blank line after it.
fn opens_with_a_comment(text: &str) -> bool {
    text.lines()
        .find(|l| !l.starts_with("//go:build") && !l.trim().is_empty())
        .is_some_and(|l| l.starts_with("// ") && l.len() > 3)
}

/// (name, first line, length) of every function in `text`, by brace depth
/// from its `fn` line (braces inside strings are rare enough in this code base
/// to be counted; a string holding many would show up as a long function).
fn functions(text: &str) -> Vec<(String, usize, usize)> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let trimmed = line.trim_start();
        let starts = ["fn ", "pub fn ", "pub(crate) fn ", "pub(super) fn "]
            .iter()
            .any(|p| trimmed.starts_with(p));
        if !starts {
            continue;
        }
        let name = trimmed
            .split("fn ")
            .nth(1)
            .and_then(|rest| rest.split(['(', '<']).next())
            .unwrap_or("?")
            .to_string();
        let mut depth = 0i64;
        let mut opened = false;
        for (j, l) in lines.iter().enumerate().skip(i) {
            if !opened && l.trim_end().ends_with(';') && !l.contains('{') {
                break; // a declaration without a body
            }
            for c in l.chars() {
                match c {
                    '{' => {
                        depth += 1;
                        opened = true;
                    }
                    '}' => depth -= 1,
                    _ => {}
                }
            }
            if opened && depth <= 0 {
                out.push((name.clone(), i + 1, j - i + 1));
                break;
            }
        }
    }
    out
}

/// The files of `paths` whose text `says_what_it_is_for` rejects.
fn silent(paths: Vec<PathBuf>, says_what_it_is_for: fn(&str) -> bool) -> Vec<String> {
    paths
        .into_iter()
        .filter(|p| !says_what_it_is_for(&std::fs::read_to_string(p).unwrap()))
        .map(|p| p.display().to_string())
        .collect()
}

#[test]
fn every_module_says_what_it_is_for() {
    let missing = silent(rust_sources(), |text| text.trim_start().starts_with("//!"));
    assert!(
        missing.is_empty(),
        "modules without a `//!` line: {missing:?}"
    );
}

#[test]
fn no_function_is_longer_than_a_reader_can_follow() {
    let mut long = Vec::new();
    for path in rust_sources() {
        let text = std::fs::read_to_string(&path).unwrap();
        for (name, line, len) in functions(&text) {
            if len > MAX_FUNCTION_LINES {
                long.push(format!(
                    "{}:{line}: fn {name} is {len} lines",
                    path.display()
                ));
            }
        }
    }
    assert!(
        long.is_empty(),
        "functions over {MAX_FUNCTION_LINES} lines:\n{}",
        long.join("\n")
    );
}

#[test]
fn every_go_and_javascript_file_says_what_it_is_for() {
    let missing = silent(other_sources(), opens_with_a_comment);
    assert!(
        missing.is_empty(),
        "files that do not open with a `//` comment saying what they are for: {missing:?}"
    );
}

#[test]
fn a_first_comment_may_follow_a_build_constraint() {
    assert!(opens_with_a_comment(
        "//go:build !old\n\n// What 1.7 added.\npackage main\n"
    ));
    assert!(opens_with_a_comment("// The adapter.\n'use strict';\n"));
    assert!(!opens_with_a_comment("//go:build !old\n\npackage main\n"));
    assert!(!opens_with_a_comment("'use strict';\n// Late.\n"));
}

#[test]
fn the_function_finder_measures_bodies() {
    let text = "fn a() {\n    x();\n}\n\npub fn b(\n    y: u8,\n) -> u8 {\n    if y > 0 { 1 } else { 0 }\n}\nfn decl();\n";
    let found = functions(text);
    assert_eq!(
        found,
        vec![("a".to_string(), 1, 3), ("b".to_string(), 5, 5)]
    );
}
