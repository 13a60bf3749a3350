import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Store } from '../../src/ports.js';
import { createTestApp, signUpAndIn, type Caller, type TestApp, type TestAppOptions } from '../support/app.js';
import { DIALECTS, createTestDatabase, type TestDatabase } from '../support/stores.js';
import { PrivateRedis, TEST_REDIS_URL, assertRedisUp, uniquePrefix } from '../support/redis.js';
import { clusterPerFile } from '../support/redis-cluster.js';
import { newId } from '../../src/domain/ids.js';
import { DEFAULT_DOMAIN_ID } from '../../src/domain/link-key.js';

/** Wraps a store so a test can count the redirect's lookups (findTargetByCode) that reach it. */
function countingLookups(): { wrap: (store: Store) => Store; count: () => number } {
  let lookups = 0;
  const wrap = (store: Store) =>
    new Proxy(store, {
      get(target, prop, receiver) {
        const value = Reflect.get(target, prop, receiver);
        if (prop === 'findTargetByCode') return (code: string) => (lookups++, target.findTargetByCode(code));
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
  return { wrap, count: () => lookups };
}

/** Polls until `check` passes; answers how long that took. */
async function eventually(check: () => Promise<void>, timeoutMs: number): Promise<number> {
  const start = Date.now();
  for (;;) {
    try {
      await check();
      return Date.now() - start;
    } catch (err) {
      if (Date.now() - start > timeoutMs) throw err;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}

/** How many Redis calls an instance has made (from its metrics). */
async function redisCalls(t: TestApp): Promise<number> {
  const { values } = await t.ctx.metrics.redisDuration.get();
  return values.filter((v) => v.metricName?.endsWith('_count')).reduce((sum, v) => sum + v.value, 0);
}

/**
 * Redis for a test app. The timeout is generous: two apps and a second test file share this process
 * and its 2 cores, and an event loop busy for 200 ms would time out a command Redis had answered (the
 * failure tests set their own).
 */
const redisEnv = (url = TEST_REDIS_URL, prefix = uniquePrefix()) => ({ REDIS_URL: url, REDIS_PREFIX: prefix, REDIS_TIMEOUT_MS: '1000' });

/** What each instance's cache and Redis connection report, for a failure message. */
async function cacheState(...apps: TestApp[]): Promise<string> {
  const report = async ({ ctx: { metrics } }: TestApp) => {
    const pick = async (metric: { get(): Promise<{ values: { labels: object; value: number; metricName?: string }[] }> }) =>
      (await metric.get()).values.filter((v) => !v.metricName?.endsWith('_bucket') && !v.metricName?.endsWith('_sum'))
        .map((v) => `${JSON.stringify(v.labels)}=${v.value}`).join(' ');
    return `pending=${await pick(metrics.pendingInvalidations)} breaker=${await pick(metrics.breakerState)} redis=${await pick(metrics.redisDuration)} lookups=${await pick(metrics.cacheLookups)}`;
  };
  return (await Promise.all(apps.map(report))).map((r, i) => `instance ${i}: ${r}`).join('\n');
}

async function createLink(app: TestApp, caller: Caller, payload: Record<string, unknown>) {
  const res = await app.app.inject({ method: 'POST', url: '/api/v1/links', headers: caller.auth, payload });
  assert.equal(res.statusCode, 201, res.body);
  return res.json() as { id: string; code: string };
}

const locationOf = async (app: TestApp, code: string, host?: string) => {
  const res = await app.app.inject({ url: `/${code}`, ...(host ? { headers: { host } } : {}) });
  return res.statusCode === 404 ? 404 : res.headers.location;
};

before(() => assertRedisUp());

for (const dialect of DIALECTS) {
  for (const level of ['in-process', 'redis'] as const) {
    describe(`redirect cache, ${level} (${dialect})`, () => {
      const counter = countingLookups();
      let t: TestApp;
      let user: Caller;
      before(async () => {
        const options: TestAppOptions = { wrapStore: counter.wrap, env: level === 'redis' ? redisEnv() : {} };
        t = await createTestApp(dialect, options);
        user = await signUpAndIn(t.app);
      });
      after(() => t.close());

      test('1,000 concurrent requests for one uncached code cause one store lookup', async () => {
        const link = await createLink(t, user, { url: 'https://example.com/flight' });
        const before = counter.count();
        const results = await Promise.all(Array.from({ length: 1000 }, () => t.app.inject({ url: `/${link.code}` })));
        assert.ok(results.every((r) => r.statusCode === 302));
        assert.equal(counter.count() - before, 1);
        // With Redis the clicks travel through a stream to a consumer: counted soon, not at once.
        await t.ctx.clicks.flush();
        await eventually(async () => assert.equal((await t.ctx.store.findLinkById(link.id))?.clicks, 1000, 'every cached redirect was counted'), 5_000);
      });

      test('a cached code is served without touching the store', async () => {
        const link = await createLink(t, user, { url: 'https://example.com/hot' });
        await t.app.inject({ url: `/${link.code}` });
        const before = counter.count();
        for (let i = 0; i < 100; i++) assert.equal((await t.app.inject({ url: `/${link.code}` })).statusCode, 302);
        assert.equal(counter.count() - before, 0);
      });

      test('unknown codes are cached as absent; creating the code clears that at once', async () => {
        const before = counter.count();
        for (let i = 0; i < 50; i++) assert.equal((await t.app.inject({ url: '/notYet42' })).statusCode, 404);
        assert.equal(counter.count() - before, 1, 'enumeration does not reach the database');
        await createLink(t, user, { url: 'https://example.com/now', code: 'notYet42' });
        assert.equal(await locationOf(t, 'notYet42'), 'https://example.com/now');
      });

      test('a cached link past expires_at answers 410', async () => {
        const link = await createLink(t, user, { url: 'https://example.com/exp', expires_at: new Date(t.clock.now + 60_000).toISOString() });
        assert.equal((await t.app.inject({ url: `/${link.code}` })).statusCode, 302);
        const before = counter.count();
        t.clock.now += 60_000;
        try {
          assert.equal((await t.app.inject({ url: `/${link.code}` })).statusCode, 410);
          assert.equal(counter.count() - before, 0, 'expiry is decided from the cached entry');
        } finally {
          t.clock.now -= 60_000;
        }
      });

      test('a limited link is never served past max_clicks from the cache', async () => {
        const link = await createLink(t, user, { url: 'https://example.com/lim', max_clicks: 3 });
        const statuses = [];
        for (let i = 0; i < 6; i++) statuses.push((await t.app.inject({ url: `/${link.code}` })).statusCode);
        assert.deepEqual(statuses, [302, 302, 302, 410, 410, 410]);
      });

      test('an edited or deleted link stops redirecting to its old target at once on this instance', async () => {
        const link = await createLink(t, user, { url: 'https://example.com/v1', code: `edit-${level}` });
        assert.equal(await locationOf(t, link.code), 'https://example.com/v1');
        await t.app.inject({ method: 'PATCH', url: `/api/v1/links/${link.id}`, headers: user.auth, payload: { url: 'https://example.com/v2' } });
        assert.equal(await locationOf(t, link.code), 'https://example.com/v2');
        await t.app.inject({ method: 'PATCH', url: `/api/v1/links/${link.id}`, headers: user.auth, payload: { code: `moved-${level}` } });
        assert.equal(await locationOf(t, link.code), 404, 'the old code is gone');
        assert.equal(await locationOf(t, `moved-${level}`), 'https://example.com/v2');
        await t.app.inject({ method: 'DELETE', url: `/api/v1/links/${link.id}`, headers: user.auth });
        assert.equal(await locationOf(t, `moved-${level}`), 404);
      });
    });
  }
}

/** Two instances of Kurz on one database and one Redis, as behind a load balancer. */
async function twoInstances(dialect: TestDatabase['name'], redisUrl: string, env: Record<string, string> = {}) {
  const database = await createTestDatabase(dialect);
  const shared = { ...redisEnv(redisUrl), ...env };
  const a = await createTestApp(dialect, { database, env: shared });
  const b = await createTestApp(dialect, { database, env: shared });
  // Serving starts at once; invalidations reach an instance once its subscription is up.
  await eventually(async () => {
    for (const t of [a, b]) assert.equal((await t.app.inject({ url: '/readyz' })).json().checks.redis, 'up');
  }, 5_000);
  return {
    a, b,
    async close() {
      await a.close();
      await b.close();
      await database.drop();
    },
  };
}

const cluster = clusterPerFile();
after(() => cluster.stop());
/** What the two instances share: one Redis, or a Redis Cluster (3 masters, 3 replicas) of this file's own. */
const SHARED = [
  { name: 'Redis', url: async () => TEST_REDIS_URL },
  { name: 'a Redis Cluster', url: async () => (await cluster.get()).url },
];

for (const dialect of DIALECTS) for (const shared of SHARED) {
  describe(`two instances sharing ${shared.name} (${dialect})`, () => {
    let pair: Awaited<ReturnType<typeof twoInstances>>;
    let user: Caller;
    before(async () => {
      pair = await twoInstances(dialect, await shared.url());
      user = await signUpAndIn(pair.a.app);
    });
    after(() => pair.close());

    test('an update through one is seen by a redirect through the other within a second', async () => {
      const { a, b } = pair;
      const link = await createLink(a, user, { url: 'https://example.com/old' });
      assert.equal(await locationOf(b, link.code), 'https://example.com/old'); // now cached in b's L1 and in Redis
      await a.app.inject({ method: 'PATCH', url: `/api/v1/links/${link.id}`, headers: user.auth, payload: { url: 'https://example.com/new' } });
      const took = await eventually(async () => assert.equal(await locationOf(b, link.code), 'https://example.com/new'), 1_000);
      assert.ok(took < 1_000);
      // A delete reaches the other instance the same way.
      await a.app.inject({ method: 'DELETE', url: `/api/v1/links/${link.id}`, headers: user.auth });
      await eventually(async () => assert.equal(await locationOf(b, link.code), 404, await cacheState(a, b)), 1_000);
    });

    test('a code one instance cached as unknown redirects there within a second of its creation through the other', async () => {
      const { a, b } = pair;
      assert.equal(await locationOf(b, 'born-later'), 404);
      await createLink(a, user, { url: 'https://example.com/born', code: 'born-later' });
      await eventually(async () => assert.equal(await locationOf(b, 'born-later'), 'https://example.com/born'), 1_000);
    });

    test('a domain registered through one is served by the other, and its link edited on one is seen on the other within a second', async () => {
      const { a, b } = pair;
      const host = `pair-${dialect}.example`;
      assert.equal((await a.app.inject({ method: 'POST', url: '/api/v1/domains', headers: user.auth, payload: { hostname: host } })).statusCode, 201);
      const link = await createLink(a, user, { url: 'https://example.com/on-domain', domain: host, code: 'shared-code' });
      await createLink(a, user, { url: 'https://example.com/on-default', code: 'shared-code' });
      await eventually(async () => assert.equal(await locationOf(b, 'shared-code', host), 'https://example.com/on-domain'), 1_000);
      assert.equal(await locationOf(b, 'shared-code'), 'https://example.com/on-default');
      await a.app.inject({ method: 'PATCH', url: `/api/v1/links/${link.id}`, headers: user.auth, payload: { url: 'https://example.com/on-domain-2' } });
      await eventually(async () => assert.equal(await locationOf(b, 'shared-code', host), 'https://example.com/on-domain-2', await cacheState(a, b)), 1_000);
      assert.equal(await locationOf(b, 'shared-code'), 'https://example.com/on-default', 'the default domain\'s code is another link');
    });

    test('max_clicks holds exactly across both instances under concurrency', async () => {
      const { a, b } = pair;
      const link = await createLink(a, user, { url: 'https://example.com/ten', max_clicks: 10 });
      const results = await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? a : b).app.inject({ url: `/${link.code}` })));
      assert.equal(results.filter((r) => r.statusCode === 302).length, 10);
    });

    test('when redirects go through both instances, then the link counts each click exactly once', async () => {
      const { a, b } = pair;
      const link = await createLink(a, user, { url: 'https://example.com/counted' });
      for (let round = 0; round < 6; round++) {
        const results = await Promise.all(Array.from({ length: 25 }, (_, i) => (i % 2 ? a : b).app.inject({ url: `/${link.code}` })));
        assert.ok(results.every((r) => r.statusCode === 302), 'every redirect answered');
      }
      // Both instances append to the stream and both consume it (CLICK_CONSUMER=on): 150 clicks, each counted once.
      const clicks = async () => (await a.app.inject({ url: `/api/v1/links/${link.id}`, headers: user.auth })).json().clicks as number;
      await eventually(async () => assert.ok((await clicks()) >= 150, `clicks ${await clicks()}`), 20_000);
      await new Promise((resolve) => setTimeout(resolve, 500)); // a late duplicate would land by now
      assert.equal(await clicks(), 150);
    });
  });
}

describe('when Redis fails', () => {
  let redis: PrivateRedis;
  let pair: Awaited<ReturnType<typeof twoInstances>>;
  let user: Caller;
  const ready = async (t: TestApp) => (await t.app.inject({ url: '/readyz' })).json();

  before(async () => {
    redis = await PrivateRedis.start();
    pair = await twoInstances('sqlite', redis.url, { CACHE_L1_TTL_SECONDS: '1', REDIS_TIMEOUT_MS: '100' });
    user = await signUpAndIn(pair.a.app);
  });
  after(async () => {
    await pair.close();
    await redis.kill();
  });

  test('redirects keep succeeding from L1 and the store, readiness says degraded, and invalidation resumes when it returns', async () => {
    const { a, b } = pair;
    const link = await createLink(a, user, { url: 'https://example.com/r1' });
    assert.equal(await locationOf(b, link.code), 'https://example.com/r1');
    assert.equal((await ready(b)).checks.redis, 'up');

    await redis.kill();
    for (let i = 0; i < 50; i++) assert.equal(await locationOf(b, link.code), 'https://example.com/r1');
    await eventually(async () => {
      const status = await b.app.inject({ url: '/readyz' });
      assert.equal(status.statusCode, 200, 'Kurz stays ready without Redis');
      assert.deepEqual(status.json().checks, { store: 'up', redis: 'degraded' });
    }, 1_000);

    // An edit while Redis is down: the writer sees it at once, the other instance once its L1 entry lapses (CACHE_L1_TTL).
    await a.app.inject({ method: 'PATCH', url: `/api/v1/links/${link.id}`, headers: user.auth, payload: { url: 'https://example.com/r2' } });
    assert.equal(await locationOf(a, link.code), 'https://example.com/r2');
    await eventually(async () => assert.equal(await locationOf(b, link.code), 'https://example.com/r2'), 2_500);
    const other = await createLink(a, user, { url: 'https://example.com/during-outage' });
    assert.equal(await locationOf(b, other.code), 'https://example.com/during-outage');

    await redis.start();
    await eventually(async () => {
      assert.equal((await ready(a)).checks.redis, 'up');
      assert.equal((await ready(b)).checks.redis, 'up');
    }, 10_000);
    assert.equal(await locationOf(b, link.code), 'https://example.com/r2'); // cached again in Redis and b's L1
    await a.app.inject({ method: 'PATCH', url: `/api/v1/links/${link.id}`, headers: user.auth, payload: { url: 'https://example.com/r3' } });
    const took = await eventually(async () => assert.equal(await locationOf(b, link.code), 'https://example.com/r3'), 1_000);
    assert.ok(took < 1_000, 'invalidation over pub/sub works again');
  });

  test('when Redis hangs under click traffic, then the breaker opens and stays open, readiness says degraded, and lookups stop waiting for it', async () => {
    const { a } = pair;
    const link = await createLink(a, user, { url: 'https://example.com/busy' });
    assert.equal(await locationOf(a, link.code), 'https://example.com/busy'); // now in a's L1

    redis.pause();
    try {
      // Each redirect of the cached link appends its click to the stream (a pipeline); each unknown code asks Redis (L2).
      const seen: string[] = [];
      for (let i = 0; i < 30; i++) {
        assert.equal(await locationOf(a, link.code), 'https://example.com/busy');
        assert.equal(await locationOf(a, `hung-${i}`), 404);
        if (i >= 10) seen.push((await ready(a)).checks.redis);
      }
      assert.deepEqual([...new Set(seen)], ['degraded'], 'once open, the breaker stays open while Redis hangs');
      const calls = await redisCalls(a);
      for (let i = 0; i < 20; i++) {
        assert.equal(await locationOf(a, link.code), 'https://example.com/busy');
        assert.equal(await locationOf(a, `still-hung-${i}`), 404);
      }
      assert.equal(await redisCalls(a), calls, 'no call waits for a Redis the breaker knows is hung');
    } finally {
      redis.resume();
    }
    await eventually(async () => assert.equal((await ready(a)).checks.redis, 'up'), 10_000);
  });

  test('a hung Redis costs only timeouts until the breaker opens, and invalidations it missed are replayed when it answers', async () => {
    const { a, b } = pair;
    const link = await createLink(a, user, { url: 'https://example.com/h1' });
    assert.equal(await locationOf(b, link.code), 'https://example.com/h1'); // in Redis and in b's L1

    redis.pause();
    try {
      await a.app.inject({ method: 'PATCH', url: `/api/v1/links/${link.id}`, headers: user.auth, payload: { url: 'https://example.com/h2' } });
      assert.equal(await locationOf(a, link.code), 'https://example.com/h2');
      // Each lookup that misses L1 now waits REDIS_TIMEOUT_MS for Redis, until the breaker opens …
      for (let i = 0; i < 6; i++) assert.equal(await locationOf(a, `unknown-${i}`), 404);
      assert.equal((await ready(a)).checks.redis, 'degraded');
      // … after which Redis is not called at all.
      const calls = await redisCalls(a);
      for (let i = 0; i < 20; i++) assert.equal(await locationOf(a, `absent-${i}`), 404);
      assert.equal(await redisCalls(a), calls);
      await eventually(async () => assert.equal(await locationOf(b, link.code), 'https://example.com/h2'), 3_000);
    } finally {
      redis.resume();
    }
    // Redis kept the old entry while it hung; a's replay of its pending invalidation removes it.
    await eventually(async () => {
      assert.equal((await ready(a)).checks.redis, 'up');
      assert.equal((await ready(b)).checks.redis, 'up');
    }, 10_000);
    await eventually(async () => assert.equal(await locationOf(b, link.code), 'https://example.com/h2'), 3_000);
    await new Promise((resolve) => setTimeout(resolve, 1_200)); // past b's L1 TTL: the answer now comes from Redis
    assert.equal(await locationOf(b, link.code), 'https://example.com/h2');
  });
});

describe('when an instance starts before Redis', () => {
  test('when its subscription first takes effect, then it forgets what it cached before: a write it was never told of is seen at once', async () => {
    const redis = await PrivateRedis.unstarted();
    // An L1 TTL of a minute: a link kept from before the subscription would still be served at the end.
    const t = await createTestApp('sqlite', { env: { ...redisEnv(redis.url), CACHE_L1_TTL_SECONDS: '60' } });
    try {
      const user = await signUpAndIn(t.app);
      // Put in the store directly: a creation through the API would leave an invalidation to replay, which would tell it.
      const now = t.clock.now;
      const link = await t.ctx.store.insertLink({
        id: newId(now), domainId: DEFAULT_DOMAIN_ID, code: 'before-redis', url: 'https://example.com/before', title: null, tags: [],
        redirectType: 302, expiresAt: null, maxClicks: null, expiredUrl: null, archived: false, rules: null, destinations: null, og: null,
        ownerId: user.id, createdAt: now, passwordHash: null,
      });
      assert.equal(await locationOf(t, link.code), 'https://example.com/before'); // cached in L1, Redis unreachable
      // Another instance's edit, published while this one was not subscribed: it never arrives here.
      await t.ctx.store.updateLink(link.id, { url: 'https://example.com/after' }, now + 1);
      assert.equal(await locationOf(t, link.code), 'https://example.com/before', 'served from L1 until then');

      await redis.start();
      await eventually(async () => assert.equal((await t.app.inject({ url: '/readyz' })).json().checks.redis, 'up'), 10_000);
      await eventually(async () => assert.equal(await locationOf(t, link.code), 'https://example.com/after'), 1_000);
    } finally {
      await t.close();
      await redis.kill();
    }
  });
});
