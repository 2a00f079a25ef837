// The `spectest` module the spec tests import, as the reference interpreter
// defines it: print functions that do nothing, globals 666 / 666.6, a funcref
// table of 10..20 elements, a memory of 1..2 pages, and `shared_memory`
// (1..2 pages, shared) when threads are on.
//
// wazero host modules hold functions only, so spectest is made of wasm
// modules the adapter writes itself, all importable as `spectest` through the
// adapter's namespaces: the functions, globals and table in one, `memory` in
// a second (so that a memory limit below one page loses only the memory), and
// `shared_memory` in a third (wazero has no multi-memory).

package main

import (
	"encoding/binary"
)

const (
	i32Type  byte = 0x7f
	i64Type  byte = 0x7e
	f32Type  byte = 0x7d
	f64Type  byte = 0x7c
	funcref  byte = 0x70
	opEnd    byte = 0x0b
	opI32    byte = 0x41
	opI64    byte = 0x42
	opF32    byte = 0x43
	opF64    byte = 0x44
	constant byte = 0x00 // global mutability
)

// spectestModule returns the binary of spectest's functions, globals and table.
func spectestModule() []byte {
	prints := []struct {
		name   string
		params []byte
	}{
		{"print", nil},
		{"print_i32", []byte{i32Type}},
		{"print_i64", []byte{i64Type}},
		{"print_f32", []byte{f32Type}},
		{"print_f64", []byte{f64Type}},
		{"print_i32_f32", []byte{i32Type, f32Type}},
		{"print_f64_f64", []byte{f64Type, f64Type}},
	}
	var types, funcs, bodies, exports [][]byte
	for i, p := range prints {
		types = append(types, funcType(p.params, nil))
		funcs = append(funcs, uleb(uint64(i)))
		bodies = append(bodies, funcBody(opEnd))
		exports = append(exports, export(p.name, externFunc, uint32(i)))
	}
	f32Bits := binary.LittleEndian.AppendUint32(nil, 0x4426_a666)           // 666.6
	f64Bits := binary.LittleEndian.AppendUint64(nil, 0x4084_d4cc_cccc_cccd) // 666.6
	globals := [][]byte{
		cat([]byte{i32Type, constant, opI32}, sleb(666), []byte{opEnd}),
		cat([]byte{i64Type, constant, opI64}, sleb(666), []byte{opEnd}),
		cat([]byte{f32Type, constant, opF32}, f32Bits, []byte{opEnd}),
		cat([]byte{f64Type, constant, opF64}, f64Bits, []byte{opEnd}),
	}
	for i, name := range []string{"global_i32", "global_i64", "global_f32", "global_f64"} {
		exports = append(exports, export(name, externGlobal, uint32(i)))
	}
	exports = append(exports, export("table", externTable, 0))

	m := newModuleBuilder()
	m.vecSection(1, types...)
	m.vecSection(3, funcs...)
	m.vecSection(4, []byte{funcref, 0x01, 10, 20})
	m.vecSection(6, globals...)
	m.vecSection(7, exports...)
	m.vecSection(10, bodies...)
	return m.bytes()
}

// spectestMemoryModule returns the binary of the module exporting spectest's
// `memory`.
func spectestMemoryModule() []byte {
	m := newModuleBuilder()
	m.vecSection(5, []byte{0x01, 1, 2})
	m.vecSection(7, export("memory", externMemory, 0))
	return m.bytes()
}

// spectestSharedMemoryModule returns the binary of the module exporting
// spectest's `shared_memory`.
func spectestSharedMemoryModule() []byte {
	m := newModuleBuilder()
	m.vecSection(5, []byte{0x03, 1, 2})
	m.vecSection(7, export("shared_memory", externMemory, 0))
	return m.bytes()
}
