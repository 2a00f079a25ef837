//! Classifying wasmer errors into protocol failure kinds, from their types and
//! trap codes (never from message texts).

use wasm_compat_protocol::{Failure, FailureKind, TrapKind};
use wasmer::{CompileError, InstantiationError, LinkError, RuntimeError};

use crate::session::HostTrap;

/// Failure for a module wasmer refused to compile.
///
/// Always `compile`: wasmer validates with `wasmparser`'s `validate_all`,
/// which decodes and validates in one pass and reports both as
/// `CompileError::Validate` with a message only, so malformed and invalid
/// modules cannot be told apart; translation and code generation errors
/// (`Wasm`, `Codegen`, `UnsupportedFeature`) are compile failures too.
pub fn compile_failure(err: CompileError) -> Failure {
    Failure::new(FailureKind::Compile, err.to_string())
}

/// The engine's message for a runtime error: the trap's or host error's
/// words, without the wasm backtrace `Display` appends (which can be
/// thousands of frames on stack overflow).
pub fn message(err: &RuntimeError) -> String {
    err.message()
}

/// Protocol failure kind for a wasmer trap code, named by its variant.
///
/// `RuntimeError::to_trap` hands out a `wasmer_types::TrapCode`, which the
/// `wasmer` crate does not re-export under one path across versions (4 has
/// none at all), so the variant is matched on its `Debug` name: the name of
/// the typed code, never the message text. This also covers the codes later
/// versions added (`UncaughtException` in 6, `UninitializedExnRef` and
/// `HostInterrupt` in 7) from the one source.
fn trap_code_kind(code: &dyn std::fmt::Debug) -> FailureKind {
    let trap = match format!("{code:?}").as_str() {
        "StackOverflow" => return FailureKind::Exhaustion,
        "UncaughtException" => return FailureKind::Exception,
        "HeapAccessOutOfBounds" => TrapKind::MemoryOutOfBounds,
        "HeapMisaligned" | "UnalignedAtomic" => TrapKind::UnalignedAtomic,
        "TableAccessOutOfBounds" => TrapKind::TableOutOfBounds,
        "IndirectCallToNull" => TrapKind::IndirectCallToNull,
        "BadSignature" => TrapKind::BadSignature,
        "IntegerOverflow" => TrapKind::IntegerOverflow,
        "IntegerDivisionByZero" => TrapKind::IntegerDivisionByZero,
        "BadConversionToInteger" => TrapKind::BadConversionToInteger,
        "UnreachableCodeReached" => TrapKind::Unreachable,
        "UninitializedExnRef" => TrapKind::NullReference,
        "HostInterrupt" => TrapKind::Interrupt,
        _ => TrapKind::Other,
    };
    FailureKind::Trap { trap }
}

/// The kind of a failure that happened while running wasm code.
pub fn runtime_kind(err: &RuntimeError) -> FailureKind {
    if err.is::<HostTrap>() {
        return FailureKind::Trap {
            trap: TrapKind::HostError,
        };
    }
    match err.clone().to_trap() {
        Some(code) => trap_code_kind(&code),
        // A host function's error other than ours (e.g. wasmer's own check of
        // what a host function returned), or the VM running out of memory.
        None => FailureKind::Other,
    }
}

/// Failure for an error returned by a call into wasm.
pub fn invoke_failure(err: RuntimeError) -> Failure {
    Failure::new(runtime_kind(&err), message(&err))
}

/// Failure for an error returned by instantiation.
pub fn instantiate_failure(err: InstantiationError) -> Failure {
    match &err {
        // A missing import, or one of the wrong type.
        InstantiationError::Link(LinkError::Import(..)) => {
            Failure::new(FailureKind::Unlinkable, err.to_string())
        }
        // A trap while initialising tables and memories, or in the start function.
        InstantiationError::Link(LinkError::Trap(trap)) | InstantiationError::Start(trap) => {
            Failure::new(runtime_kind(trap), message(trap))
        }
        // Memories or tables that could not be made, a CPU without a feature
        // the code needs, externs of another store.
        _ => Failure::new(FailureKind::Uninstantiable, err.to_string()),
    }
}
