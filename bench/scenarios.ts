/**
 * Rows of the benchmark table. A redirect row alternates rounds: the ceiling, then Kurz, on the same
 * workload, connections and seconds, the one not measured frozen (SIGSTOP); it reports the median of
 * the per-round ratios with their min–max, Kurz's median requests/s, p50, p99 and peak memory, and,
 * where Kurz records clicks, that the clicks it stored equal the redirects wrk received, exactly.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { call, repoRoot } from '../test/e2e/process-helpers.js';
import { signUp } from './http-scenario.js';
import type { Kurz } from './kurz.js';
import { drive, median, pin, type Run, type Timing, type Workload } from './load.js';

/** `singles`: the bulk row's same links as single requests (bench/bulk.ts). */
export interface Round { round: number; ceiling?: Run; kurz: Run; ratio?: number; singles?: Run }

export interface Row {
  scenario: string;
  workload: string;
  /** Kurz's median requests/s over the rounds, and the p50 and p99 (ms) of that round. */
  rps: number;
  p50: number;
  p99: number;
  /** Median of Kurz/ceiling over the rounds, and the lowest and highest. */
  ratio?: number;
  ratioMin?: number;
  ratioMax?: number;
  /** VmHWM over the row (warm-up included), MB; for --workers, primary and workers summed. */
  rssMb?: number;
  /** VmRSS when the measured load started and when it ended (the sustained row). */
  rssStartMb?: number;
  rssEndMb?: number;
  /** 301s wrk received from this server (warm-up and rounds), and the clicks its store gained. */
  clicks?: { answered: number; stored: number };
  rounds: Round[];
}

/** A server a row can measure: the ceiling or a Kurz. */
interface Measurable { url: string; freeze: () => void; resume: () => void }

export class Table {
  readonly rows: Row[] = [];

  add(row: Row): void {
    this.rows.push(row);
    // Progress on stderr, with the time since start: a full run takes minutes.
    const ratio = row.ratio === undefined ? '' : `, ${row.ratio.toFixed(2)} × ceiling (${row.ratioMin!.toFixed(2)}–${row.ratioMax!.toFixed(2)})`;
    const clicks = row.clicks ? `, clicks ${row.clicks.answered} answered, ${row.clicks.stored} stored` : '';
    console.error(`${process.uptime().toFixed(1).padStart(5)} s  ${row.scenario} | ${row.workload} | ${Math.round(row.rps)} req/s${ratio}${clicks}`);
  }
}

export interface Ceiling extends Measurable {
  pid: number;
  stop: () => void;
  /** Whether it had its warm-up (one per server: the ceiling's is in the first row that uses it). */
  warm: boolean;
}

/** bench/ceiling-server.ts, loaded with the codes in `codesFile`, pinned like every server. */
export async function startCeiling(codesFile: string): Promise<Ceiling> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/ceiling-server.ts', codesFile], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'inherit'] });
  const signal = (name: NodeJS.Signals) => void child.kill(name);
  const stop = () => {
    signal('SIGCONT');
    signal('SIGTERM');
  };
  try {
    const [line] = (await once(child.stdout!.setEncoding('utf8'), 'data')) as [string];
    pin([child.pid!]);
    return {
      url: `http://127.0.0.1:${Number(/listening (\d+)/.exec(line)?.[1])}`,
      pid: child.pid!,
      freeze: () => signal('SIGSTOP'),
      resume: () => signal('SIGCONT'),
      stop,
      warm: false,
    };
  } catch (err) {
    stop();
    throw err;
  }
}

/** One run of `server` alone (the others frozen meanwhile): resumes it, loads it, freezes it. */
async function turn(server: Measurable, w: Workload, connections: number, seconds: number, drain: boolean): Promise<Run> {
  server.resume();
  try {
    return await drive(server.url, w, connections, seconds, { drain });
  } finally {
    server.freeze();
  }
}

/** What a Kurz row needs besides its server: the row's names, and how to read the clicks it stored. */
export interface KurzRow {
  scenario: string;
  /** Made once the server runs (creation needs an account on it). */
  workload: (kurz: Kurz) => Promise<Workload> | Workload;
  /** Sum of the store's click counts; absent for rows that record none. */
  clicks?: () => Promise<number>;
  /** The ceiling to alternate with; absent: Kurz alone (creation rows). */
  ceiling?: Ceiling;
  /** Leaves the server running (frozen) for a later row; only for a row that records no clicks. */
  keep?: boolean;
}

/** What a row measured: its columns, and every run of its Kurz (for the click check). */
interface Measured { row: Omit<Row, 'scenario' | 'workload'>; runs: Run[] }

/**
 * Runs `measure` on a row's Kurz (pinned, resumed, its workload made), then stops it with SIGTERM
 * (it drains its clicks) unless the row keeps it, and compares its store's clicks with the 301s.
 */
async function onKurz(table: Table, started: Promise<Kurz>, r: KurzRow, measure: (kurz: Kurz, w: Workload) => Promise<Measured>): Promise<Row> {
  if (r.keep && r.clicks) throw new Error(`${r.scenario}: a row that checks clicks must stop its server (SIGTERM drains them)`);
  const kurz = await started;
  const stored = r.clicks ? await r.clicks() : 0;
  let measured: Measured;
  let workload: string;
  try {
    kurz.pin();
    kurz.resume();
    const w = await r.workload(kurz);
    workload = w.name;
    measured = await measure(kurz, w);
  } finally {
    if (!r.keep) await kurz.stop();
  }
  const result: Row = { scenario: r.scenario, workload, ...measured.row };
  if (r.clicks) {
    const answered = measured.runs.reduce((sum, run) => sum + run.redirects, 0);
    result.clicks = checkClicks(r.scenario, answered, (await r.clicks()) - stored, measured.runs);
  }
  table.add(result);
  return result;
}

/** How long a sweep warm-up may take at most (100,000 codes took about 25 s in the full run). */
const SWEEP_BACKSTOP_SECONDS = 120;

/**
 * A row: one warm-up per server (the ceiling's in the first row it serves), then `timing.rounds`
 * rounds (the ceiling's turn, then Kurz's, the other frozen), then the click check (`onKurz`).
 */
export function row(table: Table, started: Promise<Kurz>, r: KurzRow, timing: Timing): Promise<Row> {
  const { connections, seconds } = timing;
  // Only a row whose clicks are checked needs the drain (a creation's answer can wait for seconds).
  const drain = r.clicks !== undefined;
  return onKurz(table, started, r, async (kurz, w) => {
    kurz.freeze();
    kurz.resetPeak();
    if (r.ceiling && !r.ceiling.warm) {
      await turn(r.ceiling, w, connections, timing.warmupSeconds, drain);
      r.ceiling.warm = true;
    }
    // A sweep warm-up (every code of the row once) ends by itself, however long it takes.
    const runs = [await turn(kurz, w.warmup ?? w, connections, w.warmup ? SWEEP_BACKSTOP_SECONDS : timing.warmupSeconds, drain)];
    const rounds: Round[] = [];
    for (let round = 1; round <= timing.rounds; round++) {
      const ceiling = r.ceiling && await turn(r.ceiling, w, connections, seconds, drain);
      const measured = await turn(kurz, w, connections, seconds, drain);
      runs.push(measured);
      rounds.push({ round, ceiling, kurz: measured, ...(ceiling && { ratio: measured.rps / ceiling.rps }) });
    }
    return { row: { ...summarise(rounds), rssMb: kurz.peakMb() }, runs };
  });
}

/**
 * The sustained row: Kurz alone under the mixed workload for `sustainedSeconds` (after a warm-up, unless
 * an earlier row had this server), its resident set sampled at the start and the end of the load, and
 * its peak; statuses and clicks checked as elsewhere.
 */
export function sustained(
  table: Table, started: Promise<Kurz>, r: KurzRow, timing: Timing & { sustainedSeconds: number; warm?: boolean },
): Promise<Row> {
  return onKurz(table, started, r, async (kurz, w) => {
    const runs = timing.warm ? [] : [await drive(kurz.url, w, timing.connections, timing.warmupSeconds)];
    kurz.resetPeak();
    const rssStartMb = kurz.rssMb();
    const measured = await drive(kurz.url, w, timing.connections, timing.sustainedSeconds);
    runs.push(measured);
    return { row: { ...summarise([{ round: 1, kurz: measured }]), rssMb: kurz.peakMb(), rssStartMb, rssEndMb: kurz.rssMb() }, runs };
  });
}

function summarise(rounds: Round[]): Omit<Row, 'scenario' | 'workload'> {
  const rps = median(rounds.map((r) => r.kurz.rps));
  // p50 and p99 of the round whose requests/s is the median (a round, not a mix of rounds).
  const middle = rounds.reduce((a, b) => (Math.abs(b.kurz.rps - rps) < Math.abs(a.kurz.rps - rps) ? b : a));
  const ratios = rounds.flatMap((r) => (r.ratio === undefined ? [] : [r.ratio]));
  return {
    rps, p50: middle.kurz.p50, p99: middle.kurz.p99, rounds,
    ...(ratios.length && { ratio: median(ratios), ratioMin: Math.min(...ratios), ratioMax: Math.max(...ratios) }),
  };
}

function checkClicks(scenario: string, answered: number, stored: number, runs: Run[]): { answered: number; stored: number } {
  if (stored !== answered) {
    const detail = runs.map((r) => `${r.maxMs.toFixed(0)} ms`).join(', ');
    throw new Error(`${scenario}: ${answered} redirects answered but ${stored} clicks stored (the slowest answer of each run, warm-up first: ${detail})`);
  }
  return { answered, stored };
}

/** An API key of a new account on `base`, and a token unique to this run for the URLs it creates. */
export async function apiKey(base: string): Promise<{ key: string; run: string }> {
  const run = randomBytes(4).toString('hex');
  const { key, refused } = await signUp(base, `creator-${run}@example.com`);
  if (!key) throw new Error(`could not create an API key for a row that creates links: ${refused ?? 'no key in the answer'}`);
  return { key, run };
}

/** POST /api/v1/links with an API key of a new account, each request shortening a URL never sent before. */
export async function creations(base: string): Promise<Workload> {
  const { key, run } = await apiKey(base);
  return { name: 'POST /api/v1/links, a new URL each', mode: 'create', env: { KURZ_KEY: key, KURZ_RUN: run }, expect: [201] };
}

/**
 * The sustained mix: redirects over Zipf, creations, and PATCHes (a new URL) of `edited` links the
 * account created first (their ids in `idsFile`); percentages in `mix`.
 */
export async function mixed(base: string, codesFile: string, zipfN: number, idsFile: string, mix = { create: 4, edit: 1 }, edited = 100): Promise<Workload> {
  const { key, run } = await apiKey(base);
  const ids: string[] = [];
  for (let i = 0; i < edited; i++) {
    const { status, body } = await call(base, 'POST', '/api/v1/links', { token: key, body: { url: `https://example.com/${run}/edit-${i}` } });
    if (status !== 201) throw new Error(`could not create a link to edit: ${status}`);
    ids.push(body.id);
  }
  writeFileSync(idsFile, ids.join('\n'));
  const redirects = 100 - mix.create - mix.edit;
  return {
    name: `${redirects}% GET over Zipf(s=1) of ${zipfN.toLocaleString('en')} codes, ${mix.create}% POST /api/v1/links, ${mix.edit}% PATCH /api/v1/links/{id}`,
    mode: 'mixed',
    env: { KURZ_CODES_FILE: codesFile, KURZ_ZIPF_N: String(zipfN), KURZ_IDS_FILE: idsFile, KURZ_KEY: key, KURZ_RUN: run, KURZ_MIX: `${mix.create},${mix.edit}` },
    expect: [301, 201, 200],
  };
}
