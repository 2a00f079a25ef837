// End-to-end tests of the adapter process: requests in, responses out, with
// small hand-encoded modules. Every test asserts exact responses.
'use strict';

const test = require('node:test');
const assert = require('node:assert');
const { exchange, b64, mod, setup, I32, I64, F32, F64, V128, EXTERNREF, FUNCREF, w } = require('./helpers');

const DONE = { ok: 'done' };
const vals = (...values) => ({ ok: { values } });

test('hello names node, its version, protocol 2, capabilities and the V8 host', () => {
  const { responses, status } = exchange([{ op: 'hello' }]);
  assert.strictEqual(status, 0);
  const h = responses[0].ok.hello;
  assert.strictEqual(h.engine, 'node');
  assert.strictEqual(h.version, process.versions.node);
  assert.strictEqual(h.protocol, 2);
  assert.strictEqual(h.host, `v8 ${process.versions.v8}`);
  assert.deepStrictEqual(h.capabilities, ['grow-memory', 'memory-usage', 'drop-store', 'host-functions', 'collect']);
  for (const f of ['multi-value', 'bulk-memory', 'reference-types', 'simd']) assert.ok(h.features.includes(f), f);
});

test('an unparseable line and an unknown op are `other`; the adapter goes on', () => {
  const { responses, status } = exchange(['{not json', { op: 'teleport' }, { op: 'compile', module: 0 }, { op: 'collect' }]);
  assert.strictEqual(status, 0);
  assert.strictEqual(responses.length, 4);
  for (const r of responses.slice(0, 3)) assert.strictEqual(r.err.kind, 'other');
  assert.deepStrictEqual(responses[3], DONE);
});

test('NaN payloads, f32 signalling NaNs, i64 and v128 travel as exact bits', () => {
  const m = mod({
    funcs: [
      { params: [F32], results: [F32], code: [0x20, 0], export: 'f32' },
      { params: [F64], results: [F64], code: [0x20, 0], export: 'f64' },
      { params: [I64], results: [I64], code: [0x20, 0], export: 'i64' },
      { params: [V128], results: [V128], code: [0x20, 0], export: 'v128' },
      { params: [I32, I64], results: [I64, I32], code: [0x20, 1, 0x20, 0], export: 'swap' },
    ],
  });
  const { responses } = exchange([
    ...setup(m),
    { op: 'invoke', instance: 0, export: 'f32', args: [{ f32: '0x7f800001' }] },
    { op: 'invoke', instance: 0, export: 'f32', args: [{ f32: '0xffa00001' }] },
    { op: 'invoke', instance: 0, export: 'f64', args: [{ f64: '0x7ff0000000000001' }] },
    { op: 'invoke', instance: 0, export: 'i64', args: [{ i64: '0x8000000000000001' }] },
    { op: 'invoke', instance: 0, export: 'v128', args: [{ v128: '0x000102030405060708090a0b0c0d0eff' }] },
    { op: 'invoke', instance: 0, export: 'swap', args: [{ i32: '0xffffffff' }, { i64: '0x0123456789abcdef' }] },
  ]);
  assert.deepStrictEqual(responses.slice(0, 3), [DONE, DONE, DONE]);
  assert.deepStrictEqual(responses[3], vals({ f32: '0x7f800001' }));
  assert.deepStrictEqual(responses[4], vals({ f32: '0xffa00001' }));
  assert.deepStrictEqual(responses[5], vals({ f64: '0x7ff0000000000001' }));
  assert.deepStrictEqual(responses[6], vals({ i64: '0x8000000000000001' }));
  assert.deepStrictEqual(responses[7], vals({ v128: '0x000102030405060708090a0b0c0d0eff' }));
  assert.deepStrictEqual(responses[8], vals({ i64: '0x0123456789abcdef' }, { i32: '0xffffffff' }));
});

test('references: null funcref, ref.extern N round trip, non-null funcref', () => {
  const m = mod({
    funcs: [
      { params: [EXTERNREF], results: [EXTERNREF], code: [0x20, 0], export: 'ext' },
      { params: [FUNCREF], results: [FUNCREF], code: [0x20, 0], export: 'fn' },
      { results: [FUNCREF], code: [0xd2, 2], export: 'self' },
    ],
    elems: [[0x03, 0x00, ...w.vec([[2]])]], // declarative: ref.func 2
  });
  const { responses } = exchange([
    ...setup(m),
    { op: 'invoke', instance: 0, export: 'ext', args: [{ ref: { heap: 'extern', host: 7 } }] },
    { op: 'invoke', instance: 0, export: 'ext', args: [{ ref: { heap: 'extern', null: true } }] },
    { op: 'invoke', instance: 0, export: 'fn', args: [{ ref: { heap: 'func', null: true } }] },
    { op: 'invoke', instance: 0, export: 'self', args: [] },
  ]);
  assert.deepStrictEqual(responses[2], DONE);
  assert.deepStrictEqual(responses[3], vals({ ref: { heap: 'extern', null: false, host: 7 } }));
  assert.deepStrictEqual(responses[4], vals({ ref: { heap: 'extern', null: true } }));
  assert.deepStrictEqual(responses[5], vals({ ref: { heap: 'func', null: true } }));
  assert.deepStrictEqual(responses[6], vals({ ref: { heap: 'func', null: false } }));
});

test('get-global reads exact bits, also of a mutable global after a set', () => {
  const m = mod({
    funcs: [{ code: [0x43, 0x01, 0x00, 0x80, 0x7f, 0x24, 1], export: 'set' }],
    globals: [
      [0x7e, 0, 0x42, ...w.sleb(-2), 0x0b],
      [0x7d, 1, 0x43, 0, 0, 0, 0, 0x0b],
    ],
    exports: [w.exportEntry('g64', 3, 0), w.exportEntry('gf', 3, 1)],
  });
  const { responses } = exchange([
    ...setup(m),
    { op: 'get-global', instance: 0, export: 'g64' },
    { op: 'invoke', instance: 0, export: 'set', args: [] },
    { op: 'get-global', instance: 0, export: 'gf' },
    { op: 'get-global', instance: 0, export: 'nope' },
  ]);
  assert.deepStrictEqual(responses[3], vals({ i64: '0xfffffffffffffffe' }));
  assert.deepStrictEqual(responses[5], vals({ f32: '0x7f800001' }));
  assert.strictEqual(responses[6].err.kind, 'not-found');
});

test('traps are classified by V8 message, the message kept verbatim', () => {
  const m = mod({
    funcs: [
      { code: [0x00], export: 'unreachable' },
      { params: [I32, I32], results: [I32], code: [0x20, 0, 0x20, 1, 0x6d], export: 'div' },
      { results: [I32], code: [0x41, 0, 0x28, 2, 0], export: 'load' },
      { params: [F32], results: [I32], code: [0x20, 0, 0xa8], export: 'trunc' },
      { params: [I32], code: [0x20, 0, 0x11, 0, 0], export: 'calli' },
      { params: [I32], results: [I32], code: [0x20, 0], export: 'other-type' },
    ],
    tables: [[0x70, 0x00, 2]],
    elems: [[0x00, 0x41, 0, 0x0b, ...w.vec([[5]])]], // table[0] = function 5 (i32 -> i32)
    memory: [0x00, 0],
  });
  const { responses } = exchange([
    ...setup(m),
    { op: 'invoke', instance: 0, export: 'unreachable', args: [] },
    { op: 'invoke', instance: 0, export: 'div', args: [{ i32: '0x00000001' }, { i32: '0x00000000' }] },
    { op: 'invoke', instance: 0, export: 'div', args: [{ i32: '0x80000000' }, { i32: '0xffffffff' }] },
    { op: 'invoke', instance: 0, export: 'load', args: [] },
    { op: 'invoke', instance: 0, export: 'trunc', args: [{ f32: '0x7fc00000' }] },
    { op: 'invoke', instance: 0, export: 'trunc', args: [{ f32: '0x7f000000' }] },
    { op: 'invoke', instance: 0, export: 'calli', args: [{ i32: '0x00000001' }] },
    { op: 'invoke', instance: 0, export: 'calli', args: [{ i32: '0x00000000' }] },
    { op: 'invoke', instance: 0, export: 'calli', args: [{ i32: '0x00000009' }] },
  ]);
  const trap = (r) => [r.err.kind, r.err.trap];
  assert.deepStrictEqual(trap(responses[3]), ['trap', 'unreachable']);
  assert.strictEqual(responses[3].err.message, 'unreachable');
  assert.deepStrictEqual(trap(responses[4]), ['trap', 'integer-division-by-zero']);
  assert.deepStrictEqual(trap(responses[5]), ['trap', 'integer-overflow']);
  assert.deepStrictEqual(trap(responses[6]), ['trap', 'memory-out-of-bounds']);
  // V8 reports NaN and out-of-range truncations alike, and null entries and
  // other types alike: the kinds that name both, never a guess.
  assert.deepStrictEqual(trap(responses[7]), ['trap', 'integer-overflow-or-bad-conversion']);
  assert.deepStrictEqual(trap(responses[8]), ['trap', 'integer-overflow-or-bad-conversion']);
  assert.strictEqual(responses[8].err.message, 'float unrepresentable in integer range');
  assert.deepStrictEqual(trap(responses[9]), ['trap', 'indirect-call-to-null-or-bad-signature']);
  assert.deepStrictEqual(trap(responses[10]), ['trap', 'indirect-call-to-null-or-bad-signature']);
  assert.deepStrictEqual(trap(responses[11]), ['trap', 'table-out-of-bounds']);
});

test('stack exhaustion is `exhaustion`', () => {
  const m = mod({ funcs: [{ code: [0x10, 0], export: 'loop' }] });
  const { responses } = exchange([...setup(m), { op: 'invoke', instance: 0, export: 'loop', args: [] }]);
  assert.strictEqual(responses[3].err.kind, 'exhaustion');
  assert.match(responses[3].err.message, /Maximum call stack size exceeded/);
});

test('compile errors, link errors, start traps and segment traps', () => {
  const needs = mod({ imports: [{ kind: 'func', module: 'env', name: 'f', params: [], results: [] }] });
  const wrongType = mod({ imports: [{ kind: 'func', module: 'spectest', name: 'print_i32', params: [I64], results: [] }] });
  const start = mod({ funcs: [{ code: [0x00] }], start: 0 });
  const data = w.encodeModule([[5, w.vec([[0x00, 1]])], [11, w.vec([[0x00, 0x41, ...w.sleb(65536), 0x0b, 1, 7]])]]);
  const { responses } = exchange([
    { op: 'configure', features: [] },
    { op: 'compile', module: 0, bytes: b64([0, 0x61, 0x73, 0x6d, 2, 0, 0, 0]) },
    { op: 'compile', module: 1, bytes: b64(needs) },
    { op: 'instantiate', module: 1, instance: 0 },
    { op: 'compile', module: 2, bytes: b64(wrongType) },
    { op: 'instantiate', module: 2, instance: 0 },
    { op: 'compile', module: 3, bytes: b64(start) },
    { op: 'instantiate', module: 3, instance: 0 },
    { op: 'compile', module: 4, bytes: b64(data) },
    { op: 'instantiate', module: 4, instance: 0 },
    { op: 'instantiate', module: 9, instance: 0 },
  ]);
  assert.strictEqual(responses[1].err.kind, 'compile');
  assert.strictEqual(responses[3].err.kind, 'unlinkable');
  assert.match(responses[3].err.message, /unknown import/);
  assert.strictEqual(responses[5].err.kind, 'unlinkable');
  assert.match(responses[5].err.message, /LinkError|imported function does not match|signature/i);
  assert.deepStrictEqual([responses[7].err.kind, responses[7].err.trap], ['trap', 'unreachable']);
  assert.deepStrictEqual([responses[9].err.kind, responses[9].err.trap], ['trap', 'memory-out-of-bounds']);
  assert.strictEqual(responses[10].err.kind, 'not-found');
});

test('register shadows per field; earlier fields stay importable', () => {
  const a = mod({ funcs: [{ results: [I32], code: [0x41, 1], export: 'f' }, { results: [I32], code: [0x41, 2], export: 'g' }] });
  const b = mod({ funcs: [{ results: [I32], code: [0x41, 3], export: 'f' }] });
  const user = mod({
    imports: [
      { kind: 'func', module: 'm', name: 'f', params: [], results: [I32] },
      { kind: 'func', module: 'm', name: 'g', params: [], results: [I32] },
    ],
    funcs: [{ results: [I32], code: [0x10, 0, 0x10, 1, 0x6a], export: 'sum' }],
  });
  const { responses } = exchange([
    { op: 'configure', features: [] },
    { op: 'compile', module: 0, bytes: b64(a) },
    { op: 'instantiate', module: 0, instance: 0 },
    { op: 'register', instance: 0, name: 'm' },
    { op: 'compile', module: 1, bytes: b64(b) },
    { op: 'instantiate', module: 1, instance: 1 },
    { op: 'register', instance: 1, name: 'm' },
    { op: 'compile', module: 2, bytes: b64(user) },
    { op: 'instantiate', module: 2, instance: 2 },
    { op: 'invoke', instance: 2, export: 'sum', args: [] },
  ]);
  assert.deepStrictEqual(responses[9], vals({ i32: '0x00000005' }));
});

test('host functions record exact arguments, return exact bits, trap as host-error', () => {
  const user = mod({
    imports: [
      { kind: 'func', module: 'env', name: 'nan', params: [F32, I64], results: [F32] },
      { kind: 'func', module: 'env', name: 'boom', params: [I32], results: [] },
      { kind: 'func', module: 'env', name: 'wrong', params: [], results: [I32] },
    ],
    funcs: [
      { params: [F32, I64], results: [F32], code: [0x20, 0, 0x20, 1, 0x10, 0], export: 'nan' },
      { code: [0x41, 3, 0x10, 1], export: 'boom' },
      { results: [I32], code: [0x10, 2], export: 'wrong' },
    ],
  });
  const { responses } = exchange([
    { op: 'configure', features: [] },
    { op: 'define-host', module: 'env', name: 'nan', params: ['f32', 'i64'], results: ['f32'], returns: [{ f32: '0x7f800002' }] },
    { op: 'define-host', module: 'env', name: 'boom', params: ['i32'], results: [], trap: 'boom' },
    { op: 'define-host', module: 'env', name: 'wrong', params: [], results: ['i32'], returns: [{ i64: '0x0000000000000005' }] },
    { op: 'compile', module: 0, bytes: b64(user) },
    { op: 'instantiate', module: 0, instance: 0 },
    { op: 'invoke', instance: 0, export: 'nan', args: [{ f32: '0xff800001' }, { i64: '0xffffffffffffffff' }] },
    { op: 'host-calls', module: 'env', name: 'nan' },
    { op: 'invoke', instance: 0, export: 'boom', args: [] },
    { op: 'host-calls', module: 'env', name: 'boom' },
    { op: 'invoke', instance: 0, export: 'wrong', args: [] },
    { op: 'drop-store' },
    { op: 'instantiate', module: 0, instance: 1 },
    { op: 'invoke', instance: 1, export: 'nan', args: [{ f32: '0x00000000' }, { i64: '0x0000000000000001' }] },
    { op: 'host-calls', module: 'env', name: 'nan' },
    { op: 'host-calls', module: 'env', name: 'never' },
  ]);
  assert.deepStrictEqual(responses.slice(0, 6), [DONE, DONE, DONE, DONE, DONE, DONE]);
  assert.deepStrictEqual(responses[6], vals({ f32: '0x7f800002' }));
  assert.deepStrictEqual(responses[7], { ok: { calls: [[{ f32: '0xff800001' }, { i64: '0xffffffffffffffff' }]] } });
  assert.deepStrictEqual(responses[8].err, { kind: 'trap', trap: 'host-error', message: 'boom' });
  assert.deepStrictEqual(responses[9], { ok: { calls: [[{ i32: '0x00000003' }]] } });
  // An i64 for an i32 result: V8's own conversion refuses the BigInt.
  assert.strictEqual(responses[10].err.kind, 'other');
  assert.match(responses[10].err.message, /BigInt/);
  assert.deepStrictEqual(responses[11], DONE);
  assert.deepStrictEqual(responses[13], vals({ f32: '0x7f800002' }));
  assert.strictEqual(responses[14].ok.calls.length, 2);
  assert.deepStrictEqual(responses[15], { ok: { calls: [] } });
});

test('grow-memory, memory-size, refused growth is exhaustion', () => {
  const m = mod({ memory: [0x01, 1, 3], exports: [w.exportEntry('mem', 2, 0)] });
  const { responses } = exchange([
    ...setup(m),
    { op: 'memory-size', instance: 0, export: 'mem' },
    { op: 'grow-memory', instance: 0, export: 'mem', delta: 1 },
    { op: 'memory-size', instance: 0, export: 'mem' },
    { op: 'grow-memory', instance: 0, export: 'mem', delta: 5 },
    { op: 'memory-size', instance: 0, export: 'nope' },
  ]);
  assert.deepStrictEqual(responses[3], { ok: { pages: 1 } });
  assert.deepStrictEqual(responses[4], { ok: { pages: 1 } });
  assert.deepStrictEqual(responses[5], { ok: { pages: 2 } });
  assert.strictEqual(responses[6].err.kind, 'exhaustion');
  assert.strictEqual(responses[7].err.kind, 'not-found');
});

test('drop-store keeps compiled modules, forgets instances and registrations', () => {
  const a = mod({ funcs: [{ results: [I32], code: [0x41, 7], export: 'f' }] });
  const user = mod({ imports: [{ kind: 'func', module: 'm', name: 'f', params: [], results: [I32] }] });
  const { responses } = exchange([
    ...setup(a),
    { op: 'register', instance: 0, name: 'm' },
    { op: 'drop-store' },
    { op: 'invoke', instance: 0, export: 'f', args: [] },
    { op: 'instantiate', module: 0, instance: 1 },
    { op: 'invoke', instance: 1, export: 'f', args: [] },
    { op: 'compile', module: 1, bytes: b64(user) },
    { op: 'instantiate', module: 1, instance: 2 },
    { op: 'drop-instance', instance: 1 },
    { op: 'invoke', instance: 1, export: 'f', args: [] },
    { op: 'drop-module', module: 0 },
    { op: 'instantiate', module: 0, instance: 3 },
  ]);
  assert.deepStrictEqual(responses[4], DONE);
  assert.strictEqual(responses[5].err.kind, 'not-found');
  assert.deepStrictEqual(responses[6], DONE);
  assert.deepStrictEqual(responses[7], vals({ i32: '0x00000007' }));
  assert.strictEqual(responses[9].err.kind, 'unlinkable');
  assert.deepStrictEqual(responses[10], DONE);
  assert.strictEqual(responses[11].err.kind, 'not-found');
  assert.strictEqual(responses[13].err.kind, 'not-found');
});

test('collect, memory-usage and the unsupported requests', () => {
  const { responses } = exchange([
    { op: 'collect' },
    { op: 'memory-usage' },
    { op: 'serialize', module: 0 },
    { op: 'deserialize', module: 0, bytes: '' },
    { op: 'deserialize-file', module: 0, path: '/nonexistent' },
    { op: 'set-limits', memory_bytes: 65536, trap_on_grow_failure: false },
    { op: 'configure', features: [], limits: { memory_bytes: 65536 } },
    { op: 'configure', features: [], cache_dir: '/tmp' },
    { op: 'configure', features: ['no-such-proposal'] },
  ]);
  assert.deepStrictEqual(responses[0], DONE);
  assert.ok(Number.isInteger(responses[1].ok.memory.rss_bytes) && responses[1].ok.memory.rss_bytes > 1 << 20);
  for (const r of responses.slice(2)) assert.strictEqual(r.err.kind, 'unsupported');
  assert.match(responses[8].err.message, /no-such-proposal/);
});

test('a long line (a multi-MB module) is read whole', () => {
  // A module with a 4 MiB custom section.
  const payload = Buffer.concat([Buffer.from(w.str('pad')), Buffer.alloc(4 << 20, 1)]);
  const big = Buffer.concat([Buffer.from(w.encodeModule([])), Buffer.from([0, ...w.uleb(payload.length)]), payload]);
  const { responses } = exchange([{ op: 'compile', module: 0, bytes: b64(big) }, { op: 'instantiate', module: 0, instance: 0 }]);
  assert.deepStrictEqual(responses, [DONE, DONE]);
});

test('engine settings come from --setting; this adapter refuses any', () => {
  const { settingsFrom } = require('../adapter');
  assert.deepStrictEqual(settingsFrom(['--expose-gc']), { given: {}, refused: null });
  const set = settingsFrom(['--setting', 'tier=liftoff', '--setting=x=a=b']);
  assert.deepStrictEqual(set.given, { tier: 'liftoff', x: 'a=b' });
  assert.match(set.refused, /no setting `tier`/);
});
