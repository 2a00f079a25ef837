//! Host functions that answer a value computed from their arguments
//! ([`HostFunc::computes`]): checking a signature against what it computes
//! when the function is defined, and the `add` and `combine` answers on the
//! arguments' exact bits, for every Rust adapter. `echo` needs no
//! arithmetic: the engine's own argument values go back as they came.

use crate::{Compute, Failure, FailureKind, HostFunc, ValType, Value};

/// Whether `t` is a number type.
fn is_number(t: &ValType) -> bool {
    matches!(t, ValType::I32 | ValType::I64 | ValType::F32 | ValType::F64)
}

/// `[i32, f64]`: types by their protocol names.
fn names(types: &[ValType]) -> String {
    let names: Vec<&str> = types
        .iter()
        .map(|t| match t {
            ValType::I32 => "i32",
            ValType::I64 => "i64",
            ValType::F32 => "f32",
            ValType::F64 => "f64",
            ValType::Externref => "externref",
            ValType::Funcref => "funcref",
        })
        .collect();
    format!("[{}]", names.join(", "))
}

/// `Ok` when `host`'s signature fits what it computes (or it computes
/// nothing); otherwise an `other` failure naming the mismatch.
pub fn check(host: &HostFunc) -> Result<(), Failure> {
    let Some(compute) = host.computes else {
        return Ok(());
    };
    let problem = match compute {
        Compute::Echo if host.results != host.params => {
            "`echo` needs results equal to its parameters"
        }
        Compute::Add => match host.results.as_slice() {
            [result] if is_number(result) && host.params.iter().all(|p| p == result) => {
                return Ok(())
            }
            _ => "`add` needs parameters all of one number type and exactly one result of it",
        },
        Compute::Combine if host.results != [ValType::I64] => {
            "`combine` needs exactly one `i64` result"
        }
        Compute::Combine if !host.params.iter().all(is_number) => {
            "`combine` takes number parameters only"
        }
        Compute::Echo | Compute::Combine => return Ok(()),
    };
    Err(Failure::new(
        FailureKind::Other,
        format!(
            "host function `{}::{}`: {problem} (params {}, results {})",
            host.module,
            host.name,
            names(&host.params),
            names(&host.results)
        ),
    ))
}

/// The one result of `add` or `combine` (of type `result`) for `args`, a
/// signature [`check`] accepted. `None` for `echo`, which hands back the
/// engine's own values instead.
pub fn answer(compute: Compute, args: &[Value], result: ValType) -> Option<Value> {
    match compute {
        Compute::Echo => None,
        Compute::Add => Some(add(args, result)),
        Compute::Combine => Some(Value::I64(Compute::combine(args.iter().map(bits)))),
    }
}

/// The bit pattern of a number argument, zero-extended to 64 bits.
fn bits(v: &Value) -> u64 {
    match v {
        Value::I32(b) | Value::F32(b) => u64::from(*b),
        Value::I64(b) | Value::F64(b) => *b,
        // `check` admits number parameters only.
        Value::V128(_) | Value::Ref(_) => 0,
    }
}

/// The sum of `args`, all of type `ty`: wrapping for integers, the host's
/// IEEE addition for floats, left to right from the first argument (no
/// arguments: zero).
fn add(args: &[Value], ty: ValType) -> Value {
    let b32 = args.iter().filter_map(|v| match v {
        Value::I32(b) | Value::F32(b) => Some(*b),
        _ => None,
    });
    let b64 = args.iter().filter_map(|v| match v {
        Value::I64(b) | Value::F64(b) => Some(*b),
        _ => None,
    });
    match ty {
        ValType::I32 => Value::I32(b32.fold(0, u32::wrapping_add)),
        ValType::I64 => Value::I64(b64.fold(0, u64::wrapping_add)),
        ValType::F32 => {
            let mut xs = b32.map(f32::from_bits);
            let sum = xs.next().map_or(0.0, |first| xs.fold(first, |s, x| s + x));
            Value::F32(sum.to_bits())
        }
        ValType::F64 => {
            let mut xs = b64.map(f64::from_bits);
            let sum = xs.next().map_or(0.0, |first| xs.fold(first, |s, x| s + x));
            Value::F64(sum.to_bits())
        }
        // `check` admits number results only.
        ValType::Externref | ValType::Funcref => Value::I32(0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn host(params: &[ValType], results: &[ValType], computes: Compute) -> HostFunc {
        HostFunc {
            module: "m".into(),
            name: "f".into(),
            params: params.to_vec(),
            results: results.to_vec(),
            returns: Vec::new(),
            trap: None,
            computes: Some(computes),
        }
    }

    #[test]
    fn signatures_that_do_not_fit_are_refused_when_defined() {
        use ValType::*;
        assert!(check(&host(&[I32, I64], &[I32, I64], Compute::Echo)).is_ok());
        assert!(check(&host(&[I32], &[I64], Compute::Echo)).is_err());
        assert!(check(&host(&[F32, F32], &[F32], Compute::Add)).is_ok());
        let mixed = check(&host(&[I32, I64], &[I64], Compute::Add)).unwrap_err();
        assert!(
            mixed.message.contains("params [i32, i64]"),
            "{}",
            mixed.message
        );
        assert!(check(&host(&[I32, F64], &[I64], Compute::Combine)).is_ok());
        assert!(check(&host(&[Externref], &[I64], Compute::Combine)).is_err());
        assert!(check(&host(&[I32], &[I32], Compute::Combine)).is_err());
    }

    #[test]
    fn add_wraps_integers_and_combine_folds_every_bit() {
        let add = |args: &[Value], ty| answer(Compute::Add, args, ty).unwrap();
        assert_eq!(
            add(&[Value::I32(u32::MAX), Value::I32(2)], ValType::I32),
            Value::I32(1)
        );
        assert_eq!(
            add(
                &[Value::F64(1.5f64.to_bits()), Value::F64(2.0f64.to_bits())],
                ValType::F64
            ),
            Value::F64(3.5f64.to_bits())
        );
        let combined = answer(
            Compute::Combine,
            &[Value::I32(1), Value::F64(2)],
            ValType::I64,
        );
        assert_eq!(combined, Some(Value::I64((1u64 << 7) ^ 2)));
        assert_eq!(answer(Compute::Echo, &[Value::I32(1)], ValType::I32), None);
    }
}
