/**
 * What a rate limit costs: the same request with the limiter off, allowed by it, and refused by it
 * (429), in-process and through Redis.
 *
 *   node --import tsx bench/rate-limit-cost.ts [--seconds 5] [--connections 50]
 */
import { parseArgs } from 'node:util';
import { measure, printTable, type Scenario } from './http-scenario.js';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '5' }, connections: { type: 'string', default: '50' } } });
const REDIS = { REDIS_URL: 'redis://127.0.0.1:6379', REDIS_PREFIX: `kurz-bench-${Date.now()}:` };
const OFF = { RATE_REDIRECT: 'off', RATE_NOT_FOUND: 'off', RATE_API: 'off', RATE_AUTH_IP: 'off', RATE_AUTH_EMAIL: 'off' };
const HUGE = '1000000000:1000000';
/** Enough for the set-up calls (sign-up, sign-in, key, link), then refusals only. */
const TINY = '3:0.0001';

const scenarios: Scenario[] = [
  { name: 'redirect, no limit', path: 'redirect', env: OFF, expect: 302 },
  { name: 'redirect, in-process bucket, allowed', path: 'redirect', env: { ...OFF, RATE_REDIRECT: HUGE }, expect: 302 },
  { name: 'redirect, in-process bucket, refused (429)', path: 'redirect', env: { ...OFF, RATE_REDIRECT: TINY }, expect: 429 },
  { name: 'API GET /users/me, no limit', path: 'api', env: OFF, expect: 200 },
  { name: 'API, in-process bucket, allowed', path: 'api', env: { ...OFF, RATE_API: HUGE }, expect: 200 },
  { name: 'API, Redis bucket (Lua), allowed', path: 'api', env: { ...OFF, ...REDIS, RATE_API: HUGE }, expect: 200 },
  { name: 'API, Redis bucket (Lua), refused (429)', path: 'api', env: { ...OFF, ...REDIS, RATE_API: TINY }, expect: 429 },
];

console.log(`${values.connections} connections, ${values.seconds} s each after a 2 s warm-up; the server alone on core 0, wrk on core 1 (bench/load.ts)`);
const rows = [];
for (const s of scenarios) rows.push(await measure(s, Number(values.seconds), Number(values.connections)));
printTable(rows);
