// Host functions (`define-host`): wazero Go functions that record their
// arguments and answer fixed values, values computed from their arguments
// (`computes`: echo, add, combine), or panic with a hostTrap, which wazero
// recovers and returns as the caller's error.

package main

import (
	"context"
	"fmt"
	"math"
	"math/bits"
	"sync"

	"github.com/tetratelabs/wazero/api"
)

// callLog records the arguments of every host function call by (module, name).
type callLog struct {
	mu    sync.Mutex
	calls map[[2]string][][]Value
}

func newCallLog() *callLog { return &callLog{calls: map[[2]string][][]Value{}} }

func (l *callLog) record(module, name string, args []Value) {
	l.mu.Lock()
	defer l.mu.Unlock()
	key := [2]string{module, name}
	l.calls[key] = append(l.calls[key], args)
}

func (l *callLog) of(module, name string) [][]Value {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := l.calls[[2]string{module, name}]
	if out == nil {
		out = [][]Value{}
	}
	return out
}

// valueTypes maps host function signature types (the numbers, externref
// and funcref) to wazero's.
func valueTypes(names []string) ([]api.ValueType, *Failure) {
	out := make([]api.ValueType, len(names))
	for i, n := range names {
		t, ok := numberType(n)
		switch {
		case ok:
		case n == "externref":
			t = api.ValueTypeExternref
		case n == "funcref":
			t = valueTypeFuncref
		default:
			return nil, fail(kindOther, "bad request: unknown host function type %q", n)
		}
		out[i] = t
	}
	return out, nil
}

// encodeReturn turns a `returns` value into the bits written to a result
// slot: a number as its bits, a reference as encodeArgs passes one.
func encodeReturn(v Value) (uint64, *Failure) {
	switch {
	case isNumber(v):
		return v.Lo, nil
	case v.Type == "ref" && v.Ref.Null:
		return 0, nil
	case v.Type == "ref" && v.Ref.Heap == "extern" && v.Ref.Host != nil:
		return uint64(*v.Ref.Host) + 1, nil
	}
	return 0, fail(kindUnsupported, "host functions return numbers, null references and host externrefs only")
}

func isNumberType(t api.ValueType) bool {
	return t == api.ValueTypeI32 || t == api.ValueTypeI64 || t == api.ValueTypeF32 || t == api.ValueTypeF64
}

// argBits is the bit pattern of a `t` value in a wazero stack slot: i32 and
// f32 in the low 32 bits, whatever the slot's high half holds.
func argBits(slot uint64, t api.ValueType) uint64 {
	if t == api.ValueTypeI32 || t == api.ValueTypeF32 {
		return uint64(uint32(slot))
	}
	return slot
}

// computation returns what a host function defined with `computes` does to
// wazero's stack (arguments in, results out), or the `other` failure of a
// signature it cannot compute with.
func computation(compute string, params, results []api.ValueType) (func(stack []uint64), *Failure) {
	signature := func() string {
		names := func(ts []api.ValueType) []string {
			out := make([]string, len(ts))
			for i, t := range ts {
				out[i] = valueTypeName(t)
			}
			return out
		}
		return fmt.Sprintf("%v -> %v", names(params), names(results))
	}
	switch compute {
	case "echo":
		same := len(params) == len(results)
		for i := 0; same && i < len(params); i++ {
			same = params[i] == results[i]
		}
		if !same {
			return nil, fail(kindOther, "`computes echo` needs the results to be the parameters, not %s", signature())
		}
		// wazero hands the arguments in the slots the results go out of:
		// leaving them is answering them, every bit of every slot.
		return func([]uint64) {}, nil
	case "add":
		if len(results) != 1 || !isNumberType(results[0]) {
			return nil, fail(kindOther, "`computes add` needs one number result, not %s", signature())
		}
		t := results[0]
		for _, p := range params {
			if p != t {
				return nil, fail(kindOther, "`computes add` needs every parameter of the result's type, not %s", signature())
			}
		}
		n := len(params)
		return func(stack []uint64) { stack[0] = sum(t, stack[:n]) }, nil
	case "combine":
		if len(results) != 1 || results[0] != api.ValueTypeI64 {
			return nil, fail(kindOther, "`computes combine` needs one i64 result, not %s", signature())
		}
		for _, p := range params {
			if !isNumberType(p) {
				return nil, fail(kindOther, "`computes combine` takes number parameters only, not %s", signature())
			}
		}
		return func(stack []uint64) {
			var h uint64
			for i, p := range params {
				h = bits.RotateLeft64(h, 7) ^ argBits(stack[i], p)
			}
			stack[0] = h
		}, nil
	}
	return nil, fail(kindOther, "bad request: unknown `computes` %q (known: echo, add, combine)", compute)
}

// sum adds the arguments in `slots`, all of number type `t`: wrapping for
// integers, Go's IEEE addition for floats (float32 for f32). The sum of one
// argument is that argument (no addition happens); of none, zero.
func sum(t api.ValueType, slots []uint64) uint64 {
	if len(slots) == 0 {
		return 0
	}
	switch t {
	case api.ValueTypeI32:
		s := uint32(slots[0])
		for _, v := range slots[1:] {
			s += uint32(v)
		}
		return uint64(s)
	case api.ValueTypeI64:
		s := slots[0]
		for _, v := range slots[1:] {
			s += v
		}
		return s
	case api.ValueTypeF32:
		s := math.Float32frombits(uint32(slots[0]))
		for _, v := range slots[1:] {
			s += math.Float32frombits(uint32(v))
		}
		return uint64(math.Float32bits(s))
	default: // f64
		s := math.Float64frombits(slots[0])
		for _, v := range slots[1:] {
			s += math.Float64frombits(v)
		}
		return math.Float64bits(s)
	}
}

// linkHost makes `h` in the current runtime, as a host module of its own
// with a private name, and makes it importable as h.Module::h.Name (shadowing
// an earlier definition).
func (a *adapter) linkHost(h hostFunc) *Failure {
	params, f := valueTypes(h.Params)
	if f != nil {
		return f
	}
	results, f := valueTypes(h.Results)
	if f != nil {
		return f
	}
	var compute func(stack []uint64)
	if h.Computes != nil {
		if compute, f = computation(*h.Computes, params, results); f != nil {
			return f
		}
	}
	returns := make([]uint64, 0, len(h.Returns))
	for _, v := range h.Returns {
		b, f := encodeReturn(v)
		if f != nil {
			return f
		}
		returns = append(returns, b)
	}
	calls := a.calls
	fn := api.GoModuleFunc(func(_ context.Context, _ api.Module, stack []uint64) {
		args := make([]Value, len(params))
		for i, t := range params {
			args[i], _ = decodeValue(stack[i], 0, t)
		}
		calls.record(h.Module, h.Name, args)
		if h.Trap != nil {
			panic(&hostTrap{message: *h.Trap})
		}
		if compute != nil {
			compute(stack)
			return
		}
		// Values of another type go in as their bits; missing ones leave the
		// slot as it is: what wazero makes of that is the behaviour under test.
		for i := 0; i < len(results) && i < len(returns); i++ {
			stack[i] = returns[i]
		}
	})
	name := a.privateName("host")
	_, err := a.rt.NewHostModuleBuilder(name).
		NewFunctionBuilder().
		WithGoModuleFunction(fn, params, results).
		Export(h.Name).
		Instantiate(a.ctx)
	if err != nil {
		return fail(kindOther, "defining host function `%s::%s`: %v", h.Module, h.Name, err)
	}
	a.export(h.Module, name, []wasmExport{{Name: h.Name, Kind: externFunc}})
	return nil
}

func (a *adapter) defineHost(h hostFunc) (Reply, *Failure) {
	if f := a.linkHost(h); f != nil {
		return nil, f
	}
	a.hosts = append(a.hosts, h)
	return done, nil
}

func (a *adapter) hostCalls(req hostCallsReq) (Reply, *Failure) {
	return callsReply{Calls: a.calls.of(req.Module, req.Name)}, nil
}
