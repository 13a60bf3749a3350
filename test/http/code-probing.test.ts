import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachDialect, problem, signUpAndIn, type Caller } from '../support/app.js';

/** Two unknown-code tokens per client IP, refilled too slowly for a test to see. */
const RATE_NOT_FOUND = '2:0.0001';

describeEachDialect('probing codes through link writes', ({ app }) => {
  let ann: Caller;
  let bob: Caller;
  let bobsLink: { id: string; code: string };
  /** POST creates a link; PUT and PATCH change bob's. */
  const as = (caller: Caller, ip: string, method: 'POST' | 'PUT' | 'PATCH', payload: object) =>
    app().inject({ method, url: method === 'POST' ? '/api/v1/links' : `/api/v1/links/${bobsLink.id}`, headers: caller.auth, payload, remoteAddress: ip });

  before(async () => {
    ann = await signUpAndIn(app());
    bob = await signUpAndIn(app());
    assert.equal((await as(ann, '192.0.2.10', 'POST', { url: 'https://example.com/ann', code: 'taken-code' })).statusCode, 201);
    bobsLink = (await as(bob, '192.0.2.20', 'POST', { url: 'https://example.com/bob' })).json();
  });

  test('when codes conflict (create, PATCH, PUT), then each 409 takes an unknown-code token of the client IP; past them every code write is a 429, and nothing changes', async () => {
    const ip = '203.0.113.50';
    assert.equal((await as(bob, ip, 'POST', { url: 'https://example.com/x', code: 'taken-code' })).statusCode, 409);
    assert.equal((await as(bob, ip, 'PATCH', { code: 'taken-code' })).statusCode, 409);
    const limited = await as(bob, ip, 'PUT', { url: 'https://example.com/bob', code: 'taken-code' });
    assert.equal(limited.statusCode, 429, limited.body);
    assert.equal(problem(limited).type, 'urn:kurz:problem:rate-limited');
    assert.equal(limited.headers['ratelimit-limit'], '2');
    assert.ok(Number(limited.headers['retry-after']) >= 1);
    // A free code answers the same 429 now: the refusal says nothing about the code.
    assert.equal((await as(bob, ip, 'PATCH', { code: 'free-code-1' })).statusCode, 429);
    assert.equal((await as(bob, ip, 'POST', { url: 'https://example.com/y', code: 'free-code-2' })).statusCode, 429);
    const mine = await app().inject({ url: `/api/v1/links/${bobsLink.id}`, headers: bob.auth });
    assert.equal(mine.json().code, bobsLink.code, 'the refused writes changed nothing');
    // The same bucket as the redirect's 404s; writes without a code, and other clients, go on.
    assert.equal((await app().inject({ url: '/unknown-code', remoteAddress: ip })).statusCode, 429);
    assert.equal((await as(bob, ip, 'PATCH', { title: 'still editable' })).statusCode, 200);
    assert.equal((await as(bob, '203.0.113.51', 'PATCH', { code: 'taken-code' })).statusCode, 409);
  });

  test('when a code is free, then setting it takes no unknown-code token', async () => {
    const ip = '203.0.113.60';
    for (const code of ['free-a', 'free-b', 'free-c']) assert.equal((await as(bob, ip, 'PATCH', { code })).statusCode, 200, code);
    assert.equal((await as(bob, ip, 'POST', { url: 'https://example.com/z', code: 'free-d' })).statusCode, 201);
    assert.equal((await as(bob, ip, 'PATCH', { code: 'taken-code' })).statusCode, 409, 'the bucket is still full');
  });
}, { env: { RATE_NOT_FOUND } });
