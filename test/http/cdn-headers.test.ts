/**
 * What a CDN in front of Kurz is told of each answer (docs/DESIGN.md, Edge caches). The redirects a CDN
 * may keep are answered by the fast path (fast-redirect.ts), which runs only on a real socket: these
 * tests listen on a port and use fetch.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { request, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createTestApp, signUpAndIn, type Caller, type TestApp } from '../support/app.js';

const EDGE = ['surrogate-control', 'cdn-cache-control', 'surrogate-key', 'cache-tag'];
const BROWSER = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36';

/** An answer over a real socket: node:http, since fetch() does not let a test name the Host. */
class Answer {
  constructor(readonly status: number, private readonly raw: IncomingHttpHeaders) {}
  readonly headers = { get: (name: string): string | null => (this.raw[name] as string | undefined) ?? null };
}

function listening(env: Record<string, string>) {
  let t: TestApp;
  let dan: Caller;
  let port = 0;
  before(async () => {
    t = await createTestApp('sqlite', { env: { BASE_URL: 'http://127.0.0.1', ...env } });
    dan = await signUpAndIn(t.app);
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    port = (t.app.server.address() as AddressInfo).port;
  });
  after(() => t?.close());
  return {
    get: (path: string, headers: Record<string, string> = {}) => new Promise<Answer>((resolve, reject) => {
      request({ port, host: '127.0.0.1', path, headers: { 'user-agent': BROWSER, ...headers } }, (res) => {
        res.resume();
        resolve(new Answer(res.statusCode!, res.headers));
      }).on('error', reject).end();
    }),
    create: async (payload: Record<string, unknown>): Promise<{ id: string; code: string }> => {
      const res = await t.app.inject({ method: 'POST', url: '/api/v1/links', headers: dan.auth, payload });
      assert.equal(res.statusCode, 201, res.body);
      return res.json();
    },
    /** Registers a domain (the first user is the admin). */
    domain: async (hostname: string): Promise<{ id: string }> => {
      const res = await t.app.inject({ method: 'POST', url: '/api/v1/domains', headers: dan.auth, payload: { hostname } });
      assert.equal(res.statusCode, 201, res.body);
      return res.json();
    },
  };
}

describe('CDN headers with CDN_MAX_AGE_SECONDS=86400', () => {
  const s = listening({ CDN_MAX_AGE_SECONDS: '86400' });

  test('when a permanent link is visited, then the CDN may keep it a day under its names, and browsers an hour', async () => {
    const { code } = await s.create({ url: 'https://example.com/kept', redirect_type: 301 });
    const res = await s.get(`/${code}`);
    assert.equal(res.status, 301);
    assert.equal(res.headers.get('cache-control'), 'public, max-age=3600');
    assert.equal(res.headers.get('surrogate-control'), 'max-age=86400');
    assert.equal(res.headers.get('cdn-cache-control'), 'max-age=86400');
    assert.equal(res.headers.get('surrogate-key'), `kurz-link-${code} kurz-domain-default`);
    assert.equal(res.headers.get('cache-tag'), `kurz-link-${code},kurz-domain-default`);
  });

  test('when a permanent link on a custom domain is visited, then its names carry the domain', async () => {
    const domain = await s.domain('go.example');
    const { code } = await s.create({ url: 'https://example.com/on-domain', redirect_type: 308, domain: 'go.example' });
    const res = await s.get(`/${code}`, { host: 'go.example' });
    assert.equal(res.status, 308);
    assert.equal(res.headers.get('surrogate-key'), `kurz-link-${domain.id}/${code} kurz-domain-${domain.id}`);
  });

  for (const [what, payload] of [
    ['a temporary (302) link', { url: 'https://example.com/t' }],
    ['a permanent link with an expiry', { url: 'https://example.com/e', redirect_type: 301, expires_at: '2999-01-01T00:00:00Z' }],
    ['a permanent link with a card for preview bots', { url: 'https://example.com/o', redirect_type: 301, og: { title: 'A card' } }],
    ['a permanent link with an A/B split', { url: 'https://example.com/s', redirect_type: 301, destinations: [{ url: 'https://example.com/a', weight: 1 }, { url: 'https://example.com/b', weight: 1 }] }],
  ] as const) {
    test(`when ${what} is visited, then the CDN is told not to keep it and is given no names`, async () => {
      const { code } = await s.create(payload);
      const res = await s.get(`/${code}`);
      assert.ok(res.status >= 301 && res.status <= 308, String(res.status));
      assert.equal(res.headers.get('surrogate-control'), 'no-store');
      assert.equal(res.headers.get('cdn-cache-control'), 'no-store');
      assert.equal(res.headers.get('surrogate-key'), null);
      assert.equal(res.headers.get('cache-tag'), null);
    });
  }

  test('when a password-protected, an unknown or a previewed link, or a card, is asked for, then the CDN is told not to keep the answer', async () => {
    const { code } = await s.create({ url: 'https://example.com/p', redirect_type: 301, password: 'open sesame 123' });
    const plain = await s.create({ url: 'https://example.com/q', redirect_type: 301 });
    const card = await s.create({ url: 'https://example.com/c', redirect_type: 301, og: { title: 'A card' } });
    for (const [path, status, ua] of [[`/${code}`, 200, BROWSER], ['/nosuchcode', 404, BROWSER], [`/${plain.code}+`, 200, BROWSER], [`/${card.code}`, 200, 'Slackbot-LinkExpanding 1.0']] as const) {
      const res = await s.get(path, { accept: 'text/html', 'user-agent': ua });
      assert.equal(res.status, status, path);
      assert.equal(res.headers.get('cdn-cache-control'), 'no-store', path);
      assert.equal(res.headers.get('surrogate-control'), 'no-store', path);
      assert.equal(res.headers.get('surrogate-key'), null, path);
    }
  });
});

describe('CDN headers without a CDN (the default)', () => {
  const s = listening({});

  test('when a permanent link is visited, then the answer has no CDN header and the browsers\' Cache-Control', async () => {
    const { code } = await s.create({ url: 'https://example.com/plain', redirect_type: 301 });
    const res = await s.get(`/${code}`);
    assert.equal(res.status, 301);
    assert.equal(res.headers.get('cache-control'), 'public, max-age=3600');
    for (const name of EDGE) assert.equal(res.headers.get(name), null, name);
    const missing = await s.get('/nosuchcode');
    for (const name of EDGE) assert.equal(missing.headers.get(name), null, name);
  });
});
