//go:build !wazero_lt_1_8

// What wazero 1.8 added: experimental.WithImportResolver, a callback
// consulted by import module name at instantiation (`resolve-imports`).

package main

import (
	"context"

	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/experimental"
)

func init() {
	capabilities = append(capabilities, "import-resolver")
	withImportResolver = func(ctx context.Context, resolve func(name string) api.Module) context.Context {
		return experimental.WithImportResolver(ctx, resolve)
	}
}
