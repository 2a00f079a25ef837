//! Converting between protocol values (exact bits) and wasmtime `Val`s.

use wasm_compat_protocol::{Failure, FailureKind, RefValue, Value};
use wasmtime::{AsContext, AsContextMut, ExternRef, HeapType, Rooted, Val, ValType, V128};

/// Protocol name of an abstract heap type (concrete types are named by their kind).
fn heap_name(heap: &HeapType) -> String {
    let text = heap.to_string();
    match text.strip_prefix("(concrete ") {
        Some(rest) => rest.split_whitespace().next().unwrap_or("func").to_string(),
        None => text,
    }
}

/// The top of the type hierarchy a heap type name belongs to.
fn hierarchy(name: &str) -> &'static str {
    match name {
        "func" | "nofunc" => "func",
        "extern" | "noextern" => "extern",
        "exn" | "noexn" => "exn",
        "cont" | "nocont" => "cont",
        _ => "any",
    }
}

/// Heap type name of a reference value type, if `ty` is one.
fn ref_heap(ty: Option<&ValType>) -> Option<String> {
    match ty {
        Some(ValType::Ref(r)) => Some(heap_name(r.heap_type())),
        _ => None,
    }
}

fn other(msg: impl Into<String>) -> Failure {
    Failure::new(FailureKind::Other, msg)
}

fn engine_err(err: wasmtime::Error) -> Failure {
    other(format!("{err:#}"))
}

/// A new externref holding `payload`.
fn new_externref(store: impl AsContextMut, payload: u32) -> Result<Rooted<ExternRef>, Failure> {
    ExternRef::new(store, payload).map_err(engine_err)
}

/// A null reference in the hierarchy `top`.
fn null_ref(top: &str) -> Result<Val, Failure> {
    Ok(match top {
        "func" => Val::FuncRef(None),
        "extern" => Val::ExternRef(None),
        "any" => Val::AnyRef(None),
        #[cfg(wasmtime_ge_36)]
        "exn" => Val::ExnRef(None),
        #[cfg(wasmtime_ge_37)]
        "cont" => Val::ContRef(None),
        other_top => {
            return Err(Failure::new(
                FailureKind::Unsupported,
                format!("null references of the `{other_top}` hierarchy"),
            ))
        }
    })
}

/// Convert an argument; `ty` is the parameter's declared type where known.
pub fn to_val(
    mut store: impl AsContextMut,
    value: &Value,
    ty: Option<&ValType>,
) -> Result<Val, Failure> {
    Ok(match value {
        Value::I32(bits) => Val::I32(*bits as i32),
        Value::I64(bits) => Val::I64(*bits as i64),
        Value::F32(bits) => Val::F32(*bits),
        Value::F64(bits) => Val::F64(*bits),
        Value::V128(bits) => Val::V128(V128::from(*bits)),
        Value::Ref(r) => {
            // The declared parameter type decides the hierarchy; the harness names
            // concrete heap types loosely.
            let top = ref_heap(ty)
                .map(|h| hierarchy(&h))
                .unwrap_or_else(|| hierarchy(&r.heap));
            if r.null {
                return null_ref(top);
            }
            let Some(payload) = r.host else {
                return Err(other(format!(
                    "cannot make a non-null `{}` reference from the host",
                    r.heap
                )));
            };
            match top {
                "extern" => Val::ExternRef(Some(new_externref(&mut store, payload)?)),
                #[cfg(wasmtime_ge_27)]
                "any" => {
                    let ext = new_externref(&mut store, payload)?;
                    Val::AnyRef(Some(
                        wasmtime::AnyRef::convert_extern(&mut store, ext).map_err(engine_err)?,
                    ))
                }
                t => {
                    return Err(Failure::new(
                        FailureKind::Unsupported,
                        format!("host references of the `{t}` hierarchy"),
                    ))
                }
            }
        }
    })
}

/// The `u32` payload an externref was made with, if it has one.
fn extern_payload(store: impl AsContext, r: &Rooted<ExternRef>) -> Result<Option<u32>, Failure> {
    let store = store.as_context();
    // Before 27 every externref had host data; since then it is optional (an
    // externref converted from an anyref has none).
    #[cfg(wasmtime_ge_27)]
    let data = r.data(store).map_err(engine_err)?;
    #[cfg(not(wasmtime_ge_27))]
    let data = Some(r.data(store).map_err(engine_err)?);
    Ok(data.and_then(|d| d.downcast_ref::<u32>().copied()))
}

/// Convert a result; `ty` is its declared type where known.
pub fn from_val(
    mut store: impl AsContextMut,
    val: &Val,
    ty: Option<&ValType>,
) -> Result<Value, Failure> {
    let declared = ref_heap(ty);
    let null = |default: &str| Value::Ref(RefValue::null(declared.as_deref().unwrap_or(default)));
    Ok(match val {
        Val::I32(v) => Value::I32(*v as u32),
        Val::I64(v) => Value::I64(*v as u64),
        Val::F32(bits) => Value::F32(*bits),
        Val::F64(bits) => Value::F64(*bits),
        Val::V128(v) => Value::V128(v.as_u128()),
        Val::FuncRef(None) => null("func"),
        Val::FuncRef(Some(_)) => Value::Ref(RefValue::non_null("func")),
        Val::ExternRef(None) => null("extern"),
        Val::ExternRef(Some(r)) => match extern_payload(&mut store, r)? {
            Some(n) => Value::Ref(RefValue::host("extern", n)),
            None => Value::Ref(RefValue::non_null("extern")),
        },
        Val::AnyRef(None) => null("any"),
        Val::AnyRef(Some(r)) => Value::Ref(anyref_value(&mut store, r)?),
        #[cfg(wasmtime_ge_36)]
        Val::ExnRef(None) => null("exn"),
        #[cfg(wasmtime_ge_36)]
        Val::ExnRef(Some(_)) => Value::Ref(RefValue::non_null("exn")),
        #[cfg(wasmtime_ge_37)]
        Val::ContRef(None) => null("cont"),
        #[cfg(wasmtime_ge_37)]
        Val::ContRef(Some(_)) => Value::Ref(RefValue::non_null("cont")),
    })
}

/// Describe a non-null anyref by its dynamic kind.
fn anyref_value(
    mut store: impl AsContextMut,
    r: &Rooted<wasmtime::AnyRef>,
) -> Result<RefValue, Failure> {
    if r.is_i31(&store).map_err(engine_err)? {
        return Ok(RefValue::non_null("i31"));
    }
    if r.is_struct(&store).map_err(engine_err)? {
        return Ok(RefValue::non_null("struct"));
    }
    #[cfg(wasmtime_ge_25)]
    if r.is_array(&store).map_err(engine_err)? {
        return Ok(RefValue::non_null("array"));
    }
    // What is left is a host value brought in with `any.convert_extern`.
    #[cfg(wasmtime_ge_27)]
    {
        let ext = ExternRef::convert_any(&mut store, *r).map_err(engine_err)?;
        if let Some(n) = extern_payload(&mut store, &ext)? {
            return Ok(RefValue::host("any", n));
        }
    }
    #[cfg(not(wasmtime_ge_27))]
    let _ = &mut store;
    Ok(RefValue::non_null("any"))
}
