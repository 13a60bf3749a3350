import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachDialect, problem, signUpAndIn, type Caller } from '../support/app.js';

describeEachDialect('API keys', ({ app, t }) => {
  let ivy: Caller;
  let jon: Caller;
  const createKey = (caller: Caller, payload: object) =>
    app().inject({ method: 'POST', url: '/api/v1/api-keys', headers: caller.auth, payload });

  before(async () => {
    ivy = await signUpAndIn(app());
    jon = await signUpAndIn(app());
  });

  test('creating a key answers 201 with the key, once; the list never shows it', async () => {
    const res = await createKey(ivy, { name: 'ci' });
    assert.equal(res.statusCode, 201);
    const created = res.json();
    assert.match(created.key, /^kz_[0-9A-Za-z]{12}_[A-Za-z0-9_-]{43}$/);
    assert.equal(created.prefix, created.key.slice(3, 15));
    assert.equal(created.name, 'ci');
    assert.equal(res.headers.location, `/api/v1/api-keys/${created.id}`);
    const list = await app().inject({ url: '/api/v1/api-keys', headers: ivy.auth });
    assert.equal(list.statusCode, 200);
    assert.deepEqual(list.json().data.map((k: { id: string }) => k.id), [created.id]);
    assert.ok(!list.body.includes(created.key));
    assert.equal(list.json().data[0].key, undefined);
    const stored = (await t().ctx.store.findApiKeyWithOwner(created.prefix))?.key;
    assert.ok(stored && !JSON.stringify(stored).includes(created.key), 'stored as a hash only');
  });

  test('a key authenticates API calls as its owner', async () => {
    const { key } = (await createKey(ivy, { name: 'script' })).json();
    const auth = { authorization: `Bearer ${key}` };
    const link = await app().inject({ method: 'POST', url: '/api/v1/links', headers: auth, payload: { url: 'https://example.com/by-key' } });
    assert.equal(link.statusCode, 201);
    assert.equal(link.json().owner_id, ivy.id);
    const listed = await app().inject({ url: '/api/v1/links', headers: auth });
    assert.deepEqual(listed.json().data.map((l: { owner_id: string }) => l.owner_id), [ivy.id]);
  });

  test('a revoked key answers 401 at once; revoking it again is 404', async () => {
    const created = (await createKey(ivy, { name: 'temp' })).json();
    const del = await app().inject({ method: 'DELETE', url: `/api/v1/api-keys/${created.id}`, headers: ivy.auth });
    assert.equal(del.statusCode, 204);
    const used = await app().inject({ url: '/api/v1/links', headers: { authorization: `Bearer ${created.key}` } });
    assert.equal(used.statusCode, 401);
    problem(used);
    assert.equal((await app().inject({ method: 'DELETE', url: `/api/v1/api-keys/${created.id}`, headers: ivy.auth })).statusCode, 404);
    const list = (await app().inject({ url: '/api/v1/api-keys', headers: ivy.auth })).json();
    assert.ok(!list.data.some((k: { id: string }) => k.id === created.id));
  });

  test('another user cannot see or revoke my key (404), and it keeps working', async () => {
    const created = (await createKey(ivy, { name: 'mine' })).json();
    assert.ok(!(await app().inject({ url: '/api/v1/api-keys', headers: jon.auth })).body.includes(created.id));
    assert.equal((await app().inject({ method: 'DELETE', url: `/api/v1/api-keys/${created.id}`, headers: jon.auth })).statusCode, 404);
    assert.equal((await app().inject({ url: '/api/v1/links', headers: { authorization: `Bearer ${created.key}` } })).statusCode, 200);
  });

  test('a key past expires_at answers 401; an expiry in the past is 400', async () => {
    const created = (await createKey(ivy, { name: 'short', expires_at: new Date(t().clock.now + 60_000).toISOString() })).json();
    assert.equal(created.expires_at, new Date(t().clock.now + 60_000).toISOString());
    const auth = { authorization: `Bearer ${created.key}` };
    assert.equal((await app().inject({ url: '/api/v1/links', headers: auth })).statusCode, 200);
    t().clock.now += 60_000;
    try {
      assert.equal((await app().inject({ url: '/api/v1/links', headers: auth })).statusCode, 401);
    } finally {
      t().clock.now -= 60_000;
    }
    const past = await createKey(ivy, { name: 'past', expires_at: '2001-01-01T00:00:00Z' });
    assert.equal(past.statusCode, 400);
    assert.equal(problem(past).errors?.[0]?.field, 'expires_at');
  });

  test('a tampered key (right prefix, wrong secret) is 401; a missing name is 400', async () => {
    const { key } = (await createKey(ivy, { name: 'real' })).json();
    const tampered = `${key.slice(0, -4)}AAAA`;
    assert.equal((await app().inject({ url: '/api/v1/links', headers: { authorization: `Bearer ${tampered}` } })).statusCode, 401);
    const noName = await createKey(ivy, {});
    assert.equal(problem(noName).errors?.[0]?.field, 'name');
  });

  test('without a credential creating a key is 401', async () => {
    const res = await app().inject({ method: 'POST', url: '/api/v1/api-keys', payload: { name: 'x' } });
    assert.equal(res.statusCode, 401);
  });

  test('when a key calls any route that manages accounts, credentials or keys, then 403 says why and nothing changes', async () => {
    const { key, id } = (await createKey(ivy, { name: 'leaked' })).json();
    const auth = { authorization: `Bearer ${key}` };
    const calls = [
      // the review's finding: a script key changed the password and the email
      { method: 'PATCH', url: `/api/v1/users/${ivy.id}`, payload: { password: 'taken over for good', email: 'thief@example.com' } },
      { method: 'PUT', url: `/api/v1/users/${ivy.id}`, payload: { email: 'thief@example.com', password: 'taken over for good' } },
      { method: 'DELETE', url: `/api/v1/users/${ivy.id}` },
      { method: 'GET', url: '/api/v1/users/me' },
      { method: 'GET', url: `/api/v1/users/${ivy.id}` },
      { method: 'GET', url: `/api/v1/users/${ivy.id}/links` },
      { method: 'GET', url: '/api/v1/users' },
      { method: 'POST', url: '/api/v1/users', payload: { email: 'minted@example.com', password: 'made by a key' } },
      { method: 'POST', url: '/api/v1/api-keys', payload: { name: 'another' } },
      { method: 'GET', url: '/api/v1/api-keys' },
      { method: 'GET', url: `/api/v1/api-keys/${id}` },
      { method: 'DELETE', url: `/api/v1/api-keys/${id}` },
    ] as const;
    for (const call of calls) {
      const res = await app().inject({ ...call, headers: auth });
      assert.equal(res.statusCode, 403, `${call.method} ${call.url}`);
      assert.equal(problem(res).detail, 'API keys cannot manage accounts, credentials or keys; use a signed-in session');
    }
    const me = (await app().inject({ url: '/api/v1/users/me', headers: ivy.auth })).json();
    assert.equal(me.email, ivy.email, 'the email did not change');
    const signIn = await app().inject({ method: 'POST', url: '/api/v1/auth/token', payload: { email: ivy.email, password: 'correct horse' } });
    assert.equal(signIn.statusCode, 200, 'the password did not change');
    assert.equal((await app().inject({ url: '/api/v1/links', headers: auth })).statusCode, 200, 'the key was not revoked by itself');
  });

  test('when a key is made without scopes, then it has all three and shows them', async () => {
    const created = (await createKey(ivy, { name: 'all' })).json();
    assert.deepEqual(created.scopes, ['links:read', 'links:write', 'stats:read']);
    const listed = (await app().inject({ url: '/api/v1/api-keys', headers: ivy.auth })).json().data.find((k: { id: string }) => k.id === created.id);
    assert.deepEqual(listed.scopes, ['links:read', 'links:write', 'stats:read']);
  });

  test('when a key lacks the scope a link route needs, then 403 names the scope and nothing changes', async () => {
    const link = (await app().inject({ method: 'POST', url: '/api/v1/links', headers: ivy.auth, payload: { url: 'https://example.com/scoped' } })).json();
    const reader = (await createKey(ivy, { name: 'reader', scopes: ['links:read'] })).json();
    const writer = (await createKey(ivy, { name: 'writer', scopes: ['links:write'] })).json();
    const stats = (await createKey(ivy, { name: 'stats', scopes: ['stats:read'] })).json();
    assert.deepEqual(reader.scopes, ['links:read']);
    const as = (k: { key: string }) => ({ authorization: `Bearer ${k.key}` });
    const routes = [
      { method: 'GET', url: '/api/v1/links', scope: 'links:read' },
      { method: 'GET', url: `/api/v1/links/${link.id}`, scope: 'links:read' },
      { method: 'GET', url: `/api/v1/links/${link.id}/qr.svg`, scope: 'links:read' },
      { method: 'GET', url: `/api/v1/links/${link.id}/qr.png?size=64`, scope: 'links:read' },
      { method: 'POST', url: '/api/v1/links', payload: { url: 'https://example.com/new' }, scope: 'links:write' },
      { method: 'PUT', url: `/api/v1/links/${link.id}`, payload: { url: 'https://example.com/put' }, scope: 'links:write' },
      { method: 'PATCH', url: `/api/v1/links/${link.id}`, payload: { title: 'patched' }, scope: 'links:write' },
      { method: 'GET', url: `/api/v1/links/${link.id}/stats`, scope: 'stats:read' },
      { method: 'DELETE', url: `/api/v1/links/${link.id}`, scope: 'links:write' },
    ] as const;
    for (const { scope, ...call } of routes) {
      for (const key of [reader, writer, stats]) {
        if (key.scopes.includes(scope)) continue;
        const res = await app().inject({ ...call, headers: as(key) });
        assert.equal(res.statusCode, 403, `${call.method} ${call.url} with ${key.scopes}`);
        assert.match(problem(res).detail, new RegExp(`scope ${scope}\\b`));
      }
    }
    assert.deepEqual((await app().inject({ url: `/api/v1/links/${link.id}`, headers: ivy.auth })).json(), link, 'nothing changed');
    for (const { scope, ...call } of routes) {
      const key = [reader, writer, stats].find((k) => k.scopes.includes(scope))!;
      const res = await app().inject({ ...call, headers: as(key) });
      assert.ok(res.statusCode < 300, `${call.method} ${call.url} with ${scope}: ${res.statusCode} ${res.body}`);
    }
  });

  test('when the scopes are unknown, empty or repeated, then 400 names scopes and no key is made', async () => {
    const before = (await app().inject({ url: '/api/v1/api-keys', headers: ivy.auth })).json().data.length;
    for (const scopes of [['links:admin'], [], ['links:read', 'links:read'], 'links:read']) {
      const res = await createKey(ivy, { name: 'bad', scopes });
      assert.equal(res.statusCode, 400, JSON.stringify(scopes));
      assert.ok(problem(res).errors?.some((e) => e.field.startsWith('scopes')), res.body);
    }
    assert.equal((await app().inject({ url: '/api/v1/api-keys', headers: ivy.auth })).json().data.length, before);
  });

  test('when the Location of a new key is followed, then it answers the key (never the secret); another user, a revoked or unknown key: 404', async () => {
    const res = await createKey(ivy, { name: 'located', scopes: ['stats:read'] });
    const created = res.json();
    const got = await app().inject({ url: res.headers.location as string, headers: ivy.auth });
    assert.equal(got.statusCode, 200);
    const { key: _, ...metadata } = created;
    assert.deepEqual(got.json(), metadata);
    assert.ok(!got.body.includes(created.key));
    assert.equal((await app().inject({ url: `/api/v1/api-keys/${created.id}`, headers: jon.auth })).statusCode, 404);
    assert.equal((await app().inject({ url: '/api/v1/api-keys/no-such-key', headers: ivy.auth })).statusCode, 404);
    await app().inject({ method: 'DELETE', url: `/api/v1/api-keys/${created.id}`, headers: ivy.auth });
    assert.equal((await app().inject({ url: `/api/v1/api-keys/${created.id}`, headers: ivy.auth })).statusCode, 404);
  });
});
