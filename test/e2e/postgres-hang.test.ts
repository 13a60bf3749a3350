/**
 * A hung PostgreSQL: the private cluster's postmaster and every backend frozen with SIGSTOP (the kernel
 * still accepts connections and takes statements; nothing answers) and resumed with SIGCONT. No call
 * may wait for it without bound: the API, a cache-miss redirect, a limited link and /readyz answer
 * 503 problem+json while it is paused, calls past the wait bound are refused at once, and after it
 * resumes every call succeeds again and nothing acknowledged is lost.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { call, killAll, startServer, within, type LogLine, type Server } from './process-helpers.js';
import { assertClicksSettleAt, clicksOf, createLink, redirect, redirects, signUp, type Link, type Owner } from './traffic.js';
import { PrivatePostgres } from '../support/postgres.js';
import { storeAt } from '../support/stores.js';
import { StoreUnavailable } from '../../src/ports.js';

const TIMEOUT = { timeout: 120_000 };
const JWT_SECRET = 'postgres-hang-e2e-secret-0123456789abcdefgh';
/** Small on purpose, so that the bound is reached by a handful of requests: 2 running + 3 waiting. */
const POOL_SIZE = 2;
const MAX_WAITING = 3;
const SETTINGS = {
  DATABASE_TIMEOUT_MS: '3000', DATABASE_POOL_SIZE: String(POOL_SIZE), DATABASE_MAX_WAITING: String(MAX_WAITING),
  // The cached link stays in the in-process cache through every pause of this file.
  CACHE_L1_TTL_SECONDS: '3600',
  JWT_SECRET, LOG_REQUESTS: '0', RATE_REDIRECT: 'off', RATE_NOT_FOUND: 'off', RATE_API: 'off', RATE_AUTH_IP: 'off',
  RATE_AUTH_EMAIL: 'off', RATE_CREATE_LINK: 'off',
};
const TIMED_OUT = 'the database did not answer in time; try again shortly';
const OVERLOADED = 'too many requests are waiting for the database; try again shortly';
const UNAVAILABLE = 'database unavailable: calls fail with 503 until it answers';

let cluster: PrivatePostgres;

before(async () => {
  cluster = await PrivatePostgres.start();
});

after(async () => {
  await killAll();
  cluster?.destroy();
});

/** Pauses the cluster for `body`, resuming it whatever happens. */
async function whilePaused<T>(body: () => Promise<T>): Promise<T> {
  cluster.pause();
  try {
    return await body();
  } finally {
    cluster.resume();
  }
}

/** Asserts a 503 problem+json of a store that is down, with Retry-After; returns its detail. */
function assertUnavailable(res: { status: number; headers: Headers; body: any }, what: string): string {
  assert.equal(res.status, 503, `${what}: ${JSON.stringify(res.body)}`);
  assert.equal(res.headers.get('content-type'), 'application/problem+json; charset=utf-8', what);
  assert.equal(res.body.type, 'urn:kurz:problem:unavailable', what);
  assert.equal(res.body.status, 503, what);
  assert.equal(res.headers.get('retry-after'), '5', what);
  return res.body.detail as string;
}

/** GET /:code, parsed: a redirect's status and Location, or the problem document. */
async function get(server: Server, path: string): Promise<{ status: number; headers: Headers; body: any }> {
  return call(server.url, 'GET', path);
}

describe('the store while PostgreSQL hangs', () => {
  test('when a statement times out, then its connection is discarded: after the pause the next statement runs on a new backend', TIMEOUT, async () => {
    const url = await cluster.createDatabase('pool_discard');
    const store = storeAt(url, { DATABASE_TIMEOUT_MS: '1000', DATABASE_POOL_SIZE: '1' });
    try {
      await store.migrate();
      const backend = async () => (await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(store.db)).rows[0]!.pid;
      const before = await backend();
      assert.equal(await backend(), before, 'a healthy connection is reused');

      const failure = await whilePaused(() => within(10_000, store.ping().then(() => undefined, (err: unknown) => err), () => 'ping while paused'));
      assert.ok(failure instanceof StoreUnavailable, String(failure));
      assert.equal(failure.reason, 'timeout');

      assert.notEqual(await backend(), before, 'the connection whose statement timed out must not be used again');
    } finally {
      await store.close();
    }
  });
});

describe('kurz serve while PostgreSQL hangs', () => {
  let server: Server;
  let owner: Owner;
  /** Redirected once before any pause: in the cache, its click applied. */
  let cached: Link;
  /** max_clicks: each redirect is counted by the store, never from the cache alone. */
  let limited: Link;
  /** Never redirected: not in any cache. */
  let uncached: Link;

  before(async () => {
    const url = await cluster.createDatabase('kurz_hang');
    server = await startServer({ databaseUrl: url, env: SETTINGS });
    owner = await signUp(server, 'hang@example.com');
    cached = await createLink(server, owner);
    limited = await createLink(server, owner, { max_clicks: 1000 });
    uncached = await createLink(server, owner);
    assert.equal(await redirect(server.url, cached), 302);
    assert.equal(await redirect(server.url, limited), 302);
    await assertClicksSettleAt(server, owner, cached, 1, 10_000, () => server.transcript());
  });

  after(() => server?.kill());

  const warnings = () => server.logs().filter((line: LogLine) => line.msg === UNAVAILABLE);
  const errors = () => server.logs().filter((line: LogLine) => Number(line.level) >= 50);

  test('when more API calls arrive than the pool and its wait bound hold, then those past the bound get 503 at once, the rest 503 after the timeout, and the outage is logged once as a warning', TIMEOUT, async () => {
    const calls = 10;
    const answers = await whilePaused(() => Promise.all(
      Array.from({ length: calls }, () => call(server.url, 'GET', '/api/v1/users/me', { token: owner.token }))));

    const details = answers.map((res, i) => assertUnavailable(res, `call ${i}`));
    assert.equal(details.filter((d) => d === OVERLOADED).length, calls - POOL_SIZE - MAX_WAITING, 'past the bound: refused at once');
    assert.equal(details.filter((d) => d === TIMED_OUT).length, POOL_SIZE + MAX_WAITING, 'within the bound: waited, then timed out');

    const me = await call(server.url, 'GET', '/api/v1/users/me', { token: owner.token });
    assert.equal(me.status, 200, 'after SIGCONT the next call succeeds');

    assert.equal(warnings().length, 1, `one warning for the outage, not one per request\n${server.stdout()}`);
    assert.equal(warnings()[0]!.level, 40);
    assert.deepEqual(errors(), [], 'a dependency failure is no error-level line (no stack trace per request)');
    // The log arrives through a pipe, the 200 through a socket: wait for the line rather than race it.
    await server.waitForLog((line) => line.msg === 'database answers again');
    const recovered = server.logs().filter((line) => line.msg === 'database answers again');
    assert.equal(recovered.length, 1, server.stdout());
    assert.equal(recovered[0]!.failedCalls, calls);
  });

  test('while paused, an API call, a cache-miss redirect and a limited link answer 503 problem+json after one store call each; after SIGCONT each succeeds', TIMEOUT, async () => {
    const pausedAt = Date.now();
    const [me, miss, count] = await whilePaused(() => Promise.all([
      call(server.url, 'GET', '/api/v1/users/me', { token: owner.token }),
      get(server, `/${uncached.code}`),
      get(server, `/${limited.code}`),
    ]));
    assert.equal(assertUnavailable(me, 'GET /api/v1/users/me'), TIMED_OUT);
    assert.equal(assertUnavailable(miss, 'a cache-miss redirect'), TIMED_OUT);
    assert.equal(assertUnavailable(count, "a limited link's redirect"), TIMED_OUT);

    assert.equal((await call(server.url, 'GET', '/api/v1/users/me', { token: owner.token })).status, 200);
    // One failed call per request: the redirect's fast path and its fallback route do not both wait for the store.
    // The log arrives through a pipe, the 200 through a socket: wait for this outage's line rather than race it.
    const recovered = await server.waitForLog((line) => line.msg === 'database answers again' && Number(line.time) >= pausedAt);
    assert.equal(recovered.failedCalls, 3, server.stdout());
    assert.equal(await redirect(server.url, uncached), 302);
    assert.equal(await redirect(server.url, limited), 302);
    await createLink(server, owner);
    assert.deepEqual(errors(), [], server.stdout());
  });

  test('while paused, /readyz answers 503 problem+json with the store down; after SIGCONT, 200', TIMEOUT, async () => {
    const ready = await whilePaused(() => get(server, '/readyz'));
    assertUnavailable(ready, '/readyz');
    assert.deepEqual(ready.body.checks, { store: 'down' });
    assert.equal((await get(server, '/readyz')).status, 200);
  });

  test('when a cached link is redirected while paused, then every redirect answered is counted once it resumes, and every link acknowledged is still there', TIMEOUT, async () => {
    const before = await clicksOf(server, owner, cached);
    assert.equal(before, 1);
    const answered = await whilePaused(async () => {
      const n = await redirects(server.url, cached, 20);
      // The click buffer's batch waits out a timeout and fails; it is kept for the retry.
      await server.waitForLog((line) => line.msg === 'applying clicks failed; will retry', 30_000);
      return n;
    });
    assert.equal(answered, 20, 'a cached link redirects without the store');
    await assertClicksSettleAt(server, owner, cached, before! + answered, 30_000, () => server.transcript());

    const list = await call(server.url, 'GET', '/api/v1/links?limit=100', { token: owner.token });
    assert.equal(list.status, 200);
    const ids = (list.body.data as { id: string }[]).map((l) => l.id);
    for (const link of [cached, limited, uncached]) assert.ok(ids.includes(link.id), `link ${link.code} must still exist`);
    assert.equal(ids.length, 4, 'the three links made before the pauses and the one made after the second');
  });

  test('when a browser session is refreshed while paused, then the answer is 503 and the session cookie is kept', TIMEOUT, async () => {
    const headers = { 'content-type': 'application/json', 'x-kurz-csrf': '1' };
    const signIn = await fetch(new URL('/api/v1/auth/session', server.url), {
      method: 'POST', headers, body: JSON.stringify({ email: 'hang@example.com', password: 'correct horse battery staple' }), signal: AbortSignal.timeout(10_000),
    });
    assert.equal(signIn.status, 200, await signIn.text());
    const cookie = signIn.headers.get('set-cookie')!.split(';')[0]!;
    const refresh = () => fetch(new URL('/api/v1/auth/session/refresh', server.url), { method: 'POST', headers: { 'x-kurz-csrf': '1', cookie }, signal: AbortSignal.timeout(10_000) });

    const during = await whilePaused(refresh);
    assert.equal(during.status, 503, await during.text());
    assert.equal(during.headers.get('set-cookie'), null, 'a store that is down says nothing about the session: the cookie stays');

    const afterwards = await refresh();
    assert.equal(afterwards.status, 200, 'the kept cookie still refreshes once the store answers');
  });
});
