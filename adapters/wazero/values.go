// Protocol values as exact bit patterns, and their wazero encoding: wazero
// passes every value as uint64 (v128 as two, low half first), so NaN payloads
// and lanes cross unchanged.

package main

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/tetratelabs/wazero/api"
)

// Value type bytes wazero's API reports beyond the ones api names.
const (
	valueTypeV128    api.ValueType = 0x7b
	valueTypeFuncref api.ValueType = 0x70
	valueTypeExnref  api.ValueType = 0x69
)

// Value is one protocol value: a number's bits, a v128, or a reference.
type Value struct {
	// Type is i32, i64, f32, f64, v128 or ref.
	Type string
	// Lo holds the bits of a number, or the low half of a v128.
	Lo uint64
	// Hi holds the high half of a v128.
	Hi uint64
	// Ref describes a reference.
	Ref *RefValue
}

// RefValue is a reference: its heap type, whether it is null, its host payload.
type RefValue struct {
	Heap string  `json:"heap"`
	Null bool    `json:"null,omitempty"`
	Host *uint32 `json:"host,omitempty"`
}

func i32(v uint32) Value { return Value{Type: "i32", Lo: uint64(v)} }
func i64(v uint64) Value { return Value{Type: "i64", Lo: v} }
func f32(v uint32) Value { return Value{Type: "f32", Lo: uint64(v)} }
func f64(v uint64) Value { return Value{Type: "f64", Lo: v} }

// MarshalJSON writes `{"i32":"0x0000002a"}` and the like.
func (v Value) MarshalJSON() ([]byte, error) {
	switch v.Type {
	case "i32", "f32":
		return json.Marshal(map[string]string{v.Type: fmt.Sprintf("0x%08x", uint32(v.Lo))})
	case "i64", "f64":
		return json.Marshal(map[string]string{v.Type: fmt.Sprintf("0x%016x", v.Lo)})
	case "v128":
		return json.Marshal(map[string]string{v.Type: fmt.Sprintf("0x%016x%016x", v.Hi, v.Lo)})
	case "ref":
		return json.Marshal(map[string]*RefValue{"ref": v.Ref})
	}
	return nil, fmt.Errorf("value of unknown type %q", v.Type)
}

// UnmarshalJSON reads the externally tagged form, refusing bits wider than the type.
func (v *Value) UnmarshalJSON(data []byte) error {
	var tagged map[string]json.RawMessage
	if err := json.Unmarshal(data, &tagged); err != nil {
		return err
	}
	if len(tagged) != 1 {
		return fmt.Errorf("a value has exactly one type tag, got %s", data)
	}
	for tag, raw := range tagged {
		if tag == "ref" {
			var r RefValue
			dec := json.NewDecoder(strings.NewReader(string(raw)))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&r); err != nil {
				return err
			}
			*v = Value{Type: "ref", Ref: &r}
			return nil
		}
		var text string
		if err := json.Unmarshal(raw, &text); err != nil {
			return err
		}
		digits, ok := strings.CutPrefix(text, "0x")
		if !ok {
			return fmt.Errorf("expected 0x-prefixed hex bits, got %q", text)
		}
		switch tag {
		case "i32", "f32", "i64", "f64":
			width := 64
			if tag == "i32" || tag == "f32" {
				width = 32
			}
			n, err := strconv.ParseUint(digits, 16, width)
			if err != nil {
				return err
			}
			*v = Value{Type: tag, Lo: n}
		case "v128":
			if len(digits) == 0 || len(digits) > 32 {
				return fmt.Errorf("bad v128 bits %q", text)
			}
			padded := strings.Repeat("0", 32-len(digits)) + digits
			hi, err := strconv.ParseUint(padded[:16], 16, 64)
			if err != nil {
				return err
			}
			lo, err := strconv.ParseUint(padded[16:], 16, 64)
			if err != nil {
				return err
			}
			*v = Value{Type: "v128", Lo: lo, Hi: hi}
		default:
			return fmt.Errorf("unknown value type %q", tag)
		}
	}
	return nil
}

// valueTypeName names a wazero value type byte for messages.
func valueTypeName(t api.ValueType) string {
	switch t {
	case api.ValueTypeI32:
		return "i32"
	case api.ValueTypeI64:
		return "i64"
	case api.ValueTypeF32:
		return "f32"
	case api.ValueTypeF64:
		return "f64"
	case valueTypeV128:
		return "v128"
	case valueTypeFuncref:
		return "funcref"
	case api.ValueTypeExternref:
		return "externref"
	case valueTypeExnref:
		return "exnref"
	}
	return fmt.Sprintf("type 0x%02x", t)
}

// refHeap is the abstract heap type of a reference value type, "" for others.
func refHeap(t api.ValueType) string {
	switch t {
	case valueTypeFuncref:
		return "func"
	case api.ValueTypeExternref:
		return "extern"
	case valueTypeExnref:
		return "exn"
	}
	return ""
}

// encodeArgs turns protocol arguments into wazero's uint64 parameters for a
// function with parameter types `types`.
//
// A host reference `ref.extern N` travels as N+1: wazero's null externref is 0,
// and wasm cannot look inside an externref, so the shift is invisible to it.
func encodeArgs(args []Value, types []api.ValueType) ([]uint64, *Failure) {
	if len(args) != len(types) {
		return nil, fail(kindOther, "the function takes %d arguments, got %d", len(types), len(args))
	}
	out := make([]uint64, 0, len(args))
	for i, arg := range args {
		t := types[i]
		want := valueTypeName(t)
		switch arg.Type {
		case "i32", "i64", "f32", "f64":
			if arg.Type != want {
				return nil, fail(kindOther, "argument %d is %s, the parameter is %s", i, arg.Type, want)
			}
			out = append(out, arg.Lo)
		case "v128":
			if t != valueTypeV128 {
				return nil, fail(kindOther, "argument %d is v128, the parameter is %s", i, want)
			}
			out = append(out, arg.Lo, arg.Hi)
		case "ref":
			if refHeap(t) == "" {
				return nil, fail(kindOther, "argument %d is a reference, the parameter is %s", i, want)
			}
			switch {
			case arg.Ref.Null:
				out = append(out, 0)
			case t == api.ValueTypeExternref && arg.Ref.Host != nil:
				out = append(out, uint64(*arg.Ref.Host)+1)
			default:
				return nil, fail(kindUnsupported, "wazero takes no non-null %s reference from the host", arg.Ref.Heap)
			}
		default:
			return nil, fail(kindOther, "argument %d has unknown type %q", i, arg.Type)
		}
	}
	return out, nil
}

// decodeResults turns wazero's uint64 results of types `types` into protocol values.
func decodeResults(raw []uint64, types []api.ValueType) ([]Value, *Failure) {
	out := make([]Value, 0, len(types))
	for _, t := range types {
		width := 1
		if t == valueTypeV128 {
			width = 2
		}
		if len(raw) < width {
			return nil, fail(kindOther, "wazero returned %d values for %d results", len(raw), len(types))
		}
		v, f := decodeValue(raw[0], raw[width-1], t)
		if f != nil {
			return nil, f
		}
		out = append(out, v)
		raw = raw[width:]
	}
	return out, nil
}

// decodeValue turns one wazero value of type `t` into a protocol value; `hi`
// is only read for v128.
func decodeValue(lo, hi uint64, t api.ValueType) (Value, *Failure) {
	switch t {
	case api.ValueTypeI32:
		return i32(uint32(lo)), nil
	case api.ValueTypeI64:
		return i64(lo), nil
	case api.ValueTypeF32:
		return f32(uint32(lo)), nil
	case api.ValueTypeF64:
		return f64(lo), nil
	case valueTypeV128:
		return Value{Type: "v128", Lo: lo, Hi: hi}, nil
	}
	heap := refHeap(t)
	if heap == "" {
		return Value{}, fail(kindUnsupported, "values of %s", valueTypeName(t))
	}
	r := &RefValue{Heap: heap}
	switch {
	case lo == 0:
		r.Null = true
	case t == api.ValueTypeExternref && lo-1 <= uint64(^uint32(0)):
		n := uint32(lo - 1)
		r.Host = &n
	}
	return Value{Type: "ref", Ref: r}, nil
}

// isNumber reports whether v is an i32, i64, f32 or f64 (what host functions deal in).
func isNumber(v Value) bool {
	return v.Type == "i32" || v.Type == "i64" || v.Type == "f32" || v.Type == "f64"
}

// numberType maps a host function signature type to wazero's.
func numberType(name string) (api.ValueType, bool) {
	switch name {
	case "i32":
		return api.ValueTypeI32, true
	case "i64":
		return api.ValueTypeI64, true
	case "f32":
		return api.ValueTypeF32, true
	case "f64":
		return api.ValueTypeF64, true
	}
	return 0, false
}
