// Proposals and the V8 flags that enable them, per V8 version.
//
// V8 flags are process-wide. Which flags exist depends on the V8 version
// (FLAGS_BY_V8, measured with `node --v8-options` on Node 18/20/22/24), and
// whether a proposal is on by default is found by validating a tiny probe
// module that uses it. A proposal is offered when its probe validates by
// default, or after setting one of its known flags. `configure` turns off
// every flag the adapter may have turned on before (never a flag that is on by
// default: the engine's defaults stay) and then turns on what the requested
// proposals need, so a case never sees proposals it did not ask for beyond
// the defaults (implied flags are turned off explicitly too; see README.md).
'use strict';

const v8 = require('v8');
const w = require('./wasmbin');

const V8_MAJOR = Number(process.versions.v8.split('.')[0]);

// Flags each V8 major knows (only those this adapter uses), from `--v8-options`.
// V8 10 (Node 18) also has --experimental-wasm-gc / typed-funcref, but they are
// prototypes that crash the process (segfault seen when compiling with them
// set at runtime): not offered.
const FLAGS_BY_V8 = {
  10: ['memory64', 'relaxed-simd', 'extended-const', 'return-call'],
  11: ['gc', 'typed-funcref', 'memory64', 'relaxed-simd', 'extended-const', 'return-call'],
  12: ['memory64', 'exnref', 'multi-memory'],
  13: ['exnref'],
};

function knownFlags() {
  const majors = Object.keys(FLAGS_BY_V8).map(Number).sort((a, b) => a - b);
  let pick = majors[0];
  for (const m of majors) if (m <= V8_MAJOR) pick = m;
  if (V8_MAJOR < majors[0]) return [];
  return FLAGS_BY_V8[pick];
}

const T = { i32: [0x7f], i64: [0x7e] };
const voidType = [1, w.vec([w.funcType([], [])])];
const oneFunc = [3, w.vec([[0]])];
const fn = (code, locals = []) => [10, w.vec([w.body(locals, code)])];
const mem = (limits) => [5, w.vec([limits])];

// Each proposal: a probe module using it, and the flags (without the
// `--experimental-wasm-` prefix) that may enable it, in preference order.
const PROPOSALS = [
  { name: 'multi-value', probe: () => w.encodeModule([[1, w.vec([w.funcType([], [T.i32, T.i32])])], oneFunc, fn([0x41, 0, 0x41, 0, 0x0b])]) },
  { name: 'bulk-memory', probe: () => w.encodeModule([voidType, oneFunc, mem([0, 1]), fn([0x41, 0, 0x41, 0, 0x41, 0, 0xfc, 10, 0, 0, 0x0b])]) },
  { name: 'reference-types', probe: () => w.encodeModule([voidType, oneFunc, fn([0xd0, 0x6f, 0x1a, 0x0b])]) },
  { name: 'simd', probe: () => w.encodeModule([voidType, oneFunc, fn([0xfd, 12, ...new Array(16).fill(0), 0x1a, 0x0b])]) },
  { name: 'sign-extension-ops', probe: () => w.encodeModule([voidType, oneFunc, fn([0x41, 0, 0xc0, 0x1a, 0x0b])]) },
  { name: 'nontrapping-float-to-int-conversions', probe: () => w.encodeModule([voidType, oneFunc, fn([0x43, 0, 0, 0, 0, 0xfc, 0, 0x1a, 0x0b])]) },
  { name: 'mutable-global', probe: () => w.encodeModule([[2, w.vec([[...w.str('m'), ...w.str('g'), 3, 0x7f, 1]])]]) },
  { name: 'annotations', probe: null }, // text format only
  { name: 'relaxed-simd', flags: ['relaxed-simd'], probe: () => w.encodeModule([voidType, oneFunc, fn([0xfd, 12, ...new Array(16).fill(0), 0xfd, 0x81, 0x02, 0x1a, 0x0b])]) },
  { name: 'tail-call', flags: ['return-call'], probe: () => w.encodeModule([voidType, oneFunc, fn([0x12, 0, 0x0b])]) },
  { name: 'threads', probe: () => w.encodeModule([voidType, oneFunc, mem([0x03, 1, 1]), fn([0xfe, 0x03, 0x00, 0x0b])]) },
  { name: 'memory64', flags: ['memory64'], probe: () => w.encodeModule([mem([0x04, 1])]) },
  { name: 'multi-memory', flags: ['multi-memory'], probe: () => w.encodeModule([[5, w.vec([[0, 1], [0, 1]])]]) },
  { name: 'extended-const', flags: ['extended-const'], probe: () => w.encodeModule([[6, w.vec([[0x7f, 0, 0x41, 1, 0x41, 2, 0x6a, 0x0b]])]]) },
  { name: 'function-references', flags: ['typed-funcref', 'gc'], probe: () => w.encodeModule([voidType, oneFunc, fn([0xd0, 0x00, 0xd4, 0x1a, 0x0b])]) },
  // ref.i31 with its final opcode (0xfb 0x1c): V8 11's prototype used others.
  { name: 'gc', flags: ['gc'], probe: () => w.encodeModule([[1, w.vec([[0x5f, 0x00], w.funcType([], [])])], [3, w.vec([[1]])], fn([0x41, 0, 0xfb, 0x1c, 0x1a, 0x0b])]) },
  { name: 'exceptions', flags: ['exnref'], probe: () => w.encodeModule([voidType, oneFunc, fn([0x1f, 0x40, 0x00, 0x0b, 0x0b])]) },
  { name: 'custom-page-sizes', flags: ['custom-page-sizes'], probe: () => w.encodeModule([mem([0x08, 1, 0])]) },
  { name: 'wide-arithmetic', flags: ['wide-arithmetic'], probe: () => w.encodeModule([voidType, oneFunc, fn([0x42, 0, 0x42, 0, 0x42, 0, 0x42, 0, 0xfc, 19, 0x1a, 0x1a, 0x0b])]) },
];

function setFlag(flag, on) {
  v8.setFlagsFromString(`--${on ? '' : 'no-'}experimental-wasm-${flag}`);
}

let table = null; // name -> {flag: string|null (null = on by default)}
let adjustable = []; // flags this adapter may turn on (and so turns off)

// discover probes every proposal once: on by default, enabled by a flag, or absent.
function discover() {
  if (table) return table;
  table = new Map();
  const known = new Set(knownFlags());
  // A flag of a proposal on by default stays as it is (engine defaults).
  for (const p of PROPOSALS) {
    if (!p.probe || WebAssembly.validate(p.probe())) {
      table.set(p.name, { flag: null });
      for (const f of p.flags || []) known.delete(f);
    }
  }
  adjustable = [...known];
  for (const p of PROPOSALS) {
    if (table.has(p.name)) continue;
    for (const flag of p.flags || []) {
      if (!known.has(flag)) continue;
      setFlag(flag, true);
      const ok = WebAssembly.validate(p.probe());
      for (const f of adjustable) setFlag(f, false);
      if (ok) {
        table.set(p.name, { flag });
        break;
      }
    }
  }
  return table;
}

// names lists every proposal this V8 can enable, default or not (for hello).
function names() {
  return [...discover().keys()];
}

// enable turns the process's flags to exactly what `features` need; returns
// the name of a proposal this version cannot enable, or null.
function enable(features) {
  const t = discover();
  const want = new Set();
  for (const name of features) {
    const entry = t.get(name);
    if (!entry) return name;
    if (entry.flag) want.add(entry.flag);
  }
  for (const f of adjustable) if (!want.has(f)) setFlag(f, false);
  for (const f of want) setFlag(f, true);
  return null;
}

module.exports = { names, enable, V8_MAJOR, PROPOSALS };
