//! The `spectest` host module, as the spec interpreter defines it.

use wasmer::{Function, Global, Imports, Memory, MemoryType, Store, Table, TableType, Type, Value};

/// Define the `spectest` module in `imports`, made in `store`; `shared_memory`
/// adds the threads proposal's `shared_memory`.
pub fn define(imports: &mut Imports, store: &mut Store, shared_memory: bool) -> Result<(), String> {
    let module = "spectest";
    imports.define(module, "print", Function::new_typed(store, || {}));
    imports.define(module, "print_i32", Function::new_typed(store, |_: i32| {}));
    imports.define(module, "print_i64", Function::new_typed(store, |_: i64| {}));
    imports.define(module, "print_f32", Function::new_typed(store, |_: f32| {}));
    imports.define(module, "print_f64", Function::new_typed(store, |_: f64| {}));
    imports.define(
        module,
        "print_i32_f32",
        Function::new_typed(store, |_: i32, _: f32| {}),
    );
    imports.define(
        module,
        "print_f64_f64",
        Function::new_typed(store, |_: f64, _: f64| {}),
    );

    let globals = [
        ("global_i32", Value::I32(666)),
        ("global_i64", Value::I64(666)),
        // 666.6 as f32 and f64.
        ("global_f32", Value::F32(f32::from_bits(0x4426_a666))),
        (
            "global_f64",
            Value::F64(f64::from_bits(0x4084_d4cc_cccc_cccd)),
        ),
    ];
    for (name, value) in globals {
        imports.define(module, name, Global::new(store, value));
    }

    let table = Table::new(
        store,
        TableType::new(Type::FuncRef, 10, Some(20)),
        Value::FuncRef(None),
    )
    .map_err(|e| format!("spectest table: {}", e.message()))?;
    imports.define(module, "table", table);

    let memory = Memory::new(store, MemoryType::new(1, Some(2), false))
        .map_err(|e| format!("spectest memory: {e}"))?;
    imports.define(module, "memory", memory);

    if shared_memory {
        // The spec interpreter's `shared_memory` is `(memory 1 2 shared)`.
        let memory = Memory::new(store, MemoryType::new(1, Some(2), true))
            .map_err(|e| format!("spectest shared_memory: {e}"))?;
        imports.define(module, "shared_memory", memory);
    }
    Ok(())
}
