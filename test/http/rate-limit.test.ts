import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createTestApp, problem, signUpAndIn, type Caller, type TestApp } from '../support/app.js';
import { createTestDatabase } from '../support/stores.js';
import { PrivateRedis, TEST_REDIS_URL, assertRedisUp, uniquePrefix } from '../support/redis.js';

/** A refill so slow that nothing comes back during a test: the bucket holds exactly its capacity. */
const burst = (capacity: number) => `${capacity}:0.0001`;

function headersOf(res: { headers: Record<string, unknown> }) {
  return {
    limit: res.headers['ratelimit-limit'], remaining: res.headers['ratelimit-remaining'],
    reset: res.headers['ratelimit-reset'], retryAfter: res.headers['retry-after'],
  };
}

describe('rate limits per class', () => {
  let t: TestApp;
  let ann: Caller;
  let bob: Caller;
  let link: { code: string };
  before(async () => {
    t = await createTestApp('sqlite', {
      env: {
        RATE_API: burst(6), RATE_CREATE_LINK: burst(2), RATE_AUTH_IP: burst(20), RATE_AUTH_EMAIL: burst(20),
        RATE_REDIRECT: burst(4), RATE_NOT_FOUND: burst(2),
      },
    });
    // Each user signs up from an address of their own, so the anonymous API bucket of one IP is not what is tested.
    ann = await signUpAndIn(t.app);
    bob = await signUpAndIn(t.app);
    link = (await t.app.inject({ method: 'POST', url: '/api/v1/links', headers: ann.auth, payload: { url: 'https://example.com/rl' }, remoteAddress: '10.0.0.9' })).json();
  });
  after(() => t.close());

  test('API calls: each user has a bucket; allowed calls carry the RateLimit fields; past it, 429 with Retry-After', async () => {
    const calls = [];
    for (let i = 0; i < 6; i++) calls.push(await t.app.inject({ url: '/api/v1/users/me', headers: bob.auth }));
    assert.ok(calls.every((r) => r.statusCode === 200));
    assert.deepEqual(calls.map((r) => r.headers['ratelimit-remaining']), ['5', '4', '3', '2', '1', '0']);
    assert.equal(calls[0]!.headers['ratelimit-limit'], '6');
    assert.ok(Number(calls[0]!.headers['ratelimit-reset']) > 0);
    const limited = await t.app.inject({ url: '/api/v1/users/me', headers: bob.auth });
    assert.equal(limited.statusCode, 429);
    const body = problem(limited);
    assert.equal(body.type, 'urn:kurz:problem:rate-limited');
    const h = headersOf(limited);
    assert.equal(h.limit, '6');
    assert.equal(h.remaining, '0');
    assert.ok(Number(h.retryAfter) >= 1);
    assert.ok(Number(h.reset) >= Number(h.retryAfter));
    // ann's bucket is her own
    assert.equal((await t.app.inject({ url: '/api/v1/users/me', headers: ann.auth })).statusCode, 200);
  });

  test('an API key has a bucket of its own, apart from its user\'s', async () => {
    const key = (await t.app.inject({ method: 'POST', url: '/api/v1/api-keys', headers: ann.auth, payload: { name: 'k' } })).json().key;
    const res = await t.app.inject({ url: '/api/v1/users/me', headers: { authorization: `Bearer ${key}` } });
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['ratelimit-remaining'], '5');
  });

  test('link creation: per user, on top of the API limit', async () => {
    const carol = await signUpAndIn(t.app);
    const post = () => t.app.inject({ method: 'POST', url: '/api/v1/links', headers: carol.auth, payload: { url: 'https://example.com/c' } });
    assert.equal((await post()).statusCode, 201);
    assert.equal((await post()).statusCode, 201);
    const third = await post();
    assert.equal(third.statusCode, 429);
    assert.equal(third.headers['ratelimit-limit'], '2');
    const list = await t.app.inject({ url: '/api/v1/links', headers: carol.auth });
    assert.equal(list.statusCode, 200, 'reading is not link creation');
    assert.equal(list.json().data.length, 2, 'the refused link was not created');
  });

  test('redirects: limited per client IP; an allowed redirect carries no extra header; a refused one is a 429', async () => {
    const from = (ip: string) => t.app.inject({ url: `/${link.code}`, remoteAddress: ip });
    const allowed = [];
    for (let i = 0; i < 4; i++) allowed.push(await from('192.0.2.1'));
    assert.ok(allowed.every((r) => r.statusCode === 302));
    assert.ok(allowed.every((r) => r.headers['ratelimit-limit'] === undefined && r.headers['retry-after'] === undefined));
    const refused = await from('192.0.2.1');
    assert.equal(refused.statusCode, 429);
    assert.equal(refused.headers['ratelimit-limit'], '4');
    assert.ok(Number(refused.headers['retry-after']) >= 1);
    problem(refused);
    assert.equal((await from('192.0.2.2')).statusCode, 302, 'another client is unaffected');
  });

  test('unknown codes: a client collecting 404s gets 429s instead, while its real redirects go on', async () => {
    const from = (path: string) => t.app.inject({ url: path, remoteAddress: '198.51.100.7' });
    assert.equal((await from('/guess001')).statusCode, 404);
    assert.equal((await from('/guess002')).statusCode, 404);
    const third = await from('/guess003');
    assert.equal(third.statusCode, 429);
    assert.equal(third.headers['ratelimit-limit'], '2');
    assert.equal((await from(`/${link.code}`)).statusCode, 302);
  });

  test('limited and allowed decisions are counted by class', async () => {
    const text = (await t.app.inject({ url: '/metrics' })).body;
    assert.match(text, /kurz_rate_limit_decisions_total\{class="api",outcome="limited"\} [1-9]/);
    assert.match(text, /kurz_rate_limit_decisions_total\{class="redirect",outcome="allowed"\} [1-9]/);
    assert.match(text, /kurz_rate_limit_decisions_total\{class="notFound",outcome="limited"\} [1-9]/);
  });
});

describe('sign-up and sign-in limits', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp('sqlite', { env: { RATE_AUTH_IP: burst(3), RATE_AUTH_EMAIL: burst(3) } });
    await t.app.inject({ method: 'POST', url: '/api/v1/users', payload: { email: 'victim@example.com', password: 'long enough' }, remoteAddress: '10.1.0.1' });
  });
  after(() => t.close());
  const signIn = (email: string, ip: string) =>
    t.app.inject({ method: 'POST', url: '/api/v1/auth/token', payload: { email, password: 'wrong guess' }, remoteAddress: ip });

  test('per email: guesses at one account from many addresses are cut off', async () => {
    // The sign-up above spent one of victim@example.com's three attempts.
    assert.equal((await signIn('victim@example.com', '203.0.113.1')).statusCode, 401);
    assert.equal((await signIn('VICTIM@example.com', '203.0.113.2')).statusCode, 401);
    const third = await signIn('victim@example.com', '203.0.113.3');
    assert.equal(third.statusCode, 429);
    assert.equal(third.headers['ratelimit-limit'], '3');
    assert.equal((await signIn('other@example.com', '203.0.113.4')).statusCode, 401, 'another email is unaffected');
  });

  test('per IP: one address trying many emails (or signing up many accounts) is cut off', async () => {
    // 10.1.0.1 already spent one attempt on the sign-up above.
    assert.equal((await signIn('a@example.com', '10.1.0.1')).statusCode, 401);
    assert.equal((await signIn('b@example.com', '10.1.0.1')).statusCode, 401);
    const res = await t.app.inject({ method: 'POST', url: '/api/v1/users', payload: { email: 'c@example.com', password: 'long enough' }, remoteAddress: '10.1.0.1' });
    assert.equal(res.statusCode, 429);
    assert.equal(res.headers['ratelimit-limit'], '3');
    const none = await t.app.inject({ method: 'POST', url: '/api/v1/auth/token', payload: { email: 'c@example.com', password: 'long enough' }, remoteAddress: '10.1.0.2' });
    assert.equal(none.statusCode, 401, 'the refused sign-up created no account');
  });
});

describe('the client address', () => {
  const hit = (t: TestApp, xff: string) => t.app.inject({ url: '/unknown1', remoteAddress: '127.0.0.1', headers: { 'x-forwarded-for': xff } });

  test('without TRUST_PROXY, X-Forwarded-For is ignored: a client cannot pick a fresh bucket', async () => {
    const t = await createTestApp('sqlite', { env: { RATE_NOT_FOUND: burst(1) } });
    try {
      assert.equal((await hit(t, '203.0.113.10')).statusCode, 404);
      assert.equal((await hit(t, '203.0.113.11')).statusCode, 429);
    } finally {
      await t.close();
    }
  });

  test('with TRUST_PROXY naming the proxy, the client is the address it forwards', async () => {
    const t = await createTestApp('sqlite', { env: { RATE_NOT_FOUND: burst(1), TRUST_PROXY: '127.0.0.1' } });
    try {
      assert.equal((await hit(t, '203.0.113.10')).statusCode, 404);
      assert.equal((await hit(t, '203.0.113.11')).statusCode, 404);
      assert.equal((await hit(t, '203.0.113.10')).statusCode, 429);
    } finally {
      await t.close();
    }
  });
});

describe('shared limits through Redis', () => {
  before(() => assertRedisUp());

  test('two instances sharing Redis allow exactly the capacity over a burst, not twice it', async () => {
    const database = await createTestDatabase('sqlite');
    const env = { REDIS_URL: TEST_REDIS_URL, REDIS_PREFIX: uniquePrefix(), RATE_API: burst(10) };
    const a = await createTestApp('sqlite', { database, env });
    const b = await createTestApp('sqlite', { database, env });
    try {
      const user = await signUpAndIn(a.app);
      const results = await Promise.all(Array.from({ length: 30 }, (_, i) => (i % 2 ? a : b).app.inject({ url: '/api/v1/users/me', headers: user.auth })));
      assert.equal(results.filter((r) => r.statusCode === 200).length, 10);
      assert.equal(results.filter((r) => r.statusCode === 429).length, 20);
    } finally {
      await a.close();
      await b.close();
      await database.drop();
    }
  });

  test('with Redis gone, limiting goes on with in-process buckets, and each fallback is counted', async () => {
    const redis = await PrivateRedis.start();
    const t = await createTestApp('sqlite', { env: { REDIS_URL: redis.url, REDIS_PREFIX: uniquePrefix(), RATE_API: burst(5), REDIS_TIMEOUT_MS: '100' } });
    try {
      const user = await signUpAndIn(t.app);
      const me = () => t.app.inject({ url: '/api/v1/users/me', headers: user.auth });
      assert.equal((await me()).headers['ratelimit-remaining'], '4');
      await redis.kill();
      const statuses = [];
      for (let i = 0; i < 7; i++) statuses.push((await me()).statusCode);
      // The local bucket starts full: five allowed, then limited — never unlimited.
      assert.deepEqual(statuses, [200, 200, 200, 200, 200, 429, 429]);
      assert.match((await t.app.inject({ url: '/metrics' })).body, /kurz_rate_limit_fallbacks_total [1-9]/);
    } finally {
      await t.close();
      await redis.kill();
    }
  });
});
