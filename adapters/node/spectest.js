// The `spectest` module the spec tests import, as the reference interpreter
// defines it: print functions that do nothing (wasm functions, so their types
// are checked at link time), globals 666 / 666.6, a funcref table of 10..20
// elements, a memory of 1..2 pages and a shared memory of 1..2 pages. A fresh
// instance is made for every store, so state never leaks between stores.
'use strict';

const w = require('./wasmbin');

const I32 = [0x7f], I64 = [0x7e], F32 = [0x7d], F64 = [0x7c];

let compiled = null;

function spectestModule() {
  const prints = [
    ['print', []], ['print_i32', [I32]], ['print_i64', [I64]], ['print_f32', [F32]],
    ['print_f64', [F64]], ['print_i32_f32', [I32, F32]], ['print_f64_f64', [F64, F64]],
  ];
  const types = prints.map(([, p]) => w.funcType(p, []));
  const funcs = prints.map((_, i) => w.uleb(i));
  const bodies = prints.map(() => w.body([], [0x0b]));
  const exports = prints.map(([name], i) => w.exportEntry(name, 0, i));
  const le = (n, bytes) => Array.from({ length: bytes }, (_, i) => Number((BigInt(n) >> BigInt(8 * i)) & 0xffn));
  const globals = [
    [...I32, 0, 0x41, ...w.sleb(666), 0x0b],
    [...I64, 0, 0x42, ...w.sleb(666), 0x0b],
    [...F32, 0, 0x43, ...le(0x4426a666, 4), 0x0b],
    [...F64, 0, 0x44, ...le(0x4084d4cccccccccdn, 8), 0x0b],
  ];
  ['global_i32', 'global_i64', 'global_f32', 'global_f64'].forEach((n, i) => exports.push(w.exportEntry(n, 3, i)));
  exports.push(w.exportEntry('table', 1, 0), w.exportEntry('memory', 2, 0));
  return w.encodeModule([
    [1, w.vec(types)],
    [3, w.vec(funcs)],
    [4, w.vec([[0x70, 0x01, 10, 20]])],
    [5, w.vec([[0x01, 1, 2]])],
    [6, w.vec(globals)],
    [7, w.vec(exports)],
    [10, w.vec(bodies)],
  ]);
}

// spectestExports returns a fresh spectest: Map name -> {value, kind}.
function spectestExports() {
  if (!compiled) compiled = new WebAssembly.Module(spectestModule());
  const inst = new WebAssembly.Instance(compiled, {});
  const out = new Map();
  for (const { name, kind } of WebAssembly.Module.exports(compiled)) out.set(name, { value: inst.exports[name], kind });
  const shared = new WebAssembly.Memory({ initial: 1, maximum: 2, shared: true });
  out.set('shared_memory', { value: shared, kind: 'memory' });
  return out;
}

module.exports = { spectestExports, spectestModule };
