// wasm-compat adapter for wazero (github.com/tetratelabs/wazero): speaks the
// line protocol of PROTOCOL.md on stdin/stdout, one JSON request per line in,
// one JSON response per line out.
//
// One source builds against wazero 1.0.0 through the newest release; what
// newer versions add sits in since_*.go behind `wazero_lt_X_Y` build tags
// (README.md). `--setting compiler=interpreter` runs wazero's interpreter
// instead of its compiler.

package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"strings"
)

// handler answers one request line.
type handler func(a *adapter, line []byte) (Reply, *Failure)

// on makes a handler of a method taking the request's decoded body.
func on[T any](f func(*adapter, T) (Reply, *Failure)) handler {
	return func(a *adapter, line []byte) (Reply, *Failure) {
		req, err := decodeStrict[T](line)
		if err != nil {
			return nil, fail(kindOther, "bad request: %v", err)
		}
		return f(a, req)
	}
}

// gated makes a handler, as `on` does, of a request that needs the optional
// capability `capability`: when this build does not announce it, the request
// is answered `unsupported` (as the protocol crate's `serve` does).
func gated[T any](capability string, f func(*adapter, T) (Reply, *Failure)) handler {
	return on(func(a *adapter, req T) (Reply, *Failure) {
		if !announces(capability) {
			return nil, fail(kindUnsupported, "the wazero %s adapter does not implement `%s`", wazeroVersion(), capability)
		}
		return f(a, req)
	})
}

// announces reports whether hello lists `capability`.
func announces(capability string) bool {
	for _, c := range capabilities {
		if c == capability {
			return true
		}
	}
	return false
}

// handlers maps each protocol op to its handler.
var handlers = map[string]handler{
	"hello":            on((*adapter).hello),
	"configure":        on((*adapter).configure),
	"compile":          on((*adapter).compile),
	"instantiate":      on((*adapter).instantiate),
	"register":         on((*adapter).register),
	"invoke":           on((*adapter).invoke),
	"get-global":       on((*adapter).getGlobal),
	"serialize":        on(unsupportedSerialization[moduleReq]),
	"deserialize":      on(unsupportedSerialization[deserializeReq]),
	"deserialize-file": on(unsupportedSerialization[deserializeFileReq]),
	"define-host":      on((*adapter).defineHost),
	"host-calls":       on((*adapter).hostCalls),
	"set-limits":       on((*adapter).setLimits),
	"grow-memory":      on((*adapter).growMemory),
	"memory-size":      on((*adapter).memorySize),
	"drop-instance":    on((*adapter).dropInstance),
	"drop-module":      on((*adapter).dropModule),
	"drop-store":       on((*adapter).dropStore),
	"memory-usage":     on((*adapter).memoryUsage),
	"collect":          on((*adapter).collect),
	"close-instance":   gated("close-instance", (*adapter).closeInstance),
	"resolve-imports":  gated("import-resolver", (*adapter).resolveImports),
	// wazero has no API that fills unknown imports; never announced.
	"define-unknown-imports": gated("unknown-imports", func(*adapter, defineUnknownImportsReq) (Reply, *Failure) {
		return nil, fail(kindUnsupported, "wazero has no API to define unknown imports")
	}),
}

// capabilities are the optional requests this adapter implements, in the
// order of the protocol crate's Capability::ALL; since_1_8.go adds
// `import-resolver`.
var capabilities = []string{
	"cache-dir",
	"grow-memory",
	"store-limits",
	"memory-usage",
	"drop-store",
	"host-functions",
	"collect",
	"close-instance",
}

const wazeroPath = "github.com/tetratelabs/wazero"

// wazeroVersion is the version of wazero built in, without its `v`.
func wazeroVersion() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	for _, dep := range info.Deps {
		if dep.Path != wazeroPath {
			continue
		}
		version := dep.Version
		if dep.Replace != nil && dep.Replace.Version != "" {
			version = dep.Replace.Version
		}
		return strings.TrimPrefix(version, "v")
	}
	return "unknown"
}

func (a *adapter) hello(emptyReq) (Reply, *Failure) {
	return helloReply{Hello: engineInfo{
		Engine:       "wazero",
		Version:      wazeroVersion(),
		Protocol:     protocolVersion,
		Features:     featureNames(),
		Capabilities: capabilities,
		Host:         "go " + runtime.Version(),
		Settings:     a.settings,
	}}, nil
}

// handle answers one request line.
func (a *adapter) handle(line []byte) response {
	var op struct {
		Op string `json:"op"`
	}
	if err := json.Unmarshal(line, &op); err != nil {
		return response{Err: fail(kindOther, "bad request: %v", err)}
	}
	h := handlers[op.Op]
	if h == nil {
		return response{Err: fail(kindOther, "bad request: unknown op %q", op.Op)}
	}
	if a.refused != "" {
		return response{Err: fail(kindUnsupported, "%s", a.refused)}
	}
	// Before any configure, the default configuration is used.
	if a.rt == nil && op.Op != "hello" && op.Op != "configure" {
		if _, f := a.configure(configureReq{}); f != nil {
			return response{Err: f}
		}
	}
	reply, f := h(a, line)
	if f != nil {
		return response{Err: f}
	}
	return response{Ok: reply}
}

func main() {
	set, err := settingsFrom(os.Args[1:])
	if err != nil {
		fmt.Fprintf(os.Stderr, "wasm-compat-adapter-wazero: %v\n", err)
		os.Exit(2)
	}
	a := newAdapter(set.kind)
	a.settings, a.refused = set.given, set.refused
	in := bufio.NewReaderSize(os.Stdin, 1<<20)
	out := bufio.NewWriter(os.Stdout)
	for {
		line, readErr := in.ReadBytes('\n')
		if len(bytes.TrimSpace(line)) > 0 {
			text, err := json.Marshal(a.handle(line))
			if err != nil {
				panic(fmt.Sprintf("a response does not serialize: %v", err))
			}
			text = append(text, '\n')
			if _, err := out.Write(text); err != nil {
				return // The harness went away.
			}
			if err := out.Flush(); err != nil {
				return
			}
		}
		if readErr != nil {
			if readErr != io.EOF {
				fmt.Fprintf(os.Stderr, "wasm-compat-adapter-wazero: cannot read stdin: %v\n", readErr)
			}
			return
		}
	}
}
