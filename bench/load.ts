/**
 * One load run with wrk (a native load generator, never in a server's process or language), driven by
 * bench/wrk/workload.lua, whose last line (`kurz-check {json}`) says what came back: answers by
 * status, requests, latency. On a machine with two or more CPUs, wrk runs on core 1 (`taskset -c 1`)
 * and the servers are pinned to core 0 (see `pin`); `pinning` says which.
 *
 * Every run is checked: any socket error, any answer whose status is not one the workload expects, any
 * redirect whose Location is not the target of the code its x-request-id names, throws with the counts.
 *
 * The drain: after its `seconds`, each wrk thread asks only for a code that does not exist (404s,
 * expected, never clicks) until every request of the workload it sent has been answered, then says so
 * on stdout; wrk is stopped (SIGINT) once every thread has. So no redirect is in flight when wrk stops,
 * and the 301s it saw are exactly the redirects the server answered (the bench's click check).
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../test/e2e/process-helpers.js';

export interface Timing {
  connections: number;
  warmupSeconds: number;
  /** Seconds of each measured round (a fraction too: the script ends it, with the drain). */
  seconds: number;
  /** Measured rounds per server and row (alternating with the ceiling's where there is one). */
  rounds: number;
}

export type Mode = 'hot' | 'zipf' | 'uniform' | 'sweep' | 'create' | 'mixed' | 'fixed';

/** What to send (bench/wrk/workload.lua's settings) and which statuses the answers may have. */
export interface Workload {
  name: string;
  mode: Mode;
  /** KURZ_* variables for the script: codes file, Zipf N, API key … */
  env: Record<string, string>;
  /** The statuses a request of the workload may get (the 404s of the drain come on top). */
  expect: number[];
  /** What Kurz's warm-up sends instead of the workload itself (a sweep that caches every code once). */
  warmup?: Workload;
}

/** One run, checked. rps: the workload's requests (not the drain's) over the seconds each thread sent them. */
export interface Run {
  rps: number;
  p50: number;
  p99: number;
  /** Answers by status, the drain's 404s included. */
  counts: Record<string, number>;
  requests: number;
  seconds: number;
  /** The 301s wrk received: the clicks the server must have recorded. */
  redirects: number;
  /** The slowest answer, ms. */
  maxMs: number;
}

interface Check {
  checked: boolean;
  counts: Record<string, number>;
  requests: number;
  mainIssued: number;
  outstanding: number;
  drained: number;
  threads: number;
  mainSeconds: number;
  durationUs: number;
  p50Us: number;
  p99Us: number;
  maxUs: number;
  errors: { connect: number; read: number; write: number; timeout: number; status: number };
  bad: number;
  badSample: string;
}

const SCRIPT = join(repoRoot, 'bench', 'wrk', 'workload.lua');
/** The code the drain asks for: never seeded (codes are `<prefix><7 base-36 digits>`). */
export const MISSING = 'zzmissing';

/** Whether servers go on core 0 and wrk on core 1 (two or more CPUs), or share one. */
export const pinning = availableParallelism() >= 2;
export const pinningNote = pinning
  ? `pinned: servers (every process and thread) on core 0, wrk on core 1 (of ${availableParallelism()} CPUs)`
  : 'not pinned: one CPU, servers and wrk share it';

/** `taskset -a -pc 0 <pid>` for each pid (every thread of each), when pinning. */
export function pin(pids: number[]): void {
  if (!pinning) return;
  for (const pid of pids) execFileSync('taskset', ['-a', '-pc', '0', String(pid)], { stdio: 'ignore' });
}

/** Installs wrk (Debian's package) when it is missing, as .ci/run installs chromium; says so. */
export function ensureWrk(): void {
  if (spawnSync('wrk', ['--version']).error === undefined) return;
  console.error('wrk is missing: apt-get install -y wrk');
  const apt = spawnSync('sh', ['-c', 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk'], { stdio: 'inherit' });
  if (apt.status !== 0 || spawnSync('wrk', ['--version']).error !== undefined) throw new Error('could not install wrk (apt-get install -y wrk)');
}

/** Threads of wrk (-t). */
const THREADS = 2;

/**
 * wrk -t2 -c<connections> -d<seconds>s --latency with the workload script against `base`; throws unless
 * every answer was as expected. `check: false` runs without the response() callback (to measure what
 * it costs: bench/check-cost.ts): then only wrk's count of 4xx/5xx answers is checked, and the run
 * has a fixed 404 tail (`tailMs`) instead of the drain. `drain: false` for a server whose clicks are
 * not checked: no 404s at all.
 */
export async function drive(
  base: string, w: Workload, connections: number, seconds: number, options: { check?: boolean; drain?: boolean; seed?: number; tailMs?: number } = {},
): Promise<Run> {
  const check = options.check ?? true;
  const drain = options.drain ?? true;
  // With the check, wrk's -d is only a backstop: the drain ends the run. Without it (no response()
  // callback, so no drain), the last `tailMs` of the run ask for the missing code instead.
  const tail = check ? 0 : options.tailMs ?? Math.min(1000, seconds * 250);
  // The script ends the workload after `seconds` (a fraction too); wrk's -d takes whole seconds.
  const backstop = Math.ceil(check && drain ? seconds + Math.max(10, seconds) : seconds);
  const args = [`-t${THREADS}`, `-c${connections}`, `-d${backstop}s`, '--timeout', '10s', '--latency', '-s', SCRIPT, base];
  const [command, argv] = pinning ? ['taskset', ['-c', '1', 'wrk', ...args]] : ['wrk', args];
  const env = {
    ...process.env, KURZ_MODE: w.mode, KURZ_SECONDS: String(check && drain ? seconds : backstop), KURZ_TAIL_MS: String(tail), KURZ_DRAIN: drain ? '1' : '0',
    KURZ_MISSING: MISSING, KURZ_THREADS: String(THREADS), KURZ_CHECK: check ? '1' : '0', KURZ_SEED: String(options.seed ?? Date.now() % 1e6), ...w.env,
  };
  const child = spawn(command, argv as string[], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  let drained = 0;
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    out += chunk;
    drained += chunk.split('kurz-drained\n').length - 1;
    if (drained === THREADS) child.kill('SIGINT'); // wrk prints its report and runs done()
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
  const code = await new Promise<number | null>((resolve, reject) => child.once('error', reject).once('close', resolve));
  const line = /^kurz-check (.*)$/m.exec(out)?.[1];
  if (code !== 0 || line === undefined) throw new Error(`${w.name}: wrk exited ${code}:\n${out}${err}`);
  const c = JSON.parse(line) as Check;
  const { connect, read, write, timeout, status } = c.errors;
  const problems: string[] = [];
  if (connect + read + write + timeout) problems.push(`socket errors ${JSON.stringify(c.errors)}`);
  if (c.bad) problems.push(`${c.bad} wrong answers (first: ${c.badSample})`);
  const allowed = new Set([...w.expect, 404].map(String));
  const unexpected = Object.keys(c.counts).filter((s) => !allowed.has(s));
  if (unexpected.length) problems.push(`unexpected statuses ${unexpected.join(', ')}`);
  if (check && !w.expect.some((s) => c.counts[s])) problems.push('no expected answer at all');
  if (check && drain && (c.outstanding || c.drained < c.threads)) {
    problems.push(`${c.outstanding} requests never answered (${c.threads - c.drained} of ${c.threads} threads did not drain before -d${backstop}s)`);
  }
  if (problems.length) throw new Error(`${w.name}: ${problems.join('; ')}; answers ${JSON.stringify(c.counts)}, ${c.requests} requests`);
  return {
    rps: c.mainIssued / c.mainSeconds,
    p50: c.p50Us / 1000,
    p99: c.p99Us / 1000,
    counts: c.counts,
    requests: c.requests,
    seconds: c.durationUs / 1e6,
    // Without the callback, every answer but the 4xx/5xx wrk counts is taken for a redirect.
    redirects: check ? (c.counts['301'] ?? 0) : w.expect.includes(301) ? c.requests - status : 0,
    maxMs: c.maxUs / 1000,
  };
}

/** The median of `xs` (the mean of the middle two for an even count). */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/**
 * GETs of codes from `codesFile` (its first with `hot`, Zipf over its first `zipfN`, uniform over all of
 * them), from a browser's user agent (so that clicks are recorded as people's); every answer a 301.
 */
/** One request again and again (bench/http-scenario.ts): every answer must have status `expect` (and Location `location`, if given). */
export function fixed(name: string, request: { path: string; method?: string; key?: string; location?: string }, expect: number): Workload {
  const env: Record<string, string> = { KURZ_PATH: request.path, KURZ_METHOD: request.method ?? 'GET', KURZ_EXPECT: String(expect) };
  if (request.key) env.KURZ_AUTH = request.key;
  if (request.location) env.KURZ_LOCATION = request.location;
  return { name, mode: 'fixed', env, expect: [expect] };
}

/**
 * Redirects of the seeded codes; with `host`, sent with that Host header (the codes of a custom domain);
 * with `lang`, with that Accept-Language.
 */
export function redirects(
  name: string, mode: 'hot' | 'zipf' | 'uniform' | 'sweep', codesFile: string, zipfN?: number, host?: string, lang?: string,
): Workload {
  return {
    name, mode, expect: [301],
    env: {
      KURZ_CODES_FILE: codesFile, ...(zipfN !== undefined && { KURZ_ZIPF_N: String(zipfN) }), ...(host !== undefined && { KURZ_HOST: host }),
      ...(lang !== undefined && { KURZ_LANG: lang }),
    },
  };
}
