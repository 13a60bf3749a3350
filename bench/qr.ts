/**
 * What QR rendering does to everyone else's requests: `--qr-links` different links (so the QR cache
 * misses) are asked for as 2048-pixel PNGs, `--qr-concurrency` at a time, while a prober sends one
 * GET /healthz after another. The server's event-loop delay is read from its /metrics
 * (`nodejs_eventloop_lag_max_seconds`: prom-client's monitorEventLoopDelay, reset at each scrape), so
 * the scrape just before the load and the one just after bracket it. A mode of bench/run.ts:
 *
 *   npm run bench -- --qr [--qr-links 24] [--qr-concurrency 4]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { call } from '../test/e2e/process-helpers.js';
import { signUp } from './http-scenario.js';
import { startKurz } from './kurz.js';

/** The server's event-loop delay over a phase, and the latency of /healthz probes meanwhile, ms. */
export interface Probed {
  maxLoopDelayMs: number;
  meanLoopDelayMs: number;
  healthz: { count: number; p50: number; p99: number; max: number };
}

export interface QrResult {
  /** QR answers by status. */
  statuses: Record<string, number>;
  qrSeconds: number;
  /** 5 s of probes alone. */
  quiet: Probed;
  /** Probes while the QR load runs. */
  loaded: Probed;
}

/** Kurz as it ships (dist/; build it first), every rate limit off: what is measured is rendering, not refusing. */
export async function qrLoad(options: { links: number; concurrency: number }): Promise<QrResult> {
  const dir = mkdtempSync(join(tmpdir(), 'kurz-qr-'));
  const env = { RATE_API: 'off', RATE_CREATE_LINK: 'off', RATE_QR: 'off' };
  const kurz = await startKurz({ database: join(dir, 'kurz.db'), env });
  try {
    const { token } = await signUp(kurz.url, 'qr@example.com');
    const ids: string[] = [];
    for (let i = 0; i < options.links; i++) {
      const { body } = await call(kurz.url, 'POST', '/api/v1/links', { token, body: { url: `https://example.com/qr/${i}` } });
      ids.push(body.id);
    }
    const auth = { authorization: `Bearer ${token}` };
    // Warm-up: one small render (JIT, the worker pool starting), not measured.
    await (await fetch(`${kurz.url}/api/v1/links/${ids[0]}/qr.png?size=64`, { headers: auth })).arrayBuffer();
    // The same probe without QR load first: on a shared machine, the delay other processes cause.
    const quiet = await probed(kurz.url, new Promise((resolve) => setTimeout(resolve, 5_000)));
    const statuses: Record<string, number> = {};
    const queue = [...ids];
    const started = performance.now();
    const loaded = await probed(kurz.url, Promise.all(Array.from({ length: options.concurrency }, async () => {
      for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
        const res = await fetch(`${kurz.url}/api/v1/links/${id}/qr.png?size=2048`, { headers: auth });
        await res.arrayBuffer();
        statuses[res.status] = (statuses[res.status] ?? 0) + 1;
      }
    })));
    return { statuses, qrSeconds: (performance.now() - started) / 1000, quiet, loaded };
  } finally {
    await kurz.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** GET /healthz one after another (5 ms apart) until `phase` settles; the loop delay is from the server's /metrics. */
async function probed(base: string, phase: Promise<unknown>): Promise<Probed> {
  await loopDelay(base); // resets the server's histogram
  let running = true;
  const latencies: number[] = [];
  const probe = (async () => {
    while (running) {
      const start = performance.now();
      await (await fetch(`${base}/healthz`)).text();
      latencies.push(performance.now() - start);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  })();
  await phase;
  running = false;
  await probe;
  const delay = await loopDelay(base);
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]!;
  return { ...delay, healthz: { count: latencies.length, p50: at(0.5), p99: at(0.99), max: latencies.at(-1)! } };
}

/** The server's max and mean event-loop delay since its previous scrape, in ms. */
async function loopDelay(base: string): Promise<{ maxLoopDelayMs: number; meanLoopDelayMs: number }> {
  const text = await (await fetch(`${base}/metrics`)).text();
  const gauge = (name: string) => Number(new RegExp(`^${name} ([\\d.e+-]+)$`, 'm').exec(text)?.[1] ?? NaN) * 1000;
  return { maxLoopDelayMs: gauge('nodejs_eventloop_lag_max_seconds'), meanLoopDelayMs: gauge('nodejs_eventloop_lag_mean_seconds') };
}

export function printQr(r: QrResult, options: { links: number; concurrency: number }): void {
  const ms = (x: number) => x.toFixed(1);
  console.log(`${options.links} different links as 2048-pixel PNGs, ${options.concurrency} at a time, while /healthz is probed one request after another;`);
  console.log(`the same probes for 5 s before, alone. QR answers: ${Object.entries(r.statuses).map(([s, n]) => `${n}× ${s}`).join(', ')}, in ${r.qrSeconds.toFixed(1)} s.`);
  console.log('| phase | server event-loop delay, max | mean | /healthz answered | /healthz p50 / p99 / max |');
  console.log('|---|---|---|---|---|');
  for (const [name, p] of [['probes alone', r.quiet], ['probes + QR load', r.loaded]] as const) {
    console.log(`| ${name} | ${ms(p.maxLoopDelayMs)} ms | ${ms(p.meanLoopDelayMs)} ms | ${p.healthz.count} | ${ms(p.healthz.p50)} / ${ms(p.healthz.p99)} / ${ms(p.healthz.max)} ms |`);
  }
}
