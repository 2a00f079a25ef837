//! Engine configuration: the engine settings of a configuration (the
//! compiler), which proposals this wasmer version and compiler can enable, and
//! turning a protocol [`EngineConfig`] into a `wasmer::Engine`.

use wasm_compat_protocol::{EngineConfig, Failure, FailureKind, Settings as Raw};
use wasmer::Engine;
// The native runtime's own items live in `wasmer::sys` from 4.2.6 on (their
// root re-exports are deprecated there and gone in 5); before, `sys` is
// private and they are only at the root.
#[cfg(wasmer_ge_4_2_6)]
use wasmer::sys::{CompilerConfig, Cranelift, EngineBuilder, Features, Singlepass};
#[cfg(not(wasmer_ge_4_2_6))]
use wasmer::{CompilerConfig, Cranelift, EngineBuilder, Features, Singlepass};

/// Which compiler turns modules into machine code (`compiler` setting).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compiler {
    /// `cranelift`: the optimising compiler, wasmer's default.
    Cranelift,
    /// `singlepass`: the linear-time baseline compiler.
    Singlepass,
}

impl Compiler {
    /// Its `compiler` setting value.
    pub fn name(self) -> &'static str {
        match self {
            Compiler::Cranelift => "cranelift",
            Compiler::Singlepass => "singlepass",
        }
    }

    /// A fresh compiler configuration of this kind, with wasmer's defaults.
    fn config(self) -> Box<dyn CompilerConfig> {
        match self {
            Compiler::Cranelift => Box::new(Cranelift::default()),
            Compiler::Singlepass => Box::new(Singlepass::default()),
        }
    }

    /// The proposals this compiler can compile for the host, by wasmer's own
    /// account (`supported_features_for_target`; before 6 only the defaults,
    /// `default_features_for_target`, are known to work).
    fn supported(self) -> Features {
        let config = self.config();
        #[cfg(wasmer_ge_6)]
        let mut features = config.supported_features_for_target(&Default::default());
        #[cfg(not(wasmer_ge_6))]
        let mut features = config.default_features_for_target(&Default::default());
        if self == Compiler::Singlepass {
            // Singlepass validates SIMD (it is on in `Features::default()`) but
            // has no code generation for any v128 operator.
            features.simd = false;
            features.relaxed_simd = false;
        }
        features
    }

    /// The proposals this compiler has on when none are asked for.
    fn defaults(self) -> Features {
        self.config()
            .default_features_for_target(&Default::default())
    }
}

/// The engine settings this adapter understands, typed; documented in
/// `adapters/wasmer/README.md`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EngineSettings {
    /// `compiler = cranelift | singlepass`.
    pub compiler: Compiler,
}

impl EngineSettings {
    /// The typed settings of `raw`, or an `unsupported` failure naming the
    /// first one this version cannot honour.
    pub fn parse(raw: &Raw) -> Result<EngineSettings, Failure> {
        let mut out = EngineSettings {
            compiler: Compiler::Cranelift,
        };
        let version = env!("CARGO_PKG_VERSION");
        for (key, value) in raw {
            let bad = || unsupported(format!("wasmer {version} has no setting `{key} = {value}`"));
            match key.as_str() {
                "compiler" => {
                    out.compiler = match value.as_str() {
                        "cranelift" => Compiler::Cranelift,
                        "singlepass" => Compiler::Singlepass,
                        _ => return Err(bad()),
                    }
                }
                _ => return Err(bad()),
            }
        }
        Ok(out)
    }

    /// The settings of `raw`, or the defaults when they do not parse (the
    /// protocol loop refuses every request then anyway).
    pub fn or_default(raw: &Raw) -> EngineSettings {
        EngineSettings::parse(raw).unwrap_or(EngineSettings {
            compiler: Compiler::Cranelift,
        })
    }
}

/// Proposals every supported version has on, whatever the compiler: the
/// validator always accepts them, and `annotations` is text-format only.
const ALWAYS: &[&str] = &[
    "sign-extension-ops",
    "nontrapping-float-to-int-conversions",
    "mutable-global",
    "annotations",
];

/// The proposals a proposal needs on as well (the validator rejects it alone).
fn requires(name: &str) -> &'static [&'static str] {
    match name {
        "reference-types" => &["bulk-memory"],
        "relaxed-simd" => &["simd"],
        "exceptions" => &["bulk-memory", "reference-types"],
        _ => &[],
    }
}

/// The switch in `features` for proposal `name`, if wasmer has one.
fn flag<'a>(features: &'a mut Features, name: &str) -> Option<&'a mut bool> {
    Some(match name {
        "multi-value" => &mut features.multi_value,
        "bulk-memory" => &mut features.bulk_memory,
        "reference-types" => &mut features.reference_types,
        "simd" => &mut features.simd,
        "relaxed-simd" => &mut features.relaxed_simd,
        "threads" => &mut features.threads,
        "tail-call" => &mut features.tail_call,
        "multi-memory" => &mut features.multi_memory,
        "memory64" => &mut features.memory64,
        "exceptions" => &mut features.exceptions,
        "extended-const" => &mut features.extended_const,
        // `Features::wide_arithmetic` appeared in 7.1.
        #[cfg(wasmer_ge_7_1)]
        "wide-arithmetic" => &mut features.wide_arithmetic,
        _ => return None,
    })
}

/// Proposal names wasmer has a switch for, in the order `hello` lists them.
const SWITCHED: &[&str] = &[
    "multi-value",
    "bulk-memory",
    "reference-types",
    "simd",
    "relaxed-simd",
    "threads",
    "tail-call",
    "multi-memory",
    "memory64",
    "exceptions",
    "extended-const",
    "wide-arithmetic",
];

/// Proposal names this version can enable with `compiler`, as reported by `hello`.
pub fn supported_features(compiler: Compiler) -> Vec<&'static str> {
    let mut supported = compiler.supported();
    let mut names: Vec<&'static str> = SWITCHED
        .iter()
        .copied()
        .filter(|name| flag(&mut supported, name).is_some_and(|on| *on))
        .collect();
    names.extend_from_slice(ALWAYS);
    names
}

/// Everything a session needs to know besides the engine itself.
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    /// Whether the threads proposal is on (the spectest module then has `shared_memory`).
    pub threads: bool,
}

fn unsupported(msg: impl Into<String>) -> Failure {
    Failure::new(FailureKind::Unsupported, msg)
}

/// The wasmer features for `cfg`: the compiler's defaults plus the proposals
/// asked for, or an `unsupported` failure naming one it cannot enable.
fn features(compiler: Compiler, cfg: &EngineConfig) -> Result<Features, Failure> {
    let mut supported = compiler.supported();
    let mut features = compiler.defaults();
    for name in &cfg.features {
        if ALWAYS.contains(&name.as_str()) {
            continue;
        }
        let can = flag(&mut supported, name).is_some_and(|on| *on);
        if !can {
            return Err(unsupported(format!(
                "wasmer {} with {} cannot enable proposal `{name}`",
                env!("CARGO_PKG_VERSION"),
                compiler.name()
            )));
        }
        for needed in requires(name).iter().copied().chain([name.as_str()]) {
            if let Some(on) = flag(&mut features, needed) {
                *on = true;
            }
        }
    }
    Ok(features)
}

/// Build the wasmer engine for `cfg`.
pub fn build(cfg: &EngineConfig) -> Result<(Engine, Settings), Failure> {
    let compiler = EngineSettings::parse(&cfg.settings)?.compiler;
    let features = features(compiler, cfg)?;
    let settings = Settings {
        threads: features.threads,
    };
    let builder = EngineBuilder::new(compiler.config()).set_features(Some(features));
    Ok((Engine::from(builder), settings))
}
