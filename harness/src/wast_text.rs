//! Pieces of wast text the harness writes into the cases it generates
//! (boundary cases, smoke cases of `.wasm` files, fuzzing findings): string
//! literals and binary modules, every byte that needs it escaped; and the
//! binary of a module the harness itself writes as text.

use std::fmt::Write as _;

/// A string as a wast string literal: printable ASCII as it is, every other
/// byte (and `"` and `\`) escaped.
pub fn quoted(s: &str) -> String {
    let mut out = String::from("\"");
    for b in s.bytes() {
        if (b.is_ascii_graphic() || b == b' ') && b != b'"' && b != b'\\' {
            out.push(b as char);
        } else {
            let _ = write!(out, "\\{b:02x}");
        }
    }
    out.push('"');
    out
}

/// `(module binary "...")` with every byte escaped, 64 to a line.
pub fn binary_module(bytes: &[u8]) -> String {
    let mut out = String::from("(module binary");
    for chunk in bytes.chunks(64) {
        out.push_str("\n  \"");
        for b in chunk {
            let _ = write!(out, "\\{b:02x}");
        }
        out.push('"');
    }
    out.push(')');
    out
}

/// The binary of one module written as text (`(module ...)`), or why it
/// does not encode.
pub fn encode(wat: &str) -> Result<Vec<u8>, String> {
    let buf = wast::parser::ParseBuffer::new(wat).map_err(|e| e.to_string())?;
    let mut module = wast::parser::parse::<wast::Wat>(&buf).map_err(|e| e.to_string())?;
    module.encode().map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_and_modules_are_escaped_byte_by_byte() {
        assert_eq!(quoted("a b\"c"), "\"a b\\22c\"");
        assert_eq!(binary_module(&[0, 0x61]), "(module binary\n  \"\\00\\61\")");
    }
}
