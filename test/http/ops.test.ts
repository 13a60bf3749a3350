import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createTestApp, describeEachDialect, problem } from '../support/app.js';
import { DIALECTS } from '../support/stores.js';

describeEachDialect('operations', ({ app }) => {
  test('/healthz and /readyz answer 200 while the store answers', async () => {
    assert.deepEqual((await app().inject({ url: '/healthz' })).json(), { status: 'ok' });
    const ready = await app().inject({ url: '/readyz' });
    assert.equal(ready.statusCode, 200);
    assert.deepEqual(ready.json(), { status: 'ready', checks: { store: 'up' } });
  });

  test('/metrics exposes request counts and durations by route template and status, and process metrics', async () => {
    await app().inject({ url: '/zzzzzzz' });
    await app().inject({ url: '/healthz' });
    const res = await app().inject({ url: '/metrics' });
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers['content-type']), /^text\/plain/);
    assert.match(res.body, /http_requests_total\{method="GET",route="\/:code",status="404"\} \d+/);
    assert.match(res.body, /http_requests_total\{method="GET",route="\/healthz",status="200"\} \d+/);
    assert.match(res.body, /http_request_duration_seconds_bucket\{le="0.005",method="GET",route="\/healthz",status="200"\}/);
    assert.match(res.body, /process_resident_memory_bytes/);
  });

  test('/openapi.json is an OpenAPI 3 document generated from the routes; /docs serves Swagger UI', async () => {
    const doc = (await app().inject({ url: '/openapi.json' })).json();
    assert.match(doc.openapi, /^3\./);
    for (const path of ['/api/v1/users', '/api/v1/users/{id}', '/api/v1/auth/token', '/api/v1/api-keys', '/api/v1/links', '/api/v1/links/{id}']) {
      assert.ok(doc.paths[path], path);
    }
    assert.ok(doc.paths['/api/v1/links'].post.requestBody);
    // Every API operation reads the store, so each documents the 503 of a store that is down.
    assert.ok(doc.paths['/api/v1/links'].post.responses['503'], 'POST /api/v1/links documents 503');
    assert.ok(doc.paths['/api/v1/users/{id}'].get.responses['503'], 'GET /api/v1/users/{id} documents 503');
    assert.ok(doc.components.securitySchemes.bearer);
    const docs = await app().inject({ url: '/docs/' });
    assert.equal(docs.statusCode, 200);
    assert.match(docs.body, /swagger/i);
  });

  test('every response carries x-request-id; a sane incoming one is kept, an unsafe one replaced', async () => {
    const own = await app().inject({ url: '/healthz', headers: { 'x-request-id': 'abc-123' } });
    assert.equal(own.headers['x-request-id'], 'abc-123');
    const generated = await app().inject({ url: '/healthz' });
    assert.match(String(generated.headers['x-request-id']), /^[0-9a-f-]{36}$/);
    const unsafe = await app().inject({ url: '/healthz', headers: { 'x-request-id': 'a b\u0001' } });
    assert.notEqual(unsafe.headers['x-request-id'], 'a b\u0001');
  });

  test('an unknown API route answers 404 problem+json', async () => {
    const res = await app().inject({ url: '/api/v1/nothing-here' });
    assert.equal(res.statusCode, 404);
    const body = problem(res);
    assert.equal(body.type, 'urn:kurz:problem:not-found');
    assert.equal(body.title, 'Not found');
    assert.equal(body.status, 404);
  });
});

for (const dialect of DIALECTS) {
  test(`/readyz answers 503 problem+json when the store is down (${dialect})`, async () => {
    const { app, ctx, close } = await createTestApp(dialect);
    try {
      await ctx.store.close();
      const res = await app.inject({ url: '/readyz' });
      assert.equal(res.statusCode, 503);
      const body = problem(res) as ReturnType<typeof problem> & { checks: unknown };
      assert.deepEqual(body.checks, { store: 'down' });
      assert.equal((await app.inject({ url: '/healthz' })).statusCode, 200, 'liveness does not depend on the store');
    } finally {
      await close().catch(() => {});
    }
  });
}
