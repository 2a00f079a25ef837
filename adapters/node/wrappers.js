// Wrapper modules that carry values across the JS boundary exactly.
//
// To call an export of type (params) -> (results), the adapter instantiates a
// small wrapper that imports the export and has its own scratch memory. Its
// `call` loads every number/v128 parameter from memory (16-byte slots, the
// adapter writes the raw bits there), calls the import, and stores every
// number/v128 result back; reference results are stored as a class code
// (null / i31 / struct / array / other) and extern/any ones are also returned
// to JS, where host references are recognised. `get-global` does the same
// with an imported global. Compiled wrappers are cached by their bytes, their
// instances per wrapped function / global object.
'use strict';

const w = require('./wasmbin');
const { hostRef, HostRef, readNumber, writeBits, readBits, refValue, SIZE } = require('./values');

const SLOT = 16;
const LOAD = { i32: [0x28, 2], i64: [0x29, 3], f32: [0x2a, 2], f64: [0x2b, 3] };
const STORE = { i32: [0x36, 2], i64: [0x37, 3], f32: [0x38, 2], f64: [0x39, 3] };

class Unsupported extends Error {}

function hierarchy(t, shape) {
  const h = t.heap;
  if (h.index !== undefined) {
    const def = shape.types[h.index];
    return def && def.form === 'func' ? 'func' : 'any';
  }
  switch (h.abstract) {
    case 'func': case 'nofunc': return 'func';
    case 'extern': case 'noextern': return 'extern';
    case 'exn': case 'noexn': return 'exn';
    default: return 'any';
  }
}

// heapBytes is the heap type encoding of a reference value type.
function heapBytes(t) {
  return t.bytes[0] === 0x63 || t.bytes[0] === 0x64 ? t.bytes.slice(1) : t.bytes;
}

function load(type, offset) {
  const addr = [0x41, ...w.sleb(offset)];
  if (type === 'v128') return [...addr, 0xfd, 0x00, 4, 0];
  const [op, align] = LOAD[type];
  return [...addr, op, align, 0];
}

function store(type, offset, get) {
  const addr = [0x41, ...w.sleb(offset)];
  if (type === 'v128') return [...addr, ...get, 0xfd, 0x0b, 4, 0];
  const [op, align] = STORE[type];
  return [...addr, ...get, op, align, 0];
}

// Class codes stored for a reference result.
const CLASS = { 1: 'null', 2: 'i31', 3: 'struct', 4: 'array', 5: 'other' };

// storeRef stores the class code of local `l` (a reference of hierarchy `hier`).
function storeRef(hier, offset, l) {
  const get = [0x20, ...w.uleb(l)];
  let code;
  if (hier !== 'any') {
    // ref.is_null: 1 null, 0 non-null -> codes 1 / 5.
    code = [...get, 0xd1, 0x04, 0x7f, 0x41, 1, 0x05, 0x41, 5, 0x0b];
  } else {
    const test = (ht, yes, no) => [...get, 0xfb, 0x14, ht, 0x04, 0x7f, 0x41, yes, 0x05, ...no, 0x0b];
    code = [...get, 0xd1, 0x04, 0x7f, 0x41, 1, 0x05,
      ...test(0x6c, 2, test(0x6b, 3, test(0x6a, 4, [0x41, 5]))), 0x0b];
  }
  return [0x41, ...w.sleb(offset), ...code, 0x36, 2, 0];
}

// typeSection returns the wrapper's type section entries and the index of
// `extra` types appended to it: the original module's types when `types`
// name concrete type indices (so indices keep their meaning), else only the
// given ones.
function typesFor(shape, needOriginal, own, extra) {
  if (needOriginal) {
    const ts = shape.typeSection;
    const base = shape.types.length;
    const payload = [...w.uleb(ts.count + extra.length), ...ts.entries];
    for (const e of extra) payload.push(...e);
    return { payload, ownIndex: own.index, extraBase: base };
  }
  const entries = [own.type, ...extra];
  return { payload: w.vec(entries), ownIndex: 0, extraBase: 1 };
}

const compiled = new Map(); // wrapper bytes (latin1) -> WebAssembly.Module

function compile(bytes) {
  const key = Buffer.from(bytes).toString('latin1');
  let m = compiled.get(key);
  if (!m) {
    m = new WebAssembly.Module(bytes);
    compiled.set(key, m);
  }
  return m;
}

function checkCarriable(t, shape, what) {
  if (t.kind === 'ref' && t.heap.index !== undefined && !shape.typeSection) {
    throw new Unsupported(`${what} names a type the adapter cannot read`);
  }
}

// resultPlan describes how each result comes back: numbers/v128 from slots,
// references as a class code (+ the JS value for extern/any).
function resultCode(results, firstSlot, firstLocal, shape) {
  const code = [];
  const back = [];
  results.forEach((t, j) => {
    const off = (firstSlot + j) * SLOT;
    const l = firstLocal + j;
    if (t.kind !== 'ref') {
      code.push(...store(t.kind, off, [0x20, ...w.uleb(l)]));
    } else {
      const hier = hierarchy(t, shape);
      code.push(...storeRef(hier, off, l));
      if (hier === 'extern' || hier === 'any') back.push(j);
    }
  });
  for (const j of back) code.push(0x20, ...w.uleb(firstLocal + j));
  return { code, back };
}

// funcPlan builds (or finds) the wrapper instance for a function of type `ft`.
function makeFuncWrapper(fn, ft, typeIndex, shape) {
  const { params, results } = ft;
  params.forEach((t, i) => checkCarriable(t, shape, `parameter ${i}`));
  results.forEach((t, i) => checkCarriable(t, shape, `result ${i}`));
  const needOriginal = [...params, ...results].some(w.usesIndex);
  const jsParams = [];
  const paramPlan = params.map((t) => {
    if (t.kind !== 'ref') return { kind: 'number', type: t.kind };
    const hier = hierarchy(t, shape);
    if (hier === 'extern' || hier === 'any') {
      jsParams.push(t.bytes);
      return { kind: 'js', hier };
    }
    if (!t.nullable) return { kind: 'nonnull', hier };
    return { kind: 'null', hier, heap: heapBytes(t) };
  });
  if (paramPlan.some((p) => p.kind === 'nonnull')) {
    throw new Unsupported('a non-nullable func/exn reference parameter cannot be given from the host');
  }
  const back = results.map((t, j) => j).filter((j) => results[j].kind === 'ref' && ['extern', 'any'].includes(hierarchy(results[j], shape)));
  const wrapperType = w.funcType(jsParams, back.map((j) => results[j].bytes));
  const own = { type: w.funcType(params.map((t) => t.bytes), results.map((t) => t.bytes)), index: typeIndex };
  const { payload, ownIndex, extraBase } = typesFor(shape, needOriginal, own, [wrapperType]);

  const code = [];
  let js = 0;
  paramPlan.forEach((p, i) => {
    if (p.kind === 'number') code.push(...load(p.type, i * SLOT));
    else if (p.kind === 'js') code.push(0x20, ...w.uleb(js++));
    else code.push(0xd0, ...p.heap);
  });
  code.push(0x10, 0);
  const firstLocal = jsParams.length;
  for (let j = results.length - 1; j >= 0; j--) code.push(0x21, ...w.uleb(firstLocal + j));
  code.push(...resultCode(results, params.length, firstLocal, shape).code, 0x0b);
  const locals = results.map((t) => [1, t.bytes]);

  const bytes = w.encodeModule([
    [1, payload],
    [2, w.vec([[...w.str('m'), ...w.str('f'), 0, ...w.uleb(ownIndex)]])],
    [3, w.vec([w.uleb(extraBase)])],
    [5, w.vec([[0x00, 1]])],
    [7, w.vec([w.exportEntry('call', 0, 1), w.exportEntry('mem', 2, 0)])],
    [10, w.vec([w.body(locals, code)])],
  ]);
  const inst = new WebAssembly.Instance(compile(bytes), { m: { f: fn } });
  return {
    call: inst.exports.call,
    view: new DataView(inst.exports.mem.buffer),
    params, results, paramPlan, back, shape,
  };
}

function makeGlobalWrapper(global, gt, shape) {
  const t = gt.type;
  checkCarriable(t, shape, 'the global');
  const needOriginal = w.usesIndex(t);
  const back = t.kind === 'ref' && ['extern', 'any'].includes(hierarchy(t, shape)) ? [0] : [];
  const getType = w.funcType([], back.map(() => t.bytes));
  const own = { type: w.funcType([], []), index: 0 };
  const { payload, extraBase } = typesFor(shape, needOriginal, own, [getType]);
  const code = [0x23, 0, 0x21, 0, ...resultCode([t], 0, 0, shape).code, 0x0b];
  const bytes = w.encodeModule([
    [1, payload],
    [2, w.vec([[...w.str('m'), ...w.str('g'), 3, ...t.bytes, gt.mutable ? 1 : 0]])],
    [3, w.vec([w.uleb(extraBase)])],
    [5, w.vec([[0x00, 1]])],
    [7, w.vec([w.exportEntry('get', 0, 0), w.exportEntry('mem', 2, 0)])],
    [10, w.vec([w.body([[1, t.bytes]], code)])],
  ]);
  const inst = new WebAssembly.Instance(compile(bytes), { m: { g: global } });
  return { call: inst.exports.get, view: new DataView(inst.exports.mem.buffer), params: [], results: [t], paramPlan: [], back, shape };
}

const plans = new WeakMap();

function planFor(obj, make) {
  let p = plans.get(obj);
  if (!p) {
    p = make();
    plans.set(obj, p);
  }
  return p;
}

// refResult turns a class code (and the JS value, for extern/any) into a value.
function refResult(t, shape, code, jsValue) {
  const hier = hierarchy(t, shape);
  const cls = CLASS[code];
  if (cls === 'null') {
    return refValue(t.heap.abstract || (hier === 'any' ? 'any' : hier), true);
  }
  if (hier === 'func' || hier === 'exn') return refValue(hier, false);
  if (jsValue instanceof HostRef) return refValue(hier, false, jsValue.n);
  if (hier === 'extern') return refValue('extern', false);
  if (cls === 'i31' || cls === 'struct' || cls === 'array') return refValue(cls, false);
  throw new Unsupported('the call returned a non-null reference the adapter cannot describe');
}

// BadArgs is a mismatch between arguments and parameters (answered `other`).
class BadArgs extends Error {}

// prepare writes the arguments of a call into scratch memory; returns the JS
// arguments for reference parameters.
function prepare(plan, args) {
  if (args.length !== plan.params.length) {
    throw new BadArgs(`the function takes ${plan.params.length} arguments, got ${args.length}`);
  }
  const js = [];
  args.forEach((a, i) => {
    const p = plan.paramPlan[i];
    if (p.kind === 'number') {
      if (a.type !== p.type) throw new BadArgs(`argument ${i} is ${a.type}, the parameter is ${p.type}`);
      writeBits(plan.view, i * SLOT, a.bits, SIZE[p.type]);
      return;
    }
    if (a.type !== 'ref') throw new BadArgs(`argument ${i} is ${a.type}, the parameter is a reference`);
    if (p.kind === 'null') {
      if (!a.ref.null) throw new Unsupported(`a non-null ${a.ref.heap} reference cannot be given from the host`);
      return;
    }
    if (a.ref.null) js.push(null);
    else if (a.ref.host !== undefined) js.push(hostRef(a.ref.host));
    else throw new Unsupported(`a non-null ${a.ref.heap} reference without host payload cannot be given from the host`);
  });
  return js;
}

// collect reads the results of a call (`ret` is what the wrapper returned to JS).
function collect(plan, ret) {
  const jsValues = plan.back.length === 0 ? [] : plan.back.length === 1 ? [ret] : ret;
  const out = [];
  const base = plan.params.length;
  plan.results.forEach((t, j) => {
    const off = (base + j) * SLOT;
    if (t.kind !== 'ref') {
      out.push(readNumber(plan.view, off, t.kind));
      return;
    }
    const code = Number(readBits(plan.view, off, 4));
    const k = plan.back.indexOf(j);
    out.push(refResult(t, plan.shape, code, k >= 0 ? jsValues[k] : undefined));
  });
  return out;
}

module.exports = {
  Unsupported, BadArgs, makeFuncWrapper, makeGlobalWrapper, planFor, prepare, collect, SLOT,
};
