//! Tidy checks of the project's own sources, as ordinary tests: every Rust
//! module (the harness, its test binaries, the adapters and the protocol
//! crate, the benchmark baselines) says what it is for in a `//!` line, every
//! Go and JavaScript file of an adapter in a first `//` comment, no Rust
//! function grows past the size a reader can hold in mind (data tables
//! aside), and no top-level module of `harness/src` imports, directly or
//! through others, a module that imports it.

use std::collections::{BTreeMap, BTreeSet};
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

/// The top-level module a source file belongs to (`builder/crates.rs` ->
/// `builder`), or `None` for the crate roots `main.rs` and `lib.rs`.
fn top_level_module(src: &Path, file: &Path) -> Option<String> {
    let rel = file.strip_prefix(src).ok()?;
    let first = rel.components().next()?.as_os_str().to_str()?;
    let top = match rel.components().count() {
        1 => first.strip_suffix(".rs")?,
        _ => first,
    };
    (top != "main" && top != "lib").then(|| top.to_string())
}

/// The names `text` refers to as `crate::NAME` (a path, a `use`, a doc link)
/// or inside `use crate::{NAME, ...}`, with an inline `#[cfg(test)] mod tests
/// { ... }` and everything after it left out.
fn crate_references(text: &str) -> BTreeSet<String> {
    let is_word = |c: char| c.is_alphanumeric() || c == '_';
    let word_at = |s: &str| -> String { s.chars().take_while(|c| is_word(*c)).collect() };
    let text = &text[..inline_tests_start(text).unwrap_or(text.len())];
    let mut out = BTreeSet::new();
    for (at, _) in text.match_indices("crate::") {
        let after_word = text[..at].chars().next_back().is_some_and(is_word);
        let name = word_at(&text[at + "crate::".len()..]);
        if !after_word && !name.is_empty() {
            out.insert(name);
        }
    }
    for (at, _) in text.match_indices("use crate::{") {
        let list = &text[at + "use crate::{".len()..];
        let Some(end) = list.find('}') else { continue };
        for item in list[..end].split(',') {
            let name = word_at(item.trim_start());
            if !name.is_empty() {
                out.insert(name);
            }
        }
    }
    out
}

/// Where an inline `#[cfg(test)] mod tests {` starts in `text`, if anywhere.
fn inline_tests_start(text: &str) -> Option<usize> {
    text.match_indices("#[cfg(test)]").find_map(|(at, attr)| {
        let rest = text[at + attr.len()..].trim_start();
        let rest = rest.strip_prefix("mod tests")?;
        rest.trim_start().starts_with('{').then_some(at)
    })
}

/// The import graph of the top-level modules under `src`: each module with
/// the other modules its files refer to.
fn import_graph(src: &Path, files: &[PathBuf]) -> BTreeMap<String, BTreeSet<String>> {
    let mut refs: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in files {
        if let Some(top) = top_level_module(src, file) {
            let text = std::fs::read_to_string(file).unwrap();
            refs.entry(top).or_default().extend(crate_references(&text));
        }
    }
    let modules: BTreeSet<String> = refs.keys().cloned().collect();
    refs.into_iter()
        .map(|(top, names)| {
            let imports = names
                .into_iter()
                .filter(|name| *name != top && modules.contains(name))
                .collect();
            (top, imports)
        })
        .collect()
}

/// The circles of `graph`: every group of two or more modules that each
/// reach the others by imports, its names sorted.
fn circles(graph: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    let reach = |from: &String| -> BTreeSet<String> {
        let mut seen = BTreeSet::new();
        let mut todo = vec![from.clone()];
        while let Some(node) = todo.pop() {
            for next in graph.get(&node).into_iter().flatten() {
                if seen.insert(next.clone()) {
                    todo.push(next.clone());
                }
            }
        }
        seen
    };
    let reached: BTreeMap<&String, BTreeSet<String>> =
        graph.keys().map(|node| (node, reach(node))).collect();
    let mut out: Vec<Vec<String>> = Vec::new();
    for (node, reaches) in &reached {
        let circle: Vec<String> = reaches
            .iter()
            .filter(|other| reached[other].contains(*node))
            .cloned()
            .collect();
        if !circle.is_empty() && !out.iter().any(|c| c.contains(node)) {
            out.push(circle);
        }
    }
    out
}

#[test]
fn no_import_circle_among_top_level_modules() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let found = circles(&import_graph(&src, &files(&src, &["rs"])));
    let lines: Vec<String> = found
        .iter()
        .map(|c| format!("circle: {}", c.join(" ")))
        .collect();
    assert!(
        found.is_empty(),
        "import circles among the top-level modules of harness/src (a module \
         imports another by naming it as `crate::NAME`; each should only look down):\n{}",
        lines.join("\n")
    );
}

#[test]
fn the_circle_finder_reads_paths_use_lists_and_skips_inline_tests() {
    let text = "//! see [`crate::docs`]\nuse crate::{a::X, b,\n    c::{d, e}};\nfn f() { crate::g::h(); mycrate::no(); }\n#[cfg(test)]\nmod tests {\n    use crate::t;\n}\n";
    let names: Vec<String> = crate_references(text).into_iter().collect();
    assert_eq!(names, ["a", "b", "c", "docs", "e", "g"]);
    let graph: BTreeMap<String, BTreeSet<String>> = [
        ("a", vec!["b"]),
        ("b", vec!["c"]),
        ("c", vec!["a", "d"]),
        ("d", vec![]),
        ("e", vec!["d"]),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.into_iter().map(String::from).collect()))
    .collect();
    assert_eq!(circles(&graph), [["a", "b", "c"]]);
}
