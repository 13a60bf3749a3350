/**
 * Writes the OpenAPI document the app serves at /openapi.json to a file (default: a temp path,
 * printed), without a database or a listening socket: `npm run lint:openapi` lints it with Redocly.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { buildApp } from '../src/app.js';
import { assemble } from '../src/compose.js';
import { loadConfig, resolveConfig } from '../src/config.js';
import type { Store } from '../src/ports.js';

const out = process.argv[2] ?? join(mkdtempSync(join(tmpdir(), 'kurz-openapi-')), 'openapi.json');
const config = resolveConfig(loadConfig({ BASE_URL: 'https://kurz.example', JWT_SECRET: 'x'.repeat(32), DATABASE_URL: 'sqlite::memory:' }));
// The document comes from the routes' schemas alone: no route runs, so the store is never called
// but for the domains the app loads before it answers (none).
const store = new Proxy({}, {
  get: (_, name) => (name === 'allDomains' ? async () => [] : () => Promise.reject(new Error('no store while dumping the document'))),
}) as Store;
const parts = assemble(config, store, { log: pino({ level: 'silent' }) });
const app = await buildApp(parts.ctx);
await app.ready();
writeFileSync(out, JSON.stringify(app.swagger(), null, 2));
await app.close();
await parts.close().catch(() => undefined);
console.log(out);
