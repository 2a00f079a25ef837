// Protocol values as exact bit patterns, and their trip through scratch
// memory: numbers and v128 are written to / read from a wrapper module's
// memory as raw little-endian bytes, never as JS numbers, so NaN payloads
// (including f32 signalling NaNs) and v128 lanes survive unchanged.
'use strict';

// HostRef is the JS object standing for `ref.extern N` / `ref.host N`.
class HostRef {
  constructor(n) {
    this.n = n;
  }
}

const hostRefs = new Map(); // N -> HostRef (the same object for the same N)

function hostRef(n) {
  let r = hostRefs.get(n);
  if (!r) {
    r = new HostRef(n);
    hostRefs.set(n, r);
  }
  return r;
}

const WIDTH = { i32: 8, f32: 8, i64: 16, f64: 16, v128: 32 };

class BadValue extends Error {}

// parseValue checks a protocol value's shape: {i32: "0x..."} etc. Returns
// {type, bits: BigInt} or {type: 'ref', ref: {heap, null, host}}.
function parseValue(v) {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new BadValue(`not a value: ${JSON.stringify(v)}`);
  const keys = Object.keys(v);
  if (keys.length !== 1) throw new BadValue(`a value has exactly one type tag: ${JSON.stringify(v)}`);
  const type = keys[0];
  if (type === 'ref') {
    const r = v.ref;
    if (r === null || typeof r !== 'object' || typeof r.heap !== 'string') throw new BadValue(`bad reference ${JSON.stringify(r)}`);
    for (const k of Object.keys(r)) if (!['heap', 'null', 'host'].includes(k)) throw new BadValue(`unknown reference field ${k}`);
    if (r.host !== undefined && (!Number.isInteger(r.host) || r.host < 0 || r.host > 0xffffffff)) throw new BadValue(`bad host payload ${r.host}`);
    return { type, ref: { heap: r.heap, null: r.null === true, host: r.host } };
  }
  if (!(type in WIDTH)) throw new BadValue(`unknown value type ${type}`);
  const text = v[type];
  if (typeof text !== 'string' || !/^0x[0-9a-fA-F]+$/.test(text)) throw new BadValue(`expected 0x-prefixed hex bits, got ${JSON.stringify(text)}`);
  const bits = BigInt(text);
  if (bits >> BigInt(WIDTH[type] * 4) !== 0n) throw new BadValue(`${text} is too wide for ${type}`);
  return { type, bits };
}

function hex(bits, digits) {
  return '0x' + bits.toString(16).padStart(digits, '0');
}

function number(type, bits) {
  return { [type]: hex(bits, WIDTH[type]) };
}

const SIZE = { i32: 4, f32: 4, i64: 8, f64: 8, v128: 16 };

// writeBits stores `bits` (BigInt) at `offset`, `bytes` bytes wide, little-endian.
function writeBits(view, offset, bits, bytes) {
  for (let i = 0; i < bytes; i++) {
    view.setUint8(offset + i, Number((bits >> BigInt(8 * i)) & 0xffn));
  }
}

function readBits(view, offset, bytes) {
  let bits = 0n;
  for (let i = bytes - 1; i >= 0; i--) bits = (bits << 8n) | BigInt(view.getUint8(offset + i));
  return bits;
}

// readNumber reads a value of number type `type` from scratch memory.
function readNumber(view, offset, type) {
  return number(type, readBits(view, offset, SIZE[type]));
}

function refValue(heap, isNull, host) {
  const r = { heap };
  if (isNull) r.null = true;
  else r.null = false;
  if (host !== undefined) r.host = host;
  return { ref: r };
}

module.exports = {
  HostRef, hostRef, BadValue, parseValue, number, writeBits, readBits, readNumber, refValue, SIZE,
};
