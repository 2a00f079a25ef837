//! Why a cell ended without its directives being judged, as a type: an engine
//! lacking a proposal (declared or inferred), an engine refusing a setting,
//! something wasm-compat does not run, an engine version not to be had here,
//! a broken case, a harness fault. Every such end carries one; a summary and
//! a report group and count by [`Reason::cause`]; [`Reason`]'s `Display` is
//! the one spelling of it in words.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::proposal::Needs;

/// Why a cell did not run (it is `unsupported`) or could not be judged (an
/// `error` that says nothing of the engine).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Reason {
    /// The engine version lacks proposals the case needs: those declared by
    /// a header, its folder's conventions or its place in the spec corpus,
    /// and those inferred from its modules.
    MissingProposals(Needs),
    /// Under `+defaults` (the harness enables nothing), the engine version
    /// does not turn on by default proposals the case needs.
    OffByDefault(Needs),
    /// The engine, or its adapter, refuses or lacks what the case asks for
    /// (a setting, host functions): in its words.
    EngineLacks {
        /// What it said.
        what: String,
    },
    /// The case holds what wasm-compat does not run: a component, `thread`
    /// and `wait`, a header key or a runner convention that no engine
    /// setting of the protocol honours.
    NotRunHere {
        /// Where in the case, when known (`cases/a.wast:3:2`, `line 3`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        at: Option<String>,
        /// What it is.
        what: String,
    },
    /// The engine version cannot be had on this machine (a toolchain is
    /// missing, its registry cannot be reached).
    Unavailable {
        /// Why.
        what: String,
    },
    /// The case, or its folder's conventions, is broken: it does not parse,
    /// a file it loads is missing, a header value is wrong.
    BrokenCase {
        /// Why, with the place.
        what: String,
    },
    /// The engine failed while the case was being set up (its adapter
    /// crashed, hung or answered wrongly to `configure` or a host definition).
    EngineFailed {
        /// What happened, in words.
        what: String,
    },
    /// The harness, or building or starting the adapter, failed: nothing is
    /// known of the engine.
    Harness {
        /// Why.
        what: String,
    },
}

/// What a non-passing cell comes down to, for counting: the first question a
/// corpus maintainer asks of a failure is whose it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Cause {
    /// The engine lacks a proposal or feature, or wasm-compat does not run
    /// what the case holds: nothing was tested.
    Unsupported,
    /// The engine did not behave as the case expects (fail, crash, timeout,
    /// xpass).
    Engine,
    /// A failure the expectations table or a reviewed snapshot records.
    Known,
    /// Unexpected once, not on a second run in a fresh process.
    Flaky,
    /// The case or its conventions are broken.
    Corpus,
    /// The harness or an adapter build failed.
    Harness,
}

impl Cause {
    /// How it is spelt in a summary.
    pub fn name(self) -> &'static str {
        match self {
            Cause::Unsupported => "unsupported",
            Cause::Engine => "engine failure",
            Cause::Known => "known failure",
            Cause::Flaky => "flaky",
            Cause::Corpus => "case or corpus problem",
            Cause::Harness => "harness problem",
        }
    }
}

impl Reason {
    /// Its cause.
    pub fn cause(&self) -> Cause {
        match self {
            Reason::MissingProposals(_)
            | Reason::OffByDefault(_)
            | Reason::EngineLacks { .. }
            | Reason::NotRunHere { .. }
            | Reason::Unavailable { .. } => Cause::Unsupported,
            Reason::BrokenCase { .. } => Cause::Corpus,
            Reason::EngineFailed { .. } => Cause::Engine,
            Reason::Harness { .. } => Cause::Harness,
        }
    }

    /// The headings it is counted under within its cause, without places:
    /// one per missing proposal (`needs gc (inferred)`), else its words.
    pub fn groups(&self) -> Vec<String> {
        match self {
            Reason::MissingProposals(Needs { declared, inferred }) => declared
                .iter()
                .map(|p| format!("needs {p}"))
                .chain(inferred.iter().map(|p| format!("needs {p} (inferred)")))
                .collect(),
            Reason::OffByDefault(needs) => needs
                .all()
                .iter()
                .map(|p| format!("{p} not on by default"))
                .collect(),
            Reason::NotRunHere { what, .. } => vec![what.clone()],
            Reason::EngineLacks { what }
            | Reason::Unavailable { what }
            | Reason::BrokenCase { what }
            | Reason::EngineFailed { what }
            | Reason::Harness { what } => vec![what.lines().next().unwrap_or_default().to_string()],
        }
    }
}

impl Reason {
    /// Why a case needing `needs` does not run on an engine offering the
    /// proposals `offered` (all it can enable, or when `defaults_only` those
    /// on by default), if it does not.
    pub fn lacking(needs: &Needs, offered: &[String], defaults_only: bool) -> Option<Reason> {
        let lacking = needs.lacking(offered)?;
        Some(if defaults_only {
            Reason::OffByDefault(lacking)
        } else {
            Reason::MissingProposals(lacking)
        })
    }
}

/// `simd, gc (inferred from its modules)`.
fn needs_in_words(Needs { declared, inferred }: &Needs) -> String {
    let names: Vec<String> = declared
        .iter()
        .map(|p| p.to_string())
        .chain(
            inferred
                .iter()
                .map(|p| format!("{p} (inferred from its modules)")),
        )
        .collect();
    names.join(", ")
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reason::MissingProposals(needs) => write!(
                f,
                "needs {} which this engine version does not support",
                needs_in_words(needs)
            ),
            Reason::OffByDefault(needs) => write!(
                f,
                "needs {}, not on by default in this version (`+defaults` enables nothing)",
                needs_in_words(needs)
            ),
            Reason::NotRunHere { at: Some(at), what } => write!(f, "{at}: {what}"),
            Reason::NotRunHere { at: None, what }
            | Reason::EngineLacks { what }
            | Reason::Unavailable { what }
            | Reason::BrokenCase { what }
            | Reason::EngineFailed { what }
            | Reason::Harness { what } => f.write_str(what),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_proposals_are_counted_one_by_one_and_say_which_were_inferred() {
        use crate::proposal::Proposal;
        let r = Reason::MissingProposals(Needs {
            declared: vec![Proposal::Simd],
            inferred: vec![Proposal::Gc],
        });
        assert_eq!(
            r.to_string(),
            "needs simd, gc (inferred from its modules) which this engine version does not support"
        );
        assert_eq!(r.cause(), Cause::Unsupported);
        assert_eq!(r.groups(), ["needs simd", "needs gc (inferred)"]);
        let off = Reason::OffByDefault(Needs {
            declared: vec![],
            inferred: vec![Proposal::Gc],
        });
        assert_eq!(
            off.to_string(),
            "needs gc (inferred from its modules), not on by default in this version (`+defaults` enables nothing)"
        );
        assert_eq!(off.cause(), Cause::Unsupported);
        assert_eq!(off.groups(), ["gc not on by default"]);
    }

    #[test]
    fn a_reason_keeps_its_kind_through_the_results_file() {
        let r = Reason::NotRunHere {
            at: Some("cases/a.wast:3:2".into()),
            what: "a component".into(),
        };
        let json = serde_json::to_string(&r).unwrap();
        assert_eq!(
            json,
            r#"{"kind":"not-run-here","at":"cases/a.wast:3:2","what":"a component"}"#
        );
        assert_eq!(serde_json::from_str::<Reason>(&json).unwrap(), r);
        assert_eq!(r.to_string(), "cases/a.wast:3:2: a component");
        assert_eq!(r.groups(), ["a component"]);
        let broken = Reason::BrokenCase {
            what: "x.wast:1:1: expected `(`\n  more".into(),
        };
        assert_eq!(broken.cause(), Cause::Corpus);
        assert_eq!(broken.groups(), ["x.wast:1:1: expected `(`"]);
    }
}
