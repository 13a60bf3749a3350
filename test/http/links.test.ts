import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachDialect, problem, signUpAndIn, type Caller } from '../support/app.js';
import type { Api } from '../../src/http/api/api.js';

describeEachDialect('links API', ({ app, admin }) => {
  let ann: Caller;
  let bob: Caller;
  const create = (caller: Caller, payload: Record<string, unknown>) =>
    app().inject({ method: 'POST', url: '/api/v1/links', headers: caller.auth, payload });

  before(async () => {
    ann = await signUpAndIn(app());
    bob = await signUpAndIn(app());
  });

  test('creating a link answers 201 with Location and the full link, with a random 7-character base62 code', async () => {
    const res = await create(ann, { url: 'https://example.com/a?b=c', title: 'Example', tags: ['Docs', 'docs ', 'x'] });
    assert.equal(res.statusCode, 201);
    const link = res.json();
    assert.equal(res.headers.location, `/api/v1/links/${link.id}`);
    assert.match(link.code, /^[0-9A-Za-z]{7}$/);
    assert.equal(link.short_url, `http://kurz.test/${link.code}`);
    assert.equal(link.url, 'https://example.com/a?b=c');
    assert.deepEqual(link.tags, ['docs', 'x']);
    assert.equal(link.redirect_type, 302);
    assert.equal(link.clicks, 0);
    assert.equal(link.owner_id, ann.id);
    assert.equal(link.expires_at, null);
    assert.equal(link.max_clicks, null);
    assert.ok(!Number.isNaN(Date.parse(link.created_at)));
    const fetched = await app().inject({ url: `/api/v1/links/${link.id}`, headers: ann.auth });
    assert.deepEqual(fetched.json(), link);
  });

  test('a custom code is kept; a taken one answers 409 naming code and changes nothing', async () => {
    const first = await create(ann, { url: 'https://example.com/1', code: 'my-Code_1' });
    assert.equal(first.statusCode, 201);
    assert.equal(first.json().code, 'my-Code_1');
    const taken = await create(bob, { url: 'https://example.com/2', code: 'my-Code_1' });
    assert.equal(taken.statusCode, 409);
    assert.deepEqual(problem(taken).errors, [{ field: 'code', message: 'is already taken' }]);
    const other = await create(bob, { url: 'https://example.com/3', code: 'MY-code_1' });
    assert.equal(other.statusCode, 201, 'codes are case-sensitive');
    const redirect = await app().inject({ url: '/my-Code_1' });
    assert.equal(redirect.headers.location, 'https://example.com/1');
  });

  test('bad custom codes and reserved words answer 400 naming code', async () => {
    for (const code of ['ab', 'has space', 'a/b', 'x'.repeat(65), 'api', 'Docs', 'healthz']) {
      const res = await create(ann, { url: 'https://example.com/', code });
      assert.equal(res.statusCode, 400, code);
      assert.equal(problem(res).errors?.[0]?.field, 'code', code);
    }
  });

  test('URLs that are not absolute http(s), too long, loops or with credentials answer 400 with the reasons', async () => {
    const cases: [string, RegExp][] = [
      ['ftp://example.com/file', /http or https/],
      ['javascript:alert(1)', /http or https/],
      ['/relative/path', /absolute URL/],
      [`https://example.com/${'a'.repeat(2100)}`, /2048/],
      ['http://kurz.test/abc', /redirect loop/],
      ['https://user:pw@example.com/', /user name or password/],
    ];
    for (const [url, reason] of cases) {
      const res = await create(ann, { url });
      assert.equal(res.statusCode, 400, url);
      const body = problem(res);
      assert.equal(body.errors?.[0]?.field, 'url');
      assert.match(body.errors!.map((e) => e.message).join(' '), reason, url);
    }
    const list = await app().inject({ url: '/api/v1/links?q=relative', headers: ann.auth });
    assert.equal(list.json().data.length, 0, 'nothing was created');
  });

  test('fields a client must not set (id, owner_id, clicks) are rejected with 400 naming them', async () => {
    for (const field of ['id', 'owner_id', 'clicks', 'short_url']) {
      const res = await create(ann, { url: 'https://example.com/', [field]: field === 'clicks' ? 5 : 'x' });
      assert.equal(res.statusCode, 400);
      assert.deepEqual(problem(res).errors, [{ field, message: 'is not allowed' }]);
    }
  });

  test('schema errors name each field: missing url, bad redirect_type, max_clicks below 1, bad expires_at', async () => {
    const res = await create(ann, { redirect_type: 303, max_clicks: 0, expires_at: 'tomorrow' });
    assert.equal(res.statusCode, 400);
    const fields = problem(res).errors!.map((e) => e.field).sort();
    assert.deepEqual(fields, ['expires_at', 'max_clicks', 'redirect_type', 'url']);
    const past = await create(ann, { url: 'https://example.com/', expires_at: '2000-01-01T00:00:00Z' });
    assert.equal(past.statusCode, 400);
    assert.equal(problem(past).errors?.[0]?.field, 'expires_at');
  });

  test('malformed JSON answers 400, a wrong content type 415, an oversized body 413, all problem+json', async () => {
    const bad = await app().inject({
      method: 'POST', url: '/api/v1/links', headers: { ...ann.auth, 'content-type': 'application/json' }, payload: '{"url":',
    });
    assert.equal(bad.statusCode, 400);
    assert.equal(problem(bad).errors?.[0]?.field, 'body');
    const text = await app().inject({
      method: 'POST', url: '/api/v1/links', headers: { ...ann.auth, 'content-type': 'text/plain' }, payload: 'https://x.y',
    });
    assert.equal(text.statusCode, 415);
    problem(text);
    const big = await create(ann, { url: 'https://example.com/', title: 'x'.repeat(70 * 1024) });
    assert.equal(big.statusCode, 413);
    problem(big);
  });

  test('without credentials answers 401 with WWW-Authenticate: Bearer; a bad token too', async () => {
    const none = await app().inject({ method: 'POST', url: '/api/v1/links', payload: { url: 'https://example.com/' } });
    assert.equal(none.statusCode, 401);
    assert.equal(none.headers['www-authenticate'], 'Bearer');
    problem(none);
    const bad = await app().inject({ url: '/api/v1/links', headers: { authorization: 'Bearer nonsense' } });
    assert.equal(bad.statusCode, 401);
  });

  test('another user\'s link answers 404 to get, put, patch and delete, and is unchanged; an admin may', async () => {
    const link = (await create(ann, { url: 'https://example.com/private' })).json();
    for (const method of ['GET', 'PUT', 'PATCH', 'DELETE'] as const) {
      const payload = method === 'PUT' || method === 'PATCH' ? { url: 'https://evil.example/' } : undefined;
      const res = await app().inject({ method, url: `/api/v1/links/${link.id}`, headers: bob.auth, payload });
      assert.equal(res.statusCode, 404, method);
      assert.equal(problem(res).status, 404);
    }
    const still = await app().inject({ url: `/api/v1/links/${link.id}`, headers: ann.auth });
    assert.equal(still.json().url, 'https://example.com/private');
    const byAdmin = await app().inject({ url: `/api/v1/links/${link.id}`, headers: admin().auth });
    assert.equal(byAdmin.statusCode, 200);
  });

  test('PUT replaces: fields left out return to defaults, the code stays', async () => {
    const link = (await create(ann, {
      url: 'https://example.com/old', title: 'Old', tags: ['t'], max_clicks: 5, redirect_type: 301,
      expires_at: new Date(Date.now() + 86_400_000).toISOString(),
    })).json();
    const res = await app().inject({
      method: 'PUT', url: `/api/v1/links/${link.id}`, headers: ann.auth, payload: { url: 'https://example.com/new' },
    });
    assert.equal(res.statusCode, 200);
    const updated = res.json();
    assert.equal(updated.code, link.code);
    assert.equal(updated.url, 'https://example.com/new');
    assert.equal(updated.title, null);
    assert.deepEqual(updated.tags, []);
    assert.equal(updated.max_clicks, null);
    assert.equal(updated.expires_at, null);
    assert.equal(updated.redirect_type, 302);
    assert.ok(updated.updated_at >= link.updated_at);
  });

  test('PATCH changes only what is sent; null clears title, expires_at and max_clicks; empty body is 400', async () => {
    const link = (await create(ann, { url: 'https://example.com/p', title: 'Keep', max_clicks: 3, tags: ['a'] })).json();
    const res = await app().inject({
      method: 'PATCH', url: `/api/v1/links/${link.id}`, headers: ann.auth, payload: { max_clicks: null, code: 'patched-code' },
    });
    assert.equal(res.statusCode, 200);
    assert.equal(res.json().title, 'Keep');
    assert.deepEqual(res.json().tags, ['a']);
    assert.equal(res.json().max_clicks, null);
    assert.equal(res.json().code, 'patched-code');
    const empty = await app().inject({ method: 'PATCH', url: `/api/v1/links/${link.id}`, headers: ann.auth, payload: {} });
    assert.equal(empty.statusCode, 400);
    const taken = await app().inject({ method: 'PATCH', url: `/api/v1/links/${link.id}`, headers: ann.auth, payload: { code: 'my-Code_1' } });
    assert.equal(taken.statusCode, 409);
  });

  test('DELETE answers 204, then the link is 404 to the API and to the redirect', async () => {
    const link = (await create(ann, { url: 'https://example.com/gone' })).json();
    const del = await app().inject({ method: 'DELETE', url: `/api/v1/links/${link.id}`, headers: ann.auth });
    assert.equal(del.statusCode, 204);
    assert.equal(del.body, '');
    assert.equal((await app().inject({ url: `/api/v1/links/${link.id}`, headers: ann.auth })).statusCode, 404);
    assert.equal((await app().inject({ url: `/${link.code}` })).statusCode, 404);
    assert.equal((await app().inject({ method: 'DELETE', url: `/api/v1/links/${link.id}`, headers: ann.auth })).statusCode, 404);
  });
});

describeEachDialect('links listing', ({ app, admin }) => {
  let carol: Caller;

  before(async () => {
    carol = await signUpAndIn(app());
  });

  test('pages are newest first, never skip or repeat when links are added between pages', async () => {
    for (let i = 0; i < 7; i++) {
      await app().inject({ method: 'POST', url: '/api/v1/links', headers: carol.auth, payload: { url: `https://example.com/${i}` } });
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res: Awaited<ReturnType<Api["inject"]>> = await app().inject({ url: `/api/v1/links?limit=3${cursor ? `&cursor=${cursor}` : ''}`, headers: carol.auth });
      assert.equal(res.statusCode, 200);
      const page = res.json();
      seen.push(...page.data.map((l: { url: string }) => l.url));
      assert.equal(page.has_more, page.next_cursor !== null);
      cursor = page.next_cursor;
      if (pages++ === 0) {
        // A link created after the first page is newer than every cursor: it must not appear later.
        await app().inject({ method: 'POST', url: '/api/v1/links', headers: carol.auth, payload: { url: 'https://example.com/late' } });
      }
    } while (cursor);
    assert.deepEqual(seen, [6, 5, 4, 3, 2, 1, 0].map((i) => `https://example.com/${i}`));
  });

  test('limit defaults to 20 and is at most 100; a malformed cursor is 400 naming cursor', async () => {
    assert.equal((await app().inject({ url: '/api/v1/links?limit=101', headers: carol.auth })).statusCode, 400);
    assert.equal((await app().inject({ url: '/api/v1/links?limit=0', headers: carol.auth })).statusCode, 400);
    const bad = await app().inject({ url: '/api/v1/links?cursor=not-a-cursor', headers: carol.auth });
    assert.equal(bad.statusCode, 400);
    assert.equal(problem(bad).errors?.[0]?.field, 'cursor');
  });

  test('q searches url, code and title case-insensitively; tag filters', async () => {
    const post = (payload: object) => app().inject({ method: 'POST', url: '/api/v1/links', headers: carol.auth, payload });
    await post({ url: 'https://search.example/Alpha', title: 'First' });
    await post({ url: 'https://search.example/beta', title: 'Second ALPHA', tags: ['news'] });
    await post({ url: 'https://search.example/gamma', code: 'alphacode', tags: ['News', 'x'] });
    const q = (await app().inject({ url: '/api/v1/links?q=alpha', headers: carol.auth })).json();
    assert.equal(q.data.length, 3);
    const tagged = (await app().inject({ url: '/api/v1/links?tag=news', headers: carol.auth })).json();
    assert.deepEqual(tagged.data.map((l: { url: string }) => l.url).sort(), ['https://search.example/beta', 'https://search.example/gamma']);
    const both = (await app().inject({ url: '/api/v1/links?tag=x&q=gamma', headers: carol.auth })).json();
    assert.equal(both.data.length, 1);
  });

  test('owner=all lists every owner for an admin and is 403 for a user', async () => {
    const mine = (await app().inject({ url: '/api/v1/links?limit=100', headers: carol.auth })).json();
    assert.ok(mine.data.every((l: { owner_id: string }) => l.owner_id === carol.id));
    await app().inject({ method: 'POST', url: '/api/v1/links', headers: admin().auth, payload: { url: 'https://example.com/admin' } });
    const all = (await app().inject({ url: '/api/v1/links?owner=all&limit=100', headers: admin().auth })).json();
    assert.ok(all.data.some((l: { owner_id: string }) => l.owner_id === carol.id));
    assert.ok(all.data.some((l: { owner_id: string }) => l.owner_id === admin().id));
    const denied = await app().inject({ url: '/api/v1/links?owner=all', headers: carol.auth });
    assert.equal(denied.statusCode, 403);
    problem(denied);
  });
});
