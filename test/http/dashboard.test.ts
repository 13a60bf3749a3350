import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import Fastify from 'fastify';
import swagger from '@fastify/swagger';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { pino } from 'pino';
import { DASHBOARD_HEADERS, WEB_DIST, dashboardRoutes } from '../../src/http/dashboard.js';
import { registerErrorHandling } from '../../src/http/errors.js';
import { redirectRoute } from '../../src/http/redirect.js';
import { Problem } from '../../src/http/schemas.js';
import type { Api } from '../../src/http/api/api.js';
import { createTestApp, describeEachDialect, problem, signUpAndIn, type TestApp } from '../support/app.js';

const INDEX = '<!doctype html><html><head><script type="module" src="/assets/app-abc123.js"></script></head><body><div id="app"></div></body></html>';
const SCRIPT = 'console.log("kurz dashboard");\n';

/** A logger whose JSON lines are kept, to see the warnings a call logs. */
function capturingLog() {
  const lines: { level: number; msg: string; [key: string]: unknown }[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n')) if (line) lines.push(JSON.parse(line));
      done();
    },
  });
  return { log: pino({ level: 'debug' }, stream), lines };
}

/** A bare app with only Kurz's error handling, like buildApp's, for dashboardRoutes over a chosen root. */
async function bareApp(): Promise<Api> {
  const app: Api = Fastify().withTypeProvider<TypeBoxTypeProvider>();
  registerErrorHandling(app);
  app.addSchema(Problem); // the redirect route's error responses refer to it
  return app;
}

function assertDashboardHeaders(res: { headers: Record<string, unknown> }, what: string): void {
  for (const [name, value] of Object.entries(DASHBOARD_HEADERS)) assert.equal(res.headers[name], value, `${what}: ${name}`);
}

describe('web dashboard routes over a built root', () => {
  let root: string;
  let testApp: TestApp;
  let app: Api;

  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'kurz-web-'));
    mkdirSync(join(root, 'assets'));
    writeFileSync(join(root, 'index.html'), INDEX);
    writeFileSync(join(root, 'assets', 'app-abc123.js'), SCRIPT);
    writeFileSync(join(root, 'assets', 'app-abc123.css'), 'body{margin:0}');
    writeFileSync(join(root, 'secret.txt'), 'outside assets');
    // A bare app is injected at localhost, which the redirect serves as BASE_URL's domain here.
    testApp = await createTestApp('sqlite', { env: { BASE_URL: 'http://localhost' } });
    app = await bareApp();
    await app.register(swagger, { openapi: { openapi: '3.1.0', info: { title: 't', version: '1' } } });
    await dashboardRoutes(app, testApp.ctx, root);
    // The same neighbours as in buildApp: the redirect route after the dashboard, and a plain route beside it.
    app.get('/healthz', async () => ({ status: 'ok' }));
    redirectRoute(app, testApp.ctx);
    await app.ready();
  });

  after(async () => {
    await app?.close();
    await testApp?.close();
    rmSync(root, { recursive: true, force: true });
  });

  test('when / or /dashboard or any path below it is asked, answers index.html as text/html with no-cache and the dashboard headers', async () => {
    for (const url of ['/', '/dashboard', '/dashboard/', '/dashboard/links', '/dashboard/anything/deeper', '/dashboard/links/01a0?tab=stats']) {
      const res = await app.inject({ url });
      assert.equal(res.statusCode, 200, url);
      assert.match(String(res.headers['content-type']), /^text\/html/, url);
      assert.equal(res.headers['cache-control'], 'no-cache', url);
      assert.equal(res.body, INDEX, url);
      assertDashboardHeaders(res, url);
    }
  });

  test('when the page is asked with HEAD, answers 200 with its headers and no body', async () => {
    const res = await app.inject({ method: 'HEAD', url: '/dashboard/links' });
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers['content-type']), /^text\/html/);
    assert.equal(res.body, '');
    assertDashboardHeaders(res, 'HEAD');
  });

  test('when an asset is asked, answers the file with a year-long immutable cache and the dashboard headers', async () => {
    const js = await app.inject({ url: '/assets/app-abc123.js' });
    assert.equal(js.statusCode, 200);
    assert.equal(js.body, SCRIPT);
    assert.match(String(js.headers['content-type']), /^(application|text)\/javascript/);
    const cache = String(js.headers['cache-control']);
    assert.match(cache, /\bmax-age=31536000\b/);
    assert.match(cache, /\bimmutable\b/);
    assertDashboardHeaders(js, 'js');
    const css = await app.inject({ url: '/assets/app-abc123.css' });
    assert.equal(css.statusCode, 200);
    assert.match(String(css.headers['content-type']), /^text\/css/);
    assertDashboardHeaders(css, 'css');
  });

  test('the content security policy allows scripts from this origin only, never inline, and forbids framing', () => {
    const csp = DASHBOARD_HEADERS['content-security-policy'];
    const directives = new Map(csp.split(';').map((d) => d.trim().split(/\s+/)).map(([name, ...values]) => [name!, values]));
    assert.deepEqual(directives.get('script-src'), ["'self'"]);
    assert.ok(!csp.includes("'unsafe-inline'"), 'no unsafe-inline');
    assert.ok(!csp.includes("'unsafe-eval'"), 'no unsafe-eval');
    assert.deepEqual(directives.get('frame-ancestors'), ["'none'"]);
    assert.deepEqual(directives.get('object-src'), ["'none'"]);
    assert.equal(DASHBOARD_HEADERS['x-content-type-options'], 'nosniff');
    assert.ok(DASHBOARD_HEADERS['referrer-policy']);
  });

  test('when a missing asset is asked, answers 404 and serves no page in its place', async () => {
    for (const url of ['/assets/app-missing.js', '/assets/', '/index.html']) {
      const res = await app.inject({ url });
      assert.equal(res.statusCode, 404, url);
      problem(res);
    }
  });

  test('when a path climbs out of assets/, answers no file from outside it', async () => {
    for (const url of ['/assets/../secret.txt', '/assets/%2e%2e/secret.txt', '/assets/..%2fsecret.txt', '/assets/../index.html']) {
      const res = await app.inject({ url });
      assert.ok(!res.body.includes('outside assets'), `${url} leaked a file outside assets/`);
      if (res.statusCode === 200) assert.notEqual(res.body, SCRIPT, url);
    }
  });

  test('when a route outside the dashboard answers, it carries none of the dashboard headers', async () => {
    const res = await app.inject({ url: '/healthz' });
    assert.equal(res.statusCode, 200);
    for (const name of Object.keys(DASHBOARD_HEADERS)) assert.equal(res.headers[name], undefined, name);
  });

  test('when a short code is asked beside the dashboard, /:code still redirects and an unknown code is still a 404 problem', async () => {
    const admin = await signUpAndIn(testApp.app);
    const created = await testApp.app.inject({ method: 'POST', url: '/api/v1/links', headers: admin.auth, payload: { url: 'https://example.com/beside', code: 'beside-web' } });
    assert.equal(created.statusCode, 201, created.body);
    const res = await app.inject({ url: '/beside-web' });
    assert.equal(res.statusCode, 302);
    assert.equal(res.headers.location, 'https://example.com/beside');
    for (const name of Object.keys(DASHBOARD_HEADERS)) assert.equal(res.headers[name], undefined, `redirect: ${name}`);
    const unknown = await app.inject({ url: '/nosuchcode' });
    assert.equal(unknown.statusCode, 404);
    problem(unknown);
  });

  test('the dashboard routes stay out of the OpenAPI document', () => {
    const paths = Object.keys((app.swagger() as { paths?: Record<string, unknown> }).paths ?? {});
    assert.deepEqual(paths.filter((p) => p === '/' || p.startsWith('/dashboard') || p.startsWith('/assets')), []);
  });
});

describe('web dashboard routes without a build', () => {
  test('when root has no index.html, registers nothing (GET / answers 404) and logs a warning naming the root', async () => {
    const root = mkdtempSync(join(tmpdir(), 'kurz-web-empty-'));
    mkdirSync(join(root, 'assets'));
    writeFileSync(join(root, 'assets', 'app-abc123.js'), SCRIPT);
    const { log, lines } = capturingLog();
    const testApp = await createTestApp('sqlite', { log });
    const app = await bareApp();
    try {
      lines.length = 0;
      await dashboardRoutes(app, testApp.ctx, root);
      await app.ready();
      for (const url of ['/', '/dashboard', '/dashboard/x', '/assets/app-abc123.js']) {
        const res = await app.inject({ url });
        assert.equal(res.statusCode, 404, url);
        problem(res);
        for (const name of Object.keys(DASHBOARD_HEADERS)) assert.equal(res.headers[name], undefined, `${url}: ${name}`);
      }
      const warnings = lines.filter((l) => l.level === 40);
      assert.equal(warnings.length, 1, JSON.stringify(lines));
      assert.equal(warnings[0]!.root, root);
      assert.match(warnings[0]!.msg, /not built/);
    } finally {
      await app.close();
      await testApp.close();
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describeEachDialect('the real app, with or without web/dist', ({ app, admin }) => {
  // Whether another build step has produced web/dist decides what / answers; the rest must not depend on it.
  const built = existsSync(join(WEB_DIST, 'index.html'));

  test(`when / is asked, answers ${built ? 'the dashboard page' : '404 problem'} (web/dist is ${built ? '' : 'not '}built)`, async () => {
    const res = await app().inject({ url: '/' });
    if (built) {
      assert.equal(res.statusCode, 200);
      assert.match(String(res.headers['content-type']), /^text\/html/);
      assertDashboardHeaders(res, '/');
      // The CSP allows no inline script or style: the built page must not need one.
      assert.doesNotMatch(res.body, /<script(?![^>]*\ssrc=)[^>]*>/i, 'no inline <script>');
      assert.doesNotMatch(res.body, /<style[\s>]/i, 'no inline <style>');
      assert.doesNotMatch(res.body, /\son[a-z]+=/i, 'no inline event handler');
      const assets = [...res.body.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((m) => m[1]!);
      assert.ok(assets.length > 0, 'the page loads its assets from /assets/');
      for (const url of assets) {
        const asset = await app().inject({ url });
        assert.equal(asset.statusCode, 200, url);
        assert.match(String(asset.headers['cache-control']), /max-age=31536000.*immutable|immutable.*max-age=31536000/, url);
        assertDashboardHeaders(asset, url);
      }
    } else {
      assert.equal(res.statusCode, 404);
      problem(res);
    }
  });

  test('when the API, the docs and /:code are asked, they answer as before, without the dashboard\'s headers', async () => {
    const me = await app().inject({ url: '/api/v1/users/me', headers: admin().auth });
    assert.equal(me.statusCode, 200);
    assert.equal(me.json().email, admin().email);
    const created = await app().inject({ method: 'POST', url: '/api/v1/links', headers: admin().auth, payload: { url: 'https://example.com/real-app' } });
    assert.equal(created.statusCode, 201, created.body);
    const redirect = await app().inject({ url: `/${created.json().code}` });
    assert.equal(redirect.statusCode, 302);
    assert.equal(redirect.headers.location, 'https://example.com/real-app');
    assert.equal((await app().inject({ url: '/zzzzzzzzz' })).statusCode, 404);
    assert.equal((await app().inject({ url: '/healthz' })).statusCode, 200);
    const docs = await app().inject({ url: '/docs/' });
    assert.equal(docs.statusCode, 200, 'Swagger UI still loads');
    for (const res of [me, redirect, docs]) {
      assert.notEqual(res.headers['content-security-policy'], DASHBOARD_HEADERS['content-security-policy'], 'the dashboard CSP stays on the dashboard');
    }
    const noPath = await app().inject({ url: '/api/v1/nothing-here' });
    assert.equal(noPath.statusCode, 404);
    assert.notEqual(noPath.body, '', 'an unknown API path is a problem, not the page');
    problem(noPath);
  });

  test('when a link with a reserved word as code is created, answers 400, so /dashboard and /assets can never be shadowed', async () => {
    for (const code of ['dashboard', 'Assets']) {
      const res = await app().inject({ method: 'POST', url: '/api/v1/links', headers: admin().auth, payload: { url: 'https://example.com/', code } });
      assert.equal(res.statusCode, 400, code);
      assert.equal(problem(res).errors?.[0]?.field, 'code');
    }
  });
});
