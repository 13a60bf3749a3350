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
    const stored = await t().ctx.store.findApiKeyByPrefix(created.prefix);
    assert.ok(stored && !JSON.stringify(stored).includes(created.key), 'stored as a hash only');
  });

  test('a key authenticates API calls as its owner', async () => {
    const { key } = (await createKey(ivy, { name: 'script' })).json();
    const auth = { authorization: `Bearer ${key}` };
    assert.equal((await app().inject({ url: '/api/v1/users/me', headers: auth })).json().id, ivy.id);
    const link = await app().inject({ method: 'POST', url: '/api/v1/links', headers: auth, payload: { url: 'https://example.com/by-key' } });
    assert.equal(link.statusCode, 201);
    assert.equal(link.json().owner_id, ivy.id);
  });

  test('a revoked key answers 401 at once; revoking it again is 404', async () => {
    const created = (await createKey(ivy, { name: 'temp' })).json();
    const del = await app().inject({ method: 'DELETE', url: `/api/v1/api-keys/${created.id}`, headers: ivy.auth });
    assert.equal(del.statusCode, 204);
    const used = await app().inject({ url: '/api/v1/users/me', headers: { authorization: `Bearer ${created.key}` } });
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
    assert.equal((await app().inject({ url: '/api/v1/users/me', headers: { authorization: `Bearer ${created.key}` } })).statusCode, 200);
  });

  test('a key past expires_at answers 401; an expiry in the past is 400', async () => {
    const created = (await createKey(ivy, { name: 'short', expires_at: new Date(t().clock.now + 60_000).toISOString() })).json();
    assert.equal(created.expires_at, new Date(t().clock.now + 60_000).toISOString());
    const auth = { authorization: `Bearer ${created.key}` };
    assert.equal((await app().inject({ url: '/api/v1/users/me', headers: auth })).statusCode, 200);
    t().clock.now += 60_000;
    try {
      assert.equal((await app().inject({ url: '/api/v1/users/me', headers: auth })).statusCode, 401);
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
    assert.equal((await app().inject({ url: '/api/v1/users/me', headers: { authorization: `Bearer ${tampered}` } })).statusCode, 401);
    const noName = await createKey(ivy, {});
    assert.equal(problem(noName).errors?.[0]?.field, 'name');
  });

  test('without a credential creating a key is 401', async () => {
    const res = await app().inject({ method: 'POST', url: '/api/v1/api-keys', payload: { name: 'x' } });
    assert.equal(res.statusCode, 401);
  });
});
