// Obtaining wazero's trap sentinel values: a probe module with one function
// per trap, run once in an interpreter runtime; each call's error wraps the
// sentinel value the engine panicked with (the same package variable every
// engine of that wazero version uses).

package main

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
)

// probe is a function body that traps in a known way.
type probe struct {
	kind, trap string
	// features the body needs beyond wazero's defaults.
	features api.CoreFeatures
	// needsTag says the body throws tag 0 (a tag of type 0, `() -> ()`).
	needsTag bool
	// code returns the body's instructions, `end` included; `self` is the
	// function's own index.
	code func(self uint32) []byte
}

func fixed(code ...byte) func(uint32) []byte { return func(uint32) []byte { return code } }

// probes lists the traps to probe; the gate files for newer wazero versions
// add the ones those versions have.
//
// The probe module has type 0 `() -> ()`, type 1 `() -> i32`, function 0 of
// type 0 (an empty body) in a one-element funcref table, and one page of
// unshared memory.
var probes = []probe{
	{kind: kindTrap, trap: trapUnreachable, code: fixed(0x00, opEnd)},
	// i32.div_s 1 0
	{kind: kindTrap, trap: trapIntegerDivisionByZero, code: fixed(0x41, 0x01, 0x41, 0x00, 0x6d, 0x1a, opEnd)},
	// i32.div_s MIN -1
	{kind: kindTrap, trap: trapIntegerOverflow, code: fixed(0x41, 0x80, 0x80, 0x80, 0x80, 0x78, 0x41, 0x7f, 0x6d, 0x1a, opEnd)},
	// i32.trunc_f32_s NaN
	{kind: kindTrap, trap: trapBadConversionToInteger, code: fixed(0x43, 0x00, 0x00, 0xc0, 0x7f, 0xa8, 0x1a, opEnd)},
	// i32.load at 65536
	{kind: kindTrap, trap: trapMemoryOutOfBounds, code: fixed(0x41, 0x80, 0x80, 0x04, 0x28, 0x02, 0x00, 0x1a, opEnd)},
	// call_indirect (type 0) of element 5 of a one-element table. wazero
	// raises the same value for a null element: see README.md.
	{kind: kindTrap, trap: trapTableOutOfBounds, code: fixed(0x41, 0x05, 0x11, 0x00, 0x00, opEnd)},
	// call_indirect (type 1) of element 0, which has type 0.
	{kind: kindTrap, trap: trapBadSignature, code: fixed(0x41, 0x00, 0x11, 0x01, 0x00, 0x1a, opEnd)},
	// Unbounded recursion.
	{kind: kindExhaustion, code: func(self uint32) []byte { return cat([]byte{0x10}, uleb(uint64(self)), []byte{opEnd}) }},
}

// probeModule writes the probe module.
func probeModule() []byte {
	var funcs, bodies, exports [][]byte
	funcs = append(funcs, uleb(0))
	bodies = append(bodies, funcBody(opEnd))
	tag := false
	for i, p := range probes {
		self := uint32(i + 1)
		funcs = append(funcs, uleb(0))
		bodies = append(bodies, funcBody(p.code(self)...))
		exports = append(exports, export(fmt.Sprintf("p%d", i), externFunc, self))
		tag = tag || p.needsTag
	}
	m := newModuleBuilder()
	m.vecSection(1, funcType(nil, nil), funcType(nil, []byte{i32Type}))
	m.vecSection(3, funcs...)
	m.vecSection(4, []byte{funcref, 0x01, 1, 1})
	m.vecSection(5, []byte{0x01, 1, 1})
	if tag {
		m.vecSection(13, []byte{0x00, 0x00})
	}
	m.vecSection(7, exports...)
	m.vecSection(9, []byte{0x00, opI32, 0x00, opEnd, 0x01, 0x00})
	m.vecSection(10, bodies...)
	return m.bytes()
}

// innermost follows an error's wrapping down to the value it started from.
func innermost(err error) error {
	for {
		next := errors.Unwrap(err)
		if next == nil {
			return err
		}
		err = next
	}
}

// probeSentinels runs every probe and pairs the sentinel it raised with the
// failure it stands for. A probe that does not raise a wasmruntime value is
// reported on stderr and left out (its trap is then classified `other`).
func probeSentinels() []sentinel {
	ctx := context.Background()
	features := api.CoreFeaturesV2
	for _, p := range probes {
		features |= p.features
	}
	rt := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfigInterpreter().WithCoreFeatures(features))
	defer rt.Close(ctx)
	compiled, err := rt.CompileModule(ctx, probeModule())
	if err != nil {
		fmt.Fprintf(os.Stderr, "wasm-compat-adapter-wazero: the trap probe module does not compile: %v\n", err)
		return nil
	}
	mod, err := rt.InstantiateModule(ctx, compiled, wazero.NewModuleConfig().WithName("").WithStartFunctions())
	if err != nil {
		fmt.Fprintf(os.Stderr, "wasm-compat-adapter-wazero: the trap probe module does not instantiate: %v\n", err)
		return nil
	}
	var out []sentinel
	for i, p := range probes {
		_, err := mod.ExportedFunction(fmt.Sprintf("p%d", i)).Call(ctx)
		if err == nil {
			fmt.Fprintf(os.Stderr, "wasm-compat-adapter-wazero: probe p%d (%s %s) did not trap\n", i, p.kind, p.trap)
			continue
		}
		value := innermost(err)
		if fmt.Sprintf("%T", value) != "*wasmruntime.Error" {
			fmt.Fprintf(os.Stderr, "wasm-compat-adapter-wazero: probe p%d (%s %s) raised %T: %v\n", i, p.kind, p.trap, value, err)
			continue
		}
		out = append(out, sentinel{err: value, kind: p.kind, trap: p.trap})
	}
	return out
}
