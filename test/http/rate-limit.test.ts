import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createTestApp, problem, signUpAndIn, type Caller, type TestApp } from '../support/app.js';
import { RATE_CLASSES } from '../../src/config.js';
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
    const res = await t.app.inject({ url: '/api/v1/links', headers: { authorization: `Bearer ${key}` } });
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
    // Only failed sign-ins count per email: three addresses spend victim@example.com's three.
    assert.equal((await signIn('victim@example.com', '203.0.113.1')).statusCode, 401);
    assert.equal((await signIn('VICTIM@example.com', '203.0.113.2')).statusCode, 401);
    assert.equal((await signIn('victim@example.com', '203.0.113.5')).statusCode, 401);
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

describe('sign-in limits at their defaults (OWASP: tight per email and address, loose per email)', () => {
  const AUTH_CLASSES = ['authIp', 'authEmail', 'authEmailIp'] as const;
  const defaults = Object.fromEntries(AUTH_CLASSES.map((c) => [RATE_CLASSES[c].setting, RATE_CLASSES[c].fallback]));
  const OWNER = '198.51.100.5';
  let t: TestApp;
  let owner: Caller;
  before(async () => {
    t = await createTestApp('sqlite', { env: defaults });
    owner = await signUpAndIn(t.app, 'owner@example.com', 'correct horse');
  });
  after(() => t.close());
  const signIn = (email: string, password: string, ip: string) =>
    t.app.inject({ method: 'POST', url: '/api/v1/auth/token', payload: { email, password }, remoteAddress: ip });

  test('when an attacker elsewhere exhausts their guesses, then the owner still signs in and the attacker keeps getting 429', async () => {
    const attacker = '203.0.113.66';
    const guesses = [];
    for (let i = 0; i < 8; i++) guesses.push((await signIn('owner@example.com', `guess number ${i}`, attacker)).statusCode);
    assert.deepEqual(guesses, [401, 401, 401, 401, 401, 429, 429, 429]);
    assert.equal((await signIn('owner@example.com', 'correct horse', OWNER)).statusCode, 200);
    const again = await signIn('owner@example.com', 'correct horse', attacker);
    assert.equal(again.statusCode, 429, 'even the right password is not checked for the attacker\'s address');
    assert.ok(Number(again.headers['retry-after']) >= 1);
    // The browser's sign-in shares the buckets.
    const browser = await t.app.inject({
      method: 'POST', url: '/api/v1/auth/session', headers: { 'x-kurz-csrf': '1' }, payload: { email: 'owner@example.com', password: 'guess again' }, remoteAddress: attacker,
    });
    assert.equal(browser.statusCode, 429);
  });

  test('when the owner signs in often from one address, then successes spend nothing but the per-address share', async () => {
    const statuses = [];
    for (let i = 0; i < 10; i++) statuses.push((await signIn(owner.email, 'correct horse', '198.51.100.6')).statusCode);
    assert.deepEqual(statuses, Array(10).fill(200));
  });

  test('when guesses from many addresses exceed the per-email bucket (100 failures), then the account is refused for everyone: the trade-off', async () => {
    await signUpAndIn(t.app, 'target@example.com', 'correct horse');
    let failed = 0;
    for (let address = 1; failed < 100; address++) {
      for (let i = 0; i < 5; i++) {
        const res = await signIn('target@example.com', `guess ${address}.${i}`, `192.0.2.${address}`);
        assert.equal(res.statusCode, 401, `guess ${failed + 1}`);
        failed++;
      }
    }
    assert.equal((await signIn('target@example.com', 'another guess', '192.0.2.200')).statusCode, 429);
    assert.equal((await signIn('target@example.com', 'correct horse', OWNER)).statusCode, 429);
    assert.equal((await signIn(owner.email, 'correct horse', '192.0.2.201')).statusCode, 200, 'other accounts are untouched');
  });

  test('when a stolen access token guesses current_password, then it is limited like a sign-in', async () => {
    const victim = await signUpAndIn(t.app, 'token-victim@example.com', 'correct horse');
    const guess = (password: string) => t.app.inject({
      method: 'PATCH', url: `/api/v1/users/${victim.id}`, headers: victim.auth, remoteAddress: '203.0.113.99',
      payload: { password: 'chosen by the thief', current_password: password },
    });
    const statuses = [];
    for (let i = 0; i < 6; i++) statuses.push((await guess(`guess ${i}`)).statusCode);
    assert.deepEqual(statuses, [403, 403, 403, 403, 403, 429]);
    assert.equal((await guess('correct horse')).statusCode, 429);
  });

  test('when one address asks whether emails are registered (sign-up 409s), then it is limited per address and per email', async () => {
    const prober = '203.0.113.150';
    const signUp = (email: string, ip = prober) =>
      t.app.inject({ method: 'POST', url: '/api/v1/users', payload: { email, password: 'probing for accounts' }, remoteAddress: ip });
    const same = [];
    for (let i = 0; i < 6; i++) same.push((await signUp(owner.email)).statusCode);
    assert.deepEqual(same, [409, 409, 409, 409, 409, 429], 'one email: 5 per address');
    const many = [];
    for (let i = 0; i < 16; i++) many.push((await signUp(`probe${i}@example.com`)).statusCode);
    // 6 of the address's 20 went on the email above; 14 more, then 429.
    assert.deepEqual(many, [...Array(14).fill(201), 429, 429]);
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
