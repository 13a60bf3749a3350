/**
 * The fast redirect (src/http/fast-redirect.ts) runs only on a real socket: app.inject() goes straight
 * to Fastify. These tests listen on a port and check that a cached link is answered without entering
 * Fastify, with the same answer, click, metrics and limits as the Fastify route gives.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createTestApp, signUpAndIn, type Caller, type TestApp } from '../support/app.js';
import { DIALECTS } from '../support/stores.js';

const BROWSER = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36';

function suite(title: string, env: Record<string, string>, body: (s: {
  get: (path: string, headers?: Record<string, string>, method?: string) => Promise<Response>;
  create: (payload: Record<string, unknown>) => Promise<{ id: string; code: string }>;
  clicksOf: (id: string) => Promise<number>;
  /** Requests for /:code that reached Fastify's hooks. */
  enteredFastify: () => number;
  t: () => TestApp;
}) => void) {
  for (const dialect of DIALECTS) {
    describe(`${title} (${dialect})`, () => {
      let testApp: TestApp;
      let dan: Caller;
      let base = '';
      let entered = 0;
      before(async () => {
        // fetch() sends the Host it connects to: Kurz's own host here, as in development.
        testApp = await createTestApp(dialect, { env: { BASE_URL: 'http://127.0.0.1', ...env } });
        // Added before the app is ready: counts the redirects that reach Fastify's hooks.
        testApp.app.addHook('onRequest', async (request) => {
          if (request.routeOptions.url === '/:code') entered++;
        });
        dan = await signUpAndIn(testApp.app);
        base = await testApp.app.listen({ port: 0, host: '127.0.0.1' });
      });
      after(() => testApp?.close());
      const app = () => testApp.app;
      body({
        get: (path, headers = {}, method = 'GET') =>
          fetch(`${base}${path}`, { method, redirect: 'manual', headers: { 'user-agent': BROWSER, ...headers } }),
        create: async (payload) => {
          const res = await app().inject({ method: 'POST', url: '/api/v1/links', headers: dan.auth, payload });
          assert.equal(res.statusCode, 201, res.body);
          return res.json();
        },
        clicksOf: async (id) => {
          await testApp.ctx.clicks.flush();
          return (await app().inject({ url: `/api/v1/links/${id}`, headers: dan.auth })).json().clicks;
        },
        enteredFastify: () => entered,
        t: () => testApp,
      });
    });
  }
}

suite('fast redirect over a socket', {}, ({ get, create, clicksOf, enteredFastify, t }) => {
  test('a link is answered without entering Fastify, cached or not, with the same status and headers as through Fastify', async () => {
    const link = await create({ url: 'https://example.com/fast', redirect_type: 301 });
    const before = enteredFastify();
    const first = await get(`/${link.code}`); // a miss: loaded into L1 from the store
    const fast = await get(`/${link.code}`); // a hit
    assert.equal(enteredFastify(), before, 'a redirect went through Fastify');
    const slow = await t().app.inject({ url: `/${link.code}` }); // app.inject always takes Fastify's route
    assert.equal(slow.statusCode, 301);
    assert.equal(slow.headers.location, 'https://example.com/fast');
    assert.equal(slow.headers['cache-control'], 'public, max-age=3600');
    for (const res of [first, fast]) {
      assert.equal(res.status, 301);
      assert.equal(res.headers.get('location'), 'https://example.com/fast');
      assert.equal(res.headers.get('cache-control'), 'public, max-age=3600');
      assert.equal(res.headers.get('content-length'), '0');
      assert.match(res.headers.get('x-request-id') ?? '', /^[0-9a-f-]{36}$/);
    }
    assert.notEqual(first.headers.get('x-request-id'), fast.headers.get('x-request-id'));
    assert.equal(await clicksOf(link.id), 3);
  });

  test('an incoming x-request-id is echoed, and a query string does not change the code', async () => {
    const link = await create({ url: 'https://example.com/q' });
    await get(`/${link.code}`);
    const before = enteredFastify();
    const res = await get(`/${link.code}?utm_source=mail`, { 'x-request-id': 'trace-42' });
    assert.equal(enteredFastify(), before);
    assert.equal(res.status, 302);
    assert.equal(res.headers.get('location'), 'https://example.com/q');
    assert.equal(res.headers.get('cache-control'), 'private, no-store');
    assert.equal(res.headers.get('x-request-id'), 'trace-42');
  });

  test('a longer path, HEAD, and an unknown code are left to Fastify, which answers as before', async () => {
    const link = await create({ url: 'https://example.com/h' });
    await get(`/${link.code}`);
    assert.equal((await get(`/${link.code}/more`)).status, 404);
    const before = enteredFastify();
    const head = await get(`/${link.code}`, {}, 'HEAD');
    assert.equal(enteredFastify(), before + 1);
    assert.equal(head.status, 302);
    assert.equal((await get('/no-such-code')).status, 404);
    assert.equal(await clicksOf(link.id), 1);
  });

  test('fast redirects are counted in http_requests_total under the /:code route', async () => {
    const link = await create({ url: 'https://example.com/m', redirect_type: 307 });
    const count = async () => {
      const text = await (await get('/metrics')).text();
      const line = text.split('\n').find((l) => l.startsWith('http_requests_total{') && l.includes('route="/:code"') && l.includes('status="307"'));
      return line ? Number(line.split(' ').at(-1)) : 0;
    };
    const before = await count();
    for (let i = 0; i < 5; i++) assert.equal((await get(`/${link.code}`)).status, 307);
    assert.equal(await count(), before + 5);
  });

  test('a link with a click limit is still counted by the store, exactly', async () => {
    const link = await create({ url: 'https://example.com/twice', max_clicks: 2 });
    assert.deepEqual([(await get(`/${link.code}`)).status, (await get(`/${link.code}`)).status, (await get(`/${link.code}`)).status], [302, 302, 410]);
  });

  test('an expired link answers 410 even while it is cached', async () => {
    const link = await create({ url: 'https://example.com/soon', expires_at: new Date(t().clock.now + 60_000).toISOString() });
    assert.equal((await get(`/${link.code}`)).status, 302);
    t().clock.now += 120_000;
    try {
      assert.equal((await get(`/${link.code}`)).status, 410);
    } finally {
      t().clock.now -= 120_000;
    }
  });
});

suite('fast redirect rate limit', { RATE_REDIRECT: '3:0.001', TRUST_PROXY: '1' }, ({ get, create, t }) => {
  test('past its bucket a client gets the 429 problem, and each client (by X-Forwarded-For from a trusted proxy) has its own bucket', async () => {
    const link = await create({ url: 'https://example.com/limited' });
    const from = (ip: string) => get(`/${link.code}`, { 'x-forwarded-for': ip });
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await from('203.0.113.7')).status);
    assert.deepEqual(statuses, [302, 302, 302, 429]);
    const refused = await from('203.0.113.7');
    assert.equal(refused.headers.get('content-type'), 'application/problem+json; charset=utf-8');
    assert.ok(Number(refused.headers.get('retry-after')) >= 1);
    assert.equal((await from('198.51.100.9')).status, 302);
  });

  test('when a client is refused, then its decisions are counted once each, whichever path answered', async () => {
    const link = await create({ url: 'https://example.com/counted-once' });
    const decisions = async () => {
      const text = (await t().app.inject({ url: '/metrics' })).body;
      const count = (outcome: string) => Number(text.match(new RegExp(`kurz_rate_limit_decisions_total\\{class="redirect",outcome="${outcome}"\\} (\\d+)`))?.[1] ?? 0);
      return { allowed: count('allowed'), limited: count('limited') };
    };
    const before = await decisions();
    const statuses = [];
    for (let i = 0; i < 5; i++) statuses.push((await get(`/${link.code}`, { 'x-forwarded-for': '192.0.2.55' })).status);
    assert.deepEqual(statuses, [302, 302, 302, 429, 429]);
    const after = await decisions();
    assert.deepEqual({ allowed: after.allowed - before.allowed, limited: after.limited - before.limited }, { allowed: 3, limited: 2 });
  });
});
