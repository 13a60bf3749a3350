import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { InjectOptions } from 'fastify';
import { describeEachDialect, problem, signUpAndIn, type Caller } from '../support/app.js';

/** A NUL, other C0 controls, DEL, and unpaired surrogates: no field of the API needs any of them. */
const HOSTILE = ['\u0000', '\u0001', '\t', '\n', '\u001b', '\u001f', '\u007f', '\ud800', '\udfff'];
const CSRF = { 'x-kurz-csrf': '1' };
/** A lone surrogate has no UTF-8 form, so no URL can carry one: those cases are sent in bodies only. */
const enc = (s: string): string => {
  try {
    return encodeURIComponent(s);
  } catch {
    return '';
  }
};

describeEachDialect('control characters in requests', ({ app, admin }) => {
  let ann: Caller;
  let linkId: string;

  before(async () => {
    ann = await signUpAndIn(app());
    linkId = (await app().inject({ method: 'POST', url: '/api/v1/links', headers: ann.auth, payload: { url: 'https://example.com/cc', title: 'kept' } })).json().id;
  });

  /** Everything a refused request could have changed: users, ann's links (with their fields) and API keys. */
  const snapshot = async () => {
    const read = async (url: string, caller: Caller) => (await app().inject({ url, headers: caller.auth })).json();
    return {
      users: await read('/api/v1/users?limit=100', admin()),
      links: await read('/api/v1/links?limit=100', ann),
      keys: await read('/api/v1/api-keys', ann),
    };
  };

  /** Each place the API reads a string, with the field its 400 must name; `s` is the hostile string. */
  const places = (s: string): [string, InjectOptions][] => [
    ['email', { method: 'POST', url: '/api/v1/auth/token', payload: { email: `a${s}b@example.com`, password: 'whatever' } }],
    ['email', { method: 'POST', url: '/api/v1/auth/session', headers: CSRF, payload: { email: `a${s}b@example.com`, password: 'whatever' } }],
    ['refresh_token', { method: 'POST', url: '/api/v1/auth/refresh', payload: { refresh_token: `a${s}b.c` } }],
    ['refresh_token', { method: 'POST', url: '/api/v1/auth/revoke', payload: { refresh_token: `a${s}b.c` } }],
    ['name', { method: 'POST', url: '/api/v1/users', payload: { email: 'new-cc@example.com', password: 'long enough pw', name: `a${s}b` } }],
    ['title', { method: 'POST', url: '/api/v1/links', headers: ann.auth, payload: { url: 'https://example.com/x', title: `a${s}b` } }],
    ['tags[1]', { method: 'POST', url: '/api/v1/links', headers: ann.auth, payload: { url: 'https://example.com/x', tags: ['ok', `a${s}b`] } }],
    ['url', { method: 'POST', url: '/api/v1/links', headers: ann.auth, payload: { url: `https://example.com/a${s}b` } }],
    ['title', { method: 'PATCH', url: `/api/v1/links/${linkId}`, headers: ann.auth, payload: { title: `a${s}b` } }],
    ['name', { method: 'POST', url: '/api/v1/api-keys', headers: ann.auth, payload: { name: `a${s}b` } }],
    ['q', { url: `/api/v1/links?q=${enc(`a${s}b`)}`, headers: ann.auth }],
    ['tag', { url: `/api/v1/links?tag=${enc(`a${s}b`)}`, headers: ann.auth }],
    ['cursor', { url: `/api/v1/links?cursor=${enc(`a${s}b`)}`, headers: ann.auth }],
    ['cursor', { url: `/api/v1/users?cursor=${enc(`a${s}b`)}`, headers: admin().auth }],
    ['id', { url: `/api/v1/links/${enc(`a${s}b`)}`, headers: ann.auth }],
    ['id', { method: 'DELETE', url: `/api/v1/links/${enc(`a${s}b`)}`, headers: ann.auth }],
    ['id', { url: `/api/v1/users/${enc(`a${s}b`)}`, headers: ann.auth }],
    ['id', { method: 'DELETE', url: `/api/v1/api-keys/${enc(`a${s}b`)}`, headers: ann.auth }],
    ['code', { url: `/${enc(`ab${s}c`)}` }],
    ['utm', { url: `/abcdef?utm=${enc(`a${s}b`)}` }],
    ['kurz_refresh', { method: 'POST', url: '/api/v1/auth/session/refresh', headers: { ...CSRF, cookie: `kurz_refresh=${enc(`a${s}b.c`)}` } }],
  ];

  test('when a string anywhere in a request holds a NUL, then 400 naming the field, and nothing changes', async () => {
    const before = await snapshot();
    for (const [field, request] of places('\u0000')) {
      const res = await app().inject(request);
      const what = `${request.method ?? 'GET'} ${request.url} → ${res.statusCode} ${res.body}`;
      assert.equal(res.statusCode, 400, what);
      assert.deepEqual(problem(res).errors?.map((e) => e.field), [field], what);
    }
    assert.deepEqual(await snapshot(), before);
  });

  test('when a string holds another C0 control, DEL or an unpaired surrogate, then 400 naming the field, and nothing changes', async () => {
    const before = await snapshot();
    for (const s of HOSTILE) {
      for (const [field, request] of places(s)) {
        if (/[\ud800-\udfff]/.test(s) && request.payload === undefined) continue;
        const res = await app().inject(request);
        const what = `${JSON.stringify(s)} in ${request.method ?? 'GET'} ${String(request.url).slice(0, 60)} → ${res.statusCode} ${res.body}`;
        assert.equal(res.statusCode, 400, what);
        assert.equal(problem(res).errors?.[0]?.field, field, what);
      }
    }
    assert.deepEqual(await snapshot(), before);
  });

  test('when a property name holds a NUL, then 400, and nothing changes', async () => {
    const res = await app().inject({
      method: 'POST', url: '/api/v1/links', headers: { ...ann.auth, 'content-type': 'application/json' },
      payload: '{"url":"https://example.com/k","a\\u0000b":1}',
    });
    assert.equal(res.statusCode, 400, res.body);
    assert.equal(problem(res).type, 'urn:kurz:problem:validation');
  });

  test('when a bearer credential holds a control character, then 401, never 5xx', async () => {
    for (const token of ['a\u0000b', 'kz_a\u0000b_c', 'kz_\u0001', '\u007f']) {
      const res = await app().inject({ url: '/api/v1/users/me', headers: { authorization: `Bearer ${token}` } });
      assert.equal(res.statusCode, 401, `${JSON.stringify(token)} → ${res.body}`);
    }
  });

  test('when a string is deeply nested, then the check answers 400 and does not overflow the stack', async () => {
    const depth = 20_000;
    const payload = `{"url":"https://example.com/","tags":${'['.repeat(depth)}"a\\u0000"${']'.repeat(depth)}}`;
    const res = await app().inject({ method: 'POST', url: '/api/v1/links', headers: { ...ann.auth, 'content-type': 'application/json' }, payload });
    assert.equal(res.statusCode, 400, res.body.slice(0, 200));
  });

  test('when text is ordinary (accents, emoji, spaces), then it is accepted as before', async () => {
    const res = await app().inject({
      method: 'POST', url: '/api/v1/links', headers: ann.auth,
      payload: { url: 'https://example.com/ok', title: 'Crème brûlée 🍮 – a title', tags: ['déjà vu'] },
    });
    assert.equal(res.statusCode, 201, res.body);
    assert.equal(res.json().title, 'Crème brûlée 🍮 – a title');
  });
});
