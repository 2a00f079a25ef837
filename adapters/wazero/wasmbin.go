// Just enough of the wasm binary format to read a module's imports and
// exports, rename its import modules, and write the small modules the adapter
// makes itself (spectest, the trap probes).

package main

import (
	"errors"
	"fmt"
)

// Extern kinds as the binary format numbers them.
const (
	externFunc   byte = 0
	externTable  byte = 1
	externMemory byte = 2
	externGlobal byte = 3
	externTag    byte = 4
)

var externNames = [...]string{"func", "table", "memory", "global", "tag"}

func externName(kind byte) string {
	if int(kind) < len(externNames) {
		return externNames[kind]
	}
	return fmt.Sprintf("extern kind %d", kind)
}

const (
	sectionImport byte = 2
	sectionExport byte = 7
)

// wasmImport is one entry of the import section.
type wasmImport struct {
	Module, Name string
	Kind         byte
	// desc is the encoded import description, copied verbatim when renaming.
	desc []byte
}

// wasmExport is one entry of the export section.
type wasmExport struct {
	Name string
	Kind byte
}

// moduleShape is what the adapter needs to know of a module it did not make.
type moduleShape struct {
	Imports []wasmImport
	Exports []wasmExport
}

var errTruncated = errors.New("unexpected end of the module")

// reader walks a byte slice.
type reader struct {
	b   []byte
	pos int
}

func (r *reader) byte() (byte, error) {
	if r.pos >= len(r.b) {
		return 0, errTruncated
	}
	c := r.b[r.pos]
	r.pos++
	return c, nil
}

// uleb reads an unsigned LEB128 number of at most 64 bits (also used to skip
// signed ones, whose encoding has the same length rules).
func (r *reader) uleb() (uint64, error) {
	var n uint64
	for shift := 0; shift < 70; shift += 7 {
		c, err := r.byte()
		if err != nil {
			return 0, err
		}
		n |= uint64(c&0x7f) << shift
		if c&0x80 == 0 {
			return n, nil
		}
	}
	return 0, errors.New("LEB128 number too long")
}

func (r *reader) bytes(n uint64) ([]byte, error) {
	if n > uint64(len(r.b)-r.pos) {
		return nil, errTruncated
	}
	out := r.b[r.pos : r.pos+int(n)]
	r.pos += int(n)
	return out, nil
}

func (r *reader) name() (string, error) {
	n, err := r.uleb()
	if err != nil {
		return "", err
	}
	b, err := r.bytes(n)
	return string(b), err
}

// valType skips a value type: one byte, or a (ref null? heaptype) pair.
func (r *reader) valType() error {
	c, err := r.byte()
	if err != nil {
		return err
	}
	if c == 0x63 || c == 0x64 {
		_, err = r.uleb() // the heap type, an s33
	}
	return err
}

// limits skips memory or table limits, including the threads, memory64 and
// custom-page-sizes flag bits.
func (r *reader) limits() error {
	flags, err := r.byte()
	if err != nil {
		return err
	}
	if _, err := r.uleb(); err != nil {
		return err
	}
	if flags&0x01 != 0 {
		if _, err := r.uleb(); err != nil {
			return err
		}
	}
	if flags&0x08 != 0 {
		if _, err := r.uleb(); err != nil {
			return err
		}
	}
	return nil
}

// importDesc skips the description of an import of `kind`.
func (r *reader) importDesc(kind byte) error {
	switch kind {
	case externFunc:
		_, err := r.uleb()
		return err
	case externTable:
		if err := r.valType(); err != nil {
			return err
		}
		return r.limits()
	case externMemory:
		return r.limits()
	case externGlobal:
		if err := r.valType(); err != nil {
			return err
		}
		_, err := r.byte()
		return err
	case externTag:
		if _, err := r.byte(); err != nil {
			return err
		}
		_, err := r.uleb()
		return err
	}
	return fmt.Errorf("unknown import kind 0x%02x", kind)
}

// section is one section of a module: its id and contents.
type section struct {
	id      byte
	content []byte
}

// sections splits a module into its sections.
func sections(module []byte) ([]section, error) {
	if len(module) < 8 || string(module[:4]) != "\x00asm" {
		return nil, errors.New("not a wasm binary module")
	}
	r := &reader{b: module, pos: 8}
	var out []section
	for r.pos < len(r.b) {
		id, err := r.byte()
		if err != nil {
			return nil, err
		}
		size, err := r.uleb()
		if err != nil {
			return nil, err
		}
		content, err := r.bytes(size)
		if err != nil {
			return nil, err
		}
		out = append(out, section{id, content})
	}
	return out, nil
}

// readShape reads the imports and exports of a module.
func readShape(module []byte) (*moduleShape, error) {
	secs, err := sections(module)
	if err != nil {
		return nil, err
	}
	shape := &moduleShape{}
	for _, s := range secs {
		r := &reader{b: s.content}
		switch s.id {
		case sectionImport:
			count, err := r.uleb()
			if err != nil {
				return nil, err
			}
			for i := uint64(0); i < count; i++ {
				var imp wasmImport
				if imp.Module, err = r.name(); err != nil {
					return nil, err
				}
				if imp.Name, err = r.name(); err != nil {
					return nil, err
				}
				if imp.Kind, err = r.byte(); err != nil {
					return nil, err
				}
				start := r.pos
				if err := r.importDesc(imp.Kind); err != nil {
					return nil, err
				}
				imp.desc = r.b[start:r.pos]
				shape.Imports = append(shape.Imports, imp)
			}
		case sectionExport:
			count, err := r.uleb()
			if err != nil {
				return nil, err
			}
			for i := uint64(0); i < count; i++ {
				var exp wasmExport
				if exp.Name, err = r.name(); err != nil {
					return nil, err
				}
				if exp.Kind, err = r.byte(); err != nil {
					return nil, err
				}
				if _, err := r.uleb(); err != nil {
					return nil, err
				}
				shape.Exports = append(shape.Exports, exp)
			}
		}
	}
	return shape, nil
}

// renameImports returns `module` with the module name of import i replaced by
// moduleNames[i]; everything else is copied byte for byte.
func renameImports(module []byte, shape *moduleShape, moduleNames []string) ([]byte, error) {
	if len(moduleNames) != len(shape.Imports) {
		return nil, fmt.Errorf("%d names for %d imports", len(moduleNames), len(shape.Imports))
	}
	secs, err := sections(module)
	if err != nil {
		return nil, err
	}
	out := append([]byte(nil), module[:8]...)
	for _, s := range secs {
		content := s.content
		if s.id == sectionImport {
			var b []byte
			b = appendULEB(b, uint64(len(shape.Imports)))
			for i, imp := range shape.Imports {
				b = appendName(b, moduleNames[i])
				b = appendName(b, imp.Name)
				b = append(b, imp.Kind)
				b = append(b, imp.desc...)
			}
			content = b
		}
		out = appendSection(out, s.id, content)
	}
	return out, nil
}

func appendULEB(b []byte, n uint64) []byte {
	for {
		c := byte(n & 0x7f)
		n >>= 7
		if n == 0 {
			return append(b, c)
		}
		b = append(b, c|0x80)
	}
}

func appendSLEB(b []byte, n int64) []byte {
	for {
		c := byte(n & 0x7f)
		n >>= 7
		if (n == 0 && c&0x40 == 0) || (n == -1 && c&0x40 != 0) {
			return append(b, c)
		}
		b = append(b, c|0x80)
	}
}

func appendName(b []byte, s string) []byte {
	b = appendULEB(b, uint64(len(s)))
	return append(b, s...)
}

func appendSection(b []byte, id byte, content []byte) []byte {
	b = append(b, id)
	b = appendULEB(b, uint64(len(content)))
	return append(b, content...)
}

// moduleBuilder writes small modules: sections are added in binary order by
// the caller, each as a vector of already encoded entries.
type moduleBuilder struct {
	out []byte
}

func newModuleBuilder() *moduleBuilder {
	return &moduleBuilder{out: []byte("\x00asm\x01\x00\x00\x00")}
}

// vecSection adds a section holding the vector `entries` (skipped when empty).
func (m *moduleBuilder) vecSection(id byte, entries ...[]byte) {
	if len(entries) == 0 {
		return
	}
	content := appendULEB(nil, uint64(len(entries)))
	for _, e := range entries {
		content = append(content, e...)
	}
	m.out = appendSection(m.out, id, content)
}

func (m *moduleBuilder) bytes() []byte { return m.out }

// funcType encodes a function type entry.
func funcType(params, results []byte) []byte {
	b := []byte{0x60}
	b = appendULEB(b, uint64(len(params)))
	b = append(b, params...)
	b = appendULEB(b, uint64(len(results)))
	return append(b, results...)
}

// export encodes an export entry.
func export(name string, kind byte, index uint32) []byte {
	b := appendName(nil, name)
	b = append(b, kind)
	return appendULEB(b, uint64(index))
}

// funcBody encodes a code entry without locals from its instructions
// (the final `end` included).
func funcBody(code ...byte) []byte {
	body := append([]byte{0x00}, code...)
	return append(appendULEB(nil, uint64(len(body))), body...)
}

// uleb encodes n, for building instruction sequences.
func uleb(n uint64) []byte { return appendULEB(nil, n) }

// sleb encodes n, for building instruction sequences.
func sleb(n int64) []byte { return appendSLEB(nil, n) }

// cat concatenates byte slices.
func cat(parts ...[]byte) []byte {
	var out []byte
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}
