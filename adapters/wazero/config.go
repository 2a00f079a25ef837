// Engine configuration: the proposals this build of the adapter can enable,
// and a protocol `configure` turned into a wazero runtime configuration.

package main

import (
	"fmt"
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

// engineSettings is what the command line chose: the engine settings as given
// (`--setting KEY=VALUE`, repeated in hello), the engine kind they select,
// and why they cannot be honoured, if they cannot (then every request is
// answered unsupported with that reason).
type engineSettings struct {
	given   map[string]string
	kind    engineKind
	refused string
}

// settingsFrom reads the engine settings from the command line. The one
// setting is `compiler = compiler | interpreter` (wazero's compiler, the
// default, or its interpreter).
func settingsFrom(args []string) (engineSettings, error) {
	out := engineSettings{given: map[string]string{}, kind: compilerEngine}
	for i := 0; i < len(args); i++ {
		pair, ok := strings.CutPrefix(args[i], "--setting=")
		if !ok && args[i] == "--setting" && i+1 < len(args) {
			i++
			pair, ok = args[i], true
		}
		key, value, isPair := strings.Cut(pair, "=")
		if !ok || !isPair {
			return out, fmt.Errorf("unknown argument %q (known: --setting KEY=VALUE)", args[i])
		}
		out.given[key] = value
		switch {
		case key == "compiler" && value == string(compilerEngine):
			out.kind = compilerEngine
		case key == "compiler" && value == string(interpreterEngine):
			out.kind = interpreterEngine
		default:
			out.refused = fmt.Sprintf("wazero %s has no setting `%s = %s` (known: compiler = compiler | interpreter)", wazeroVersion(), key, value)
		}
	}
	return out, nil
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
