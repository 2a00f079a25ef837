// Host functions (`define-host` / `host-calls`). Each host function is a small
// wasm shim of the declared type: it stores its parameters into its own
// memory and calls a JS recorder, which reads their exact bits and records
// the call. Then either:
//  - `returns` fit the declared results (enough values, same types): the
//    recorder writes their bits into memory and the shim loads them, exactly;
//  - otherwise the recorder's import is typed `() -> (results)` and it returns
//    the values as JS values (i32/f32/f64 as numbers, i64 as BigInt, an array
//    for several), so V8's own JS-to-wasm conversion decides what happens
//    (a BigInt for an i32 throws TypeError, a too-short array too, a missing
//    single value is `undefined`, which becomes 0): that is the behaviour
//    under test.
// A host function with `trap` throws a HostTrap from the recorder.
'use strict';

const w = require('./wasmbin');
const { readNumber, writeBits, SIZE } = require('./values');
const { HostTrap } = require('./traps');

const SLOT = 16;
const TYPE = { i32: [0x7f], i64: [0x7e], f32: [0x7d], f64: [0x7c] };
const LOAD = { i32: [0x28, 2], i64: [0x29, 3], f32: [0x2a, 2], f64: [0x2b, 3] };
const STORE = { i32: [0x36, 2], i64: [0x37, 3], f32: [0x38, 2], f64: [0x39, 3] };

// adapterFault holds an error of the adapter's own code raised inside a
// recorder; the caller rethrows it after the wasm call (it must crash the
// adapter, not become a failure of the call).
const fault = { error: null };

function toJs(v) {
  const view = new DataView(new ArrayBuffer(8));
  switch (v.type) {
    case 'i32': return Number(BigInt.asIntN(32, v.bits));
    case 'i64': return BigInt.asIntN(64, v.bits);
    case 'f32': view.setUint32(0, Number(v.bits), true); return view.getFloat32(0, true);
    case 'f64': view.setBigUint64(0, v.bits, true); return view.getFloat64(0, true);
  }
  throw new Error(`unreachable: host value of type ${v.type}`);
}

// makeHost builds the shim of host function `h` (already checked), recording
// into `calls` (an array). Returns the wasm function to import.
function makeHost(h, calls) {
  const { params, results, returns } = h;
  const exact = returns.length >= results.length && results.every((t, j) => returns[j].type === t);
  const recType = exact ? w.funcType([], []) : w.funcType([], results.map((t) => TYPE[t]));
  const ownType = w.funcType(params.map((t) => TYPE[t]), results.map((t) => TYPE[t]));
  const code = [];
  params.forEach((t, i) => {
    const [op, align] = STORE[t];
    code.push(0x41, ...w.sleb(i * SLOT), 0x20, ...w.uleb(i), op, align, 0);
  });
  code.push(0x10, 0);
  if (exact) {
    results.forEach((t, j) => {
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
    [10, w.vec([w.body([], code)])],
  ]);
  let view = null;
  const rec = () => {
    try {
      const args = params.map((t, i) => readNumber(view, i * SLOT, t));
      calls.push(args);
    } catch (e) {
      fault.error = e;
      throw e;
    }
    if (h.trap !== undefined) throw new HostTrap(h.trap);
    if (exact) {
      results.forEach((t, j) => writeBits(view, (params.length + j) * SLOT, returns[j].bits, SIZE[t]));
      return undefined;
    }
    const values = returns.slice(0, results.length).map(toJs);
    if (results.length === 1) return values[0];
    if (results.length === 0) return undefined;
    return values;
  };
  const inst = new WebAssembly.Instance(new WebAssembly.Module(bytes), { h: { rec } });
  view = new DataView(inst.exports.mem.buffer);
  return inst.exports.f;
}

module.exports = { makeHost, fault, TYPE };
