import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachDialect, problem, signUpAndIn, type Caller } from '../support/app.js';

describeEachDialect('auth API', ({ app, t }) => {
  let hal: Caller;
  const token = (payload: object) => app().inject({ method: 'POST', url: '/api/v1/auth/token', payload });
  const refresh = (refresh_token: string) => app().inject({ method: 'POST', url: '/api/v1/auth/refresh', payload: { refresh_token } });

  before(async () => {
    hal = await signUpAndIn(app(), 'hal@example.com', 'open the pod bay');
  });

  test('sign-in answers the token pair with no-store', async () => {
    const res = await token({ email: 'HAL@example.com', password: 'open the pod bay' });
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['cache-control'], 'no-store');
    const body = res.json();
    assert.deepEqual(Object.keys(body).sort(), ['access_token', 'expires_in', 'refresh_token', 'token_type']);
    assert.equal(body.token_type, 'Bearer');
    assert.equal(body.expires_in, 900);
    const me = await app().inject({ url: '/api/v1/users/me', headers: { authorization: `Bearer ${body.access_token}` } });
    assert.equal(me.json().email, 'hal@example.com');
  });

  test('a wrong password and an unknown email get the very same 401', async () => {
    const wrong = await token({ email: 'hal@example.com', password: 'wrong password' });
    const unknown = await token({ email: 'nobody@example.com', password: 'wrong password' });
    assert.equal(wrong.statusCode, 401);
    assert.equal(unknown.statusCode, 401);
    const strip = (p: ReturnType<typeof problem>) => ({ ...p, instance: undefined });
    assert.deepEqual(strip(problem(wrong)), strip(problem(unknown)));
    assert.equal(problem(wrong).detail, 'invalid email or password');
  });

  test('refresh rotates: the new pair works, the old refresh token is refused', async () => {
    const pair = (await token({ email: 'hal@example.com', password: 'open the pod bay' })).json();
    const rotated = await refresh(pair.refresh_token);
    assert.equal(rotated.statusCode, 200);
    const next = rotated.json();
    assert.notEqual(next.refresh_token, pair.refresh_token);
    assert.equal((await app().inject({ url: '/api/v1/users/me', headers: { authorization: `Bearer ${next.access_token}` } })).statusCode, 200);
    const again = await refresh(next.refresh_token);
    assert.equal(again.statusCode, 200, 'the rotated token works once');
  });

  test('reuse of a rotated refresh token revokes its whole family', async () => {
    const pair = (await token({ email: 'hal@example.com', password: 'open the pod bay' })).json();
    const next = (await refresh(pair.refresh_token)).json();
    const reuse = await refresh(pair.refresh_token);
    assert.equal(reuse.statusCode, 401);
    problem(reuse);
    assert.equal((await refresh(next.refresh_token)).statusCode, 401, 'the token rotated from it is revoked too');
    assert.equal((await refresh(hal.refreshToken)).statusCode, 200, 'another sign-in\'s family is untouched');
  });

  test('two concurrent refreshes with one token: one wins, and the family is revoked', async () => {
    const pair = (await token({ email: 'hal@example.com', password: 'open the pod bay' })).json();
    const results = await Promise.all([refresh(pair.refresh_token), refresh(pair.refresh_token)]);
    assert.deepEqual(results.map((r) => r.statusCode).sort(), [200, 401]);
  });

  test('revoke answers 204 and the token (and its family) stops working; unknown tokens are 204 too', async () => {
    const pair = (await token({ email: 'hal@example.com', password: 'open the pod bay' })).json();
    const revoked = await app().inject({ method: 'POST', url: '/api/v1/auth/revoke', payload: { refresh_token: pair.refresh_token } });
    assert.equal(revoked.statusCode, 204);
    assert.equal((await refresh(pair.refresh_token)).statusCode, 401);
    const unknown = await app().inject({ method: 'POST', url: '/api/v1/auth/revoke', payload: { refresh_token: 'nope.nope' } });
    assert.equal(unknown.statusCode, 204);
  });

  test('malformed, tampered or unknown refresh tokens are 401; a missing one is 400', async () => {
    const pair = (await token({ email: 'hal@example.com', password: 'open the pod bay' })).json();
    const [id] = pair.refresh_token.split('.');
    for (const bad of ['garbage', `${id}.wrong-secret`, 'unknown-id.secret']) assert.equal((await refresh(bad)).statusCode, 401, bad);
    const missing = await app().inject({ method: 'POST', url: '/api/v1/auth/refresh', payload: {} });
    assert.equal(missing.statusCode, 400);
    assert.equal(problem(missing).errors?.[0]?.field, 'refresh_token');
  });

  test('an expired refresh token is 401', async () => {
    const pair = (await token({ email: 'hal@example.com', password: 'open the pod bay' })).json();
    t().clock.now += 31 * 86_400_000;
    try {
      assert.equal((await refresh(pair.refresh_token)).statusCode, 401);
    } finally {
      t().clock.now -= 31 * 86_400_000;
    }
  });

  test('a refresh token is stored only as a hash', async () => {
    const pair = (await token({ email: 'hal@example.com', password: 'open the pod bay' })).json();
    const [id, secret] = pair.refresh_token.split('.');
    const stored = await t().ctx.store.findRefreshToken(id);
    assert.ok(stored);
    assert.notEqual(stored.tokenHash, secret);
    assert.ok(!JSON.stringify(stored).includes(secret));
  });

  test('a token signed with another secret, or not a JWT at all, is 401', async () => {
    const [header, payload] = hal.token.split('.');
    const forged = `${header}.${payload}.c2lnbmF0dXJl`;
    for (const bad of [forged, 'not.a.jwt', 'Basic']) {
      const res = await app().inject({ url: '/api/v1/users/me', headers: { authorization: `Bearer ${bad}` } });
      assert.equal(res.statusCode, 401, bad);
    }
    const basic = await app().inject({ url: '/api/v1/users/me', headers: { authorization: 'Basic aGFsOnB3' } });
    assert.equal(basic.statusCode, 401);
  });

  test('when the app is built, then request.actor is a declared request decorator, so every request has the field from the start', () => {
    assert.ok(app().hasRequestDecorator('actor'));
  });
});
