//go:build !wazero_lt_1_10

// What wazero 1.10 added: the tail-call proposal (experimental).

package main

import "github.com/tetratelabs/wazero/experimental"

func init() {
	features = append(features, feature{name: "tail-call", flags: experimental.CoreFeaturesTailCall})
}
