//! Registries scoped to their family: with one
//! registry unreachable (a closed local port: npm's `npm_config_registry`,
//! Go's `GOPROXY`, the crate index's `WASM_COMPAT_INDEX`), the versions that
//! still had to come from it are `unsupported`, saying the registry is
//! unreachable, and the cached Node release runs without asking any registry,
//! all within 15 s. A Node and wazero matrix runs with no Rust toolchain on
//! `PATH`. Everything lives in a cache whose parent folders do not exist yet.
//!
//! Needs npm and go, and the npm registry once (one Node release, ~2 s, is
//! fetched into the test's own cache); without npm or go there is nothing to
//! test and the test says so.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// The Node release every scene has in its cache (the reference).
const CACHED: &str = "node@20.20.2";
/// A closed local port: every connection to it is refused at once.
const CLOSED: &str = "http://127.0.0.1:9";
/// How long a run with an unreachable registry may take.
const BOUND: Duration = Duration::from_secs(15);

fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_wasm-compat"))
}

fn adapter(family: &str) -> String {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../adapters")
        .join(family);
    dir.canonicalize().unwrap().display().to_string()
}

/// The folder on `PATH` that holds `program`, if any.
fn dir_of(program: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?).find(|dir| dir.join(program).is_file())
}

/// A matrix of the cached Node release (the reference) and `others`
/// (`family@version`), with one small case.
fn matrix(dir: &Path, name: &str, others: &[&str]) -> PathBuf {
    let mut versions: std::collections::BTreeMap<&str, Vec<&str>> = Default::default();
    for id in std::iter::once(&CACHED).chain(others) {
        let (family, version) = id.split_once('@').unwrap();
        versions.entry(family).or_default().push(version);
    }
    let mut text =
        format!("reference = \"{CACHED}\"\n\n[suites]\ncases = [\"cases\"]\nspec = []\n");
    for (family, versions) in versions {
        let list: Vec<String> = versions.iter().map(|v| format!("\"{v}\"")).collect();
        text += &format!(
            "\n[engines.{family}]\nadapter = \"{}\"\nversions = [{}]\n",
            adapter(family),
            list.join(", ")
        );
    }
    std::fs::create_dir_all(dir.join("cases")).unwrap();
    std::fs::write(
        dir.join("cases/add.wast"),
        "(module (func (export \"add\") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add))\n\
         (assert_return (invoke \"add\" (i32.const 1) (i32.const 2)) (i32.const 3))\n",
    )
    .unwrap();
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// What one `run` did.
struct Ran {
    ok: bool,
    took: Duration,
    stderr: String,
    results: serde_json::Value,
}

impl Ran {
    /// The status of `engine`'s one cell, and the cell as JSON text.
    fn cell(&self, engine: &str) -> (String, String) {
        let cell = self.results["results"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["engine"] == engine)
            .unwrap_or_else(|| panic!("no cell of {engine}:\n{}", self.stderr));
        (
            cell["status"].as_str().unwrap().to_string(),
            cell.to_string(),
        )
    }
}

/// `wasm-compat run --accept` of `matrix` with `cache`, `env` added and
/// `path` as `PATH` if given.
fn run(matrix: &Path, cache: &Path, env: &[(&str, &str)], path: Option<&str>) -> Ran {
    let dir = matrix.parent().unwrap();
    let results = dir.join("results.json");
    let mut cmd = Command::new(bin());
    cmd.current_dir(dir)
        .arg("run")
        .arg("--matrix")
        .arg(matrix)
        .arg("--results")
        .arg(&results)
        .arg("--accept")
        .env("WASM_COMPAT_CACHE", cache)
        .env_remove("WASM_COMPAT_OUT")
        .env_remove("WASM_COMPAT_OFFLINE")
        .env_remove("WASM_COMPAT_INDEX")
        .env_remove("GOMODCACHE")
        .env_remove("GOPROXY")
        .env_remove("npm_config_registry")
        .envs(env.iter().copied());
    if let Some(path) = path {
        cmd.env("PATH", path)
            .env_remove("RUSTC")
            .env_remove("CARGO");
    }
    let started = Instant::now();
    let out = cmd.output().unwrap();
    let took = started.elapsed();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let results = std::fs::read(&results)
        .map(|bytes| serde_json::from_slice(&bytes).unwrap())
        .unwrap_or_else(|_| panic!("no results written:\n{stderr}"));
    Ran {
        ok: out.status.success(),
        took,
        stderr,
        results,
    }
}

/// With `env` pointing one registry at a closed port, `uncached` is
/// unsupported, naming `registry` as unreachable, and the cached Node passes.
fn scoped(dir: &Path, cache: &Path, uncached: &str, env: &[(&str, &str)], registry: &str) {
    let name = format!("{}.toml", uncached.replace(['@', '.'], "-"));
    let ran = run(&matrix(dir, &name, &[uncached]), cache, env, None);
    assert!(ran.ok, "{}", ran.stderr);
    assert!(ran.took < BOUND, "{uncached}: took {:?}", ran.took);
    let said = format!("wasm-compat: {uncached}: {registry} is unreachable: ");
    assert!(ran.stderr.contains(&said), "{said}\n{}", ran.stderr);
    assert!(
        !ran.stderr.contains("not a published version"),
        "{}",
        ran.stderr
    );
    let (status, cell) = ran.cell(uncached);
    assert_eq!(status, "unsupported", "{cell}");
    assert!(
        cell.contains(&format!("{registry} is unreachable")),
        "{cell}"
    );
    assert_eq!(ran.cell(CACHED).0, "pass", "{}", ran.stderr);
}

#[test]
#[cfg_attr(
    any(wasm_compat_no_go, wasm_compat_no_npm),
    ignore = "needs the go and npm commands on PATH"
)]
fn an_unreachable_registry_leaves_only_its_uncached_versions_unsupported() {
    let (Some(npm), Some(go)) = (dir_of("npm"), dir_of("go")) else {
        panic!("go or npm is on PATH at build time but not now: rebuild the tests");
    };
    let work = tempfile::tempdir().unwrap();
    // A cache whose parent folders do not exist yet, as on a fresh machine.
    let cache = work.path().join("none/a/b");
    let warm = run(&matrix(work.path(), "warm.toml", &[]), &cache, &[], None);
    assert!(warm.ok, "fetching {CACHED}: {}", warm.stderr);

    sweep_goes_on_past_an_unreachable_registry(work.path(), &cache);
    let npm_closed = format!("{CLOSED}/");
    scoped(
        work.path(),
        &cache,
        "node@18.20.8",
        &[("npm_config_registry", &npm_closed)],
        &format!("the npm registry ({npm_closed})"),
    );
    scoped(
        work.path(),
        &cache,
        "wazero@1.8.2",
        &[("GOPROXY", CLOSED)],
        &format!("the Go module proxy ({CLOSED})"),
    );
    scoped(
        work.path(),
        &cache,
        "wasmi@0.31.2",
        &[("WASM_COMPAT_INDEX", CLOSED)],
        &format!("the crate registry index ({CLOSED})"),
    );

    // Node and wazero need no Rust toolchain: PATH holds only the folders of
    // go, npm and node.
    let node = dir_of("node").unwrap_or_else(|| npm.clone());
    let dirs = [go, npm, node];
    if dirs.iter().any(|d| d.join("rustc").exists()) {
        eprintln!("rustc sits beside go, npm or node: a PATH without it cannot be made here");
        return;
    }
    let path = std::env::join_paths(&dirs).unwrap();
    let ran = run(
        &matrix(work.path(), "no-rust.toml", &["wazero@1.8.2"]),
        &cache,
        &[("GOPROXY", CLOSED)],
        Some(path.to_str().unwrap()),
    );
    assert!(ran.ok, "{}", ran.stderr);
    assert!(!ran.stderr.contains("rustc"), "{}", ran.stderr);
    assert_eq!(ran.cell(CACHED).0, "pass", "{}", ran.stderr);
    assert_eq!(ran.cell("wazero@1.8.2").0, "unsupported", "{}", ran.stderr);
}

/// `sweep` of two families with the Go module proxy closed: wazero's
/// releases cannot be listed, said within the bound, and the Node family is
/// swept all the same (its cached release), the sweep exiting 1.
fn sweep_goes_on_past_an_unreachable_registry(dir: &Path, cache: &Path) {
    let matrix = matrix(dir, "sweep.toml", &["wazero@1.8.2"]);
    let version = CACHED.split_once('@').unwrap().1;
    let started = Instant::now();
    let out = Command::new(bin())
        .current_dir(dir)
        .args([
            "sweep", "-e", "wazero", "-e", "node", "--from", version, "--to", version, "--spec",
            "none",
        ])
        .arg("--matrix")
        .arg(&matrix)
        .arg("--dir")
        .arg(dir.join("sweep"))
        .env("WASM_COMPAT_CACHE", cache)
        .env("GOPROXY", CLOSED)
        .env_remove("WASM_COMPAT_OUT")
        .env_remove("GOMODCACHE")
        .env_remove("npm_config_registry")
        .output()
        .unwrap();
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.status.code(), Some(1), "{said}");
    assert!(
        started.elapsed() < BOUND + BOUND,
        "took {:?}: {said}",
        started.elapsed()
    );
    assert!(
        said.contains("sweeping wazero: listing its releases")
            && said.contains("the other families go on"),
        "{said}"
    );
    assert!(said.contains(&format!("{CACHED}: 1 cell(s) in")), "{said}");
    assert!(
        dir.join(format!("sweep/node/{version}.json.gz")).is_file(),
        "{said}"
    );
}
