// A real failure of the adapter process on request, for the harness's fault
// tests: with WASM_COMPAT_NODE_FAULT=NAME in its environment, invoking an
// export called NAME throws an exception nothing catches (the process exits
// the way a broken adapter does), and with WASM_COMPAT_NODE_FAULT=heap:NAME it
// fills the JavaScript heap until V8 aborts. Unset, nothing changes.
'use strict';

const setting = process.env.WASM_COMPAT_NODE_FAULT || '';
const heap = setting.startsWith('heap:');
const target = heap ? setting.slice('heap:'.length) : setting;

// faultOn fails the process as asked when `name` is the target export.
function faultOn(name) {
  if (target === '' || name !== target) return;
  if (!heap) throw new Error(`wasm-compat fault: uncaught exception on invoking ${name}`);
  const kept = [];
  for (;;) kept.push(new Array(1 << 20).fill(kept.length));
}

module.exports = { faultOn };
