//go:build !wazero_lt_1_7

// What wazero 1.7 added: the threads proposal (experimental).

package main

import "github.com/tetratelabs/wazero/experimental"

func init() {
	features = append(features, feature{name: "threads", flags: experimental.CoreFeaturesThreads})
	probes = append(probes,
		// i32.atomic.load at address 1.
		probe{kind: kindTrap, trap: trapUnalignedAtomic, features: experimental.CoreFeaturesThreads,
			code: fixed(0x41, 0x01, 0xfe, 0x10, 0x02, 0x00, 0x1a, opEnd)},
		// memory.atomic.wait32 on unshared memory.
		probe{kind: kindTrap, trap: trapAtomicWaitNonSharedMemory, features: experimental.CoreFeaturesThreads,
			code: fixed(0x41, 0x00, 0x41, 0x00, 0x42, 0x00, 0xfe, 0x01, 0x02, 0x00, 0x1a, opEnd)},
	)
}
