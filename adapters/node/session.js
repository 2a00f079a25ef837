// The adapter's state and the request handlers: compiled modules (kept across
// `drop-store`), the current store (instances, import namespaces built by
// spectest, `register` and `define-host`), host functions and their call log.
//
// V8 has no store object: a "store" here is the set of instances and
// namespaces; `drop-store` forgets them and makes a fresh spectest, while
// compiled WebAssembly.Module objects and host functions are kept.
// `register` shadows per field: exports of the new instance replace
// same-named earlier ones, other fields registered under the name stay.
// `resolve-imports` hands a module name to a resolver instead: the import
// object given to V8 is a Proxy that V8 asks for that name while it
// instantiates, answered with the exports object of the named instance (a
// JavaScript embedder's resolver); V8 then looks each field up on it.
// A failed instantiation leaves nothing behind (`new WebAssembly.Instance`
// throws and returns no instance): requests naming it answer `unsupported`
// saying so.
'use strict';

const features = require('./features');
const { readShape } = require('./wasmbin');
const { parseValue, BadValue } = require('./values');
const { spectestExports } = require('./spectest');
const { makeHost, fault, computeError, returnable } = require('./host');
const traps = require('./traps');
const wr = require('./wrappers');
const { faultOn } = require('./faults');

const { failure } = traps;
const done = { ok: 'done' };
const ok = (v) => ({ ok: v });
const err = (kind, message, trap) => ({ err: failure(kind, message, trap) });

const gc = typeof global.gc === 'function' ? global.gc : null;

// In the protocol's order (Capability::ALL). Not `close-instance` nor
// `unknown-imports`: the WebAssembly JS API has no way to close an instance
// and no linker to fill unknown imports.
const CAPABILITIES = ['grow-memory', 'memory-usage', 'drop-store', 'host-functions'];
if (gc) CAPABILITIES.push('collect');
CAPABILITIES.push('import-resolver');

const HOST_TYPES = new Set(['i32', 'i64', 'f32', 'f64', 'externref', 'funcref']);

class Session {
  constructor() {
    this.modules = new Map();
    this.hosts = new Map(); // "module\0name" -> {module, name, fn}
    this.calls = new Map(); // "module\0name" -> [[values]]
    this.newStore();
  }

  newStore() {
    this.instances = new Map();
    this.failed = new Set(); // ids whose instantiation failed
    this.resolvers = new Map(); // import module name -> exports object
    this.namespaces = new Map();
    this.namespaces.set('spectest', spectestExports());
    for (const h of this.hosts.values()) this.exportAs(h.module, h.name, h.fn, 'function');
  }

  exportAs(module, name, value, kind) {
    let ns = this.namespaces.get(module);
    if (!ns) {
      ns = new Map();
      this.namespaces.set(module, ns);
    }
    ns.set(name, { value, kind });
  }

  hello() {
    const info = {
      engine: 'node',
      version: process.versions.node,
      protocol: 2,
      features: features.names(),
      capabilities: CAPABILITIES,
      host: `v8 ${process.versions.v8}`,
    };
    return ok({ hello: info });
  }

  configure(req) {
    if (req.limits !== undefined && req.limits !== null) {
      return err('unsupported', 'V8 has only process-wide limits (flags), no per-store memory, table or instance limits');
    }
    if (req.cache_dir !== undefined && req.cache_dir !== null) {
      return err('unsupported', 'Node offers no on-disk cache of compiled WebAssembly modules');
    }
    const missing = features.enable(req.features || []);
    if (missing !== null) {
      return err('unsupported', `node ${process.versions.node} (V8 ${process.versions.v8}) cannot enable proposal \`${missing}\``);
    }
    this.modules = new Map();
    this.hosts = new Map();
    this.calls = new Map();
    this.newStore();
    return done;
  }

  compile(req) {
    const bytes = Buffer.from(req.bytes, 'base64');
    let module;
    try {
      module = new WebAssembly.Module(bytes);
    } catch (e) {
      return { err: traps.compileFailure(e) };
    }
    let shape = null;
    let shapeErr = null;
    try {
      shape = readShape(bytes);
    } catch (e) {
      shapeErr = e.message;
    }
    this.modules.set(req.module, { module, shape, shapeErr });
    return done;
  }

  instantiate(req) {
    const m = this.modules.get(req.module);
    if (!m) return err('not-found', `no module ${req.module}`);
    this.instances.delete(req.instance);
    this.failed.delete(req.instance);
    const imports = {};
    for (const imp of WebAssembly.Module.imports(m.module)) {
      // A resolved name is V8's to look up, on demand (see importObject).
      if (this.resolvers.has(imp.module)) continue;
      const entry = this.namespaces.get(imp.module)?.get(imp.name);
      let fail = null;
      if (!entry) fail = `unknown import: \`${imp.module}::${imp.name}\` has not been defined`;
      else if (entry.kind !== imp.kind) fail = `incompatible import type: \`${imp.module}::${imp.name}\` is a ${entry.kind}, imported as a ${imp.kind}`;
      if (fail) {
        this.failed.add(req.instance);
        return err('unlinkable', fail);
      }
      (imports[imp.module] ||= {})[imp.name] = entry.value;
    }
    let instance;
    fault.error = null;
    try {
      instance = new WebAssembly.Instance(m.module, this.importObject(imports));
    } catch (e) {
      if (fault.error) throw fault.error;
      this.failed.add(req.instance);
      return { err: traps.instantiateFailure(e) };
    }
    this.instances.set(req.instance, { instance, m });
    return done;
  }

  // importObject is the import object V8 instantiates with: `imports` as
  // they are, or, when names are resolved (`resolve-imports`), a Proxy that
  // answers a resolved name with its resolver's exports object when V8 asks.
  importObject(imports) {
    if (this.resolvers.size === 0) return imports;
    const resolvers = this.resolvers;
    const resolved = (name) => typeof name === 'string' && resolvers.has(name);
    return new Proxy(imports, {
      get: (target, name, receiver) => (resolved(name) ? resolvers.get(name) : Reflect.get(target, name, receiver)),
      has: (target, name) => resolved(name) || Reflect.has(target, name),
    });
  }

  // instance returns {inst} for a live instance or {fail} (not-found).
  instance(id) {
    const inst = this.instances.get(id);
    if (inst) return { inst };
    if (this.failed.has(id)) {
      return {
        fail: err('unsupported', `no instance ${id}: its instantiation failed, and the WebAssembly JS API returns no instance on failure (\`new WebAssembly.Instance\` throws)`),
      };
    }
    return { fail: err('not-found', `no instance ${id}`) };
  }

  register(req) {
    const { inst, fail } = this.instance(req.instance);
    if (fail) return fail;
    for (const { name, kind } of WebAssembly.Module.exports(inst.m.module)) {
      this.exportAs(req.name, name, inst.instance.exports[name], kind);
    }
    return done;
  }

  // exportType returns the declared type of export `name` of kind `kind`
  // ({shape, type}) or a failure response.
  exportType(inst, name, kind) {
    const { shape, shapeErr } = inst.m;
    if (!shape) return { fail: err('unsupported', `the adapter cannot read this module's types: ${shapeErr}`) };
    const exp = shape.exports.get(name);
    if (!exp || exp.kind !== kind) return { fail: err('other', `the adapter found no export \`${name}\` of kind ${kind} in the module`) };
    if (kind === 0) {
      const typeIndex = shape.funcs[exp.index];
      const ft = shape.types[typeIndex];
      if (!ft || ft.form !== 'func') return { fail: err('unsupported', `function \`${name}\` has a type the adapter cannot read`) };
      return { shape, type: ft, typeIndex };
    }
    const gt = shape.globals[exp.index];
    if (!gt) return { fail: err('unsupported', `global \`${name}\` has a type the adapter cannot read`) };
    return { shape, type: gt };
  }

  // run calls a wrapper; engine errors become failures.
  run(plan, args) {
    let js;
    try {
      js = wr.prepare(plan, args);
    } catch (e) {
      if (e instanceof wr.BadArgs) return err('other', e.message);
      if (e instanceof wr.Unsupported) return err('unsupported', e.message);
      throw e;
    }
    let ret;
    fault.error = null;
    try {
      ret = plan.call(...js);
    } catch (e) {
      if (fault.error) throw fault.error;
      return { err: traps.callFailure(e) };
    }
    try {
      return ok({ values: wr.collect(plan, ret) });
    } catch (e) {
      if (e instanceof wr.Unsupported) return err('unsupported', e.message);
      throw e;
    }
  }

  // plan builds the wrapper of an export; failures of building are answered.
  plan(obj, make) {
    try {
      return { plan: wr.planFor(obj, make) };
    } catch (e) {
      if (e instanceof wr.Unsupported) return { fail: err('unsupported', e.message) };
      if (e instanceof WebAssembly.CompileError || e instanceof WebAssembly.LinkError || e instanceof TypeError) {
        // V8 refused a wrapper: a type it cannot import or pass through JS.
        return { fail: err('unsupported', `the adapter's wrapper for this type was refused by V8: ${e.message}`) };
      }
      throw e;
    }
  }

  // resolveImports hands the import module name `name` to a resolver
  // answering with the exports of `instance`, from the next instantiation on.
  resolveImports(req) {
    const { inst, fail } = this.instance(req.instance);
    if (fail) return fail;
    this.resolvers.set(req.name, inst.instance.exports);
    return done;
  }

  invoke(req) {
    const { inst, fail } = this.instance(req.instance);
    if (fail) return fail;
    const fn = inst.instance.exports[req.export];
    if (typeof fn !== 'function') return err('not-found', `no function export \`${req.export}\``);
    faultOn(req.export);
    const args = req.args.map(parseValue);
    const t = this.exportType(inst, req.export, 0);
    if (t.fail) return t.fail;
    const p = this.plan(fn, () => wr.makeFuncWrapper(fn, t.type, t.typeIndex, t.shape));
    if (p.fail) return p.fail;
    return this.run(p.plan, args);
  }

  getGlobal(req) {
    const { inst, fail } = this.instance(req.instance);
    if (fail) return fail;
    const g = inst.instance.exports[req.export];
    if (!(g instanceof WebAssembly.Global)) return err('not-found', `no global export \`${req.export}\``);
    const t = this.exportType(inst, req.export, 3);
    if (t.fail) return t.fail;
    const p = this.plan(g, () => wr.makeGlobalWrapper(g, t.type, t.shape));
    if (p.fail) return p.fail;
    return this.run(p.plan, []);
  }

  defineHost(req) {
    const params = req.params || [];
    const results = req.results || [];
    for (const t of [...params, ...results]) {
      if (!HOST_TYPES.has(t)) return err('other', `bad request: unknown host function type ${JSON.stringify(t)}`);
    }
    const returns = (req.returns || []).map(parseValue);
    const computes = req.computes ?? undefined;
    if (computes !== undefined) {
      const why = computeError(computes, params, results);
      if (why !== null) return err('other', why);
    } else {
      // Values beyond the results are dropped; the others must be makeable.
      for (const v of returns.slice(0, results.length)) {
        const why = returnable(v);
        if (why !== null) return err('unsupported', why);
      }
    }
    const key = `${req.module}\0${req.name}`;
    if (!this.calls.has(key)) this.calls.set(key, []);
    const h = { params, results, returns, trap: req.trap ?? undefined, computes };
    const fn = makeHost(h, this.calls.get(key));
    this.hosts.set(key, { module: req.module, name: req.name, fn });
    this.exportAs(req.module, req.name, fn, 'function');
    return done;
  }

  hostCalls(req) {
    return ok({ calls: this.calls.get(`${req.module}\0${req.name}`) || [] });
  }

  memory(req) {
    const { inst, fail } = this.instance(req.instance);
    if (fail) return { fail };
    const mem = inst.instance.exports[req.export];
    if (!(mem instanceof WebAssembly.Memory)) return { fail: err('not-found', `no memory export \`${req.export}\``) };
    return { mem };
  }

  growMemory(req) {
    const { mem, fail } = this.memory(req);
    if (fail) return fail;
    let previous;
    try {
      previous = mem.grow(req.delta);
    } catch (e) {
      if (e instanceof TypeError && /BigInt/.test(e.message)) {
        // A memory64 memory takes its delta as a BigInt in newer V8s.
        try {
          previous = mem.grow(BigInt(req.delta));
        } catch (e2) {
          return err('exhaustion', `${e2.name}: ${e2.message}`);
        }
      } else {
        return err('exhaustion', `${e.name}: ${e.message}`);
      }
    }
    return ok({ pages: Number(previous) });
  }

  memorySize(req) {
    const { mem, fail } = this.memory(req);
    if (fail) return fail;
    return ok({ pages: mem.buffer.byteLength / 65536 });
  }

  dropInstance(req) {
    const { fail } = this.instance(req.instance);
    if (fail) return fail;
    this.instances.delete(req.instance);
    return done;
  }

  dropModule(req) {
    if (!this.modules.delete(req.module)) return err('not-found', `no module ${req.module}`);
    return done;
  }

  dropStore() {
    this.newStore();
    return done;
  }

  memoryUsage() {
    return ok({ memory: { rss_bytes: process.memoryUsage.rss ? process.memoryUsage.rss() : process.memoryUsage().rss } });
  }

  collect() {
    if (!gc) return err('unsupported', 'node was started without --expose-gc');
    gc();
    gc();
    return done;
  }
}

function unsupportedSerialization() {
  return err('unsupported', 'V8 offers no portable serialized module bytes in Node (WebAssembly.Module cannot be serialized)');
}

// The requests of capabilities the WebAssembly JS API has no counterpart for.
function closeInstance() {
  return err('unsupported', 'this adapter does not implement `close-instance`: the WebAssembly JS API has no way to close an instance');
}

function defineUnknownImports() {
  return err('unsupported', 'this adapter does not implement `unknown-imports`: the WebAssembly JS API has no linker to define unknown imports (the import object is the embedder\'s)');
}

function setLimits() {
  return err('unsupported', 'V8 has only process-wide limits (flags), no per-store memory, table or instance limits');
}

module.exports = {
  Session, unsupportedSerialization, setLimits, closeInstance, defineUnknownImports, BadValue, CAPABILITIES,
};
