/** Custom domains: registered by admins, each with its own codes, resolved by the Host a visitor sends. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createTestApp, describeEachDialect, problem, signUpAndIn, type Caller, type TestApp } from '../support/app.js';

const GO = 'go.example.com';

describeEachDialect('custom domains', ({ app, admin }) => {
  let ann: Caller;
  const as = (who: Caller, method: string, url: string, payload?: object) =>
    app().inject({ method: method as 'GET', url, headers: who.auth, ...(payload ? { payload } : {}) });
  const visit = (host: string, path: string, headers: Record<string, string> = {}) => app().inject({ url: path, headers: { host, ...headers } });
  const domain = async (body: object) => {
    const res = await as(admin(), 'POST', '/api/v1/domains', body);
    assert.equal(res.statusCode, 201, res.body);
    return res.json();
  };
  let go: { id: string };

  test('when an admin registers a domain, then 201 with its Location, and its host name is stored lower-case in ASCII', async () => {
    ann = await signUpAndIn(app());
    const res = await as(admin(), 'POST', '/api/v1/domains', { hostname: 'Go.Example.COM.', not_found_redirect: 'https://example.com/missing' });
    assert.equal(res.statusCode, 201, res.body);
    go = res.json();
    assert.equal(res.headers.location, `/api/v1/domains/${go.id}`);
    assert.deepEqual({ ...(res.json() as object), id: undefined, created_at: undefined, updated_at: undefined }, {
      id: undefined, hostname: GO, is_default: false, root_redirect: null, not_found_redirect: 'https://example.com/missing', owner_id: null,
      created_at: undefined, updated_at: undefined,
    });
    assert.equal((await domain({ hostname: 'bücher.example' })).hostname, 'xn--bcher-kva.example');
  });

  test('when the host name is taken, BASE_URL\'s, or not a host name, then 409 or 400 naming hostname, and nothing is registered', async () => {
    for (const hostname of [GO, 'GO.example.com', 'kurz.test']) {
      const res = await as(admin(), 'POST', '/api/v1/domains', { hostname });
      assert.equal(res.statusCode, 409, hostname);
      assert.equal(problem(res).errors?.[0]?.field, 'hostname');
    }
    for (const hostname of ['https://x.example', 'x.example:8080', 'x.example/path', '10.0.0.1', 'localhost', '-bad.example', 'a..example', 'x.123']) {
      const res = await as(admin(), 'POST', '/api/v1/domains', { hostname });
      assert.equal(res.statusCode, 400, hostname);
      assert.equal(problem(res).errors?.[0]?.field, 'hostname', hostname);
    }
    const bad = await as(admin(), 'POST', '/api/v1/domains', { hostname: 'loop.example', root_redirect: 'http://kurz.test/x' });
    assert.equal(bad.statusCode, 400);
    assert.equal(problem(bad).errors?.[0]?.field, 'root_redirect');
    const self = await as(admin(), 'POST', '/api/v1/domains', { hostname: 'self.example', not_found_redirect: 'https://self.example/' });
    assert.equal(problem(self).errors?.[0]?.field, 'not_found_redirect');
    const names = (await as(admin(), 'GET', '/api/v1/domains?limit=100')).json().data.map((d: { hostname: string }) => d.hostname);
    assert.ok(!names.includes('loop.example') && !names.includes('self.example'));
  });

  test('when a user registers, changes or deletes a domain, then 403 and nothing changes', async () => {
    assert.equal((await as(ann, 'POST', '/api/v1/domains', { hostname: 'mine.example' })).statusCode, 403);
    assert.equal((await as(ann, 'PATCH', `/api/v1/domains/${go.id}`, { root_redirect: 'https://example.com/' })).statusCode, 403);
    assert.equal((await as(ann, 'DELETE', `/api/v1/domains/${go.id}`)).statusCode, 403);
    assert.equal((await as(admin(), 'GET', `/api/v1/domains/${go.id}`)).json().root_redirect, null);
  });

  test('when domains are listed, then a user sees the shared ones, those given to them and the default one last; an admin sees every one', async () => {
    const theirs = await domain({ hostname: 'ann.example', owner_id: ann.id });
    const bob = await signUpAndIn(app());
    const bobs = await domain({ hostname: 'bob.example', owner_id: bob.id });
    const seen = async (who: Caller) => (await as(who, 'GET', '/api/v1/domains?limit=100')).json().data.map((d: { hostname: string }) => d.hostname);
    const annSees = await seen(ann);
    assert.ok(annSees.includes(GO) && annSees.includes('ann.example') && !annSees.includes('bob.example'), annSees.join());
    assert.equal(annSees.at(-1), 'kurz.test');
    assert.ok((await seen(admin())).includes('bob.example'));
    assert.equal((await as(ann, 'GET', `/api/v1/domains/${bobs.id}`)).statusCode, 404);
    assert.equal((await as(ann, 'GET', `/api/v1/domains/${theirs.id}`)).statusCode, 200);
    const byDefault = (await as(ann, 'GET', '/api/v1/domains/default')).json();
    assert.deepEqual([byDefault.hostname, byDefault.is_default, byDefault.created_at], ['kurz.test', true, null]);
  });

  test('when domains are paged one at a time, then every domain comes once, the default one last', async () => {
    const all = (await as(admin(), 'GET', '/api/v1/domains?limit=100')).json().data.map((d: { id: string }) => d.id);
    const paged: string[] = [];
    let cursor = '';
    for (let i = 0; i < 50; i++) {
      const page = (await as(admin(), 'GET', `/api/v1/domains?limit=1${cursor}`)).json();
      paged.push(...page.data.map((d: { id: string }) => d.id));
      if (!page.has_more) break;
      cursor = `&cursor=${page.next_cursor}`;
    }
    assert.deepEqual(paged, all);
    assert.equal(paged.at(-1), 'default');
  });

  test('when the same code is made on two domains, then both exist, each short URL on its host, and each Host gets its own target', async () => {
    const onGo = await as(ann, 'POST', '/api/v1/links', { url: 'https://example.com/go', domain: GO, code: 'twice' });
    assert.equal(onGo.statusCode, 201, onGo.body);
    assert.deepEqual([onGo.json().domain, onGo.json().short_url], [GO, `http://${GO}/twice`]);
    const onDefault = await as(ann, 'POST', '/api/v1/links', { url: 'https://example.com/default', code: 'twice' });
    assert.equal(onDefault.statusCode, 201, onDefault.body);
    assert.deepEqual([onDefault.json().domain, onDefault.json().short_url], ['kurz.test', 'http://kurz.test/twice']);
    const again = await as(ann, 'POST', '/api/v1/links', { url: 'https://example.com/again', domain: 'GO.example.com', code: 'twice' });
    assert.equal(again.statusCode, 409);

    assert.equal((await visit(GO, '/twice')).headers.location, 'https://example.com/go');
    assert.equal((await visit('GO.Example.com.:8080', '/twice')).headers.location, 'https://example.com/go');
    assert.equal((await visit('kurz.test', '/twice')).headers.location, 'https://example.com/default');
    const onlyGo = (await as(ann, 'GET', `/api/v1/links?domain=${GO}`)).json().data.map((l: { code: string; domain: string }) => `${l.domain}/${l.code}`);
    assert.deepEqual(onlyGo, [`${GO}/twice`]);
  });

  test('when a user names a domain given to someone else, or no domain, then 400 naming domain, and no link is made', async () => {
    const given = await domain({ hostname: 'given.example', owner_id: admin().id });
    for (const name of [given.hostname, 'nowhere.example']) {
      const res = await as(ann, 'POST', '/api/v1/links', { url: 'https://example.com/x', domain: name, code: 'not-made' });
      assert.equal(res.statusCode, 400);
      assert.equal(problem(res).errors?.[0]?.field, 'domain');
    }
    assert.equal((await visit('kurz.test', '/not-made')).statusCode, 404);
  });

  test('when a host names no domain, then its short URLs answer 404, and the Host header of an untrusted client cannot be overridden by X-Forwarded-Host', async () => {
    await as(ann, 'POST', '/api/v1/links', { url: 'https://example.com/only-default', code: 'only-default' });
    assert.equal((await visit('elsewhere.example', '/only-default')).statusCode, 404);
    const forwarded = await visit('elsewhere.example', '/only-default', { 'x-forwarded-host': 'kurz.test' });
    assert.equal(forwarded.statusCode, 404, 'TRUST_PROXY is off: X-Forwarded-Host is not believed');
  });

  test('when an unknown code is asked under a domain with a not-found redirect, then 302 there; without one, 404', async () => {
    const res = await visit(GO, '/no-such-code');
    assert.equal(res.statusCode, 302);
    assert.equal(res.headers.location, 'https://example.com/missing');
    assert.equal(res.headers['cache-control'], 'private, no-store');
    assert.equal((await visit('kurz.test', '/no-such-code')).statusCode, 404);
  });

  test('when / is asked under a domain, then its root redirect, or 404 without one; PATCH changes it at once', async () => {
    assert.equal((await visit(GO, '/')).statusCode, 404);
    const patched = await as(admin(), 'PATCH', `/api/v1/domains/${go.id}`, { root_redirect: 'https://example.com/home' });
    assert.equal(patched.statusCode, 200, patched.body);
    const root = await visit(GO, '/?ref=x');
    assert.equal(root.statusCode, 302);
    assert.equal(root.headers.location, 'https://example.com/home');
    assert.equal((await visit(GO, '/', {})).headers.location, 'https://example.com/home');
    await as(admin(), 'PATCH', `/api/v1/domains/${go.id}`, { root_redirect: null });
    assert.equal((await visit(GO, '/')).statusCode, 404);
  });

  test('when a link points at a registered domain, then 400: it would loop', async () => {
    const res = await as(ann, 'POST', '/api/v1/links', { url: `https://${GO}/twice` });
    assert.equal(res.statusCode, 400);
    assert.match(problem(res).errors?.[0]?.message ?? '', /loop/);
  });

  test('when a link moves to another domain, then its old short URL is gone and the new one redirects', async () => {
    const link = (await as(ann, 'POST', '/api/v1/links', { url: 'https://example.com/moving', code: 'moving' })).json();
    assert.equal((await visit('kurz.test', '/moving')).statusCode, 302); // cached on the default domain
    const moved = await as(ann, 'PATCH', `/api/v1/links/${link.id}`, { domain: GO });
    assert.equal(moved.statusCode, 200, moved.body);
    assert.equal(moved.json().short_url, `http://${GO}/moving`);
    assert.equal((await visit('kurz.test', '/moving')).statusCode, 404);
    assert.equal((await visit(GO, '/moving')).headers.location, 'https://example.com/moving');
    const kept = await as(ann, 'PUT', `/api/v1/links/${link.id}`, { url: 'https://example.com/moved' });
    assert.equal(kept.json().domain, GO, 'PUT without domain keeps it, as it keeps the code');
  });

  test('when a domain with links is deleted, then 409 and it stays; without links, 204 and its host is unknown', async () => {
    const res = await as(admin(), 'DELETE', `/api/v1/domains/${go.id}`);
    assert.equal(res.statusCode, 409);
    assert.equal((await visit(GO, '/twice')).statusCode, 302);
    const empty = await domain({ hostname: 'empty.example', root_redirect: 'https://example.com/' });
    assert.equal((await visit('empty.example', '/')).statusCode, 302);
    assert.equal((await as(admin(), 'DELETE', `/api/v1/domains/${empty.id}`)).statusCode, 204);
    assert.equal((await visit('empty.example', '/')).statusCode, 404);
    assert.equal((await as(admin(), 'DELETE', `/api/v1/domains/${empty.id}`)).statusCode, 404);
  });

  test('when the default domain is changed or deleted, then 409', async () => {
    assert.equal((await as(admin(), 'PATCH', '/api/v1/domains/default', { root_redirect: 'https://example.com/' })).statusCode, 409);
    assert.equal((await as(admin(), 'DELETE', '/api/v1/domains/default')).statusCode, 409);
  });

  test('when a domain is renamed, then its links answer under the new host only', async () => {
    const named = await domain({ hostname: 'old-name.example' });
    await as(ann, 'POST', '/api/v1/links', { url: 'https://example.com/renamed', domain: 'old-name.example', code: 'renamed' });
    assert.equal((await visit('old-name.example', '/renamed')).statusCode, 302);
    const res = await as(admin(), 'PATCH', `/api/v1/domains/${named.id}`, { hostname: 'new-name.example' });
    assert.equal(res.json().hostname, 'new-name.example');
    assert.equal((await visit('old-name.example', '/renamed')).statusCode, 404);
    assert.equal((await visit('new-name.example', '/renamed')).headers.location, 'https://example.com/renamed');
  });
});

describeEachDialect('unknown hosts served as the default domain (UNKNOWN_HOSTS=default)', ({ app, admin }) => {
  test('when a host names no domain, then it is BASE_URL\'s domain', async () => {
    await app().inject({ method: 'POST', url: '/api/v1/links', headers: admin().auth, payload: { url: 'https://example.com/any', code: 'any-host' } });
    const res = await app().inject({ url: '/any-host', headers: { host: '10.1.2.3:8080' } });
    assert.equal(res.headers.location, 'https://example.com/any');
  });
}, { env: { UNKNOWN_HOSTS: 'default' } });

describeEachDialect('behind a trusted proxy (TRUST_PROXY=10.0.0.0/8)', ({ app, admin }) => {
  test('when the proxy sends X-Forwarded-Host, then its last value is the host; from another address it is ignored', async () => {
    await app().inject({ method: 'POST', url: '/api/v1/domains', headers: admin().auth, payload: { hostname: 'fwd.example' } });
    await app().inject({ method: 'POST', url: '/api/v1/links', headers: admin().auth, payload: { url: 'https://example.com/fwd', domain: 'fwd.example', code: 'fwd' } });
    const via = (remoteAddress: string) =>
      app().inject({ url: '/fwd', remoteAddress, headers: { host: 'internal:8080', 'x-forwarded-host': 'spoofed.example, fwd.example' } });
    assert.equal((await via('10.0.0.5')).headers.location, 'https://example.com/fwd');
    assert.equal((await via('192.0.2.7')).statusCode, 404);
  });
}, { env: { TRUST_PROXY: '10.0.0.0/8' } });

test('when a custom domain\'s link is asked over a socket, then the fast path answers it by its Host', async () => {
  const t: TestApp = await createTestApp('sqlite');
  let entered = 0;
  t.app.addHook('onRequest', async (request) => void (request.routeOptions.url === '/:code' && entered++));
  try {
    const admin = await signUpAndIn(t.app);
    await t.app.inject({ method: 'POST', url: '/api/v1/domains', headers: admin.auth, payload: { hostname: GO } });
    await t.app.inject({ method: 'POST', url: '/api/v1/links', headers: admin.auth, payload: { url: 'https://example.com/sock', domain: GO, code: 'sock' } });
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = t.app.server.address() as AddressInfo;
    const get = (host: string) => new Promise<{ status: number; location?: string }>((resolve, reject) => {
      request({ port, host: '127.0.0.1', path: '/sock', headers: { host } }, (res) => {
        res.resume();
        resolve({ status: res.statusCode!, location: res.headers.location });
      }).on('error', reject).end();
    });
    assert.deepEqual(await get(GO), { status: 302, location: 'https://example.com/sock' });
    assert.deepEqual(await get(GO), { status: 302, location: 'https://example.com/sock' });
    assert.equal(entered, 0, 'answered before Fastify');
    assert.equal((await get('kurz.test')).status, 404);
  } finally {
    await t.close();
  }
});
