// Minimal WebAssembly binary reading and writing: reads what the adapter needs
// to know about a module (function types, imports, functions, globals,
// exports), and encodes the small modules it makes itself (wrappers, host
// shims, spectest, feature probes).
'use strict';

// ---------------------------------------------------------------- encoding

function uleb(n) {
  let v = BigInt(n);
  const out = [];
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v !== 0n) b |= 0x80;
    out.push(b);
  } while (v !== 0n);
  return out;
}

function sleb(n) {
  let v = BigInt(n);
  const out = [];
  for (;;) {
    const b = Number(v & 0x7fn);
    v >>= 7n;
    if ((v === 0n && (b & 0x40) === 0) || (v === -1n && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

function str(s) {
  const bytes = Buffer.from(s, 'utf8');
  return [...uleb(bytes.length), ...bytes];
}

function vec(items) {
  const out = uleb(items.length);
  for (const it of items) out.push(...it);
  return out;
}

function section(id, payload) {
  return [id, ...uleb(payload.length), ...payload];
}

// encodeModule assembles sections (each a [id, payload bytes] pair, in order).
function encodeModule(sections) {
  const out = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
  for (const [id, payload] of sections) out.push(...section(id, payload));
  return Uint8Array.from(out);
}

function funcType(params, results) {
  const out = [0x60, ...uleb(params.length)];
  for (const p of params) out.push(...p);
  out.push(...uleb(results.length));
  for (const r of results) out.push(...r);
  return out;
}

// body encodes a function body: locals as [[count, type bytes]...], code bytes (end included).
function body(locals, code) {
  const l = [...uleb(locals.length)];
  for (const [n, t] of locals) l.push(...uleb(n), ...t);
  const all = [...l, ...code];
  return [...uleb(all.length), ...all];
}

const EXTERN = { func: 0, table: 1, memory: 2, global: 3, tag: 4 };

function exportEntry(name, kind, index) {
  return [...str(name), kind, ...uleb(index)];
}

// ---------------------------------------------------------------- reading

class Reader {
  constructor(bytes, pos = 0, end = bytes.length) {
    this.b = bytes;
    this.pos = pos;
    this.end = end;
  }
  byte() {
    if (this.pos >= this.end) throw new Error('unexpected end of module');
    return this.b[this.pos++];
  }
  u32() {
    let result = 0;
    let shift = 0;
    for (;;) {
      const b = this.byte();
      result += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return result;
      shift += 7;
      if (shift > 63) throw new Error('LEB too long');
    }
  }
  s33() {
    let result = 0n;
    let shift = 0n;
    let b;
    do {
      b = this.byte();
      result |= BigInt(b & 0x7f) << shift;
      shift += 7n;
    } while (b & 0x80);
    if (b & 0x40) result -= 1n << shift;
    return result;
  }
  skip(n) {
    if (this.pos + n > this.end) throw new Error('unexpected end of module');
    this.pos += n;
  }
  name() {
    const n = this.u32();
    const s = Buffer.from(this.b.buffer, this.b.byteOffset + this.pos, n).toString('utf8');
    this.skip(n);
    return s;
  }
}

const ABSTRACT_HEAP = {
  0x70: 'func', 0x6f: 'extern', 0x6e: 'any', 0x6d: 'eq', 0x6c: 'i31', 0x6b: 'struct',
  0x6a: 'array', 0x69: 'exn', 0x74: 'noexn', 0x73: 'nofunc', 0x72: 'noextern', 0x71: 'none',
};
const NUMERIC = { 0x7f: 'i32', 0x7e: 'i64', 0x7d: 'f32', 0x7c: 'f64', 0x7b: 'v128' };

// heapType reads a heap type: {abstract: name} or {index: n}.
function heapType(r) {
  const b = r.b[r.pos];
  if (ABSTRACT_HEAP[b] !== undefined) {
    r.pos++;
    return { abstract: ABSTRACT_HEAP[b] };
  }
  if (b === 0x62) throw new Error('exact heap types are not supported by the adapter');
  const idx = r.s33();
  if (idx < 0n) throw new Error(`unknown heap type ${idx}`);
  return { index: Number(idx) };
}

// valType reads a value type: {kind: 'i32'|...|'v128'} or
// {kind: 'ref', nullable, heap: {abstract}|{index}}; `bytes` holds its encoding.
function valType(r) {
  const start = r.pos;
  const b = r.byte();
  let t;
  if (NUMERIC[b]) t = { kind: NUMERIC[b] };
  else if (ABSTRACT_HEAP[b]) t = { kind: 'ref', nullable: true, heap: { abstract: ABSTRACT_HEAP[b] } };
  else if (b === 0x63 || b === 0x64) t = { kind: 'ref', nullable: b === 0x63, heap: heapType(r) };
  else throw new Error(`unknown value type 0x${b.toString(16)}`);
  t.bytes = Array.from(r.b.subarray(start, r.pos));
  return t;
}

function storageType(r) {
  const b = r.b[r.pos];
  if (b === 0x78 || b === 0x77) {
    r.pos++;
    return { kind: b === 0x78 ? 'i8' : 'i16' };
  }
  return valType(r);
}

function compType(r) {
  const form = r.byte();
  if (form === 0x60) {
    const params = [];
    for (let n = r.u32(); n > 0; n--) params.push(valType(r));
    const results = [];
    for (let n = r.u32(); n > 0; n--) results.push(valType(r));
    return { form: 'func', params, results };
  }
  if (form === 0x5f) {
    for (let n = r.u32(); n > 0; n--) { storageType(r); r.byte(); }
    return { form: 'struct' };
  }
  if (form === 0x5e) {
    storageType(r); r.byte();
    return { form: 'array' };
  }
  throw new Error(`unknown composite type 0x${form.toString(16)}`);
}

function subType(r) {
  const b = r.b[r.pos];
  if (b === 0x50 || b === 0x4f) {
    r.pos++;
    for (let n = r.u32(); n > 0; n--) r.u32();
  }
  return compType(r);
}

function limits(r, isMemory) {
  const flags = r.byte();
  const wide = (flags & 0x04) !== 0;
  const read = () => (wide ? Number(readU64(r)) : r.u32());
  const min = read();
  const max = flags & 0x01 ? read() : undefined;
  if (isMemory && flags & 0x08) r.u32();
  return { flags, min, max, shared: (flags & 0x02) !== 0, wide };
}

function readU64(r) {
  let result = 0n;
  let shift = 0n;
  for (;;) {
    const b = r.byte();
    result |= BigInt(b & 0x7f) << shift;
    if ((b & 0x80) === 0) return result;
    shift += 7n;
  }
}

// constExpr skips a constant expression up to and including its `end`.
function constExpr(r) {
  for (;;) {
    const op = r.byte();
    switch (op) {
      case 0x0b: return;
      case 0x41: r.s33(); break; // i32.const
      case 0x42: r.s33(); break; // i64.const (s64: same LEB shape)
      case 0x43: r.skip(4); break;
      case 0x44: r.skip(8); break;
      case 0x23: r.u32(); break; // global.get
      case 0xd0: heapType(r); break; // ref.null
      case 0xd2: r.u32(); break; // ref.func
      case 0x6a: case 0x6b: case 0x6c: case 0x7c: case 0x7d: case 0x7e: break;
      case 0xfd: { // v128.const
        const sub = r.u32();
        if (sub !== 12) throw new Error(`unknown constant instruction 0xfd ${sub}`);
        r.skip(16);
        break;
      }
      case 0xfb: {
        const sub = r.u32();
        if (sub === 0 || sub === 1 || sub === 6 || sub === 7) r.u32();
        else if (sub === 8 || sub === 9 || sub === 10) { r.u32(); r.u32(); }
        else if (sub === 0x1c || sub === 0x1a || sub === 0x1b) { /* ref.i31, any/extern convert */ }
        else throw new Error(`unknown constant instruction 0xfb ${sub}`);
        break;
      }
      default:
        throw new Error(`unknown constant instruction 0x${op.toString(16)}`);
    }
  }
}

// readShape reads the type, import, function, global and export sections.
// Returns {types, typeSection: {count, entries: Uint8Array} | null, funcs:
// [typeIndex], globals: [{type, mutable}], imports, exports: Map name ->
// {kind, index}}. Throws on anything it cannot read.
function readShape(bytes) {
  const r = new Reader(bytes);
  if (bytes.length < 8) throw new Error('module too short');
  r.pos = 8;
  const shape = { types: [], typeSection: null, funcs: [], globals: [], imports: [], exports: new Map() };
  while (r.pos < bytes.length) {
    const id = r.byte();
    const size = r.u32();
    const start = r.pos;
    const end = start + size;
    const s = new Reader(bytes, start, end);
    switch (id) {
      case 1: {
        const count = s.u32();
        const entriesStart = s.pos;
        let n = 0;
        for (let i = 0; i < count; i++) {
          if (s.b[s.pos] === 0x4e) {
            s.pos++;
            for (let k = s.u32(); k > 0; k--) shape.types.push(subType(s));
          } else {
            shape.types.push(subType(s));
          }
          n++;
        }
        shape.typeSection = { count: n, entries: bytes.slice(entriesStart, end) };
        break;
      }
      case 2:
        for (let n = s.u32(); n > 0; n--) {
          const mod = s.name();
          const name = s.name();
          const kind = s.byte();
          const imp = { module: mod, name, kind };
          if (kind === 0) { imp.type = s.u32(); shape.funcs.push(imp.type); }
          else if (kind === 1) { valType(s); limits(s, false); }
          else if (kind === 2) limits(s, true);
          else if (kind === 3) { const type = valType(s); const mutable = s.byte() === 1; shape.globals.push({ type, mutable }); }
          else if (kind === 4) { s.byte(); s.u32(); }
          else throw new Error(`unknown import kind ${kind}`);
          shape.imports.push(imp);
        }
        break;
      case 3:
        for (let n = s.u32(); n > 0; n--) shape.funcs.push(s.u32());
        break;
      case 6:
        for (let n = s.u32(); n > 0; n--) {
          const type = valType(s);
          const mutable = s.byte() === 1;
          constExpr(s);
          shape.globals.push({ type, mutable });
        }
        break;
      case 7:
        for (let n = s.u32(); n > 0; n--) {
          const name = s.name();
          const kind = s.byte();
          const index = s.u32();
          shape.exports.set(name, { kind, index });
        }
        break;
      default:
        break;
    }
    r.pos = end;
  }
  return shape;
}

// usesIndex says whether a value type names a concrete type index.
function usesIndex(t) {
  return t.kind === 'ref' && t.heap.index !== undefined;
}

module.exports = {
  uleb, sleb, str, vec, section, encodeModule, funcType, body, exportEntry, EXTERN,
  Reader, readShape, valType, usesIndex,
};
