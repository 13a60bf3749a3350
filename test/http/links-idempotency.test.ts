/**
 * POST /api/v1/links with an Idempotency-Key, as a client behind a load balancer retries it: the
 * answer it may never have received comes back, and nothing is created twice.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachDialect, problem, signUpAndIn, type Caller, type TestApp } from '../support/app.js';
import type { KyselyStore } from '../../src/adapters/store/index.js';
import { requestDigest } from '../../src/domain/request-digest.js';

/** The user's links with this url, counted in the store. */
const copies = async (t: TestApp, userId: string, url: string) =>
  Number((await (t.ctx.store as KyselyStore).db.selectFrom('links').select((eb) => eb.fn.countAll().as('n'))
    .where('owner_id', '=', userId).where('url', '=', url).executeTakeFirstOrThrow()).n);

describeEachDialect('link creation with an Idempotency-Key', ({ app, t }) => {
  const create = (caller: Caller, payload: object, key?: string) =>
    app().inject({ method: 'POST', url: '/api/v1/links', headers: { ...caller.auth, ...(key ? { 'idempotency-key': key } : {}) }, payload });

  test('when a creation that was answered is sent again with its key, then the first answer comes back, replayed, and nothing new is created', async () => {
    const ann = await signUpAndIn(app());
    const first = await create(ann, { url: 'https://example.com/retried', tags: ['a', 'b'] }, 'retry-1');
    assert.equal(first.statusCode, 201);
    assert.equal(first.headers['idempotent-replayed'], undefined);
    // The same body with its fields in another order is the same request.
    const again = await create(ann, { tags: ['a', 'b'], url: 'https://example.com/retried' }, 'retry-1');
    assert.equal(again.statusCode, 201);
    assert.equal(again.headers['idempotent-replayed'], 'true');
    assert.equal(again.headers.location, first.headers.location);
    assert.deepEqual(again.json(), first.json());
    assert.equal(await copies(t(), ann.id, 'https://example.com/retried'), 1);
    // Without a key, the same body is a new link.
    assert.equal((await create(ann, { url: 'https://example.com/retried' })).statusCode, 201);
    assert.equal(await copies(t(), ann.id, 'https://example.com/retried'), 2);
  });

  test('when a key is sent again with another body, then it is a 422 naming the key, and nothing is created', async () => {
    const bea = await signUpAndIn(app());
    assert.equal((await create(bea, { url: 'https://example.com/one' }, 'other-body')).statusCode, 201);
    const res = await create(bea, { url: 'https://example.com/two' }, 'other-body');
    assert.equal(res.statusCode, 422);
    assert.match(problem(res).detail, /Idempotency-Key/);
    assert.equal(await copies(t(), bea.id, 'https://example.com/two'), 0);
  });

  test('when two users send the same key, then each gets a link of their own', async () => {
    const [cid, dee] = [await signUpAndIn(app()), await signUpAndIn(app())];
    const theirs = await Promise.all([cid, dee].map((caller) => create(caller, { url: 'https://example.com/shared-key' }, 'same-key')));
    assert.deepEqual(theirs.map((r) => [r.statusCode, r.headers['idempotent-replayed']]), [[201, undefined], [201, undefined]]);
    assert.notEqual(theirs[0]!.json().id, theirs[1]!.json().id);
    assert.equal(await copies(t(), cid.id, 'https://example.com/shared-key'), 1);
    assert.equal(await copies(t(), dee.id, 'https://example.com/shared-key'), 1);
  });

  test('when the first request with a key is still running, then a retry answers 409 and creates nothing', async () => {
    const eve = await signUpAndIn(app());
    const payload = { url: 'https://example.com/running' };
    const now = t().clock.now;
    // The claim the first request holds while it runs (on another instance, say): unanswered.
    await t().ctx.store.claimIdempotencyKey(eve.id, 'running', requestDigest('createLink', payload), now, now - 86_400_000, now - 300_000);
    const res = await create(eve, payload, 'running');
    assert.equal(res.statusCode, 409);
    assert.match(problem(res).detail, /retry/);
    assert.equal(await copies(t(), eve.id, 'https://example.com/running'), 0);
  });

  test('when the document describes POST /api/v1/links, then it names the Idempotency-Key header and the replayed answer', async () => {
    const doc = (await app().inject({ url: '/openapi.json' })).json();
    const op = doc.paths['/api/v1/links'].post;
    assert.ok(op.parameters.some((p: { in: string; name: string }) => p.in === 'header' && p.name === 'idempotency-key'));
    assert.ok(op.responses['201'].headers['idempotent-replayed']);
    for (const status of ['409', '422']) assert.ok(op.responses[status], status);
  });
});
