//! Smoke cases for plain `.wasm` files (an embedder's plugins): a `.wasm`
//! file in a case folder is a case of its own, generated here. It compiles
//! and instantiates the module with every import stubbed (a stub function
//! traps when called), then links one small module to each export, importing
//! it with the type the binary declares, so each export the engine gives is
//! one snapshot line; exported globals are read and memories sized. Nothing
//! of the plugin is called: its functions may need a real host.

use std::fmt::Write;

use wasmparser::types::{CoreTypeId, EntityType, TypesRef};
use wasmparser::{
    AbstractHeapType, GlobalType, HeapType, MemoryType, RefType, TableType, ValType, Validator,
    WasmFeatures,
};

use crate::proposal::Proposal;
use crate::wast_text::quoted;

/// The name the plugin is registered under, for the export links.
const REGISTERED: &str = "wasm-compat:plugin";

/// A generated smoke case: its text and the proposals it needs.
pub struct Smoke {
    /// The case text (`(module_file ...)` loads the file itself).
    pub text: String,
    /// Proposals beyond WebAssembly 1.0 the module needs (found by validation).
    pub features: Vec<Proposal>,
}

/// The smoke case of the module `bytes`, stored as `file` beside the case.
pub fn case(file: &str, bytes: &[u8]) -> Smoke {
    let mut text = format!(
        ";; Generated from {file}: compile and instantiate it with every import\n\
         ;; stubbed, then link to each export with the type it declares.\n"
    );
    let mut validator = Validator::new_with_features(WasmFeatures::all());
    let types = match validator.validate_all(bytes) {
        Ok(types) => types,
        Err(e) => {
            // The engines decide; the harness only cannot stub its imports.
            let e = e
                .to_string()
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ");
            let _ = writeln!(text, ";; wasmparser: {e}; imports are not stubbed");
            let _ = writeln!(text, "(module_file $plugin {})", quoted(file));
            return Smoke {
                text,
                features: Vec::new(),
            };
        }
    };
    let types = types.as_ref();
    let features = crate::proposal::needed_by(bytes).unwrap_or_default();
    stubs(&types, &mut text);
    let _ = writeln!(text, "(module_file $plugin {})", quoted(file));
    let _ = writeln!(text, "(register {} $plugin)", quoted(REGISTERED));
    exports(&types, &mut text);
    Smoke { text, features }
}

/// One stub module per import module name, registered under it.
fn stubs(types: &TypesRef<'_>, text: &mut String) {
    let mut modules: Vec<(&str, Vec<(&str, EntityType)>)> = Vec::new();
    for (module, name, ty) in types.core_imports().into_iter().flatten() {
        match modules.iter_mut().find(|(m, _)| *m == module) {
            Some((_, items)) => items.push((name, ty)),
            None => modules.push((module, vec![(name, ty)])),
        }
    }
    for (i, (module, items)) in modules.iter().enumerate() {
        let _ = writeln!(text, ";; the imports from {}", quoted(module));
        let _ = writeln!(text, "(module $imports{i}");
        for (name, ty) in items {
            match definition(types, ty) {
                Ok((kind, def)) => {
                    let _ = writeln!(text, "  ({kind} (export {}) {def})", quoted(name));
                }
                Err(why) => {
                    let _ = writeln!(text, "  ;; {} not stubbed: {why}", quoted(name));
                }
            }
        }
        let _ = writeln!(text, ")\n(register {} $imports{i})", quoted(module));
    }
}

/// A module importing each export with its declared type; exported globals
/// read, memories sized.
fn exports(types: &TypesRef<'_>, text: &mut String) {
    for (name, ty) in types.core_exports().into_iter().flatten() {
        let quoted_name = quoted(name);
        match import(types, &ty) {
            Ok(import) => {
                let _ = writeln!(text, ";; export {quoted_name}: {import}");
                let _ = writeln!(
                    text,
                    "(module (import {} {quoted_name} ({import})))",
                    quoted(REGISTERED)
                );
            }
            Err(why) => {
                let _ = writeln!(text, ";; export {quoted_name} not linked: {why}");
            }
        }
        match ty {
            EntityType::Global(_) => {
                let _ = writeln!(
                    text,
                    "(observe (assert_return (get $plugin {quoted_name})))"
                );
            }
            EntityType::Memory(_) => {
                let _ = writeln!(text, "(memory_size $plugin {quoted_name})");
            }
            _ => {}
        }
    }
}

/// The kind and type of an item of type `ty`, as an import or a definition
/// writes them: `("func", "(param i32) (result i64)")`.
fn kind_and_type(types: &TypesRef<'_>, ty: &EntityType) -> Result<(&'static str, String), String> {
    Ok(match ty {
        EntityType::Func(id) | EntityType::FuncExact(id) => ("func", signature(types, *id)?),
        EntityType::Memory(m) => ("memory", memory(m)?),
        EntityType::Table(t) => ("table", table(t)?),
        EntityType::Global(g) => ("global", global(g)?),
        EntityType::Tag(id) => ("tag", signature(types, *id)?),
    })
}

/// The kind and text of a stub defining an item of type `ty`: its type, and
/// for a function a body that traps, for a global its zero.
fn definition(types: &TypesRef<'_>, ty: &EntityType) -> Result<(&'static str, String), String> {
    let (kind, mut text) = kind_and_type(types, ty)?;
    match ty {
        EntityType::Func(_) | EntityType::FuncExact(_) => text.push_str(" unreachable"),
        EntityType::Global(g) => text.push_str(&format!(" ({})", zero(g.content_type)?)),
        _ => {}
    }
    Ok((kind, text))
}

/// The text of an import of an item of type `ty`.
fn import(types: &TypesRef<'_>, ty: &EntityType) -> Result<String, String> {
    kind_and_type(types, ty).map(|(kind, text)| format!("{kind} {text}"))
}

fn signature(types: &TypesRef<'_>, id: CoreTypeId) -> Result<String, String> {
    let sub = &types[id];
    let wasmparser::CompositeInnerType::Func(f) = &sub.composite_type.inner else {
        return Err("not a function type".into());
    };
    let mut out = String::new();
    for p in f.params() {
        let _ = write!(out, "(param {}) ", val_type(*p)?);
    }
    for r in f.results() {
        let _ = write!(out, "(result {}) ", val_type(*r)?);
    }
    Ok(out.trim_end().to_string())
}

/// The index type and limits of a memory or table: `i64 1 4`.
fn limits(is64: bool, initial: u64, maximum: Option<u64>) -> String {
    let index = if is64 { "i64 " } else { "" };
    match maximum {
        Some(max) => format!("{index}{initial} {max}"),
        None => format!("{index}{initial}"),
    }
}

fn memory(m: &MemoryType) -> Result<String, String> {
    let mut out = limits(m.memory64, m.initial, m.maximum);
    if m.shared {
        out.push_str(" shared");
    }
    if let Some(log2) = m.page_size_log2 {
        let _ = write!(out, " (pagesize {})", 1u64 << log2);
    }
    Ok(out)
}

fn table(t: &TableType) -> Result<String, String> {
    if t.shared {
        return Err("a shared table".into());
    }
    let element = ref_type(t.element_type)?;
    Ok(format!(
        "{} {element}",
        limits(t.table64, t.initial, t.maximum)
    ))
}

fn global(g: &GlobalType) -> Result<String, String> {
    if g.shared {
        return Err("a shared global".into());
    }
    let ty = val_type(g.content_type)?;
    Ok(if g.mutable { format!("(mut {ty})") } else { ty })
}

/// The zero of a type, as a constant expression.
fn zero(ty: ValType) -> Result<String, String> {
    Ok(match ty {
        ValType::I32 => "i32.const 0".into(),
        ValType::I64 => "i64.const 0".into(),
        ValType::F32 => "f32.const 0".into(),
        ValType::F64 => "f64.const 0".into(),
        ValType::V128 => "v128.const i64x2 0 0".into(),
        ValType::Ref(r) if r.is_nullable() => format!("ref.null {}", heap_type(r.heap_type())?),
        ValType::Ref(_) => return Err("a non-nullable reference has no zero".into()),
    })
}

fn val_type(ty: ValType) -> Result<String, String> {
    Ok(match ty {
        ValType::I32 => "i32".into(),
        ValType::I64 => "i64".into(),
        ValType::F32 => "f32".into(),
        ValType::F64 => "f64".into(),
        ValType::V128 => "v128".into(),
        ValType::Ref(r) => ref_type(r)?,
    })
}

fn ref_type(r: RefType) -> Result<String, String> {
    let null = if r.is_nullable() { "null " } else { "" };
    Ok(format!("(ref {null}{})", heap_type(r.heap_type())?))
}

fn heap_type(h: HeapType) -> Result<String, String> {
    use AbstractHeapType as A;
    let HeapType::Abstract { shared: false, ty } = h else {
        return Err(format!(
            "the type {h:?} refers to a type definition or is shared"
        ));
    };
    Ok(match ty {
        A::Func => "func",
        A::Extern => "extern",
        A::Any => "any",
        A::None => "none",
        A::NoExtern => "noextern",
        A::NoFunc => "nofunc",
        A::Eq => "eq",
        A::Struct => "struct",
        A::Array => "array",
        A::I31 => "i31",
        A::Exn => "exn",
        A::NoExn => "noexn",
        A::Cont => "cont",
        A::NoCont => "nocont",
    }
    .to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The binary of a module written as text.
    pub(crate) fn wasm(wat: &str) -> Vec<u8> {
        let buf = wast::parser::ParseBuffer::new(wat).unwrap();
        let mut module: wast::Wat<'_> = wast::parser::parse(&buf).unwrap();
        module.encode().unwrap()
    }

    const PLUGIN: &str = r#"(module
      (import "env" "log" (func (param i32 i64) (result f32)))
      (import "env" "memory" (memory 1 4))
      (import "env" "table" (table 2 funcref))
      (import "wasi_snapshot_preview1" "fd_write" (func (param i32 i32 i32 i32) (result i32)))
      (import "env" "base" (global (mut i32)))
      (func (export "run") (param externref) (result i32) i32.const 7)
      (memory (export "heap") i64 2)
      (global (export "version") i64 (i64.const 3))
      (table (export "callbacks") 1 externref))"#;

    #[test]
    fn imports_are_stubbed_and_each_export_linked_by_its_type() {
        let smoke = case("plugin.wasm", &wasm(PLUGIN));
        let text = &smoke.text;
        // An imported and a defined memory: multi-memory too; externref.
        let needs = vec![
            Proposal::Memory64,
            Proposal::MultiMemory,
            Proposal::ReferenceTypes,
        ];
        assert_eq!(smoke.features, needs, "{text}");
        for line in [
            r#"  (func (export "log") (param i32) (param i64) (result f32) unreachable)"#,
            r#"  (memory (export "memory") 1 4)"#,
            r#"  (table (export "table") 2 (ref null func))"#,
            r#"  (global (export "base") (mut i32) (i32.const 0))"#,
            r#"(register "wasi_snapshot_preview1" $imports1)"#,
            r#"(module_file $plugin "plugin.wasm")"#,
            r#"(module (import "wasm-compat:plugin" "run" (func (param (ref null extern)) (result i32))))"#,
            r#"(module (import "wasm-compat:plugin" "heap" (memory i64 2)))"#,
            r#"(observe (assert_return (get $plugin "version")))"#,
            r#"(memory_size $plugin "heap")"#,
        ] {
            assert!(text.contains(line), "no `{line}` in:\n{text}");
        }
        // The generated text is a case the interpreter parses.
        let buf = wast::parser::ParseBuffer::new(text).unwrap();
        wast::parser::parse::<crate::script::Script<'_>>(&buf)
            .unwrap_or_else(|e| panic!("{e}\n{text}"));
    }

    #[test]
    fn a_module_that_does_not_validate_is_still_sent_to_the_engines() {
        let smoke = case("broken.wasm", b"\0asm\x01\0\0\0\x01\xff");
        assert!(smoke.text.contains("(module_file $plugin \"broken.wasm\")"));
        assert!(smoke.text.contains("wasmparser:"), "{}", smoke.text);
    }
}
