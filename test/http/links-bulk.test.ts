import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachDialect, problem, signUpAndIn, type Caller, type TestApp } from '../support/app.js';
import type { KyselyStore } from '../../src/adapters/store/index.js';
import { requestDigest } from '../../src/domain/request-digest.js';

type Result = { status: number; link?: { id: string; code: string; url: string; short_url: string }; problem?: { status: number; type: string; detail: string; errors?: { field: string; message: string }[] } };

/** Links a user owns, counted in the store (a listing pages at 100). */
const linksOf = async (t: TestApp, userId: string) =>
  Number((await (t.ctx.store as KyselyStore).db.selectFrom('links').select((eb) => eb.fn.countAll().as('n')).where('owner_id', '=', userId).executeTakeFirstOrThrow()).n);

describeEachDialect('bulk link creation', ({ app, t, admin }) => {
  let ann: Caller;
  const bulk = (caller: Caller, payload: unknown, headers: Record<string, string> = {}) =>
    app().inject({ method: 'POST', url: '/api/v1/links/bulk', headers: { ...caller.auth, ...headers }, payload: payload as object });
  const results = (res: { json(): unknown }) => (res.json() as { results: Result[] }).results;
  const newCaller = () => signUpAndIn(app());

  before(async () => {
    ann = await newCaller();
  });

  test('when items are valid and invalid, then each answers in its slot, in order, and only the valid ones are created', async () => {
    const carl = await newCaller();
    const items: unknown[] = [
      { url: 'https://example.com/one', tags: ['A'] },
      { title: 'no url' },
      { url: 5 },
      { url: 'http://127.0.0.1/admin' },
      { url: 'https://example.com/two', code: 'bulk-two' },
      'not an object',
      { url: 'https://example.com/past', expires_at: '2001-01-01T00:00:00Z' },
      { url: 'https://example.com/three', extra: true },
      { url: 'https://example.com/four', redirect_type: 301 },
    ];
    const res = await bulk(carl, { links: items });
    assert.equal(res.statusCode, 200);
    const got = results(res);
    assert.deepEqual(got.map((r) => r.status), [201, 400, 400, 400, 201, 400, 400, 400, 201]);
    assert.deepEqual(got[1]!.problem!.errors, [{ field: 'url', message: 'is required' }]);
    assert.equal(got[2]!.problem!.errors![0]!.field, 'url');
    assert.deepEqual(got[7]!.problem!.errors, [{ field: 'extra', message: 'is not allowed' }]);
    assert.equal(got[0]!.link!.url, 'https://example.com/one');
    assert.equal(got[4]!.link!.code, 'bulk-two');
    assert.equal(got[4]!.link!.short_url, 'http://kurz.test/bulk-two');
    assert.equal(got[8]!.link!.url, 'https://example.com/four');
    assert.equal(await linksOf(t(), carl.id), 3);
    // Each link is the one POST /links and GET /links/:id show.
    for (const r of [got[0]!, got[4]!, got[8]!]) {
      assert.deepEqual((await app().inject({ url: `/api/v1/links/${r.link!.id}`, headers: carl.auth })).json(), r.link);
    }
    assert.equal((await app().inject({ url: '/bulk-two' })).headers.location, 'https://example.com/two');
  });

  test('when an item is invalid, then its problem is the one POST /api/v1/links answers for it alone', async () => {
    const items = [
      { title: 'no url' }, { url: 'ftp://example.com/' }, { url: 'https://example.com/', code: 'api' }, { url: 'https://example.com/', max_clicks: 0 },
      { url: 'https://example.com/', title: 'a\u0000b', tags: ['ok', 'b\u0007'] },
    ];
    const got = results(await bulk(ann, { links: items }));
    for (const [i, item] of items.entries()) {
      const alone = await app().inject({ method: 'POST', url: '/api/v1/links', headers: ann.auth, payload: item });
      const { instance: _, ...expected } = problem(alone) as ReturnType<typeof problem> & { instance?: string };
      assert.equal(got[i]!.status, alone.statusCode, `item ${i}`);
      assert.deepEqual(got[i]!.problem, expected, `item ${i}`);
    }
  });

  test('when two items set the same code, or a taken one, then the first gets it and the others 409', async () => {
    await bulk(ann, { links: [{ url: 'https://example.com/pre', code: 'bulk-taken' }] });
    const res = await bulk(ann, { links: [
      { url: 'https://example.com/a', code: 'bulk-dup' },
      { url: 'https://example.com/b', code: 'bulk-dup' },
      { url: 'https://example.com/c', code: 'bulk-taken' },
      { url: 'https://example.com/d' },
    ] });
    const got = results(res);
    assert.deepEqual(got.map((r) => r.status), [201, 409, 409, 201]);
    assert.deepEqual(got[1]!.problem!.errors, [{ field: 'code', message: 'is already taken' }]);
    assert.equal((await app().inject({ url: '/bulk-dup' })).headers.location, 'https://example.com/a');
  });

  test('when two items set one code on two domains, then both are created, each on its domain', async () => {
    const registered = await app().inject({ method: 'POST', url: '/api/v1/domains', headers: admin().auth, payload: { hostname: 'bulk.example.com' } });
    assert.equal(registered.statusCode, 201, registered.body);
    const res = await bulk(admin(), { links: [
      { url: 'https://example.com/default', code: 'bulk-both' },
      { url: 'https://example.com/custom', code: 'bulk-both', domain: 'bulk.example.com' },
      { url: 'https://example.com/again', code: 'bulk-both', domain: 'BULK.example.com' },
    ] });
    const got = results(res);
    assert.deepEqual(got.map((r) => r.status), [201, 201, 409]);
    assert.equal(got[1]!.link!.short_url, 'http://bulk.example.com/bulk-both');
    assert.equal((await app().inject({ url: '/bulk-both', headers: { host: 'bulk.example.com' } })).headers.location, 'https://example.com/custom');
    assert.equal((await app().inject({ url: '/bulk-both' })).headers.location, 'https://example.com/default');
  });

  test('when 1,000 links are sent, then all are created, each with its own code', async () => {
    const dora = await newCaller();
    const links = Array.from({ length: 1_000 }, (_, i) => ({ url: `https://example.com/many/${i}` }));
    const res = await bulk(dora, { links });
    assert.equal(res.statusCode, 200);
    const got = results(res);
    assert.equal(got.length, 1_000);
    assert.ok(got.every((r) => r.status === 201));
    assert.deepEqual(got.map((r) => r.link!.url), links.map((l) => l.url), 'in order');
    assert.equal(new Set(got.map((r) => r.link!.code)).size, 1_000);
    assert.equal(await linksOf(t(), dora.id), 1_000);
  });

  test('when the body is not {links: [1 to 1,000 items]}, then it is a 400 naming links, and nothing is created', async () => {
    const erin = await newCaller();
    const cases: unknown[] = [
      { links: Array.from({ length: 1_001 }, (_, i) => ({ url: `https://example.com/${i}` })) },
      { links: [] },
      { links: { url: 'https://example.com/' } },
      {},
    ];
    for (const payload of cases) {
      const res = await bulk(erin, payload);
      assert.equal(res.statusCode, 400, JSON.stringify(payload).slice(0, 60));
      assert.equal(problem(res).errors?.[0]?.field, 'links');
    }
    const extra = await bulk(erin, { links: [{ url: 'https://example.com/' }], more: 1 });
    assert.equal(extra.statusCode, 400);
    // A control character outside the items refuses the whole request too.
    const control = await bulk(erin, { links: [{ url: 'https://example.com/ok' }], 'x\u0000': 1 });
    assert.equal(control.statusCode, 400);
    assert.equal(await linksOf(t(), erin.id), 0);
  });

  test('when another method is sent to /links/bulk, then it is a 405 allowing POST, not a link named bulk', async () => {
    const res = await app().inject({ url: '/api/v1/links/bulk', headers: ann.auth });
    assert.equal(res.statusCode, 405);
    assert.equal(res.headers.allow, 'POST');
  });

  test('when an API key lacks links:write, then it is a 403', async () => {
    const key = (await app().inject({ method: 'POST', url: '/api/v1/api-keys', headers: ann.auth, payload: { name: 'ro', scopes: ['links:read'] } })).json().key;
    const res = await app().inject({ method: 'POST', url: '/api/v1/links/bulk', headers: { authorization: `Bearer ${key}` }, payload: { links: [{ url: 'https://example.com/' }] } });
    assert.equal(res.statusCode, 403);
  });

  test('when a request is sent again with its Idempotency-Key, then the first answer comes back, replayed, and nothing is created twice', async () => {
    const fay = await newCaller();
    const payload = { links: [{ url: 'https://example.com/i1' }, { url: 'https://example.com/i2', code: 'idem-code' }, { title: 'bad' }] };
    const key = { 'idempotency-key': 'a1b2c3-first' };
    const first = await bulk(fay, payload, key);
    assert.equal(first.statusCode, 200);
    assert.equal(first.headers['idempotent-replayed'], undefined);
    assert.deepEqual(results(first).map((r) => r.status), [201, 201, 400]);
    // The same body with its keys in another order is the same request.
    const again = await bulk(fay, { links: [{ url: 'https://example.com/i1' }, { code: 'idem-code', url: 'https://example.com/i2' }, { title: 'bad' }] }, key);
    assert.equal(again.statusCode, 200);
    assert.equal(again.headers['idempotent-replayed'], 'true');
    assert.deepEqual(again.json(), first.json());
    assert.equal(await linksOf(t(), fay.id), 2);

    const other = await bulk(fay, { links: [{ url: 'https://example.com/other' }] }, key);
    assert.equal(other.statusCode, 422);
    assert.equal(problem(other).type, 'urn:kurz:problem:unprocessable');
    assert.match(problem(other).detail, /Idempotency-Key/);
    assert.equal(await linksOf(t(), fay.id), 2);

    // Keys are per user: another user's same key is a request of their own.
    const gus = await newCaller();
    const theirs = await bulk(gus, { links: [{ url: 'https://example.com/gus' }] }, key);
    assert.equal(theirs.statusCode, 200);
    assert.equal(theirs.headers['idempotent-replayed'], undefined);
    assert.equal(await linksOf(t(), gus.id), 1);
  });

  test('when the first request with a key is still in progress, then the same key answers 409 asking to retry', async () => {
    const hal = await newCaller();
    const payload = { links: [{ url: 'https://example.com/slow' }] };
    const now = t().clock.now;
    // The claim a first request holds while it runs: unanswered.
    await t().ctx.store.claimIdempotencyKey(hal.id, 'in-progress', requestDigest('createLinks', payload), now, now - 86_400_000, now - 300_000);
    const res = await bulk(hal, payload, { 'idempotency-key': 'in-progress' });
    assert.equal(res.statusCode, 409);
    assert.match(problem(res).detail, /retry/);
    assert.equal(await linksOf(t(), hal.id), 0);
    // Abandoned after 5 minutes (its process died): the key may be used again.
    t().clock.now += 300_001;
    assert.equal((await bulk(hal, payload, { 'idempotency-key': 'in-progress' })).statusCode, 200);
    assert.equal(await linksOf(t(), hal.id), 1);
  });

  test('when a key is older than 24 h, then the same request runs again', async () => {
    const ida = await newCaller();
    const payload = { links: [{ url: 'https://example.com/daily' }] };
    const key = { 'idempotency-key': 'daily' };
    assert.equal((await bulk(ida, payload, key)).statusCode, 200);
    t().clock.now += 86_400_001;
    const later = await bulk(ida, payload, key);
    assert.equal(later.headers['idempotent-replayed'], undefined);
    assert.equal(await linksOf(t(), ida.id), 2);
  });

  test('when the Idempotency-Key is not 1 to 255 visible ASCII characters, then it is a 400 naming the header', async () => {
    for (const bad of ['has space', 'x'.repeat(256), 'é']) {
      const res = await bulk(ann, { links: [{ url: 'https://example.com/' }] }, { 'idempotency-key': bad });
      assert.equal(res.statusCode, 400, bad);
      assert.deepEqual(problem(res).errors, [{ field: 'idempotency-key', message: 'must be 1 to 255 visible ASCII characters' }]);
    }
  });

  test('when POST /api/v1/links is sent again with its Idempotency-Key, then the same link comes back, once created', async () => {
    const jo = await newCaller();
    const create = (payload: object, key: string) =>
      app().inject({ method: 'POST', url: '/api/v1/links', headers: { ...jo.auth, 'idempotency-key': key }, payload });
    const first = await create({ url: 'https://example.com/single' }, 'single-1');
    assert.equal(first.statusCode, 201);
    const again = await create({ url: 'https://example.com/single' }, 'single-1');
    assert.equal(again.statusCode, 201);
    assert.equal(again.headers['idempotent-replayed'], 'true');
    assert.equal(again.headers.location, first.headers.location);
    assert.deepEqual(again.json(), first.json());
    assert.equal((await create({ url: 'https://example.com/changed' }, 'single-1')).statusCode, 422);
    // The same key on the bulk operation is another request.
    assert.equal((await bulk(jo, { links: [{ url: 'https://example.com/single' }] }, { 'idempotency-key': 'single-1' })).statusCode, 422);
    assert.equal(await linksOf(t(), jo.id), 1);

    // A refusal keeps nothing: once the code is free, the same key and body create the link.
    const blocker = (await create({ url: 'https://example.com/blocker', code: 'idem-single' }, 'single-2')).json();
    assert.equal((await create({ url: 'https://example.com/wants', code: 'idem-single' }, 'single-3')).statusCode, 409);
    await app().inject({ method: 'DELETE', url: `/api/v1/links/${blocker.id}`, headers: jo.auth });
    const retried = await create({ url: 'https://example.com/wants', code: 'idem-single' }, 'single-3');
    assert.equal(retried.statusCode, 201);
    assert.equal(retried.headers['idempotent-replayed'], undefined);
  });
});

/** A refill so slow that nothing comes back during a test: the bucket holds exactly its capacity. */
const burst = (capacity: number) => `${capacity}:0.0001`;

describeEachDialect('bulk link creation under rate limits', ({ app, t }) => {
  const bulk = (caller: Caller, links: object[], ip = '192.0.2.1') =>
    app().inject({ method: 'POST', url: '/api/v1/links/bulk', headers: caller.auth, payload: { links }, remoteAddress: ip });
  const statuses = (res: { json(): unknown }) => (res.json() as { results: Result[] }).results.map((r) => r.status);

  test('when a bulk has more items than creation tokens, then the items past them answer 429 with the wait, and are not created', async () => {
    const kim = await signUpAndIn(app());
    const links = Array.from({ length: 7 }, (_, i) => ({ url: `https://example.com/rl/${i}` }));
    const res = await bulk(kim, [{ title: 'invalid items take no token' }, ...links]);
    assert.equal(res.statusCode, 200);
    assert.deepEqual(statuses(res), [400, 201, 201, 201, 201, 201, 429, 429]);
    const refused = (res.json() as { results: Result[] }).results[6]!.problem!;
    assert.equal(refused.type, 'urn:kurz:problem:rate-limited');
    assert.match(refused.detail, /retry in \d+ s/);
    assert.equal(await linksOf(t(), kim.id), 5);
    // The bucket is empty now: every item of the next bulk is refused; single creation too.
    assert.deepEqual(statuses(await bulk(kim, links.slice(0, 2))), [429, 429]);
    assert.equal((await app().inject({ method: 'POST', url: '/api/v1/links', headers: kim.auth, payload: { url: 'https://example.com/x' } })).statusCode, 429);
    // Another user has a bucket of their own.
    assert.deepEqual(statuses(await bulk(await signUpAndIn(app()), links.slice(0, 2))), [201, 201]);
  });

  test('when items set codes, then no more are tried than the client has unknown-code tokens, and each taken code spends one', async () => {
    const lee = await signUpAndIn(app());
    const owner = await signUpAndIn(app());
    assert.deepEqual(statuses(await bulk(owner, [1, 2, 3].map((i) => ({ url: 'https://example.com/', code: `rl-taken-${i}` })), '192.0.2.50')), [201, 201, 201]);
    const res = await bulk(lee, [
      { url: 'https://example.com/1', code: 'rl-taken-1' },
      { url: 'https://example.com/2' },
      { url: 'https://example.com/3', code: 'rl-taken-2' },
      { url: 'https://example.com/4', code: 'rl-taken-3' },
      { url: 'https://example.com/5', code: 'rl-free-1' },
    ], '203.0.113.7');
    // Two tokens: two codes are tried (both taken, both spend), then the bucket is empty and the others answer 429, free or not.
    assert.deepEqual(statuses(res), [409, 201, 409, 429, 429]);
    assert.equal((await app().inject({ url: '/rl-free-1' })).statusCode, 404, 'the refused free code was not created');
    // Every item tried took a creation token, as a single POST refused for its code does.
    assert.equal(await linksOf(t(), lee.id), 1);
    assert.deepEqual(statuses(await bulk(lee, [{ url: 'https://example.com/6' }], '203.0.113.7')), [429]);
    // Another client address still probes; a bulk without codes is not limited by the probing bucket.
    const ned = await signUpAndIn(app());
    assert.deepEqual(statuses(await bulk(ned, [{ url: 'https://example.com/6', code: 'rl-free-2' }], '203.0.113.8')), [201]);
    assert.deepEqual(statuses(await bulk(ned, [{ url: 'https://example.com/7' }], '203.0.113.7')), [201]);
    assert.deepEqual(statuses(await bulk(ned, [{ url: 'https://example.com/8', code: 'rl-free-3' }], '203.0.113.7')), [429]);
  });

  test('when free codes are set, then they spend no unknown-code token', async () => {
    const may = await signUpAndIn(app());
    const res = await bulk(may, [1, 2, 3, 4, 5].map((i) => ({ url: 'https://example.com/', code: `rl-fresh-${i}` })), '203.0.113.30');
    assert.deepEqual(statuses(res), [201, 201, 201, 201, 201]);
  });
}, { env: { RATE_CREATE_LINK: burst(5), RATE_NOT_FOUND: burst(2) } });
