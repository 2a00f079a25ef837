//! wasm-compat: runs one set of WebAssembly modules and scenarios through many
//! versions of several engines, each in its own adapter process, and reports
//! precisely where behaviour differs.
//!
//! See ARCHITECTURE.md at the repository root for the map of these modules.

pub mod adapter;
pub mod bench;
pub mod bisect;
pub mod boundaries;
pub mod builder;
pub mod builtin;
pub mod cases;
pub mod engine_id;
pub mod expect;
pub mod expectations;
pub mod fsutil;
pub mod fuzz;
pub mod interp;
pub mod matrix;
pub mod outcome;
pub mod outputs;
pub mod plan;
pub mod progress;
pub mod proposal;
pub mod reason;
pub mod recorder;
pub mod report;
pub mod results;
pub mod results_file;
pub mod run;
pub mod script;
pub mod smoke;
pub mod snapshot;
pub mod summary;
pub mod sweep;
pub mod wast_text;
