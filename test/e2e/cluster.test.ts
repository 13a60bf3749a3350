/**
 * `kurz serve --workers N` on the real processes: a primary forks N node:cluster workers on one port.
 * Connections are spread over the workers, SIGTERM stops them all gracefully, a worker that dies is
 * replaced, an edit through one worker reaches the other workers' in-process caches at once (over
 * IPC, no Redis), and the clicks each worker holds in memory are written at shutdown.
 * Each test runs on its own SQLite file in a temporary folder.
 */
import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { randomUUID } from 'node:crypto';
import { call, killAll, sandbox, type LogLine, type Server } from './process-helpers.js';

after(killAll);

const TIMEOUT = { timeout: 60_000 };
const PASSWORD = 'correct horse battery staple';
const WORKERS = 2;
/** A browser's User-Agent: a bot's clicks are left out of the stats. */
const BROWSER_UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36';
/**
 * Every request logged with its pid (API requests by Fastify, redirects by the sampled line at rate 1),
 * and no rate limit in the way of a burst of redirects or of the 404s the tests look for.
 */
const LOGGED = { LOG_REQUESTS: '1', LOG_REDIRECTS: '1', RATE_REDIRECT: 'off', RATE_NOT_FOUND: 'off', RATE_API: 'off' };

const LISTENING = 'Server listening at ';
const isListening = (line: LogLine) => typeof line.msg === 'string' && line.msg.startsWith(LISTENING);
const msgIs = (msg: string) => (line: LogLine) => line.msg === msg;

// ---------------------------------------------------------------------------------------------
// Helpers

/** The pids that logged "Server listening at …", in order; the primary never does. */
const listeningPids = (server: Server): number[] => [...new Set(server.logs().filter(isListening).map((line) => line.pid as number))];

/** Resolves once `condition()` holds, re-checked on every log line the process writes. */
async function waitUntil(server: Server, condition: () => boolean, timeoutMs = 20_000): Promise<void> {
  await server.waitForLog(() => condition(), timeoutMs);
}

type Box = ReturnType<typeof sandbox>;

/** `kurz serve --workers 2`, resolved once the primary has started and every worker listens. */
async function startCluster(box: Box, env: Record<string, string> = {}): Promise<{ server: Server; workers: number[] }> {
  const server = await box.start({ flags: ['--workers', String(WORKERS)], env });
  await waitUntil(server, () => listeningPids(server).length >= WORKERS && server.logs().some(msgIs('primary started')));
  const workers = listeningPids(server);
  assert.equal(workers.length, WORKERS, server.transcript());
  assert.ok(!workers.includes(server.pid), 'the primary serves no requests itself');
  const primary = server.logs().find(msgIs('primary started'))!;
  assert.equal(primary.pid, server.pid);
  assert.equal(primary.role, 'primary');
  return { server, workers };
}

interface Answer {
  status: number;
  location: string | undefined;
  /** The worker that answered, from the log line carrying the request's id. */
  pid: number;
}

/**
 * One GET on a connection of its own (agent: false, Connection: close), so the primary's round-robin
 * hands each request to the next worker. The request carries its own x-request-id, and the worker that
 * answered is read from the log line with that id.
 */
async function get(server: Server, path: string, headers: Record<string, string> = {}): Promise<Answer> {
  const id = `e2e-${randomUUID()}`;
  const { status, location } = await new Promise<{ status: number; location: string | undefined }>((resolve, reject) => {
    const req = request(new URL(path, server.url), { agent: false, headers: { ...headers, 'x-request-id': id }, timeout: 10_000 });
    req.once('timeout', () => req.destroy(new Error(`GET ${path} timed out`)));
    req.once('error', reject);
    req.once('response', (res) => {
      res.resume();
      res.once('end', () => resolve({ status: res.statusCode!, location: res.headers.location }));
      res.once('error', reject);
    });
    req.end();
  });
  const line = await server.waitForLog((l) => l.reqId === id && l.msg === 'request completed', 5_000);
  return { status, location, pid: line.pid as number };
}

/** `n` GETs one after another, each on a fresh connection. */
async function getEach(server: Server, path: string, n: number): Promise<Answer[]> {
  const answers: Answer[] = [];
  for (let i = 0; i < n; i++) answers.push(await get(server, path));
  return answers;
}

const pidsOf = (answers: Answer[]) => [...new Set(answers.map((a) => a.pid))].sort((a, b) => a - b);
const sorted = (pids: number[]) => [...pids].sort((a, b) => a - b);

/** Whether a process with this pid exists (signal 0 checks without signalling). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    assert.equal((err as NodeJS.ErrnoException).code, 'ESRCH', String(err));
    return false;
  }
}

async function signUpAndSignIn(server: Server, email: string): Promise<string> {
  const signUp = await call(server.url, 'POST', '/api/v1/users', { body: { email, password: PASSWORD } });
  assert.equal(signUp.status, 201, JSON.stringify(signUp.body));
  const token = await call(server.url, 'POST', '/api/v1/auth/token', { body: { email, password: PASSWORD } });
  assert.equal(token.status, 200, JSON.stringify(token.body));
  return token.body.access_token;
}

async function createLink(server: Server, token: string, body: { url: string; code?: string }): Promise<{ id: string; code: string }> {
  const created = await call(server.url, 'POST', '/api/v1/links', { token, body });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  return { id: created.body.id, code: created.body.code };
}

/** Every answer is `status` (and, for a redirect, `location`), and the answers came from every worker. */
function assertAll(answers: Answer[], workers: number[], status: number, location: string | undefined, what: string): void {
  const wrong = answers.filter((a) => a.status !== status || a.location !== location);
  assert.deepEqual(
    wrong, [],
    `${what}: every answer must be ${status} ${location ?? ''} at once; got ${answers.map((a) => `${a.pid}:${a.status} ${a.location ?? ''}`).join(', ')}`,
  );
  assert.deepEqual(pidsOf(answers), sorted(workers), `${what}: the answers must come from every worker`);
}

// ---------------------------------------------------------------------------------------------

describe('kurz serve --workers 2', () => {
  test('spreads connections over two worker processes, and SIGTERM stops every worker before the primary exits 0', TIMEOUT, async (t) => {
    const box = sandbox(t);
    const { server, workers } = await startCluster(box, LOGGED);

    const answers = await getEach(server, '/healthz', 6);
    assert.ok(answers.every((a) => a.status === 200), JSON.stringify(answers));
    assert.deepEqual(pidsOf(answers), sorted(workers), 'fresh connections must reach both workers');

    const exit = await server.stop();
    assert.deepEqual(exit, { code: 0, signal: null }, server.transcript());
    // Ordered by each line's time, not its place in the output: the workers share the primary's stdout,
    // and their lines are not always written in the order they were logged.
    const logs = server.logs();
    const timeOf = (pid: number, msg: string) => {
      const line = logs.find((l) => l.pid === pid && l.msg === msg);
      assert.ok(line, `${pid === server.pid ? 'the primary' : `worker ${pid}`} must log "${msg}"\n${server.stdout()}`);
      return line.time as number;
    };
    const primaryShuttingDown = timeOf(server.pid, 'shutting down workers');
    const primaryStopped = timeOf(server.pid, 'stopped');
    for (const pid of workers) {
      const shuttingDown = timeOf(pid, 'shutting down');
      const stopped = timeOf(pid, 'stopped');
      assert.ok(primaryShuttingDown <= shuttingDown && shuttingDown <= stopped && stopped <= primaryStopped, server.stdout());
    }
    assert.equal(logs.findLast((l) => l.pid === server.pid)?.msg, 'stopped', `the primary's last line is "stopped"\n${server.stdout()}`);
    assert.ok(!logs.some((line) => (line.level as number) >= 50), `no errors while stopping\n${server.stdout()}`);
    for (const pid of workers) assert.equal(alive(pid), false, `worker ${pid} must be gone once the primary has exited`);
  });

  test('an edit through one worker is seen at once by the other (no Redis): update, delete, and a create after a cached 404', TIMEOUT, async (t) => {
    const box = sandbox(t);
    const { server, workers } = await startCluster(box, LOGGED);
    const token = await signUpAndSignIn(server, 'coherent@example.com');

    const link = await createLink(server, token, { url: 'https://example.com/before' });
    const path = `/${link.code}`;
    // Both workers load the link into their L1 (the first GET each is a miss, the rest are L1 hits).
    assertAll(await getEach(server, path, 6), workers, 302, 'https://example.com/before', 'before the edit');

    // The edit goes through one worker (the API's keep-alive connection); the GETs right after it
    // reach both. Without the relay, the other worker would serve the old target for up to CACHE_L1_TTL (5 s).
    const patched = await call(server.url, 'PATCH', `/api/v1/links/${link.id}`, { token, body: { url: 'https://example.com/after' } });
    assert.equal(patched.status, 200, JSON.stringify(patched.body));
    assertAll(await getEach(server, path, 6), workers, 302, 'https://example.com/after', 'right after the PATCH');

    const deleted = await call(server.url, 'DELETE', `/api/v1/links/${link.id}`, { token });
    assert.equal(deleted.status, 204, JSON.stringify(deleted.body));
    assertAll(await getEach(server, path, 6), workers, 404, undefined, 'right after the DELETE');

    // An unknown code is cached as such (negative caching) on both workers; creating it must reach both.
    const fresh = `fresh-${randomUUID().slice(0, 8)}`;
    assertAll(await getEach(server, `/${fresh}`, 6), workers, 404, undefined, 'before the code exists');
    await createLink(server, token, { url: 'https://example.com/fresh', code: fresh });
    assertAll(await getEach(server, `/${fresh}`, 6), workers, 302, 'https://example.com/fresh', 'right after the create');

    assert.deepEqual(await server.stop(), { code: 0, signal: null }, server.transcript());
  });

  test('clicks held in memory by both workers are written at SIGTERM and counted once', TIMEOUT, async (t) => {
    const N = 200;
    const CONCURRENCY = 10;
    const box = sandbox(t);
    // Clicks leave the buffer after 60 s or 500 clicks: until SIGTERM, the 200 clicks are only in memory.
    const { server, workers } = await startCluster(box, { ...LOGGED, LOG_REQUESTS: '0', ANALYTICS: 'on', CLICK_FLUSH_MS: '60000' });
    const token = await signUpAndSignIn(server, 'clicks@example.com');
    const link = await createLink(server, token, { url: 'https://example.com/counted' });

    let next = 0;
    const answers: Answer[] = [];
    const lane = async () => {
      while (next < N) {
        next++;
        answers.push(await get(server, `/${link.code}`, { 'user-agent': BROWSER_UA }));
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, lane));
    assert.equal(answers.length, N);
    assert.deepEqual(answers.filter((a) => a.status !== 302 || a.location !== 'https://example.com/counted'), []);
    const perWorker = workers.map((pid) => answers.filter((a) => a.pid === pid).length);
    assert.ok(perWorker.every((n) => n > 0), `both workers must have served redirects: ${perWorker.join(' + ')}`);

    const before = await call(server.url, 'GET', `/api/v1/links/${link.id}`, { token });
    assert.equal(before.status, 200, JSON.stringify(before.body));
    assert.equal(before.body.clicks, 0, 'before SIGTERM the clicks are still in the workers\' buffers');

    assert.deepEqual(await server.stop(), { code: 0, signal: null }, server.transcript());
    for (const pid of workers) {
      assert.ok(server.logs().some((line) => line.pid === pid && line.msg === 'stopped'), `worker ${pid} must stop gracefully\n${server.stdout()}`);
    }
    assert.ok(!server.logs().some(msgIs('clicks could not be written at shutdown')), server.stdout());
    // Both workers write their batch to the one SQLite file at the same moment: the second waits for
    // the first (BEGIN IMMEDIATE, busy_timeout) rather than failing and retrying.
    const errors = server.logs().filter((line) => (line.level as number) >= 50);
    assert.deepEqual(errors.map((line) => `${line.pid}: ${line.msg} (${(line.err as { message?: string } | undefined)?.message ?? ''})`), []);

    // One process on the same database file (and the jwt-secret beside it, so the token still works).
    const single = await box.start({ env: { LOG_REQUESTS: '0' } });
    const after = await call(single.url, 'GET', `/api/v1/links/${link.id}`, { token });
    assert.equal(after.status, 200, JSON.stringify(after.body));
    assert.equal(after.body.clicks, N, `the link's clicks must equal the redirects (${perWorker.join(' + ')} per worker)`);
    const stats = await call(single.url, 'GET', `/api/v1/links/${link.id}/stats`, { token });
    assert.equal(stats.status, 200, JSON.stringify(stats.body));
    assert.equal(stats.body.total, N, JSON.stringify(stats.body));
    assert.deepEqual(stats.body.browsers, [{ value: 'Chrome', clicks: N }]);
    assert.deepEqual(await single.stop(), { code: 0, signal: null }, single.transcript());
  });

  test('a worker killed with SIGKILL is replaced by a new one, and requests keep being answered', TIMEOUT, async (t) => {
    const box = sandbox(t);
    const { server, workers } = await startCluster(box, LOGGED);
    const [victim, survivor] = workers as [number, number];

    process.kill(victim, 'SIGKILL');
    const died = await server.waitForLog((line) => line.msg === 'worker died; starting another', 10_000);
    assert.equal(died.role, 'primary', 'the primary logs the death');
    assert.equal(died.pid, server.pid, JSON.stringify(died));
    assert.equal(died.workerPid, victim, JSON.stringify(died));
    assert.equal(died.signal, 'SIGKILL', JSON.stringify(died));
    assert.equal(alive(victim), false);

    // Until the replacement listens, the survivor answers every connection.
    const meanwhile = await getEach(server, '/healthz', 3);
    assert.ok(meanwhile.every((a) => a.status === 200), JSON.stringify(meanwhile));
    assert.ok(meanwhile.every((a) => a.pid === survivor || !workers.includes(a.pid)), JSON.stringify(meanwhile));

    await waitUntil(server, () => listeningPids(server).length > WORKERS, 15_000);
    const replacement = listeningPids(server).find((pid) => !workers.includes(pid))!;
    assert.notEqual(replacement, server.pid);
    assert.ok(alive(replacement));

    const answers = await getEach(server, '/healthz', 6);
    assert.ok(answers.every((a) => a.status === 200), JSON.stringify(answers));
    assert.deepEqual(pidsOf(answers), sorted([survivor, replacement]), 'the survivor and the replacement share the connections');

    assert.deepEqual(await server.stop(), { code: 0, signal: null }, server.transcript());
    for (const pid of [survivor, replacement]) assert.equal(alive(pid), false, `worker ${pid} must be gone`);
  });
});
