/**
 * One benchmark row: start Kurz in its own process (embedded store in a temp folder, `env` on top),
 * pinned to core 0, create a user, an API key and a link, warm up, then load one request with wrk on
 * core 1 (bench/load.ts), every answer checked.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { call, startServer } from '../test/e2e/process-helpers.js';
import { drive, fixed, pin } from './load.js';

export interface Scenario {
  name: string;
  /** The redirect of one link, or GET /api/v1/links/:id with an API key (a key may not read /users/me). */
  path: 'redirect' | 'api';
  env: Record<string, string>;
  /** The status every measured response must have. */
  expect: number;
}

export interface Row { name: string; rps: number; p50: number; p99: number }

export const BROWSER = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36';

/**
 * Signs up `email` on a running Kurz and returns an access token and a new API key of that account
 * (undefined where a call was refused: the 429 scenarios set limits so tight that it may be).
 */
export async function signUp(base: string, email: string): Promise<{ token?: string; key?: string; refused?: string }> {
  const password = 'wrk load generator runner';
  const user = await call(base, 'POST', '/api/v1/users', { body: { email, password } });
  const { status, body: tokens } = await call(base, 'POST', '/api/v1/auth/token', { body: { email, password } });
  const { status: keyStatus, body: key } = await call(base, 'POST', '/api/v1/api-keys', { token: tokens.access_token, body: { name: 'bench' } });
  // What refused, for the error of a row that needs the key: sign-up, sign-in, then the key.
  const refused = [[user.status, user.body], [status, tokens], [keyStatus, key]]
    .map(([code, body]) => (code >= 400 ? `${code} ${JSON.stringify(body)}` : undefined)).find(Boolean);
  return { token: tokens.access_token, key: key.key, refused };
}

export async function measure(s: Scenario, seconds: number, connections: number): Promise<Row> {
  const dir = mkdtempSync(join(tmpdir(), 'kurz-bench-'));
  const server = await startServer({ databaseFile: join(dir, 'kurz.db'), env: { LOG_REQUESTS: '0', ...s.env } });
  try {
    const { token, key } = await signUp(server.url, 'bench@example.com');
    const { status, body: link } = await call(server.url, 'POST', '/api/v1/links', { token, body: { url: 'https://example.com/bench' } });
    if (status !== 201) throw new Error(`${s.name}: could not create the link to load (${status})`);
    pin([server.pid]);
    // From a browser's user agent (wrk's script sends one), so that clicks are recorded as people's clicks.
    const path = s.path === 'redirect' ? `/${link.code}` : `/api/v1/links/${link.id}`;
    const headers: Record<string, string> = s.path === 'redirect' ? { 'user-agent': BROWSER } : { authorization: `Bearer ${key}` };
    // A scenario that measures refusals spends its tokens first, so every measured request is one.
    if (s.expect === 429) {
      for (let i = 0; i < 10; i++) {
        if ((await fetch(`${server.url}${path}`, { headers, redirect: 'manual' })).status === 429) break;
      }
    }
    const w = fixed(s.name, { path, key: s.path === 'api' ? key : undefined, location: s.path === 'redirect' && s.expect !== 429 ? link.url : undefined }, s.expect);
    await drive(server.url, w, connections, 2, { drain: false }); // warm-up (JIT), not measured
    const result = await drive(server.url, w, connections, seconds, { drain: false });
    return { name: s.name, rps: result.rps, p50: result.p50, p99: result.p99 };
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

export function printTable(rows: Row[]): void {
  console.log('| request | requests/s | p50 ms | p99 ms |');
  console.log('|---|---|---|---|');
  for (const r of rows) console.log(`| ${r.name} | ${Math.round(r.rps)} | ${r.p50.toFixed(2)} | ${r.p99.toFixed(2)} |`);
}
