// Preloaded (node --require) into a kurz process by test/e2e/tracing.test.ts. At exit it writes to
// LOADED_MODULES_FILE which @opentelemetry modules the process loaded: the CommonJS ones in the module
// cache (@opentelemetry/sdk-node and everything under it are CommonJS), and whether any OpenTelemetry
// API registered itself globally (the symbol @opentelemetry/api keeps its registry under, ESM or not).
const { writeFileSync } = require('node:fs');
const { sep } = require('node:path');
const Module = require('node:module');

process.on('exit', () => {
  const modules = Object.keys(Module._cache).filter((file) => file.includes(`${sep}@opentelemetry${sep}`));
  const registered = Object.getOwnPropertySymbols(globalThis).some((s) => String(s.description).startsWith('opentelemetry.js.api'));
  writeFileSync(process.env.LOADED_MODULES_FILE, JSON.stringify({ modules, registered }));
});
