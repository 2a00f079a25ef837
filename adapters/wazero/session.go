// The adapter's state: one wazero runtime (the protocol's store), the modules
// and instances the harness made, and the import namespaces built by
// `register`, `define-host` and spectest.
//
// wazero resolves an import by looking up an instantiated module by name, and
// module names are unique in a runtime. The adapter therefore gives every
// instance a private name (wasm-compat/instance/N) and keeps its own
// namespaces: (import module, field) -> (private module name, kind). Before
// instantiating, it renames the import modules of the binary to the private
// names its namespaces resolve them to and compiles that variant. So a later
// `register` of a name shadows exactly the fields the new instance exports,
// and modules linked before keep what they linked.

package main

import (
	"context"
	"crypto/sha256"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
)

// adapter is the whole state of one adapter process.
type adapter struct {
	ctx  context.Context
	kind engineKind
	// settings are the engine settings the adapter was started with (hello
	// repeats them); refused says why they cannot be honoured, if so.
	settings map[string]string
	refused  string
	set      *settings
	rt       wazero.Runtime
	// instantiated counts the harness's instantiations in rt (set-limits
	// can only remake a runtime nobody instantiated in).
	instantiated int
	modules      map[uint32]*module
	// compiled interns compiled binaries by their SHA-256: wazero keys its
	// compiled code by the module's hash, so one binary compiled under two
	// handles must be closed only when the last handle lets go of it.
	compiled   map[[32]byte]*compiledEntry
	instances  map[uint32]*instance
	namespaces map[string]map[string]target
	// resolved are the import module names `resolve-imports` hands to
	// wazero's import resolver, and the module it answers each with.
	resolved map[string]api.Module
	// hosts are the host functions defined so far, made again in every new runtime.
	hosts []hostFunc
	calls *callLog
	// nextName numbers private module names.
	nextName uint64
}

// module is a binary the harness compiled.
type module struct {
	bytes []byte
	hash  [32]byte
	// shape is nil when the adapter could not read the imports and exports
	// (shapeErr says why); wazero accepted the binary all the same.
	shape    *moduleShape
	shapeErr error
	// held says the current runtime's compiled entry of `bytes` counts this module.
	held bool
	// variants are the import-renamed binaries compiled for its instances,
	// each counted once by this module in `compiled`.
	variants map[[32]byte]bool
}

type compiledEntry struct {
	compiled wazero.CompiledModule
	refs     int
}

// instance is an instantiated module and what it exports, or what wazero
// handed back from an instantiation that failed.
type instance struct {
	// mod is what InstantiateModule returned: after a failure, a non-nil
	// value is kept as it is (before 1.9 a *wasm.ModuleInstance holding nil),
	// and requests naming the instance go to it; nil when wazero returned none.
	mod api.Module
	// failed is the instantiation's error when it failed.
	failed  error
	name    string
	exports []wasmExport
	// exportsErr says why `exports` is unknown, when it is.
	exportsErr error
}

// withImportResolver returns ctx with wazero's import resolver callback
// (experimental.WithImportResolver), nil in versions without it (before 1.8,
// see since_1_8.go).
var withImportResolver func(ctx context.Context, resolve func(name string) api.Module) context.Context

// target is what an import resolves to: an export of a named wazero module.
type target struct {
	module string
	kind   byte
}

func newAdapter(kind engineKind) *adapter {
	return &adapter{ctx: context.Background(), kind: kind, calls: newCallLog()}
}

func notFound(format string, args ...any) *Failure { return fail(kindNotFound, format, args...) }

// privateName returns a fresh module name for the runtime.
func (a *adapter) privateName(what string) string {
	a.nextName++
	return "wasm-compat/" + what + "/" + strconv.FormatUint(a.nextName, 10)
}

func (a *adapter) configure(req configureReq) (Reply, *Failure) {
	set, f := newSettings(a.kind, req)
	if f != nil {
		return nil, f
	}
	if req.CacheDir != nil {
		cache, err := wazero.NewCompilationCacheWithDir(*req.CacheDir)
		if err != nil {
			return nil, fail(kindOther, "cache: %v", err)
		}
		set.cache = cache
	}
	a.closeRuntime()
	if a.set != nil && a.set.cache != nil {
		_ = a.set.cache.Close(a.ctx)
	}
	a.set = set
	a.modules = map[uint32]*module{}
	a.hosts = nil
	a.calls = newCallLog()
	return done, a.newRuntime()
}

func (a *adapter) closeRuntime() {
	if a.rt != nil {
		_ = a.rt.Close(a.ctx)
		a.rt = nil
	}
}

// newRuntime replaces the runtime by an empty one made from a.set, with
// spectest and the host functions defined so far. Compiled modules are kept
// as binaries and compiled again in the new runtime when next instantiated.
func (a *adapter) newRuntime() *Failure {
	a.closeRuntime()
	a.rt = wazero.NewRuntimeWithConfig(a.ctx, a.set.runtimeConfig())
	a.instantiated = 0
	a.compiled = map[[32]byte]*compiledEntry{}
	a.instances = map[uint32]*instance{}
	a.namespaces = map[string]map[string]target{}
	a.resolved = map[string]api.Module{}
	for _, m := range a.modules {
		m.held = false
		m.variants = nil
	}
	a.linkSpectest(spectestModule(), "wasm-compat/spectest")
	a.linkSpectest(spectestMemoryModule(), "wasm-compat/spectest-memory")
	if a.set.threads {
		a.linkSpectest(spectestSharedMemoryModule(), "wasm-compat/spectest-shared")
	}
	for _, h := range a.hosts {
		if f := a.linkHost(h); f != nil {
			return f
		}
	}
	return nil
}

// linkSpectest instantiates a spectest module under `name` and makes its
// exports importable as `spectest`. A runtime whose memory limit is below
// one page cannot have spectest's memory; imports of it are then unlinkable.
func (a *adapter) linkSpectest(binary []byte, name string) {
	err := func() error {
		compiled, err := a.rt.CompileModule(a.ctx, binary)
		if err != nil {
			return err
		}
		if _, err := a.rt.InstantiateModule(a.ctx, compiled, wazero.NewModuleConfig().WithName(name).WithStartFunctions()); err != nil {
			return err
		}
		shape, err := readShape(binary)
		if err != nil {
			return err
		}
		a.export("spectest", name, shape.Exports)
		return nil
	}()
	if err != nil {
		fmt.Fprintf(os.Stderr, "wasm-compat-adapter-wazero: %s is missing from this runtime: %v\n", name, err)
	}
}

// export makes `exports` of the runtime module `module` importable under `as`.
func (a *adapter) export(as, module string, exports []wasmExport) {
	ns := a.namespaces[as]
	if ns == nil {
		ns = map[string]target{}
		a.namespaces[as] = ns
	}
	for _, e := range exports {
		ns[e.Name] = target{module: module, kind: e.Kind}
	}
}

// acquire returns the compiled form of `binary` in the current runtime,
// compiling it unless another handle already did, and counts one more user.
func (a *adapter) acquire(binary []byte, hash [32]byte) (wazero.CompiledModule, error) {
	if e := a.compiled[hash]; e != nil {
		e.refs++
		return e.compiled, nil
	}
	c, err := a.rt.CompileModule(a.ctx, binary)
	if err != nil {
		return nil, err
	}
	a.compiled[hash] = &compiledEntry{compiled: c, refs: 1}
	return c, nil
}

// release counts one user less of a compiled binary and closes it after the last.
func (a *adapter) release(hash [32]byte) {
	e := a.compiled[hash]
	if e == nil {
		return
	}
	e.refs--
	if e.refs == 0 {
		_ = e.compiled.Close(a.ctx)
		delete(a.compiled, hash)
	}
}

// releaseModule lets go of everything `m` holds in the current runtime.
func (a *adapter) releaseModule(m *module) {
	if m.held {
		a.release(m.hash)
		m.held = false
	}
	for h := range m.variants {
		a.release(h)
	}
	m.variants = nil
}

func (a *adapter) compile(req compileReq) (Reply, *Failure) {
	if req.Bytes == nil {
		return nil, fail(kindOther, "bad request: `compile` without `bytes`")
	}
	hash := sha256.Sum256(req.Bytes)
	if _, err := a.acquire(req.Bytes, hash); err != nil {
		return nil, fail(kindCompile, "%v", err)
	}
	if old := a.modules[req.Module]; old != nil {
		a.releaseModule(old)
	}
	shape, shapeErr := readShape(req.Bytes)
	a.modules[req.Module] = &module{bytes: req.Bytes, hash: hash, shape: shape, shapeErr: shapeErr, held: true}
	return done, nil
}

// compiledFor returns the compiled binary to instantiate `m` from: `m`
// itself when it imports nothing, else the variant whose import modules are
// renamed to what the namespaces resolve them to. An import module name that
// `resolve-imports` handed to wazero's resolver keeps its name, and wazero
// alone resolves it.
func (a *adapter) compiledFor(m *module) (wazero.CompiledModule, *Failure) {
	binary, hash := m.bytes, m.hash
	if m.shape == nil || len(m.shape.Imports) > 0 {
		if m.shape == nil {
			return nil, fail(kindOther, "the adapter cannot read the module's imports: %v", m.shapeErr)
		}
		names := make([]string, len(m.shape.Imports))
		for i, imp := range m.shape.Imports {
			if _, ok := a.resolved[imp.Module]; ok {
				names[i] = imp.Module
				continue
			}
			t, ok := a.namespaces[imp.Module][imp.Name]
			if !ok {
				return nil, fail(kindUnlinkable, "unknown import: `%s::%s` has not been defined", imp.Module, imp.Name)
			}
			if t.kind != imp.Kind {
				return nil, fail(kindUnlinkable, "incompatible import type: `%s::%s` is a %s, imported as a %s",
					imp.Module, imp.Name, externName(t.kind), externName(imp.Kind))
			}
			names[i] = t.module
		}
		renamed, err := renameImports(m.bytes, m.shape, names)
		if err != nil {
			return nil, fail(kindOther, "renaming imports: %v", err)
		}
		binary, hash = renamed, sha256.Sum256(renamed)
		if m.variants[hash] || (hash == m.hash && m.held) {
			return a.compiled[hash].compiled, nil
		}
	} else if m.held {
		return a.compiled[hash].compiled, nil
	}
	// A binary compiled before drop-store, or its variant: compile it in this
	// runtime. It compiled before, so a failure now comes from new limits.
	c, err := a.acquire(binary, hash)
	if err != nil {
		return nil, fail(kindUninstantiable, "%v", err)
	}
	if hash == m.hash {
		m.held = true
	} else {
		if m.variants == nil {
			m.variants = map[[32]byte]bool{}
		}
		m.variants[hash] = true
	}
	return c, nil
}

func (a *adapter) instantiate(req instantiateReq) (Reply, *Failure) {
	m := a.modules[req.Module]
	if m == nil {
		return nil, notFound("no module %d", req.Module)
	}
	compiled, f := a.compiledFor(m)
	if f != nil {
		return nil, f
	}
	name := a.privateName("instance")
	a.instantiated++
	config := wazero.NewModuleConfig().WithName(name).WithStartFunctions()
	ctx := a.ctx
	if len(a.resolved) > 0 && withImportResolver != nil {
		resolved := a.resolved
		ctx = withImportResolver(ctx, func(name string) api.Module { return resolved[name] })
	}
	mod, err := a.rt.InstantiateModule(ctx, compiled, config)
	// A failed instantiation is kept too: what wazero handed back (nil or
	// not) is what later requests naming the instance meet.
	inst := &instance{mod: mod, failed: err, name: name, exportsErr: m.shapeErr}
	if m.shape != nil {
		inst.exports = m.shape.Exports
	}
	a.instances[req.Instance] = inst
	if err != nil {
		return nil, instantiateFailure(err)
	}
	return done, nil
}

// instance returns the instance `id`, possibly one whose instantiation
// failed but gave back a module value, which is used as it is.
func (a *adapter) instance(id uint32) (*instance, *Failure) {
	inst := a.instances[id]
	if inst == nil {
		return nil, notFound("no instance %d", id)
	}
	if inst.mod == nil {
		return nil, fail(kindUnsupported, "instance %d failed to instantiate and wazero returned no module (%s)", id, engineMessage(inst.failed))
	}
	return inst, nil
}

func (a *adapter) register(req registerReq) (Reply, *Failure) {
	inst, f := a.instance(req.Instance)
	if f != nil {
		return nil, f
	}
	if inst.exportsErr != nil {
		return nil, fail(kindOther, "the adapter could not read the exports of instance %d: %v", req.Instance, inst.exportsErr)
	}
	a.export(req.Name, inst.name, inst.exports)
	return done, nil
}

func (a *adapter) invoke(req invokeReq) (Reply, *Failure) {
	inst, f := a.instance(req.Instance)
	if f != nil {
		return nil, f
	}
	goPanicOn(req.Export)
	fn := inst.mod.ExportedFunction(req.Export)
	if fn == nil {
		return nil, notFound("no function export `%s`", req.Export)
	}
	def := fn.Definition()
	args, f := encodeArgs(req.Args, def.ParamTypes())
	if f != nil {
		return nil, f
	}
	raw, err := fn.Call(a.ctx, args...)
	if err != nil {
		return nil, callFailure(err)
	}
	values, f := decodeResults(raw, def.ResultTypes())
	if f != nil {
		return nil, f
	}
	return valuesReply{Values: values}, nil
}

func (a *adapter) getGlobal(req exportReq) (Reply, *Failure) {
	inst, f := a.instance(req.Instance)
	if f != nil {
		return nil, f
	}
	g := inst.mod.ExportedGlobal(req.Export)
	if g == nil {
		return nil, notFound("no global export `%s`", req.Export)
	}
	if g.Type() == valueTypeV128 {
		return nil, fail(kindUnsupported, "wazero's api.Global reads 64 bits; v128 globals cannot be read")
	}
	v, f := decodeValue(g.Get(), 0, g.Type())
	if f != nil {
		return nil, f
	}
	return valuesReply{Values: []Value{v}}, nil
}

func (a *adapter) memory(req exportReq) (api.Memory, *Failure) {
	inst, f := a.instance(req.Instance)
	if f != nil {
		return nil, f
	}
	mem := inst.mod.ExportedMemory(req.Export)
	if mem == nil {
		return nil, notFound("no memory export `%s`", req.Export)
	}
	return mem, nil
}

func (a *adapter) growMemory(req growReq) (Reply, *Failure) {
	mem, f := a.memory(exportReq{Instance: req.Instance, Export: req.Export})
	if f != nil {
		return nil, f
	}
	if req.Delta > uint64(^uint32(0)) {
		return nil, fail(kindExhaustion, "wazero grows memories by at most 2^32-1 pages, asked for %d", req.Delta)
	}
	previous, ok := mem.Grow(uint32(req.Delta))
	if !ok {
		return nil, fail(kindExhaustion, "wazero refused to grow the memory by %d pages", req.Delta)
	}
	return pagesReply{Pages: uint64(previous)}, nil
}

func (a *adapter) memorySize(req exportReq) (Reply, *Failure) {
	mem, f := a.memory(req)
	if f != nil {
		return nil, f
	}
	// Growing by 0 answers the size in pages; Size() counts bytes in a
	// uint32, which a 65536-page memory overflows.
	pages, _ := mem.Grow(0)
	return pagesReply{Pages: uint64(pages)}, nil
}

func (a *adapter) dropInstance(req instanceReq) (Reply, *Failure) {
	inst, f := a.instance(req.Instance)
	if f != nil {
		delete(a.instances, req.Instance)
		return nil, f
	}
	delete(a.instances, req.Instance)
	if err := inst.mod.Close(a.ctx); err != nil {
		return nil, closeFailure(err)
	}
	return done, nil
}

// closeInstance closes the module the way an embedder does: Close, or
// CloseWithExitCode with the code given. The instance stays: calls into it
// answer what wazero then says.
func (a *adapter) closeInstance(req closeInstanceReq) (Reply, *Failure) {
	inst, f := a.instance(req.Instance)
	if f != nil {
		return nil, f
	}
	var err error
	if req.ExitCode != nil {
		err = inst.mod.CloseWithExitCode(a.ctx, *req.ExitCode)
	} else {
		err = inst.mod.Close(a.ctx)
	}
	if err != nil {
		return nil, closeFailure(err)
	}
	return done, nil
}

// resolveImports makes wazero's import resolver answer `name` with the
// module of `instance` at every later instantiation in this store.
func (a *adapter) resolveImports(req resolveImportsReq) (Reply, *Failure) {
	if withImportResolver == nil {
		return nil, fail(kindUnsupported, "wazero %s has no experimental.WithImportResolver", wazeroVersion())
	}
	inst, f := a.instance(req.Instance)
	if f != nil {
		return nil, f
	}
	a.resolved[req.Name] = inst.mod
	return done, nil
}

func (a *adapter) dropModule(req moduleReq) (Reply, *Failure) {
	m := a.modules[req.Module]
	if m == nil {
		return nil, notFound("no module %d", req.Module)
	}
	a.releaseModule(m)
	delete(a.modules, req.Module)
	return done, nil
}

func (a *adapter) dropStore(emptyReq) (Reply, *Failure) {
	return done, a.newRuntime()
}

func (a *adapter) setLimits(req setLimitsReq) (Reply, *Failure) {
	next := *a.set
	if f := next.applyLimits(req.storeLimits); f != nil {
		return nil, f
	}
	if samePages(next.memoryLimitPages, a.set.memoryLimitPages) {
		return done, nil
	}
	if a.instantiated > 0 {
		return nil, fail(kindUnsupported,
			"wazero fixes the memory limit when a runtime is made; this store already has instances")
	}
	a.set = &next
	return done, a.newRuntime()
}

func samePages(x, y *uint32) bool {
	if x == nil || y == nil {
		return x == y
	}
	return *x == *y
}

// collect runs Go's collector and hands freed spans back to the operating
// system: memory of closed modules and runtimes is otherwise returned only
// when the collector next runs on its own.
func (a *adapter) collect(emptyReq) (Reply, *Failure) {
	runtime.GC()
	debug.FreeOSMemory()
	return done, nil
}

func (a *adapter) memoryUsage(emptyReq) (Reply, *Failure) {
	statm, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return nil, fail(kindUnsupported, "no /proc/self/statm here: %v", err)
	}
	fields := strings.Fields(string(statm))
	if len(fields) < 2 {
		return nil, fail(kindOther, "unexpected /proc/self/statm: %q", statm)
	}
	pages, err := strconv.ParseUint(fields[1], 10, 64)
	if err != nil {
		return nil, fail(kindOther, "unexpected /proc/self/statm: %q", statm)
	}
	var r memoryReply
	r.Memory.RSSBytes = pages * uint64(os.Getpagesize())
	return r, nil
}

func unsupportedSerialization[T any](*adapter, T) (Reply, *Failure) {
	return nil, fail(kindUnsupported, "wazero has no API to serialize a compiled module")
}
