// Classifying V8's errors into protocol failures. V8 reports a trap as a
// WebAssembly.RuntimeError carrying a message only, so traps are classified
// by message, with one table per V8 version range (measured on Node 18/20/22/24,
// V8 10.2/11.3/12.4/13.6: see README.md). A message no table knows is a trap of
// kind `other`, message kept, never a guess.
'use strict';

const { V8_MAJOR } = require('./features');

// HostTrap is what a host function defined with `trap` throws.
class HostTrap extends Error {}

// [first V8 major, last V8 major (inclusive, Infinity = open), message, trap kind].
// Messages are matched exactly (after removing V8's "WebAssembly.Instance(): "
// style prefix). Where V8 uses one message for two spec traps, the kind is the
// protocol's kind naming both (PROTOCOL.md): the harness accepts it for either
// and the adapter never picks one.
const TRAPS = [
  [0, Infinity, 'unreachable', 'unreachable'],
  [0, Infinity, 'memory access out of bounds', 'memory-out-of-bounds'],
  [0, Infinity, 'divide by zero', 'integer-division-by-zero'],
  [0, Infinity, 'remainder by zero', 'integer-division-by-zero'],
  [0, Infinity, 'divide result unrepresentable', 'integer-overflow'],
  // Truncation of NaN and of an out-of-range value: one message.
  [0, Infinity, 'float unrepresentable in integer range', 'integer-overflow-or-bad-conversion'],
  [0, Infinity, 'table index is out of bounds', 'table-out-of-bounds'],
  // call_indirect of a null entry and of an entry of another type: one message.
  [0, Infinity, 'null function or function signature mismatch', 'indirect-call-to-null-or-bad-signature'],
  [0, Infinity, 'operation does not support unaligned accesses', 'unaligned-atomic'],
  [0, Infinity, 'dereferencing a null pointer', 'null-reference'],
  [0, Infinity, 'illegal cast', 'cast-failure'],
  [0, Infinity, 'array element access out of bounds', 'array-out-of-bounds'],
  [0, Infinity, 'requested new array is too large', 'allocation-too-large'],
  // memory.atomic.wait on an unshared memory. V8 uses the same message when the
  // thread may not block, which Node's main thread always may.
  [0, Infinity, 'Atomics.wait cannot be called in this context', 'atomic-wait-non-shared-memory'],
  // Older V8s: segments dropped by data.drop / elem.drop (then used out of bounds).
  [0, 10, 'data segment has been dropped', 'memory-out-of-bounds'],
  [0, 10, 'element segment has been dropped', 'table-out-of-bounds'],
  // A segment range out of bounds (memory.init / array.*_data, and table.init /
  // array.*_elem): the spec's "out of bounds memory access" and "out of bounds
  // table access" for a segment. Where an array range is out of bounds too, V8
  // checks the segment first (gc/array_init_elem.wast:92, an engine difference).
  [0, Infinity, 'data segment out of bounds', 'memory-out-of-bounds'],
  [0, Infinity, 'element segment out of bounds', 'table-out-of-bounds'],
  // Instantiation: active segments that do not fit.
  [0, 11, 'data segment is out of bounds', 'memory-out-of-bounds'],
  [0, 10, 'table initializer is out of bounds', 'table-out-of-bounds'],
];

// Messages that take parameters in newer V8s (matched as patterns).
const TRAP_PATTERNS = [
  [12, Infinity, /^data segment \d+ is out of bounds/, 'memory-out-of-bounds'],
  [12, Infinity, /^element segment \d+ is out of bounds/, 'table-out-of-bounds'],
];

const table = new Map();
for (const [lo, hi, msg, kind] of TRAPS) if (V8_MAJOR >= lo && V8_MAJOR <= hi) table.set(msg, kind);
const patterns = TRAP_PATTERNS.filter(([lo, hi]) => V8_MAJOR >= lo && V8_MAJOR <= hi);

// bare drops V8's "WebAssembly.Instance(): " prefix.
function bare(message) {
  return message.replace(/^WebAssembly\.[A-Za-z.]+\(\): /, '');
}

// trapKind returns the trap kind of a RuntimeError message: a kind, null
// (ambiguous) or undefined (unknown).
function trapKind(message) {
  const m = bare(message);
  if (table.has(m)) return table.get(m);
  for (const [, , re, kind] of patterns) if (re.test(m)) return kind;
  return undefined;
}

function failure(kind, message, trap) {
  const f = { kind };
  if (trap) f.trap = trap;
  f.message = message;
  return f;
}

const isException = (e) => typeof WebAssembly.Exception === 'function' && e instanceof WebAssembly.Exception;
const isStackOverflow = (e) => e instanceof RangeError && /Maximum call stack size exceeded/.test(e.message);

function messageOf(e) {
  if (e instanceof Error) return `${e.name}: ${e.message}`;
  return String(e);
}

// resolved is the trap kind of a RuntimeError: from the table, else `other`.
function resolved(message) {
  return trapKind(message) || 'other';
}

// callFailure classifies an error thrown out of a call into wasm.
function callFailure(e) {
  if (e instanceof HostTrap) return failure('trap', e.message, 'host-error');
  if (e instanceof WebAssembly.RuntimeError) return failure('trap', e.message, resolved(e.message));
  if (isStackOverflow(e)) return failure('exhaustion', e.message);
  if (isException(e)) return failure('exception', messageOf(e));
  // Anything else crossing wasm (a TypeError at the JS boundary, ...).
  return failure('other', messageOf(e));
}

// instantiateFailure classifies an error of `new WebAssembly.Instance` (like
// the wazero adapter: traps of the start function and out-of-bounds segments
// are traps, link errors unlinkable, the rest uninstantiable).
function instantiateFailure(e) {
  if (e instanceof WebAssembly.LinkError) return failure('unlinkable', e.message);
  if (e instanceof HostTrap) return failure('trap', e.message, 'host-error');
  if (e instanceof WebAssembly.RuntimeError) {
    const kind = trapKind(e.message);
    if (kind === undefined) return failure('uninstantiable', e.message);
    return failure('trap', e.message, resolved(e.message));
  }
  if (isStackOverflow(e)) return failure('exhaustion', e.message);
  if (isException(e)) return failure('exception', messageOf(e));
  // V8 raises TypeError for an import object of the wrong shape.
  if (e instanceof TypeError) return failure('unlinkable', e.message);
  return failure('uninstantiable', messageOf(e));
}

// compileFailure classifies an error of `new WebAssembly.Module`.
function compileFailure(e) {
  if (e instanceof WebAssembly.CompileError) return failure('compile', e.message);
  if (isStackOverflow(e)) return failure('exhaustion', e.message);
  return failure('other', messageOf(e));
}

module.exports = { HostTrap, trapKind, failure, callFailure, instantiateFailure, compileFailure, TRAPS, TRAP_PATTERNS };
