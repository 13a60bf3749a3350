/**
 * One measured load: a warm-up (JIT, caches, connection pools; not measured), then the same load for
 * the measured seconds. Every measured response must have the expected status and no request may
 * fail, or the row is not a measurement of what it claims: it throws with the counts.
 */
import autocannon from 'autocannon';
import { BROWSER } from './http-scenario.js';

export interface Timing {
  connections: number;
  warmupSeconds: number;
  seconds: number;
}

export interface Measured { rps: number; p50: number; p99: number }

/** What to send, and which status every answer must have. */
export interface Workload {
  name: string;
  /** Which ceiling row a Kurz row on this workload is compared with. */
  ceiling: string;
  expect: number;
  method?: 'GET' | 'POST';
  path?: string;
  headers?: Record<string, string>;
  /** Called for each request: its path or body. */
  setup: (req: autocannon.Request) => autocannon.Request;
}

/** GETs of the codes `pick` chooses, from a browser (so that clicks are recorded as people's). */
export function redirects(name: string, ceiling: string, pick: () => string): Workload {
  return { name, ceiling, expect: 301, headers: { 'user-agent': BROWSER }, setup: (req) => ({ ...req, path: `/${pick()}` }) };
}

export async function load(base: string, w: Workload, t: Timing): Promise<Measured> {
  await drive(base, w, t.connections, t.warmupSeconds, false);
  return drive(base, w, t.connections, t.seconds);
}

/** One run of `seconds`; unless `check` is false, every response must have the expected status. */
export async function drive(base: string, w: Workload, connections: number, seconds: number, check = true): Promise<Measured> {
  const result = await autocannon({
    url: `${base}${w.path ?? '/'}`,
    connections,
    method: w.method ?? 'GET',
    headers: w.headers,
    requests: [{ setupRequest: w.setup }],
    duration: seconds,
  });
  const counts = Object.fromEntries(Object.entries(result.statusCodeStats ?? {}).map(([status, s]) => [status, s.count ?? 0]));
  const unexpected = Object.keys(counts).filter((status) => status !== String(w.expect));
  if (check && (unexpected.length || result.errors || !counts[w.expect])) {
    throw new Error(`${w.name}: expected only ${w.expect}s, got ${JSON.stringify(counts)}, ${result.errors} errors (${result.timeouts} timeouts)`);
  }
  return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99 };
}
