// Wire types of the adapter protocol (PROTOCOL.md; the Rust crate
// adapters/protocol is the source of truth for the exact JSON shapes).

package main

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// protocolVersion is the protocol version this adapter speaks.
const protocolVersion = 2

// Failure kinds (FailureKind in the protocol crate).
const (
	kindMalformed      = "malformed"
	kindInvalid        = "invalid"
	kindCompile        = "compile"
	kindUnlinkable     = "unlinkable"
	kindUninstantiable = "uninstantiable"
	kindTrap           = "trap"
	kindExhaustion     = "exhaustion"
	kindException      = "exception"
	kindUnsupported    = "unsupported"
	kindNotFound       = "not-found"
	kindRejected       = "rejected"
	kindExit           = "exit"
	kindOther          = "other"
)

// Trap kinds (TrapKind in the protocol crate).
const (
	trapUnreachable               = "unreachable"
	trapMemoryOutOfBounds         = "memory-out-of-bounds"
	trapUnalignedAtomic           = "unaligned-atomic"
	trapTableOutOfBounds          = "table-out-of-bounds"
	trapBadSignature              = "bad-signature"
	trapIntegerOverflow           = "integer-overflow"
	trapIntegerDivisionByZero     = "integer-division-by-zero"
	trapBadConversionToInteger    = "bad-conversion-to-integer"
	trapNullReference             = "null-reference"
	trapAtomicWaitNonSharedMemory = "atomic-wait-non-shared-memory"
	trapHostError                 = "host-error"
	trapOther                     = "other"
)

// Failure is an `{"err": ...}` payload: a kind to compare, the engine's words to show.
type Failure struct {
	Kind string `json:"kind"`
	Trap string `json:"trap,omitempty"`
	// Code is the exit code of an `exit` failure (wazero's sys.ExitError).
	Code    *uint32 `json:"code,omitempty"`
	Message string  `json:"message"`
}

func (f *Failure) Error() string { return f.Kind + ": " + f.Message }

func fail(kind, format string, args ...any) *Failure {
	return &Failure{Kind: kind, Message: fmt.Sprintf(format, args...)}
}

func trapFailure(trap, message string) *Failure {
	return &Failure{Kind: kindTrap, Trap: trap, Message: message}
}

func exitFailure(code uint32, message string) *Failure {
	return &Failure{Kind: kindExit, Code: &code, Message: message}
}

// Reply is the payload of an `{"ok": ...}` response: "done" or a one-key object.
type Reply any

// done is the reply of requests that return nothing.
const done = "done"

type engineInfo struct {
	Engine       string   `json:"engine"`
	Version      string   `json:"version"`
	Protocol     int      `json:"protocol"`
	Features     []string `json:"features"`
	Capabilities []string `json:"capabilities"`
	Host         string   `json:"host,omitempty"`
	// Settings repeats the engine settings the adapter was started with.
	Settings map[string]string `json:"settings,omitempty"`
}

type helloReply struct {
	Hello engineInfo `json:"hello"`
}

type valuesReply struct {
	Values []Value `json:"values"`
}

type pagesReply struct {
	Pages uint64 `json:"pages"`
}

type callsReply struct {
	Calls [][]Value `json:"calls"`
}

type memoryReply struct {
	Memory struct {
		RSSBytes uint64 `json:"rss_bytes"`
	} `json:"memory"`
}

// response is one output line.
type response struct {
	Ok  Reply    `json:"ok,omitempty"`
	Err *Failure `json:"err,omitempty"`
}

// Request bodies, one struct per op; each embeds reqOp so that the strict
// decoder accepts the `op` field and refuses any unknown one.

type reqOp struct {
	Op string `json:"op"`
}

type storeLimits struct {
	MemoryBytes       *uint64 `json:"memory_bytes,omitempty"`
	TableElements     *uint64 `json:"table_elements,omitempty"`
	Instances         *uint64 `json:"instances,omitempty"`
	TrapOnGrowFailure bool    `json:"trap_on_grow_failure"`
}

type configureReq struct {
	reqOp
	Features []string     `json:"features"`
	Limits   *storeLimits `json:"limits"`
	CacheDir *string      `json:"cache_dir"`
}

type compileReq struct {
	reqOp
	Module uint32 `json:"module"`
	Bytes  []byte `json:"bytes"` // base64 on the wire, as encoding/json does for []byte
}

type instantiateReq struct {
	reqOp
	Module   uint32 `json:"module"`
	Instance uint32 `json:"instance"`
}

type registerReq struct {
	reqOp
	Instance uint32 `json:"instance"`
	Name     string `json:"name"`
}

type invokeReq struct {
	reqOp
	Instance uint32  `json:"instance"`
	Export   string  `json:"export"`
	Args     []Value `json:"args"`
}

type exportReq struct {
	reqOp
	Instance uint32 `json:"instance"`
	Export   string `json:"export"`
}

type growReq struct {
	reqOp
	Instance uint32 `json:"instance"`
	Export   string `json:"export"`
	Delta    uint64 `json:"delta"`
}

type moduleReq struct {
	reqOp
	Module uint32 `json:"module"`
}

type deserializeReq struct {
	reqOp
	Module uint32 `json:"module"`
	Bytes  []byte `json:"bytes"`
}

type deserializeFileReq struct {
	reqOp
	Module uint32 `json:"module"`
	Path   string `json:"path"`
}

type instanceReq struct {
	reqOp
	Instance uint32 `json:"instance"`
}

type hostFunc struct {
	reqOp
	Module  string   `json:"module"`
	Name    string   `json:"name"`
	Params  []string `json:"params"`
	Results []string `json:"results"`
	Returns []Value  `json:"returns"`
	Trap    *string  `json:"trap"`
	// Computes is `echo`, `add` or `combine` (host.go), used instead of Returns.
	Computes *string `json:"computes"`
}

type closeInstanceReq struct {
	reqOp
	Instance uint32  `json:"instance"`
	ExitCode *uint32 `json:"exit_code"`
}

type resolveImportsReq struct {
	reqOp
	Name     string `json:"name"`
	Instance uint32 `json:"instance"`
}

type defineUnknownImportsReq struct {
	reqOp
	Module uint32 `json:"module"`
	As     string `json:"as"`
}

type hostCallsReq struct {
	reqOp
	Module string `json:"module"`
	Name   string `json:"name"`
}

type emptyReq struct {
	reqOp
}

// decodeStrict decodes a request line into T, refusing unknown fields.
func decodeStrict[T any](line []byte) (T, error) {
	var req T
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.DisallowUnknownFields()
	err := dec.Decode(&req)
	return req, err
}

type setLimitsReq struct {
	reqOp
	storeLimits
}
