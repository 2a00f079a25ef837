//! A new user's path, in an empty folder outside this repository, with the
//! built-in adapters (the same builds the compat binary caches): `init`,
//! `run` (no snapshot yet: fails, pending ones written), `run --accept`,
//! `run` (green), a changed engine version (compared with its family's
//! snapshot), `review`; then the CI recipe's own commands, read from
//! `docs/ci/github-actions.yml` (shards, merge, report), so it cannot rot.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_wasm-compat"))
}

fn wasm_compat(cwd: &Path, args: &[&str], stdin: &str) -> Output {
    use std::io::Write;
    let mut child = Command::new(bin())
        .current_dir(cwd)
        .args(args)
        .env_remove("WASM_COMPAT_OUT")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

/// Run wasm-compat in `cwd`, assert it exited 0, and give what it printed.
fn succeeds(cwd: &Path, args: &[&str], stdin: &str) -> String {
    let out = wasm_compat(cwd, args, stdin);
    assert!(out.status.success(), "`{}`: {}", args.join(" "), text(&out));
    text(&out)
}

/// Run wasm-compat in `cwd`, assert it exited 1, and give what it printed.
fn fails(cwd: &Path, args: &[&str], stdin: &str) -> String {
    let out = wasm_compat(cwd, args, stdin);
    assert_eq!(
        out.status.code(),
        Some(1),
        "`{}`: {}",
        args.join(" "),
        text(&out)
    );
    text(&out)
}

fn text(out: &Output) -> String {
    format!(
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn snaps(dir: &Path, suffix: &str) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir.join("snapshots/example"))
        .map(|d| {
            d.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.ends_with(suffix))
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

#[test]
fn init_run_accept_run_change_a_version_review() {
    let work = tempfile::tempdir().unwrap();
    let dir = work.path();
    succeeds(dir, &["init"], "");
    for file in [
        "matrix.toml",
        "cases/example.wast",
        ".github/workflows/wasm-compat.yml",
    ] {
        assert!(dir.join(file).is_file(), "init wrote no {file}");
    }
    let again = wasm_compat(dir, &["init"], "");
    assert!(!again.status.success() && text(&again).contains("--force"));

    // No snapshot yet: every cell fails, and each is written as pending.
    let first = fails(dir, &["run"], "");
    assert!(first.contains("wasm-compat run --accept"), "{}", first);
    assert_eq!(snaps(dir, ".snap.new").len(), 4, "{}", first);
    assert!(snaps(dir, ".snap").is_empty());

    succeeds(dir, &["run", "--accept"], "");
    assert_eq!(snaps(dir, ".snap").len(), 4);
    assert!(
        snaps(dir, ".snap.new").is_empty(),
        "accepting clears pending ones"
    );
    let wasmi = std::fs::read_to_string(dir.join("snapshots/example/wasmi@2.0.0.snap")).unwrap();
    assert!(
        wasmi.contains("input_file: \"cases/example.wast\""),
        "{wasmi}"
    );
    assert!(
        !wasmi.contains(&dir.display().to_string()),
        "names are relative: {wasmi}"
    );

    succeeds(dir, &["run"], "");
    keep_in_history(dir, "1");
    // From a subfolder, `../cases` names the same cases, with the same snapshots.
    std::fs::create_dir_all(dir.join("sub")).unwrap();
    let below = succeeds(&dir.join("sub"), &["run", "--cases", "../cases"], "");
    assert!(snaps(dir, ".snap.new").is_empty(), "{}", below);

    // Another wasmi version: no reviewed snapshot of its own; compared with
    // the family's newest, pending, then accepted in review.
    let matrix = std::fs::read_to_string(dir.join("matrix.toml")).unwrap();
    let changed = matrix.replace("versions = [\"2.0.0\"]", "versions = [\"1.0.9\"]");
    assert_ne!(matrix, changed, "init's matrix lists wasmi 2.0.0: {matrix}");
    std::fs::write(dir.join("matrix.toml"), changed).unwrap();
    let moved = fails(dir, &["run"], "");
    assert!(moved.contains("wasmi@1.0.9.snap"), "{}", moved);
    assert!(moved.contains("wasmi@2.0.0"), "{}", moved);
    assert_eq!(snaps(dir, ".snap.new"), vec!["wasmi@1.0.9.snap.new"]);
    let review = succeeds(dir, &["review"], "what\na\n");
    assert!(review.contains("answer a, r or s"), "{}", review);
    assert!(review.contains("1 accepted"), "{}", review);
    assert!(snaps(dir, ".snap.new").is_empty());
    succeeds(dir, &["run"], "");
    keep_in_history(dir, "2");

    // The two runs as a site, published twice: the second replaces the first whole.
    for _ in 0..2 {
        succeeds(dir, &["site", "history"], "");
    }
    let out = dir.join("target/wasm-compat");
    for page in [
        "site/index.html",
        "site/runs/1.html",
        "site/runs/2.html",
        "site/firsts.json",
    ] {
        assert!(out.join(page).is_file(), "no {page}");
    }
    let leftovers: Vec<_> = std::fs::read_dir(&out)
        .unwrap()
        .flatten()
        .filter(|e| {
            e.file_name().to_string_lossy().starts_with(".site-")
                || e.file_name().to_string_lossy().starts_with(".staged-")
        })
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    let firsts = std::fs::read_to_string(out.join("site/firsts.json")).unwrap();
    assert!(firsts.contains("\"cases/example.wast\""), "{firsts}");

    ci_recipe(dir);
}

/// Keep the latest run's results in `history/` under `name`.
fn keep_in_history(dir: &Path, name: &str) {
    std::fs::create_dir_all(dir.join("history")).unwrap();
    std::fs::copy(
        dir.join("target/wasm-compat/results.json.gz"),
        dir.join(format!("history/{name}.json.gz")),
    )
    .unwrap();
}

/// The `run:` commands of the CI workflow that call wasm-compat, in order,
/// each shard's in turn, in a shell with this build first on `PATH`.
fn ci_recipe(dir: &Path) {
    let workflow = std::fs::read_to_string(dir.join(".github/workflows/wasm-compat.yml")).unwrap();
    let commands: Vec<&str> = workflow
        .lines()
        .filter_map(|l| l.trim().strip_prefix("run: "))
        .filter(|c| c.starts_with("wasm-compat ") || c.contains("$(wasm-compat "))
        .collect();
    assert!(
        commands.iter().any(|c| c.contains("--shard"))
            && commands.iter().any(|c| c.contains("report")),
        "the workflow runs shards and a report: {commands:?}"
    );
    let path = format!(
        "{}:{}",
        bin().parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let shards = ["1", "2"];
    for command in commands {
        let runs: Vec<String> = if command.contains("${{ matrix.shard }}") {
            shards
                .iter()
                .map(|k| command.replace("${{ matrix.shard }}", k))
                .collect()
        } else {
            vec![command.to_string()]
        };
        for run in runs {
            let run = run.replace("\"$GITHUB_OUTPUT\"", "/dev/null");
            let out = Command::new("sh")
                .arg("-c")
                .arg(&run)
                .current_dir(dir)
                .env("PATH", &path)
                .env_remove("WASM_COMPAT_OUT")
                .output()
                .unwrap();
            assert!(out.status.success(), "`{run}`:\n{}", text(&out));
        }
    }
    let merged = std::fs::read_to_string(dir.join("target/wasm-compat/report/report.md")).unwrap();
    for engine in ["wasmtime@", "wasmi@1.0.9", "wazero@", "node@"] {
        assert!(
            merged.contains(engine),
            "the merged report has {engine}:\n{merged}"
        );
    }
    assert!(dir.join("target/wasm-compat/report/report.html").is_file());
}
