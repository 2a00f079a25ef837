//go:build !wazero_lt_1_12

// What wazero 1.12 added: extended-const, exceptions and function-references
// (experimental). The spec repository's exceptions and function-references
// suites are written against a core language that has tail calls
// (`return_call_ref`, `return_call` inside `try_table`), so enabling either
// also enables tail-call, as the wasmtime adapter enables reference-types
// with function-references.

package main

import "github.com/tetratelabs/wazero/experimental"

func init() {
	features = append(features,
		feature{name: "extended-const", flags: experimental.CoreFeaturesExtendedConst},
		feature{name: "exceptions", flags: experimental.CoreFeaturesExceptionHandling | experimental.CoreFeaturesTailCall},
		feature{name: "function-references", flags: experimental.CoreFeaturesTypedFunctionReferences | experimental.CoreFeaturesTailCall},
	)
	probes = append(probes,
		// ref.as_non_null (ref.null func)
		probe{kind: kindTrap, trap: trapNullReference, features: experimental.CoreFeaturesTypedFunctionReferences,
			code: fixed(0xd0, 0x70, 0xd4, 0x1a, opEnd)},
		// throw 0, caught by nobody.
		probe{kind: kindException, features: experimental.CoreFeaturesExceptionHandling, needsTag: true,
			code: fixed(0x08, 0x00, opEnd)},
	)
}
