// Telling apart traps V8 reports with one message for two spec traps.
//
// V8 says "null function or function signature mismatch" for a call_indirect
// of a null entry and of an entry of another type, and "float unrepresentable
// in integer range" for a float-to-int truncation of NaN and of an
// out-of-range value. To know which happened (by observation, not a guess),
// the adapter instantiates an instrumented copy of such a module: every
// `call_indirect T X` becomes a call of an appended helper that records in an
// appended, exported i32 global (CAUSE) whether the table entry is null
// (1) or not (2) and then does the same `call_indirect` (resetting CAUSE to 0
// when the call returns); every `iN.trunc_fM_*` becomes a call of a helper
// that records NaN (3) or not (4), truncates, and resets CAUSE; every
// `table.init` one that records 5 around it (V8 12+ says "element segment out
// of bounds" for table.init and for GC array.*_elem alike). Function,
// type and global indices of the original module are unchanged (everything is
// appended). After an ambiguous trap the adapter reads CAUSE of the store's
// instances. Modules the decoder cannot walk are instantiated as they are
// (the trap then stays `other`). `return_call_indirect` is not rewritten
// (that would break its tail-call semantics).
'use strict';

const w = require('./wasmbin');

const CAUSE = '\u0000wasm-compat-cause';

// Immediates of one instruction after `op` (the reader sits after it).
function skipBlockType(r) {
  const b = r.b[r.pos];
  if (b === 0x40) { r.pos++; return; }
  if ((b >= 0x69 && b <= 0x7f) || b === 0x63 || b === 0x64) { w.valType(r); return; }
  r.s33();
}
function skipHeap(r) {
  const b = r.b[r.pos];
  if ((b >= 0x69 && b <= 0x74)) { r.pos++; return; }
  r.s33();
}
function memarg(r) {
  const align = r.u32();
  if (align & 0x40) r.u32();
  r.s33(); // offset (u64 LEB: same shape)
}

const NO_IMM = new Set([0x00, 0x01, 0x05, 0x0a, 0x0b, 0x0f, 0x19, 0x1a, 0x1b, 0xd1, 0xd3, 0xd4]);
const TRUNC = { 0xa8: ['f32', 'i32'], 0xa9: ['f32', 'i32'], 0xaa: ['f64', 'i32'], 0xab: ['f64', 'i32'],
  0xae: ['f32', 'i64'], 0xaf: ['f32', 'i64'], 0xb0: ['f64', 'i64'], 0xb1: ['f64', 'i64'] };
const VT = { i32: 0x7f, i64: 0x7e, f32: 0x7d, f64: 0x7c };

// walk calls visit(op, start, r) for every instruction of a body (after locals).
function walk(r, visit) {
  while (r.pos < r.end) {
    const start = r.pos;
    const op = r.byte();
    if (NO_IMM.has(op) || (op >= 0x45 && op <= 0xc4)) { visit(op, start); continue; }
    switch (op) {
      case 0x02: case 0x03: case 0x04: case 0x06: skipBlockType(r); break;
      case 0x07: case 0x08: case 0x09: case 0x18: case 0x0c: case 0x0d: case 0x10: case 0x12:
      case 0x14: case 0x15: case 0x20: case 0x21: case 0x22: case 0x23: case 0x24: case 0x25:
      case 0x26: case 0x3f: case 0x40: case 0xd2: case 0xd5: case 0xd6:
        r.u32(); break;
      case 0x0e: for (let n = r.u32(); n >= 0; n--) r.u32(); break;
      case 0x11: case 0x13: r.u32(); r.u32(); break;
      case 0x1c: for (let n = r.u32(); n > 0; n--) w.valType(r); break;
      case 0x1f: skipBlockType(r); for (let n = r.u32(); n > 0; n--) { const k = r.byte(); if (k < 2) r.u32(); r.u32(); } break;
      case 0x41: case 0x42: r.s33(); break;
      case 0x43: r.skip(4); break;
      case 0x44: r.skip(8); break;
      case 0xd0: skipHeap(r); break;
      case 0xfb: {
        const s = r.u32();
        if ([0, 1, 6, 7, 11, 12, 13, 14, 16].includes(s)) r.u32();
        else if ([2, 3, 4, 5, 8, 9, 10, 17, 18, 19].includes(s)) { r.u32(); r.u32(); }
        else if (s >= 20 && s <= 23) skipHeap(r);
        else if (s === 24 || s === 25) { r.byte(); r.u32(); skipHeap(r); skipHeap(r); }
        else if (s === 15 || (s >= 26 && s <= 30)) { /* none */ }
        else throw new Error(`unknown 0xfb ${s}`);
        break;
      }
      case 0xfc: {
        const s = r.u32();
        if (s <= 7 || (s >= 19 && s <= 22)) { /* none */ }
        else if (s === 8 || s === 10 || s === 12 || s === 14) { r.u32(); r.u32(); }
        else if (s === 9 || s === 11 || s === 13 || (s >= 15 && s <= 17)) r.u32();
        else throw new Error(`unknown 0xfc ${s}`);
        break;
      }
      case 0xfd: {
        const s = r.u32();
        if (s <= 11 || s === 92 || s === 93) memarg(r);
        else if (s === 12 || s === 13) r.skip(16);
        else if (s >= 21 && s <= 34) r.byte();
        else if (s >= 84 && s <= 91) { memarg(r); r.byte(); }
        break;
      }
      case 0xfe: {
        const s = r.u32();
        if (s === 3) r.byte();
        else memarg(r);
        break;
      }
      default:
        if (op >= 0x28 && op <= 0x3e) { memarg(r); break; }
        throw new Error(`unknown opcode 0x${op.toString(16)}`);
    }
    visit(op, start);
  }
}

// instrument returns the instrumented binary, or null when there is nothing
// to instrument. Throws when the module cannot be walked.
function instrument(bytes, shape) {
  const r = new w.Reader(bytes, 8);
  const sections = [];
  while (r.pos < bytes.length) {
    const id = r.byte();
    const size = r.u32();
    sections.push({ id, start: r.pos, end: r.pos + size });
    r.pos += size;
  }
  const code = sections.find((s) => s.id === 10);
  if (!code) return null;
  const nTypes = shape.types.length;
  const nFuncs = shape.funcs.length;
  const cause = shape.globals.length;
  const helpers = new Map(); // key -> {index, type: bytes, body: bytes}
  const newTypes = [];
  const helper = (key, type, body) => {
    let h = helpers.get(key);
    if (!h) {
      newTypes.push(type);
      h = { index: nFuncs + helpers.size, typeIndex: nTypes + newTypes.length - 1, body };
      helpers.set(key, h);
    }
    return h.index;
  };
  const setCause = (n) => [0x41, n, 0x24, ...w.uleb(cause)];
  const cr = new w.Reader(bytes, code.start, code.end);
  const count = cr.u32();
  const bodies = [];
  let changed = false;
  for (let i = 0; i < count; i++) {
    const size = cr.u32();
    const end = cr.pos + size;
    const br = new w.Reader(bytes, cr.pos, end);
    for (let n = br.u32(); n > 0; n--) { br.u32(); w.valType(br); }
    const out = Array.from(bytes.subarray(cr.pos, br.pos));
    let copied = br.pos;
    walk(br, (op, start) => {
      let idx = null;
      if (op === 0x11) {
        const ir = new w.Reader(bytes, start + 1, end);
        const t = ir.u32();
        const table = ir.u32();
        const ft = shape.types[t];
        if (!ft || ft.form !== 'func') throw new Error('call_indirect of a type the adapter cannot read');
        const np = ft.params.length;
        const body = [
          0x20, ...w.uleb(np), 0xfc, 16, ...w.uleb(table), 0x49, 0x04, 0x40,
          0x20, ...w.uleb(np), 0x25, ...w.uleb(table), 0xd1, 0x04, 0x40, ...setCause(1), 0x05, ...setCause(2), 0x0b,
          0x0b,
        ];
        for (let p = 0; p < np; p++) body.push(0x20, ...w.uleb(p));
        body.push(0x20, ...w.uleb(np), 0x11, ...w.uleb(t), ...w.uleb(table), ...setCause(0), 0x0b);
        idx = helper(`ci:${t}:${table}`, w.funcType([...ft.params.map((p) => p.bytes), [0x7f]], ft.results.map((p) => p.bytes)), body);
      } else if (TRUNC[op]) {
        const [from, to] = TRUNC[op];
        const ne = from === 'f32' ? 0x5c : 0x62;
        const body = [0x20, 0, 0x20, 0, ne, 0x04, 0x40, ...setCause(3), 0x05, ...setCause(4), 0x0b,
          0x20, 0, op, ...setCause(0), 0x0b];
        idx = helper(`tr:${op}`, w.funcType([[VT[from]]], [[VT[to]]]), body);
      }
      else if (op === 0xfc) {
        const ir = new w.Reader(bytes, start + 1, end);
        if (ir.u32() === 12) { // table.init elem table
          const elem = ir.u32();
          const table = ir.u32();
          const body = [...setCause(5), 0x20, 0, 0x20, 1, 0x20, 2, 0xfc, 12, ...w.uleb(elem), ...w.uleb(table), ...setCause(0), 0x0b];
          idx = helper(`ti:${elem}:${table}`, w.funcType([[0x7f], [0x7f], [0x7f]], []), body);
        }
      }
      if (idx === null) return;
      out.push(...bytes.subarray(copied, start), 0x10, ...w.uleb(idx));
      copied = br.pos;
      changed = true;
    });
    out.push(...bytes.subarray(copied, end));
    bodies.push(out);
    cr.pos = end;
  }
  if (!changed) return null;
  const hs = [...helpers.values()];
  const raw = (s) => Array.from(bytes.subarray(s.start, s.end));
  const vecAppend = (s, items) => {
    if (!s) return w.vec(items);
    const rr = new w.Reader(bytes, s.start, s.end);
    const n = rr.u32();
    const rest = Array.from(bytes.subarray(rr.pos, s.end));
    for (const it of items) rest.push(...it);
    return [...w.uleb(n + items.length), ...rest];
  };
  const get = (id) => sections.find((s) => s.id === id);
  const replaced = new Map([
    [1, vecAppend(get(1), newTypes)],
    [3, vecAppend(get(3), hs.map((h) => w.uleb(h.typeIndex)))],
    [6, vecAppend(get(6), [[0x7f, 1, 0x41, 0, 0x0b]])],
    [7, vecAppend(get(7), [w.exportEntry(CAUSE, 3, cause)])],
    [10, w.vec([...bodies.map((b) => [...w.uleb(b.length), ...b]), ...hs.map((h) => w.body([], h.body))])],
  ]);
  // Canonical order of the known sections; custom sections (0) stay where they were.
  const ORDER = [1, 2, 3, 4, 5, 13, 6, 7, 8, 9, 12, 10, 11];
  const out = [];
  const emitted = new Set();
  const emitUpTo = (id) => {
    for (const o of ORDER) {
      if (o === id) break;
      if (!emitted.has(o) && replaced.has(o) && !get(o)) { out.push([o, replaced.get(o)]); emitted.add(o); }
    }
  };
  for (const s of sections) {
    if (s.id !== 0) emitUpTo(s.id);
    out.push([s.id, replaced.has(s.id) ? replaced.get(s.id) : raw(s)]);
    emitted.add(s.id);
  }
  emitUpTo(-1);
  return w.encodeModule(out);
}

module.exports = { instrument, CAUSE };
