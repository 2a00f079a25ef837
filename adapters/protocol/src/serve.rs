//! The request loop every Rust adapter shares: framing, `hello`, `configure`, and
//! `unsupported` answers for what an adapter leaves out.
//!
//! An adapter implements [`Adapter`]: a few required methods (the engine's name,
//! version and proposals, making a configured engine, and the core requests), and
//! the optional requests, provided with defaults that answer `unsupported`. It
//! lists the optional requests it does implement in [`Adapter::CAPABILITIES`];
//! [`serve`] announces exactly those in `hello` and answers `unsupported` to
//! requests that need any other.

use std::io::{BufRead, Write};

use crate::{
    current_memory_usage, from_line, to_line, Capability, EngineConfig, EngineInfo, Failure,
    FailureKind, HostFunc, InstanceId, LoadPath, ModuleId, Reply, Request, Response, Settings,
    StoreLimits, UnknownImports, Value, PROTOCOL_VERSION,
};

/// One engine and store, configured, answering the harness's requests.
///
/// A value is made by [`Adapter::configure`] for every `configure` request (and
/// once with the default configuration if a request comes before any); the
/// previous value is dropped first.
pub trait Adapter: Sized {
    /// Engine family name reported by `hello`, e.g. `wasmtime`.
    const ENGINE: &'static str;

    /// The optional requests this adapter implements (besides `memory-usage`,
    /// which [`serve`] answers itself). A request needing any other capability is
    /// answered `unsupported` without calling the adapter.
    const CAPABILITIES: &'static [Capability] = &[];

    /// Exact engine version reported by `hello`, e.g. `48.0.8`.
    fn version() -> String;

    /// Proposals this engine version can enable under `settings` (see
    /// [`EngineConfig::features`]).
    fn features(settings: &Settings) -> Vec<&'static str>;

    /// Check the engine settings the process was started with: `Ok` when
    /// this version honours every one, otherwise an `unsupported` failure
    /// naming the one it cannot (then every request is answered with it).
    /// An adapter without settings refuses any.
    fn check_settings(settings: &Settings) -> Result<(), Failure> {
        match settings.keys().next() {
            None => Ok(()),
            Some(key) => Err(Failure::new(
                FailureKind::Unsupported,
                format!("the {} adapter has no setting `{key}`", Self::ENGINE),
            )),
        }
    }

    /// A fresh engine and store for `config`, or an `unsupported` failure naming
    /// what this engine cannot enable. `config.limits` is only set when
    /// [`Capability::StoreLimits`] is announced, `config.cache_dir` only when
    /// [`Capability::CacheDir`] is.
    fn configure(config: &EngineConfig) -> Result<Self, Failure>;

    /// Compile (decode and validate) `bytes` as `module`.
    fn compile(&mut self, module: ModuleId, bytes: Vec<u8>) -> Result<(), Failure>;

    /// Instantiate `module` as `instance`.
    fn instantiate(&mut self, module: ModuleId, instance: InstanceId) -> Result<(), Failure>;

    /// Make the exports of `instance` importable under `name`.
    fn register(&mut self, instance: InstanceId, name: String) -> Result<(), Failure>;

    /// Call the exported function `export` of `instance`.
    fn invoke(
        &mut self,
        instance: InstanceId,
        export: &str,
        args: &[Value],
    ) -> Result<Vec<Value>, Failure>;

    /// Read the exported global `export` of `instance`.
    fn get_global(&mut self, instance: InstanceId, export: &str) -> Result<Value, Failure>;

    /// Size in pages of the exported memory `export` of `instance`.
    fn memory_size(&mut self, instance: InstanceId, export: &str) -> Result<u64, Failure>;

    /// Forget `instance`.
    fn drop_instance(&mut self, instance: InstanceId) -> Result<(), Failure>;

    /// Forget `module`.
    fn drop_module(&mut self, module: ModuleId) -> Result<(), Failure>;

    /// [`Capability::Serialize`]: `module` in the engine's artifact format.
    fn serialize(&mut self, module: ModuleId) -> Result<Vec<u8>, Failure> {
        let _ = module;
        Err(unsupported(Capability::Serialize))
    }

    /// [`Capability::Deserialize`]: load an artifact as `module` through
    /// the loading path `via` (one of bytes; an `unsupported` failure for a
    /// path the engine version lacks).
    fn deserialize(
        &mut self,
        module: ModuleId,
        bytes: Vec<u8>,
        via: LoadPath,
    ) -> Result<(), Failure> {
        let _ = (module, bytes, via);
        Err(unsupported(Capability::Deserialize))
    }

    /// [`Capability::DeserializeFile`]: load the artifact file at `path` as
    /// `module` through the loading path `via` (one of files).
    fn deserialize_file(
        &mut self,
        module: ModuleId,
        path: &str,
        via: LoadPath,
    ) -> Result<(), Failure> {
        let _ = (module, path, via);
        Err(unsupported(Capability::DeserializeFile))
    }

    /// [`Capability::HostFunctions`]: define a host function for later instantiations.
    fn define_host(&mut self, host: HostFunc) -> Result<(), Failure> {
        let _ = host;
        Err(unsupported(Capability::HostFunctions))
    }

    /// [`Capability::HostFunctions`]: the recorded calls of `module`::`name`.
    fn host_calls(&mut self, module: &str, name: &str) -> Result<Vec<Vec<Value>>, Failure> {
        let _ = (module, name);
        Err(unsupported(Capability::HostFunctions))
    }

    /// [`Capability::StoreLimits`]: install `limits` on this and later stores.
    fn set_limits(&mut self, limits: StoreLimits) -> Result<(), Failure> {
        let _ = limits;
        Err(unsupported(Capability::StoreLimits))
    }

    /// [`Capability::GrowMemory`]: grow a memory from the host; the previous size in pages.
    fn grow_memory(
        &mut self,
        instance: InstanceId,
        export: &str,
        delta: u64,
    ) -> Result<u64, Failure> {
        let _ = (instance, export, delta);
        Err(unsupported(Capability::GrowMemory))
    }

    /// [`Capability::DropStore`]: a new empty store, compiled modules kept.
    fn drop_store(&mut self) -> Result<(), Failure> {
        Err(unsupported(Capability::DropStore))
    }

    /// [`Capability::UnknownImports`]: give `module`'s unprovided imports
    /// the linker's definitions (`fill`) for its next instantiations.
    fn define_unknown_imports(
        &mut self,
        module: ModuleId,
        fill: UnknownImports,
    ) -> Result<(), Failure> {
        let _ = (module, fill);
        Err(unsupported(Capability::UnknownImports))
    }
}

/// A load path of files asked of `deserialize`, or one of bytes of `deserialize-file`.
fn wrong_kind(via: LoadPath) -> Failure {
    Failure::new(
        FailureKind::Other,
        format!("bad request: load path `{via}` does not go with this request"),
    )
}

fn unsupported(capability: Capability) -> Failure {
    Failure::new(
        FailureKind::Unsupported,
        format!("this adapter does not implement `{capability}`"),
    )
}

/// What `hello` answers for `A` under `settings`.
pub fn hello<A: Adapter>(settings: &Settings) -> EngineInfo {
    let mut capabilities = A::CAPABILITIES.to_vec();
    if current_memory_usage().is_some() {
        capabilities.push(Capability::MemoryUsage);
    }
    capabilities.sort();
    capabilities.dedup();
    EngineInfo {
        engine: A::ENGINE.to_string(),
        version: A::version(),
        protocol: PROTOCOL_VERSION,
        features: A::features(settings)
            .into_iter()
            .map(String::from)
            .collect(),
        capabilities,
        host: None,
        settings: settings.clone(),
    }
}

/// The command-line argument that starts an adapter with the engine setting
/// `key = value` (what [`settings_from_args`] reads back).
pub fn setting_arg(key: &str, value: &str) -> String {
    format!("--setting={key}={value}")
}

/// The engine settings in an adapter's command line: every `--setting
/// KEY=VALUE` (or `--setting=KEY=VALUE`); other arguments are left alone.
pub fn settings_from_args(args: impl IntoIterator<Item = String>) -> Result<Settings, String> {
    let mut settings = Settings::new();
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let pair = match arg.strip_prefix("--setting") {
            Some("") => args.next().ok_or("`--setting` needs KEY=VALUE after it")?,
            Some(rest) if rest.starts_with('=') => rest[1..].to_string(),
            _ => continue,
        };
        let (key, value) = pair
            .split_once('=')
            .ok_or_else(|| format!("`--setting {pair}` is not KEY=VALUE"))?;
        settings.insert(key.to_string(), value.to_string());
    }
    Ok(settings)
}

/// Serve requests on stdin and answer on stdout until stdin ends (or stdout
/// closes), then return: the adapter's `main` is this one call.
pub fn serve<A: Adapter>() {
    let settings = match settings_from_args(std::env::args().skip(1)) {
        Ok(settings) => settings,
        Err(e) => {
            eprintln!("{}: {e}", A::ENGINE);
            std::process::exit(2);
        }
    };
    let stdin = std::io::stdin();
    let stdout = std::io::stdout();
    if let Err(e) = serve_lines::<A>(&settings, stdin.lock(), stdout.lock()) {
        eprintln!("{}: {e}", A::ENGINE);
    }
}

/// Serve requests read from `input`, one per line, answering one line each on
/// `output`, flushed after every answer, with the engine `settings` of the
/// process. Returns at the end of `input`; an `output` that can no longer be
/// written (the harness went away) also ends it.
pub fn serve_lines<A: Adapter>(
    settings: &Settings,
    input: impl BufRead,
    mut output: impl Write,
) -> std::io::Result<()> {
    let info = A::check_settings(settings).map(|()| hello::<A>(settings));
    let mut adapter: Option<A> = None;
    for line in input.lines() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        let answer = match from_line::<Request>(&line) {
            Err(e) => Err(Failure::new(
                FailureKind::Other,
                format!("bad request: {e}"),
            )),
            Ok(request) => answer(&info, &mut adapter, request),
        };
        let response = match answer {
            Ok(reply) => Response::Ok(reply),
            Err(failure) => Response::Err(failure),
        };
        writeln!(output, "{}", to_line(&response))?;
        output.flush()?;
    }
    Ok(())
}

/// The answer to one parsed request (each one is the refusal of the
/// settings when they cannot be honoured).
fn answer<A: Adapter>(
    info: &Result<EngineInfo, Failure>,
    adapter: &mut Option<A>,
    request: Request,
) -> Result<Reply, Failure> {
    let info = info.as_ref().map_err(Clone::clone)?;
    if let Some(missing) = request
        .capabilities()
        .into_iter()
        .find(|c| !info.capabilities.contains(c))
    {
        return Err(Failure::new(
            FailureKind::Unsupported,
            format!(
                "the {} {} adapter does not implement `{missing}`",
                info.engine, info.version
            ),
        ));
    }
    match request {
        Request::Hello => return Ok(Reply::Hello(info.clone())),
        Request::MemoryUsage => {
            return current_memory_usage()
                .map(Reply::Memory)
                .ok_or_else(|| unsupported(Capability::MemoryUsage))
        }
        Request::Configure(mut config) => {
            config.settings = info.settings.clone();
            // Drop everything of the previous configuration before making the next.
            *adapter = None;
            *adapter = Some(A::configure(&config)?);
            return Ok(Reply::Done);
        }
        _ => {}
    }
    let adapter = match adapter {
        Some(adapter) => adapter,
        // Before any `configure`, the default configuration is used.
        None => adapter.insert(A::configure(&EngineConfig {
            settings: info.settings.clone(),
            ..EngineConfig::default()
        })?),
    };
    let done = |result: Result<(), Failure>| result.map(|()| Reply::Done);
    match request {
        Request::Hello | Request::Configure(_) | Request::MemoryUsage => {
            unreachable!("answered above")
        }
        Request::Compile { module, bytes } => done(adapter.compile(module, bytes.0)),
        Request::Instantiate { module, instance } => done(adapter.instantiate(module, instance)),
        Request::Register { instance, name } => done(adapter.register(instance, name)),
        Request::Invoke {
            instance,
            export,
            args,
        } => adapter.invoke(instance, &export, &args).map(Reply::Values),
        Request::GetGlobal { instance, export } => adapter
            .get_global(instance, &export)
            .map(|value| Reply::Values(vec![value])),
        Request::MemorySize { instance, export } => {
            adapter.memory_size(instance, &export).map(Reply::Pages)
        }
        Request::DropInstance { instance } => done(adapter.drop_instance(instance)),
        Request::DropModule { module } => done(adapter.drop_module(module)),
        Request::Serialize { module } => adapter
            .serialize(module)
            .map(|bytes| Reply::Bytes(crate::Bytes(bytes))),
        Request::Deserialize { module, bytes, via } => {
            let via = via.unwrap_or(LoadPath::Bytes);
            if via.from_file() {
                return Err(wrong_kind(via));
            }
            done(adapter.deserialize(module, bytes.0, via))
        }
        Request::DeserializeFile { module, path, via } => {
            let via = via.unwrap_or(LoadPath::File);
            if !via.from_file() {
                return Err(wrong_kind(via));
            }
            done(adapter.deserialize_file(module, &path, via))
        }
        Request::DefineHost(host) => done(adapter.define_host(host)),
        Request::HostCalls { module, name } => adapter.host_calls(&module, &name).map(Reply::Calls),
        Request::SetLimits(limits) => done(adapter.set_limits(limits)),
        Request::GrowMemory {
            instance,
            export,
            delta,
        } => adapter
            .grow_memory(instance, &export, delta)
            .map(Reply::Pages),
        Request::DropStore => done(adapter.drop_store()),
        // A Rust host has no collector: what is dropped is freed at once.
        Request::Collect => Err(unsupported(Capability::Collect)),
        Request::CloseInstance { .. } => Err(unsupported(Capability::CloseInstance)),
        Request::ResolveImports { .. } => Err(unsupported(Capability::ImportResolver)),
        Request::DefineUnknownImports { module, fill } => {
            done(adapter.define_unknown_imports(module, fill))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An engine of one instance whose only function returns its arguments.
    struct Echo {
        config: EngineConfig,
    }

    impl Adapter for Echo {
        const ENGINE: &'static str = "echo";
        const CAPABILITIES: &'static [Capability] = &[Capability::DropStore];

        fn version() -> String {
            "0.1.0".into()
        }
        fn features(_: &Settings) -> Vec<&'static str> {
            vec!["simd"]
        }
        fn check_settings(settings: &Settings) -> Result<(), Failure> {
            match settings.get("mode").map(String::as_str) {
                None | Some("fast") if settings.len() <= 1 => Ok(()),
                _ => Err(Failure::new(FailureKind::Unsupported, "only mode=fast")),
            }
        }
        fn configure(config: &EngineConfig) -> Result<Self, Failure> {
            if config.features.iter().any(|f| f != "simd") {
                return Err(Failure::new(FailureKind::Unsupported, "only simd"));
            }
            Ok(Echo {
                config: config.clone(),
            })
        }
        fn compile(&mut self, _: ModuleId, _: Vec<u8>) -> Result<(), Failure> {
            Ok(())
        }
        fn instantiate(&mut self, _: ModuleId, _: InstanceId) -> Result<(), Failure> {
            Ok(())
        }
        fn register(&mut self, _: InstanceId, _: String) -> Result<(), Failure> {
            Ok(())
        }
        fn invoke(
            &mut self,
            _: InstanceId,
            _: &str,
            args: &[Value],
        ) -> Result<Vec<Value>, Failure> {
            Ok(args.to_vec())
        }
        fn get_global(&mut self, _: InstanceId, _: &str) -> Result<Value, Failure> {
            Ok(Value::I32(self.config.features.len() as u32))
        }
        fn memory_size(&mut self, _: InstanceId, _: &str) -> Result<u64, Failure> {
            Ok(1)
        }
        fn drop_instance(&mut self, _: InstanceId) -> Result<(), Failure> {
            Ok(())
        }
        fn drop_module(&mut self, _: ModuleId) -> Result<(), Failure> {
            Ok(())
        }
        fn drop_store(&mut self) -> Result<(), Failure> {
            Ok(())
        }
    }

    /// The response lines `Echo` gives for `input`.
    fn served(input: &str) -> Vec<String> {
        served_with(&Settings::new(), input)
    }

    /// The response lines `Echo` started with `settings` gives for `input`.
    fn served_with(settings: &Settings, input: &str) -> Vec<String> {
        let mut out = Vec::new();
        serve_lines::<Echo>(settings, input.as_bytes(), &mut out).unwrap();
        String::from_utf8(out)
            .unwrap()
            .lines()
            .map(String::from)
            .collect()
    }

    #[test]
    fn one_answer_per_request_line_in_order() {
        let out = served(concat!(
            "{\"op\":\"invoke\",\"instance\":0,\"export\":\"f\",\"args\":[{\"i32\":\"0x00000007\"}]}\n",
            "\n",
            "not json\n",
            "{\"op\":\"frobnicate\"}\n",
            "{\"op\":\"drop-store\"}\n",
        ));
        assert_eq!(out.len(), 4, "{out:?}");
        assert_eq!(out[0], r#"{"ok":{"values":[{"i32":"0x00000007"}]}}"#);
        assert!(out[1].starts_with(r#"{"err":{"kind":"other","message":"bad request"#));
        assert!(out[2].starts_with(r#"{"err":{"kind":"other","message":"bad request"#));
        assert_eq!(out[3], r#"{"ok":"done"}"#);
    }

    #[test]
    fn hello_announces_the_implemented_capabilities() {
        let out = served("{\"op\":\"hello\"}\n");
        let Response::Ok(Reply::Hello(info)) = from_line(&out[0]).unwrap() else {
            panic!("{out:?}")
        };
        assert_eq!(info.engine, "echo");
        assert_eq!(info.version, "0.1.0");
        assert_eq!(info.protocol, PROTOCOL_VERSION);
        assert_eq!(info.features, ["simd"]);
        assert!(info.capabilities.contains(&Capability::DropStore));
        assert!(!info.capabilities.contains(&Capability::Serialize));
    }

    #[test]
    fn requests_needing_other_capabilities_are_unsupported() {
        let out = served(concat!(
            "{\"op\":\"serialize\",\"module\":0}\n",
            "{\"op\":\"configure\",\"features\":[],\"cache_dir\":\"/tmp/x\"}\n",
            "{\"op\":\"configure\",\"features\":[],\"limits\":{\"instances\":1}}\n",
            "{\"op\":\"set-limits\",\"trap_on_grow_failure\":true}\n",
        ));
        for line in &out {
            assert!(line.contains(r#""kind":"unsupported""#), "{line}");
        }
        assert!(out[0].contains("`serialize`"), "{}", out[0]);
        assert!(out[1].contains("`cache-dir`"), "{}", out[1]);
        assert!(out[2].contains("`store-limits`"), "{}", out[2]);
    }

    #[test]
    fn configure_replaces_the_engine_and_a_refused_one_leaves_the_default() {
        let global = "{\"op\":\"get-global\",\"instance\":0,\"export\":\"g\"}\n";
        let out = served(&format!(
            "{global}{{\"op\":\"configure\",\"features\":[\"simd\"]}}\n{global}\
             {{\"op\":\"configure\",\"features\":[\"gc\"]}}\n{global}"
        ));
        assert_eq!(out[0], r#"{"ok":{"values":[{"i32":"0x00000000"}]}}"#);
        assert_eq!(out[1], r#"{"ok":"done"}"#);
        assert_eq!(out[2], r#"{"ok":{"values":[{"i32":"0x00000001"}]}}"#);
        assert_eq!(
            out[3],
            r#"{"err":{"kind":"unsupported","message":"only simd"}}"#
        );
        assert_eq!(out[4], r#"{"ok":{"values":[{"i32":"0x00000000"}]}}"#);
    }

    #[test]
    fn settings_come_from_the_command_line_and_hello_repeats_them() {
        let args = [
            "--interpreter",
            "--setting",
            "mode=fast",
            &setting_arg("b", "x=y"),
        ];
        let settings = settings_from_args(args.map(String::from)).unwrap();
        assert_eq!(settings.get("mode").unwrap(), "fast");
        assert_eq!(settings.get("b").unwrap(), "x=y");
        assert!(settings_from_args(["--setting".to_string()]).is_err());
        assert!(settings_from_args(["--setting=novalue".to_string()]).is_err());

        let fast = Settings::from([("mode".to_string(), "fast".to_string())]);
        let out = served_with(&fast, "{\"op\":\"hello\"}\n");
        let Response::Ok(Reply::Hello(info)) = from_line(&out[0]).unwrap() else {
            panic!("{out:?}")
        };
        assert_eq!(info.settings, fast);
    }

    #[test]
    fn settings_an_adapter_cannot_honour_make_every_request_unsupported() {
        let slow = Settings::from([("mode".to_string(), "slow".to_string())]);
        let out = served_with(&slow, "{\"op\":\"hello\"}\n{\"op\":\"drop-store\"}\n");
        assert_eq!(out.len(), 2);
        for line in &out {
            assert_eq!(
                line,
                r#"{"err":{"kind":"unsupported","message":"only mode=fast"}}"#
            );
        }
    }
}
