/**
 * Click analytics end to end, on the real processes: every redirect becomes exactly one counted click,
 * whether the serving process applies clicks itself (no Redis) or `kurz worker` processes consume the
 * Redis stream, and whether a process stops gracefully (SIGTERM) or dies mid-batch (SIGKILL).
 */
import { test, describe, after, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { Redis } from 'ioredis';
import { call, killAll, sandbox, startKurz, type LogLine, type Running, type Server } from './process-helpers.js';
import { PrivateRedis, TEST_REDIS_URL, assertRedisUp, uniquePrefix } from '../support/redis.js';
import { createTestDatabase, type TestDatabase } from '../support/stores.js';

after(() => killAll());

const TIMEOUT = { timeout: 120_000 };
const PASSWORD = 'correct horse battery staple';
const JWT_SECRET = 'analytics-e2e-secret-0123456789abcdefghij';
/** A browser's User-Agent: fetch's default ("node") is a bot to isbot, and bots are left out of the stats. */
const BROWSER_UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36';
const GROUP = 'kurz-click-workers';
/** Redirects per test: enough for several batches, few enough to stay quick. */
const N = 400;
const CONCURRENCY = 20;
/** Settings every process of these tests gets: small logs, no rate limits in the way of a burst. */
const QUIET = { ANALYTICS: 'on', LOG_REQUESTS: '0', RATE_REDIRECT: 'off', RATE_API: 'off' };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const msgIs = (msg: string) => (line: LogLine) => line.msg === msg;

// ---------------------------------------------------------------------------------------------
// API helpers

interface Owned {
  token: string;
  id: string;
  code: string;
}

/** Signs up (the first user of a fresh database), signs in, and shortens one URL. */
async function ownerWithLink(server: Server, email: string): Promise<Owned> {
  const signUp = await call(server.url, 'POST', '/api/v1/users', { body: { email, password: PASSWORD } });
  assert.equal(signUp.status, 201, JSON.stringify(signUp.body));
  const signIn = await call(server.url, 'POST', '/api/v1/auth/token', { body: { email, password: PASSWORD } });
  assert.equal(signIn.status, 200, JSON.stringify(signIn.body));
  const token: string = signIn.body.access_token;
  const created = await call(server.url, 'POST', '/api/v1/links', { token, body: { url: 'https://example.com/counted' } });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  assert.equal(created.body.clicks, 0);
  return { token, id: created.body.id, code: created.body.code };
}

/**
 * GETs /:code `n` times, at most `concurrency` at a time, as a browser (no Referer), and asserts that
 * each one redirected; resolves once the last response has arrived.
 */
async function fireRedirects(base: string, code: string, n: number, concurrency = CONCURRENCY): Promise<void> {
  let next = 0;
  const failures: string[] = [];
  const one = async () => {
    const res = await fetch(new URL(`/${code}`, base), {
      redirect: 'manual',
      headers: { 'user-agent': BROWSER_UA },
      signal: AbortSignal.timeout(10_000),
    });
    await res.arrayBuffer();
    if (res.status !== 302 || res.headers.get('location') !== 'https://example.com/counted') {
      failures.push(`${res.status} ${res.headers.get('location')}`);
    }
  };
  const lane = async () => {
    while (next < n) {
      next++;
      await one();
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, n) }, lane));
  assert.deepEqual(failures, [], `every redirect must answer 302 to the link's URL (${failures.length} of ${n} did not)`);
}

interface Stats {
  total: number;
  series: { t: string; clicks: number }[];
  referrers: { value: string; clicks: number }[];
  countries: { value: string; clicks: number }[];
  browsers: { value: string; clicks: number }[];
  os: { value: string; clicks: number }[];
  devices: { value: string; clicks: number }[];
}

async function stats(server: Server, owned: Owned): Promise<Stats> {
  const res = await call(server.url, 'GET', `/api/v1/links/${owned.id}/stats`, { token: owned.token });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body as Stats;
}

async function linkClicks(server: Server, owned: Owned): Promise<number> {
  const res = await call(server.url, 'GET', `/api/v1/links/${owned.id}`, { token: owned.token });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.clicks as number;
}

/**
 * Polls the stats until their total is exactly `expected`; fails at once if it ever goes past it
 * (a click counted twice), or after `timeoutMs` with the last total seen.
 */
async function waitForTotal(server: Server, owned: Owned, expected: number, timeoutMs: number, context = () => ''): Promise<Stats> {
  const deadline = Date.now() + timeoutMs;
  let last: Stats | undefined;
  for (;;) {
    last = await stats(server, owned);
    assert.ok(last.total <= expected, `total went past ${expected}: ${last.total} (a click was counted twice)`);
    if (last.total === expected) return last;
    if (Date.now() > deadline) {
      assert.fail(`stats total is ${last.total}, expected ${expected} within ${timeoutMs} ms${context()}`);
    }
    await sleep(100);
  }
}

/** Total is exactly `n` now, and still after another flush interval and a half; the link's counter agrees. */
async function assertSettledAt(server: Server, owned: Owned, n: number, context = () => ''): Promise<void> {
  const reached = await waitForTotal(server, owned, n, 15_000, context);
  assertBreakdownsAt(reached, n);
  await sleep(1_500);
  const later = await stats(server, owned);
  assert.equal(later.total, n, 'no click may arrive after the total reached the number of redirects');
  assertBreakdownsAt(later, n);
  assert.equal(await linkClicks(server, owned), n, "the link's clicks counter must equal the number of redirects");
}

/** Every click was one direct visit from desktop Chrome on Linux, so each breakdown is that one value, n times. */
function assertBreakdownsAt(s: Stats, n: number): void {
  assert.equal(s.series.reduce((sum, p) => sum + p.clicks, 0), n, 'the series must add up to the total');
  assert.deepEqual(s.referrers, [{ value: '(direct)', clicks: n }]);
  assert.deepEqual(s.browsers, [{ value: 'Chrome', clicks: n }]);
  assert.deepEqual(s.os, [{ value: 'Linux', clicks: n }]);
  assert.deepEqual(s.devices, [{ value: 'desktop', clicks: n }]);
}

// ---------------------------------------------------------------------------------------------
// `kurz worker` processes

/** Starts `kurz worker`; it is SIGKILLed when its test ends if it is still running. */
async function startWorker(t: TestContext, env: Record<string, string>): Promise<Running> {
  const worker = await startKurz(['worker'], { env, ready: msgIs('worker started') });
  t.after(() => worker.kill().then(() => undefined, () => undefined));
  return worker;
}

// ---------------------------------------------------------------------------------------------
// Redis and PostgreSQL for one test, removed when it ends

interface Backends {
  db: TestDatabase;
  pgUrl: string;
  prefix: string;
  redis: Redis;
  stream: string;
}

async function backends(t: TestContext): Promise<Backends> {
  await assertRedisUp();
  const db = await createTestDatabase('postgres');
  assert.equal(db.database.kind, 'postgres');
  const pgUrl = db.database.kind === 'postgres' ? db.database.url : '';
  const prefix = uniquePrefix();
  const redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 1, connectTimeout: 2_000 });
  redis.on('error', () => {});
  t.after(async () => {
    // Servers and workers first (tests in this file run one at a time, so all of them are this test's):
    // dropping the database must not race a live process.
    await killAll();
    try {
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length > 0) await redis.del(...keys);
    } finally {
      redis.disconnect();
      await db.drop();
    }
  });
  return { db, pgUrl, prefix, redis, stream: `${prefix}clicks` };
}

interface PendingSummary {
  count: number;
  consumers: { name: string; count: number }[];
}

/** XPENDING's summary form for the click workers' group. */
async function pending(b: Backends): Promise<PendingSummary> {
  const reply = (await b.redis.xpending(b.stream, GROUP)) as [number, string | null, string | null, [string, string][] | null];
  return {
    count: Number(reply[0]),
    consumers: (reply[3] ?? []).map(([name, count]) => ({ name, count: Number(count) })),
  };
}

/** Polls until `check` returns a value, or fails after `timeoutMs` with `what()`. */
async function until<T>(timeoutMs: number, check: () => Promise<T | undefined>, what: () => string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) assert.fail(`timed out after ${timeoutMs} ms: ${what()}`);
    await sleep(50);
  }
}

/** Env of a server that appends clicks to the stream and leaves their consumption to `kurz worker`. */
function streamServerEnv(b: Backends): Record<string, string> {
  return { ...QUIET, JWT_SECRET, REDIS_URL: TEST_REDIS_URL, REDIS_PREFIX: b.prefix, CLICK_CONSUMER: 'off' };
}

function workerEnv(b: Backends, extra: Record<string, string> = {}): Record<string, string> {
  return { ...QUIET, JWT_SECRET, DATABASE_URL: b.pgUrl, REDIS_URL: TEST_REDIS_URL, REDIS_PREFIX: b.prefix, ...extra };
}

// ---------------------------------------------------------------------------------------------

/** Clicks held in a stream: each entry carries the clicks of one event-loop turn, as a JSON array. */
async function clicksInStream(redis: Redis, stream: string): Promise<number> {
  const entries = (await redis.xrange(stream, '-', '+')) as [string, string[]][];
  return entries.reduce((sum, [, fields]) => sum + (JSON.parse(fields[fields.indexOf('e') + 1]!) as unknown[]).length, 0);
}

describe('click analytics, end to end', () => {
  test('without Redis, the serving process counts every redirect exactly once', TIMEOUT, async (t) => {
    const box = sandbox(t);
    const server = await box.start({ env: { ...QUIET } });
    const owned = await ownerWithLink(server, 'in-process@example.com');

    await fireRedirects(server.url, owned.code, N);

    await assertSettledAt(server, owned, N, () => `\n${server.stdout()}\n${server.stderr()}`);
    assert.deepEqual(await server.stop(), { code: 0, signal: null }, server.stdout() + server.stderr());
  });

  test('with Redis Streams, clicks wait in the stream until a kurz worker on PostgreSQL applies each exactly once', TIMEOUT, async (t) => {
    const b = await backends(t);
    const box = sandbox(t);
    const server = await box.start({ flags: ['--database-url', b.pgUrl], env: streamServerEnv(b) });
    const owned = await ownerWithLink(server, 'stream@example.com');

    await fireRedirects(server.url, owned.code, N);

    // Every click reached the stream (none fell back to the in-process queue) …
    await until(10_000, async () => ((await clicksInStream(b.redis, b.stream)) === N ? true : undefined),
      () => `the stream ${b.stream} should hold ${N} clicks`);
    // … and, with no consumer anywhere, none is applied.
    await sleep(1_500);
    assert.equal((await stats(server, owned)).total, 0, 'no click may be counted while no worker runs (CLICK_CONSUMER=off)');
    assert.equal(await linkClicks(server, owned), 0);
    assert.equal(await clicksInStream(b.redis, b.stream), N, 'the clicks must still be waiting in the stream');

    const worker = await startWorker(t, workerEnv(b));
    await assertSettledAt(server, owned, N, () => `\n${worker.transcript()}`);
    assert.equal((await pending(b)).count, 0, 'every applied click must be acknowledged');
    assert.equal(await b.redis.xlen(b.stream), 0, 'acknowledged clicks are deleted from the stream');

    const exit = await worker.stop();
    assert.deepEqual(exit, { code: 0, signal: null }, worker.transcript());
    const msgs = worker.logs().map((line) => line.msg);
    assert.ok(msgs.includes('worker stopping'), worker.transcript());
    assert.equal(msgs.at(-1), 'worker stopped', worker.transcript());

    assert.deepEqual(await server.stop(), { code: 0, signal: null }, server.stdout() + server.stderr());
  });

  test('a batch left pending by a worker killed mid-apply is claimed by another worker and counted exactly once', TIMEOUT, async (t) => {
    const b = await backends(t);
    const box = sandbox(t);
    const server = await box.start({ flags: ['--database-url', b.pgUrl], env: streamServerEnv(b) });
    const owned = await ownerWithLink(server, 'claim@example.com');

    // Hold the click counts table, so that worker 1's first batch blocks inside its transaction.
    const locker = new pg.Client({ connectionString: b.pgUrl, connectionTimeoutMillis: 5_000 });
    locker.on('error', () => {}); // the drop at the end terminates it if it is still open; not a failure
    await locker.connect();
    let locked = false;
    t.after(() => locker.end().catch(() => undefined));
    await locker.query('BEGIN');
    await locker.query('LOCK TABLE click_counts IN ACCESS EXCLUSIVE MODE');
    locked = true;
    try {
      const first = await startWorker(t, workerEnv(b, { CLICK_BATCH_SIZE: '50' }));
      await fireRedirects(server.url, owned.code, N);

      // Worker 1 has taken a batch (pending, owned by it) and is stuck applying it (waiting for our lock).
      const stuck = await until(10_000, async () => {
        const p = await pending(b);
        return p.count > 0 ? p : undefined;
      }, () => `worker 1 should have a pending batch\n${first.transcript()}`);
      assert.equal(stuck.consumers.length, 1, JSON.stringify(stuck));
      assert.ok(stuck.consumers[0]!.name.includes(`-${first.pid}-`), `the pending batch must be worker 1's (pid ${first.pid}): ${JSON.stringify(stuck)}`);
      assert.ok(stuck.count <= 50, `one batch of at most CLICK_BATCH_SIZE clicks: ${JSON.stringify(stuck)}`);
      await until(10_000, async () => {
        const { rows } = await locker.query<{ waiting: string }>(
          `select count(*) as waiting from pg_locks where relation = 'click_counts'::regclass and not granted`,
        );
        return Number(rows[0]!.waiting) > 0 ? true : undefined;
      }, () => `worker 1 should be waiting for the lock on click_counts\n${first.transcript()}`);

      const killed = await first.kill();
      assert.deepEqual(killed, { code: null, signal: 'SIGKILL' });
      assert.ok(!first.logs().some(msgIs('worker stopping')), 'SIGKILL gives the worker no chance to finish its batch');
      const orphaned = await pending(b);
      assert.equal(orphaned.count, stuck.count, `the killed worker's batch stays pending: ${JSON.stringify(orphaned)}`);
    } finally {
      if (locked) await locker.query('ROLLBACK');
      locked = false;
      await locker.end();
    }
    assert.equal((await stats(server, owned)).total, 0, 'nothing of the killed batch may have been committed');

    const second = await startWorker(t, workerEnv(b, { CLICK_BATCH_SIZE: '50', CLICK_CLAIM_IDLE_MS: '500' }));
    await assertSettledAt(server, owned, N, () => `\n${second.transcript()}`);

    const end = await pending(b);
    assert.equal(end.count, 0, `every click must be acknowledged in the end: ${JSON.stringify(end)}`);
    assert.equal(await b.redis.xlen(b.stream), 0, 'acknowledged clicks are deleted from the stream');
    assert.deepEqual(await second.stop(), { code: 0, signal: null }, second.transcript());
    assert.deepEqual(await server.stop(), { code: 0, signal: null }, server.stdout() + server.stderr());
  });

  describe('SIGTERM right after a burst loses no click', () => {
    const cases: Array<{ name: string; env: Record<string, string> }> = [
      { name: 'with the default flush interval', env: {} },
      { name: 'when no batch was due yet (CLICK_FLUSH_MS=60000, batch larger than the burst)', env: { CLICK_FLUSH_MS: '60000', CLICK_BATCH_SIZE: '1000' } },
    ];
    for (const c of cases) {
      test(c.name, TIMEOUT, async (t) => {
        const box = sandbox(t);
        const first = await box.start({ env: { ...QUIET, ...c.env } });
        const owned = await ownerWithLink(first, 'sigterm@example.com');

        await fireRedirects(first.url, owned.code, N);
        first.signal('SIGTERM');
        const exit = await first.stop();
        assert.deepEqual(exit, { code: 0, signal: null }, first.stdout() + first.stderr());
        assert.ok(!first.logs().some((line) => line.msg === 'clicks could not be written at shutdown'), first.stdout());

        const second = await box.start({ env: { ...QUIET, ...c.env } });
        const after = await stats(second, owned);
        assert.equal(after.total, N, 'every click of the burst must have been written before the process exited');
        assertBreakdownsAt(after, N);
        assert.equal(await linkClicks(second, owned), N);
        assert.deepEqual(await second.stop(), { code: 0, signal: null }, second.stdout() + second.stderr());
      });
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Redis in its default configuration (no persistence) killed and started again under two instances

/** Redirects to `code` spread over `bases`, `concurrency` at a time, until `stop()`; counts the answers. */
async function redirectsUntil(bases: string[], code: string, stop: () => boolean, concurrency = CONCURRENCY) {
  const tally = { answered: 0, other: [] as string[] };
  let next = 0;
  const lane = async () => {
    while (!stop()) {
      const base = bases[next++ % bases.length]!;
      try {
        const res = await fetch(new URL(`/${code}`, base), { redirect: 'manual', headers: { 'user-agent': BROWSER_UA }, signal: AbortSignal.timeout(10_000) });
        await res.arrayBuffer();
        if (res.status === 302) tally.answered++;
        else tally.other.push(String(res.status));
      } catch (err) {
        tally.other.push((err as Error).message);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
  return tally;
}

describe('when Redis restarts empty (no persistence, its default)', () => {
  /** A private Redis, a PostgreSQL database, two `kurz serve` instances on both, and a link on them. */
  async function twoInstances(t: TestContext, env: Record<string, string>) {
    const b = await backends(t);
    const redis = await PrivateRedis.start();
    t.after(() => redis.kill());
    const box = sandbox(t);
    const instanceEnv = { ...QUIET, JWT_SECRET, REDIS_URL: redis.url, REDIS_PREFIX: b.prefix, ...env };
    const servers = [await box.start({ flags: ['--database-url', b.pgUrl], env: instanceEnv })];
    servers.push(await box.start({ flags: ['--database-url', b.pgUrl], env: instanceEnv }));
    const owned = await ownerWithLink(servers[0]!, 'redis-restart@example.com');
    const admin = new Redis(redis.url, { maxRetriesPerRequest: 1 });
    admin.on('error', () => {});
    t.after(() => admin.disconnect());
    return { b, redis, servers, owned, admin, env: { ...instanceEnv, DATABASE_URL: b.pgUrl } };
  }

  test('when it dies holding clicks no worker has applied, then the instances append them again and each is counted once', TIMEOUT, async (t) => {
    const { redis, servers, owned, admin, env } = await twoInstances(t, { CLICK_CONSUMER: 'off' });
    const [one, two] = servers as [Server, Server];
    await Promise.all([fireRedirects(one.url, owned.code, N / 2), fireRedirects(two.url, owned.code, N / 2)]);
    const stream = `${env.REDIS_PREFIX}clicks`;
    await until(10_000, async () => ((await clicksInStream(admin, stream)) === N ? true : undefined), () => `the stream should hold ${N} clicks`);

    await redis.kill(); // the N clicks were only in Redis's memory
    await Promise.all([fireRedirects(one.url, owned.code, 50), fireRedirects(two.url, owned.code, 50)]);
    await redis.start();
    await Promise.all([fireRedirects(one.url, owned.code, 50), fireRedirects(two.url, owned.code, 50)]);

    await startWorker(t, { ...env, REDIS_URL: redis.url });
    await assertSettledAt(one, owned, N + 200, () => `\n${one.stdout()}\n${two.stdout()}`);
    for (const server of servers) assert.deepEqual(await server.stop(), { code: 0, signal: null }, server.stdout() + server.stderr());
  });

  test('when it is SIGKILLed under load and back 2 s later, then every answered redirect is counted exactly once', TIMEOUT, async (t) => {
    const { redis, servers, owned } = await twoInstances(t, {});
    let stopped = false;
    const load = redirectsUntil(servers.map((s) => s.url), owned.code, () => stopped);
    await sleep(1_500);
    await redis.kill();
    await sleep(2_000);
    await redis.start();
    await sleep(2_500);
    stopped = true;
    const { answered, other } = await load;
    assert.deepEqual(other, [], 'every redirect is answered while Redis is away');
    assert.ok(answered > 0);
    await assertSettledAt(servers[0]!, owned, answered, () => `\n${servers.map((s) => s.stdout()).join('\n')}`);
    t.diagnostic(`${answered} redirects answered, ${answered} counted`);
    for (const server of servers) assert.deepEqual(await server.stop(), { code: 0, signal: null }, server.stdout() + server.stderr());
  });
});
