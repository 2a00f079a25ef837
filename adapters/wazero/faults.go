// A real Go panic on request, for the harness's fault tests: with
// WASM_COMPAT_GO_PANIC=NAME in its environment, the adapter dereferences a
// nil pointer when asked to invoke an export called NAME, so the Go runtime
// panics and the process dies the way a crashing adapter does. Unset, nothing
// changes.

package main

import "os"

// panicTarget is read once: the export whose invocation panics, if any.
var panicTarget = os.Getenv("WASM_COMPAT_GO_PANIC")

// sink keeps the dereference from being optimised away.
var sink int

// goPanicOn panics with a nil dereference when export is the panic target.
func goPanicOn(export string) {
	if panicTarget == "" || export != panicTarget {
		return
	}
	var nowhere *int
	sink = *nowhere
}
