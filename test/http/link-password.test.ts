/**
 * Password-protected links over HTTP, on both stores: the write-only field, the form at the short URL
 * (GET, HEAD, bots), the POST that unlocks, the unlock cookie, the limit of wrong tries, and that the
 * password (or its hash) is never in any answer.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { LightMyRequestResponse } from 'fastify';
import { describeEachDialect, problem, signUpAndIn, type Caller } from '../support/app.js';

const PASSWORD = 'open sesame 42';
/** Every answer's body, to check at the end that no password or hash was ever sent. */
const bodies: string[] = [];
const seen = (res: LightMyRequestResponse) => {
  bodies.push(res.body);
  return res;
};

const form = (password: string) => ({
  'content-type': 'application/x-www-form-urlencoded',
  payload: new URLSearchParams({ password }).toString(),
});

/** The kurz_unlock cookie an answer sets, as the browser would send it back (name=value). */
function unlockCookie(res: LightMyRequestResponse): { pair: string; attributes: string } {
  const header = [res.headers['set-cookie'] ?? []].flat().find((c) => c.startsWith('kurz_unlock='));
  assert.ok(header, `no unlock cookie: ${JSON.stringify(res.headers['set-cookie'])}`);
  const [pair, ...attributes] = header.split(';');
  return { pair: pair!, attributes: attributes.map((a) => a.trim()).join('; ') };
}

function assertForm(res: LightMyRequestResponse, code: string): void {
  assert.equal(res.headers.location, undefined, 'the form never names the target');
  assert.match(String(res.headers['content-type']), /^text\/html; charset=utf-8/);
  assert.equal(res.headers['cache-control'], 'private, no-store');
  const csp = String(res.headers['content-security-policy']);
  assert.match(csp, /default-src 'none'/);
  assert.match(csp, /style-src 'sha256-[A-Za-z0-9+/=]+'/);
  assert.match(csp, /frame-ancestors 'none'/);
  assert.doesNotMatch(csp, /script-src|form-action/, 'no script; form-action would block the 303 to the target in Chromium');
  if (res.body === '') return; // HEAD
  assert.match(res.body, new RegExp(`<form method="post" action="/${code}">`));
  assert.match(res.body, /<label for="password">Password<\/label>/);
  assert.match(res.body, /<input id="password" name="password" type="password"/);
  assert.match(res.body, /<h1>[^<]+<\/h1>/);
  assert.doesNotMatch(res.body, /<script/i);
  assert.doesNotMatch(res.body, /example\.com/, 'the target is not in the page');
}

describeEachDialect('password-protected links', ({ app, t, admin }) => {
  let dan: Caller;
  const create = async (payload: Record<string, unknown>) => {
    const res = seen(await app().inject({ method: 'POST', url: '/api/v1/links', headers: dan.auth, payload }));
    assert.equal(res.statusCode, 201, res.body);
    return res.json() as { id: string; code: string; has_password: boolean };
  };
  const edit = async (method: 'PATCH' | 'PUT', id: string, payload: Record<string, unknown>) => {
    const res = seen(await app().inject({ method, url: `/api/v1/links/${id}`, headers: dan.auth, payload }));
    assert.equal(res.statusCode, 200, res.body);
    return res.json() as { has_password: boolean };
  };
  const clicksOf = async (id: string) => {
    await t().ctx.clicks.flush();
    return seen(await app().inject({ url: `/api/v1/links/${id}`, headers: dan.auth })).json().clicks as number;
  };
  const visit = async (code: string, headers: Record<string, string> = {}, method: 'GET' | 'HEAD' = 'GET') =>
    seen(await app().inject({ method, url: `/${code}`, headers }));
  const unlock = async (code: string, password: string, remoteAddress = '127.0.0.1') =>
    seen(await app().inject({ method: 'POST', url: `/${code}`, remoteAddress, headers: { 'content-type': form(password)['content-type'] }, payload: form(password).payload }));

  before(async () => {
    dan = await signUpAndIn(app());
  });

  test('when a link is created with a password, then its JSON says has_password and never carries the password', async () => {
    const link = await create({ url: 'https://example.com/p1', password: PASSWORD });
    assert.equal(link.has_password, true);
    assert.equal('password' in link, false);
    const read = seen(await app().inject({ url: `/api/v1/links/${link.id}`, headers: dan.auth })).json();
    assert.equal(read.has_password, true);
    const listed = seen(await app().inject({ url: '/api/v1/links', headers: dan.auth })).json();
    assert.equal(listed.data.find((l: { id: string }) => l.id === link.id).has_password, true);
    const plain = await create({ url: 'https://example.com/p1-plain' });
    assert.equal(plain.has_password, false);
  });

  test('when a password is shorter than 4 or longer than 256 characters, then the write is refused naming the field', async () => {
    for (const password of ['abc', 'x'.repeat(257)]) {
      const res = await app().inject({ method: 'POST', url: '/api/v1/links', headers: dan.auth, payload: { url: 'https://example.com/short', password } });
      assert.equal(res.statusCode, 400);
      assert.ok(problem(res).errors?.some((e) => e.field === 'password'), res.body);
    }
  });

  test('when a protected link is visited (GET, HEAD, a preview bot), then the form answers 200 with no Location, and nothing is counted', async () => {
    const link = await create({ url: 'https://example.com/p2', password: PASSWORD, redirect_type: 301 });
    const get = await visit(link.code);
    assert.equal(get.statusCode, 200);
    assertForm(get, link.code);
    assert.doesNotMatch(get.body, /id="password-error"|aria-describedby/, 'no error before a try');
    const head = await visit(link.code, {}, 'HEAD');
    assert.equal(head.statusCode, 200);
    assert.equal(head.body, '');
    assertForm(head, link.code);
    const bot = await visit(link.code, { 'user-agent': 'Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)' });
    assert.equal(bot.statusCode, 200);
    assertForm(bot, link.code);
    assert.equal(await clicksOf(link.id), 0);
  });

  test('when a wrong password is posted, then the form comes back with the error linked to the input, no cookie, no click', async () => {
    const link = await create({ url: 'https://example.com/p3', password: PASSWORD });
    const res = await unlock(link.code, 'not it');
    assert.equal(res.statusCode, 200);
    assertForm(res, link.code);
    assert.match(res.body, /<p class="error" id="password-error" role="alert">Wrong password\. Please try again\.<\/p>/);
    assert.match(res.body, /aria-invalid="true" aria-describedby="password-error"/);
    assert.equal(res.headers['set-cookie'], undefined);
    const empty = await unlock(link.code, '');
    assert.equal(empty.statusCode, 200, 'an empty password is a wrong one');
    assert.equal(await clicksOf(link.id), 0);
  });

  test('when the right password is posted, then 303 to the target with a host-only cookie for that code, and the click is counted once', async () => {
    const link = await create({ url: 'https://example.com/p4?x=1', password: PASSWORD, redirect_type: 308 });
    const res = await unlock(link.code, PASSWORD);
    assert.equal(res.statusCode, 303);
    assert.equal(res.headers.location, 'https://example.com/p4?x=1');
    assert.equal(res.headers['cache-control'], 'private, no-store');
    const { attributes } = unlockCookie(res);
    assert.equal(attributes, `Path=/${link.code}; Max-Age=3600; HttpOnly; SameSite=Lax`, 'no Domain, no Secure on http');
    assert.equal(await clicksOf(link.id), 1);
  });

  test('when a GET carries the unlock cookie, then it redirects with the link\'s type and counts; without it, the form again', async () => {
    const link = await create({ url: 'https://example.com/p5', password: PASSWORD, redirect_type: 307 });
    const { pair } = unlockCookie(await unlock(link.code, PASSWORD));
    const again = await visit(link.code, { cookie: `other=1; ${pair}` });
    assert.equal(again.statusCode, 307);
    assert.equal(again.headers.location, 'https://example.com/p5');
    assert.equal(again.headers['cache-control'], 'private, no-store');
    assert.equal(await clicksOf(link.id), 2);
    const head = await visit(link.code, { cookie: pair }, 'HEAD');
    assert.equal(head.statusCode, 200, 'HEAD never gets a Location');
    assert.equal(head.headers.location, undefined);
    assert.equal((await visit(link.code)).statusCode, 200);
    assert.equal(await clicksOf(link.id), 2);
  });

  test('when the cookie is another code\'s, tampered with or expired, then it opens nothing', async () => {
    const a = await create({ url: 'https://example.com/p6a', password: PASSWORD });
    const b = await create({ url: 'https://example.com/p6b', password: PASSWORD });
    const { pair } = unlockCookie(await unlock(a.code, PASSWORD));
    const other = await visit(b.code, { cookie: pair });
    assert.equal(other.statusCode, 200, 'a cookie of link A does not open link B');
    assertForm(other, b.code);
    const [name, value] = pair.split('=') as [string, string];
    const [id, expiry, mac] = decodeURIComponent(value).split('.') as [string, string, string];
    for (const forged of [`${id}.${Number(expiry) + 86_400}.${mac}`, `${id}.${expiry}.${mac.slice(0, -4)}AAAA`, `${id}.${expiry}`, 'garbage']) {
      const res = await visit(a.code, { cookie: `${name}=${encodeURIComponent(forged)}` });
      assert.equal(res.statusCode, 200, forged);
      assert.equal(res.headers.location, undefined);
    }
    t().clock.now += 3_600_000;
    try {
      assert.equal((await visit(a.code, { cookie: pair })).statusCode, 200, 'expired after an hour');
    } finally {
      t().clock.now -= 3_600_000;
    }
    assert.equal((await visit(a.code, { cookie: pair })).statusCode, 302, 'the untouched cookie still opens A');
  });

  test('when the password is changed, then old cookies open nothing and only the new password unlocks', async () => {
    const link = await create({ url: 'https://example.com/p7', password: PASSWORD });
    const { pair } = unlockCookie(await unlock(link.code, PASSWORD));
    assert.equal((await edit('PATCH', link.id, { password: 'a new password' })).has_password, true);
    assert.equal((await visit(link.code, { cookie: pair })).statusCode, 200);
    assert.equal((await unlock(link.code, PASSWORD)).statusCode, 200, 'the old password is wrong now');
    assert.equal((await unlock(link.code, 'a new password')).statusCode, 303);
  });

  test('when the password is removed (null on PATCH, left out of PUT), then the link redirects to everyone', async () => {
    const link = await create({ url: 'https://example.com/p8', password: PASSWORD });
    assert.equal((await edit('PATCH', link.id, { title: 'kept' })).has_password, true, 'a PATCH without password keeps it');
    assert.equal((await edit('PATCH', link.id, { password: null })).has_password, false);
    assert.equal((await visit(link.code)).statusCode, 302);
    await edit('PATCH', link.id, { password: PASSWORD });
    assert.equal((await visit(link.code)).statusCode, 200);
    assert.equal((await edit('PUT', link.id, { url: 'https://example.com/p8' })).has_password, false);
    assert.equal((await visit(link.code)).statusCode, 302);
    const posted = await unlock(link.code, 'anything');
    assert.equal(posted.statusCode, 303, 'a form posted after the password was removed goes on');
    assert.equal(posted.headers['set-cookie'], undefined);
  });

  test('when a protected link has a click limit, then only unlocked visits count, exactly, and a used-up one is 410', async () => {
    const link = await create({ url: 'https://example.com/p9', password: PASSWORD, max_clicks: 1 });
    assert.equal((await visit(link.code)).statusCode, 200);
    const { pair } = unlockCookie(await unlock(link.code, PASSWORD));
    assert.equal(await clicksOf(link.id), 1);
    assert.equal((await visit(link.code, { cookie: pair })).statusCode, 410);
    assert.equal((await visit(link.code)).statusCode, 410, 'no form for a link that can no longer open');
    assert.equal((await unlock(link.code, PASSWORD)).statusCode, 410);
    assert.equal(await clicksOf(link.id), 1);
  });

  test('when a protected link has expired or does not exist, then GET and POST answer 410 and 404 problems', async () => {
    const link = await create({ url: 'https://example.com/p10', password: PASSWORD, expires_at: new Date(t().clock.now + 60_000).toISOString() });
    t().clock.now += 120_000;
    try {
      for (const res of [await visit(link.code), await unlock(link.code, PASSWORD)]) {
        assert.equal(res.statusCode, 410);
        assert.equal(problem(res).status, 410);
      }
    } finally {
      t().clock.now -= 120_000;
    }
    const missing = await unlock('nosuchcode', PASSWORD);
    assert.equal(missing.statusCode, 404);
    assert.equal(problem(missing).status, 404);
  });

  test('when the form is posted as JSON, then 415; a body without a password field is a 400', async () => {
    const link = await create({ url: 'https://example.com/p11', password: PASSWORD });
    const json = await app().inject({ method: 'POST', url: `/${link.code}`, payload: { password: PASSWORD } });
    assert.equal(json.statusCode, 415);
    assert.equal(problem(json).status, 415);
    const none = await app().inject({ method: 'POST', url: `/${link.code}`, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'other=1' });
    assert.equal(none.statusCode, 400);
    assert.equal(await clicksOf(link.id), 0);
  });

  test('when the same code is protected on two domains, then each host has its own form, password and cookie', async () => {
    const domain = seen(await app().inject({ method: 'POST', url: '/api/v1/domains', headers: admin().auth, payload: { hostname: 'go.example' } }));
    assert.equal(domain.statusCode, 201, domain.body);
    const mine = await create({ url: 'https://example.com/d-default', code: 'samecode', password: PASSWORD });
    const theirs = seen(await app().inject({
      method: 'POST', url: '/api/v1/links', headers: admin().auth,
      payload: { url: 'https://example.com/d-custom', code: 'samecode', domain: 'go.example', password: 'another one' },
    }));
    assert.equal(theirs.statusCode, 201, theirs.body);
    const onCustom = (extra: Record<string, unknown> = {}) => app().inject({ url: '/samecode', headers: { host: 'go.example' }, ...extra });
    const form = await onCustom();
    assert.equal(form.statusCode, 200);
    assertForm(form, 'samecode');
    const { pair } = unlockCookie(await unlock(mine.code, PASSWORD));
    assert.equal((await onCustom({ headers: { host: 'go.example', cookie: pair } })).statusCode, 200, 'the default domain\'s cookie does not open the custom domain\'s link');
    const wrong = await app().inject({ method: 'POST', url: '/samecode', headers: { host: 'go.example', 'content-type': 'application/x-www-form-urlencoded' }, payload: `password=${encodeURIComponent(PASSWORD)}` });
    assert.equal(wrong.statusCode, 200, 'the default link\'s password is not the custom one\'s');
    const right = await app().inject({ method: 'POST', url: '/samecode', headers: { host: 'go.example', 'content-type': 'application/x-www-form-urlencoded' }, payload: 'password=another+one' });
    assert.equal(right.statusCode, 303);
    assert.equal(right.headers.location, 'https://example.com/d-custom');
    const custom = unlockCookie(right).pair;
    const through = await onCustom({ headers: { host: 'go.example', cookie: custom } });
    assert.equal(through.statusCode, 302);
    assert.equal(through.headers.location, 'https://example.com/d-custom');
  });

  test('when all is done, then no answer ever carried a password or a hash', () => {
    const all = bodies.join('\n');
    for (const secret of [PASSWORD, 'a new password', '$argon2']) assert.ok(!all.includes(secret), `${secret} was in an answer`);
  });
});

describeEachDialect('wrong passwords of a protected link, and an https BASE_URL', ({ app }) => {
  let dan: Caller;
  const unlock = (code: string, password: string, remoteAddress = '127.0.0.1') =>
    app().inject({ method: 'POST', url: `/${code}`, remoteAddress, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: new URLSearchParams({ password }).toString() });
  const create = async (payload: Record<string, unknown>) =>
    (await app().inject({ method: 'POST', url: '/api/v1/links', headers: dan.auth, payload })).json() as { id: string; code: string };

  before(async () => {
    dan = await signUpAndIn(app());
  });

  test('when a client tries too many wrong passwords, then 429 with Retry-After, the RateLimit fields and the wait in the form, for that link and address only', async () => {
    const link = await create({ url: 'https://example.com/r1', password: PASSWORD });
    for (let i = 0; i < 3; i++) {
      const res = await unlock(link.code, `wrong ${i}`);
      assert.equal(res.statusCode, 200);
      assert.equal(res.headers['ratelimit-remaining'], String(2 - i));
    }
    const refused = await unlock(link.code, 'wrong again');
    assert.equal(refused.statusCode, 429);
    const wait = Number(refused.headers['retry-after']);
    assert.ok(wait >= 1 && wait <= 20, `retry-after ${wait}`);
    assert.equal(refused.headers['ratelimit-limit'], '3');
    assert.equal(refused.headers['ratelimit-remaining'], '0');
    assert.match(refused.body, new RegExp(`Too many tries\\. Try again in ${wait} seconds?\\.`));
    assert.match(refused.body, /aria-invalid="true" aria-describedby="password-error"/);
    assert.equal((await unlock(link.code, PASSWORD)).statusCode, 429, 'not even the right password is checked while refused');
    assert.equal((await unlock(link.code, PASSWORD, '10.9.8.7')).statusCode, 303, 'another address has its own bucket');
    const other = await create({ url: 'https://example.com/r1b', password: PASSWORD });
    assert.equal((await unlock(other.code, 'wrong')).statusCode, 200, 'another link has its own bucket');
  });

  test('when the right password is given, then it spends no try', async () => {
    const link = await create({ url: 'https://example.com/r2', password: PASSWORD });
    for (let i = 0; i < 5; i++) assert.equal((await unlock(link.code, PASSWORD)).statusCode, 303);
    assert.equal((await unlock(link.code, 'wrong')).headers['ratelimit-remaining'], '2');
  });

  test('when BASE_URL is https, then the unlock cookie is Secure too', async () => {
    const link = await create({ url: 'https://example.com/r3', password: PASSWORD });
    const cookie = String((await unlock(link.code, PASSWORD)).headers['set-cookie']);
    assert.match(cookie, new RegExp(`^kurz_unlock=[^;]+; Path=/${link.code}; Max-Age=3600; HttpOnly; SameSite=Lax; Secure$`));
  });
}, { env: { RATE_LINK_PASSWORD: '3:0.2', BASE_URL: 'https://kurz.test' } });
