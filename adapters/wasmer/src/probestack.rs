//! `__rust_probestack` for the wasmer releases that need it from the toolchain.
//!
//! `wasmer-vm` before 6.1 hands the stack-probe routine of Rust's
//! `compiler_builtins` to the code it generates, by the symbol
//! `__rust_probestack`. Rust 1.89 removed that symbol (LLVM probes the stack
//! inline now), so those releases no longer link on a current toolchain:
//! `undefined symbol: __rust_probestack`. `wasmer-vm` 6.1 defines the routine
//! itself; for the releases before it the adapter does, as that code does
//! (the routine of `compiler_builtins`, x86-64 ELF only: other targets never
//! asked for the symbol). The definition is weak, so a release that has its
//! own wins and nothing is defined twice.

// The ABI: the frame size is in %rax; touch every page between %rsp+8 and
// %rsp+8-%rax so that a stack overflow hits the guard page, and return with
// %rsp and %rax unchanged.
#[cfg(all(
    missing_rust_probestack,
    not(wasmer_ge_6_1),
    target_arch = "x86_64",
    target_os = "linux"
))]
core::arch::global_asm!(
    "
    .pushsection .text.__rust_probestack,\"ax\",@progbits
    .weak   __rust_probestack
    .hidden __rust_probestack
    .type   __rust_probestack, @function
__rust_probestack:
    .cfi_startproc
    pushq  %rbp
    .cfi_adjust_cfa_offset 8
    .cfi_offset %rbp, -16
    movq   %rsp, %rbp
    .cfi_def_cfa_register %rbp
    mov    %rax, %r11
    cmp    $0x1000, %r11
    jna    3f
2:
    sub    $0x1000, %rsp
    test   %rsp, 8(%rsp)
    sub    $0x1000, %r11
    cmp    $0x1000, %r11
    ja     2b
3:
    sub    %r11, %rsp
    test   %rsp, 8(%rsp)
    add    %rax, %rsp
    leave
    .cfi_def_cfa_register %rsp
    .cfi_adjust_cfa_offset -8
    ret
    .cfi_endproc
    .size __rust_probestack, . - __rust_probestack
    .popsection
    ",
    options(att_syntax)
);
