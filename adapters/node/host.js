// Host functions (`define-host` / `host-calls`).
//
// Without `computes`, each host function is a small wasm shim of the declared
// type: it stores its number parameters into its own memory and calls a JS
// recorder (reference parameters are the recorder's own parameters), which
// reads the numbers' exact bits and records the call. Then either:
//  - `returns` fit the declared results (enough values, same types): the
//    recorder writes the numbers' bits into memory and the shim loads them,
//    exactly; reference results (null, or a host reference) the recorder
//    returns as JS values;
//  - otherwise the recorder's import is typed `(ref params) -> (results)` and
//    it returns the values as JS values (i32/f32/f64 as numbers, i64 as
//    BigInt, null / host references as `null` / the host object, an array for
//    several), so V8's own JS-to-wasm conversion decides what happens (a
//    BigInt for an i32 throws TypeError, a too-short array too, a missing
//    single value is `undefined`, which becomes 0): that is the behaviour
//    under test.
//
// With `computes` (echo / add / combine) the host function is a plain JS
// function, imported by a shim of the declared type that only forwards its
// parameters to it and its results back: the values cross the boundary as V8
// converts them (wasm -> JS for the arguments, JS -> wasm for the results),
// and the call is recorded from the JS values as received, so the record
// shows what crossed (e.g. an f32 signalling NaN arrives quieted).
//
// A host function with `trap` throws a HostTrap after recording the call.
'use strict';

const w = require('./wasmbin');
const { readNumber, writeBits, SIZE, number, refValue, hostRef, HostRef } = require('./values');
const { HostTrap } = require('./traps');

const SLOT = 16;
const TYPE = { i32: [0x7f], i64: [0x7e], f32: [0x7d], f64: [0x7c], externref: [0x6f], funcref: [0x70] };
const LOAD = { i32: [0x28, 2], i64: [0x29, 3], f32: [0x2a, 2], f64: [0x2b, 3] };
const STORE = { i32: [0x36, 2], i64: [0x37, 3], f32: [0x38, 2], f64: [0x39, 3] };
const NUMBER = new Set(['i32', 'i64', 'f32', 'f64']);
const REF_HEAPS = { externref: ['extern', 'noextern'], funcref: ['func', 'nofunc'] };
const isRef = (t) => t === 'externref' || t === 'funcref';

// adapterFault holds an error of the adapter's own code raised inside a
// recorder; the caller rethrows it after the wasm call (it must crash the
// adapter, not become a failure of the call).
const fault = { error: null };

// --------------------------------------------------- JS values <-> protocol

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);
const f64 = new Float64Array(1);
const u64 = new BigUint64Array(f64.buffer);

// bitsOf is the bit pattern (an unsigned BigInt) of a JS value V8 handed to
// a host function for a parameter of number type `type`: i32 a number, i64 a
// BigInt, f32 and f64 numbers (f32 seen through a Float32Array, f64 through a
// Float64Array, the JS number's own bits).
function bitsOf(type, x) {
  switch (type) {
    case 'i32':
      if (typeof x !== 'number') break;
      return BigInt(x >>> 0);
    case 'i64':
      if (typeof x !== 'bigint') break;
      return BigInt.asUintN(64, x);
    case 'f32':
      if (typeof x !== 'number') break;
      f32[0] = x;
      return BigInt(u32[0]);
    case 'f64':
      if (typeof x !== 'number') break;
      f64[0] = x;
      return u64[0];
  }
  throw new Error(`unreachable: V8 handed ${typeof x} ${String(x)} for a ${type} parameter`);
}

// fromJs is the protocol value of a JS value received for a parameter of
// type `type`; references the way `invoke` reports results (a host
// reference with its payload, any other non-null one without).
function fromJs(type, x) {
  if (NUMBER.has(type)) return number(type, bitsOf(type, x));
  if (type === 'externref') {
    if (x === null) return refValue('extern', true);
    if (x instanceof HostRef) return refValue('extern', false, x.n);
    return refValue('extern', false);
  }
  if (type === 'funcref') return refValue('func', x === null);
  throw new Error(`unreachable: host parameter type ${type}`);
}

// toJs is the JS value of a `returns` value (checked by `returnable`).
function toJs(v) {
  if (v.type === 'ref') return v.ref.null ? null : hostRef(v.ref.host);
  const view = new DataView(new ArrayBuffer(8));
  switch (v.type) {
    case 'i32': return Number(BigInt.asIntN(32, v.bits));
    case 'i64': return BigInt.asIntN(64, v.bits);
    case 'f32': view.setUint32(0, Number(v.bits), true); return view.getFloat32(0, true);
    case 'f64': view.setBigUint64(0, v.bits, true); return view.getFloat64(0, true);
  }
  throw new Error(`unreachable: host value of type ${v.type}`);
}

// returnable says why a `returns` value cannot be made in JS (null if it can).
function returnable(v) {
  if (NUMBER.has(v.type)) return null;
  if (v.type !== 'ref') return `a ${v.type} value cannot be made in JavaScript`;
  if (v.ref.null || v.ref.host !== undefined) return null;
  return `a non-null ${v.ref.heap} reference without host payload cannot be made by the host`;
}

// fits says whether returned value `v` has result type `t` exactly.
function fits(t, v) {
  if (NUMBER.has(t)) return v.type === t;
  return v.type === 'ref' && REF_HEAPS[t].includes(v.ref.heap);
}

// jsResult is what a JS function returns for `count` results: nothing, the
// value, or an array of them (multi-value).
const jsResult = (values, count) => (count === 0 ? undefined : count === 1 ? values[0] : values);

// --------------------------------------------------------------- computes

const sig = (params, results) => `(${params.join(' ')}) -> (${results.join(' ')})`;

// computeError says why `compute` cannot have this signature (null if it can).
function computeError(compute, params, results) {
  switch (compute) {
    case 'echo':
      if (results.length === params.length && results.every((t, i) => t === params[i])) return null;
      return `\`echo\` returns its arguments, so its results must be its parameter types; got ${sig(params, results)}`;
    case 'add': {
      const t = results[0];
      if (results.length === 1 && NUMBER.has(t) && params.every((p) => p === t)) return null;
      return `\`add\` needs parameters all of one number type and exactly one result of it; got ${sig(params, results)}`;
    }
    case 'combine':
      if (results.length === 1 && results[0] === 'i64' && params.every((p) => NUMBER.has(p))) return null;
      return `\`combine\` needs number parameters and exactly one i64 result; got ${sig(params, results)}`;
  }
  return `unknown \`computes\` ${JSON.stringify(compute)}`;
}

const MASK64 = (1n << 64n) - 1n;
const rotl7 = (h) => ((h << 7n) | (h >> 57n)) & MASK64;

// The sum of no arguments, per result type.
const ZERO = { i32: 0, i64: 0n, f32: 0, f64: 0 };

// COMPUTE: what each kind answers, given the signature and the JS arguments
// as received. `add` sums from the first argument (so one argument comes
// back as it is, -0 included); f32 arguments are summed as JS numbers
// (f64) and the sum rounded once to f32 (Math.fround).
const COMPUTE = {
  echo: (params, results, args) => jsResult(args, results.length),
  add: (params, results, args) => {
    if (args.length === 0) return ZERO[results[0]];
    switch (results[0]) {
      case 'i32': return args.reduce((a, b) => (a + b) | 0);
      case 'i64': return args.reduce((a, b) => BigInt.asIntN(64, a + b));
      case 'f64': return args.reduce((a, b) => a + b);
      case 'f32': return Math.fround(args.reduce((a, b) => a + b));
    }
    throw new Error(`unreachable: add of ${results[0]}`);
  },
  combine: (params, results, args) => {
    let h = 0n;
    params.forEach((t, i) => { h = rotl7(h) ^ bitsOf(t, args[i]); });
    return BigInt.asIntN(64, h);
  },
};

// makeComputed builds host function `h` (checked) computing `h.computes`,
// recording into `calls`. Returns the wasm function to import.
function makeComputed(h, calls) {
  const { params, results, computes } = h;
  const compute = COMPUTE[computes];
  const js = (...args) => {
    try {
      calls.push(params.map((t, i) => fromJs(t, args[i])));
    } catch (e) {
      fault.error = e;
      throw e;
    }
    if (h.trap !== undefined) throw new HostTrap(h.trap);
    return compute(params, results, args);
  };
  const type = w.funcType(params.map((t) => TYPE[t]), results.map((t) => TYPE[t]));
  const code = [];
  params.forEach((t, i) => code.push(0x20, ...w.uleb(i)));
  code.push(0x10, 0, 0x0b);
  const bytes = w.encodeModule([
    [1, w.vec([type])],
    [2, w.vec([[...w.str('h'), ...w.str('js'), 0, 0]])],
    [3, w.vec([[0]])],
    [7, w.vec([w.exportEntry('f', 0, 1)])],
    [10, w.vec([w.body([], code)])],
  ]);
  const inst = new WebAssembly.Instance(new WebAssembly.Module(bytes), { h: { js } });
  return inst.exports.f;
}

// ------------------------------------------------------------ returns shims

// makeHost builds the shim of host function `h` (already checked), recording
// into `calls` (an array). Returns the wasm function to import.
function makeHost(h, calls) {
  if (h.computes !== undefined) return makeComputed(h, calls);
  const { params, results, returns } = h;
  const exact = returns.length >= results.length && results.every((t, j) => fits(t, returns[j]));
  const refParams = params.filter(isRef);
  const refResults = results.filter(isRef);
  const recType = w.funcType(refParams.map((t) => TYPE[t]), (exact ? refResults : results).map((t) => TYPE[t]));
  const ownType = w.funcType(params.map((t) => TYPE[t]), results.map((t) => TYPE[t]));
  const code = [];
  params.forEach((t, i) => {
    if (isRef(t)) return;
    const [op, align] = STORE[t];
    code.push(0x41, ...w.sleb(i * SLOT), 0x20, ...w.uleb(i), op, align, 0);
  });
  params.forEach((t, i) => { if (isRef(t)) code.push(0x20, ...w.uleb(i)); });
  code.push(0x10, 0);
  const locals = [];
  if (exact) {
    // The recorder returned the reference results: keep them in locals,
    // then push every result in order.
    const local = new Map(); // result index -> local index
    results.forEach((t, j) => {
      if (!isRef(t)) return;
      local.set(j, params.length + locals.length);
      locals.push([1, TYPE[t]]);
    });
    for (const j of [...local.keys()].reverse()) code.push(0x21, ...w.uleb(local.get(j)));
    results.forEach((t, j) => {
      if (isRef(t)) {
        code.push(0x20, ...w.uleb(local.get(j)));
        return;
      }
      const [op, align] = LOAD[t];
      code.push(0x41, ...w.sleb((params.length + j) * SLOT), op, align, 0);
    });
  }
  code.push(0x0b);
  const bytes = w.encodeModule([
    [1, w.vec([recType, ownType])],
    [2, w.vec([[...w.str('h'), ...w.str('rec'), 0, 0]])],
    [3, w.vec([[1]])],
    [5, w.vec([[0x00, 1]])],
    [7, w.vec([w.exportEntry('f', 0, 1), w.exportEntry('mem', 2, 0)])],
    [10, w.vec([w.body(locals, code)])],
  ]);
  let view = null;
  const rec = (...refArgs) => {
    try {
      let k = 0;
      const args = params.map((t, i) => (isRef(t) ? fromJs(t, refArgs[k++]) : readNumber(view, i * SLOT, t)));
      calls.push(args);
    } catch (e) {
      fault.error = e;
      throw e;
    }
    if (h.trap !== undefined) throw new HostTrap(h.trap);
    if (exact) {
      const refs = [];
      results.forEach((t, j) => {
        if (isRef(t)) refs.push(toJs(returns[j]));
        else writeBits(view, (params.length + j) * SLOT, returns[j].bits, SIZE[t]);
      });
      return jsResult(refs, refs.length);
    }
    return jsResult(returns.slice(0, results.length).map(toJs), results.length);
  };
  const inst = new WebAssembly.Instance(new WebAssembly.Module(bytes), { h: { rec } });
  view = new DataView(inst.exports.mem.buffer);
  return inst.exports.f;
}

module.exports = { makeHost, fault, TYPE, computeError, returnable, bitsOf, fromJs };
