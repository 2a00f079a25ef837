//! What a wast assertion expects, in protocol terms: argument values, result
//! patterns (NaN classes, v128 lanes, reference classes) and trap kinds from the
//! spec's trap messages.

use wasm_compat_protocol::{RefValue, TrapKind, Value};
use wast::core::{AbstractHeapType, HeapType, NanPattern, V128Pattern, WastArgCore, WastRetCore};
use wast::{WastArg, WastRet};

/// Convert a wast argument into a protocol value.
pub fn arg_value(arg: &WastArg<'_>) -> Result<Value, String> {
    #[allow(unreachable_patterns)]
    let core = match arg {
        WastArg::Core(core) => core,
        _ => return Err("component-model arguments are not supported".into()),
    };
    Ok(match core {
        WastArgCore::I32(v) => Value::I32(*v as u32),
        WastArgCore::I64(v) => Value::I64(*v as u64),
        WastArgCore::F32(v) => Value::F32(v.bits),
        WastArgCore::F64(v) => Value::F64(v.bits),
        WastArgCore::V128(v) => Value::V128(u128::from_le_bytes(v.to_le_bytes())),
        WastArgCore::RefNull(heap) => Value::Ref(RefValue::null(&heap_name(heap))),
        WastArgCore::RefExtern(n) => Value::Ref(RefValue::host("extern", *n)),
        WastArgCore::RefHost(n) => Value::Ref(RefValue::host("any", *n)),
    })
}

/// The abstract heap type's name (`func`, `extern`, `any`, ...); concrete types
/// are reported by the hierarchy they most often belong to in the spec tests.
pub fn heap_name(heap: &HeapType<'_>) -> String {
    match heap {
        HeapType::Abstract { ty, .. } => abstract_name(*ty).to_string(),
        HeapType::Concrete(_) | HeapType::Exact(_) => "func".to_string(),
    }
}

fn abstract_name(ty: AbstractHeapType) -> &'static str {
    match ty {
        AbstractHeapType::Func => "func",
        AbstractHeapType::Extern => "extern",
        AbstractHeapType::Exn => "exn",
        AbstractHeapType::Cont => "cont",
        AbstractHeapType::Any => "any",
        AbstractHeapType::Eq => "eq",
        AbstractHeapType::Struct => "struct",
        AbstractHeapType::Array => "array",
        AbstractHeapType::I31 => "i31",
        AbstractHeapType::NoFunc => "nofunc",
        AbstractHeapType::NoExtern => "noextern",
        AbstractHeapType::None => "none",
        AbstractHeapType::NoExn => "noexn",
        AbstractHeapType::NoCont => "nocont",
    }
}

/// Whether `actual` satisfies the expected result `ret`; `Err` explains a mismatch.
pub fn check_result(ret: &WastRet<'_>, actual: &Value) -> Result<(), String> {
    #[allow(unreachable_patterns)]
    let core = match ret {
        WastRet::Core(core) => core,
        _ => return Err("component-model results are not supported".into()),
    };
    if core_matches(core, actual) {
        Ok(())
    } else {
        Err(format!(
            "expected {}, got {}",
            render_ret(core),
            crate::outcome::render_value(actual)
        ))
    }
}

fn core_matches(ret: &WastRetCore<'_>, actual: &Value) -> bool {
    match (ret, actual) {
        (WastRetCore::I32(e), Value::I32(a)) => *e as u32 == *a,
        (WastRetCore::I64(e), Value::I64(a)) => *e as u64 == *a,
        (WastRetCore::F32(p), Value::F32(a)) => f32_matches(p, *a),
        (WastRetCore::F64(p), Value::F64(a)) => f64_matches(p, *a),
        (WastRetCore::V128(p), Value::V128(a)) => v128_matches(p, *a),
        (WastRetCore::Either(options), a) => options.iter().any(|o| core_matches(o, a)),
        (WastRetCore::RefNull(_), Value::Ref(r)) => r.null,
        (WastRetCore::RefExtern(None), Value::Ref(r)) => !r.null && r.heap == "extern",
        (WastRetCore::RefExtern(Some(n)), Value::Ref(r)) => !r.null && r.host == Some(*n),
        (WastRetCore::RefHost(n), Value::Ref(r)) => !r.null && r.host == Some(*n),
        (WastRetCore::RefFunc(_), Value::Ref(r)) => !r.null && r.heap == "func",
        (WastRetCore::RefAny, Value::Ref(r)) => {
            !r.null && !matches!(r.heap.as_str(), "func" | "exn")
        }
        (WastRetCore::RefEq, Value::Ref(r)) => {
            !r.null && matches!(r.heap.as_str(), "eq" | "i31" | "struct" | "array")
        }
        (WastRetCore::RefArray, Value::Ref(r)) => !r.null && r.heap == "array",
        (WastRetCore::RefStruct, Value::Ref(r)) => !r.null && r.heap == "struct",
        (WastRetCore::RefI31 | WastRetCore::RefI31Shared, Value::Ref(r)) => {
            !r.null && r.heap == "i31"
        }
        _ => false,
    }
}

fn f32_matches(p: &NanPattern<wast::token::F32>, bits: u32) -> bool {
    match p {
        NanPattern::CanonicalNan => bits & 0x7fff_ffff == 0x7fc0_0000,
        NanPattern::ArithmeticNan => bits & 0x7fc0_0000 == 0x7fc0_0000,
        NanPattern::Value(v) => v.bits == bits,
    }
}

fn f64_matches(p: &NanPattern<wast::token::F64>, bits: u64) -> bool {
    match p {
        NanPattern::CanonicalNan => bits & 0x7fff_ffff_ffff_ffff == 0x7ff8_0000_0000_0000,
        NanPattern::ArithmeticNan => bits & 0x7ff8_0000_0000_0000 == 0x7ff8_0000_0000_0000,
        NanPattern::Value(v) => v.bits == bits,
    }
}

fn v128_matches(p: &V128Pattern, bits: u128) -> bool {
    let bytes = bits.to_le_bytes();
    let lane = |i: usize, width: usize| -> u64 {
        let mut out = 0u64;
        for b in (0..width).rev() {
            out = (out << 8) | bytes[i * width + b] as u64;
        }
        out
    };
    match p {
        V128Pattern::I8x16(l) => l
            .iter()
            .enumerate()
            .all(|(i, v)| lane(i, 1) == *v as u8 as u64),
        V128Pattern::I16x8(l) => l
            .iter()
            .enumerate()
            .all(|(i, v)| lane(i, 2) == *v as u16 as u64),
        V128Pattern::I32x4(l) => l
            .iter()
            .enumerate()
            .all(|(i, v)| lane(i, 4) == *v as u32 as u64),
        V128Pattern::I64x2(l) => l.iter().enumerate().all(|(i, v)| lane(i, 8) == *v as u64),
        V128Pattern::F32x4(l) => l
            .iter()
            .enumerate()
            .all(|(i, p)| f32_matches(p, lane(i, 4) as u32)),
        V128Pattern::F64x2(l) => l
            .iter()
            .enumerate()
            .all(|(i, p)| f64_matches(p, lane(i, 8))),
    }
}

/// An expected result in words.
pub fn render_ret(ret: &WastRetCore<'_>) -> String {
    let nan32 = |p: &NanPattern<wast::token::F32>| match p {
        NanPattern::CanonicalNan => "nan:canonical".to_string(),
        NanPattern::ArithmeticNan => "nan:arithmetic".to_string(),
        NanPattern::Value(v) => format!("0x{:08x}", v.bits),
    };
    let nan64 = |p: &NanPattern<wast::token::F64>| match p {
        NanPattern::CanonicalNan => "nan:canonical".to_string(),
        NanPattern::ArithmeticNan => "nan:arithmetic".to_string(),
        NanPattern::Value(v) => format!("0x{:016x}", v.bits),
    };
    match ret {
        WastRetCore::I32(v) => format!("i32:0x{:08x}", *v as u32),
        WastRetCore::I64(v) => format!("i64:0x{:016x}", *v as u64),
        WastRetCore::F32(p) => format!("f32:{}", nan32(p)),
        WastRetCore::F64(p) => format!("f64:{}", nan64(p)),
        WastRetCore::V128(p) => match p {
            V128Pattern::I8x16(l) => format!("i8x16:{l:?}"),
            V128Pattern::I16x8(l) => format!("i16x8:{l:?}"),
            V128Pattern::I32x4(l) => format!("i32x4:{l:?}"),
            V128Pattern::I64x2(l) => format!("i64x2:{l:?}"),
            V128Pattern::F32x4(l) => format!(
                "f32x4:[{}]",
                l.iter().map(nan32).collect::<Vec<_>>().join(", ")
            ),
            V128Pattern::F64x2(l) => format!(
                "f64x2:[{}]",
                l.iter().map(nan64).collect::<Vec<_>>().join(", ")
            ),
        },
        WastRetCore::RefNull(Some(h)) => format!("ref.null {}", heap_name(h)),
        WastRetCore::RefNull(None) => "ref.null".into(),
        WastRetCore::RefExtern(Some(n)) => format!("ref.extern {n}"),
        WastRetCore::RefExtern(None) => "ref.extern".into(),
        WastRetCore::RefHost(n) => format!("ref.host {n}"),
        WastRetCore::RefFunc(_) => "ref.func".into(),
        WastRetCore::RefAny => "ref.any".into(),
        WastRetCore::RefEq => "ref.eq".into(),
        WastRetCore::RefArray => "ref.array".into(),
        WastRetCore::RefStruct => "ref.struct".into(),
        WastRetCore::RefI31 => "ref.i31".into(),
        WastRetCore::RefI31Shared => "ref.i31_shared".into(),
        WastRetCore::Either(options) => format!(
            "either({})",
            options
                .iter()
                .map(render_ret)
                .collect::<Vec<_>>()
                .join(" | ")
        ),
    }
}

/// The trap kind the spec's message names, or `None` for a message the harness
/// does not know (then any trap is accepted and the record says so).
pub fn trap_kind_for_message(message: &str) -> Option<TrapKind> {
    const TABLE: &[(&str, TrapKind)] = &[
        ("unreachable", TrapKind::Unreachable),
        ("out of bounds memory access", TrapKind::MemoryOutOfBounds),
        ("unaligned atomic", TrapKind::UnalignedAtomic),
        ("out of bounds table access", TrapKind::TableOutOfBounds),
        ("undefined element", TrapKind::TableOutOfBounds),
        ("uninitialized element", TrapKind::IndirectCallToNull),
        ("indirect call type mismatch", TrapKind::BadSignature),
        ("integer overflow", TrapKind::IntegerOverflow),
        ("integer divide by zero", TrapKind::IntegerDivisionByZero),
        (
            "invalid conversion to integer",
            TrapKind::BadConversionToInteger,
        ),
        ("null", TrapKind::NullReference),
        ("out of bounds array access", TrapKind::ArrayOutOfBounds),
        ("cast failure", TrapKind::CastFailure),
        (
            "expected shared memory",
            TrapKind::AtomicWaitNonSharedMemory,
        ),
    ];
    TABLE
        .iter()
        .find(|(prefix, _)| message.starts_with(prefix))
        .map(|(_, kind)| *kind)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_ret(text: &str) -> wast::parser::ParseBuffer<'_> {
        wast::parser::ParseBuffer::new(text).unwrap()
    }

    #[test]
    fn nan_patterns_follow_the_spec() {
        let buf = parse_ret("f32.const nan:canonical");
        let ret: WastRetCore<'_> = wast::parser::parse(&buf).unwrap();
        assert!(core_matches(&ret, &Value::F32(0x7fc0_0000)));
        assert!(core_matches(&ret, &Value::F32(0xffc0_0000)));
        assert!(!core_matches(&ret, &Value::F32(0x7fc0_0001)));
        let buf = parse_ret("f64.const nan:arithmetic");
        let ret: WastRetCore<'_> = wast::parser::parse(&buf).unwrap();
        assert!(core_matches(&ret, &Value::F64(0x7ff8_0000_0000_0001)));
        assert!(!core_matches(&ret, &Value::F64(0x7ff0_0000_0000_0001)));
    }

    #[test]
    fn v128_lanes_compare_little_endian() {
        let buf = parse_ret("v128.const i32x4 1 2 3 -1");
        let ret: WastRetCore<'_> = wast::parser::parse(&buf).unwrap();
        let bits = 1u128 | (2u128 << 32) | (3u128 << 64) | (0xffff_ffffu128 << 96);
        assert!(core_matches(&ret, &Value::V128(bits)));
        assert!(!core_matches(&ret, &Value::V128(bits ^ 1)));
        let buf = parse_ret("v128.const f32x4 nan:canonical 0 0 0");
        let ret: WastRetCore<'_> = wast::parser::parse(&buf).unwrap();
        assert!(core_matches(&ret, &Value::V128(0x7fc0_0000)));
    }

    #[test]
    fn refs_and_traps() {
        let buf = parse_ret("ref.extern 3");
        let ret: WastRetCore<'_> = wast::parser::parse(&buf).unwrap();
        assert!(core_matches(&ret, &Value::Ref(RefValue::host("extern", 3))));
        assert!(!core_matches(
            &ret,
            &Value::Ref(RefValue::host("extern", 4))
        ));
        assert!(!core_matches(&ret, &Value::Ref(RefValue::null("extern"))));
        assert_eq!(
            trap_kind_for_message("undefined element"),
            Some(TrapKind::TableOutOfBounds)
        );
        assert_eq!(
            trap_kind_for_message("uninitialized element 2"),
            Some(TrapKind::IndirectCallToNull)
        );
        assert_eq!(
            trap_kind_for_message("null function reference"),
            Some(TrapKind::NullReference)
        );
        assert_eq!(trap_kind_for_message("something new"), None);
    }
}
