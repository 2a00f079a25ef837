// Host functions (`define-host`): wazero Go functions that record their
// arguments and answer fixed values, or panic with a hostTrap, which wazero
// recovers and returns as the caller's error.

package main

import (
	"context"
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

func numberTypes(names []string) ([]api.ValueType, *Failure) {
	out := make([]api.ValueType, len(names))
	for i, n := range names {
		t, ok := numberType(n)
		if !ok {
			return nil, fail(kindOther, "bad request: unknown host function type %q", n)
		}
		out[i] = t
	}
	return out, nil
}

// linkHost makes `h` in the current runtime, as a host module of its own
// with a private name, and makes it importable as h.Module::h.Name (shadowing
// an earlier definition).
func (a *adapter) linkHost(h hostFunc) *Failure {
	params, f := numberTypes(h.Params)
	if f != nil {
		return f
	}
	results, f := numberTypes(h.Results)
	if f != nil {
		return f
	}
	for _, v := range h.Returns {
		if !isNumber(v) {
			return fail(kindUnsupported, "host functions return numbers only")
		}
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
		// Values of another type go in as their bits; missing ones leave the
		// slot as it is: what wazero makes of that is the behaviour under test.
		for i := 0; i < len(results) && i < len(h.Returns); i++ {
			stack[i] = h.Returns[i].Lo
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
