// Engine configuration: the proposals this build of the adapter can enable,
// and a protocol `configure` turned into a wazero runtime configuration.

package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
)

// feature is a proposal wazero can enable and the core features that do it.
type feature struct {
	name  string
	flags api.CoreFeatures
}

// features lists the proposals this build can enable. wazero turns on the
// WebAssembly 2.0 set by default (api.CoreFeaturesV2); the gate files
// since_*.go add what newer versions can enable.
var features = []feature{
	{name: "multi-value", flags: api.CoreFeatureMultiValue},
	{name: "bulk-memory", flags: api.CoreFeatureBulkMemoryOperations},
	{name: "reference-types", flags: api.CoreFeatureReferenceTypes},
	{name: "simd", flags: api.CoreFeatureSIMD},
	{name: "sign-extension-ops", flags: api.CoreFeatureSignExtensionOps},
	{name: "nontrapping-float-to-int-conversions", flags: api.CoreFeatureNonTrappingFloatToIntConversion},
	{name: "mutable-global", flags: api.CoreFeatureMutableGlobal},
	// Text format only: the binary carries custom sections, which wazero accepts.
	{name: "annotations"},
}

// featureNames lists the proposals of `features`, for `hello`.
func featureNames() []string {
	out := make([]string, len(features))
	for i, f := range features {
		out[i] = f.name
	}
	return out
}

// engineKind selects wazero's compiler or its interpreter.
type engineKind string

const (
	compilerEngine    engineKind = "compiler"
	interpreterEngine engineKind = "interpreter"
)

// configEnv names the environment variable that selects the engine kind.
const configEnv = "WASM_COMPAT_WAZERO_CONFIG"

// engineKindFrom reads the engine kind from the command line
// (`--config=interpreter`, `--interpreter`) or the environment; the compiler
// is the default.
func engineKindFrom(args []string) (engineKind, error) {
	choice := os.Getenv(configEnv)
	for _, a := range args {
		switch {
		case a == "--interpreter":
			choice = string(interpreterEngine)
		case a == "--compiler":
			choice = string(compilerEngine)
		case strings.HasPrefix(a, "--config="):
			choice = strings.TrimPrefix(a, "--config=")
		default:
			return "", fmt.Errorf("unknown argument %q (known: --config=compiler|interpreter, --compiler, --interpreter)", a)
		}
	}
	switch engineKind(choice) {
	case "", compilerEngine:
		return compilerEngine, nil
	case interpreterEngine:
		return interpreterEngine, nil
	}
	return "", fmt.Errorf("unknown wazero configuration %q (compiler or interpreter)", choice)
}

// settings is everything a runtime is made from; drop-store makes its new
// runtime from the same settings.
type settings struct {
	engine   engineKind
	features api.CoreFeatures
	threads  bool
	// memoryLimitPages caps every memory when set (`limits.memory_bytes`).
	memoryLimitPages *uint32
	// cache is the compilation cache of `cache_dir`, shared by the runtimes
	// of one configuration.
	cache wazero.CompilationCache
}

// newSettings checks a `configure` request and turns it into settings. The
// cache directory is opened later (openCache), once nothing can fail anymore.
func newSettings(engine engineKind, req configureReq) (*settings, *Failure) {
	s := &settings{engine: engine, features: api.CoreFeaturesV2}
	for _, name := range req.Features {
		found := false
		for _, f := range features {
			if f.name == name {
				s.features |= f.flags
				found = true
			}
		}
		if !found {
			return nil, fail(kindUnsupported, "wazero %s cannot enable proposal `%s`", wazeroVersion(), name)
		}
		s.threads = s.threads || name == "threads"
	}
	if req.Limits != nil {
		if f := s.applyLimits(*req.Limits); f != nil {
			return nil, f
		}
	}
	return s, nil
}

// applyLimits records the store limits wazero can enforce, or says which it cannot.
func (s *settings) applyLimits(l storeLimits) *Failure {
	if l.TableElements != nil {
		return fail(kindUnsupported, "wazero has no table element limit")
	}
	if l.Instances != nil {
		return fail(kindUnsupported, "wazero has no instance limit")
	}
	if l.TrapOnGrowFailure {
		return fail(kindUnsupported, "wazero has no trap-on-grow-failure mode (memory.grow returns -1)")
	}
	s.memoryLimitPages = nil
	if l.MemoryBytes != nil {
		pages := *l.MemoryBytes / 65536
		if pages > 65536 {
			pages = 65536
		}
		p := uint32(pages)
		s.memoryLimitPages = &p
	}
	return nil
}

// runtimeConfig is the wazero configuration of these settings.
func (s *settings) runtimeConfig() wazero.RuntimeConfig {
	var c wazero.RuntimeConfig
	if s.engine == interpreterEngine {
		c = wazero.NewRuntimeConfigInterpreter()
	} else {
		c = wazero.NewRuntimeConfigCompiler()
	}
	c = c.WithCoreFeatures(s.features)
	if s.memoryLimitPages != nil {
		c = c.WithMemoryLimitPages(*s.memoryLimitPages)
	}
	if s.cache != nil {
		c = c.WithCompilationCache(s.cache)
	}
	return c
}
