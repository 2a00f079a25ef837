//! Where the command line writes what it makes: one folder,
//! `target/wasm-compat/` under the current directory (or `$WASM_COMPAT_OUT`),
//! so `run` with any `--matrix` and a later plain `report` or `diff` meet.

use std::path::PathBuf;

use crate::plan::Shard;

/// The output folder and the names of what goes in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outputs {
    /// The folder.
    pub dir: PathBuf,
}

impl Outputs {
    /// `$WASM_COMPAT_OUT`, else `target/wasm-compat` under the current directory.
    pub fn from_env() -> Outputs {
        let dir = match std::env::var_os("WASM_COMPAT_OUT") {
            Some(dir) => PathBuf::from(dir),
            None => std::env::current_dir()
                .unwrap_or_else(|_| PathBuf::from("."))
                .join("target")
                .join("wasm-compat"),
        };
        Outputs { dir }
    }

    /// The results file of a run, or of one shard of it.
    pub fn results(&self, shard: Option<Shard>) -> PathBuf {
        self.dir.join(match shard {
            Some(s) => format!("results-shard-{}-of-{}.json.gz", s.index + 1, s.count),
            None => "results.json.gz".to_string(),
        })
    }

    /// The results file of engines `diff` had to run (`results-a-1.0.0+b-2.0.0.json.gz`).
    pub fn results_of(&self, engines: &[crate::engine_id::EngineId]) -> PathBuf {
        let names: Vec<String> = engines
            .iter()
            .map(|e| e.to_string().replace('@', "-"))
            .collect();
        self.dir
            .join(format!("results-{}.json.gz", names.join("+")))
    }

    /// The folder `report` writes into.
    pub fn report_dir(&self) -> PathBuf {
        self.dir.join("report")
    }

    /// Where `site` publishes by default.
    pub fn site_dir(&self) -> PathBuf {
        self.dir.join("site")
    }

    /// The benchmark's Markdown table.
    pub fn bench(&self) -> PathBuf {
        self.dir.join("bench.md")
    }

    /// The record of `build --sweep FAMILY`.
    pub fn sweep_record(&self, family: &str) -> PathBuf {
        self.dir.join(format!("builds-{family}.md"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_output_lives_in_the_one_folder() {
        let out = Outputs {
            dir: PathBuf::from("/o"),
        };
        assert_eq!(out.results(None), PathBuf::from("/o/results.json.gz"));
        let shard: Shard = "2/3".parse().unwrap();
        assert_eq!(
            out.results(Some(shard)),
            PathBuf::from("/o/results-shard-2-of-3.json.gz")
        );
        let ids = ["a@1.0.0".parse().unwrap(), "b@2.0.0".parse().unwrap()];
        assert_eq!(
            out.results_of(&ids),
            PathBuf::from("/o/results-a-1.0.0+b-2.0.0.json.gz")
        );
        assert_eq!(out.report_dir(), PathBuf::from("/o/report"));
    }
}
