//! Artifacts and compilation caches: `serialize`, `deserialize`(`_file`),
//! `assert_rejected`, `artifact` (bytes made on the harness side),
//! `compilation_cache` and `cache_entries`. Artifacts live on the harness side,
//! shared by both engines of a cross-version case.

use std::path::{Path, PathBuf};

use wasm_compat_protocol::{Bytes, EngineConfig, FailureKind, LoadPath, ModuleId, Reply, Request};
use wast::token::Id;

use super::session::{At, Session};
use super::step::{missing, Step};
use crate::outcome::Actual;
use crate::script::ArtifactSource;

impl<'e, 'd> Session<'e, 'd> {
    /// `(serialize $m "name")`: the engine's artifact of module `$m`, kept as `name`.
    pub(super) fn serialize(&mut self, at: At, module: Option<Id<'_>>, name: &str) -> Step {
        let made = self.side().module(module).and_then(|m| self.serialized(m));
        self.keep_artifact(at, name, made)
    }

    fn serialized(&mut self, module: ModuleId) -> Result<Vec<u8>, Step> {
        match self.send(Request::Serialize { module }) {
            Step::Done(Reply::Bytes(bytes)) => Ok(bytes.0),
            Step::Done(other) => Err(Step::Broken(Actual::ProtocolError {
                detail: format!("serialize answered {other:?}"),
            })),
            other => Err(other),
        }
    }

    /// `(artifact "name" SOURCE)`: bytes made on the harness side.
    pub(super) fn make_artifact(
        &mut self,
        at: At,
        name: &str,
        source: &ArtifactSource<'_>,
    ) -> Step {
        let made = self.artifact_bytes(source);
        self.keep_artifact(at, name, made)
    }

    fn artifact_bytes(&mut self, source: &ArtifactSource<'_>) -> Result<Vec<u8>, Step> {
        match source {
            ArtifactSource::Truncated(from) => {
                self.artifact(from).map(|b| b[..b.len() / 2].to_vec())
            }
            ArtifactSource::BitFlipped(from, at) => {
                self.artifact(from).and_then(|b| flip_bit(b, from, *at))
            }
            ArtifactSource::Empty => Ok(Vec::new()),
            ArtifactSource::ModuleBytes(id) => self.module_bytes(*id),
            ArtifactSource::Bytes(bytes) => Ok(bytes.clone()),
        }
    }

    /// The WebAssembly binary module `id` was compiled from.
    fn module_bytes(&mut self, id: Option<Id<'_>>) -> Result<Vec<u8>, Step> {
        let module = self.side().module(id)?;
        let offset = self.side().source_of.get(&module).copied();
        match offset.and_then(|o| self.case.encoded.get(&o)) {
            Some(Ok(bytes)) => Ok(bytes.clone()),
            _ => {
                let name = match id {
                    Some(id) => format!("${}", id.name()),
                    None => "the last module".to_string(),
                };
                Err(missing(format!("{name} was not compiled from text")))
            }
        }
    }

    /// The bytes of artifact `name`, or the step that says why there are none.
    fn artifact(&self, name: &str) -> Result<Vec<u8>, Step> {
        self.artifacts
            .lookup(name)
            .found(|| format!("no artifact named {name:?}"))
    }

    /// Keep `made` as artifact `name`, or remember why it could not be made.
    fn keep_artifact(&mut self, at: At, name: &str, made: Result<Vec<u8>, Step>) -> Step {
        match made {
            Ok(bytes) => {
                self.artifacts.insert(name, bytes);
                Step::ok()
            }
            Err(step) => {
                let line = self.case.line(at);
                let unsupported = match &step {
                    Step::Failed(f) if f.kind == FailureKind::Unsupported => ": unsupported",
                    _ => "",
                };
                let why = step
                    .loss(|| format!("artifact {name:?} was not made{unsupported} (line {line})"));
                self.artifacts.lose(name, why);
                step
            }
        }
    }

    /// `(deserialize $m "name")`: load an artifact as definition `$m`, which
    /// is lost when loading fails.
    pub(super) fn deserialize_named(
        &mut self,
        at: At,
        module: Option<Id<'_>>,
        artifact: &str,
        via: LoadPath,
    ) -> Step {
        let step = self.deserialize(module, artifact, via);
        if !step.is_done() {
            self.lose_definition(at, module, &step);
        }
        step
    }

    /// Load artifact `artifact` (from its bytes or from a file the harness
    /// writes, for a path of files) through the loading path `via`, as a
    /// module definition named `module`.
    pub(super) fn deserialize(
        &mut self,
        module: Option<Id<'_>>,
        artifact: &str,
        via: LoadPath,
    ) -> Step {
        let bytes = match self.artifact(artifact) {
            Ok(bytes) => bytes,
            Err(step) => return step,
        };
        let id = self.side().new_module();
        // The requests' own defaults go unnamed, so adapters that predate
        // loading paths keep working.
        let named = (!via.is_default()).then_some(via);
        let request = if via.from_file() {
            match self.write_artifact(artifact, &bytes) {
                Ok(path) => Request::DeserializeFile {
                    module: id,
                    path,
                    via: named,
                },
                Err(step) => return step,
            }
        } else {
            Request::Deserialize {
                module: id,
                bytes: Bytes(bytes),
                via: named,
            }
        };
        let step = self.send(request);
        if step.is_done() {
            let side = self.side();
            side.last_module = Some(id);
            side.name_definition(module, id);
        }
        step
    }

    /// Write artifact `name` into the work folder for the engine to load.
    fn write_artifact(&self, name: &str, bytes: &[u8]) -> Result<String, Step> {
        let dir = self.case.workdir.join("artifacts");
        let path = dir.join(format!("{name}.bin"));
        match std::fs::create_dir_all(&dir).and_then(|_| std::fs::write(&path, bytes)) {
            Ok(()) => Ok(path.to_string_lossy().into_owned()),
            Err(e) => Err(Step::harness(format!(
                "cannot write {}: {e}",
                path.display()
            ))),
        }
    }

    /// `(compilation_cache "dir")`: a fresh engine caching compiled modules in
    /// the case-local folder `dir`.
    pub(super) fn compilation_cache(&mut self, dir: &str) -> Step {
        let path = self.cache_dir(dir);
        if let Err(e) = std::fs::create_dir_all(&path) {
            return Step::harness(format!("cannot make {}: {e}", path.display()));
        }
        let config = EngineConfig {
            cache_dir: Some(path.to_string_lossy().into_owned()),
            ..self.case.base.clone()
        };
        self.reconfigure(config)
    }

    /// `(cache_entries "dir")`: how many modules the cache folder `dir` holds.
    pub(super) fn cache_entries(&self, dir: &str) -> Step {
        let count = count_cache_entries(&self.cache_dir(dir));
        Step::Observed(Actual::Count { count })
    }

    fn cache_dir(&self, dir: &str) -> PathBuf {
        self.case.workdir.join("cache").join(dir)
    }
}

/// `bytes` with bit 0 of the byte at `at` flipped (negative: from the end).
fn flip_bit(mut bytes: Vec<u8>, from: &str, at: i64) -> Result<Vec<u8>, Step> {
    let len = bytes.len() as i64;
    let index = if at < 0 { len + at } else { at };
    if index < 0 || index >= len {
        return Err(missing(format!(
            "offset {at} is outside artifact {from:?} ({len} bytes)"
        )));
    }
    bytes[index as usize] ^= 1;
    Ok(bytes)
}

/// Modules an on-disk compilation cache holds: its files, without the engine's
/// own bookkeeping (statistics, configuration, files being written).
fn count_cache_entries(dir: &Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    let mut count = 0;
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if path.is_dir() {
            count += count_cache_entries(&path);
        } else if !(name.ends_with(".stats")
            || name.ends_with(".toml")
            || name.starts_with(".wip")
            || name.contains(".wip-"))
        {
            count += 1;
        }
    }
    count
}
