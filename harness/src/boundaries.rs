//! Generated boundary cases: a `boundaries.toml` in a case folder describes
//! resources (memories, tables, segments, call depth, sizes a module
//! declares) and [`generate`] writes one ordinary case per probe of each,
//! named `<folder>/boundaries/<resource>/<probe>.wast`: snapshotted,
//! filterable and reported like a case written by hand.
//!
//! What the spec decides (growth past a declared maximum is -1, a segment
//! past the end traps) is asserted; what it leaves to the engine (growth to
//! 4 GiB, a table the machine cannot back, how deep calls go) is observed
//! and pinned by the snapshot.

use std::fmt::Write as _;

use anyhow::{Context, Result};
use serde::Deserialize;

use crate::proposal::Proposal;
use crate::wast_text::binary_module;

/// The file name that makes a case folder generate boundary cases.
pub const TABLE_FILE: &str = "boundaries.toml";

/// The folder (beside the table) that generated cases are named under.
pub const FOLDER: &str = "boundaries";

/// `boundaries.toml`: one entry per resource to probe.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Table {
    /// Linear memories.
    #[serde(default)]
    pub memory: Vec<MemorySpec>,
    /// Tables.
    #[serde(default)]
    pub table: Vec<TableSpec>,
    /// Data and element segments at the end of what they fill.
    #[serde(default)]
    pub segments: Vec<SegmentSpec>,
    /// Recursion depths.
    #[serde(default)]
    pub call_depth: Option<CallDepth>,
    /// Counts and sizes a module declares, probed at a limit and one past it.
    #[serde(default)]
    pub declare: Vec<Declare>,
}

/// The index type of a memory or table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Index {
    /// 32-bit.
    I32,
    /// 64-bit (the memory64 proposal).
    I64,
}

impl Index {
    fn bits(self) -> u32 {
        match self {
            Index::I32 => 32,
            Index::I64 => 64,
        }
    }

    /// The wast value type.
    fn ty(self) -> &'static str {
        match self {
            Index::I32 => "i32",
            Index::I64 => "i64",
        }
    }

    /// A constant of this type, from its unsigned bits.
    fn constant(self, value: u64) -> String {
        match self {
            Index::I32 => format!("(i32.const {})", value as u32 as i32),
            Index::I64 => format!("(i64.const {})", value as i64),
        }
    }

    /// Where the index type goes in a memory or table type (`i64 ` or nothing).
    fn keyword(self) -> &'static str {
        match self {
            Index::I32 => "",
            Index::I64 => "i64 ",
        }
    }

    fn features(self) -> Vec<Proposal> {
        match self {
            Index::I32 => vec![],
            Index::I64 => vec![Proposal::Memory64],
        }
    }
}

/// `[[memory]]`: one linear memory.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct MemorySpec {
    /// Its index type.
    pub index: Index,
    /// Initial pages.
    pub initial: u64,
    /// Declared maximum pages, if any.
    pub maximum: Option<u64>,
}

/// The 64 KiB pages a 32-bit memory can address.
const PAGES_32: u64 = 1 << 16;
/// The pages a 64-bit memory may declare.
const PAGES_64: u64 = 1 << 48;

impl MemorySpec {
    fn name(&self) -> String {
        let bound = match self.maximum {
            Some(max) => format!("max{max}"),
            None => "unbounded".into(),
        };
        format!("memory{}-{}-{bound}", self.index.bits(), self.initial)
    }

    fn module(&self) -> String {
        let t = self.index.ty();
        let max = self.maximum.map(|m| format!(" {m}")).unwrap_or_default();
        format!(
            "(module\n  (memory (export \"mem\") {}{}{max})\n  (func (export \"grow\") (param {t}) (result {t}) (memory.grow (local.get 0)))\n  (func (export \"size\") (result {t}) (memory.size)))\n",
            self.index.keyword(),
            self.initial
        )
    }

    /// The most pages this memory can ever have.
    fn ceiling(&self) -> u64 {
        match self.index {
            Index::I32 => PAGES_32,
            Index::I64 => PAGES_64,
        }
    }

    fn probes(&self) -> Vec<Probe> {
        let c = |v| self.index.constant(v);
        let grow = |v| format!("(invoke \"grow\" {})", c(v));
        let denied = c(u64::MAX);
        let mut wasm = String::new();
        let mut host = String::new();
        let _ = writeln!(wasm, "(assert_return {} {})", grow(0), c(self.initial));
        let _ = writeln!(host, "(grow_memory \"mem\" 0)");
        match self.maximum {
            Some(max) => {
                let _ = writeln!(wasm, ";; to the declared maximum, then one page past it");
                let _ = writeln!(
                    wasm,
                    "(assert_return {} {})",
                    grow(max - self.initial),
                    c(self.initial)
                );
                let _ = writeln!(wasm, "(assert_return {} {})", grow(1), denied);
                let _ = writeln!(host, "(grow_memory \"mem\" {})", max - self.initial);
                let _ = writeln!(host, "(grow_memory \"mem\" 1)");
            }
            None => {
                let _ = writeln!(wasm, "(observe {})", grow(1));
                let _ = writeln!(host, "(grow_memory \"mem\" 1)");
            }
        }
        let _ = writeln!(wasm, ";; past what the index type can address: always -1");
        let _ = writeln!(
            wasm,
            "(assert_return {} {})",
            grow(self.ceiling() + 1),
            denied
        );
        let _ = writeln!(
            wasm,
            "(assert_return {} {})",
            grow(u64::MAX >> (64 - self.index.bits())),
            denied
        );
        let _ = writeln!(host, "(grow_memory \"mem\" {})", self.ceiling() + 1);
        if self.index == Index::I64 {
            let _ = writeln!(wasm, ";; within the index type, far past any address space");
            let _ = writeln!(wasm, "(observe {})", grow(1 << 40));
            let _ = writeln!(host, "(grow_memory \"mem\" {})", 1u64 << 40);
        }
        let _ = writeln!(wasm, "(observe (invoke \"size\"))");
        let _ = writeln!(host, "(memory_size \"mem\")");

        // With a store limit one page above the initial size.
        let limit = (self.initial + 1) * 65536;
        let limits = format!("(store_limits (memory_bytes {limit}))\n");
        let mut wasm_limited = limits.clone();
        wasm_limited.push_str(&self.module());
        let _ = writeln!(wasm_limited, "(observe {})", grow(1));
        let _ = writeln!(wasm_limited, ";; one page past the store's limit");
        let _ = writeln!(wasm_limited, "(observe {})", grow(1));
        let _ = writeln!(wasm_limited, "(observe {})", grow(PAGES_32 / 2));
        let _ = writeln!(wasm_limited, "(observe (invoke \"size\"))");
        let mut host_limited = limits;
        host_limited.push_str(&self.module());
        let _ = writeln!(host_limited, "(grow_memory \"mem\" 1)");
        let _ = writeln!(host_limited, "(grow_memory \"mem\" 1)");
        let _ = writeln!(host_limited, "(grow_memory \"mem\" {})", PAGES_32 / 2);
        let _ = writeln!(host_limited, "(memory_size \"mem\")");

        let module = self.module();
        let mut probes = Vec::new();
        if self.maximum.is_none() {
            // One growth to 4 GiB per case (it is slow where an engine
            // commits the memory), then one page past it from both sides.
            let mut to_4gib = module.clone();
            let _ = writeln!(
                to_4gib,
                ";; to 2^16 pages (4 GiB) at once: engines may refuse, never trap"
            );
            let _ = writeln!(to_4gib, "(observe {})", grow(PAGES_32 - self.initial));
            let _ = writeln!(to_4gib, "(observe (invoke \"size\"))");
            let _ = writeln!(to_4gib, "(observe {})", grow(1));
            let _ = writeln!(to_4gib, "(grow_memory \"mem\" 1)");
            let _ = writeln!(to_4gib, "(memory_size \"mem\")");
            probes.push(Probe::new(
                "grow-to-4gib",
                "growth to 2^16 pages from wasm, then one page more from wasm and from the host",
                to_4gib,
            ));
        }
        probes.extend([
            Probe::new("grow-wasm", "growth from wasm", format!("{module}{wasm}")),
            Probe::new(
                "grow-host",
                "growth from the host",
                format!("{module}{host}"),
            ),
            Probe::new(
                "grow-wasm-limited",
                "growth from wasm under a store limit of one page more",
                wasm_limited,
            ),
            Probe::new(
                "grow-host-limited",
                "growth from the host under a store limit of one page more",
                host_limited,
            ),
        ]);
        if self.initial > 0 {
            probes.push(Probe::new(
                "instantiate-limited",
                "instantiation under a store limit below the initial size",
                format!(
                    "(store_limits (memory_bytes {}))\n(observe {})",
                    (self.initial - 1) * 65536,
                    module.trim_end()
                ),
            ));
        }
        needing(self.index.features(), probes)
    }
}

/// A table's element type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Element {
    /// `funcref`.
    Funcref,
    /// `externref`.
    Externref,
}

impl Element {
    fn name(self) -> &'static str {
        match self {
            Element::Funcref => "funcref",
            Element::Externref => "externref",
        }
    }

    fn null(self) -> &'static str {
        match self {
            Element::Funcref => "(ref.null func)",
            Element::Externref => "(ref.null extern)",
        }
    }
}

/// `[[table]]`: one table.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct TableSpec {
    /// Its element type.
    pub element: Element,
    /// Its index type.
    pub index: Index,
    /// Initial elements.
    pub initial: u64,
    /// Declared maximum, if any.
    pub maximum: Option<u64>,
}

/// The largest table size the JS API allows (and wasmparser's limit on a
/// declared initial size).
const JS_TABLE_LIMIT: u64 = 10_000_000;

impl TableSpec {
    fn name(&self) -> String {
        let bound = match self.maximum {
            Some(max) => format!("max{max}"),
            None => "unbounded".into(),
        };
        format!(
            "table{}-{}-{}-{bound}",
            self.index.bits(),
            self.element.name(),
            self.initial
        )
    }

    fn module(&self) -> String {
        let t = self.index.ty();
        let max = self.maximum.map(|m| format!(" {m}")).unwrap_or_default();
        format!(
            "(module\n  (table $t (export \"t\") {}{}{max} {})\n  (func (export \"grow\") (param {t}) (result {t}) (table.grow $t {} (local.get 0)))\n  (func (export \"size\") (result {t}) (table.size $t)))\n",
            self.index.keyword(),
            self.initial,
            self.element.name(),
            self.element.null()
        )
    }

    fn probes(&self) -> Vec<Probe> {
        let c = |v| self.index.constant(v);
        let grow = |v| format!("(invoke \"grow\" {})", c(v));
        let denied = c(u64::MAX);
        let index_max = u64::MAX >> (64 - self.index.bits());
        let mut wasm = self.module();
        let _ = writeln!(wasm, "(assert_return {} {})", grow(0), c(self.initial));
        match self.maximum {
            Some(max) => {
                let _ = writeln!(wasm, ";; to the declared maximum, then one past it");
                let _ = writeln!(
                    wasm,
                    "(assert_return {} {})",
                    grow(max - self.initial),
                    c(self.initial)
                );
                let _ = writeln!(wasm, "(assert_return {} {})", grow(1), denied);
            }
            None => {
                let _ = writeln!(
                    wasm,
                    ";; to the JS API's limit of 10^7 elements, and one past it"
                );
                let _ = writeln!(wasm, "(observe {})", grow(JS_TABLE_LIMIT - self.initial));
                let _ = writeln!(wasm, "(observe {})", grow(1));
                if self.index == Index::I64 {
                    // 2^40 elements: terabytes. (A 32-bit table's largest,
                    // 2^32 elements, is tens of GiB: a machine may back it,
                    // and a run would touch that much memory to find out.)
                    let _ = writeln!(
                        wasm,
                        ";; far past what a machine can back: -1 or a failure, never a crash"
                    );
                    let _ = writeln!(wasm, "(observe {})", grow(1 << 40));
                }
            }
        }
        let _ = writeln!(wasm, ";; past what the index type can count: always -1");
        let _ = writeln!(wasm, "(assert_return {} {})", grow(index_max), denied);
        let _ = writeln!(wasm, "(observe (invoke \"size\"))");

        let mut limited = format!("(store_limits (table_elements {}))\n", self.initial + 1);
        limited.push_str(&self.module());
        let _ = writeln!(limited, "(observe {})", grow(1));
        let _ = writeln!(limited, ";; one element past the store's limit");
        let _ = writeln!(limited, "(observe {})", grow(1));
        let _ = writeln!(limited, "(observe {})", grow(JS_TABLE_LIMIT));
        let _ = writeln!(limited, "(observe (invoke \"size\"))");

        let mut features = self.index.features();
        if self.element == Element::Externref {
            features.push(Proposal::ReferenceTypes);
        }
        needing(
            features,
            vec![
                Probe::new("grow-wasm", "growth from wasm", wasm),
                Probe::new(
                    "grow-wasm-limited",
                    "growth from wasm under a store limit of one element more",
                    limited,
                ),
            ],
        )
    }
}

/// What a segment fills.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Target {
    /// Data segments into a memory.
    Memory,
    /// Element segments into a table.
    Table,
}

/// `[[segments]]`: active and passive segments at the end of a memory or table.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct SegmentSpec {
    /// What the segments fill.
    pub target: Target,
    /// The index type of the memory or table.
    pub index: Index,
}

impl SegmentSpec {
    fn name(&self) -> String {
        match self.target {
            Target::Memory => format!("data{}", self.index.bits()),
            Target::Table => format!("elem{}", self.index.bits()),
        }
    }

    fn probes(&self) -> Vec<Probe> {
        let c = |v| self.index.constant(v);
        let i32c = |v: u64| Index::I32.constant(v);
        let k = self.index.keyword();
        let t = self.index.ty();
        // A memory of one page (65536 bytes) or a table of 8 elements, and a
        // segment of 4 bytes or 2 functions.
        let (size, len, oob) = match self.target {
            Target::Memory => (65536u64, 4u64, "out of bounds memory access"),
            Target::Table => (8, 2, "out of bounds table access"),
        };
        let active = |offset: u64, empty: bool| match self.target {
            Target::Memory => format!(
                "(module (memory {k}1) (data {} \"{}\"))",
                c(offset),
                if empty { "" } else { "\\01\\02\\03\\04" }
            ),
            Target::Table => format!(
                "(module (table {k}8 funcref) (func $f) (elem {} func{}))",
                c(offset),
                if empty { "" } else { " $f $f" }
            ),
        };
        let mut at_end = String::new();
        let _ = writeln!(
            at_end,
            ";; ending exactly at the end, and empty at the end: both instantiate"
        );
        let _ = writeln!(at_end, "{}", active(size - len, false));
        let _ = writeln!(at_end, "{}", active(size, true));
        let _ = writeln!(
            at_end,
            ";; one past the end, empty one past, and at the largest offset: traps"
        );
        let _ = writeln!(
            at_end,
            "(assert_trap {} \"{oob}\")",
            active(size - len + 1, false)
        );
        let _ = writeln!(at_end, "(assert_trap {} \"{oob}\")", active(size + 1, true));
        let _ = writeln!(
            at_end,
            "(assert_trap {} \"{oob}\")",
            active(u64::MAX >> (64 - self.index.bits()), false)
        );

        let passive = match self.target {
            Target::Memory => format!(
                "(module (memory {k}1) (data $d \"\\01\\02\\03\\04\")\n  (func (export \"init\") (param {t} i32 i32) (memory.init $d (local.get 0) (local.get 1) (local.get 2))))\n"
            ),
            Target::Table => format!(
                "(module (table {k}8 funcref) (func $f) (elem $e func $f $f)\n  (func (export \"init\") (param {t} i32 i32) (table.init $e (local.get 0) (local.get 1) (local.get 2))))\n"
            ),
        };
        let init =
            |d: u64, s: u64, n: u64| format!("(invoke \"init\" {} {} {})", c(d), i32c(s), i32c(n));
        let mut init_text = passive;
        let _ = writeln!(
            init_text,
            ";; to the end, and nothing at the end: both succeed"
        );
        let _ = writeln!(init_text, "(assert_return {})", init(size - len, 0, len));
        let _ = writeln!(init_text, "(assert_return {})", init(size, len, 0));
        let _ = writeln!(
            init_text,
            ";; one past the end of the target, of the segment, and nothing past the end: traps"
        );
        let _ = writeln!(
            init_text,
            "(assert_trap {} \"{oob}\")",
            init(size - len + 1, 0, len)
        );
        let _ = writeln!(init_text, "(assert_trap {} \"{oob}\")", init(0, 1, len));
        let _ = writeln!(
            init_text,
            "(assert_trap {} \"{oob}\")",
            init(size + 1, 0, 0)
        );
        let _ = writeln!(init_text, "(assert_trap {} \"{oob}\")", init(0, len + 1, 0));

        let mut features = self.index.features();
        if self.target == Target::Table && self.index == Index::I64 {
            features.push(Proposal::ReferenceTypes);
        }
        needing(
            features,
            vec![
                Probe::new("active", "active segments at and past the end", at_end),
                Probe::new(
                    "init",
                    "passive segments copied at and past the end",
                    init_text,
                ),
            ],
        )
    }
}

/// `[call-depth]`: how deep a recursion goes before the call stack is exhausted.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct CallDepth {
    /// Depths to call, each observed.
    pub depths: Vec<u64>,
}

impl CallDepth {
    fn probes(&self) -> Vec<Probe> {
        let mut text = String::from(
            "(module\n  (func $down (export \"down\") (param i64) (result i64)\n    (if (result i64) (i64.eqz (local.get 0))\n      (then (i64.const 0))\n      (else (i64.add (i64.const 1) (call $down (i64.sub (local.get 0) (i64.const 1))))))))\n",
        );
        for depth in &self.depths {
            let _ = writeln!(text, "(observe (invoke \"down\" (i64.const {depth})))");
        }
        let _ = writeln!(
            text,
            ";; the instance still works after whatever happened above"
        );
        let _ = writeln!(
            text,
            "(assert_return (invoke \"down\" (i64.const 10)) (i64.const 10))"
        );
        vec![Probe::new(
            "recursion",
            "recursion depth until the call stack is exhausted",
            text,
        )]
    }
}

/// What a module declares many of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Declared {
    /// Locals of one function.
    Locals,
    /// Parameters of one function type.
    Params,
    /// Results of one function type.
    Results,
    /// Initial elements of a table.
    TableElements,
    /// Initial pages of a 32-bit memory.
    MemoryPages,
    /// Data segments.
    DataSegments,
    /// Tables (reference types).
    Tables,
    /// Memories (multi-memory).
    Memories,
    /// Exports.
    Exports,
    /// Targets of one `br_table`.
    BrTableTargets,
}

impl Declared {
    fn name(self) -> &'static str {
        match self {
            Declared::Locals => "locals",
            Declared::Params => "params",
            Declared::Results => "results",
            Declared::TableElements => "table-elements",
            Declared::MemoryPages => "memory-pages",
            Declared::DataSegments => "data-segments",
            Declared::Tables => "tables",
            Declared::Memories => "memories",
            Declared::Exports => "exports",
            Declared::BrTableTargets => "br-table-targets",
        }
    }

    fn features(self) -> Vec<Proposal> {
        match self {
            Declared::Tables => vec![Proposal::ReferenceTypes],
            Declared::Memories => vec![Proposal::MultiMemory],
            _ => vec![],
        }
    }

    /// A module declaring `n` of this.
    fn module(self, n: u64) -> Vec<u8> {
        use wasm_encoder::{
            CodeSection, DataSection, ExportKind, ExportSection, Function, FunctionSection,
            MemorySection, MemoryType, Module, RefType, TableSection, TableType, TypeSection,
            ValType,
        };
        let n32 = u32::try_from(n).expect("declared counts fit in u32");
        let mut module = Module::new();
        let mut types = TypeSection::new();
        let (params, results) = match self {
            Declared::Params => (n32, 0),
            Declared::Results => (0, n32),
            _ => (0, 0),
        };
        types.ty().function(
            std::iter::repeat_n(ValType::I32, params as usize),
            std::iter::repeat_n(ValType::I32, results as usize),
        );
        if self == Declared::BrTableTargets {
            types.ty().function([ValType::I32], []);
        }
        module.section(&types);
        let mut funcs = FunctionSection::new();
        funcs.function(if self == Declared::BrTableTargets {
            1
        } else {
            0
        });
        module.section(&funcs);
        let table = |minimum| TableType {
            element_type: RefType::FUNCREF,
            table64: false,
            minimum,
            maximum: None,
            shared: false,
        };
        let memory = |minimum| MemoryType {
            minimum,
            maximum: None,
            memory64: false,
            shared: false,
            page_size_log2: None,
        };
        match self {
            Declared::TableElements | Declared::Tables => {
                let mut tables = TableSection::new();
                let (count, size) = if self == Declared::Tables {
                    (n, 0)
                } else {
                    (1, n)
                };
                for _ in 0..count {
                    tables.table(table(size));
                }
                module.section(&tables);
            }
            Declared::MemoryPages | Declared::Memories => {
                let mut memories = MemorySection::new();
                let (count, size) = if self == Declared::Memories {
                    (n, 0)
                } else {
                    (1, n)
                };
                for _ in 0..count {
                    memories.memory(memory(size));
                }
                module.section(&memories);
            }
            _ => {}
        }
        let mut exports = ExportSection::new();
        let names = if self == Declared::Exports { n } else { 1 };
        for i in 0..names {
            exports.export(&format!("f{i}"), ExportKind::Func, 0);
        }
        module.section(&exports);
        let mut body = match self {
            Declared::Locals => Function::new([(n32, ValType::I32)]),
            _ => Function::new([]),
        };
        match self {
            Declared::Results => {
                for _ in 0..n {
                    body.instructions().i32_const(0);
                }
            }
            Declared::BrTableTargets => {
                body.instructions()
                    .block(wasm_encoder::BlockType::Empty)
                    .local_get(0)
                    .br_table(std::iter::repeat_n(0, n as usize), 0)
                    .end();
            }
            _ => {}
        }
        body.instructions().end();
        let mut code = CodeSection::new();
        code.function(&body);
        module.section(&code);
        if self == Declared::DataSegments {
            let mut data = DataSection::new();
            for _ in 0..n {
                data.passive([]);
            }
            module.section(&data);
        }
        module.finish()
    }
}

/// `[[declare]]`: a module declaring `limit` of something, and one declaring
/// `limit + 1` (the limit an engine or the JS API documents).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Declare {
    /// What is declared.
    pub what: Declared,
    /// The documented limit.
    pub limit: u64,
}

impl Declare {
    fn probes(&self) -> Vec<Probe> {
        let mut text = String::new();
        for n in [self.limit, self.limit + 1] {
            let _ = writeln!(text, ";; {n} {}", self.what.name());
            let _ = writeln!(text, "(observe {})", binary_module(&self.what.module(n)));
        }
        let mut probe = Probe::new(
            "at-limit",
            &format!(
                "a module declaring {} {} and one more",
                self.limit,
                self.what.name()
            ),
            text,
        );
        probe.features = self.what.features();
        vec![probe]
    }
}

/// One probe of a resource: a case body and what it probes.
#[derive(Debug, Clone)]
struct Probe {
    name: &'static str,
    what: String,
    body: String,
    features: Vec<Proposal>,
}

impl Probe {
    fn new(name: &'static str, what: &str, body: String) -> Probe {
        Probe {
            name,
            what: what.to_string(),
            body,
            features: Vec::new(),
        }
    }
}

/// The probes, each needing `features`.
fn needing(features: Vec<Proposal>, mut probes: Vec<Probe>) -> Vec<Probe> {
    for p in &mut probes {
        p.features = features.clone();
    }
    probes
}

/// One generated case: its name under the `boundaries/` folder and its text.
#[derive(Debug, Clone, PartialEq)]
pub struct Generated {
    /// `<resource>/<probe>.wast`.
    pub name: String,
    /// The wast text, headed by what it probes and its `;;!` settings.
    pub text: String,
}

/// Parses a `boundaries.toml`.
pub fn parse(text: &str, path: &str) -> Result<Table> {
    toml::from_str(text).with_context(|| format!("{path}: bad boundary table"))
}

/// Every case the table describes, in name order.
pub fn generate(table: &Table) -> Vec<Generated> {
    let mut out = Vec::new();
    let mut add = |resource: String, probes: Vec<Probe>| {
        for p in probes {
            let features: Vec<String> = p.features.iter().map(|f| format!("\"{f}\"")).collect();
            let text = format!(
                ";; Generated from {TABLE_FILE} (harness/src/boundaries.rs): {resource}, {}.\n;;! features = [{}]\n\n{}",
                p.what,
                features.join(", "),
                p.body
            );
            out.push(Generated {
                name: format!("{resource}/{}.wast", p.name),
                text,
            });
        }
    };
    for m in &table.memory {
        add(m.name(), m.probes());
    }
    for t in &table.table {
        add(t.name(), t.probes());
    }
    for s in &table.segments {
        add(s.name(), s.probes());
    }
    if let Some(depth) = &table.call_depth {
        add("call-depth".into(), depth.probes());
    }
    for d in &table.declare {
        add(format!("declare-{}", d.what.name()), d.probes());
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> Table {
        parse(
            r#"
            [[memory]]
            index = "i32"
            initial = 1
            maximum = 3
            [[memory]]
            index = "i64"
            initial = 0
            [[table]]
            element = "externref"
            index = "i64"
            initial = 1
            [[segments]]
            target = "table"
            index = "i32"
            [call-depth]
            depths = [100, 1000000]
            [[declare]]
            what = "locals"
            limit = 50000
            "#,
            "t.toml",
        )
        .unwrap()
    }

    #[test]
    fn every_generated_case_parses_as_wast_and_is_named_by_its_probe() {
        let generated = generate(&table());
        let names: Vec<&str> = generated.iter().map(|g| g.name.as_str()).collect();
        assert!(
            names.contains(&"memory32-1-max3/grow-wasm.wast"),
            "{names:?}"
        );
        assert!(names.contains(&"memory64-0-unbounded/grow-host-limited.wast"));
        // A memory of no initial pages cannot be under a limit below it.
        assert!(!names.contains(&"memory64-0-unbounded/instantiate-limited.wast"));
        assert!(names.contains(&"table64-externref-1-unbounded/grow-wasm.wast"));
        assert!(names.contains(&"elem32/init.wast"));
        assert!(names.contains(&"call-depth/recursion.wast"));
        assert!(names.contains(&"declare-locals/at-limit.wast"));
        let mut sorted = names.clone();
        sorted.sort();
        assert_eq!(names, sorted);
        for g in &generated {
            let buf = wast::parser::ParseBuffer::new(&g.text).unwrap();
            if let Err(e) = wast::parser::parse::<crate::script::Script<'_>>(&buf) {
                panic!("{} does not parse: {e}\n{}", g.name, g.text);
            }
            let header = crate::cases::parse_header(&g.text, &g.name).unwrap();
            if g.name.starts_with("memory64") || g.name.starts_with("table64") {
                assert!(header.features.contains(&Proposal::Memory64), "{}", g.name);
            }
        }
    }

    #[test]
    fn the_spec_decided_edges_are_asserted_and_the_rest_observed() {
        let generated = generate(&table());
        let grow = generated
            .iter()
            .find(|g| g.name == "memory32-1-max3/grow-wasm.wast")
            .unwrap();
        // To the maximum returns the old size; one past it, and past 2^16 pages, -1.
        assert!(grow
            .text
            .contains("(assert_return (invoke \"grow\" (i32.const 2)) (i32.const 1))"));
        assert!(grow
            .text
            .contains("(assert_return (invoke \"grow\" (i32.const 1)) (i32.const -1))"));
        assert!(grow
            .text
            .contains("(assert_return (invoke \"grow\" (i32.const 65537)) (i32.const -1))"));
        let unbounded = generated
            .iter()
            .find(|g| g.name == "memory64-0-unbounded/grow-wasm.wast")
            .unwrap();
        let to_4gib = generated
            .iter()
            .find(|g| g.name == "memory64-0-unbounded/grow-to-4gib.wast")
            .unwrap();
        assert!(to_4gib
            .text
            .contains("(observe (invoke \"grow\" (i64.const 65536)))"));
        assert!(unbounded.text.contains(
            "(assert_return (invoke \"grow\" (i64.const 281474976710657)) (i64.const -1))"
        ));
        let segments = generated
            .iter()
            .find(|g| g.name == "elem32/active.wast")
            .unwrap();
        assert!(segments.text.contains(
            "(assert_trap (module (table 8 funcref) (func $f) (elem (i32.const 7) func $f $f)) \"out of bounds table access\")"
        ));
    }

    #[test]
    fn declared_modules_hold_exactly_the_count_asked_for() {
        for what in [
            Declared::Locals,
            Declared::Params,
            Declared::Results,
            Declared::TableElements,
            Declared::DataSegments,
            Declared::Tables,
            Declared::Memories,
            Declared::Exports,
            Declared::BrTableTargets,
        ] {
            let bytes = what.module(7);
            let mut features = wasmparser::WasmFeatures::default();
            features.insert(wasmparser::WasmFeatures::MULTI_MEMORY);
            wasmparser::Validator::new_with_features(features)
                .validate_all(&bytes)
                .unwrap_or_else(|e| panic!("{}: {e}", what.name()));
            let mut count = 0u64;
            for payload in wasmparser::Parser::new(0).parse_all(&bytes) {
                use wasmparser::Payload;
                match payload.unwrap() {
                    Payload::TypeSection(s)
                        if what == Declared::Params || what == Declared::Results =>
                    {
                        let ty = s.into_iter_err_on_gc_types().next().unwrap().unwrap();
                        count = if what == Declared::Params {
                            ty.params().len()
                        } else {
                            ty.results().len()
                        } as u64;
                    }
                    Payload::TableSection(s) if what == Declared::Tables => {
                        count = s.count() as u64
                    }
                    Payload::TableSection(s) if what == Declared::TableElements => {
                        count = s.into_iter().next().unwrap().unwrap().ty.initial
                    }
                    Payload::MemorySection(s) if what == Declared::Memories => {
                        count = s.count() as u64
                    }
                    Payload::DataSection(s) if what == Declared::DataSegments => {
                        count = s.count() as u64
                    }
                    Payload::ExportSection(s) if what == Declared::Exports => {
                        count = s.count() as u64
                    }
                    Payload::CodeSectionEntry(body) if what == Declared::Locals => {
                        count = body
                            .get_locals_reader()
                            .unwrap()
                            .into_iter()
                            .map(|l| l.unwrap().0 as u64)
                            .sum()
                    }
                    Payload::CodeSectionEntry(body) if what == Declared::BrTableTargets => {
                        let mut ops = body.get_operators_reader().unwrap();
                        while !ops.eof() {
                            if let wasmparser::Operator::BrTable { targets } = ops.read().unwrap() {
                                count = targets.len() as u64;
                            }
                        }
                    }
                    _ => {}
                }
            }
            assert_eq!(count, 7, "{}", what.name());
        }
    }

    #[test]
    fn a_misspelt_key_is_an_error_naming_the_file() {
        let err = parse(
            "[[memory]]\nindex = \"i32\"\ninitial = 1\nmaximun = 3\n",
            "x/boundaries.toml",
        )
        .unwrap_err();
        let text = format!("{err:#}");
        assert!(
            text.contains("x/boundaries.toml") && text.contains("maximun"),
            "{text}"
        );
    }
}
