/**
 * What a shutdown or a dead worker does to the clients: exact counts, not throughput.
 *
 *   node --import tsx bench/drain.ts sigterm [--workers 2] [--lanes 10] [--fresh 0] [--idle 5] [--runs 3]
 *   node --import tsx bench/drain.ts kill-worker [--lanes 10] [--fresh 10] [--runs 3]
 *
 * `sigterm`: `--lanes` keep-alive clients redirect in a closed loop (one request after another, each
 * client on a connection of its own), `--fresh` more open a connection per request, `--idle` keep-alive
 * connections sit idle after one answer, and one keep-alive client polls /readyz; after 1.5 s the
 * server gets SIGTERM. Printed: what was sent, answered, failed after sending, refused (nothing sent:
 * the listener was closed), the slowest attempt, how many answers that reached the client after the
 * drain began (its log line) carried `Connection: close`, how the idle connections ended (FIN or RST),
 * the /readyz answers, and the exit.
 *
 * `kill-worker`: `kurz serve --workers 2` under the same load; after 1.5 s one worker gets SIGKILL; the
 * load goes on until 2 s after its replacement listens. Printed: the same counts for the attempts
 * started before the kill, between the kill and the replacement's start, and after, and the slowest
 * attempt. A client's own timeout is 5 s, as in the fault test of issue 11.
 */
import { parseArgs } from 'node:util';
import { join } from 'node:path';
import { startLanes, tally, rawConnection, type Attempt } from '../test/support/http-lanes.js';
import { call, startServer, tempDir, type LogLine, type Server } from '../test/e2e/process-helpers.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    workers: { type: 'string', default: '1' },
    lanes: { type: 'string', default: '10' },
    fresh: { type: 'string' },
    idle: { type: 'string', default: '5' },
    runs: { type: 'string', default: '3' },
  },
});
const mode = positionals[0] ?? 'sigterm';
const freshLanes = Number(values.fresh ?? (mode === 'kill-worker' ? 10 : 0));
const CLIENT_TIMEOUT_MS = 5_000;
const NO_LIMITS = { RATE_REDIRECT: 'off', RATE_NOT_FOUND: 'off', RATE_API: 'off', RATE_AUTH_IP: 'off', RATE_AUTH_EMAIL: 'off', LOG_REQUESTS: '0' };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const isListening = (line: LogLine) => typeof line.msg === 'string' && line.msg.startsWith('Server listening at ');

async function setUp(workers: number): Promise<{ server: Server; code: string; cleanUp: () => void }> {
  const tmp = tempDir();
  const server = await startServer({
    databaseFile: join(tmp.dir, 'kurz.db'),
    flags: workers > 1 ? ['--workers', String(workers)] : [],
    listeners: workers,
    env: NO_LIMITS,
    timeoutMs: 30_000,
  });
  const password = 'correct horse battery staple';
  await call(server.url, 'POST', '/api/v1/users', { body: { email: 'drain@example.com', password } });
  const token = (await call(server.url, 'POST', '/api/v1/auth/token', { body: { email: 'drain@example.com', password } })).body.access_token;
  const link = await call(server.url, 'POST', '/api/v1/links', { token, body: { url: 'https://example.com/drain' } });
  return { server, code: link.body.code, cleanUp: tmp.remove };
}

const row = (label: string, attempts: Attempt[]) => {
  const t = tally(attempts);
  return `${label.padEnd(22)} sent ${String(t.sent).padStart(6)}  answered ${String(t.answered).padStart(6)}  failed ${String(t.failed).padStart(3)}  refused ${String(t.refused).padStart(5)}  slowest ${String(t.maxMs).padStart(5)} ms  ${JSON.stringify(t.errors)}`;
};

async function sigterm(run: number): Promise<void> {
  const workers = Number(values.workers);
  const { server, code, cleanUp } = await setUp(workers);
  const lanes = startLanes({ base: server.url, path: () => `/${code}`, count: Number(values.lanes), keepAlive: true, timeoutMs: CLIENT_TIMEOUT_MS });
  const fresh = startLanes({ base: server.url, path: () => `/${code}`, count: freshLanes, keepAlive: false, timeoutMs: CLIENT_TIMEOUT_MS, idPrefix: 'fresh' });
  const ready = startLanes({ base: server.url, path: () => '/readyz', count: 1, keepAlive: true, timeoutMs: CLIENT_TIMEOUT_MS, refusedPauseMs: 100, idPrefix: 'ready' });
  const idle = await Promise.all(Array.from({ length: Number(values.idle) }, async () => {
    const connection = await rawConnection(server.url);
    await connection.get('/healthz');
    return connection;
  }));
  await sleep(1_500);

  const t0 = performance.now();
  server.signal('SIGTERM');
  const exit = await server.exited;
  const drainMs = Math.round(performance.now() - t0);
  await Promise.all([lanes.stop(), fresh.stop(), ready.stop()]);
  const idleEnds = await Promise.all(idle.map((c) => c.closed));
  cleanUp();

  // The first "shutting down" line (the primary's, with --workers) on this process's clock.
  const began = server.logs().find((l) => typeof l.msg === 'string' && l.msg.startsWith('shutting down'));
  const drainAt = (began?.time as number) - performance.timeOrigin;
  const late = lanes.attempts.filter((a) => a.at + a.ms >= drainAt && a.status !== undefined);
  console.log(`run ${run}: ${workers} process(es), exit ${JSON.stringify(exit)} ${drainMs} ms after SIGTERM`);
  console.log(`  ${row('keep-alive lanes', lanes.attempts)}`);
  if (fresh.count) console.log(`  ${row('fresh-connection lanes', fresh.attempts)}`);
  console.log(`  keep-alive answers received after the drain began: ${late.length}, with Connection: close ${late.filter((a) => a.connection === 'close').length}, statuses ${JSON.stringify(count(late.map((a) => a.status)))}`);
  console.log(`  idle connections: ${JSON.stringify(count(idleEnds))}; /readyz answers after the drain began ${JSON.stringify(count(ready.attempts.filter((a) => a.at + a.ms >= drainAt).map((a) => a.status ?? a.error)))}`);
}

async function killWorker(run: number): Promise<void> {
  const { server, code, cleanUp } = await setUp(2);
  const workers = [...new Set(server.logs().filter(isListening).map((l) => l.pid as number))];
  const lanes = startLanes({ base: server.url, path: () => `/${code}`, count: Number(values.lanes), keepAlive: true, timeoutMs: CLIENT_TIMEOUT_MS });
  const fresh = startLanes({ base: server.url, path: () => `/${code}`, count: freshLanes, keepAlive: false, timeoutMs: CLIENT_TIMEOUT_MS, idPrefix: 'fresh' });
  await sleep(1_500);
  const t0 = performance.now();
  process.kill(workers[0]!, 'SIGKILL');
  await server.waitForLog((l) => isListening(l) && !workers.includes(l.pid as number), 20_000);
  const t1 = performance.now();
  await sleep(2_000);
  await Promise.all([lanes.stop(), fresh.stop()]);
  const all = [...lanes.attempts, ...fresh.attempts];
  const phase = (from: number, to: number) => all.filter((a) => a.at >= from && a.at < to);
  console.log(`run ${run}: worker ${workers[0]} SIGKILLed; replacement listening ${Math.round(t1 - t0)} ms later`);
  console.log(`  ${row('before the kill', phase(-Infinity, t0))}`);
  console.log(`  ${row('kill → replacement', phase(t0, t1))}`);
  console.log(`  ${row('after the replacement', phase(t1, Infinity))}`);
  console.log(`  ${row('keep-alive lanes', lanes.attempts)}`);
  console.log(`  ${row('fresh-connection lanes', fresh.attempts)}`);
  const slow = all.filter((a) => a.ms > 1_000).map((a) => `${a.error ?? a.status} after ${Math.round(a.ms)} ms`);
  console.log(`  attempts over 1 s: ${slow.length ? slow.join(', ') : 'none'}; then SIGTERM: exit ${JSON.stringify(await server.stop(30_000))}`);
  cleanUp();
}

function count<T>(xs: T[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const x of xs) out[String(x)] = (out[String(x)] ?? 0) + 1;
  return out;
}

for (let run = 1; run <= Number(values.runs); run++) {
  if (mode === 'kill-worker') await killWorker(run);
  else await sigterm(run);
}
