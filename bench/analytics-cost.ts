/**
 * What recording clicks costs the redirect: one hot link, analytics off, on with the in-process
 * buffer, and on with Redis Streams (consumed in the same process), side by side.
 *
 *   node --import tsx bench/analytics-cost.ts [--seconds 5] [--connections 50]
 */
import { parseArgs } from 'node:util';
import { measure, printTable, type Scenario } from './http-scenario.js';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '5' }, connections: { type: 'string', default: '50' } } });
const NO_LIMITS = { RATE_REDIRECT: 'off', RATE_AUTH_IP: 'off', RATE_AUTH_EMAIL: 'off' };
const REDIS = { REDIS_URL: 'redis://127.0.0.1:6379', REDIS_PREFIX: `kurz-bench-${Date.now()}:` };

const scenarios: Scenario[] = [
  { name: 'redirect, analytics off', path: 'redirect', env: { ...NO_LIMITS, ANALYTICS: 'off' }, expect: 302 },
  { name: 'redirect, analytics on (in-process buffer → SQLite)', path: 'redirect', env: NO_LIMITS, expect: 302 },
  { name: 'redirect, analytics on (Redis Streams, consumer in-process)', path: 'redirect', env: { ...NO_LIMITS, ...REDIS }, expect: 302 },
  { name: 'redirect, analytics off, again', path: 'redirect', env: { ...NO_LIMITS, ANALYTICS: 'off' }, expect: 302 },
];

console.log(`${values.connections} connections, ${values.seconds} s each after a 2 s warm-up; the server alone on core 0, wrk on core 1 (bench/load.ts)`);
const rows = [];
for (const s of scenarios) rows.push(await measure(s, Number(values.seconds), Number(values.connections)));
printTable(rows);
