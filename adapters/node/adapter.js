// wasm-compat adapter for Node.js / V8: speaks the line protocol of
// PROTOCOL.md on stdin/stdout (one JSON request per line in, one JSON response
// per line out, in order). Run as `node --expose-gc adapter.js`.
//
// This file is the framing loop and the table of handlers; the work is in
// session.js. Only engine errors of WebAssembly calls become failures: an
// exception of the adapter's own code is not caught and crashes the process,
// which the harness records as `crash`.
'use strict';

const fs = require('fs');
const { Session, unsupportedSerialization, setLimits, closeInstance, defineUnknownImports, BadValue } = require('./session');

// op -> [handler, required fields, optional fields]
const HANDLERS = {
  hello: [(s) => s.hello(), [], []],
  configure: [(s, r) => s.configure(r), [], ['features', 'limits', 'cache_dir']],
  compile: [(s, r) => s.compile(r), ['module', 'bytes'], []],
  instantiate: [(s, r) => s.instantiate(r), ['module', 'instance'], []],
  register: [(s, r) => s.register(r), ['instance', 'name'], []],
  invoke: [(s, r) => s.invoke(r), ['instance', 'export', 'args'], []],
  'get-global': [(s, r) => s.getGlobal(r), ['instance', 'export'], []],
  serialize: [unsupportedSerialization, ['module'], []],
  deserialize: [unsupportedSerialization, ['module', 'bytes'], []],
  'deserialize-file': [unsupportedSerialization, ['module', 'path'], []],
  'define-host': [(s, r) => s.defineHost(r), ['module', 'name'], ['params', 'results', 'returns', 'trap', 'computes']],
  'host-calls': [(s, r) => s.hostCalls(r), ['module', 'name'], []],
  'set-limits': [setLimits, [], ['memory_bytes', 'table_elements', 'instances', 'trap_on_grow_failure']],
  'grow-memory': [(s, r) => s.growMemory(r), ['instance', 'export', 'delta'], []],
  'memory-size': [(s, r) => s.memorySize(r), ['instance', 'export'], []],
  'drop-instance': [(s, r) => s.dropInstance(r), ['instance'], []],
  'drop-module': [(s, r) => s.dropModule(r), ['module'], []],
  'drop-store': [(s) => s.dropStore(), [], []],
  'memory-usage': [(s) => s.memoryUsage(), [], []],
  collect: [(s) => s.collect(), [], []],
  'resolve-imports': [(s, r) => s.resolveImports(r), ['name', 'instance'], []],
  // Capabilities not announced (no counterpart in the WebAssembly JS API).
  'close-instance': [closeInstance, ['instance'], ['exit_code']],
  'define-unknown-imports': [defineUnknownImports, ['module', 'as'], []],
};

const bad = (message) => ({ err: { kind: 'other', message: `bad request: ${message}` } });

// settingsFrom reads the engine settings of a configuration from the command
// line (`--setting KEY=VALUE`). This adapter has none: any setting is
// refused, and every request is then answered `unsupported` naming it.
function settingsFrom(args) {
  const given = {};
  for (let i = 0; i < args.length; i++) {
    let pair = null;
    if (args[i].startsWith('--setting=')) pair = args[i].slice('--setting='.length);
    else if (args[i] === '--setting' && i + 1 < args.length) pair = args[++i];
    if (pair === null || !pair.includes('=')) continue;
    const at = pair.indexOf('=');
    given[pair.slice(0, at)] = pair.slice(at + 1);
  }
  const keys = Object.keys(given);
  const refused = keys.length === 0 ? null : `the node adapter has no setting \`${keys[0]}\``;
  return { given, refused };
}

// handle answers one request line with one response object.
function handle(session, line) {
  let req;
  try {
    req = JSON.parse(line);
  } catch (e) {
    return bad(e.message);
  }
  if (req === null || typeof req !== 'object' || Array.isArray(req)) return bad('a request is a JSON object');
  const entry = Object.prototype.hasOwnProperty.call(HANDLERS, req.op) ? HANDLERS[req.op] : null;
  if (!entry) return bad(`unknown op ${JSON.stringify(req.op)}`);
  if (session.refused) return { err: { kind: 'unsupported', message: session.refused } };
  const [fn, required, optional] = entry;
  for (const f of required) if (!(f in req)) return bad(`\`${req.op}\` without \`${f}\``);
  for (const f of Object.keys(req)) {
    if (f !== 'op' && !required.includes(f) && !optional.includes(f)) return bad(`unknown field \`${f}\` in \`${req.op}\``);
  }
  try {
    return fn(session, req);
  } catch (e) {
    if (e instanceof BadValue) return bad(e.message);
    throw e;
  }
}

function writeLine(text) {
  const buf = Buffer.from(text + '\n', 'utf8');
  let off = 0;
  while (off < buf.length) off += fs.writeSync(1, buf, off, buf.length - off);
}

// readChunk reads stdin synchronously; returns 0 at end of input.
function readChunk(buf) {
  for (;;) {
    try {
      return fs.readSync(0, buf, 0, buf.length, null);
    } catch (e) {
      if (e.code === 'EAGAIN') {
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
        continue;
      }
      if (e.code === 'EOF') return 0;
      throw e;
    }
  }
}

function main() {
  const session = new Session();
  session.refused = settingsFrom(process.argv.slice(2)).refused;
  const buf = Buffer.alloc(1 << 20);
  let pending = []; // chunks of the current line
  for (;;) {
    const n = readChunk(buf);
    if (n === 0) break;
    let start = 0;
    for (;;) {
      const nl = buf.indexOf(10, start);
      if (nl < 0 || nl >= n) break;
      pending.push(Buffer.from(buf.subarray(start, nl)));
      const line = Buffer.concat(pending).toString('utf8');
      pending = [];
      start = nl + 1;
      if (line.trim() !== '') writeLine(JSON.stringify(handle(session, line)));
    }
    if (start < n) pending.push(Buffer.from(buf.subarray(start, n)));
  }
  const rest = Buffer.concat(pending).toString('utf8');
  if (rest.trim() !== '') writeLine(JSON.stringify(handle(session, rest)));
  process.exit(0);
}

if (require.main === module) main();

module.exports = { handle, HANDLERS, settingsFrom };
