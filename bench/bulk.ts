/**
 * The bulk-creation row: 1,000 links in one POST /api/v1/links/bulk, against the same 1,000 links as
 * single POST /api/v1/links (50 at once, as the creation rows' connections), alternating, on one
 * server with rate limits off. Not a wrk row: one request is the whole workload, so it is timed
 * from here (fetch), every answer checked (200 with 1,000 results of 201; each single a 201).
 * There is no ceiling for it: the comparison is bulk links/s over single-request links/s, per round.
 */
import { performance } from 'node:perf_hooks';
import { call } from '../test/e2e/process-helpers.js';
import type { Kurz } from './kurz.js';
import { median, type Run } from './load.js';
import { apiKey, type Row, type Table } from './scenarios.js';

export const BULK_LINKS = 1_000;
const SINGLES_AT_ONCE = 50;

interface BulkRound { round: number; bulkMs: number; singlesMs: number; singleLatencies: number[] }

/** Runs the row on a started server (which it pins, resumes and, unless `keep`, stops) and adds it to the table. */
export async function bulkRow(table: Table, started: Promise<Kurz>, scenario: string, rounds: number, keep = false): Promise<Row> {
  const kurz = await started;
  try {
    kurz.pin();
    kurz.resume();
    kurz.resetPeak();
    const { key, run } = await apiKey(kurz.url);
    const urls = (round: number | string, kind: string) =>
      Array.from({ length: BULK_LINKS }, (_, i) => `https://example.com/${run}/${kind}-${round}-${i}`);
    // A warm-up of each: the first requests compile the routes' code paths and fill the connection pool.
    await bulk(kurz.url, key, urls('warm', 'bulk'));
    await singles(kurz.url, key, urls('warm', 'single'));
    const measured: BulkRound[] = [];
    for (let round = 1; round <= rounds; round++) {
      const bulkMs = await bulk(kurz.url, key, urls(round, 'bulk'));
      const { ms: singlesMs, latencies: singleLatencies } = await singles(kurz.url, key, urls(round, 'single'));
      measured.push({ round, bulkMs, singlesMs, singleLatencies });
    }
    const perSecond = (ms: number) => (BULK_LINKS / ms) * 1000;
    const bulkRate = median(measured.map((r) => perSecond(r.bulkMs)));
    const singleRate = median(measured.map((r) => perSecond(r.singlesMs)));
    const speedup = median(measured.map((r) => r.singlesMs / r.bulkMs));
    const row: Row = {
      scenario,
      workload: `${BULK_LINKS.toLocaleString('en')} links in one POST /api/v1/links/bulk (links/s); as ${BULK_LINKS.toLocaleString('en')} single POSTs, ${SINGLES_AT_ONCE} at once: `
        + `${Math.round(singleRate)} links/s, so bulk is ${speedup.toFixed(1)}× (median of ${rounds} rounds; p50/p99: median and slowest bulk request)`,
      rps: bulkRate,
      p50: median(measured.map((r) => r.bulkMs)),
      p99: Math.max(...measured.map((r) => r.bulkMs)),
      rssMb: kurz.peakMb(),
      // Rounds in the table's shape: Kurz's run is the bulk request (rps in links/s), `singles` the same links one by one.
      rounds: measured.map((r) => ({ round: r.round, kurz: asRun(r.bulkMs, [r.bulkMs]), singles: asRun(r.singlesMs, r.singleLatencies) })),
    };
    table.add(row);
    return row;
  } finally {
    if (!keep) await kurz.stop();
  }
}

/** A timed batch as the table's Run: requests answered 2xx in `ms` (each took one of `latencies`), rps in links/s. */
const asRun = (ms: number, latencies: number[]): Run => {
  const sorted = [...latencies].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  return {
    rps: (BULK_LINKS / ms) * 1000, p50: at(0.5), p99: at(0.99), counts: { '2xx': sorted.length }, requests: sorted.length,
    seconds: ms / 1000, redirects: 0, maxMs: sorted.at(-1)!,
  };
};

/** One bulk request of `urls`; its duration in ms. Throws unless every item was created. */
async function bulk(base: string, key: string, urls: string[]): Promise<number> {
  const start = performance.now();
  const { status, body } = await call(base, 'POST', '/api/v1/links/bulk', { token: key, body: { links: urls.map((url) => ({ url })) } });
  const ms = performance.now() - start;
  const created = status === 200 ? (body.results as { status: number }[]).filter((r) => r.status === 201).length : 0;
  if (created !== urls.length) throw new Error(`bulk creation: ${status}, ${created} of ${urls.length} created: ${JSON.stringify(body).slice(0, 300)}`);
  return ms;
}

/** `urls` as single POSTs, `SINGLES_AT_ONCE` in flight: the duration of all and of each, in ms. Throws on any answer but 201. */
async function singles(base: string, key: string, urls: string[]): Promise<{ ms: number; latencies: number[] }> {
  let next = 0;
  const latencies: number[] = [];
  const start = performance.now();
  await Promise.all(Array.from({ length: SINGLES_AT_ONCE }, async () => {
    while (next < urls.length) {
      const url = urls[next++]!;
      const sent = performance.now();
      const { status, body } = await call(base, 'POST', '/api/v1/links', { token: key, body: { url } });
      latencies.push(performance.now() - sent);
      if (status !== 201) throw new Error(`single creation: ${status} ${JSON.stringify(body).slice(0, 300)}`);
    }
  }));
  return { ms: performance.now() - start, latencies };
}
