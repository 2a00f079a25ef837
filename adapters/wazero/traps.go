// Classifying wazero's errors into protocol failures.
//
// wazero reports a trap as an error wrapping one of the sentinel values of its
// internal package `wasmruntime` (ErrRuntimeIntegerDivideByZero, ...), which
// cannot be imported. The adapter obtains those sentinel values the first
// time it needs them by triggering each trap once in a small probe module
// (probes.go) and then classifies with errors.Is, never by message text.
//
// Link and instantiation errors are plain fmt errors in wazero, without a
// value to compare with: those alone are classified by their message
// (instantiateFailure), as documented in README.md.

package main

import (
	"errors"
	"fmt"
	"regexp"
	"runtime"
	"strings"
	"sync"

	"github.com/tetratelabs/wazero/sys"
)

// hostTrap is the error a host function defined with `trap` panics with;
// wazero recovers it and returns it wrapped.
type hostTrap struct{ message string }

func (h *hostTrap) Error() string { return "host function trapped: " + h.message }

// sentinel is a wazero runtime error value and the failure it means.
type sentinel struct {
	err  error
	kind string
	trap string
}

var (
	sentinelsOnce sync.Once
	sentinelList  []sentinel
)

// sentinels returns the probed sentinel values (probing on first use).
func sentinels() []sentinel {
	sentinelsOnce.Do(func() { sentinelList = probeSentinels() })
	return sentinelList
}

// engineMessage is wazero's message without the wasm stack trace it appends.
func engineMessage(err error) string {
	msg := err.Error()
	if i := strings.Index(msg, "\nwasm stack trace:"); i >= 0 {
		msg = msg[:i]
	}
	return msg
}

// crashOnEngineFault panics when wazero recovered a Go runtime error (a nil
// dereference, an index out of range, ...) inside the engine and returned it
// as an error: that is an engine crash, and the harness must see it as one.
func crashOnEngineFault(err error) {
	var rt runtime.Error
	if errors.As(err, &rt) {
		panic(fmt.Sprintf("wazero recovered a Go runtime error inside the engine: %v", err))
	}
}

// knownRuntimeFailure classifies an error raised while running wasm code
// (a call or a start function); nil when it is not one. A module closed
// (or exited) answers calls with a sys.ExitError: `exit` with its code.
func knownRuntimeFailure(err error) *Failure {
	crashOnEngineFault(err)
	msg := engineMessage(err)
	var exit *sys.ExitError
	if errors.As(err, &exit) {
		return exitFailure(exit.ExitCode(), msg)
	}
	var ht *hostTrap
	if errors.As(err, &ht) {
		return trapFailure(trapHostError, msg)
	}
	for _, s := range sentinels() {
		if errors.Is(err, s.err) {
			return &Failure{Kind: s.kind, Trap: s.trap, Message: msg}
		}
	}
	return nil
}

// callFailure classifies the error of a call into wasm.
func callFailure(err error) *Failure {
	if f := knownRuntimeFailure(err); f != nil {
		return f
	}
	return fail(kindOther, "%s", engineMessage(err))
}

// closeFailure classifies the error of closing a module.
func closeFailure(err error) *Failure {
	var exit *sys.ExitError
	if errors.As(err, &exit) {
		return exitFailure(exit.ExitCode(), engineMessage(err))
	}
	return fail(kindOther, "%s", engineMessage(err))
}

var (
	// import func[m.f]: ... (1.0: import[0] func[m.f]: ...), from resolveImports.
	importMismatch = regexp.MustCompile(`^import(\[\d+\])? (func|table|memory|global|tag)\[`)
	// data[N]: out of bounds memory access, from applying data segments.
	dataOutOfBounds = regexp.MustCompile(`^data\[\d+\]: out of bounds memory access`)
)

// instantiateFailure classifies the error of an instantiation.
func instantiateFailure(err error) *Failure {
	if f := knownRuntimeFailure(err); f != nil {
		return f
	}
	msg := engineMessage(err)
	switch {
	case importMismatch.MatchString(msg),
		strings.Contains(msg, "is not exported in module"),
		strings.Contains(msg, "not instantiated"),
		strings.HasPrefix(msg, "export ") && strings.Contains(msg, ", not a "):
		return fail(kindUnlinkable, "%s", msg)
	case dataOutOfBounds.MatchString(msg):
		return trapFailure(trapMemoryOutOfBounds, msg)
	}
	return fail(kindUninstantiable, "%s", msg)
}
