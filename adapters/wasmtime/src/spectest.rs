//! The `spectest` host module, as the spec interpreter (and wasmtime's wast runner) define it.

use wasmtime::{
    Global, GlobalType, Linker, Memory, MemoryType, Mutability, Ref, RefType, Result, SharedMemory,
    Store, Table, TableType, Val, ValType,
};

/// Define the `spectest` module in `linker` for `store`.
pub fn link<T>(
    linker: &mut Linker<T>,
    store: &mut Store<T>,
    shared_memory: bool,
    table64: bool,
) -> Result<()> {
    linker.func_wrap("spectest", "print", || {})?;
    linker.func_wrap("spectest", "print_i32", |_: i32| {})?;
    linker.func_wrap("spectest", "print_i64", |_: i64| {})?;
    linker.func_wrap("spectest", "print_f32", |_: f32| {})?;
    linker.func_wrap("spectest", "print_f64", |_: f64| {})?;
    linker.func_wrap("spectest", "print_i32_f32", |_: i32, _: f32| {})?;
    linker.func_wrap("spectest", "print_f64_f64", |_: f64, _: f64| {})?;

    let globals = [
        ("global_i32", ValType::I32, Val::I32(666)),
        ("global_i64", ValType::I64, Val::I64(666)),
        // 666.6 as f32 and f64.
        ("global_f32", ValType::F32, Val::F32(0x4426_a666)),
        ("global_f64", ValType::F64, Val::F64(0x4084_d4cc_cccc_cccd)),
    ];
    for (name, ty, val) in globals {
        let g = Global::new(&mut *store, GlobalType::new(ty, Mutability::Const), val)?;
        linker.define(&mut *store, "spectest", name, g)?;
    }

    let table = Table::new(
        &mut *store,
        TableType::new(RefType::FUNCREF, 10, Some(20)),
        Ref::Func(None),
    )?;
    linker.define(&mut *store, "spectest", "table", table)?;

    // 64-bit tables exist from 26 on. Like wasmtime's own wast runner, define
    // `table64` whenever the engine lets us create one (a module importing it
    // needs memory64 to validate anyway); `table64` forces the attempt to count.
    #[cfg(wasmtime_ge_26)]
    match Table::new(
        &mut *store,
        TableType::new64(RefType::FUNCREF, 10, Some(20)),
        Ref::Func(None),
    ) {
        Ok(table) => linker
            .define(&mut *store, "spectest", "table64", table)
            .map(|_| ())?,
        Err(e) if table64 => return Err(e),
        Err(_) => {}
    }
    #[cfg(not(wasmtime_ge_26))]
    let _ = table64;

    let memory = Memory::new(&mut *store, MemoryType::new(1, Some(2)))?;
    linker.define(&mut *store, "spectest", "memory", memory)?;

    if shared_memory {
        // The spec interpreter's `shared_memory` is `(memory 1 2 shared)`.
        let memory = SharedMemory::new(store.engine(), MemoryType::shared(1, 2))?;
        linker.define(&mut *store, "spectest", "shared_memory", memory)?;
    }
    Ok(())
}
