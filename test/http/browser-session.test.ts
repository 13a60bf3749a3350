import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { LightMyRequestResponse } from 'fastify';
import { createTestApp, describeEachDialect, problem, signUpAndIn } from '../support/app.js';

const SESSION = '/api/v1/auth/session';
const CSRF = { 'x-kurz-csrf': '1' };
const EMAIL = 'dora@example.com';
const PASSWORD = 'explorer of maps';

/** The response's Set-Cookie headers, always as a list. */
function setCookies(res: LightMyRequestResponse): string[] {
  const header = res.headers['set-cookie'];
  return header === undefined ? [] : Array.isArray(header) ? header : [String(header)];
}

/** The single kurz_refresh cookie a response sets: its raw header and its value. */
function refreshCookie(res: LightMyRequestResponse): { header: string; value: string } {
  const all = setCookies(res);
  assert.equal(all.length, 1, `one Set-Cookie expected, got ${JSON.stringify(all)}`);
  const header = all[0]!;
  const match = /^kurz_refresh=([^;]*);/.exec(header);
  assert.ok(match, `not a kurz_refresh cookie: ${header}`);
  return { header, value: decodeURIComponent(match[1]!) };
}

/** Asserts the response deletes the cookie: empty value, Max-Age=0, same path and flags. */
function assertCleared(res: LightMyRequestResponse, secure = false): void {
  const { header } = refreshCookie(res);
  assert.equal(header, `kurz_refresh=; Path=${SESSION}; Max-Age=0; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}`);
}

describeEachDialect('browser session API', ({ app, t }) => {
  const ttl = () => t().ctx.config.refreshTokenTtlSeconds;
  const signIn = (headers: Record<string, string> = CSRF, payload: object = { email: EMAIL, password: PASSWORD }) =>
    app().inject({ method: 'POST', url: SESSION, headers, payload });
  const refresh = (value: string | undefined, headers: Record<string, string> = CSRF) =>
    app().inject({ method: 'POST', url: `${SESSION}/refresh`, headers: { ...headers, ...(value !== undefined && { cookie: `kurz_refresh=${encodeURIComponent(value)}` }) } });
  const signOut = (value: string | undefined, headers: Record<string, string> = CSRF) =>
    app().inject({ method: 'DELETE', url: SESSION, headers: { ...headers, ...(value !== undefined && { cookie: `kurz_refresh=${encodeURIComponent(value)}` }) } });
  const me = (accessToken: string) => app().inject({ url: '/api/v1/users/me', headers: { authorization: `Bearer ${accessToken}` } });
  /** A fresh browser session: the cookie's value. */
  const session = async () => {
    const res = await signIn();
    assert.equal(res.statusCode, 200, res.body);
    return refreshCookie(res).value;
  };

  before(async () => {
    await signUpAndIn(app(), EMAIL, PASSWORD);
  });

  test('when a browser signs in with the CSRF header, answers 200 with the access token only, no-store, and the refresh token in an HttpOnly SameSite=Strict cookie on the session path', async () => {
    const res = await signIn(CSRF, { email: 'DORA@example.com', password: PASSWORD });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.headers['cache-control'], 'no-store');
    const body = res.json();
    assert.deepEqual(Object.keys(body).sort(), ['access_token', 'expires_in', 'token_type'], 'no refresh_token in the body');
    assert.equal(body.token_type, 'Bearer');
    assert.equal(body.expires_in, t().ctx.tokens.ttlSeconds);
    const { header, value } = refreshCookie(res);
    assert.equal(header, `kurz_refresh=${encodeURIComponent(value)}; Path=${SESSION}; Max-Age=${ttl()}; HttpOnly; SameSite=Strict`);
    assert.doesNotMatch(header, /Secure/, 'no Secure flag on an http BASE_URL');
    assert.ok(value.length > 20, 'the cookie carries the refresh token');
    assert.ok(!res.body.includes(value), 'the refresh token is not in the body');
    const who = await me(body.access_token);
    assert.equal(who.statusCode, 200);
    assert.equal(who.json().email, EMAIL);
    assert.equal((await refresh(value)).statusCode, 200, 'the cookie is a working refresh token');
  });

  test('when the password is wrong or the email unknown, answers 401 problem and sets no cookie', async () => {
    for (const payload of [{ email: EMAIL, password: 'wrong password' }, { email: 'nobody@example.com', password: PASSWORD }]) {
      const res = await signIn(CSRF, payload);
      assert.equal(res.statusCode, 401, payload.email);
      assert.equal(problem(res).detail, 'invalid email or password');
      assert.deepEqual(setCookies(res), [], 'no cookie');
    }
  });

  test('when the sign-in body is invalid, answers 400 problem and sets no cookie', async () => {
    const res = await signIn(CSRF, { email: EMAIL });
    assert.equal(res.statusCode, 400);
    assert.ok(problem(res).errors?.some((e) => e.field === 'password'));
    assert.deepEqual(setCookies(res), []);
  });

  test('when the cookie is presented to refresh, answers a new access token that works, and rotates the cookie to a new value', async () => {
    const first = await session();
    const res = await refresh(first);
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.headers['cache-control'], 'no-store');
    const body = res.json();
    assert.deepEqual(Object.keys(body).sort(), ['access_token', 'expires_in', 'token_type']);
    assert.equal(body.token_type, 'Bearer');
    const { header, value: second } = refreshCookie(res);
    assert.notEqual(second, first, 'a new refresh token');
    assert.equal(header, `kurz_refresh=${encodeURIComponent(second)}; Path=${SESSION}; Max-Age=${ttl()}; HttpOnly; SameSite=Strict`);
    const who = await me(body.access_token);
    assert.equal(who.statusCode, 200);
    assert.equal(who.json().email, EMAIL);
    const third = await refresh(second);
    assert.equal(third.statusCode, 200, 'the rotated cookie works once in turn');
    assert.notEqual(refreshCookie(third).value, second);
  });

  test('when the cookie is sent among other cookies, refresh still finds it', async () => {
    const value = await session();
    const res = await app().inject({
      method: 'POST', url: `${SESSION}/refresh`,
      headers: { ...CSRF, cookie: `theme=dark; kurz_refresh=${encodeURIComponent(value)}; other=x%3By` },
    });
    assert.equal(res.statusCode, 200, res.body);
  });

  test('when an already rotated cookie is presented again, answers 401 clearing the cookie and revokes the whole family, newest cookie included', async () => {
    const first = await session();
    const rotated = await refresh(first);
    const second = refreshCookie(rotated).value;
    const reuse = await refresh(first);
    assert.equal(reuse.statusCode, 401);
    problem(reuse);
    assertCleared(reuse);
    const newest = await refresh(second);
    assert.equal(newest.statusCode, 401, 'the newest cookie of the family stops working too');
    assertCleared(newest);
    const other = await session();
    assert.equal((await refresh(other)).statusCode, 200, 'another sign-in\'s session is untouched');
  });

  test('when no cookie is sent, refresh answers 401 problem', async () => {
    const res = await refresh(undefined);
    assert.equal(res.statusCode, 401);
    problem(res);
  });

  test('when the cookie is not a refresh token, refresh answers 401 and clears the cookie', async () => {
    for (const bogus of ['garbage', 'abc.def', '']) {
      const res = await refresh(bogus);
      assert.equal(res.statusCode, 401, JSON.stringify(bogus));
      problem(res);
      if (bogus !== '') assertCleared(res);
    }
  });

  test('when the cookie value is not valid percent-encoding, refresh answers 401 and sign-out answers 204 clearing it, never 500', async () => {
    for (const raw of ['%', '%E0%A4%A', 'abc%zz.def']) {
      const headers = { ...CSRF, cookie: `kurz_refresh=${raw}` };
      const refreshed = await app().inject({ method: 'POST', url: `${SESSION}/refresh`, headers });
      assert.equal(refreshed.statusCode, 401, `refresh with ${raw}: ${refreshed.body}`);
      problem(refreshed);
      if (setCookies(refreshed).length > 0) assertCleared(refreshed);
      const signedOut = await app().inject({ method: 'DELETE', url: SESSION, headers });
      assert.equal(signedOut.statusCode, 204, `sign-out with ${raw}: ${signedOut.body}`);
      assertCleared(signedOut);
    }
  });

  test('when the browser signs out, answers 204, clears the cookie, and the refresh token no longer works', async () => {
    const value = await session();
    const res = await signOut(value);
    assert.equal(res.statusCode, 204);
    assert.equal(res.body, '');
    assertCleared(res);
    const after = await refresh(value);
    assert.equal(after.statusCode, 401, 'revoked');
    problem(after);
  });

  test('when a stale bearer token comes along (an expired access token), sign-out and refresh still work', async () => {
    const stale = { ...CSRF, authorization: 'Bearer not-a-valid-token' };
    const refreshed = await refresh(await session(), stale);
    assert.equal(refreshed.statusCode, 200, refreshed.body);
    const res = await signOut(refreshCookie(refreshed).value, stale);
    assert.equal(res.statusCode, 204, res.body);
    assertCleared(res);
  });

  test('when a rotated session signs out, its whole family ends', async () => {
    const first = await session();
    const second = refreshCookie(await refresh(first)).value;
    assert.equal((await signOut(second)).statusCode, 204);
    assert.equal((await refresh(second)).statusCode, 401);
  });

  test('when the browser signs out without a cookie or with a bogus one, answers 204 and clears the cookie', async () => {
    for (const value of [undefined, 'garbage', 'nope.nope']) {
      const res = await signOut(value);
      assert.equal(res.statusCode, 204, String(value));
      assertCleared(res);
    }
  });

  test('when the x-kurz-csrf header is missing or not "1", every session route answers 403 problem and changes nothing', async () => {
    const value = await session();
    for (const headers of [{}, { 'x-kurz-csrf': '0' }, { 'x-kurz-csrf': 'true' }, { 'x-kurz-csrf': '' }] as Record<string, string>[]) {
      const label = JSON.stringify(headers);
      const signedIn = await signIn(headers);
      assert.equal(signedIn.statusCode, 403, `sign-in ${label}`);
      assert.equal(problem(signedIn).status, 403);
      assert.deepEqual(setCookies(signedIn), [], `sign-in ${label} sets no cookie`);

      const refreshed = await refresh(value, headers);
      assert.equal(refreshed.statusCode, 403, `refresh ${label}`);
      problem(refreshed);
      assert.deepEqual(setCookies(refreshed), [], `refresh ${label} leaves the cookie alone`);

      const signedOut = await signOut(value, headers);
      assert.equal(signedOut.statusCode, 403, `sign-out ${label}`);
      problem(signedOut);
      assert.deepEqual(setCookies(signedOut), [], `sign-out ${label} leaves the cookie alone`);
    }
    // Neither the refused refreshes (which would have rotated it) nor the refused sign-outs touched the session.
    assert.equal((await refresh(value)).statusCode, 200, 'the session still works, unrotated and unrevoked');
  });

  test('when the Origin is not Kurz\'s own, every session route answers 403 problem even with the header, and changes nothing', async () => {
    const value = await session();
    for (const origin of ['http://evil.test', 'https://kurz.test', 'http://kurz.test:8080', 'http://sub.kurz.test', 'null']) {
      const headers = { ...CSRF, origin };
      const signedIn = await signIn(headers);
      assert.equal(signedIn.statusCode, 403, `sign-in from ${origin}`);
      problem(signedIn);
      assert.deepEqual(setCookies(signedIn), []);
      const refreshed = await refresh(value, headers);
      assert.equal(refreshed.statusCode, 403, `refresh from ${origin}`);
      problem(refreshed);
      assert.deepEqual(setCookies(refreshed), []);
      const signedOut = await signOut(value, headers);
      assert.equal(signedOut.statusCode, 403, `sign-out from ${origin}`);
      problem(signedOut);
      assert.deepEqual(setCookies(signedOut), []);
    }
    assert.equal((await refresh(value)).statusCode, 200, 'the session still works');
  });

  test('when the Origin is Kurz\'s own (http://kurz.test), every session route is allowed', async () => {
    const headers = { ...CSRF, origin: 'http://kurz.test' };
    const signedIn = await signIn(headers);
    assert.equal(signedIn.statusCode, 200, signedIn.body);
    const refreshed = await refresh(refreshCookie(signedIn).value, headers);
    assert.equal(refreshed.statusCode, 200, refreshed.body);
    const latest = refreshCookie(refreshed).value;
    const signedOut = await signOut(latest, headers);
    assert.equal(signedOut.statusCode, 204);
    assertCleared(signedOut);
    assert.equal((await refresh(latest)).statusCode, 401);
  });

  test('when the session cookie is sent to the JSON refresh route, it works there too: one refresh token, two ways to present it', async () => {
    const value = await session();
    const res = await app().inject({ method: 'POST', url: '/api/v1/auth/refresh', payload: { refresh_token: value } });
    assert.equal(res.statusCode, 200);
    assert.ok(res.json().refresh_token, 'the JSON route still answers the pair');
    assert.equal((await refresh(value)).statusCode, 401, 'and the cookie is now a reused token');
  });
});

test('when BASE_URL is https, the session cookie and its clearing carry Secure, and only the https origin is allowed', async () => {
  const { app, close } = await createTestApp('sqlite', { env: { BASE_URL: 'https://kurz.test' } });
  try {
    await signUpAndIn(app, EMAIL, PASSWORD);
    const signIn = (origin: string) => app.inject({ method: 'POST', url: SESSION, headers: { ...CSRF, origin }, payload: { email: EMAIL, password: PASSWORD } });
    const refused = await signIn('http://kurz.test');
    assert.equal(refused.statusCode, 403, 'the http origin is another origin');
    const res = await signIn('https://kurz.test');
    assert.equal(res.statusCode, 200, res.body);
    const { header, value } = refreshCookie(res);
    assert.match(header, /; HttpOnly; SameSite=Strict; Secure$/);
    const refreshed = await app.inject({ method: 'POST', url: `${SESSION}/refresh`, headers: { ...CSRF, cookie: `kurz_refresh=${encodeURIComponent(value)}` } });
    assert.match(refreshCookie(refreshed).header, /; Secure$/);
    const out = await app.inject({ method: 'DELETE', url: SESSION, headers: { ...CSRF, cookie: `kurz_refresh=${encodeURIComponent(value)}` } });
    assert.equal(out.statusCode, 204);
    assertCleared(out, true);
  } finally {
    await close();
  }
});
