//! The adapter cache shared and trusted, through the built `wasm-compat`
//! binary and a cache of its own per test: two processes building one version
//! into one empty cache take turns (one build); a damaged cached adapter is
//! rebuilt; `cache prune` keeps other families' builds and removes unfinished
//! ones; `build` of an unpublished version leaves nothing behind. The builds
//! are the cheapest there are (a Node release through npm, about 5 s; a
//! wazero version checked with `go`), and each test says so and returns when
//! its tool is missing.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The cheapest version to build: a Node release, only fetched.
const NODE: &str = "20.20.2";

/// A folder with `m/m.toml` naming `family` at `version` (its adapter from
/// this repository) and the cases in `mine/` (outside the matrix's folder,
/// so they are judged by their wast expectations, without snapshots), and
/// an empty cache folder `cache/` beside them.
fn work(family: &str, version: &str) -> tempfile::TempDir {
    let work = tempfile::tempdir().unwrap();
    let adapter = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../adapters")
        .join(family);
    for dir in ["m", "mine", "cache"] {
        std::fs::create_dir_all(work.path().join(dir)).unwrap();
    }
    std::fs::write(
        work.path().join("m/m.toml"),
        format!(
            "reference = \"{family}@{version}\"\n[engines.{family}]\nadapter = \"{}\"\nversions = [\"{version}\"]\n\
             [suites]\nspec = []\ncases = [\"../mine\"]\n",
            adapter.display()
        ),
    )
    .unwrap();
    std::fs::write(
        work.path().join("mine/add.wast"),
        "(module (func (export \"add\") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add))\n\
         (assert_return (invoke \"add\" (i32.const 2) (i32.const 3)) (i32.const 5))\n",
    )
    .unwrap();
    work
}

/// `wasm-compat ARGS` in `work` with the matrix `m/m.toml` and the cache `cache/`.
fn wasm_compat(work: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_wasm-compat"));
    cmd.current_dir(work)
        .args(args)
        .args(["--matrix", "m/m.toml"])
        .env("WASM_COMPAT_CACHE", work.join("cache"))
        .env_remove("WASM_COMPAT_OUT");
    cmd
}

fn text(out: &Output) -> String {
    format!(
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// The entries of `<cache>/adapters` (finished builds and staging folders).
fn adapters(work: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(work.join("cache/adapters"))
        .map(|d| {
            d.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

/// Whether `program` runs here.
fn have(program: &str) -> bool {
    ["version", "--version"].iter().any(|arg| {
        Command::new(program)
            .arg(arg)
            .output()
            .is_ok_and(|o| o.status.success())
    })
}

/// Two processes build one version into one empty cache at once: both
/// succeed, one waits for the other (the build lock), and one build happens.
#[test]
fn two_builds_of_one_version_into_one_empty_cache_make_one_build() {
    if !have("npm") {
        eprintln!("no npm command: no Node release can be fetched here");
        return;
    }
    let work = work("node", NODE);
    let children: Vec<_> = (0..2)
        .map(|_| {
            wasm_compat(work.path(), &["build"])
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let outs: Vec<Output> = children
        .into_iter()
        .map(|c| c.wait_with_output().unwrap())
        .collect();
    for out in &outs {
        assert!(out.status.success(), "{}", text(out));
    }
    let said: String = outs.iter().map(text).collect();
    let builds = said
        .matches(&format!("wasm-compat: built adapter node@{NODE}"))
        .count();
    assert_eq!(builds, 1, "{said}");
    let found = adapters(work.path());
    assert_eq!(found.len(), 1, "one build, no staging folder: {found:?}");
    assert!(found[0].starts_with(&format!("node-{NODE}-")), "{found:?}");
}

/// A cached adapter whose program was truncated is rebuilt, with one line
/// saying so, and the run goes on as if nothing had happened.
#[test]
fn a_damaged_cached_adapter_is_rebuilt_and_the_run_works() {
    if !have("npm") {
        eprintln!("no npm command: no Node release can be fetched here");
        return;
    }
    let work = work("node", NODE);
    let built = wasm_compat(work.path(), &["build"]).output().unwrap();
    assert!(built.status.success(), "{}", text(&built));
    let program = work
        .path()
        .join("cache/adapters")
        .join(&adapters(work.path())[0])
        .join("node");
    let size = std::fs::metadata(&program).unwrap().len();
    let file = std::fs::OpenOptions::new()
        .write(true)
        .open(&program)
        .unwrap();
    file.set_len(size / 2).unwrap();
    drop(file);
    let run = wasm_compat(work.path(), &["run", "-j", "1"])
        .output()
        .unwrap();
    let said = text(&run);
    assert!(run.status.success(), "{said}");
    let damaged = format!(
        "wasm-compat: node@{NODE}: the cached adapter {} is damaged (digest differs); rebuilding",
        program.display()
    );
    assert_eq!(said.matches(&damaged).count(), 1, "{said}");
    assert_eq!(std::fs::metadata(&program).unwrap().len(), size);
}

/// `cache prune` with a matrix naming one family removes that family's
/// stale builds and every unfinished build, keeps the other family's builds,
/// and removes those only when asked (`--other-families`).
#[test]
fn prune_keeps_other_families_and_removes_staging_leftovers() {
    let work = work("node", NODE);
    let cache = work.path().join("cache/adapters");
    let stale = "node-18.20.8-0123456789abcdef";
    let other = "wazero-1.8.0-0123456789abcdef";
    for dir in [stale, other, ".staging-abc123/sub"] {
        std::fs::create_dir_all(cache.join(dir)).unwrap();
    }
    let pruned = wasm_compat(work.path(), &["cache", "prune"])
        .output()
        .unwrap();
    assert!(pruned.status.success(), "{}", text(&pruned));
    assert_eq!(adapters(work.path()), [other], "{}", text(&pruned));
    let all = wasm_compat(work.path(), &["cache", "prune", "--other-families"])
        .output()
        .unwrap();
    assert!(all.status.success(), "{}", text(&all));
    assert_eq!(
        adapters(work.path()),
        Vec::<String>::new(),
        "{}",
        text(&all)
    );
}

/// `build` checks a version as `run` does: an unpublished one is an error
/// naming the matrix line, and nothing is left in the cache for it.
#[test]
fn building_an_unpublished_version_leaves_nothing_behind() {
    if !have("go") {
        eprintln!("no go command: no wazero version can be checked here");
        return;
    }
    let work = work("wazero", "1.99.0");
    let out = wasm_compat(work.path(), &["build"]).output().unwrap();
    let said = text(&out);
    assert_eq!(out.status.code(), Some(1), "{said}");
    assert!(
        said.contains("wasm-compat: m/m.toml:4: wazero@1.99.0: "),
        "{said}"
    );
    assert!(said.contains("is not a published version"), "{said}");
    let left: Vec<PathBuf> = ["builds", "adapters"]
        .iter()
        .map(|sub| work.path().join("cache").join(sub))
        .filter(|p| p.exists())
        .collect();
    assert!(left.is_empty(), "{left:?}: {said}");
}

/// An adapter that dies before it answers `hello` (as a damaged binary the
/// cache could not check would) is said in words, with its signal.
#[test]
fn an_adapter_that_crashes_before_hello_is_said_in_words() {
    let work = work("node", NODE);
    std::fs::write(
        work.path().join("m/m.toml"),
        "reference = \"crashy@1.0.0\"\n[engines.crashy]\ncommand = [\"sh\", \"-c\", \"kill -SEGV $$\"]\n\
         versions = [\"1.0.0\"]\n[suites]\nspec = []\ncases = [\"../mine\"]\n",
    )
    .unwrap();
    let run = wasm_compat(work.path(), &["run", "-j", "1"])
        .output()
        .unwrap();
    let said = text(&run);
    assert_eq!(run.status.code(), Some(1), "{said}");
    assert!(
        said.lines().any(|l| l
            == "wasm-compat: crashy@1.0.0: the adapter crashed before answering hello: killed by signal 11 (SIGSEGV)"),
        "{said}"
    );
}
