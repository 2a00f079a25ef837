//! The wire protocol between the wasm-compat harness and an engine adapter.
//!
//! An adapter is a process that reads one JSON [`Request`] per line on stdin and
//! writes exactly one JSON [`Response`] per line on stdout, in order. Anything an
//! adapter wants to say to a human goes to stderr. `PROTOCOL.md` at the top of the
//! repository is the prose description of the same types; this crate is the source
//! of truth and both the harness and the Rust adapters use it.
//!
//! Values travel as exact bit patterns ([`Value`]), so NaN payloads and v128 lanes
//! survive the trip. Failures travel as a typed [`FailureKind`] with the engine's
//! raw message kept beside it: the harness compares kinds and only reports messages.
//!
//! A Rust adapter gets the framing from [`serve`]: it implements [`Adapter`], the
//! engine-specific calls, and its `main` is `serve::<MyAdapter>()`.

pub mod compute;
mod serve;

pub use serve::{hello, serve, serve_lines, setting_arg, settings_from_args, Adapter};

use std::collections::BTreeMap;

use base64::Engine as _;
use serde::{Deserialize, Serialize};

/// Version of this protocol; an adapter reports the version it speaks in [`EngineInfo`].
pub const PROTOCOL_VERSION: u32 = 2;

/// Harness-chosen handle of a compiled module inside one adapter process.
pub type ModuleId = u32;
/// Harness-chosen handle of an instance inside one adapter process.
pub type InstanceId = u32;

/// One request from the harness. Serialized as `{"op": "<kebab-case name>", ...fields}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "kebab-case", deny_unknown_fields)]
pub enum Request {
    /// Who are you? Answered with [`Reply::Hello`].
    Hello,
    /// Create a fresh engine and store with these settings, dropping all earlier
    /// modules, instances and registrations. Answered with [`Reply::Done`], or an
    /// `unsupported` failure naming what this engine cannot enable.
    Configure(EngineConfig),
    /// Compile (decode and validate) `bytes` and keep the result as `module`.
    Compile {
        /// Handle for the compiled module.
        module: ModuleId,
        /// The module's binary encoding.
        bytes: Bytes,
    },
    /// Instantiate `module` as `instance`, resolving imports from the instances
    /// registered so far (and the built-in `spectest` module).
    Instantiate {
        /// A module compiled or deserialized earlier.
        module: ModuleId,
        /// Handle for the new instance.
        instance: InstanceId,
    },
    /// Make the exports of `instance` importable under the module name `name`.
    Register {
        /// The instance whose exports become importable.
        instance: InstanceId,
        /// The import module name.
        name: String,
    },
    /// Call the exported function `export` of `instance`. Answered with [`Reply::Values`].
    Invoke {
        /// The instance to call into.
        instance: InstanceId,
        /// Export name of the function.
        export: String,
        /// Arguments, in order.
        args: Vec<Value>,
    },
    /// Read the exported global `export` of `instance`. Answered with [`Reply::Values`]
    /// holding exactly one value.
    GetGlobal {
        /// The instance that exports the global.
        instance: InstanceId,
        /// Export name of the global.
        export: String,
    },
    /// Serialize a compiled module into the engine's artifact format. Answered with
    /// [`Reply::Bytes`]; engines without serialization answer `unsupported`.
    Serialize {
        /// The module to serialize.
        module: ModuleId,
    },
    /// Load an artifact produced by [`Request::Serialize`] (possibly by another
    /// engine version, possibly corrupt) as `module`.
    Deserialize {
        /// Handle for the loaded module.
        module: ModuleId,
        /// The artifact bytes.
        bytes: Bytes,
        /// The engine's loading path; absent is [`LoadPath::Bytes`].
        #[serde(default, skip_serializing_if = "Option::is_none")]
        via: Option<LoadPath>,
    },
    /// Load the artifact stored in the file at `path` (as written by the harness
    /// from an earlier [`Request::Serialize`]) as `module`.
    DeserializeFile {
        /// Handle for the loaded module.
        module: ModuleId,
        /// Absolute path of the artifact file.
        path: String,
        /// The engine's loading path; absent is [`LoadPath::File`].
        #[serde(default, skip_serializing_if = "Option::is_none")]
        via: Option<LoadPath>,
    },
    /// Define a host function importable as `module`::`name` by later
    /// instantiations (it survives [`Request::DropStore`]). Every call is recorded
    /// and can be read back with [`Request::HostCalls`].
    DefineHost(HostFunc),
    /// The arguments of every call made so far to the host function `module`::`name`.
    /// Answered with [`Reply::Calls`].
    HostCalls {
        /// Import module name of the host function.
        module: String,
        /// Import field name of the host function.
        name: String,
    },
    /// Install `limits` on the current store (and on the stores later made by
    /// [`Request::DropStore`]). Applies to growth and instantiation from now on.
    SetLimits(StoreLimits),
    /// Grow the exported memory `export` of `instance` from the host by `delta`
    /// pages. Answered with [`Reply::Pages`] holding the previous size.
    GrowMemory {
        /// The instance that exports the memory.
        instance: InstanceId,
        /// Export name of the memory.
        export: String,
        /// Number of pages to add.
        delta: u64,
    },
    /// Current size, in pages, of the exported memory `export`. Answered with [`Reply::Pages`].
    MemorySize {
        /// The instance that exports the memory.
        instance: InstanceId,
        /// Export name of the memory.
        export: String,
    },
    /// Forget `instance` (the adapter drops every handle to it it holds).
    DropInstance {
        /// The instance to forget.
        instance: InstanceId,
    },
    /// Forget `module`.
    DropModule {
        /// The module to forget.
        module: ModuleId,
    },
    /// Drop the store with all its instances and registrations and start a new,
    /// empty one with the same configuration. Compiled modules are kept.
    DropStore,
    /// Report this process's memory use. Answered with [`Reply::Memory`].
    MemoryUsage,
    /// Run a full collection of the host's garbage collector (a JavaScript or
    /// Go host), so memory only garbage holds is returned. Answered with
    /// [`Reply::Done`]; sent only to adapters announcing [`Capability::Collect`]
    /// (for the others there is nothing to collect).
    Collect,
    /// Close `instance` the way the engine's API closes a running module,
    /// with `exit_code` when given (wazero `CloseWithExitCode`); calls on it
    /// afterwards answer what the engine says (an [`FailureKind::Exit`] with
    /// the code, typically). Sent only to adapters announcing
    /// [`Capability::CloseInstance`].
    CloseInstance {
        /// The instance to close (possibly one whose instantiation failed but
        /// whose API still handed back a value, see [`Request::Instantiate`]).
        instance: InstanceId,
        /// The exit code to close with; absent: the API's plain close.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        exit_code: Option<u32>,
    },
    /// Satisfy every import of `module` that nothing registered or defined
    /// provides, by the linker's own means: functions that trap when called,
    /// or default values (zero, null) for every kind of import (wasmtime
    /// `Linker::define_unknown_imports_as_traps` /
    /// `define_unknown_imports_as_default_values`). Applies to the next
    /// instantiations of `module`. Sent only to adapters announcing
    /// [`Capability::UnknownImports`].
    DefineUnknownImports {
        /// The module whose unknown imports get definitions.
        module: ModuleId,
        /// What the definitions are.
        #[serde(rename = "as")]
        fill: UnknownImports,
    },
    /// From now on resolve the import module name `name` through the
    /// engine's resolver callback (consulted by name at instantiation,
    /// instead of a registration), answering with the exports of `instance`
    /// (wazero `experimental.WithImportResolver`, a JavaScript import object
    /// that looks names up on demand). Sent only to adapters announcing
    /// [`Capability::ImportResolver`].
    ResolveImports {
        /// The import module name the resolver answers.
        name: String,
        /// The instance whose exports it answers with.
        instance: InstanceId,
    },
}

/// How [`Request::DefineUnknownImports`] fills imports nothing provides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum UnknownImports {
    /// Functions that trap when called.
    Traps,
    /// Default values: functions returning zeros, zero globals, memories
    /// and tables at their minimum size.
    Defaults,
}

/// Settings of one engine + store, sent with [`Request::Configure`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EngineConfig {
    /// Proposals to enable on top of the engine's defaults, by the names of the
    /// spec repository's `proposals/` folders (`memory64`, `gc`, `threads`, ...).
    #[serde(default)]
    pub features: Vec<String>,
    /// Resource limits the store enforces.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limits: Option<StoreLimits>,
    /// A directory the engine may use as its on-disk compilation cache.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_dir: Option<String>,
    /// The engine settings the adapter process was started with
    /// (`--setting KEY=VALUE`, see [`Settings`]); never sent on the wire,
    /// filled in by [`serve`] for every configuration.
    #[serde(skip)]
    pub settings: Settings,
}

/// Engine settings of one configuration (compiler, allocator, guard sizes,
/// ...), by the names an adapter documents. An adapter is started with them
/// as `--setting KEY=VALUE` arguments and keeps them for its whole life; its
/// `hello` repeats them in [`EngineInfo::settings`], or is answered
/// `unsupported` naming one it cannot honour.
pub type Settings = BTreeMap<String, String>;

/// One of an engine's ways to load a compiled artifact: they differ in the
/// checks they make and in who owns the memory. An adapter maps each to its
/// engine's API (see `adapters/README.md`) and answers `unsupported` for one
/// its version lacks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum LoadPath {
    /// From bytes, copied, with the engine's checks (wasmtime
    /// `Module::deserialize`, wasmer `Module::deserialize`).
    Bytes,
    /// From bytes, without the engine's checks (wasmer `deserialize_unchecked`).
    BytesUnchecked,
    /// From bytes the embedder keeps owning and unchanged, without a copy
    /// (wasmtime `Module::deserialize_raw`).
    BytesRaw,
    /// From a file, mapped (wasmtime `deserialize_file`, wasmer
    /// `deserialize_from_file`).
    File,
    /// From a file the embedder opened (wasmtime `deserialize_open_file`).
    OpenFile,
    /// From a file, without the engine's checks (wasmer
    /// `deserialize_from_file_unchecked`).
    FileUnchecked,
}

impl LoadPath {
    /// Every path: those that check the artifact first, the unchecked ones
    /// last (an unchecked load of a corrupt artifact may crash the engine,
    /// which ends a case's run; `(via every)` takes them in this order).
    pub const ALL: [LoadPath; 6] = [
        LoadPath::Bytes,
        LoadPath::BytesRaw,
        LoadPath::File,
        LoadPath::OpenFile,
        LoadPath::BytesUnchecked,
        LoadPath::FileUnchecked,
    ];

    /// Whether the path is its request's default (`bytes` for
    /// [`Request::Deserialize`], `file` for [`Request::DeserializeFile`]),
    /// which goes unnamed on the wire.
    pub fn is_default(self) -> bool {
        matches!(self, LoadPath::Bytes | LoadPath::File)
    }

    /// Whether the path loads from a file ([`Request::DeserializeFile`]).
    pub fn from_file(self) -> bool {
        matches!(
            self,
            LoadPath::File | LoadPath::OpenFile | LoadPath::FileUnchecked
        )
    }

    /// The name on the wire and in case files (`bytes-unchecked`).
    pub fn name(self) -> &'static str {
        match self {
            LoadPath::Bytes => "bytes",
            LoadPath::BytesUnchecked => "bytes-unchecked",
            LoadPath::BytesRaw => "bytes-raw",
            LoadPath::File => "file",
            LoadPath::OpenFile => "open-file",
            LoadPath::FileUnchecked => "file-unchecked",
        }
    }
}

impl std::fmt::Display for LoadPath {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// A host function defined by [`Request::DefineHost`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HostFunc {
    /// Import module name.
    pub module: String,
    /// Import field name.
    pub name: String,
    /// Parameter types.
    #[serde(default)]
    pub params: Vec<ValType>,
    /// Result types.
    #[serde(default)]
    pub results: Vec<ValType>,
    /// What a call returns, written into the result slots in order. Values whose
    /// type differs from the declared result, or fewer values than results, are
    /// handed to the engine as they are: how it reacts is the behaviour under test.
    /// Values beyond the declared results are dropped (an engine API has no slot
    /// for them).
    #[serde(default)]
    pub returns: Vec<Value>,
    /// When set, every call fails with this host error message instead.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trap: Option<String>,
    /// When set, every call answers a value computed from its arguments
    /// instead of `returns`, so what crosses the host boundary is checked
    /// both ways.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub computes: Option<Compute>,
}

/// What a host function defined with [`HostFunc::computes`] answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Compute {
    /// Its arguments, unchanged (results have the parameters' types; every
    /// bit, NaN payloads and references included, goes back).
    Echo,
    /// The sum of its arguments, of the one number type all parameters and
    /// the one result share: wrapping for integers, the host's IEEE addition
    /// for floats.
    Add,
    /// One `i64`: for each argument in order, `h = rotate_left(h, 7) ^ bits`,
    /// starting from 0, where `bits` is the argument's bit pattern
    /// zero-extended to 64 bits (number types only). A lost, swapped or
    /// altered bit of any argument changes it.
    Combine,
}

impl Compute {
    /// [`Compute::Combine`] of the argument bit patterns, in Rust, for
    /// adapters and tests.
    pub fn combine(bits: impl IntoIterator<Item = u64>) -> u64 {
        bits.into_iter().fold(0u64, |h, b| h.rotate_left(7) ^ b)
    }
}

/// Number types of host function signatures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ValType {
    /// 32-bit integer.
    I32,
    /// 64-bit integer.
    I64,
    /// 32-bit float.
    F32,
    /// 64-bit float.
    F64,
    /// Nullable reference to host data.
    Externref,
    /// Nullable reference to a function.
    Funcref,
}

/// Store limits; `None` means the engine's default (usually unlimited).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StoreLimits {
    /// Maximum bytes of any one linear memory.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory_bytes: Option<u64>,
    /// Maximum elements of any one table.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub table_elements: Option<u64>,
    /// Maximum number of instances in the store.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instances: Option<u64>,
    /// When true a denied growth traps instead of returning -1.
    #[serde(default)]
    pub trap_on_grow_failure: bool,
}

/// One response line: `{"ok": ...}` or `{"err": {"kind": ..., "message": ...}}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Response {
    /// The request succeeded.
    Ok(Reply),
    /// The request failed in a way the engine reported (not a crash: crashes are
    /// seen by the harness as a process that stopped answering).
    Err(Failure),
}

/// The payload of a successful response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Reply {
    /// Answer to [`Request::Hello`].
    Hello(EngineInfo),
    /// The request succeeded and has nothing to return.
    Done,
    /// Results of a call or a global read.
    Values(Vec<Value>),
    /// A serialized artifact.
    Bytes(Bytes),
    /// A memory size in pages (for growth: the size before growing).
    Pages(u64),
    /// Memory use of the adapter process.
    Memory(MemoryUsage),
    /// The recorded calls of a host function: each call's arguments, oldest first.
    Calls(Vec<Vec<Value>>),
}

/// What an adapter says about itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EngineInfo {
    /// Engine family name, e.g. `wasmtime`.
    pub engine: String,
    /// Exact engine version, e.g. `48.0.8`.
    pub version: String,
    /// The [`PROTOCOL_VERSION`] the adapter speaks.
    pub protocol: u32,
    /// Proposals this engine version can enable (see [`EngineConfig::features`]).
    pub features: Vec<String>,
    /// Optional requests this adapter implements.
    pub capabilities: Vec<Capability>,
    /// The runtime hosting the engine when that is not the engine itself,
    /// e.g. `v8 12.4.254.21-node.57` for Node; reported beside the version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    /// The engine settings the adapter runs under, as it was started with
    /// them (empty: the engine's defaults).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub settings: Settings,
}

/// An optional part of the protocol, announced in [`EngineInfo::capabilities`]
/// by an adapter that implements it; requests needing one an adapter did not
/// announce are answered `unsupported` ([`Request::capabilities`] says which).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Capability {
    /// [`Request::Serialize`].
    Serialize,
    /// [`Request::Deserialize`].
    Deserialize,
    /// [`Request::DeserializeFile`].
    DeserializeFile,
    /// [`EngineConfig::cache_dir`].
    CacheDir,
    /// [`Request::GrowMemory`].
    GrowMemory,
    /// [`Request::SetLimits`] and [`EngineConfig::limits`].
    StoreLimits,
    /// [`Request::MemoryUsage`].
    MemoryUsage,
    /// [`Request::DropStore`].
    DropStore,
    /// [`Request::DefineHost`] and [`Request::HostCalls`].
    HostFunctions,
    /// [`Request::Collect`]: the host has a garbage collector and the adapter
    /// runs it on request.
    Collect,
    /// [`Request::CloseInstance`].
    CloseInstance,
    /// [`Request::DefineUnknownImports`].
    UnknownImports,
    /// [`Request::ResolveImports`].
    ImportResolver,
}

impl Capability {
    /// Every capability, in the order `hello` lists them.
    pub const ALL: [Capability; 13] = [
        Capability::Serialize,
        Capability::Deserialize,
        Capability::DeserializeFile,
        Capability::CacheDir,
        Capability::GrowMemory,
        Capability::StoreLimits,
        Capability::MemoryUsage,
        Capability::DropStore,
        Capability::HostFunctions,
        Capability::Collect,
        Capability::CloseInstance,
        Capability::UnknownImports,
        Capability::ImportResolver,
    ];

    /// Its name on the wire, e.g. `deserialize-file`.
    pub fn name(self) -> &'static str {
        match self {
            Capability::Serialize => "serialize",
            Capability::Deserialize => "deserialize",
            Capability::DeserializeFile => "deserialize-file",
            Capability::CacheDir => "cache-dir",
            Capability::GrowMemory => "grow-memory",
            Capability::StoreLimits => "store-limits",
            Capability::MemoryUsage => "memory-usage",
            Capability::DropStore => "drop-store",
            Capability::HostFunctions => "host-functions",
            Capability::Collect => "collect",
            Capability::CloseInstance => "close-instance",
            Capability::UnknownImports => "unknown-imports",
            Capability::ImportResolver => "import-resolver",
        }
    }
}

impl std::fmt::Display for Capability {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl Request {
    /// The optional capabilities an adapter needs to answer this request (none
    /// for the requests every adapter answers).
    pub fn capabilities(&self) -> Vec<Capability> {
        match self {
            Request::Configure(config) => {
                let mut needed = Vec::new();
                if config.limits.is_some() {
                    needed.push(Capability::StoreLimits);
                }
                if config.cache_dir.is_some() {
                    needed.push(Capability::CacheDir);
                }
                needed
            }
            Request::Serialize { .. } => vec![Capability::Serialize],
            Request::Deserialize { .. } => vec![Capability::Deserialize],
            Request::DeserializeFile { .. } => vec![Capability::DeserializeFile],
            Request::DefineHost(_) | Request::HostCalls { .. } => vec![Capability::HostFunctions],
            Request::SetLimits(_) => vec![Capability::StoreLimits],
            Request::GrowMemory { .. } => vec![Capability::GrowMemory],
            Request::DropStore => vec![Capability::DropStore],
            Request::MemoryUsage => vec![Capability::MemoryUsage],
            Request::Collect => vec![Capability::Collect],
            Request::CloseInstance { .. } => vec![Capability::CloseInstance],
            Request::DefineUnknownImports { .. } => vec![Capability::UnknownImports],
            Request::ResolveImports { .. } => vec![Capability::ImportResolver],
            Request::Hello
            | Request::Compile { .. }
            | Request::Instantiate { .. }
            | Request::Register { .. }
            | Request::Invoke { .. }
            | Request::GetGlobal { .. }
            | Request::MemorySize { .. }
            | Request::DropInstance { .. }
            | Request::DropModule { .. } => Vec::new(),
        }
    }
}

/// Memory use of an adapter process, read from the operating system.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemoryUsage {
    /// Resident set size in bytes.
    pub rss_bytes: u64,
}

/// A failure reported by the engine: a kind to compare, a message to show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Failure {
    /// What kind of failure this is; the only part the harness compares.
    #[serde(flatten)]
    pub kind: FailureKind,
    /// The engine's own words, kept verbatim for reports.
    pub message: String,
}

impl Failure {
    /// A failure of `kind` with the engine's `message`.
    pub fn new(kind: FailureKind, message: impl Into<String>) -> Self {
        Failure {
            kind,
            message: message.into(),
        }
    }
}

/// The kinds of failure an engine can report.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum FailureKind {
    /// The module bytes could not be decoded.
    Malformed,
    /// The module decoded but failed validation.
    Invalid,
    /// The engine rejected the module at compile time without saying whether
    /// decoding or validation failed (most engines validate while decoding).
    Compile,
    /// Instantiation failed because an import is missing or has the wrong type.
    Unlinkable,
    /// Instantiation failed for another reason than a trap (e.g. a resource limit).
    Uninstantiable,
    /// Execution trapped.
    Trap {
        /// Which trap.
        trap: TrapKind,
    },
    /// A resource ran out: call stack exhausted, memory or table could not be allocated.
    Exhaustion,
    /// An uncaught WebAssembly exception left the call.
    Exception,
    /// The engine (or this adapter) does not support what was asked.
    Unsupported,
    /// A request named something that does not exist (unknown export, handle, ...).
    NotFound,
    /// A serialized artifact was refused on load.
    Rejected,
    /// The instance was closed (or its module exited) with this exit code
    /// (wazero's `sys.ExitError`).
    Exit {
        /// The exit code.
        code: u32,
    },
    /// Anything else; the message says what.
    Other,
}

/// Trap kinds, named after the reasons the spec interpreter gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TrapKind {
    /// `unreachable` executed.
    Unreachable,
    /// Out of bounds memory access.
    MemoryOutOfBounds,
    /// Misaligned atomic access.
    UnalignedAtomic,
    /// Out of bounds table access (including `call_indirect` past the table).
    TableOutOfBounds,
    /// `call_indirect` to an uninitialized (null) element.
    IndirectCallToNull,
    /// `call_indirect` type mismatch.
    BadSignature,
    /// Integer overflow (e.g. `i32.div_s` of MIN by -1).
    IntegerOverflow,
    /// Integer division or remainder by zero.
    IntegerDivisionByZero,
    /// Float to integer conversion of NaN or out of range.
    BadConversionToInteger,
    /// Null reference dereferenced.
    NullReference,
    /// Array access out of bounds (GC).
    ArrayOutOfBounds,
    /// Cast failure (GC).
    CastFailure,
    /// Allocation too large (GC).
    AllocationTooLarge,
    /// `memory.atomic.wait` on unshared memory.
    AtomicWaitNonSharedMemory,
    /// Fuel ran out.
    OutOfFuel,
    /// Execution was interrupted (epoch / timeout).
    Interrupt,
    /// A host function returned an error.
    HostError,
    /// One of [`TrapKind::IndirectCallToNull`] and [`TrapKind::BadSignature`],
    /// from an engine that reports both alike (V8: "null function or
    /// function signature mismatch").
    IndirectCallToNullOrBadSignature,
    /// One of [`TrapKind::IntegerOverflow`] and
    /// [`TrapKind::BadConversionToInteger`] from a float-to-integer
    /// truncation, from an engine that reports both alike (V8: "float
    /// unrepresentable in integer range").
    IntegerOverflowOrBadConversion,
    /// A trap the adapter could not classify; the message says which.
    Other,
}

impl TrapKind {
    /// Whether a report of `self` is a report of `expected`: the same kind,
    /// or a kind an engine reports without telling it apart from another
    /// that includes `expected`. Never guesses past what the engine said.
    pub fn covers(self, expected: TrapKind) -> bool {
        use TrapKind as T;
        self == expected
            || matches!(
                (self, expected),
                (
                    T::IndirectCallToNullOrBadSignature,
                    T::IndirectCallToNull | T::BadSignature
                ) | (
                    T::IntegerOverflowOrBadConversion,
                    T::IntegerOverflow | T::BadConversionToInteger
                )
            )
    }
}

/// A WebAssembly value as an exact bit pattern.
///
/// Serialized externally tagged with hexadecimal bits, e.g. `{"f32":"0x7fc00001"}`,
/// `{"v128":"0x000000010000000200000003ffffffff"}`, `{"ref":{"heap":"func","null":true}}`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Value {
    /// i32, as its bits.
    I32(#[serde(with = "hex32")] u32),
    /// i64, as its bits.
    I64(#[serde(with = "hex64")] u64),
    /// f32, as its IEEE-754 bits.
    F32(#[serde(with = "hex32")] u32),
    /// f64, as its IEEE-754 bits.
    F64(#[serde(with = "hex64")] u64),
    /// v128, as a little-endian 128-bit integer (lane 0 in the low bits).
    V128(#[serde(with = "hex128")] u128),
    /// A reference.
    Ref(RefValue),
}

/// A reference value: its heap type and whether it is null, plus the host value
/// of `ref.extern N` / `ref.host N` references.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct RefValue {
    /// Abstract heap type: `func`, `extern`, `any`, `eq`, `i31`, `struct`, `array`,
    /// `exn`, `none`, `nofunc`, `noextern`, `noexn`.
    pub heap: String,
    /// True for a null reference.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub null: bool,
    /// The host payload of an `extern` (or host-made `any`) reference.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<u32>,
}

impl RefValue {
    /// A null reference of `heap` type.
    pub fn null(heap: &str) -> Self {
        RefValue {
            heap: heap.to_string(),
            null: true,
            host: None,
        }
    }

    /// A non-null reference of `heap` type without a host payload.
    pub fn non_null(heap: &str) -> Self {
        RefValue {
            heap: heap.to_string(),
            null: false,
            host: None,
        }
    }

    /// A non-null host reference carrying `host`.
    pub fn host(heap: &str, host: u32) -> Self {
        RefValue {
            heap: heap.to_string(),
            null: false,
            host: Some(host),
        }
    }
}

/// Binary data, base64-encoded on the wire.
#[derive(Clone, PartialEq, Eq, Hash, Default)]
pub struct Bytes(pub Vec<u8>);

impl std::fmt::Debug for Bytes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Bytes({} bytes)", self.0.len())
    }
}

impl Serialize for Bytes {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&base64::engine::general_purpose::STANDARD.encode(&self.0))
    }
}

impl<'de> Deserialize<'de> for Bytes {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        base64::engine::general_purpose::STANDARD
            .decode(text.as_bytes())
            .map(Bytes)
            .map_err(serde::de::Error::custom)
    }
}

macro_rules! hex_module {
    ($name:ident, $ty:ty, $width:expr) => {
        mod $name {
            use serde::{Deserialize, Deserializer, Serializer};

            pub fn serialize<S: Serializer>(v: &$ty, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&format!("0x{:0width$x}", v, width = $width))
            }

            pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<$ty, D::Error> {
                let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
                let digits = text.strip_prefix("0x").ok_or_else(|| {
                    serde::de::Error::custom(format!("expected 0x-prefixed hex bits, got {text:?}"))
                })?;
                <$ty>::from_str_radix(digits, 16).map_err(serde::de::Error::custom)
            }
        }
    };
}
hex_module!(hex32, u32, 8);
hex_module!(hex64, u64, 16);
hex_module!(hex128, u128, 32);

/// Encode one message as a single line (without the trailing newline).
pub fn to_line<T: Serialize>(message: &T) -> String {
    serde_json::to_string(message).expect("protocol messages always serialize")
}

/// Decode one line into a message.
pub fn from_line<'a, T: Deserialize<'a>>(line: &'a str) -> Result<T, serde_json::Error> {
    serde_json::from_str(line)
}

/// The memory use of the calling process, from `/proc/self/statm` where there is one.
pub fn current_memory_usage() -> Option<MemoryUsage> {
    statm_usage("/proc/self/statm")
}

/// The memory use of process `pid`, from `/proc/PID/statm` where there is one.
pub fn memory_usage_of(pid: u32) -> Option<MemoryUsage> {
    statm_usage(&format!("/proc/{pid}/statm"))
}

fn statm_usage(path: &str) -> Option<MemoryUsage> {
    let statm = std::fs::read_to_string(path).ok()?;
    let resident_pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    Some(MemoryUsage {
        rss_bytes: resident_pages * 4096,
    })
}

/// The calls made to an adapter's host functions ([`Request::DefineHost`]),
/// shared between the functions (which record) and the adapter (which answers
/// [`Request::HostCalls`]); cloning shares the same log.
#[derive(Debug, Clone, Default)]
pub struct HostCallLog(
    std::sync::Arc<std::sync::Mutex<std::collections::HashMap<(String, String), Vec<Vec<Value>>>>>,
);

impl HostCallLog {
    /// Record a call of `module`::`name` with `args`.
    pub fn record(&self, module: &str, name: &str, args: Vec<Value>) {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry((module.to_string(), name.to_string()))
            .or_default()
            .push(args);
    }

    /// Every call of `module`::`name` so far, oldest first.
    pub fn calls(&self, module: &str, name: &str) -> Vec<Vec<Value>> {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&(module.to_string(), name.to_string()))
            .cloned()
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_round_trip_exact_bits() {
        let values = vec![
            Value::F32(0x7fc0_0001),
            Value::F64(0xfff8_0000_0000_0001),
            Value::V128(0x0001_0203_0405_0607_0809_0a0b_0c0d_0e0f),
            Value::I64(u64::MAX),
            Value::Ref(RefValue::host("extern", 7)),
            Value::Ref(RefValue::null("func")),
        ];
        let line = to_line(&values);
        assert_eq!(from_line::<Vec<Value>>(&line).unwrap(), values);
        assert!(line.contains(r#"{"f32":"0x7fc00001"}"#), "{line}");
    }

    #[test]
    fn requests_and_failures_have_documented_shape() {
        let req = Request::Invoke {
            instance: 1,
            export: "f".into(),
            args: vec![Value::I32(42)],
        };
        assert_eq!(
            to_line(&req),
            r#"{"op":"invoke","instance":1,"export":"f","args":[{"i32":"0x0000002a"}]}"#
        );
        let resp = Response::Err(Failure::new(
            FailureKind::Trap {
                trap: TrapKind::IntegerDivisionByZero,
            },
            "wasm trap: integer divide by zero",
        ));
        assert_eq!(
            to_line(&resp),
            r#"{"err":{"kind":"trap","trap":"integer-division-by-zero","message":"wasm trap: integer divide by zero"}}"#
        );
        assert_eq!(from_line::<Response>(&to_line(&resp)).unwrap(), resp);
        let hello = to_line(&Request::Hello);
        assert_eq!(hello, r#"{"op":"hello"}"#);
        let bytes = Request::Compile {
            module: 0,
            bytes: Bytes(b"\0asm".to_vec()),
        };
        assert_eq!(from_line::<Request>(&to_line(&bytes)).unwrap(), bytes);
    }

    #[test]
    fn capabilities_travel_as_their_kebab_case_names() {
        for capability in Capability::ALL {
            let line = to_line(&capability);
            assert_eq!(line, format!("\"{}\"", capability.name()));
            assert_eq!(from_line::<Capability>(&line).unwrap(), capability);
        }
        let mut sorted = Capability::ALL;
        sorted.sort();
        assert_eq!(sorted, Capability::ALL, "ALL is in declaration order");
        assert!(from_line::<Capability>(r#""teleport""#).is_err());
    }

    #[test]
    fn a_merged_trap_kind_covers_exactly_its_two_kinds() {
        use TrapKind as T;
        let merged = T::IndirectCallToNullOrBadSignature;
        assert!(merged.covers(T::IndirectCallToNull));
        assert!(merged.covers(T::BadSignature));
        assert!(!merged.covers(T::TableOutOfBounds));
        assert!(!T::IndirectCallToNull.covers(merged));
        assert!(!T::IndirectCallToNull.covers(T::BadSignature));
        assert!(T::IntegerOverflowOrBadConversion.covers(T::BadConversionToInteger));
        assert!(!T::IntegerOverflowOrBadConversion.covers(T::IntegerDivisionByZero));
        assert!(!T::Other.covers(T::Unreachable));
        assert_eq!(
            to_line(&merged),
            "\"indirect-call-to-null-or-bad-signature\""
        );
    }

    #[test]
    fn unknown_fields_and_bad_bits_are_errors() {
        assert!(from_line::<Request>(r#"{"op":"frobnicate"}"#).is_err());
        assert!(from_line::<Request>(r#"{"op":"compile","module":0}"#).is_err());
        assert!(from_line::<Value>(r#"{"i32":"2a"}"#).is_err());
        assert!(from_line::<Value>(r#"{"i32":"0x1ffffffff"}"#).is_err());
    }
}
