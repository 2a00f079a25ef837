//! Converting between protocol values (exact bits) and wasmer `Value`s.

use wasm_compat_protocol::{Failure, FailureKind, RefValue, Value};
use wasmer::{AsStoreMut, AsStoreRef, ExternRef, Type, Value as Val};

fn other(msg: impl Into<String>) -> Failure {
    Failure::new(FailureKind::Other, msg)
}

fn unsupported(msg: impl Into<String>) -> Failure {
    Failure::new(FailureKind::Unsupported, msg)
}

/// The top of the type hierarchy a heap type name belongs to.
fn hierarchy(name: &str) -> &'static str {
    match name {
        "func" | "nofunc" => "func",
        "extern" | "noextern" => "extern",
        "exn" | "noexn" => "exn",
        _ => "any",
    }
}

/// The hierarchy of a reference value type, if `ty` is one wasmer names
/// (exception references, from 6 on, are told by name for the same reason).
fn declared_hierarchy(ty: Option<Type>) -> Option<&'static str> {
    match ty? {
        Type::FuncRef => Some("func"),
        Type::ExternRef => Some("extern"),
        other if format!("{other:?}") == "ExceptionRef" => Some("exn"),
        _ => None,
    }
}

/// A null reference in the hierarchy `top`.
fn null_ref(top: &str) -> Result<Val, Failure> {
    Ok(match top {
        "func" => Val::FuncRef(None),
        "extern" => Val::ExternRef(None),
        // `Value::ExceptionRef` appeared with the exceptions proposal in 6.
        #[cfg(wasmer_ge_6)]
        "exn" => Val::ExceptionRef(None),
        other_top => {
            return Err(unsupported(format!(
                "wasmer has no null references of the `{other_top}` hierarchy"
            )))
        }
    })
}

/// Convert an argument; `ty` is the parameter's declared type where known.
pub fn to_val(
    store: &mut impl AsStoreMut,
    value: &Value,
    ty: Option<Type>,
) -> Result<Val, Failure> {
    Ok(match value {
        Value::I32(bits) => Val::I32(*bits as i32),
        Value::I64(bits) => Val::I64(*bits as i64),
        Value::F32(bits) => Val::F32(f32::from_bits(*bits)),
        Value::F64(bits) => Val::F64(f64::from_bits(*bits)),
        Value::V128(bits) => Val::V128(*bits),
        Value::Ref(r) => {
            // The declared parameter type decides the hierarchy; the harness
            // names concrete heap types loosely.
            let top = declared_hierarchy(ty).unwrap_or_else(|| hierarchy(&r.heap));
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
                "extern" => Val::ExternRef(Some(ExternRef::new(store, payload))),
                t => {
                    return Err(unsupported(format!(
                        "wasmer has no host references of the `{t}` hierarchy"
                    )))
                }
            }
        }
    })
}

/// Convert a result (or a global's value).
pub fn from_val(store: &impl AsStoreRef, val: &Val) -> Result<Value, Failure> {
    let null = |heap: &str| Value::Ref(RefValue::null(heap));
    let non_null = |heap: &str| Value::Ref(RefValue::non_null(heap));
    Ok(match val {
        Val::I32(v) => Value::I32(*v as u32),
        Val::I64(v) => Value::I64(*v as u64),
        Val::F32(v) => Value::F32(v.to_bits()),
        Val::F64(v) => Value::F64(v.to_bits()),
        Val::V128(v) => Value::V128(*v),
        Val::FuncRef(None) => null("func"),
        Val::FuncRef(Some(_)) => non_null("func"),
        Val::ExternRef(None) => null("extern"),
        Val::ExternRef(Some(r)) => match r.downcast::<u32>(store) {
            Some(n) => Value::Ref(RefValue::host("extern", *n)),
            None => non_null("extern"),
        },
        #[cfg(wasmer_ge_6)]
        Val::ExceptionRef(None) => null("exn"),
        #[cfg(wasmer_ge_6)]
        Val::ExceptionRef(Some(_)) => non_null("exn"),
        // Variants a version between the ones this source knows added.
        #[allow(unreachable_patterns)]
        other_val => {
            return Err(unsupported(format!(
                "the adapter cannot report the value {other_val:?}"
            )))
        }
    })
}

/// The number value of `v` as a wasmer value (`returns` and computed answers are numbers).
pub fn number_val(v: &Value) -> Option<Val> {
    Some(match v {
        Value::I32(b) => Val::I32(*b as i32),
        Value::I64(b) => Val::I64(*b as i64),
        Value::F32(b) => Val::F32(f32::from_bits(*b)),
        Value::F64(b) => Val::F64(f64::from_bits(*b)),
        _ => return None,
    })
}
