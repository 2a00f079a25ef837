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
  assert.deepStrictEqual(h.capabilities, ['grow-memory', 'memory-usage', 'drop-store', 'host-functions', 'collect', 'import-resolver']);
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
    { op: 'close-instance', instance: 0 },
    { op: 'close-instance', instance: 0, exit_code: 3 },
    { op: 'define-unknown-imports', module: 0, as: 'traps' },
  ]);
  assert.deepStrictEqual(responses[0], DONE);
  assert.ok(Number.isInteger(responses[1].ok.memory.rss_bytes) && responses[1].ok.memory.rss_bytes > 1 << 20);
  for (const r of responses.slice(2)) assert.strictEqual(r.err.kind, 'unsupported');
  assert.match(responses[8].err.message, /no-such-proposal/);
  assert.match(responses[9].err.message, /`close-instance`/);
  assert.match(responses[11].err.message, /`unknown-imports`/);
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

// Computing host functions: the values cross the JS boundary as V8 converts
// them, the record shows them as the JS function received them.

const { V8_MAJOR } = require('../features');

// hostUser imports host functions `[name, params, results]` from `env` and
// exports, under the same name, a function of the same type calling it.
function hostUser(hosts) {
  const T = { i32: I32, i64: I64, f32: F32, f64: F64, externref: EXTERNREF, funcref: FUNCREF };
  const imports = hosts.map(([name, p, r]) => ({ kind: 'func', module: 'env', name, params: p.map((t) => T[t]), results: r.map((t) => T[t]) }));
  const funcs = hosts.map(([name, p, r], i) => {
    const code = [];
    p.forEach((t, k) => code.push(0x20, k));
    return { params: p.map((t) => T[t]), results: r.map((t) => T[t]), code: [...code, 0x10, i], export: name };
  });
  return mod({ imports, funcs });
}

const define = (name, params, results, computes) => ({ op: 'define-host', module: 'env', name, params, results, computes });
const calls = (name) => ({ op: 'host-calls', module: 'env', name });
const call = (name, ...args) => ({ op: 'invoke', instance: 0, export: name, args });

test('echo hands its arguments back as V8 converted them, and records them as received', () => {
  const many = ['i32', 'i64', 'f32', 'f64'].flatMap((t) => [t, t, t, t, t]); // 20
  const hosts = [
    ['e1', ['i64', 'f32'], ['i64', 'f32']],
    ['ef32', ['f32'], ['f32']],
    ['ef64', ['f64'], ['f64']],
    ['eref', ['externref', 'funcref'], ['externref', 'funcref']],
    ['e20', many, many],
    ['none', [], []],
  ];
  const args20 = many.map((t, k) => ({
    i32: { i32: `0x${(0x80000000 + k).toString(16)}` },
    i64: { i64: `0x80000000000000${(k + 16).toString(16)}` },
    f32: { f32: `0x7fa000${(k + 16).toString(16)}` },
    f64: { f64: `0x7ff40000000000${(k + 16).toString(16)}` },
  })[t]);
  const { responses } = exchange([
    { op: 'configure', features: [] },
    ...hosts.map(([n, p, r]) => define(n, p, r, 'echo')),
    { op: 'compile', module: 0, bytes: b64(hostUser(hosts)) },
    { op: 'instantiate', module: 0, instance: 0 },
    call('e1', { i64: '0x8000000000000001' }, { f32: '0x7fa00001' }), // 9
    call('ef32', { f32: '0xffc00001' }),
    call('ef32', { f32: '0x80000000' }),
    call('ef64', { f64: '0x7ff4000000000001' }),
    call('ef64', { f64: '0xfff8000000000001' }),
    call('eref', { ref: { heap: 'extern', host: 7 } }, { ref: { heap: 'func', null: true } }),
    call('eref', { ref: { heap: 'extern', null: true } }, { ref: { heap: 'func', null: true } }),
    call('e20', ...args20),
    call('none'),
    calls('e1'), calls('ef64'), calls('eref'), calls('e20'), calls('none'), // 18
  ]);
  assert.deepStrictEqual(responses.slice(0, 9), Array(9).fill(DONE));
  // An f32 signalling NaN is quieted on its way into JS (f32 -> f64), on every version.
  assert.deepStrictEqual(responses[9], vals({ i64: '0x8000000000000001' }, { f32: '0x7fe00001' }));
  assert.deepStrictEqual(responses[10], vals({ f32: '0xffc00001' }));
  assert.deepStrictEqual(responses[11], vals({ f32: '0x80000000' }));
  // An f64 signalling NaN reaches JS intact; V8 12 and 13 quiet it on the way
  // back while the import still runs through the generic wasm-to-JS wrapper
  // (its first 1000 calls, README.md).
  assert.deepStrictEqual(responses[12], vals({ f64: V8_MAJOR >= 12 ? '0x7ffc000000000001' : '0x7ff4000000000001' }));
  assert.deepStrictEqual(responses[13], vals({ f64: '0xfff8000000000001' }));
  assert.deepStrictEqual(responses[14], vals({ ref: { heap: 'extern', null: false, host: 7 } }, { ref: { heap: 'func', null: true } }));
  assert.deepStrictEqual(responses[15], vals({ ref: { heap: 'extern', null: true } }, { ref: { heap: 'func', null: true } }));
  const quiet = (v) => {
    if (v.f32) return { f32: '0x7fe' + v.f32.slice(5) };
    if (v.f64 && V8_MAJOR >= 12) return { f64: '0x7ffc' + v.f64.slice(6) };
    return v;
  };
  assert.deepStrictEqual(responses[16], vals(...args20.map(quiet)));
  assert.deepStrictEqual(responses[17], vals());
  assert.deepStrictEqual(responses[18], { ok: { calls: [[{ i64: '0x8000000000000001' }, { f32: '0x7fe00001' }]] } });
  assert.deepStrictEqual(responses[19], { ok: { calls: [[{ f64: '0x7ff4000000000001' }], [{ f64: '0xfff8000000000001' }]] } });
  assert.deepStrictEqual(responses[20], { ok: { calls: [
    [{ ref: { heap: 'extern', null: false, host: 7 } }, { ref: { heap: 'func', null: true } }],
    [{ ref: { heap: 'extern', null: true } }, { ref: { heap: 'func', null: true } }],
  ] } });
  assert.deepStrictEqual(responses[21], { ok: { calls: [args20.map((v) => (v.f32 ? quiet(v) : v))] } });
  assert.deepStrictEqual(responses[22], { ok: { calls: [[]] } });
});

test('echo of a non-null funcref hands back the function it received', () => {
  // roundtrip: echo `ref.func 2` into a table, call_indirect it (42).
  const m = mod({
    imports: [{ kind: 'func', module: 'env', name: 'fn', params: [FUNCREF], results: [FUNCREF] }],
    funcs: [
      { results: [I32], code: [0x41, 0, 0xd2, 2, 0x10, 0, 0x26, 0, 0x41, 0, 0x11, 0, 0], export: 'roundtrip' },
      { results: [I32], code: [0x41, 42] },
      { results: [FUNCREF], code: [0xd2, 2, 0x10, 0], export: 'ref' },
    ],
    tables: [[0x70, 0x00, 1]],
    elems: [[0x03, 0x00, ...w.vec([[2]])]],
    types: [w.funcType([], [I32])],
  });
  const { responses } = exchange([
    { op: 'configure', features: [] },
    define('fn', ['funcref'], ['funcref'], 'echo'),
    { op: 'compile', module: 0, bytes: b64(m) },
    { op: 'instantiate', module: 0, instance: 0 },
    call('roundtrip'),
    call('ref'),
    calls('fn'),
  ]);
  assert.deepStrictEqual(responses.slice(0, 4), [DONE, DONE, DONE, DONE]);
  assert.deepStrictEqual(responses[4], vals({ i32: '0x0000002a' }));
  assert.deepStrictEqual(responses[5], vals({ ref: { heap: 'func', null: false } }));
  assert.deepStrictEqual(responses[6], { ok: { calls: [[{ ref: { heap: 'func', null: false } }], [{ ref: { heap: 'func', null: false } }]] } });
});

test('add sums in the host: wrapping integers, JS addition for f64, fround of the f64 sum for f32', () => {
  const hosts = [
    ['i32', ['i32', 'i32', 'i32'], ['i32']],
    ['i64', ['i64', 'i64'], ['i64']],
    ['f32', ['f32', 'f32'], ['f32']],
    ['f32x3', ['f32', 'f32', 'f32'], ['f32']],
    ['f64', ['f64', 'f64'], ['f64']],
    ['one', ['f64'], ['f64']],
    ['zero', [], ['i64']],
  ];
  const { responses } = exchange([
    { op: 'configure', features: [] },
    ...hosts.map(([n, p, r]) => define(n, p, r, 'add')),
    { op: 'compile', module: 0, bytes: b64(hostUser(hosts)) },
    { op: 'instantiate', module: 0, instance: 0 },
    call('i32', { i32: '0x7fffffff' }, { i32: '0x00000001' }, { i32: '0x00000005' }), // 10
    call('i64', { i64: '0x7fffffffffffffff' }, { i64: '0x0000000000000002' }),
    call('f32', { f32: '0x3f800000' }, { f32: '0x33800000' }), // 1 + 2^-24: a tie, to even
    // 1 + 2^-24 + 2^-24: one rounding of the f64 sum (1 + 2^-23), not two f32 additions (1).
    call('f32x3', { f32: '0x3f800000' }, { f32: '0x33800000' }, { f32: '0x33800000' }),
    call('f64', { f64: '0x3ff0000000000000' }, { f64: '0x3ca0000000000000' }), // 1 + 2^-53: 1
    call('f64', { f64: '0x7ff4000000000001' }, { f64: '0x3ff0000000000000' }), // sNaN + 1: quiet
    call('one', { f64: '0x8000000000000000' }), // -0 alone stays -0
    call('zero'),
    calls('i32'),
  ]);
  assert.deepStrictEqual(responses.slice(0, 10), Array(10).fill(DONE));
  assert.deepStrictEqual(responses[10], vals({ i32: '0x80000005' }));
  assert.deepStrictEqual(responses[11], vals({ i64: '0x8000000000000001' }));
  assert.deepStrictEqual(responses[12], vals({ f32: '0x3f800000' }));
  assert.deepStrictEqual(responses[13], vals({ f32: '0x3f800001' }));
  assert.deepStrictEqual(responses[14], vals({ f64: '0x3ff0000000000000' }));
  assert.deepStrictEqual(responses[15], vals({ f64: '0x7ffc000000000001' }));
  assert.deepStrictEqual(responses[16], vals({ f64: '0x8000000000000000' }));
  assert.deepStrictEqual(responses[17], vals({ i64: '0x0000000000000000' }));
  assert.deepStrictEqual(responses[18], { ok: { calls: [[{ i32: '0x7fffffff' }, { i32: '0x00000001' }, { i32: '0x00000005' }]] } });
});

test('combine folds the argument bits as received into one i64', () => {
  const hosts = [['c', ['i32', 'i64', 'f32', 'f64'], ['i64']], ['c0', [], ['i64']]];
  const args = [{ i32: '0xffffffff' }, { i64: '0x8000000000000001' }, { f32: '0x7fa00001' }, { f64: '0x7ff4000000000001' }];
  const { responses } = exchange([
    { op: 'configure', features: [] },
    ...hosts.map(([n, p, r]) => define(n, p, r, 'combine')),
    { op: 'compile', module: 0, bytes: b64(hostUser(hosts)) },
    { op: 'instantiate', module: 0, instance: 0 },
    call('c', ...args),
    call('c0'),
    calls('c'),
  ]);
  assert.deepStrictEqual(responses.slice(0, 5), Array(5).fill(DONE));
  // The f32 signalling NaN arrives quieted (0x7fe00001): that is what is folded.
  const mask = (1n << 64n) - 1n;
  const h = [0xffffffffn, 0x8000000000000001n, 0x7fe00001n, 0x7ff4000000000001n]
    .reduce((acc, b) => ((((acc << 7n) | (acc >> 57n)) & mask) ^ b), 0n);
  assert.deepStrictEqual(responses[5], vals({ i64: `0x${h.toString(16).padStart(16, '0')}` }));
  assert.deepStrictEqual(responses[5], vals({ i64: '0x7febffc00fe06081' }));
  assert.deepStrictEqual(responses[6], vals({ i64: '0x0000000000000000' }));
  assert.deepStrictEqual(responses[7], { ok: { calls: [[args[0], args[1], { f32: '0x7fe00001' }, args[3]]] } });
});

test('a signature a computation cannot have is `other` at define time; trap still wins', () => {
  const { responses } = exchange([
    { op: 'configure', features: [] },
    define('a', ['i32', 'f32'], ['i32'], 'add'),
    define('a', ['i32', 'i32'], ['i32', 'i32'], 'add'),
    define('a', ['externref'], ['externref'], 'add'),
    define('c', ['i32'], ['i32'], 'combine'),
    define('c', ['funcref'], ['i64'], 'combine'),
    define('e', ['i32'], ['i64'], 'echo'),
    define('e', ['i32', 'i32'], ['i32'], 'echo'),
    define('x', [], [], 'teleport'),
    { op: 'define-host', module: 'env', name: 't', params: ['i32'], results: ['i32'], computes: 'echo', trap: 'no' },
    { op: 'compile', module: 0, bytes: b64(hostUser([['t', ['i32'], ['i32']]])) },
    { op: 'instantiate', module: 0, instance: 0 },
    call('t', { i32: '0x00000001' }),
    calls('t'),
  ]);
  for (const r of responses.slice(1, 9)) assert.strictEqual(r.err.kind, 'other', JSON.stringify(r));
  assert.match(responses[1].err.message, /`add`.*\(i32 f32\) -> \(i32\)/);
  assert.match(responses[4].err.message, /`combine`/);
  assert.match(responses[6].err.message, /`echo`/);
  assert.deepStrictEqual(responses.slice(9, 12), [DONE, DONE, DONE]);
  assert.deepStrictEqual(responses[12].err, { kind: 'trap', trap: 'host-error', message: 'no' });
  assert.deepStrictEqual(responses[13], { ok: { calls: [[{ i32: '0x00000001' }]] } });
});

test('returns host functions take and give references; a mismatch is left to V8', () => {
  const hosts = [
    ['x', ['externref', 'i32', 'funcref'], ['externref', 'f64', 'funcref']],
    ['loose', [], ['externref']],
    ['fn', [], ['funcref']],
  ];
  const { responses } = exchange([
    { op: 'configure', features: [] },
    { op: 'define-host', module: 'env', name: 'x', params: hosts[0][1], results: hosts[0][2],
      returns: [{ ref: { heap: 'extern', host: 3 } }, { f64: '0x7ff4000000000001' }, { ref: { heap: 'func', null: true } }] },
    { op: 'define-host', module: 'env', name: 'loose', results: ['externref'], returns: [{ i32: '0x00000005' }] },
    { op: 'define-host', module: 'env', name: 'fn', results: ['funcref'], returns: [{ ref: { heap: 'extern', host: 1 } }] },
    { op: 'define-host', module: 'env', name: 'bad', results: ['funcref'], returns: [{ ref: { heap: 'func' } }] },
    { op: 'compile', module: 0, bytes: b64(hostUser(hosts)) },
    { op: 'instantiate', module: 0, instance: 0 },
    call('x', { ref: { heap: 'extern', host: 9 } }, { i32: '0xfffffffe' }, { ref: { heap: 'func', null: true } }), // 7
    calls('x'),
    call('loose'),
    call('fn'),
  ]);
  assert.deepStrictEqual(responses.slice(0, 4), [DONE, DONE, DONE, DONE]);
  assert.strictEqual(responses[4].err.kind, 'unsupported');
  // Exact: numbers' bits through memory (the f64 signalling NaN survives).
  assert.deepStrictEqual(responses[7], vals({ ref: { heap: 'extern', null: false, host: 3 } }, { f64: '0x7ff4000000000001' }, { ref: { heap: 'func', null: true } }));
  assert.deepStrictEqual(responses[8], { ok: { calls: [[{ ref: { heap: 'extern', null: false, host: 9 } }, { i32: '0xfffffffe' }, { ref: { heap: 'func', null: true } }]] } });
  // A JS number is a fine externref; a host object is no funcref.
  assert.deepStrictEqual(responses[9], vals({ ref: { heap: 'extern', null: false } }));
  assert.strictEqual(responses[10].err.kind, 'other');
});

test('resolve-imports: V8 asks the import object for the name, answered with the exports of the instance', () => {
  const prov = mod({ funcs: [{ results: [I32], code: [0x41, 7], export: 'f' }], globals: [[0x7f, 0, 0x41, 42, 0x0b]], exports: [w.exportEntry('g', 3, 0)] });
  const other = mod({ funcs: [{ results: [I32], code: [0x41, 9], export: 'f' }] });
  const user = mod({
    imports: [{ kind: 'func', module: 'r', name: 'f', params: [], results: [I32] }, { kind: 'global', module: 'r', name: 'g', type: I32, mutable: false }],
    funcs: [{ results: [I32], code: [0x10, 0, 0x23, 0, 0x6a], export: 'sum' }],
  });
  const missing = mod({ imports: [{ kind: 'func', module: 'r', name: 'nope', params: [], results: [I32] }] });
  const { responses } = exchange([
    { op: 'configure', features: [] },
    { op: 'compile', module: 0, bytes: b64(prov) },
    { op: 'compile', module: 1, bytes: b64(other) },
    { op: 'compile', module: 2, bytes: b64(user) },
    { op: 'compile', module: 3, bytes: b64(missing) },
    { op: 'instantiate', module: 0, instance: 0 },
    { op: 'instantiate', module: 1, instance: 1 },
    { op: 'register', instance: 1, name: 'r' },
    { op: 'resolve-imports', name: 'r', instance: 0 },
    { op: 'instantiate', module: 2, instance: 2 }, // 9
    { op: 'invoke', instance: 2, export: 'sum', args: [] },
    { op: 'instantiate', module: 3, instance: 3 },
    { op: 'resolve-imports', name: 'q', instance: 99 },
    { op: 'drop-store' },
    { op: 'instantiate', module: 2, instance: 2 },
  ]);
  assert.deepStrictEqual(responses.slice(0, 10), Array(10).fill(DONE));
  // The resolver answers `r`, not the registration: 7 + 42.
  assert.deepStrictEqual(responses[10], vals({ i32: '0x00000031' }));
  // A field the exports lack: V8's own link error.
  assert.strictEqual(responses[11].err.kind, 'unlinkable');
  assert.match(responses[11].err.message, /nope/);
  assert.strictEqual(responses[12].err.kind, 'not-found');
  // drop-store forgets resolvers with the store.
  assert.deepStrictEqual(responses[13], DONE);
  assert.strictEqual(responses[14].err.kind, 'unlinkable');
});

test('an instance whose instantiation failed is `unsupported`: the JS API returns none', () => {
  const trapStart = mod({ funcs: [{ code: [0x00] }], start: 0, memory: [0, 1], exports: [w.exportEntry('mem', 2, 0)] });
  const unknown = mod({ imports: [{ kind: 'func', module: 'nowhere', name: 'f', params: [], results: [] }] });
  const { responses } = exchange([
    { op: 'configure', features: [] },
    { op: 'compile', module: 0, bytes: b64(trapStart) },
    { op: 'compile', module: 1, bytes: b64(unknown) },
    { op: 'instantiate', module: 0, instance: 5 },
    { op: 'invoke', instance: 5, export: 'x', args: [] },
    { op: 'get-global', instance: 5, export: 'g' },
    { op: 'memory-size', instance: 5, export: 'mem' },
    { op: 'grow-memory', instance: 5, export: 'mem', delta: 1 },
    { op: 'register', instance: 5, name: 'z' },
    { op: 'resolve-imports', name: 'z', instance: 5 },
    { op: 'drop-instance', instance: 5 },
    { op: 'instantiate', module: 1, instance: 6 },
    { op: 'invoke', instance: 6, export: 'x', args: [] },
    { op: 'invoke', instance: 7, export: 'x', args: [] },
  ]);
  assert.deepStrictEqual(responses[3].err.trap, 'unreachable');
  for (const r of [...responses.slice(4, 11), responses[12]]) {
    assert.strictEqual(r.err.kind, 'unsupported');
    assert.match(r.err.message, /instantiation failed.*returns no instance on failure/);
  }
  assert.strictEqual(responses[11].err.kind, 'unlinkable');
  assert.deepStrictEqual(responses[13].err, { kind: 'not-found', message: 'no instance 7' });
});

test('an f64 signalling NaN echoed: V8 12/13 quiet it until the import wrapper tiers up', () => {
  const hosts = [['ef64', ['f64'], ['f64']]];
  const nan = { f64: '0x7ff4000000000001' };
  const { responses } = exchange([
    { op: 'configure', features: [] },
    define('ef64', ['f64'], ['f64'], 'echo'),
    { op: 'compile', module: 0, bytes: b64(hostUser(hosts)) },
    { op: 'instantiate', module: 0, instance: 0 },
    ...Array.from({ length: 1001 }, () => call('ef64', nan)),
  ]);
  const got = responses.slice(4).map((r) => r.ok.values[0].f64);
  const quieted = got.filter((b) => b === '0x7ffc000000000001').length;
  assert.strictEqual(quieted + got.filter((b) => b === nan.f64).length, 1001);
  // The generic wasm-to-JS wrapper (first 1000 calls of an import) quiets it
  // on the way back; the compiled one (and every call in V8 10 and 11) does not.
  assert.strictEqual(quieted, V8_MAJOR >= 12 ? 1000 : 0);
  assert.strictEqual(got[1000], nan.f64);
});
