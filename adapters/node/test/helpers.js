// Test helpers: run the adapter as a child process (the way the harness does)
// on a list of requests, and build small modules with the adapter's encoder.
'use strict';

const { spawnSync } = require('child_process');
const path = require('path');
const w = require('../wasmbin');

const ADAPTER = path.join(__dirname, '..', 'adapter.js');

// exchange sends `requests` (objects, or raw strings sent as they are) and
// returns the parsed responses, plus the exit status and stderr.
function exchange(requests, env = {}) {
  const input = requests.map((r) => (typeof r === 'string' ? r : JSON.stringify(r))).join('\n') + '\n';
  const out = spawnSync(process.execPath, ['--expose-gc', ADAPTER], {
    input,
    env: { ...process.env, ...env },
    maxBuffer: 1 << 28,
  });
  const lines = out.stdout.toString().split('\n').filter((l) => l !== '');
  return { responses: lines.map((l) => JSON.parse(l)), status: out.status, stderr: out.stderr.toString() };
}

const b64 = (bytes) => Buffer.from(bytes).toString('base64');

// mod builds a module from function definitions:
// {params, results, code (body bytes without end), exportName, locals}
// plus extra sections ({imports, memory, globals, tables, elems, start}).
function mod({ funcs = [], imports = [], memory = null, globals = [], exports = [], tables = [], elems = [], start = null, types: extraTypes = [] }) {
  const types = [...extraTypes];
  const typeOf = (params, results) => {
    const t = w.funcType(params, results);
    let i = types.findIndex((x) => Buffer.compare(Buffer.from(x), Buffer.from(t)) === 0);
    if (i < 0) { types.push(t); i = types.length - 1; }
    return i;
  };
  const importEntries = imports.map((imp) => {
    if (imp.kind === 'func') return [...w.str(imp.module), ...w.str(imp.name), 0, ...w.uleb(typeOf(imp.params, imp.results))];
    if (imp.kind === 'global') return [...w.str(imp.module), ...w.str(imp.name), 3, ...imp.type, imp.mutable ? 1 : 0];
    if (imp.kind === 'memory') return [...w.str(imp.module), ...w.str(imp.name), 2, ...imp.limits];
    if (imp.kind === 'table') return [...w.str(imp.module), ...w.str(imp.name), 1, ...imp.limits];
    throw new Error('kind');
  });
  const nImportedFuncs = imports.filter((i) => i.kind === 'func').length;
  const funcEntries = funcs.map((f) => w.uleb(typeOf(f.params || [], f.results || [])));
  const exportEntries = [...exports];
  funcs.forEach((f, i) => { if (f.export) exportEntries.push(w.exportEntry(f.export, 0, nImportedFuncs + i)); });
  const sections = [[1, w.vec(types)]];
  if (importEntries.length) sections.push([2, w.vec(importEntries)]);
  if (funcEntries.length) sections.push([3, w.vec(funcEntries)]);
  if (tables.length) sections.push([4, w.vec(tables)]);
  if (memory) sections.push([5, w.vec([memory])]);
  if (globals.length) sections.push([6, w.vec(globals)]);
  if (exportEntries.length) sections.push([7, w.vec(exportEntries)]);
  if (start !== null) sections.push([8, w.uleb(start)]);
  if (elems.length) sections.push([9, w.vec(elems)]);
  if (funcs.length) sections.push([10, w.vec(funcs.map((f) => w.body(f.locals || [], [...f.code, 0x0b])))]);
  return w.encodeModule(sections);
}

const I32 = [0x7f], I64 = [0x7e], F32 = [0x7d], F64 = [0x7c], V128 = [0x7b], FUNCREF = [0x70], EXTERNREF = [0x6f];

// session prefixes a default configure.
const setup = (bytes) => [
  { op: 'configure', features: [] },
  { op: 'compile', module: 0, bytes: b64(bytes) },
  { op: 'instantiate', module: 0, instance: 0 },
];

module.exports = { exchange, b64, mod, setup, I32, I64, F32, F64, V128, FUNCREF, EXTERNREF, w };
