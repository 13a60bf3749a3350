/**
 * The fallback of a link that is over is decided from the cache, like its expiry: from this instance's
 * entry, and from the Redis entry another instance filled, without a store read; an edit of expired_url
 * through one instance reaches the other's redirects.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Store } from '../../src/ports.js';
import { createTestApp, signUpAndIn, type Caller, type TestApp } from '../support/app.js';
import { DIALECTS, createTestDatabase, type TestDatabase } from '../support/stores.js';
import { TEST_REDIS_URL, assertRedisUp, uniquePrefix } from '../support/redis.js';

/** Counts the redirect's store reads (findTargetByCode, countVisit) that reach the store. */
function countingReads(): { wrap: (store: Store) => Store; count: () => number } {
  let reads = 0;
  const wrap = (store: Store) =>
    new Proxy(store, {
      get(target, prop, receiver) {
        const value = Reflect.get(target, prop, receiver);
        if (prop === 'findTargetByCode' || prop === 'countVisit') {
          return (...args: unknown[]) => (reads++, (value as (...a: unknown[]) => unknown).apply(target, args));
        }
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
  return { wrap, count: () => reads };
}

async function eventually(check: () => Promise<void>, timeoutMs: number): Promise<void> {
  const start = Date.now();
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (Date.now() - start > timeoutMs) throw err;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}

before(() => assertRedisUp());

for (const dialect of DIALECTS) {
  describe(`the fallback from the cache, two instances sharing Redis (${dialect})`, () => {
    const counter = countingReads();
    let database: TestDatabase;
    let a: TestApp;
    let b: TestApp;
    let user: Caller;
    before(async () => {
      database = await createTestDatabase(dialect);
      const env = { REDIS_URL: TEST_REDIS_URL, REDIS_PREFIX: uniquePrefix(), REDIS_TIMEOUT_MS: '1000' };
      a = await createTestApp(dialect, { database, env });
      b = await createTestApp(dialect, { database, env, wrapStore: counter.wrap });
      await eventually(async () => {
        for (const t of [a, b]) assert.equal((await t.app.inject({ url: '/readyz' })).json().checks.redis, 'up');
      }, 5_000);
      user = await signUpAndIn(a.app);
    });
    after(async () => {
      await a?.close();
      await b?.close();
      await database?.drop();
    });

    test('when a link with a fallback has expired, then an instance answers the fallback from the entry another filled in Redis, with no store read', async () => {
      const created = await a.app.inject({
        method: 'POST', url: '/api/v1/links', headers: user.auth,
        payload: { url: 'https://example.com/live', expires_at: new Date(a.clock.now + 60_000).toISOString(), expired_url: 'https://example.com/over' },
      });
      const { code, id } = created.json() as { code: string; id: string };
      assert.equal((await a.app.inject({ url: `/${code}` })).headers.location, 'https://example.com/live'); // a fills Redis
      b.clock.now += 60_000;
      try {
        const before = counter.count();
        const res = await b.app.inject({ url: `/${code}` });
        assert.equal(res.statusCode, 302);
        assert.equal(res.headers.location, 'https://example.com/over');
        assert.equal(counter.count() - before, 0, 'decided from the Redis entry');

        await a.app.inject({ method: 'PATCH', url: `/api/v1/links/${id}`, headers: user.auth, payload: { expired_url: 'https://example.com/elsewhere' } });
        await eventually(async () => assert.equal((await b.app.inject({ url: `/${code}` })).headers.location, 'https://example.com/elsewhere'), 1_000);
        await a.app.inject({ method: 'PATCH', url: `/api/v1/links/${id}`, headers: user.auth, payload: { expired_url: null } });
        await eventually(async () => assert.equal((await b.app.inject({ url: `/${code}` })).statusCode, 410), 1_000);
      } finally {
        b.clock.now -= 60_000;
      }
    });
  });
}
