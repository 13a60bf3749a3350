/**
 * OpenTelemetry tracing on the real processes, against a local OTLP/HTTP receiver (JSON): a request's
 * traceparent is continued by its server span, store and Redis calls are its children, and a click
 * carries the trace through the Redis stream to `kurz worker`, whose span applying the batch is in
 * the same trace. With no endpoint set, nothing is sent and the SDK is not loaded at all.
 */
import { after, describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server as HttpServer } from 'node:http';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { call, killAll, repoRoot, startKurz, startServer, tempDir, type Server } from './process-helpers.js';
import { TEST_REDIS_URL, assertRedisUp, uniquePrefix } from '../support/redis.js';
import { createTestDatabase } from '../support/stores.js';

after(() => killAll());

const TIMEOUT = { timeout: 180_000 };
const PASSWORD = 'correct horse battery staple';
const JWT_SECRET = 'tracing-e2e-secret-0123456789abcdefghijklmn';
const BROWSER_UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36';
const PRELOAD = ['--require', join(repoRoot, 'test/support/loaded-modules.cjs')];
/** OTLP's SpanKind values. */
const KIND = { server: 2, client: 3, consumer: 5 };

interface OtlpValue { stringValue?: string; intValue?: string | number; boolValue?: boolean; doubleValue?: number }
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes?: { key: string; value: OtlpValue }[];
  links?: { traceId: string; spanId: string }[];
}
interface ReceivedSpan extends OtlpSpan {
  resource: Record<string, unknown>;
}

const valueOf = (v: OtlpValue): unknown => v.stringValue ?? (v.intValue !== undefined ? Number(v.intValue) : v.boolValue ?? v.doubleValue);
const attrs = (list: { key: string; value: OtlpValue }[] = []) => Object.fromEntries(list.map(({ key, value }) => [key, valueOf(value)]));
const attr = (span: OtlpSpan, key: string) => attrs(span.attributes)[key];
const hex = (bytes: number) => randomBytes(bytes).toString('hex');

/** A collector: accepts POST /v1/traces (OTLP/HTTP JSON) and keeps every span with its resource's attributes. */
async function otlpReceiver(t: TestContext): Promise<{ url: string; spans: ReceivedSpan[]; posts: () => number }> {
  const spans: ReceivedSpan[] = [];
  let posts = 0;
  const server: HttpServer = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8').on('data', (chunk: string) => (body += chunk)).on('end', () => {
      posts++;
      if (req.method === 'POST' && req.url === '/v1/traces') {
        const parsed = JSON.parse(body) as { resourceSpans: { resource?: { attributes?: [] }; scopeSpans: { spans?: OtlpSpan[] }[] }[] };
        for (const rs of parsed.resourceSpans) {
          const resource = attrs(rs.resource?.attributes);
          for (const ss of rs.scopeSpans) for (const span of ss.spans ?? []) spans.push({ ...span, resource });
        }
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}`, spans, posts: () => posts };
}

async function until<T>(timeoutMs: number, check: () => T | undefined, what: () => string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = check();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Signs up and in, and shortens one URL; none of it traced (no traceparent, and the sampler starts no trace). */
async function ownerWithLink(server: Server): Promise<{ token: string; id: string; code: string }> {
  const email = `tracing-${hex(4)}@example.com`;
  assert.equal((await call(server.url, 'POST', '/api/v1/users', { body: { email, password: PASSWORD } })).status, 201);
  const signIn = await call(server.url, 'POST', '/api/v1/auth/token', { body: { email, password: PASSWORD } });
  assert.equal(signIn.status, 200, JSON.stringify(signIn.body));
  const token: string = signIn.body.access_token;
  const created = await call(server.url, 'POST', '/api/v1/links', { token, body: { url: 'https://example.com/traced' } });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  return { token, id: created.body.id, code: created.body.code };
}

function loadedModules(file: string): { modules: string[]; registered: boolean } {
  return JSON.parse(readFileSync(file, 'utf8')) as { modules: string[]; registered: boolean };
}

describe('tracing', () => {
  test('when OTEL_EXPORTER_OTLP_ENDPOINT is set, then a traceparent is continued, store and Redis calls are its children, and the click is applied by kurz worker in the same trace', TIMEOUT, async (t) => {
    await assertRedisUp();
    const receiver = await otlpReceiver(t);
    const db = await createTestDatabase('postgres');
    const pgUrl = db.database.kind === 'postgres' ? db.database.url : '';
    const prefix = uniquePrefix();
    const tmp = tempDir();
    t.after(async () => {
      await killAll();
      const redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 1 });
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length > 0) await redis.del(...keys);
      redis.disconnect();
      await db.drop();
      tmp.remove();
    });
    const env = {
      // Shutting down took over 10 s (the default bound) once at load average 16 on the shared 2 cores.
      SHUTDOWN_TIMEOUT_SECONDS: '60',
      REDIS_URL: TEST_REDIS_URL, REDIS_PREFIX: prefix, JWT_SECRET, LOG_REQUESTS: '0', ANALYTICS: 'on', CLICK_CONSUMER: 'off',
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      // Only requests whose traceparent says sampled are traced: every span the receiver gets is one of this test's.
      OTEL_TRACES_SAMPLER: 'parentbased_always_off',
      OTEL_BSP_SCHEDULE_DELAY: '200',
    };
    const servedModules = join(tmp.dir, 'serve-modules.json');
    const server = await startServer({ databaseUrl: pgUrl, env: { ...env, LOADED_MODULES_FILE: servedModules }, nodeArgs: PRELOAD, timeoutMs: 60_000 });
    const worker = await startKurz(['worker', '--database-url', pgUrl], {
      env: { ...env, OTEL_RESOURCE_ATTRIBUTES: 'kurz.role=worker' }, ready: (line) => line.msg === 'worker started', timeoutMs: 60_000,
    });
    const { token, id, code } = await ownerWithLink(server);

    // An API read: authentication, the API's rate limit (Redis) and the link's row (PostgreSQL).
    const apiTrace = hex(16);
    const apiParent = hex(8);
    const read = await fetch(new URL(`/api/v1/links/${id}`, server.url), {
      headers: { authorization: `Bearer ${token}`, traceparent: `00-${apiTrace}-${apiParent}-01` }, signal: AbortSignal.timeout(10_000),
    });
    assert.equal(read.status, 200);
    await read.arrayBuffer();
    // A redirect, whose query must not reach any span.
    const visitTrace = hex(16);
    const visitParent = hex(8);
    const visit = await fetch(new URL(`/${code}?utm_source=x&secret=s3cr3t-value`, server.url), {
      redirect: 'manual', headers: { 'user-agent': BROWSER_UA, traceparent: `00-${visitTrace}-${visitParent}-01` }, signal: AbortSignal.timeout(10_000),
    });
    assert.equal(visit.status, 302);
    await visit.arrayBuffer();

    const describeSpans = () => JSON.stringify(receiver.spans.map((s) => [s.traceId, s.spanId, s.parentSpanId, s.name, s.kind]));
    const apiSpan = await until(30_000, () => receiver.spans.find((s) => s.traceId === apiTrace && s.kind === KIND.server), () => `the API request's server span: ${describeSpans()}`);
    assert.equal(apiSpan.parentSpanId, apiParent, "the server span is the child of the caller's span");
    assert.equal(apiSpan.name, 'GET /api/v1/links/:id');
    assert.equal(attr(apiSpan, 'http.route'), '/api/v1/links/:id');
    assert.equal(attr(apiSpan, 'http.request.method'), 'GET');
    assert.equal(attr(apiSpan, 'http.response.status_code'), 200);
    assert.equal(apiSpan.resource['service.name'], 'kurz');
    const children = () => receiver.spans.filter((s) => s.traceId === apiTrace && s.parentSpanId === apiSpan.spanId);
    const storeSpan = await until(15_000, () => children().find((s) => attr(s, 'db.system') === 'postgresql' && attr(s, 'db.collection.name') === 'links'), () => `a store span under the API request: ${describeSpans()}`);
    assert.equal(storeSpan.kind, KIND.client);
    assert.equal(attr(storeSpan, 'db.operation.name'), 'SELECT');
    assert.equal(storeSpan.name, 'SELECT links');
    const redisSpan = await until(15_000, () => children().find((s) => attr(s, 'db.system') === 'redis'), () => `a Redis span under the API request: ${describeSpans()}`);
    assert.match(redisSpan.name, /^redis /);

    // A creation: its body arrives in 'data' events after the request began, and the INSERT still sits under its span.
    const createTrace = hex(16);
    const created = await fetch(new URL('/api/v1/links', server.url), {
      method: 'POST', body: JSON.stringify({ url: 'https://example.com/traced-too' }), signal: AbortSignal.timeout(10_000),
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', traceparent: `00-${createTrace}-${hex(8)}-01` },
    });
    assert.equal(created.status, 201);
    await created.arrayBuffer();
    const createSpan = await until(30_000, () => receiver.spans.find((s) => s.traceId === createTrace && s.kind === KIND.server), () => `the creation's server span: ${describeSpans()}`);
    assert.equal(createSpan.name, 'POST /api/v1/links');
    await until(15_000, () => receiver.spans.find((s) => s.parentSpanId === createSpan.spanId && s.name === 'INSERT links'), () => `the creation's INSERT under its span: ${describeSpans()}`);

    const visitSpan = await until(30_000, () => receiver.spans.find((s) => s.traceId === visitTrace && s.kind === KIND.server), () => `the redirect's server span: ${describeSpans()}`);
    assert.equal(visitSpan.parentSpanId, visitParent);
    assert.equal(visitSpan.name, 'GET /:code');
    assert.equal(attr(visitSpan, 'http.response.status_code'), 302);
    const applied = await until(60_000, () => receiver.spans.find((s) => s.name === 'clicks apply' && s.traceId === visitTrace), () => `the worker's span applying the click: ${describeSpans()}`);
    assert.equal(applied.resource['kurz.role'], 'worker', 'applied by kurz worker, not the serving process');
    assert.equal(applied.kind, KIND.consumer);
    assert.equal(applied.parentSpanId, visitSpan.spanId, "a child of the redirect's span");
    assert.deepEqual(applied.links?.map((l) => [l.traceId, l.spanId]), [[visitTrace, visitSpan.spanId]]);

    // Nothing secret in any span: no query string, no token, no Authorization header.
    const everything = JSON.stringify(receiver.spans);
    for (const secret of ['s3cr3t-value', token, 'Bearer', 'authorization', PASSWORD, JWT_SECRET]) assert.ok(!everything.includes(secret), `no span holds ${secret.slice(0, 12)}…`);

    assert.deepEqual(await server.stop(90_000), { code: 0, signal: null }, server.transcript());
    assert.deepEqual(await worker.stop(90_000), { code: 0, signal: null }, worker.transcript());
    const loaded = loadedModules(servedModules);
    assert.ok(loaded.modules.some((file) => file.includes(join('@opentelemetry', 'sdk-node'))), 'the SDK was loaded (the check below is not blind)');
    assert.ok(loaded.registered);
  });

  test('when no OTLP endpoint is set, then nothing is sent and no OpenTelemetry module is loaded', TIMEOUT, async (t) => {
    const receiver = await otlpReceiver(t);
    const tmp = tempDir();
    t.after(tmp.remove);
    const modulesFile = join(tmp.dir, 'modules.json');
    const server = await startServer({
      databaseFile: join(tmp.dir, 'kurz.db'), nodeArgs: PRELOAD, timeoutMs: 60_000,
      // Every other tracing setting set: only an endpoint turns tracing on.
      env: { LOADED_MODULES_FILE: modulesFile, LOG_REQUESTS: '0', SHUTDOWN_TIMEOUT_SECONDS: '60', OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', OTEL_SERVICE_NAME: 'kurz-off', OTEL_TRACES_SAMPLER: 'always_on' },
    });
    const { code } = await ownerWithLink(server);
    const visit = await fetch(new URL(`/${code}`, server.url), { redirect: 'manual', headers: { traceparent: `00-${hex(16)}-${hex(8)}-01` }, signal: AbortSignal.timeout(10_000) });
    assert.equal(visit.status, 302);
    await visit.arrayBuffer();
    assert.equal(server.logs().filter((line) => line.msg === 'tracing on (OpenTelemetry)').length, 0);
    assert.deepEqual(await server.stop(90_000), { code: 0, signal: null }, server.transcript());
    const loaded = loadedModules(modulesFile);
    // @opentelemetry/api alone (a no-op facade of about 40 small files) was loaded before tracing existed:
    // prom-client's process_cpu metric requires it for exemplars. Nothing else: no SDK, no exporter, nothing registered.
    assert.deepEqual(loaded.modules.filter((file) => !file.includes(join('@opentelemetry', 'api', ''))), []);
    assert.equal(loaded.registered, false);
    assert.equal(receiver.posts(), 0);
  });
});
