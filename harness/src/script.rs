//! Case scripts: the standard wast directives plus wasm-compat's behaviour
//! directives (`serialize`, `repeat`, `host_func`, ...), parsed with the `wast`
//! crate's parser so that both kinds sit side by side in one file.
//!
//! Every directive is documented, with an example, in `cases/README.wast`.
//! Parsing only builds the [`Script`]; running it is the job of the
//! interpreter (`interp`), a layer above this one.

use wast::kw;
use wast::parser::{Parse, Parser, Result};
use wast::token::{Id, Span};
use wast::{WastArg, WastDirective};

use wasm_compat_protocol::{
    Compute, HostFunc, LoadPath, StoreLimits, UnknownImports, ValType, Value,
};

/// The behaviour directives' keywords.
mod bkw {
    wast::custom_keyword!(serialize);
    wast::custom_keyword!(deserialize);
    wast::custom_keyword!(deserialize_file);
    wast::custom_keyword!(via);
    wast::custom_keyword!(artifact);
    wast::custom_keyword!(truncated);
    wast::custom_keyword!(bit_flipped);
    wast::custom_keyword!(empty);
    wast::custom_keyword!(module_bytes);
    wast::custom_keyword!(module_file);
    wast::custom_keyword!(bytes);
    wast::custom_keyword!(compilation_cache);
    wast::custom_keyword!(cache_entries);
    wast::custom_keyword!(drop_instance);
    wast::custom_keyword!(drop_module);
    wast::custom_keyword!(drop_store);
    wast::custom_keyword!(collect);
    wast::custom_keyword!(repeat);
    wast::custom_keyword!(on);
    wast::custom_keyword!(second);
    wast::custom_keyword!(store_limits);
    wast::custom_keyword!(memory_bytes);
    wast::custom_keyword!(table_elements);
    wast::custom_keyword!(instances);
    wast::custom_keyword!(trap_on_grow_failure);
    wast::custom_keyword!(grow_memory);
    wast::custom_keyword!(memory_size);
    wast::custom_keyword!(host_func);
    wast::custom_keyword!(returns);
    wast::custom_keyword!(trap);
    wast::custom_keyword!(host_calls);
    wast::custom_keyword!(memory_usage);
    wast::custom_keyword!(assert_memory_growth);
    wast::custom_keyword!(collector_timed);
    wast::custom_keyword!(at_most);
    wast::custom_keyword!(at_least);
    wast::custom_keyword!(timed);
    wast::custom_keyword!(assert_slowdown);
    wast::custom_keyword!(assert_rejected);
    wast::custom_keyword!(observe);
    wast::custom_keyword!(configure);
    wast::custom_keyword!(features);
    wast::custom_keyword!(kib);
    wast::custom_keyword!(mib);
    wast::custom_keyword!(gib);
    wast::custom_keyword!(computes);
    wast::custom_keyword!(echo);
    wast::custom_keyword!(add);
    wast::custom_keyword!(combine);
    wast::custom_keyword!(close_instance);
    wast::custom_keyword!(exit_code);
    wast::custom_keyword!(define_unknown_imports);
    wast::custom_keyword!(traps);
    wast::custom_keyword!(defaults);
    wast::custom_keyword!(resolve_imports);
    wast::custom_keyword!(instantiate_keeping);
}

/// A parsed case: its items in order.
pub struct Script<'a> {
    /// Top-level items.
    pub items: Vec<Item<'a>>,
}

/// One directive of a case.
pub enum Item<'a> {
    /// A standard wast directive.
    Wast(WastDirective<'a>),
    /// A wasm-compat behaviour directive.
    Behaviour(Behaviour<'a>),
}

impl Item<'_> {
    /// Where the directive starts.
    pub fn span(&self) -> Span {
        match self {
            Item::Wast(d) => d.span(),
            Item::Behaviour(b) => b.span,
        }
    }
}

/// A behaviour directive and where it is.
pub struct Behaviour<'a> {
    /// The opening keyword's position.
    pub span: Span,
    /// What it does.
    pub kind: BehaviourKind<'a>,
}

/// Where the bytes of a named artifact come from.
pub enum ArtifactSource<'a> {
    /// The first half of another artifact.
    Truncated(String),
    /// Another artifact with bit 0 of the byte at this offset flipped (negative:
    /// from the end).
    BitFlipped(String, i64),
    /// No bytes at all.
    Empty,
    /// The WebAssembly binary of a module (not an artifact).
    ModuleBytes(Option<Id<'a>>),
    /// Literal bytes.
    Bytes(Vec<u8>),
}

/// A bound on a measured quantity.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Bound {
    /// The quantity must be at most this.
    AtMost(i64),
    /// The quantity must be at least this.
    AtLeast(i64),
}

/// The behaviour directives.
pub enum BehaviourKind<'a> {
    /// `(module_file $m "plugin.wasm")`: compile and instantiate the binary
    /// module in that file (relative to the case's folder), like
    /// `(module $m binary ...)` with the file's bytes.
    ModuleFile {
        /// Name of the instance.
        module: Option<Id<'a>>,
        /// The file, relative to the case's folder.
        file: String,
    },
    /// `(serialize $m "name")`: serialize module `$m` into the artifact `name`.
    Serialize {
        /// The module (a definition, or the module of an instance).
        module: Option<Id<'a>>,
        /// The artifact's name.
        artifact: String,
    },
    /// `(deserialize $m "name")` / `(deserialize_file $m "name")`: load an
    /// artifact from its bytes or from a file as module definition `$m`;
    /// `(via PATH)` after the name takes one of the engine's loading paths,
    /// `(via every)` each of them in turn.
    Deserialize {
        /// Name of the loaded module definition.
        module: Option<Id<'a>>,
        /// The artifact's name.
        artifact: String,
        /// Which loading path (from a file the harness writes for a path of
        /// files): `deserialize` is `bytes`, `deserialize_file` is `file`
        /// unless `(via ...)` says otherwise.
        via: Via,
    },
    /// `(assert_rejected (deserialize ...))`: the load must be refused.
    AssertRejected {
        /// Name of the module definition the load would make.
        module: Option<Id<'a>>,
        /// The artifact's name.
        artifact: String,
        /// Which loading path.
        via: Via,
    },
    /// `(artifact "name" SOURCE)`: make an artifact on the harness side.
    Artifact {
        /// The new artifact's name.
        name: String,
        /// Its bytes' origin.
        source: ArtifactSource<'a>,
    },
    /// `(compilation_cache "dir")`: start a fresh engine using the case-local
    /// directory `dir` as its on-disk compilation cache.
    CompilationCache {
        /// Directory name inside the case's work folder.
        dir: String,
    },
    /// `(cache_entries "dir")`: how many cached modules `dir` holds.
    CacheEntries {
        /// Directory name inside the case's work folder.
        dir: String,
    },
    /// `(drop_instance $i)`.
    DropInstance(Option<Id<'a>>),
    /// `(drop_module $m)`.
    DropModule(Option<Id<'a>>),
    /// `(drop_store)`.
    DropStore,
    /// `(collect)`: run the host's garbage collector (nothing to do for an
    /// engine whose host has none).
    Collect,
    /// `(repeat N item...)`.
    Repeat {
        /// How many times.
        times: u32,
        /// What to repeat.
        items: Vec<Item<'a>>,
    },
    /// `(on second item...)`: in a cross-version case, run on the second engine.
    OnSecond(Vec<Item<'a>>),
    /// `(store_limits (memory_bytes N) ...)`.
    StoreLimits(StoreLimits),
    /// `(grow_memory $i "mem" N)`: grow from the host.
    GrowMemory {
        /// The instance.
        instance: Option<Id<'a>>,
        /// Export name of the memory.
        memory: String,
        /// Pages to add.
        delta: u64,
    },
    /// `(memory_size $i "mem")`.
    MemorySize {
        /// The instance.
        instance: Option<Id<'a>>,
        /// Export name of the memory.
        memory: String,
    },
    /// `(host_func "mod" "name" (param ..) (result ..) (returns ..) | (trap "msg")
    /// | (computes echo|add|combine))`.
    HostFunc(HostFunc),
    /// `(instantiate_keeping $i $m)`: instantiate `$m` as `$i` and keep the
    /// name whether it succeeds or fails, so later directives reach whatever
    /// the engine's API handed back on failure.
    InstantiateKeeping {
        /// Name of the instance.
        instance: Option<Id<'a>>,
        /// The module definition.
        module: Option<Id<'a>>,
    },
    /// `(close_instance $i [(exit_code N)])`.
    CloseInstance {
        /// The instance.
        instance: Option<Id<'a>>,
        /// The exit code to close with.
        exit_code: Option<u32>,
    },
    /// `(define_unknown_imports $m traps|defaults)`.
    DefineUnknownImports {
        /// The module definition.
        module: Option<Id<'a>>,
        /// What fills the imports nothing provides.
        fill: UnknownImports,
    },
    /// `(resolve_imports "name" $i)`: resolve the import module `name` through
    /// the engine's resolver callback, answering with `$i`'s exports.
    ResolveImports {
        /// Import module name.
        name: String,
        /// The instance answering it.
        instance: Option<Id<'a>>,
    },
    /// `(host_calls "mod" "name")`: the calls a host function received.
    HostCalls {
        /// Import module name.
        module: String,
        /// Import field name.
        name: String,
    },
    /// `(memory_usage "label")`: measure the adapter's resident memory.
    MemoryUsage(String),
    /// `(assert_memory_growth "from" "to" (at_most N mib) [(collector_timed)])`.
    AssertMemoryGrowth {
        /// Label of the earlier measurement.
        from: String,
        /// Label of the later measurement.
        to: String,
        /// Bound on `to - from`, in bytes.
        bound: Bound,
        /// `(collector_timed)`: in a host with a garbage collector the figure
        /// depends on when that collector ran by itself, so there it is
        /// recorded as not guaranteed instead of checked.
        collector_timed: bool,
    },
    /// `(observe item...)`: run standard directives recording whatever they do
    /// (pinned by the snapshot) instead of judging it.
    Observe(Vec<Item<'a>>),
    /// `(configure (features "name"...))`: start a fresh engine with these
    /// proposals on top of the case's.
    Configure(Vec<crate::proposal::Proposal>),
    /// `(timed "label" item...)`: run the items and keep their wall time.
    Timed {
        /// Label of the timing.
        label: String,
        /// What to time.
        items: Vec<Item<'a>>,
    },
    /// `(assert_slowdown "first" "later" (at_most N))`: `later` took at most N
    /// times as long as `first`.
    AssertSlowdown {
        /// Label of the earlier timing.
        first: String,
        /// Label of the later timing.
        later: String,
        /// Largest allowed ratio.
        at_most: u32,
    },
}

/// Which of an engine's ways to load an artifact a `(deserialize ...)` takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    /// One path: `bytes` for `deserialize`, `file` for `deserialize_file`,
    /// or the one `(via PATH)` names, e.g. `bytes-unchecked`.
    One(LoadPath),
    /// `(via every)`: every path of both kinds, one record each; what an
    /// engine version lacks is `unsupported` there.
    Every,
}

impl Via {
    /// The record name of a load through `path` (under `(via every)`),
    /// `rejected` for `assert_rejected`.
    pub fn record_name(rejected: bool, path: LoadPath) -> &'static str {
        match (rejected, path) {
            (false, LoadPath::Bytes) => "deserialize via bytes",
            (false, LoadPath::BytesUnchecked) => "deserialize via bytes-unchecked",
            (false, LoadPath::BytesRaw) => "deserialize via bytes-raw",
            (false, LoadPath::File) => "deserialize via file",
            (false, LoadPath::OpenFile) => "deserialize via open-file",
            (false, LoadPath::FileUnchecked) => "deserialize via file-unchecked",
            (true, LoadPath::Bytes) => "assert_rejected via bytes",
            (true, LoadPath::BytesUnchecked) => "assert_rejected via bytes-unchecked",
            (true, LoadPath::BytesRaw) => "assert_rejected via bytes-raw",
            (true, LoadPath::File) => "assert_rejected via file",
            (true, LoadPath::OpenFile) => "assert_rejected via open-file",
            (true, LoadPath::FileUnchecked) => "assert_rejected via file-unchecked",
        }
    }
}

impl<'a> BehaviourKind<'a> {
    /// The items of a block (`repeat`, `on second`, `observe`, `timed`): the
    /// one list of which directives hold others.
    pub fn block(&self) -> Option<&[Item<'a>]> {
        match self {
            BehaviourKind::Repeat { items, .. }
            | BehaviourKind::OnSecond(items)
            | BehaviourKind::Observe(items)
            | BehaviourKind::Timed { items, .. } => Some(items),
            _ => None,
        }
    }

    /// The directive's keyword.
    pub fn keyword(&self) -> &'static str {
        match self {
            BehaviourKind::ModuleFile { .. } => "module_file",
            BehaviourKind::Serialize { .. } => "serialize",
            BehaviourKind::Deserialize {
                via: Via::One(path),
                ..
            } if path.from_file() => "deserialize_file",
            BehaviourKind::Deserialize { .. } => "deserialize",
            BehaviourKind::AssertRejected { .. } => "assert_rejected",
            BehaviourKind::Artifact { .. } => "artifact",
            BehaviourKind::CompilationCache { .. } => "compilation_cache",
            BehaviourKind::CacheEntries { .. } => "cache_entries",
            BehaviourKind::DropInstance(_) => "drop_instance",
            BehaviourKind::DropModule(_) => "drop_module",
            BehaviourKind::DropStore => "drop_store",
            BehaviourKind::Collect => "collect",
            BehaviourKind::Repeat { .. } => "repeat",
            BehaviourKind::OnSecond(_) => "on second",
            BehaviourKind::StoreLimits(_) => "store_limits",
            BehaviourKind::GrowMemory { .. } => "grow_memory",
            BehaviourKind::MemorySize { .. } => "memory_size",
            BehaviourKind::HostFunc(_) => "host_func",
            BehaviourKind::InstantiateKeeping { .. } => "instantiate_keeping",
            BehaviourKind::CloseInstance { .. } => "close_instance",
            BehaviourKind::DefineUnknownImports { .. } => "define_unknown_imports",
            BehaviourKind::ResolveImports { .. } => "resolve_imports",
            BehaviourKind::HostCalls { .. } => "host_calls",
            BehaviourKind::MemoryUsage(_) => "memory_usage",
            BehaviourKind::AssertMemoryGrowth { .. } => "assert_memory_growth",
            BehaviourKind::Timed { .. } => "timed",
            BehaviourKind::Observe(_) => "observe",
            BehaviourKind::Configure(_) => "configure",
            BehaviourKind::AssertSlowdown { .. } => "assert_slowdown",
        }
    }
}

impl<'a> Parse<'a> for Script<'a> {
    fn parse(parser: Parser<'a>) -> Result<Self> {
        // The annotations the wast crate registers for its own `Wast` parser.
        let _custom = parser.register_annotation("custom");
        let _producers = parser.register_annotation("producers");
        let _name = parser.register_annotation("name");
        let _dylink = parser.register_annotation("dylink.0");
        let _hint = parser.register_annotation("metadata.code.branch_hint");
        let mut items = Vec::new();
        while !parser.is_empty() {
            items.push(parser.parens(parse_item)?);
        }
        Ok(Script { items })
    }
}

/// The items of a block (`repeat`, `on`, `timed`) up to its closing paren.
fn parse_items<'a>(parser: Parser<'a>) -> Result<Vec<Item<'a>>> {
    let mut items = Vec::new();
    while !parser.is_empty() {
        items.push(parser.parens(parse_item)?);
    }
    Ok(items)
}

fn string(parser: Parser<'_>) -> Result<String> {
    Ok(parser.parse::<&str>()?.to_string())
}

/// A byte count: an integer with an optional `kib` / `mib` / `gib` unit.
fn byte_count(parser: Parser<'_>) -> Result<i64> {
    let n: i64 = parser.parse()?;
    let unit = if parser.peek::<bkw::kib>()? {
        parser.parse::<bkw::kib>()?;
        1 << 10
    } else if parser.peek::<bkw::mib>()? {
        parser.parse::<bkw::mib>()?;
        1 << 20
    } else if parser.peek::<bkw::gib>()? {
        parser.parse::<bkw::gib>()?;
        1 << 30
    } else {
        1
    };
    n.checked_mul(unit)
        .ok_or_else(|| parser.error("byte count overflows"))
}

fn val_type(parser: Parser<'_>) -> Result<ValType> {
    let mut l = parser.lookahead1();
    if l.peek::<kw::i32>()? {
        parser.parse::<kw::i32>()?;
        Ok(ValType::I32)
    } else if l.peek::<kw::i64>()? {
        parser.parse::<kw::i64>()?;
        Ok(ValType::I64)
    } else if l.peek::<kw::f32>()? {
        parser.parse::<kw::f32>()?;
        Ok(ValType::F32)
    } else if l.peek::<kw::f64>()? {
        parser.parse::<kw::f64>()?;
        Ok(ValType::F64)
    } else if l.peek::<kw::externref>()? {
        parser.parse::<kw::externref>()?;
        Ok(ValType::Externref)
    } else if l.peek::<kw::funcref>()? {
        parser.parse::<kw::funcref>()?;
        Ok(ValType::Funcref)
    } else {
        Err(l.error())
    }
}

/// `echo`, `add` or `combine`.
fn compute(parser: Parser<'_>) -> Result<Compute> {
    let mut l = parser.lookahead1();
    if l.peek::<bkw::echo>()? {
        parser.parse::<bkw::echo>()?;
        Ok(Compute::Echo)
    } else if l.peek::<bkw::add>()? {
        parser.parse::<bkw::add>()?;
        Ok(Compute::Add)
    } else if l.peek::<bkw::combine>()? {
        parser.parse::<bkw::combine>()?;
        Ok(Compute::Combine)
    } else {
        Err(l.error())
    }
}

/// A `(i32.const 1)`-style value.
fn value(parser: Parser<'_>) -> Result<Value> {
    let span = parser.cur_span();
    let arg: WastArg<'_> = parser.parens(|p| p.parse())?;
    crate::expect::arg_value(&arg).map_err(|e| parser.error_at(span, e))
}

fn parse_host_func(parser: Parser<'_>) -> Result<HostFunc> {
    let module = string(parser)?;
    let name = string(parser)?;
    let mut host = HostFunc {
        module,
        name,
        params: Vec::new(),
        results: Vec::new(),
        returns: Vec::new(),
        trap: None,
        computes: None,
    };
    while !parser.is_empty() {
        parser.parens(|p| {
            let mut l = p.lookahead1();
            if l.peek::<kw::param>()? {
                p.parse::<kw::param>()?;
                while !p.is_empty() {
                    host.params.push(val_type(p)?);
                }
            } else if l.peek::<kw::result>()? {
                p.parse::<kw::result>()?;
                while !p.is_empty() {
                    host.results.push(val_type(p)?);
                }
            } else if l.peek::<bkw::returns>()? {
                p.parse::<bkw::returns>()?;
                while !p.is_empty() {
                    host.returns.push(value(p)?);
                }
            } else if l.peek::<bkw::trap>()? {
                p.parse::<bkw::trap>()?;
                host.trap = Some(string(p)?);
            } else if l.peek::<bkw::computes>()? {
                p.parse::<bkw::computes>()?;
                host.computes = Some(compute(p)?);
            } else {
                return Err(l.error());
            }
            Ok(())
        })?;
    }
    if host.computes.is_some() && (host.trap.is_some() || !host.returns.is_empty()) {
        return Err(parser.error("a host function `computes` its answer, or `returns` values, or traps: one of the three"));
    }
    Ok(host)
}

fn parse_limits(parser: Parser<'_>) -> Result<StoreLimits> {
    let mut limits = StoreLimits::default();
    while !parser.is_empty() {
        parser.parens(|p| {
            let mut l = p.lookahead1();
            if l.peek::<bkw::memory_bytes>()? {
                p.parse::<bkw::memory_bytes>()?;
                limits.memory_bytes = Some(non_negative(p)?);
            } else if l.peek::<bkw::table_elements>()? {
                p.parse::<bkw::table_elements>()?;
                limits.table_elements = Some(p.parse()?);
            } else if l.peek::<bkw::instances>()? {
                p.parse::<bkw::instances>()?;
                limits.instances = Some(p.parse()?);
            } else if l.peek::<bkw::trap_on_grow_failure>()? {
                p.parse::<bkw::trap_on_grow_failure>()?;
                limits.trap_on_grow_failure = true;
            } else {
                return Err(l.error());
            }
            Ok(())
        })?;
    }
    Ok(limits)
}

fn non_negative(parser: Parser<'_>) -> Result<u64> {
    let span = parser.cur_span();
    let n = byte_count(parser)?;
    u64::try_from(n).map_err(|_| parser.error_at(span, "expected a non-negative size"))
}

fn parse_artifact_source<'a>(parser: Parser<'a>) -> Result<ArtifactSource<'a>> {
    parser.parens(|p| {
        let mut l = p.lookahead1();
        if l.peek::<bkw::truncated>()? {
            p.parse::<bkw::truncated>()?;
            Ok(ArtifactSource::Truncated(string(p)?))
        } else if l.peek::<bkw::bit_flipped>()? {
            p.parse::<bkw::bit_flipped>()?;
            let from = string(p)?;
            Ok(ArtifactSource::BitFlipped(from, p.parse()?))
        } else if l.peek::<bkw::empty>()? {
            p.parse::<bkw::empty>()?;
            Ok(ArtifactSource::Empty)
        } else if l.peek::<bkw::module_bytes>()? {
            p.parse::<bkw::module_bytes>()?;
            Ok(ArtifactSource::ModuleBytes(p.parse()?))
        } else if l.peek::<bkw::bytes>()? {
            p.parse::<bkw::bytes>()?;
            let mut bytes = Vec::new();
            while !p.is_empty() {
                bytes.extend_from_slice(p.parse::<&[u8]>()?);
            }
            Ok(ArtifactSource::Bytes(bytes))
        } else {
            Err(l.error())
        }
    })
}

fn parse_bound(parser: Parser<'_>) -> Result<Bound> {
    parser.parens(|p| {
        let mut l = p.lookahead1();
        if l.peek::<bkw::at_most>()? {
            p.parse::<bkw::at_most>()?;
            Ok(Bound::AtMost(byte_count(p)?))
        } else if l.peek::<bkw::at_least>()? {
            p.parse::<bkw::at_least>()?;
            Ok(Bound::AtLeast(byte_count(p)?))
        } else {
            Err(l.error())
        }
    })
}

/// An optional `(collector_timed)` after a bound.
fn parse_collector_timed(parser: Parser<'_>) -> Result<bool> {
    if parser.is_empty() {
        return Ok(false);
    }
    parser.parens(|p| p.parse::<bkw::collector_timed>().map(|_| true))
}

/// One parenthesised item, without its parens.
fn parse_item<'a>(p: Parser<'a>) -> Result<Item<'a>> {
    let span = p.cur_span();
    let parsers = [
        parse_module_behaviour,
        parse_api_behaviour,
        parse_other_behaviour,
    ];
    for parse in parsers {
        if let Some(kind) = parse(p)? {
            return Ok(Item::Behaviour(Behaviour { span, kind }));
        }
    }
    Ok(Item::Wast(p.parse::<WastDirective<'a>>()?))
}

/// A directive of the embedder's API beyond wast (a failed instantiation's
/// handle, closing, unknown imports, a resolver), if the item is one.
fn parse_api_behaviour<'a>(p: Parser<'a>) -> Result<Option<BehaviourKind<'a>>> {
    let kind = if p.peek::<bkw::instantiate_keeping>()? {
        p.parse::<bkw::instantiate_keeping>()?;
        // Both names: the instance is used after a failure, by name.
        BehaviourKind::InstantiateKeeping {
            instance: Some(p.parse()?),
            module: Some(p.parse()?),
        }
    } else if p.peek::<bkw::close_instance>()? {
        p.parse::<bkw::close_instance>()?;
        let instance = p.parse()?;
        let exit_code = if p.is_empty() {
            None
        } else {
            Some(p.parens(|p| {
                p.parse::<bkw::exit_code>()?;
                p.parse()
            })?)
        };
        BehaviourKind::CloseInstance {
            instance,
            exit_code,
        }
    } else if p.peek::<bkw::define_unknown_imports>()? {
        p.parse::<bkw::define_unknown_imports>()?;
        let module = p.parse()?;
        let mut l = p.lookahead1();
        let fill = if l.peek::<bkw::traps>()? {
            p.parse::<bkw::traps>()?;
            UnknownImports::Traps
        } else if l.peek::<bkw::defaults>()? {
            p.parse::<bkw::defaults>()?;
            UnknownImports::Defaults
        } else {
            return Err(l.error());
        };
        BehaviourKind::DefineUnknownImports { module, fill }
    } else if p.peek::<bkw::resolve_imports>()? {
        p.parse::<bkw::resolve_imports>()?;
        BehaviourKind::ResolveImports {
            name: string(p)?,
            instance: p.parse()?,
        }
    } else {
        return Ok(None);
    };
    Ok(Some(kind))
}

/// A behaviour directive about modules, artifacts, caches and drops, if the
/// item is one.
fn parse_module_behaviour<'a>(p: Parser<'a>) -> Result<Option<BehaviourKind<'a>>> {
    let kind = if p.peek::<bkw::module_file>()? {
        p.parse::<bkw::module_file>()?;
        BehaviourKind::ModuleFile {
            module: p.parse()?,
            file: string(p)?,
        }
    } else if p.peek::<bkw::serialize>()? {
        p.parse::<bkw::serialize>()?;
        BehaviourKind::Serialize {
            module: p.parse()?,
            artifact: string(p)?,
        }
    } else if p.peek::<bkw::deserialize>()? || p.peek::<bkw::deserialize_file>()? {
        let (module, artifact, via) = parse_deserialize(p)?;
        BehaviourKind::Deserialize {
            module,
            artifact,
            via,
        }
    } else if p.peek::<bkw::assert_rejected>()? {
        p.parse::<bkw::assert_rejected>()?;
        let (module, artifact, via) = p.parens(parse_deserialize)?;
        BehaviourKind::AssertRejected {
            module,
            artifact,
            via,
        }
    } else if p.peek::<bkw::artifact>()? {
        p.parse::<bkw::artifact>()?;
        BehaviourKind::Artifact {
            name: string(p)?,
            source: parse_artifact_source(p)?,
        }
    } else if p.peek::<bkw::compilation_cache>()? {
        p.parse::<bkw::compilation_cache>()?;
        BehaviourKind::CompilationCache { dir: string(p)? }
    } else if p.peek::<bkw::cache_entries>()? {
        p.parse::<bkw::cache_entries>()?;
        BehaviourKind::CacheEntries { dir: string(p)? }
    } else if p.peek::<bkw::drop_instance>()? {
        p.parse::<bkw::drop_instance>()?;
        BehaviourKind::DropInstance(p.parse()?)
    } else if p.peek::<bkw::drop_module>()? {
        p.parse::<bkw::drop_module>()?;
        BehaviourKind::DropModule(p.parse()?)
    } else if p.peek::<bkw::drop_store>()? {
        p.parse::<bkw::drop_store>()?;
        BehaviourKind::DropStore
    } else if p.peek::<bkw::collect>()? {
        p.parse::<bkw::collect>()?;
        BehaviourKind::Collect
    } else {
        return Ok(None);
    };
    Ok(Some(kind))
}

/// Any other behaviour directive (blocks, limits, memory, host functions,
/// measurements), if the item is one.
fn parse_other_behaviour<'a>(p: Parser<'a>) -> Result<Option<BehaviourKind<'a>>> {
    let kind = if p.peek::<bkw::repeat>()? {
        p.parse::<bkw::repeat>()?;
        let times = p.parse()?;
        BehaviourKind::Repeat {
            times,
            items: parse_items(p)?,
        }
    } else if p.peek::<bkw::on>()? {
        p.parse::<bkw::on>()?;
        p.parse::<bkw::second>()?;
        BehaviourKind::OnSecond(parse_items(p)?)
    } else if p.peek::<bkw::store_limits>()? {
        p.parse::<bkw::store_limits>()?;
        BehaviourKind::StoreLimits(parse_limits(p)?)
    } else if p.peek::<bkw::grow_memory>()? {
        p.parse::<bkw::grow_memory>()?;
        BehaviourKind::GrowMemory {
            instance: p.parse()?,
            memory: string(p)?,
            delta: p.parse()?,
        }
    } else if p.peek::<bkw::memory_size>()? {
        p.parse::<bkw::memory_size>()?;
        BehaviourKind::MemorySize {
            instance: p.parse()?,
            memory: string(p)?,
        }
    } else if p.peek::<bkw::host_func>()? {
        p.parse::<bkw::host_func>()?;
        BehaviourKind::HostFunc(parse_host_func(p)?)
    } else if p.peek::<bkw::host_calls>()? {
        p.parse::<bkw::host_calls>()?;
        BehaviourKind::HostCalls {
            module: string(p)?,
            name: string(p)?,
        }
    } else if p.peek::<bkw::memory_usage>()? {
        p.parse::<bkw::memory_usage>()?;
        BehaviourKind::MemoryUsage(string(p)?)
    } else if p.peek::<bkw::assert_memory_growth>()? {
        p.parse::<bkw::assert_memory_growth>()?;
        BehaviourKind::AssertMemoryGrowth {
            from: string(p)?,
            to: string(p)?,
            bound: parse_bound(p)?,
            collector_timed: parse_collector_timed(p)?,
        }
    } else if p.peek::<bkw::observe>()? {
        p.parse::<bkw::observe>()?;
        BehaviourKind::Observe(parse_items(p)?)
    } else if p.peek::<bkw::configure>()? {
        p.parse::<bkw::configure>()?;
        let mut features = Vec::new();
        if !p.is_empty() {
            p.parens(|p| {
                p.parse::<bkw::features>()?;
                while !p.is_empty() {
                    let span = p.cur_span();
                    let name = string(p)?;
                    let proposal = name
                        .parse::<crate::proposal::Proposal>()
                        .map_err(|e| p.error_at(span, &e.to_string()))?;
                    features.push(proposal);
                }
                Ok(())
            })?;
        }
        BehaviourKind::Configure(features)
    } else if p.peek::<bkw::timed>()? {
        p.parse::<bkw::timed>()?;
        BehaviourKind::Timed {
            label: string(p)?,
            items: parse_items(p)?,
        }
    } else if p.peek::<bkw::assert_slowdown>()? {
        p.parse::<bkw::assert_slowdown>()?;
        let first = string(p)?;
        let later = string(p)?;
        let at_most = p.parens(|p| {
            p.parse::<bkw::at_most>()?;
            p.parse::<u32>()
        })?;
        BehaviourKind::AssertSlowdown {
            first,
            later,
            at_most,
        }
    } else {
        return Ok(None);
    };
    Ok(Some(kind))
}

type Load<'a> = (Option<Id<'a>>, String, Via);

fn parse_deserialize<'a>(p: Parser<'a>) -> Result<Load<'a>> {
    let from_file = if p.peek::<bkw::deserialize_file>()? {
        p.parse::<bkw::deserialize_file>()?;
        true
    } else {
        p.parse::<bkw::deserialize>()?;
        false
    };
    let (module, artifact) = (p.parse()?, string(p)?);
    let via = if p.is_empty() {
        Via::One(if from_file {
            LoadPath::File
        } else {
            LoadPath::Bytes
        })
    } else {
        p.parens(|p| {
            p.parse::<bkw::via>()?;
            let span = p.cur_span();
            let name = p.step(|c| {
                c.keyword()?
                    .ok_or_else(|| c.error("expected a load path after `via`"))
            })?;
            if name == "every" {
                return Ok(Via::Every);
            }
            let Some(path) = LoadPath::ALL.into_iter().find(|l| l.name() == name) else {
                let names: Vec<&str> = LoadPath::ALL.iter().map(|l| l.name()).collect();
                return Err(wast::Error::new(
                    span,
                    format!(
                        "unknown load path `{name}` (known: every, {})",
                        names.join(", ")
                    ),
                ));
            };
            if path.from_file() != from_file {
                return Err(wast::Error::new(
                    span,
                    format!(
                        "load path `{name}` goes with `{}`",
                        if path.from_file() {
                            "deserialize_file"
                        } else {
                            "deserialize"
                        }
                    ),
                ));
            }
            Ok(Via::One(path))
        })?
    };
    Ok((module, artifact, via))
}

/// Visit every standard directive, also those nested in blocks.
pub fn for_each_wast<'s, 'a>(items: &'s [Item<'a>], f: &mut impl FnMut(&'s WastDirective<'a>)) {
    for item in items {
        match item {
            Item::Wast(d) => f(d),
            Item::Behaviour(b) => {
                if let Some(items) = b.kind.block() {
                    for_each_wast(items, f)
                }
            }
        }
    }
}

/// Visit every behaviour directive, blocks and those nested in them.
pub fn for_each_behaviour<'s, 'a>(items: &'s [Item<'a>], f: &mut impl FnMut(&'s Behaviour<'a>)) {
    for item in items {
        if let Item::Behaviour(b) = item {
            f(b);
            if let Some(items) = b.kind.block() {
                for_each_behaviour(items, f)
            }
        }
    }
}

/// Mutable visit of every standard directive, also those nested in blocks.
pub fn for_each_wast_mut<'a>(items: &mut [Item<'a>], f: &mut impl FnMut(&mut WastDirective<'a>)) {
    for item in items {
        match item {
            Item::Wast(d) => f(d),
            Item::Behaviour(b) => match &mut b.kind {
                BehaviourKind::Repeat { items, .. }
                | BehaviourKind::OnSecond(items)
                | BehaviourKind::Observe(items)
                | BehaviourKind::Timed { items, .. } => for_each_wast_mut(items, f),
                _ => {}
            },
        }
    }
}

/// Whether any item (at any depth) is an `(on second ...)` block.
pub fn uses_second(items: &[Item<'_>]) -> bool {
    let mut found = false;
    for_each_behaviour(items, &mut |b| {
        found |= matches!(b.kind, BehaviourKind::OnSecond(_));
    });
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use wast::parser::{parse, ParseBuffer};

    fn parse_text(text: &str) -> std::result::Result<usize, String> {
        let buf = ParseBuffer::new(text).map_err(|e| e.to_string())?;
        let script = parse::<Script<'_>>(&buf).map_err(|e| e.to_string())?;
        Ok(script.items.len())
    }

    #[test]
    fn behaviour_directives_sit_beside_standard_ones() {
        let text = r#"
            (module definition $m (func (export "f") (result i32) i32.const 1))
            (serialize $m "a")
            (artifact "t" (truncated "a"))
            (artifact "f" (bit_flipped "a" -8))
            (assert_rejected (deserialize $x "t"))
            (deserialize_file $m2 "a")
            (module instance $i $m2)
            (assert_return (invoke $i "f") (i32.const 1))
            (repeat 3 (drop_store) (collect) (memory_usage "x"))
            (store_limits (memory_bytes 1 mib) (instances 2) (trap_on_grow_failure))
            (host_func "env" "log" (param i32) (result i32) (returns (i32.const 7)))
            (assert_memory_growth "x" "y" (at_most 16 mib))
            (assert_memory_growth "x" "y" (at_most 16 mib) (collector_timed))
            (timed "t" (invoke $i "f"))
            (assert_slowdown "t" "u" (at_most 3))
            (on second (compilation_cache "c") (cache_entries "c"))
            (observe (invoke "f") (module))
            (configure (features "threads"))
        "#;
        assert_eq!(parse_text(text), Ok(18));
    }

    #[test]
    fn a_bad_directive_is_an_error_with_a_position() {
        let err = parse_text("(module)\n(serialize \"a\" $m)").unwrap_err();
        assert!(err.contains("2:"), "{err}");
        let err = parse_text("(frobnicate 1)").unwrap_err();
        assert!(err.contains("1:2"), "{err}");
        let err = parse_text("(store_limits (memory_bytes -1))").unwrap_err();
        assert!(err.contains("non-negative"), "{err}");
        let err = parse_text("(assert_memory_growth \"a\" \"b\" (at_most 1 mib) (sometimes))")
            .unwrap_err();
        assert!(err.contains("1:"), "{err}");
    }

    #[test]
    fn the_embedders_api_directives_parse_into_their_kinds() {
        let text = r#"
            (instantiate_keeping $bad $m)
            (close_instance $bad (exit_code 3))
            (close_instance $bad)
            (define_unknown_imports $m traps)
            (define_unknown_imports $m defaults)
            (resolve_imports "r" $i)
            (host_func "h" "e" (param externref funcref) (result externref funcref) (computes echo))
        "#;
        let buf = ParseBuffer::new(text).unwrap();
        let script = parse::<Script<'_>>(&buf).unwrap();
        let kinds: Vec<&BehaviourKind<'_>> = script
            .items
            .iter()
            .map(|i| match i {
                Item::Behaviour(b) => &b.kind,
                Item::Wast(_) => panic!("a standard directive"),
            })
            .collect();
        assert!(matches!(
            kinds[1],
            BehaviourKind::CloseInstance {
                exit_code: Some(3),
                ..
            }
        ));
        assert!(matches!(
            kinds[2],
            BehaviourKind::CloseInstance {
                exit_code: None,
                ..
            }
        ));
        assert!(matches!(
            kinds[4],
            BehaviourKind::DefineUnknownImports {
                fill: UnknownImports::Defaults,
                ..
            }
        ));
        match kinds[6] {
            BehaviourKind::HostFunc(h) => {
                assert_eq!(h.computes, Some(Compute::Echo));
                assert_eq!(h.params, [ValType::Externref, ValType::Funcref]);
            }
            other => panic!("{}", other.keyword()),
        }
        // Both names of a kept instance, and one answer of a host function.
        assert!(parse_text("(instantiate_keeping $m)").is_err());
        let both = parse_text(
            "(host_func \"h\" \"f\" (result i32) (returns (i32.const 1)) (computes echo))",
        );
        assert!(both.unwrap_err().contains("one of the three"));
        assert!(parse_text("(define_unknown_imports $m sometimes)").is_err());
    }

    #[test]
    fn a_load_names_its_path_or_every_path() {
        let text = r#"
            (deserialize $a "x" (via bytes-raw))
            (deserialize_file $b "x" (via open-file))
            (assert_rejected (deserialize $c "x" (via every)))
        "#;
        assert_eq!(parse_text(text), Ok(3));
        let buf = ParseBuffer::new(text).unwrap();
        let script = parse::<Script<'_>>(&buf).unwrap();
        let vias: Vec<Via> = script
            .items
            .iter()
            .map(|item| match item {
                Item::Behaviour(Behaviour {
                    kind:
                        BehaviourKind::Deserialize { via, .. }
                        | BehaviourKind::AssertRejected { via, .. },
                    ..
                }) => *via,
                _ => panic!("not a load"),
            })
            .collect();
        assert_eq!(
            vias,
            [
                Via::One(LoadPath::BytesRaw),
                Via::One(LoadPath::OpenFile),
                Via::Every
            ]
        );
        let err = parse_text("(deserialize $a \"x\" (via file))").unwrap_err();
        assert!(err.contains("goes with `deserialize_file`"), "{err}");
        let err = parse_text("(deserialize $a \"x\" (via mmap))").unwrap_err();
        assert!(err.contains("unknown load path `mmap`"), "{err}");
    }
}
