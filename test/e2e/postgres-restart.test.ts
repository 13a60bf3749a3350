/**
 * PostgreSQL restarting under running Kurz processes (a private cluster, restarted and stopped by the
 * tests): `kurz worker`, the stream consumer inside `kurz serve` and the in-process click buffer
 * survive `pg_ctl restart -m fast` and a stop/start, resume on their own, and every redirect answered
 * is counted exactly once, read back through the API.
 */
import { test, describe, before, after, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { pino } from 'pino';
import { killAll, startKurz, startServer, within, type LogLine, type Running, type Server } from './process-helpers.js';
import { assertClicksSettleAt, createLink, redirects, signUp, sleep } from './traffic.js';
import { PrivatePostgres } from '../support/postgres.js';
import { TEST_REDIS_URL, assertRedisUp, deletePrefix, uniquePrefix } from '../support/redis.js';
import { storeAt } from '../support/stores.js';
import { startCompaction } from '../../src/analytics/compaction.js';


const TIMEOUT = { timeout: 180_000 };
const JWT_SECRET = 'postgres-restart-e2e-secret-0123456789abcdef';
/** No rate limit in the way of a burst, small logs. */
const QUIET = { LOG_REQUESTS: '0', RATE_REDIRECT: 'off', RATE_API: 'off', RATE_AUTH_IP: 'off', RATE_AUTH_EMAIL: 'off', RATE_CREATE_LINK: 'off' };
const msgIs = (msg: string) => (line: LogLine) => line.msg === msg;

let cluster: PrivatePostgres;

before(async () => {
  await assertRedisUp();
  cluster = await PrivatePostgres.start();
});

after(async () => {
  await killAll();
  cluster?.destroy();
});

interface Setup {
  url: string;
  prefix: string;
}

/** A database of the private cluster and a Redis prefix for one test; its processes die and its keys go when it ends. */
async function setup(t: TestContext): Promise<Setup> {
  const url = await cluster.createDatabase(`kurz_${randomBytes(5).toString('hex')}`);
  const prefix = uniquePrefix();
  t.after(async () => {
    cluster.recover(); // a test that failed half way may have left it stopped
    await killAll();
    await deletePrefix(TEST_REDIS_URL, prefix);
  });
  return { url, prefix };
}

async function startWorker(s: Setup, ready = msgIs('worker started')): Promise<Running> {
  return startKurz(['worker'], {
    env: { ...QUIET, JWT_SECRET, DATABASE_URL: s.url, REDIS_URL: TEST_REDIS_URL, REDIS_PREFIX: s.prefix },
    ready,
  });
}

const running = (p: Running) => p.exited.then(() => false, () => false);
async function assertRunning(p: Running, what: string): Promise<void> {
  const alive = await Promise.race([running(p), sleep(100).then(() => true)]);
  assert.ok(alive, `${what} must still be running\n${p.transcript()}`);
}

/**
 * Locks click_counts, so that whoever applies the next batch of clicks waits inside its transaction
 * when the server goes down: the moment that crashed `kurz worker` (a connection Kysely had checked
 * out, terminated by the server, emitted 'error' with nobody listening).
 */
async function holdClickCounts(t: TestContext, url: string): Promise<{ untilAnApplyWaits: () => Promise<void> }> {
  const locker = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  locker.on('error', () => {}); // the restart terminates it: that is the point
  await locker.connect();
  t.after(() => locker.end().catch(() => undefined));
  await locker.query('begin');
  await locker.query('lock table click_counts in access exclusive mode');
  return {
    async untilAnApplyWaits() {
      for (let i = 0; i < 200; i++) {
        const { rows } = await locker.query<{ waiting: string }>(
          `select count(*) as waiting from pg_locks where relation = 'click_counts'::regclass and not granted`);
        if (Number(rows[0]!.waiting) > 0) return;
        await sleep(50);
      }
      assert.fail('no batch of clicks came to wait for the lock on click_counts');
    },
  };
}

/** Serves with its clicks on the Redis stream; `consumer` says whether it applies them itself. */
function streamServer(s: Setup, consumer: 'on' | 'off'): Promise<Server> {
  return startServer({
    databaseUrl: s.url,
    env: { ...QUIET, JWT_SECRET, REDIS_URL: TEST_REDIS_URL, REDIS_PREFIX: s.prefix, CLICK_CONSUMER: consumer },
  });
}

/**
 * The scenario of every test: redirects counted; a batch of clicks caught inside its transaction by a
 * lock; the outage; redirects during and after it. Returns the redirects answered, which must all be counted.
 */
async function throughAnOutage(
  t: TestContext, s: Setup, server: Server, outage: (fire: (n: number) => Promise<void>) => Promise<void>,
): Promise<{ check: (expected: number, context: () => string) => Promise<void>; answered: number }> {
  const owner = await signUp(server, 'restart@example.com');
  const link = await createLink(server, owner);
  let answered = await redirects(server.url, link, 200);
  await assertClicksSettleAt(server, owner, link, answered, 20_000, () => `\n${server.transcript()}`);

  const lock = await holdClickCounts(t, s.url);
  answered += await redirects(server.url, link, 100);
  await lock.untilAnApplyWaits();
  // Redirects while the store is away: a cached link still redirects (and its click must be kept); a 503 is not answered.
  await outage(async (n) => void (answered += await redirects(server.url, link, n, { allowed: [503] })));
  answered += await redirects(server.url, link, 200);
  return {
    answered,
    async check(expected, context) {
      await assertClicksSettleAt(server, owner, link, expected, 60_000, context);
      t.diagnostic(`redirects answered: ${answered}; clicks counted: ${expected}`);
    },
  };
}

describe('PostgreSQL restarts under a running Kurz', () => {
  test('when PostgreSQL restarts (pg_ctl restart -m fast) while kurz worker is inside a transaction, then the worker keeps running and every redirect answered is counted exactly once', TIMEOUT, async (t) => {
    const s = await setup(t);
    const server = await streamServer(s, 'off');
    const worker = await startWorker(s);

    const { answered, check } = await throughAnOutage(t, s, server, async () => cluster.restart());

    await assertRunning(worker, 'kurz worker');
    await check(answered, () => `\n--- worker ---\n${worker.transcript()}`);
    await assertRunning(worker, 'kurz worker');
    assert.deepEqual(await worker.stop(), { code: 0, signal: null }, worker.transcript());
    assert.deepEqual(await server.stop(), { code: 0, signal: null }, server.transcript());
  });

  test('when PostgreSQL stops for a while and starts again, then the running worker and one started during the outage wait for it, and every redirect answered is counted exactly once', TIMEOUT, async (t) => {
    const s = await setup(t);
    const server = await streamServer(s, 'off');
    const first = await startWorker(s);
    let second: Running | undefined;

    const { answered, check } = await throughAnOutage(t, s, server, async (fire) => {
      cluster.stop();
      await fire(100);
      // A worker started now finds no database: it waits, saying so, instead of exiting.
      second = await startWorker(s, msgIs('waiting for the database'));
      await sleep(3_000);
      await assertRunning(first, 'the first worker');
      await assertRunning(second, 'the worker started during the outage');
      cluster.start();
      await second.waitForLog(msgIs('worker started'), 60_000);
    });

    await check(answered, () => `\n--- first worker ---\n${first.transcript()}\n--- second worker ---\n${second?.transcript()}`);
    for (const worker of [first, second!]) {
      await assertRunning(worker, 'each worker');
      assert.deepEqual(await worker.stop(), { code: 0, signal: null }, worker.transcript());
    }
    assert.deepEqual(await server.stop(), { code: 0, signal: null }, server.transcript());
  });

  test('when PostgreSQL restarts while kurz serve consumes the click stream itself (CLICK_CONSUMER=on), then it keeps serving and every redirect answered is counted exactly once', TIMEOUT, async (t) => {
    const s = await setup(t);
    const server = await streamServer(s, 'on');

    const { answered, check } = await throughAnOutage(t, s, server, async () => cluster.restart());

    await assertRunning(server, 'kurz serve');
    await check(answered, () => `\n${server.transcript()}`);
    assert.deepEqual(await server.stop(), { code: 0, signal: null }, server.transcript());
  });

  test('when PostgreSQL restarts while kurz serve applies its in-process click buffer (no Redis), then it keeps serving and every redirect answered is counted exactly once', TIMEOUT, async (t) => {
    const s = await setup(t);
    const server = await startServer({ databaseUrl: s.url, env: { ...QUIET, JWT_SECRET } });

    const { answered, check } = await throughAnOutage(t, s, server, async () => cluster.restart());

    await assertRunning(server, 'kurz serve');
    await check(answered, () => `\n${server.transcript()}`);
    assert.deepEqual(await server.stop(), { code: 0, signal: null }, server.transcript());
  });

  test('when PostgreSQL is down at a compaction run, then compaction retries with backoff and succeeds once it is back, without waiting for the next hourly run', TIMEOUT, async (t) => {
    const s = await setup(t);
    const store = storeAt(s.url);
    await store.migrate();
    const lines: LogLine[] = [];
    const log = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line) as LogLine) });
    const seen = (msg: string) => within(30_000, (async () => {
      while (!lines.some(msgIs(msg))) await sleep(50);
    })(), () => `waiting for "${msg}" in ${JSON.stringify(lines)}`);

    cluster.stop();
    const stop = startCompaction(store, { retentionDays: 30, dedupeDays: 7, log, firstDelayMs: 0, retryMs: 200 });
    t.after(stop);
    try {
      await seen('compacting click rollups failed; will retry');
    } finally {
      cluster.start();
    }
    await seen('compacting click rollups succeeded again');
    stop();
    assert.deepEqual(lines.filter((line) => Number(line.level) >= 50), [], 'a store that is down is a warning, not an error with a stack');
    await store.close();
  });
});
