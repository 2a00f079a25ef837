//! Version-dependent pieces of the wasmi API (0.31 .. 2.0) behind one small surface.
//!
//! Every `#[cfg(wasmi_ge_X_Y)]` below comes from `build.rs` and means "wasmi >= X.Y";
//! `wasmi_feature_<f>` means cargo feature `<f>` of wasmi is enabled.

use wasm_compat_protocol::{Compute, RefValue, Value};
use wasmi::{
    Extern, Func, Global, Instance, Linker, Memory, Module, Mutability, Store, StoreContext, Table,
};

#[cfg(wasmi_ge_0_32)]
pub use wasmi::Val;
#[cfg(not(wasmi_ge_0_32))]
pub use wasmi::Value as Val;

#[cfg(all(wasmi_ge_0_32, not(wasmi_ge_0_49)))]
pub use wasmi::core::ValType;
#[cfg(not(wasmi_ge_0_32))]
pub use wasmi::core::ValueType as ValType;
#[cfg(wasmi_ge_0_49)]
pub use wasmi::ValType;

#[cfg(not(wasmi_ge_0_49))]
pub use wasmi::core::{TrapCode, F32, F64};
#[cfg(wasmi_ge_0_49)]
pub use wasmi::{TrapCode, F32, F64};

#[cfg(all(wasmi_ge_0_43, not(wasmi_ge_0_49)))]
use wasmi::core::V128;
#[cfg(wasmi_ge_0_49)]
use wasmi::V128;

#[cfg(wasmi_ge_2_0)]
use wasmi::Nullable;
/// The nullable wrapper of reference values (`Ref<T>` in 0.49..1.x, `Nullable<T>` in 2.0).
#[cfg(all(wasmi_ge_0_49, not(wasmi_ge_2_0)))]
use wasmi::Ref as Nullable;

#[cfg(all(wasmi_ge_2_0, not(wasmi_feature_validate)))]
compile_error!("wasmi >= 2.0 only validates modules with its `validate` cargo feature; enable it");

/// The error type host functions return (`Trap` before 0.32).
#[cfg(wasmi_ge_0_32)]
pub type HostError = wasmi::Error;
#[cfg(not(wasmi_ge_0_32))]
pub type HostError = wasmi::core::Trap;

/// Marks the messages of errors returned by host functions defined with `trap`.
pub const HOST_TRAP_PREFIX: &str = "host function trapped: ";

/// The protocol's host function types as wasmi value types.
pub fn val_type(t: wasm_compat_protocol::ValType) -> ValType {
    match t {
        wasm_compat_protocol::ValType::I32 => ValType::I32,
        wasm_compat_protocol::ValType::I64 => ValType::I64,
        wasm_compat_protocol::ValType::F32 => ValType::F32,
        wasm_compat_protocol::ValType::F64 => ValType::F64,
        wasm_compat_protocol::ValType::Externref => ValType::ExternRef,
        wasm_compat_protocol::ValType::Funcref => ValType::FuncRef,
    }
}

/// A number value as a wasmi value (`returns` are numbers only).
pub fn number_to_wasmi(value: &Value) -> Option<Val> {
    Some(match value {
        Value::I32(bits) => Val::I32(*bits as i32),
        Value::I64(bits) => Val::I64(*bits as i64),
        Value::F32(bits) => Val::F32(F32::from_bits(*bits)),
        Value::F64(bits) => Val::F64(F64::from_bits(*bits)),
        _ => return None,
    })
}

/// Creates the host function `host` in `store`, recording its calls in `calls`.
pub fn host_func(
    store: &mut HostStore,
    host: &wasm_compat_protocol::HostFunc,
    calls: &wasm_compat_protocol::HostCallLog,
) -> Result<Func, String> {
    let ty = wasmi::FuncType::new(
        host.params.iter().map(|t| val_type(*t)),
        host.results.iter().map(|t| val_type(*t)),
    );
    let returns = host
        .returns
        .iter()
        .map(number_to_wasmi)
        .collect::<Option<Vec<Val>>>()
        .ok_or("host functions return numbers only")?;
    let trap = host.trap.clone();
    let computes = host.computes;
    let result = host.results.first().copied();
    let (module, name) = (host.module.clone(), host.name.clone());
    let calls = calls.clone();
    Ok(Func::new(
        &mut *store,
        ty,
        move |caller: wasmi::Caller<'_, Data>,
              params: &[Val],
              results: &mut [Val]|
              -> Result<(), HostError> {
            // Arguments are logged the way `invoke` reports results.
            let args: Vec<Value> = params.iter().map(|v| from_wasmi(&caller, v)).collect();
            let answer = match (computes, result) {
                (Some(c), Some(ty)) => wasm_compat_protocol::compute::answer(c, &args, ty),
                _ => None,
            };
            calls.record(&module, &name, args);
            if let Some(message) = &trap {
                return Err(HostError::new(format!("{HOST_TRAP_PREFIX}{message}")));
            }
            match computes {
                // The engine's own values go back, every bit of them.
                Some(Compute::Echo) => {
                    for (slot, arg) in results.iter_mut().zip(params) {
                        *slot = arg.clone();
                    }
                }
                Some(_) => {
                    if let (Some(slot), Some(val)) = (
                        results.first_mut(),
                        answer.as_ref().and_then(number_to_wasmi),
                    ) {
                        *slot = val;
                    }
                }
                None => {
                    for (slot, value) in results.iter_mut().zip(&returns) {
                        *slot = value.clone();
                    }
                }
            }
            Ok(())
        },
    ))
}

/// Per-store host data.
pub struct Data {
    /// Limits installed as the store's resource limiter (if any were configured).
    pub limits: wasmi::StoreLimits,
}

/// The store type used throughout the adapter.
pub type HostStore = Store<Data>;

/// Whether the build can enable memory64 at all.
pub const HAS_MEMORY64: bool = cfg!(all(
    wasmi_ge_0_41,
    any(not(wasmi_ge_2_0), wasmi_feature_memory64)
));
/// Whether the build can enable simd at all.
pub const HAS_SIMD: bool = cfg!(all(wasmi_ge_0_43, wasmi_feature_simd));
/// Whether the build can enable relaxed-simd at all.
pub const HAS_RELAXED_SIMD: bool = cfg!(all(wasmi_ge_0_44, wasmi_feature_simd));
/// Whether memory64 is on in a default configuration.
pub const MEMORY64_BY_DEFAULT: bool = HAS_MEMORY64;

/// Proposals (spec repository folder names) this build can enable.
pub fn supported_proposals() -> Vec<&'static str> {
    let mut out = vec![
        "multi-value",
        "bulk-memory",
        "reference-types",
        "sign-extension-ops",
        "nontrapping-float-to-int-conversions",
        "mutable-global",
        "tail-call",
        "extended-const",
        "annotations",
    ];
    if cfg!(wasmi_ge_0_37) {
        out.push("multi-memory");
    }
    if cfg!(wasmi_ge_0_41) {
        out.push("custom-page-sizes");
    }
    if HAS_MEMORY64 {
        out.push("memory64");
    }
    if cfg!(wasmi_ge_0_42) {
        out.push("wide-arithmetic");
    }
    if HAS_SIMD {
        out.push("simd");
    }
    if HAS_RELAXED_SIMD {
        out.push("relaxed-simd");
    }
    out
}

/// Enables proposal `name` in `config`; `false` if this build cannot.
pub fn enable_proposal(config: &mut wasmi::Config, name: &str) -> bool {
    match name {
        "annotations" => {}
        "multi-value" => {
            config.wasm_multi_value(true);
        }
        "bulk-memory" => {
            config.wasm_bulk_memory(true);
        }
        "reference-types" => {
            config.wasm_reference_types(true);
        }
        "sign-extension-ops" => {
            config.wasm_sign_extension(true);
        }
        "nontrapping-float-to-int-conversions" => {
            config.wasm_saturating_float_to_int(true);
        }
        "mutable-global" => {
            config.wasm_mutable_global(true);
        }
        "tail-call" => {
            config.wasm_tail_call(true);
        }
        "extended-const" => {
            config.wasm_extended_const(true);
        }
        #[cfg(wasmi_ge_0_37)]
        "multi-memory" => {
            config.wasm_multi_memory(true);
        }
        #[cfg(wasmi_ge_0_41)]
        "custom-page-sizes" => {
            config.wasm_custom_page_sizes(true);
        }
        #[cfg(all(wasmi_ge_0_41, any(not(wasmi_ge_2_0), wasmi_feature_memory64)))]
        "memory64" => {
            config.wasm_memory64(true);
        }
        #[cfg(wasmi_ge_0_42)]
        "wide-arithmetic" => {
            config.wasm_wide_arithmetic(true);
        }
        #[cfg(all(wasmi_ge_0_43, wasmi_feature_simd))]
        "simd" => {
            config.wasm_simd(true);
        }
        #[cfg(all(wasmi_ge_0_44, wasmi_feature_simd))]
        "relaxed-simd" => {
            config.wasm_simd(true);
            config.wasm_relaxed_simd(true);
        }
        _ => return false,
    }
    true
}

/// Builds store limits from the protocol's settings.
pub fn store_limits(l: &wasm_compat_protocol::StoreLimits) -> wasmi::StoreLimits {
    let to_usize =
        |v: Option<u64>| v.map_or(usize::MAX, |v| usize::try_from(v).unwrap_or(usize::MAX));
    let mut b = wasmi::StoreLimitsBuilder::new()
        .instances(to_usize(l.instances))
        .tables(usize::MAX)
        .memories(usize::MAX)
        .trap_on_grow_failure(l.trap_on_grow_failure);
    if let Some(bytes) = l.memory_bytes {
        b = b.memory_size(usize::try_from(bytes).unwrap_or(usize::MAX));
    }
    if let Some(elems) = l.table_elements {
        b = b.table_elements(elems.try_into().unwrap_or(!0));
    }
    b.build()
}

/// Compiles (decodes and validates) a module.
pub fn compile(engine: &wasmi::Engine, bytes: &[u8]) -> Result<Module, wasmi::Error> {
    Module::new(engine, bytes)
}

/// Instantiates `module` with imports resolved by `linker`, running its start function.
pub fn instantiate(
    linker: &Linker<Data>,
    store: &mut HostStore,
    module: &Module,
) -> Result<Instance, wasmi::Error> {
    #[cfg(wasmi_ge_0_49)]
    {
        linker.instantiate_and_start(&mut *store, module)
    }
    #[cfg(not(wasmi_ge_0_49))]
    {
        linker.instantiate(&mut *store, module)?.start(&mut *store)
    }
}

/// The exports of an instance as (name, extern) pairs.
pub fn exports(store: &HostStore, instance: &Instance) -> Vec<(String, Extern)> {
    instance
        .exports(store)
        .map(|e| (e.name().to_string(), e.into_extern()))
        .collect()
}

/// Calls `func` with `args`, returning its results.
pub fn call(store: &mut HostStore, func: &Func, args: &[Val]) -> Result<Vec<Val>, wasmi::Error> {
    let ty = func.ty(&*store);
    let mut results: Vec<Val> = ty.results().iter().map(|t| default_val(*t)).collect();
    func.call(&mut *store, args, &mut results)?;
    Ok(results)
}

/// The zero value of a type (`Val::default` was renamed `default_for_ty` in 2.0).
fn default_val(ty: ValType) -> Val {
    #[cfg(wasmi_ge_2_0)]
    {
        Val::default_for_ty(ty)
    }
    #[cfg(not(wasmi_ge_2_0))]
    {
        Val::default(ty)
    }
}

/// Reads a global.
pub fn global_get(store: &HostStore, global: &Global) -> Val {
    global.get(store)
}

/// Current size of `memory` in pages.
pub fn memory_size(store: &HostStore, memory: &Memory) -> u64 {
    #[cfg(wasmi_ge_0_41)]
    {
        memory.size(store)
    }
    #[cfg(all(wasmi_ge_0_33, not(wasmi_ge_0_41)))]
    {
        u64::from(memory.size(store))
    }
    #[cfg(not(wasmi_ge_0_33))]
    {
        u64::from(u32::from(memory.current_pages(store)))
    }
}

/// Grows `memory` by `delta` pages from the host; returns the previous size.
pub fn memory_grow(store: &mut HostStore, memory: &Memory, delta: u64) -> Result<u64, String> {
    #[cfg(wasmi_ge_0_41)]
    {
        memory.grow(&mut *store, delta).map_err(|e| e.to_string())
    }
    #[cfg(all(wasmi_ge_0_33, not(wasmi_ge_0_41)))]
    {
        let delta = u32::try_from(delta).map_err(|_| format!("cannot grow by {delta} pages"))?;
        memory
            .grow(&mut *store, delta)
            .map(u64::from)
            .map_err(|e| e.to_string())
    }
    #[cfg(not(wasmi_ge_0_33))]
    {
        let pages = u32::try_from(delta)
            .ok()
            .and_then(wasmi::core::Pages::new)
            .ok_or_else(|| format!("cannot grow by {delta} pages"))?;
        memory
            .grow(&mut *store, pages)
            .map(|p| u64::from(u32::from(p)))
            .map_err(|e| e.to_string())
    }
}

/// The externs of the `spectest` module, created in `store`.
pub fn spectest(store: &mut HostStore, memory64: bool) -> Vec<(String, Extern)> {
    let mut out: Vec<(String, Extern)> = Vec::new();
    let mut func = |name: &str, f: Func| out.push((name.to_string(), Extern::Func(f)));
    func("print", Func::wrap(&mut *store, || {}));
    func("print_i32", Func::wrap(&mut *store, |_: i32| {}));
    func("print_i64", Func::wrap(&mut *store, |_: i64| {}));
    func("print_f32", Func::wrap(&mut *store, |_: F32| {}));
    func("print_f64", Func::wrap(&mut *store, |_: F64| {}));
    func(
        "print_i32_f32",
        Func::wrap(&mut *store, |_: i32, _: F32| {}),
    );
    func(
        "print_f64_f64",
        Func::wrap(&mut *store, |_: F64, _: F64| {}),
    );

    let globals = [
        ("global_i32", Val::I32(666)),
        ("global_i64", Val::I64(666)),
        ("global_f32", Val::F32(F32::from_bits(0x4426_a666))),
        (
            "global_f64",
            Val::F64(F64::from_bits(0x4084_d4cc_cccc_cccd)),
        ),
    ];
    for (name, value) in globals {
        let g = Global::new(&mut *store, value, Mutability::Const);
        out.push((name.to_string(), Extern::Global(g)));
    }

    let table = Table::new(
        &mut *store,
        funcref_table_type(10, Some(20)),
        null_funcref_init(),
    )
    .expect("spectest table");
    out.push(("table".to_string(), Extern::Table(table)));
    if memory64 {
        if let Some(ty) = funcref_table64_type(10, Some(20)) {
            let table64 =
                Table::new(&mut *store, ty, null_funcref_init()).expect("spectest table64");
            out.push(("table64".to_string(), Extern::Table(table64)));
        }
    }

    let memory = Memory::new(&mut *store, memory_type(1, Some(2))).expect("spectest memory");
    out.push(("memory".to_string(), Extern::Memory(memory)));
    out
}

fn memory_type(min: u32, max: Option<u32>) -> wasmi::MemoryType {
    #[cfg(wasmi_ge_0_45)]
    {
        wasmi::MemoryType::new(min, max)
    }
    #[cfg(not(wasmi_ge_0_45))]
    {
        wasmi::MemoryType::new(min, max).expect("valid memory type")
    }
}

fn funcref_table_type(min: u32, max: Option<u32>) -> wasmi::TableType {
    #[cfg(wasmi_ge_2_0)]
    {
        wasmi::TableType::new(wasmi::RefType::Func, min, max)
    }
    #[cfg(not(wasmi_ge_2_0))]
    {
        wasmi::TableType::new(ValType::FuncRef, min, max)
    }
}

#[allow(unused_variables)]
fn funcref_table64_type(min: u64, max: Option<u64>) -> Option<wasmi::TableType> {
    #[cfg(wasmi_ge_2_0)]
    {
        Some(wasmi::TableType::new64(wasmi::RefType::Func, min, max))
    }
    #[cfg(all(wasmi_ge_0_41, not(wasmi_ge_2_0)))]
    {
        Some(wasmi::TableType::new64(ValType::FuncRef, min, max))
    }
    #[cfg(not(wasmi_ge_0_41))]
    {
        None
    }
}

#[cfg(wasmi_ge_2_0)]
fn null_funcref_init() -> wasmi::Ref {
    wasmi::Ref::Func(Nullable::Null)
}

#[cfg(not(wasmi_ge_2_0))]
fn null_funcref_init() -> Val {
    default_val(ValType::FuncRef)
}

/// Converts a protocol value into a wasmi value (creating externrefs in `store`).
pub fn to_wasmi(store: &mut HostStore, value: &Value) -> Result<Val, String> {
    Ok(match value {
        Value::I32(bits) => Val::I32(*bits as i32),
        Value::I64(bits) => Val::I64(*bits as i64),
        Value::F32(bits) => Val::F32(F32::from_bits(*bits)),
        Value::F64(bits) => Val::F64(F64::from_bits(*bits)),
        #[cfg(wasmi_ge_0_43)]
        Value::V128(bits) => Val::V128(V128::from(*bits)),
        #[cfg(not(wasmi_ge_0_43))]
        Value::V128(_) => return Err("this wasmi version has no v128 values".to_string()),
        Value::Ref(r) => match (r.heap.as_str(), r.null, r.host) {
            ("func", true, _) => null_funcref(),
            ("extern", true, _) => null_externref(),
            ("extern", false, Some(payload)) => new_externref(store, payload),
            _ => return Err(format!("cannot pass reference {r:?} to wasmi")),
        },
    })
}

fn null_funcref() -> Val {
    #[cfg(wasmi_ge_0_49)]
    {
        Val::FuncRef(Nullable::Null)
    }
    #[cfg(not(wasmi_ge_0_49))]
    {
        Val::FuncRef(wasmi::FuncRef::null())
    }
}

fn null_externref() -> Val {
    #[cfg(wasmi_ge_0_49)]
    {
        Val::ExternRef(Nullable::Null)
    }
    #[cfg(not(wasmi_ge_0_49))]
    {
        Val::ExternRef(wasmi::ExternRef::null())
    }
}

fn new_externref(store: &mut HostStore, payload: u32) -> Val {
    #[cfg(wasmi_ge_0_49)]
    {
        Val::ExternRef(Nullable::Val(wasmi::ExternRef::new(&mut *store, payload)))
    }
    #[cfg(not(wasmi_ge_0_49))]
    {
        Val::ExternRef(wasmi::ExternRef::new::<u32>(&mut *store, payload))
    }
}

/// Converts a wasmi value into its protocol form (`ctx`: the store, or a
/// host function's caller).
pub fn from_wasmi<'a>(ctx: impl Into<StoreContext<'a, Data>>, value: &Val) -> Value {
    let ctx = ctx.into();
    match value {
        Val::I32(v) => Value::I32(*v as u32),
        Val::I64(v) => Value::I64(*v as u64),
        Val::F32(v) => Value::F32(v.to_bits()),
        Val::F64(v) => Value::F64(v.to_bits()),
        #[cfg(wasmi_ge_0_43)]
        Val::V128(v) => Value::V128(v.as_u128()),
        Val::FuncRef(f) => Value::Ref(if f.is_null() {
            RefValue::null("func")
        } else {
            RefValue::non_null("func")
        }),
        Val::ExternRef(e) => Value::Ref(match externref_data(ctx, e) {
            None => RefValue::null("extern"),
            Some(any) => match any.downcast_ref::<u32>() {
                Some(n) => RefValue::host("extern", *n),
                None => RefValue::non_null("extern"),
            },
        }),
    }
}

#[cfg(wasmi_ge_0_49)]
fn externref_data<'a>(
    ctx: StoreContext<'a, Data>,
    e: &Nullable<wasmi::ExternRef>,
) -> Option<&'a dyn std::any::Any> {
    match e {
        Nullable::Null => None,
        Nullable::Val(e) => Some(e.data(ctx)),
    }
}

#[cfg(not(wasmi_ge_0_49))]
fn externref_data<'a>(
    ctx: StoreContext<'a, Data>,
    e: &wasmi::ExternRef,
) -> Option<&'a dyn std::any::Any> {
    e.data(ctx)
}

/// The trap code carried by `err`, if it is a Wasm trap.
pub fn trap_code(err: &wasmi::Error) -> Option<TrapCode> {
    #[cfg(wasmi_ge_0_32)]
    {
        err.as_trap_code()
    }
    #[cfg(not(wasmi_ge_0_32))]
    {
        match err {
            wasmi::Error::Trap(trap) => trap.trap_code(),
            _ => None,
        }
    }
}

/// Coarse class of a non-trap error.
pub enum ErrorClass {
    /// Import resolution failed in the linker.
    Linker,
    /// An instantiation error; the string is its `Debug` form (variant names differ per version).
    Instantiation(String),
    /// A memory error; the string is its `Debug` form.
    Memory(String),
    /// A table error; the string is its `Debug` form.
    Table(String),
    /// A global error; the string is its `Debug` form.
    Global(String),
    /// Anything else.
    Other,
}

/// Classifies a non-trap error.
pub fn error_class(err: &wasmi::Error) -> ErrorClass {
    #[cfg(wasmi_ge_0_32)]
    {
        use wasmi::errors::ErrorKind;
        match err.kind() {
            ErrorKind::Linker(_) => ErrorClass::Linker,
            ErrorKind::Instantiation(e) => ErrorClass::Instantiation(format!("{e:?}")),
            ErrorKind::Memory(e) => ErrorClass::Memory(format!("{e:?}")),
            ErrorKind::Table(e) => ErrorClass::Table(format!("{e:?}")),
            ErrorKind::Global(e) => ErrorClass::Global(format!("{e:?}")),
            _ => ErrorClass::Other,
        }
    }
    #[cfg(not(wasmi_ge_0_32))]
    {
        match err {
            wasmi::Error::Linker(_) => ErrorClass::Linker,
            wasmi::Error::Instantiation(e) => ErrorClass::Instantiation(format!("{e:?}")),
            wasmi::Error::Memory(e) => ErrorClass::Memory(format!("{e:?}")),
            wasmi::Error::Table(e) => ErrorClass::Table(format!("{e:?}")),
            wasmi::Error::Global(e) => ErrorClass::Global(format!("{e:?}")),
            _ => ErrorClass::Other,
        }
    }
}

/// Whether `code` means a resource ran out (rather than a semantic trap).
pub fn is_exhaustion(code: &TrapCode) -> bool {
    #[allow(unreachable_patterns)]
    match code {
        TrapCode::StackOverflow => true,
        #[cfg(wasmi_ge_2_0)]
        TrapCode::OutOfSystemMemory => true,
        _ => false,
    }
}

/// The protocol trap kind of a wasmi trap code.
pub fn trap_kind(code: &TrapCode) -> wasm_compat_protocol::TrapKind {
    use wasm_compat_protocol::TrapKind as K;
    #[allow(unreachable_patterns)]
    match code {
        TrapCode::UnreachableCodeReached => K::Unreachable,
        TrapCode::MemoryOutOfBounds => K::MemoryOutOfBounds,
        TrapCode::TableOutOfBounds => K::TableOutOfBounds,
        TrapCode::IndirectCallToNull => K::IndirectCallToNull,
        TrapCode::IntegerDivisionByZero => K::IntegerDivisionByZero,
        TrapCode::IntegerOverflow => K::IntegerOverflow,
        TrapCode::BadConversionToInteger => K::BadConversionToInteger,
        TrapCode::BadSignature => K::BadSignature,
        TrapCode::OutOfFuel => K::OutOfFuel,
        // StackOverflow / OutOfSystemMemory are reported as exhaustion before we get here;
        // GrowthOperationLimited (a limiter with trap_on_grow_failure) has no counterpart.
        _ => K::Other,
    }
}
