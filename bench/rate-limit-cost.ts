/**
 * What a rate limit costs: the same request with the limiter off, allowed by it, and refused by it
 * (429), in-process and through Redis. The server runs in its own process; autocannon here.
 *
 *   node --import tsx bench/rate-limit-cost.ts [--seconds 5] [--connections 50]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { call, startServer } from '../test/e2e/process-helpers.js';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '5' }, connections: { type: 'string', default: '50' } } });
const SECONDS = Number(values.seconds);
const CONNECTIONS = Number(values.connections);
const REDIS = { REDIS_URL: 'redis://127.0.0.1:6379', REDIS_PREFIX: `kurz-bench-${Date.now()}:` };
const OFF = { RATE_REDIRECT: 'off', RATE_NOT_FOUND: 'off', RATE_API: 'off', RATE_AUTH_IP: 'off', RATE_AUTH_EMAIL: 'off' };
const HUGE = '1000000000:1000000';
/** Enough for the set-up calls (sign-up, sign-in, key, link), then refusals only. */
const TINY = '3:0.0001';

interface Scenario { name: string; path: 'redirect' | 'api'; env: Record<string, string>; expect: number }

const scenarios: Scenario[] = [
  { name: 'redirect, no limit', path: 'redirect', env: OFF, expect: 302 },
  { name: 'redirect, in-process bucket, allowed', path: 'redirect', env: { ...OFF, RATE_REDIRECT: HUGE }, expect: 302 },
  { name: 'redirect, in-process bucket, refused (429)', path: 'redirect', env: { ...OFF, RATE_REDIRECT: TINY }, expect: 429 },
  { name: 'API GET /users/me, no limit', path: 'api', env: OFF, expect: 200 },
  { name: 'API, in-process bucket, allowed', path: 'api', env: { ...OFF, RATE_API: HUGE }, expect: 200 },
  { name: 'API, Redis bucket (Lua), allowed', path: 'api', env: { ...OFF, ...REDIS, RATE_API: HUGE }, expect: 200 },
  { name: 'API, Redis bucket (Lua), refused (429)', path: 'api', env: { ...OFF, ...REDIS, RATE_API: TINY }, expect: 429 },
];

async function measure(s: Scenario) {
  const dir = mkdtempSync(join(tmpdir(), 'kurz-bench-'));
  const server = await startServer({ databaseFile: join(dir, 'kurz.db'), env: { ...s.env, LOG_REQUESTS: '0' } });
  try {
    const email = 'bench@example.com';
    const password = 'bench password';
    await call(server.url, 'POST', '/api/v1/users', { body: { email, password } });
    const { body: tokens } = await call(server.url, 'POST', '/api/v1/auth/token', { body: { email, password } });
    const { body: key } = await call(server.url, 'POST', '/api/v1/api-keys', { token: tokens.access_token, body: { name: 'bench' } });
    const { body: link } = await call(server.url, 'POST', '/api/v1/links', { token: tokens.access_token, body: { url: 'https://example.com/bench' } });
    const request: { url: string; headers: Record<string, string> } = s.path === 'redirect'
      ? { url: `${server.url}/${link.code}`, headers: {} }
      : { url: `${server.url}/api/v1/users/me`, headers: { authorization: `Bearer ${key.key}` } };
    // The refused scenarios spend their tokens first, so every measured request is a 429.
    if (s.expect === 429) {
      for (let i = 0; i < 10; i++) {
        if ((await fetch(request.url, { headers: request.headers, redirect: 'manual' })).status === 429) break;
      }
    }
    await autocannon({ url: request.url, headers: request.headers, connections: CONNECTIONS, duration: 2 }); // warm-up (JIT), not measured
    const result = await autocannon({ url: request.url, headers: request.headers, connections: CONNECTIONS, duration: SECONDS });
    const expected = (result.statusCodeStats as Record<string, { count: number }>)[String(s.expect)]?.count ?? 0;
    if (expected < result.requests.total * 0.99) throw new Error(`${s.name}: expected ${s.expect}, got ${JSON.stringify(result.statusCodeStats)}`);
    return { name: s.name, rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99 };
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

console.log(`${CONNECTIONS} connections, ${SECONDS} s each, server and load generator in separate processes on this machine`);
console.log('| request | requests/s | p50 ms | p99 ms |');
console.log('|---|---|---|---|');
for (const s of scenarios) {
  const r = await measure(s);
  console.log(`| ${r.name} | ${Math.round(r.rps)} | ${r.p50} | ${r.p99} |`);
}
