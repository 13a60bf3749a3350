/**
 * Hardening of every answer (issue 12, item 11): nosniff everywhere and HSTS under https, /metrics kept
 * from the public, problem+json for what Fastify and node:http answer before any route, JWTs without
 * exp, compressed or non-UTF-8 bodies, and 405 with Allow for a known path with the wrong method.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { SignJWT } from 'jose';
import { TEST_SECRET, createTestApp, describeEachDialect, problem, signUpAndIn, type Caller, type TestApp } from '../support/app.js';
import { rawConnection } from '../support/http-lanes.js';

describeEachDialect('hardening', ({ app, admin }) => {
  let ann: Caller;
  let link: { id: string; code: string };
  before(async () => {
    ann = await signUpAndIn(app());
    link = (await app().inject({ method: 'POST', url: '/api/v1/links', headers: ann.auth, payload: { url: 'https://example.com/hard' } })).json();
  });

  test('when anything is asked (API, error, QR, docs, redirect, ops), then the answer carries X-Content-Type-Options: nosniff, and no HSTS over http', async () => {
    const answers = [
      await app().inject({ url: '/api/v1/users/me', headers: ann.auth }),
      await app().inject({ url: '/api/v1/users/me' }),
      await app().inject({ url: `/api/v1/links/${link.id}/qr.svg`, headers: ann.auth }),
      await app().inject({ url: `/api/v1/links/${link.id}/qr.png?size=64`, headers: ann.auth }),
      await app().inject({ url: '/docs/' }),
      await app().inject({ url: '/openapi.json' }),
      await app().inject({ url: `/${link.code}` }),
      await app().inject({ url: '/nothing-here-at-all' }),
      await app().inject({ url: '/healthz' }),
      await app().inject({ url: '/metrics' }),
    ];
    for (const res of answers) {
      assert.equal(res.headers['x-content-type-options'], 'nosniff', `${res.statusCode} ${res.headers['content-type']}`);
      assert.equal(res.headers['strict-transport-security'], undefined);
    }
  });

  test('when a path is not valid percent-encoding (GET /%zz), then 400 problem+json naming the path', async () => {
    for (const url of ['/%zz', '/api/v1/links/%zz', '/api/v1/links/%E0%A4%A']) {
      const res = await app().inject({ url, headers: ann.auth });
      assert.equal(res.statusCode, 400, url);
      const body = problem(res);
      assert.equal(body.type, 'urn:kurz:problem:validation');
      assert.equal(body.errors?.[0]?.field, 'path');
      assert.equal(res.headers['x-content-type-options'], 'nosniff');
    }
  });

  test('when an access token has no exp, then it is refused (401) though its signature is right', async () => {
    const sign = (withExp: boolean) => {
      const jwt = new SignJWT({}).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).setIssuer('kurz').setSubject(ann.id).setIssuedAt();
      return (withExp ? jwt.setExpirationTime('5m') : jwt).sign(new TextEncoder().encode(TEST_SECRET));
    };
    const ok = await app().inject({ url: '/api/v1/users/me', headers: { authorization: `Bearer ${await sign(true)}` } });
    assert.equal(ok.statusCode, 200, 'the same token with exp is accepted');
    const res = await app().inject({ url: '/api/v1/users/me', headers: { authorization: `Bearer ${await sign(false)}` } });
    assert.equal(res.statusCode, 401);
    problem(res);
  });

  test('when a body is compressed (Content-Encoding) or in a charset other than UTF-8, then 415 problem+json and nothing is created', async () => {
    const before = (await app().inject({ url: '/api/v1/links', headers: ann.auth })).json().data.length;
    const payload = JSON.stringify({ url: 'https://example.com/encoded' });
    for (const headers of [
      { 'content-type': 'application/json', 'content-encoding': 'gzip' },
      { 'content-type': 'application/json', 'content-encoding': 'deflate, identity' },
      { 'content-type': 'application/json; charset=iso-8859-1' },
      { 'content-type': 'application/json; charset="UTF-16"' },
    ]) {
      const res = await app().inject({ method: 'POST', url: '/api/v1/links', headers: { ...ann.auth, ...headers }, payload });
      assert.equal(res.statusCode, 415, JSON.stringify(headers));
      assert.equal(problem(res).type, 'urn:kurz:problem:unsupported-media-type');
    }
    for (const headers of [
      { 'content-type': 'application/json; charset=utf-8', 'content-encoding': 'identity' },
      { 'content-type': 'application/json; charset=UTF8' },
    ]) {
      const res = await app().inject({ method: 'POST', url: '/api/v1/links', headers: { ...ann.auth, ...headers }, payload });
      assert.equal(res.statusCode, 201, `${JSON.stringify(headers)}: ${res.body}`);
    }
    assert.equal((await app().inject({ url: '/api/v1/links', headers: ann.auth })).json().data.length, before + 2);
  });

  test('when a known path is asked with a method it does not answer, then 405 problem+json with Allow (HEAD wherever GET)', async () => {
    const cases: [string, string, string][] = [
      ['DELETE', '/api/v1/users/me', 'GET, HEAD'],
      ['PUT', '/api/v1/links', 'GET, HEAD, POST'],
      ['POST', `/api/v1/links/${link.id}/qr.png`, 'GET, HEAD'],
      ['POST', `/api/v1/links/${link.id}`, 'DELETE, GET, HEAD, PATCH, PUT'],
      ['PATCH', '/api/v1/users/me', 'GET, HEAD'],
      ['POST', '/healthz', 'GET, HEAD'],
    ];
    for (const [method, url, allow] of cases) {
      const res = await app().inject({ method: method as 'PUT', url, headers: admin().auth });
      assert.equal(res.statusCode, 405, `${method} ${url}: ${res.body}`);
      assert.ok(String(res.headers.allow).startsWith(allow.split(', ')[0]!), `${method} ${url}: Allow ${res.headers.allow}`);
      for (const m of allow.split(', ')) assert.ok(String(res.headers.allow).split(', ').includes(m), `${method} ${url}: Allow ${res.headers.allow} lacks ${m}`);
      assert.equal(problem(res).type, 'urn:kurz:problem:method-not-allowed');
    }
    const head = await app().inject({ method: 'HEAD', url: '/healthz' });
    assert.equal(head.statusCode, 200);
    const unknown = await app().inject({ method: 'DELETE', url: '/api/v1/no/such/thing' });
    assert.equal(unknown.statusCode, 404, 'a path no route answers stays a 404');
  });

  test('when /metrics is asked from this host without METRICS_TOKEN, then it answers; through a proxy or from elsewhere, 403 problem', async () => {
    assert.equal((await app().inject({ url: '/metrics' })).statusCode, 200);
    const proxied = await app().inject({ url: '/metrics', headers: { 'x-forwarded-for': '203.0.113.9' } });
    assert.equal(proxied.statusCode, 403);
    problem(proxied);
    const remote = await app().inject({ url: '/metrics', remoteAddress: '203.0.113.9' });
    assert.equal(remote.statusCode, 403);
    assert.doesNotMatch(remote.body, /http_requests_total/);
  });
});

describe('with METRICS_TOKEN and an https BASE_URL', () => {
  let t: TestApp;
  const token = 'metrics-token-0123456789';
  before(async () => {
    t = await createTestApp('sqlite', { env: { METRICS_TOKEN: token, BASE_URL: 'https://kurz.test' } });
  });
  after(() => t.close());

  test('when /metrics is asked without the token or with a wrong one, then 401 problem with WWW-Authenticate, even from this host; with it, 200', async () => {
    for (const authorization of [undefined, 'Bearer wrong', `Bearer ${token}x`, token, `Basic ${token}`]) {
      const res = await t.app.inject({ url: '/metrics', headers: authorization ? { authorization } : {} });
      assert.equal(res.statusCode, 401, String(authorization));
      assert.equal(res.headers['www-authenticate'], 'Bearer');
      problem(res);
    }
    const ok = await t.app.inject({ url: '/metrics', headers: { authorization: `Bearer ${token}` }, remoteAddress: '203.0.113.9' });
    assert.equal(ok.statusCode, 200);
    assert.match(ok.body, /process_resident_memory_bytes/);
  });

  test('when BASE_URL is https, then every answer carries Strict-Transport-Security for a year, this host only', async () => {
    for (const url of ['/healthz', '/api/v1/users/me', '/nothing-here-at-all', '/%zz']) {
      const res = await t.app.inject({ url });
      assert.equal(res.headers['strict-transport-security'], 'max-age=31536000', url);
      assert.equal(res.headers['x-content-type-options'], 'nosniff', url);
    }
  });
});

describe('answers of node:http before Fastify (real socket)', () => {
  let t: TestApp;
  let base: string;
  before(async () => {
    // fetch() sends Host 127.0.0.1:port, which is not BASE_URL's: serve any host as the default domain.
    t = await createTestApp('sqlite', { env: { BASE_URL: 'https://kurz.test', UNKNOWN_HOSTS: 'default' } });
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  });
  after(() => t.close());

  test('when a request line or header is malformed, then 400 problem+json with nosniff, and the connection is closed', async () => {
    for (const request of ['GET / HTTP/1.1\r\nHost: x\r\nBad Header Line\r\n\r\n', 'GARBAGE\r\n\r\n', 'GET /\x01 HTTP/1.1\r\nHost: x\r\n\r\n']) {
      const c = await rawConnection(base);
      c.write(request);
      const res = await c.response();
      assert.equal(res.status, 400, JSON.stringify(request));
      assert.equal(res.headers['content-type'], 'application/problem+json');
      assert.equal(res.headers['x-content-type-options'], 'nosniff');
      assert.equal(JSON.parse(res.body).type, 'urn:kurz:problem:validation');
      assert.notEqual(await c.closed, 'open');
      assert.equal(c.strayBytes(), 0, 'one answer, nothing after it');
    }
  });

  test('when a cached link is redirected on the fast path, then the answer carries nosniff and HSTS too', async () => {
    const ann = await signUpAndIn(t.app);
    const { code } = (await t.app.inject({ method: 'POST', url: '/api/v1/links', headers: ann.auth, payload: { url: 'https://example.com/fast' } })).json();
    await fetch(`${base}/${code}`, { redirect: 'manual' }); // loads the cache
    const res = await fetch(`${base}/${code}`, { redirect: 'manual' });
    assert.equal(res.status, 302);
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(res.headers.get('strict-transport-security'), 'max-age=31536000');
  });
});
