//! The command source: a ready executable that speaks the protocol
//! (`command = [...]` in matrix.toml). Nothing is built or listed; its `hello`
//! must report the version the matrix names.

use std::path::PathBuf;

use anyhow::Result;

use super::{Builder, BuiltAdapter, EngineSource};
use crate::engine_id::EngineId;

/// Program and arguments.
pub struct Executable<'a> {
    /// argv; the first item is the program.
    pub argv: &'a [String],
}

impl EngineSource for Executable<'_> {
    fn describe(&self) -> String {
        format!("the command `{}`", self.argv.join(" "))
    }

    fn key(&self, _builder: &Builder, _id: &EngineId) -> Result<Option<String>> {
        Ok(None)
    }

    fn adapter(&self, _builder: &Builder, id: &EngineId) -> Result<BuiltAdapter> {
        Ok(BuiltAdapter {
            id: id.clone(),
            program: PathBuf::from(&self.argv[0]),
            args: self.argv[1..].to_vec(),
            record: None,
            recording: None,
        })
    }
}
