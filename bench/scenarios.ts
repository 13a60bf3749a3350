/**
 * Rows of the benchmark table: the ceiling server under a set of workloads, and Kurz under others,
 * each Kurz row with the server's peak memory during that row (warm-up included).
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { repoRoot } from '../test/e2e/process-helpers.js';
import { signUp } from './http-scenario.js';
import type { Kurz } from './kurz.js';
import { load, type Timing, type Workload } from './load.js';

export interface Row {
  scenario: string;
  workload: string;
  rps?: number;
  p50?: number;
  p99?: number;
  /** requests/s over the ceiling row of the same workload (see Workload.ceiling). */
  ratio?: number;
  rssMb?: number;
}

/** Rows as they are measured, and the ceiling of each workload for the ratios. */
export class Table {
  readonly rows: Row[] = [];
  private readonly ceilings = new Map<string, number>();

  /** A ceiling row: Kurz rows of workloads with this `ceiling` key are divided by its requests/s. */
  addCeiling(row: Row & { rps: number }, ceiling: string): void {
    this.ceilings.set(ceiling, row.rps);
    this.add({ ...row, ratio: 1 });
  }

  add(row: Row, ceiling?: string): void {
    const top = ceiling === undefined ? undefined : this.ceilings.get(ceiling);
    if (top !== undefined && row.rps !== undefined) row.ratio = row.rps / top;
    this.rows.push(row);
    // Progress on stderr, with the time since start: a full run takes minutes.
    console.error(`${process.uptime().toFixed(1).padStart(5)} s  ${row.scenario} | ${row.workload} | ${row.rps === undefined ? '' : `${Math.round(row.rps)} req/s`}`);
  }
}

export interface Ceiling { url: string; stop: () => void }

/** bench/ceiling-server.ts, loaded with the codes in `codesFile`. */
export async function startCeiling(codesFile: string): Promise<Ceiling> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/ceiling-server.ts', codesFile], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'inherit'] });
  const stop = () => void child.kill('SIGTERM');
  try {
    const [line] = (await once(child.stdout!.setEncoding('utf8'), 'data')) as [string];
    return { url: `http://127.0.0.1:${Number(/listening (\d+)/.exec(line)?.[1])}`, stop };
  } catch (err) {
    stop();
    throw err;
  }
}

/** The ceiling under each workload; stops it afterwards. */
export async function ceilingRows(table: Table, ceiling: Ceiling, workloads: Workload[], timing: Timing): Promise<void> {
  try {
    for (const w of workloads) {
      table.addCeiling({ scenario: 'ceiling: node:http + Map, 301', workload: w.name, ...(await load(ceiling.url, w, timing)) }, w.ceiling);
    }
  } finally {
    ceiling.stop();
  }
}

/** Measures each workload (made once the server runs: some need an account on it) on a Kurz server, then stops it. */
export async function kurzRows(
  table: Table,
  scenario: string,
  started: Promise<Kurz>,
  workloads: (kurz: Kurz) => Promise<Workload[]> | Workload[],
  timing: Timing,
): Promise<void> {
  const kurz = await started;
  kurz.resume();
  try {
    for (const w of await workloads(kurz)) {
      kurz.resetPeak();
      const measured = await load(kurz.url, w, timing);
      table.add({ scenario, workload: w.name, ...measured, rssMb: kurz.peakMb() }, w.ceiling);
    }
  } finally {
    await kurz.stop();
  }
}

/** POST /api/v1/links with an API key of a new account, each request shortening a URL never sent before. */
export async function creations(base: string, ceiling: string): Promise<Workload> {
  const run = randomBytes(4).toString('hex');
  const { key } = await signUp(base, `creator-${run}@example.com`);
  if (!key) throw new Error('could not create an API key for the link-creation row');
  let n = 0;
  return {
    name: 'POST /api/v1/links, a new URL each (ratio: a POST against the hot-code redirect ceiling)',
    ceiling,
    expect: 201,
    method: 'POST',
    path: '/api/v1/links',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    setup: (req) => ({ ...req, body: JSON.stringify({ url: `https://example.com/${run}/${n++}` }) }),
  };
}
