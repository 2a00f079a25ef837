//! Classifying wasmtime errors into protocol failure kinds.

use wasm_compat_protocol::{Failure, FailureKind, TrapKind};
use wasmtime::{Error, Trap};

/// The engine's message for `err`: its context chain, without the wasm backtrace
/// wasmtime attaches to traps (which can be thousands of frames on stack overflow).
pub fn message(err: &Error) -> String {
    let parts: Vec<String> = err
        .chain()
        .map(|e| e.to_string())
        .filter(|m| !m.starts_with("error while executing at wasm backtrace"))
        .collect();
    if parts.is_empty() {
        format!("{err:#}")
    } else {
        parts.join(": ")
    }
}

/// Protocol failure kind for a wasmtime trap code.
///
/// Matched on the variant's `Debug` name: the `Trap` enum is `#[non_exhaustive]` and
/// gained (and lost) variants between majors, and the names of the variants that
/// matter here have been stable since before 24.
pub fn trap_kind(trap: &Trap) -> FailureKind {
    let name = format!("{trap:?}");
    let trap = match name.as_str() {
        "StackOverflow" => return FailureKind::Exhaustion,
        "UnreachableCodeReached" => TrapKind::Unreachable,
        "MemoryOutOfBounds" => TrapKind::MemoryOutOfBounds,
        "HeapMisaligned" => TrapKind::UnalignedAtomic,
        "TableOutOfBounds" => TrapKind::TableOutOfBounds,
        "IndirectCallToNull" => TrapKind::IndirectCallToNull,
        "BadSignature" => TrapKind::BadSignature,
        "IntegerOverflow" => TrapKind::IntegerOverflow,
        "IntegerDivisionByZero" => TrapKind::IntegerDivisionByZero,
        "BadConversionToInteger" => TrapKind::BadConversionToInteger,
        "NullReference" => TrapKind::NullReference,
        "ArrayOutOfBounds" => TrapKind::ArrayOutOfBounds,
        "CastFailure" => TrapKind::CastFailure,
        "AllocationTooLarge" => TrapKind::AllocationTooLarge,
        "AtomicWaitNonSharedMemory" => TrapKind::AtomicWaitNonSharedMemory,
        "OutOfFuel" => TrapKind::OutOfFuel,
        "Interrupt" => TrapKind::Interrupt,
        _ => TrapKind::Other,
    };
    FailureKind::Trap { trap }
}

/// Whether `err` is an uncaught WebAssembly exception.
#[cfg(wasmtime_ge_37)]
fn is_exception(err: &Error) -> bool {
    err.downcast_ref::<wasmtime::ThrownException>().is_some()
}

/// Whether `err` is an uncaught WebAssembly exception (none before 37).
#[cfg(not(wasmtime_ge_37))]
fn is_exception(_err: &Error) -> bool {
    false
}

/// The kind of a failure that happened while running wasm code, if it is one.
pub fn runtime_kind(err: &Error) -> Option<FailureKind> {
    if let Some(trap) = err.downcast_ref::<Trap>() {
        return Some(trap_kind(trap));
    }
    // A function `define_unknown_imports_as_traps` made fails with the
    // import's `UnknownImportError`: a host function returning an error.
    if err.downcast_ref::<crate::session::HostTrap>().is_some()
        || err.downcast_ref::<wasmtime::UnknownImportError>().is_some()
    {
        return Some(FailureKind::Trap {
            trap: TrapKind::HostError,
        });
    }
    if is_exception(err) {
        return Some(FailureKind::Exception);
    }
    let msg = message(err);
    if msg.contains("GC heap out of memory") || msg.contains("out of memory") {
        return Some(FailureKind::Exhaustion);
    }
    None
}

/// Failure for an error returned by a call into wasm.
pub fn invoke_failure(err: Error) -> Failure {
    let kind = runtime_kind(&err).unwrap_or(FailureKind::Other);
    Failure::new(kind, message(&err))
}

/// Failure for an error returned by instantiation.
pub fn instantiate_failure(err: Error) -> Failure {
    let msg = message(&err);
    let kind = if let Some(kind) = runtime_kind(&err) {
        kind
    } else if msg.contains("incompatible import type")
        || msg.contains("unknown import")
        || msg.contains("types incompatible")
    {
        FailureKind::Unlinkable
    } else {
        FailureKind::Uninstantiable
    };
    Failure::new(kind, msg)
}
