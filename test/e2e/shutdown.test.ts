/**
 * What a shutdown or a dead worker does to clients, on the real processes, with exact counts: the
 * clients are closed loops on real sockets (test/support/http-lanes.ts), each attempt recorded.
 *
 * SIGTERM drains: /readyz answers 503, the listener closes, every request already received or sent on
 * a connection the server still holds is answered with `Connection: close`, idle keep-alive
 * connections are closed with a FIN, and the process exits 0. One process, and the primary of
 * `--workers 2`. A SIGKILLed worker: no request hangs, only requests in flight on the dead worker fail,
 * and every request after its death is answered.
 */
import { test, describe, after, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { startLanes, tally, rawConnection, type Attempt, type Lanes, type RawConnection } from '../support/http-lanes.js';
import { call, killAll, sandbox, within, type LogLine, type Server } from './process-helpers.js';

after(killAll);

const TIMEOUT = { timeout: 120_000 };
const PASSWORD = 'correct horse battery staple';
/** Longer than any drain here can take: an attempt that reaches it hung. */
const CLIENT_TIMEOUT_MS = 10_000;
const NO_LIMITS = { RATE_REDIRECT: 'off', RATE_NOT_FOUND: 'off', RATE_API: 'off', RATE_AUTH_IP: 'off', RATE_AUTH_EMAIL: 'off' };
const LISTENING = 'Server listening at ';
/** Start-up under tsx takes seconds, and more on a loaded machine. */
const START_MS = 60_000;

const isListening = (line: LogLine) => typeof line.msg === 'string' && line.msg.startsWith(LISTENING);
const msgIs = (msg: string) => (line: LogLine) => line.msg === msg;
const listeningPids = (server: Server) => [...new Set(server.logs().filter(isListening).map((line) => line.pid as number))];

async function signUpAndLink(server: Server): Promise<{ token: string; code: string }> {
  const email = 'drain@example.com';
  assert.equal((await call(server.url, 'POST', '/api/v1/users', { body: { email, password: PASSWORD } })).status, 201);
  const token = (await call(server.url, 'POST', '/api/v1/auth/token', { body: { email, password: PASSWORD } })).body.access_token as string;
  const link = await call(server.url, 'POST', '/api/v1/links', { token, body: { url: 'https://example.com/drained' } });
  assert.equal(link.status, 201, JSON.stringify(link.body));
  return { token, code: link.body.code };
}

/** Resolves once every lane has had `n` answers since this call. */
async function answered(lanes: Lanes[], n: number): Promise<void> {
  const from = lanes.map((l) => l.attempts.length);
  const enough = () => lanes.every((l, i) => {
    const fresh = l.attempts.slice(from[i]);
    return Array.from({ length: l.count }, (_, lane) => fresh.filter((a) => a.lane === lane && a.status !== undefined).length >= n).every(Boolean);
  });
  await within(30_000, (async () => {
    while (!enough()) await new Promise((r) => setTimeout(r, 20));
  })(), () => `lanes did not get ${n} answers each: ${lanes.map((l) => JSON.stringify(tally(l.attempts))).join(' ')}`);
}

const describeAttempts = (attempts: Attempt[]) =>
  attempts.map((a) => `${a.id}@${a.port}: ${a.status ?? a.error} ${a.connection ?? ''} ${Math.round(a.ms)} ms`).join('\n');

/**
 * The account of a keep-alive lane that ran through a drain: each request it sent was answered (none
 * failed), and its connection ended with an answer that said `Connection: close`; after that, each
 * attempt was refused (the listener was closed) or answered with `Connection: close` too.
 */
function assertDrainedLane(attempts: Attempt[], lane: number, status: number, what: string): void {
  const mine = attempts.filter((a) => a.lane === lane);
  const t = tally(mine);
  assert.equal(t.failed, 0, `${what} lane ${lane}: a request it sent was never answered\n${describeAttempts(mine)}`);
  assert.equal(t.sent, t.answered, `${what} lane ${lane}: sent ${t.sent}, answered ${t.answered}`);
  const firstClose = mine.findIndex((a) => a.connection === 'close');
  assert.ok(firstClose !== -1, `${what} lane ${lane}: no answer closed the connection\n${describeAttempts(mine.slice(-5))}`);
  for (const a of mine.slice(firstClose)) {
    assert.ok(!a.sent || a.connection === 'close', `${what} lane ${lane}: after the drain began, ${a.id} was answered without Connection: close`);
  }
  const statuses = new Set(mine.filter((a) => a.status !== undefined).map((a) => a.status));
  assert.deepEqual([...statuses], [status], `${what} lane ${lane}: every answer is ${status}`);
}

/**
 * Runs the drain scenario against `server` (one process, or a primary and its workers, listed in
 * `drainers`): keep-alive clients redirecting and calling the API in a loop, idle keep-alive
 * connections, and a /readyz request whose head is held half-sent until the drain has begun.
 */
async function drainUnderLoad(t: TestContext, server: Server, drainers: number[]): Promise<void> {
  const { token, code } = await signUpAndLink(server);
  const REDIRECT_LANES = 6;
  const API_LANES = 2;
  const redirects = startLanes({ base: server.url, path: () => `/${code}`, count: REDIRECT_LANES, keepAlive: true, timeoutMs: CLIENT_TIMEOUT_MS, idPrefix: 'r' });
  const api = startLanes({
    base: server.url, path: () => '/api/v1/users/me', count: API_LANES, keepAlive: true, timeoutMs: CLIENT_TIMEOUT_MS,
    headers: { authorization: `Bearer ${token}` }, idPrefix: 'a',
  });
  t.after(() => Promise.all([redirects.stop(), api.stop()]));
  const idle: RawConnection[] = [];
  for (let i = 0; i < 3; i++) {
    const connection = await rawConnection(server.url);
    assert.equal((await connection.get('/healthz')).status, 200);
    idle.push(connection);
  }
  // The head of a /readyz request without its final empty line: a request in progress, finished once
  // the drain has begun.
  const held = await rawConnection(server.url);
  held.write(`GET /readyz HTTP/1.1\r\nHost: ${new URL(server.url).host}\r\n`);
  await answered([redirects, api], 20);

  server.signal('SIGTERM');
  for (const pid of drainers) await server.waitForLog((line) => line.pid === pid && line.msg === 'shutting down');
  held.write('\r\n');
  const ready = await held.response();
  const exit = await server.stop(30_000);
  await Promise.all([redirects.stop(), api.stop()]);

  assert.deepEqual(exit, { code: 0, signal: null }, server.transcript());
  const all = tally([...redirects.attempts, ...api.attempts]);
  assert.equal(all.failed, 0, `every request sent is answered: ${JSON.stringify(all)}`);
  assert.equal(all.sent, all.answered, JSON.stringify(all));
  for (let lane = 0; lane < REDIRECT_LANES; lane++) assertDrainedLane(redirects.attempts, lane, 302, 'redirect');
  for (let lane = 0; lane < API_LANES; lane++) assertDrainedLane(api.attempts, lane, 200, 'API');

  const endings = await Promise.all(idle.map((c) => c.closed));
  assert.deepEqual(endings, ['fin', 'fin', 'fin'], 'idle keep-alive connections are closed with a FIN, not reset');
  assert.deepEqual(idle.map((c) => c.strayBytes()), [0, 0, 0], 'and nothing is sent on them before');

  assert.equal(ready.status, 503, `/readyz during the drain: ${JSON.stringify(ready)}`);
  assert.equal(ready.headers['content-type'], 'application/problem+json; charset=utf-8', JSON.stringify(ready));
  assert.equal(ready.headers.connection, 'close');
  assert.equal(await held.closed, 'fin', 'the /readyz connection is closed cleanly after its answer');

  const logs = server.logs();
  for (const pid of drainers) assert.ok(logs.some((l) => l.pid === pid && l.msg === 'stopped'), `${pid} stops gracefully\n${server.stdout()}`);
  assert.deepEqual(logs.filter((l) => (l.level as number) >= 50).map((l) => l.msg), [], 'no errors while draining');
}

describe('shutdown and worker death under load', () => {
  test('when SIGTERM arrives while keep-alive clients redirect and call the API, then every request sent is answered, each connection ends with Connection: close or a FIN, /readyz answers 503, and the process exits 0', TIMEOUT, async (t) => {
    const box = sandbox(t);
    const server = await box.start({ env: { ...NO_LIMITS, LOG_REQUESTS: '0' }, timeoutMs: START_MS });
    await drainUnderLoad(t, server, [server.pid]);
  });

  test('when the primary of --workers 2 gets SIGTERM under the same load, then both workers drain the same way and the primary exits 0', TIMEOUT, async (t) => {
    const box = sandbox(t);
    const server = await box.start({ flags: ['--workers', '2'], env: { ...NO_LIMITS, LOG_REQUESTS: '0' }, timeoutMs: START_MS });
    await server.waitForLog(() => listeningPids(server).length === 2 && server.logs().some(msgIs('primary started')), START_MS);
    await drainUnderLoad(t, server, listeningPids(server));
  });

  // 62 to 74 s alone on this machine (most of it the lanes' rounds and the replacement worker's start);
  // beside the other suites of a CI run it passed 120 s twice, so it gets twice that.
  test('when a worker of --workers 2 is SIGKILLed under load, then every request settles without hanging, only requests on the dead worker fail, and every request after its death is answered', { timeout: 240_000 }, async (t) => {
    const LANES = 6;
    const box = sandbox(t);
    // Every redirect logged with its request id and pid, so each answer is traced to the worker that gave it.
    const server = await box.start({ flags: ['--workers', '2'], env: { ...NO_LIMITS, LOG_REQUESTS: '0', LOG_REDIRECTS: '1' }, timeoutMs: START_MS });
    await server.waitForLog(() => listeningPids(server).length === 2 && server.logs().some(msgIs('primary started')), START_MS);
    const [victim, survivor] = listeningPids(server) as [number, number];
    const { code } = await signUpAndLink(server);

    // Keep-alive clients, and clients that open a connection per request: those are what the primary
    // hands to a worker at the instant it dies.
    const kept = startLanes({ base: server.url, path: () => `/${code}`, count: LANES, keepAlive: true, timeoutMs: CLIENT_TIMEOUT_MS, idPrefix: 'k' });
    const fresh = startLanes({ base: server.url, path: () => `/${code}`, count: LANES, keepAlive: false, timeoutMs: CLIENT_TIMEOUT_MS, idPrefix: 'f' });
    t.after(() => Promise.all([kept.stop(), fresh.stop()]));
    await answered([kept, fresh], 20);

    const killedAt = performance.now();
    process.kill(victim, 'SIGKILL');
    // Scanning the raw output: parsing thousands of log lines on every chunk would slow the test to a crawl.
    const replaced = () => (server.stdout().match(/"pid":(\d+)[^\n]*"msg":"Server listening at /g) ?? []).length > 2;
    await within(60_000, (async () => {
      while (!replaced()) await new Promise((r) => setTimeout(r, 100));
    })(), () => 'waiting for the replacement worker');
    const replacedAt = performance.now();
    await answered([kept, fresh], 20);
    await Promise.all([kept.stop(), fresh.stop()]);
    assert.equal(kept.pending() + fresh.pending(), 0);

    const attempts = [...kept.attempts, ...fresh.attempts];
    // A worker answers, then logs: wait for the lines of the last answers.
    const mustBeLogged = attempts.filter((a) => a.status !== undefined && a.at > killedAt).map((a) => a.id);
    const logged = () => new Set([...server.stdout().matchAll(/"reqId":"([^"]+)"/g)].map((m) => m[1]));
    await within(10_000, (async () => {
      while (!mustBeLogged.every((id) => logged().has(id))) await new Promise((r) => setTimeout(r, 100));
    })(), () => `answers after the kill that no worker logged: ${mustBeLogged.filter((id) => !logged().has(id)).join(', ')}`);
    const logs = server.logs();
    const pidOf = new Map(logs.filter((l) => l.msg === 'request completed' && typeof l.reqId === 'string').map((l) => [l.reqId as string, l.pid as number]));
    const died = logs.find((l) => l.msg === 'worker died; starting another');
    assert.equal(died?.workerPid, victim, JSON.stringify(died));

    // No attempt hung: each was answered or failed, and none reached the client's timeout.
    const t1 = tally(attempts);
    assert.equal(t1.sent + t1.refused, attempts.length);
    assert.equal(t1.refused, 0, 'the port stays open while a worker is replaced');
    assert.deepEqual(attempts.filter((a) => a.error === 'timeout').map((a) => a.id), [], `no request hangs: ${JSON.stringify(t1)}`);

    // Every answer is the redirect, logged by the worker that gave it; only the killed worker can have
    // died between answering and logging.
    for (const a of attempts.filter((x) => x.status !== undefined)) {
      assert.equal(a.status, 302, a.id);
      assert.ok(pidOf.has(a.id) || a.at < killedAt, `${a.id} was answered but not logged`);
    }
    // The survivor answered every request it received on a keep-alive connection (lane and local port
    // name it). A fresh connection's failed request has no other request on its connection to say which
    // worker held it: a later connection that reused its local port said the survivor (a false failure
    // seen in CI), so those are checked by time only, below.
    const connectionPid = new Map<string, number>();
    for (const a of attempts) if (pidOf.has(a.id) && a.id.startsWith('k-')) connectionPid.set(`${a.lane}:${a.port}`, pidOf.get(a.id)!);
    const failed = attempts.filter((a) => a.status === undefined);
    for (const a of failed) {
      const pid = a.id.startsWith('k-') ? connectionPid.get(`${a.lane}:${a.port}`) : undefined;
      assert.notEqual(pid, survivor, `${a.id} failed (${a.error}) on a connection the surviving worker served`);
      assert.ok(a.at + a.ms > killedAt, `${a.id} failed (${a.error}) before the kill`);
    }
    // A keep-alive connection on the dead worker loses at most its request in flight.
    for (let lane = 0; lane < LANES; lane++) {
      assert.ok(failed.filter((a) => a.id.startsWith('k-') && a.lane === lane).length <= 1, `keep-alive lane ${lane} failed more than once\n${describeAttempts(failed)}`);
    }
    // Once the replacement listens, every request is answered, by the survivor and the replacement.
    const afterReplacement = attempts.filter((a) => a.at > replacedAt);
    assert.deepEqual(afterReplacement.filter((a) => a.status === undefined).map((a) => `${a.id}: ${a.error}`), []);
    const replacement = listeningPids(server).find((pid) => pid !== victim && pid !== survivor);
    assert.deepEqual(new Set(afterReplacement.map((a) => pidOf.get(a.id))), new Set([survivor, replacement]));
    t.diagnostic(`attempts ${attempts.length}: ${JSON.stringify(t1)}; failed ${failed.map((a) => `${a.id} ${a.error} ${Math.round(a.ms)} ms`).join(', ')}`);

    assert.deepEqual(await server.stop(30_000), { code: 0, signal: null }, server.transcript().slice(-3000));
  });
});
