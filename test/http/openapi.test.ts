/**
 * The OpenAPI document tells the truth: what it states (this file), and that every answer of the HTTP
 * suites matches it (test/support/conformance.ts, run by createTestApp on every answer).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createTestApp, type TestApp } from '../support/app.js';
import { Conformance, type Exchange } from '../support/conformance.js';

type Doc = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('the OpenAPI document', () => {
  let t: TestApp;
  let doc: Doc;
  const operations: { method: string; path: string; op: Doc }[] = [];
  before(async () => {
    t = await createTestApp('sqlite');
    doc = (await t.app.inject({ url: '/openapi.json' })).json();
    for (const [path, item] of Object.entries<Doc>(doc.paths)) {
      for (const [method, op] of Object.entries<Doc>(item)) operations.push({ method, path, op });
    }
  });
  after(() => t.close());
  const name = (o: { method: string; path: string }) => `${o.method.toUpperCase()} ${o.path}`;

  test('when read, then every operation has a unique operationId, a declared tag, a summary and an explicit security', () => {
    assert.ok(operations.length >= 27, `${operations.length} operations`);
    const declared = new Set(doc.tags.map((tag: { name: string }) => tag.name));
    const ids = operations.map((o) => o.op.operationId);
    assert.equal(new Set(ids).size, ids.length, `operationIds: ${ids.join(', ')}`);
    for (const o of operations) {
      assert.match(o.op.operationId ?? '', /^[a-zA-Z][a-zA-Z0-9-]*$/, name(o));
      assert.ok(o.op.tags?.length === 1 && declared.has(o.op.tags[0]), `${name(o)} tags ${o.op.tags}`);
      assert.ok(o.op.summary, name(o));
      assert.ok(Array.isArray(o.op.security), `${name(o)} states its security`);
    }
  });

  test('when an operation answers an error, then it is documented as application/problem+json only (the redirect\'s and the preview\'s 410 also as a page), with 429 and 503 everywhere', () => {
    for (const o of operations) {
      for (const status of ['429', '503']) assert.ok(o.op.responses[status], `${name(o)} documents ${status}`);
      for (const [status, response] of Object.entries<Doc>(o.op.responses)) {
        if (Number(status) < 400) continue;
        // The exceptions are pages for a person's browser: too many wrong passwords of a protected link (the
        // form, saying how long to wait), and a link that is over (src/http/gone-page.ts).
        const page = (o.op.operationId === 'unlockLink' && status === '429')
          || ((o.path === '/{code}' || o.path === '/{code}+') && o.op.operationId !== 'unlockLink' && status === '410');
        assert.deepEqual(Object.keys(response.content ?? {}).sort(), page ? ['application/problem+json', 'text/html'] : ['application/problem+json'], `${name(o)} ${status}`);
      }
    }
  });

  test('when an operation is rate-limited (all of them), then every answer documents the RateLimit fields, and a 429 requires them with Retry-After', () => {
    for (const o of operations) {
      for (const [status, response] of Object.entries<Doc>(o.op.responses)) {
        if (status.startsWith('3')) continue; // an allowed redirect carries no RateLimit fields (src/http/rate-limit.ts, quiet)
        for (const h of ['ratelimit-limit', 'ratelimit-remaining', 'ratelimit-reset']) {
          assert.ok(response.headers?.[h], `${name(o)} ${status} documents ${h}`);
        }
      }
      const limited = o.op.responses['429'].headers;
      for (const h of ['ratelimit-limit', 'ratelimit-remaining', 'ratelimit-reset', 'retry-after']) {
        assert.equal(limited[h]?.required, true, `${name(o)} 429 requires ${h}`);
        assert.equal(limited[h]?.schema?.['x-required'], undefined, 'the mark is lifted out of the schema');
      }
      assert.equal(o.op.responses['401']?.headers['www-authenticate']?.required ?? true, true, `${name(o)} 401 requires WWW-Authenticate`);
    }
  });

  test('when an operation takes a body, then it documents 400, 413 and 415', () => {
    for (const o of operations.filter((x) => ['post', 'put', 'patch', 'delete'].includes(x.method))) {
      for (const status of ['400', '413', '415']) assert.ok(o.op.responses[status], `${name(o)} documents ${status}`);
    }
  });

  test('when an operation succeeds, then the answer is documented: a 2xx everywhere but the redirect, which documents its 3xx with Location', () => {
    for (const o of operations.filter((x) => x.path !== '/{code}')) {
      assert.ok(Object.keys(o.op.responses).some((s) => s.startsWith('2')), `${name(o)} documents a 2xx`);
    }
    const qr = (kind: string) => doc.paths[`/api/v1/links/{id}/qr.${kind}`].get.responses['200'].content;
    assert.ok(qr('svg')['image/svg+xml'], 'qr.svg answers image/svg+xml');
    assert.ok(qr('png')['image/png'], 'qr.png answers image/png');
    for (const method of ['get', 'head']) {
      const redirect = doc.paths['/{code}'][method];
      assert.deepEqual(redirect.security, [], 'the redirect is public');
      for (const status of ['301', '302', '307', '308']) assert.equal(redirect.responses[status].headers.location.required, true);
      for (const status of ['404', '410']) assert.ok(redirect.responses[status], `${method} /{code} documents ${status}`);
    }
  });

  test('when a parameter has a default, then it is not required; codes, URLs and page sizes carry their constraints', () => {
    const params = (path: string) => Object.fromEntries(doc.paths[path].get.parameters.map((p: Doc) => [p.name, p]));
    const stats = params('/api/v1/links/{id}/stats');
    for (const p of ['interval', 'include_bots']) assert.equal(stats[p].required, false, p);
    const list = params('/api/v1/links');
    assert.equal(list.limit.required, false);
    assert.deepEqual([list.limit.schema.minimum, list.limit.schema.maximum, list.limit.schema.default], [1, 100, 20]);
    const body = doc.paths['/api/v1/links'].post.requestBody.content['application/json'].schema;
    assert.equal(body.properties.code.pattern, '^[A-Za-z0-9_-]{3,64}$');
    assert.equal(body.properties.url.maxLength, 2048);
    assert.equal(body.additionalProperties, false);
  });

  test('when a route is public, scoped or a browser session, then its security says so: none, a token or a key\'s scope, the cookie and the CSRF header', () => {
    const { securitySchemes } = doc.components;
    assert.deepEqual([securitySchemes.session.type, securitySchemes.session.in, securitySchemes.session.name], ['apiKey', 'cookie', 'kurz_refresh']);
    assert.deepEqual([securitySchemes.csrf.type, securitySchemes.csrf.in, securitySchemes.csrf.name], ['apiKey', 'header', 'x-kurz-csrf']);
    assert.deepEqual(doc.paths['/api/v1/auth/token'].post.security, []);
    assert.deepEqual(doc.paths['/api/v1/auth/session'].post.security, [{ csrf: [] }]);
    assert.deepEqual(doc.paths['/api/v1/auth/session/refresh'].post.security, [{ session: [], csrf: [] }]);
    assert.deepEqual(doc.paths['/api/v1/users'].post.security, [{}, { bearer: [] }], 'sign-up is public; an admin may create accounts');
    assert.deepEqual(doc.paths['/api/v1/links'].post.security, [{ bearer: [] }, { apiKey: ['links:write'] }], 'a token, or a key with its scope');
    assert.deepEqual(doc.paths['/api/v1/links/{id}/stats'].get.security, [{ bearer: [] }, { apiKey: ['stats:read'] }]);
    assert.deepEqual(doc.paths['/api/v1/api-keys'].post.security, [{ bearer: [] }], 'a key never manages keys');
  });
});

describe('the conformance check', () => {
  let t: TestApp;
  let check: (x: Partial<Exchange>) => string[];
  before(async () => {
    t = await createTestApp('sqlite');
    await t.app.ready();
    const conformance = Conformance.of(t.app);
    check = (x) => conformance.check({ method: 'GET', url: '/x', route: '/api/v1/links/:id', status: 200, headers: {}, body: '', ...x });
  });
  after(() => t.close());

  const problemBody = JSON.stringify({ type: 'urn:kurz:problem:not-found', title: 'Not found', status: 404, detail: 'no link', instance: '/x' });
  const problemJson = { 'content-type': 'application/problem+json; charset=utf-8' };

  test('when an answer matches the document, then it passes', () => {
    assert.deepEqual(check({ status: 404, headers: problemJson, body: problemBody }), []);
  });

  test('when a status is not documented for the operation, then it is reported', () => {
    assert.match(check({ status: 418, headers: problemJson, body: problemBody }).join(), /418: not documented for GET \/api\/v1\/links\/\{id\}/);
  });

  test('when a problem is served as application/json, or a body breaks its schema, then it is reported', () => {
    assert.match(check({ status: 404, headers: { 'content-type': 'application/json' }, body: problemBody }).join(), /content type application\/json is not documented/);
    assert.match(check({ status: 404, headers: problemJson, body: '{"title":1}' }).join(), /body .*must have required property 'type'/);
  });

  test('when a required header is missing or invalid, then it is reported', () => {
    const limited = { ...problemJson, 'ratelimit-limit': '6', 'ratelimit-remaining': '0', 'ratelimit-reset': '3' };
    assert.match(check({ status: 429, headers: limited, body: problemBody }).join(), /required header retry-after is missing/);
    assert.match(check({ status: 429, headers: { ...limited, 'retry-after': 'soon' }, body: problemBody }).join(), /header retry-after: soon .*must be integer/);
    assert.deepEqual(check({ status: 429, headers: { ...limited, 'retry-after': '3' }, body: problemBody }), []);
  });

  test('when a route is not in the document and not listed as a non-operation, then it is reported', () => {
    assert.match(check({ route: '/api/v1/secret' }).join(), /route \/api\/v1\/secret is not in the document/);
    assert.deepEqual(check({ route: '/healthz' }), [], '/healthz is listed as not an operation');
    assert.deepEqual(check({ route: undefined, status: 404 }), [], 'no route: an unknown path');
  });

  test('when a 405 answers a path of its own that a parameter route took, then its Allow is checked against the document only where it is documented', () => {
    const methodNotAllowed = (allow: string) => ({ method: 'POST', route: '/:code', status: 405, headers: { ...problemJson, allow }, body: problemBody });
    assert.deepEqual(check({ ...methodNotAllowed('GET, HEAD'), url: '/healthz' }), [], '/healthz answers its own methods, not /{code}\'s');
    assert.match(check({ ...methodNotAllowed('GET'), url: '/api/v1/links' }).join(), /Allow: GET, but the document gives \/api\/v1\/links/);
  });
});
