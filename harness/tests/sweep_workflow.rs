//! The sweep recipe, run as GitHub Actions would run it, on a small range of
//! wazero releases in a folder `init` made: the workflow's own `wasm-compat`
//! commands (each shard into its own folder, as its artifact; the merge; the
//! table), read from `docs/ci/github-actions-sweep.yml` so the recipe cannot
//! rot. The merged table must equal the table of one unsharded sweep, and a
//! sweep is incremental: a second one runs nothing, a release added to the
//! range runs only its cells. Ignored, with the reason, without `go`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_wasm-compat"))
}

fn text(out: &Output) -> String {
    format!(
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// The families and range every command here sweeps: four releases, the
/// example case only.
const SWEEP_ARGS: &str = "--engine wazero --from 1.0.0 --to 1.0.3 --spec none";

/// Run `command` in a shell in `dir`, with this build first on `PATH`, and
/// give what it printed; it must exit 0.
fn shell(dir: &Path, command: &str, sweep_args: &str) -> String {
    let path = format!(
        "{}:{}",
        bin().parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = Command::new("sh")
        .arg("-c")
        .arg(command)
        .current_dir(dir)
        .env("PATH", &path)
        .env("SWEEP_ARGS", sweep_args)
        .env_remove("WASM_COMPAT_OUT")
        .output()
        .unwrap();
    assert!(out.status.success(), "`{command}`:\n{}", text(&out));
    text(&out)
}

fn go_missing() -> bool {
    Command::new("go").arg("version").output().is_err()
}

#[test]
fn the_sweep_workflow_shards_merge_to_the_unsharded_table_and_sweeps_are_incremental() {
    if go_missing() {
        eprintln!("ignored: no `go` command, so no wazero adapter to sweep");
        return;
    }
    let work = tempfile::tempdir().unwrap();
    let dir = work.path();
    shell(dir, "wasm-compat init", SWEEP_ARGS);
    let workflow =
        std::fs::read_to_string(dir.join(".github/workflows/wasm-compat-sweep.yml")).unwrap();
    let commands: Vec<&str> = workflow
        .lines()
        .filter_map(|l| l.trim().strip_prefix("run: "))
        .filter(|c| c.starts_with("wasm-compat "))
        .collect();
    assert!(
        commands.iter().any(|c| c.contains("--shard"))
            && commands.iter().any(|c| c.contains("sweep merge"))
            && commands.iter().any(|c| c.contains("sweep table")),
        "the workflow sweeps shards, merges them and makes the table: {commands:?}"
    );
    let shards: usize = workflow
        .lines()
        .find_map(|l| l.trim().strip_prefix("shard: ["))
        .map(|l| l.trim_end_matches(']').split(',').count())
        .expect("the workflow's shard list");
    let mut ran_in_shards = 0;
    for command in commands {
        if command.contains("${{ matrix.shard }}") {
            for k in 1..=shards {
                let out = shell(
                    dir,
                    &command.replace("${{ matrix.shard }}", &k.to_string()),
                    SWEEP_ARGS,
                );
                ran_in_shards += out.lines().filter(|l| l.contains(" cell(s) in ")).count();
                // Each job's folder is its own artifact, downloaded under shards/.
                std::fs::create_dir_all(dir.join("shards")).unwrap();
                std::fs::rename(
                    dir.join("sweep-shard"),
                    dir.join(format!("shards/sweep-shard-{k}")),
                )
                .unwrap();
            }
        } else {
            shell(dir, command, SWEEP_ARGS);
        }
    }
    assert_eq!(ran_in_shards, 4, "every release ran in exactly one shard");

    // One unsharded sweep, first of three releases, then of the four.
    let first = shell(
        dir,
        "wasm-compat sweep --engine wazero --from 1.0.0 --to 1.0.2 --spec none --dir whole",
        SWEEP_ARGS,
    );
    assert!(
        first.contains("sweep wazero: 3 run, 0 with nothing new"),
        "{first}"
    );
    let added = shell(dir, "wasm-compat sweep $SWEEP_ARGS --dir whole", SWEEP_ARGS);
    assert!(
        added.contains("sweep wazero: 1 run, 3 with nothing new"),
        "{added}"
    );
    assert!(added.contains("wazero@1.0.3: 1 cell(s) in"), "{added}");
    let again = shell(dir, "wasm-compat sweep $SWEEP_ARGS --dir whole", SWEEP_ARGS);
    assert!(
        again.contains("sweep wazero: 0 run, 4 with nothing new"),
        "{again}"
    );
    shell(
        dir,
        "wasm-compat sweep table --dir whole --out whole-site",
        SWEEP_ARGS,
    );

    let sharded = std::fs::read_to_string(dir.join("sweep-site/table.json")).unwrap();
    let whole = std::fs::read_to_string(dir.join("whole-site/table.json")).unwrap();
    assert_eq!(
        sharded, whole,
        "the merged shards make the table one sweep makes"
    );
    assert!(whole.contains("\"cases/example.wast\""), "{whole}");
    for page in [
        "index.html",
        "wazero.html",
        "README.md",
        "webassembly-org.md",
    ] {
        assert!(dir.join("sweep-site").join(page).is_file(), "no {page}");
    }
}
