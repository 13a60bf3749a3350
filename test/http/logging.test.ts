import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { loggerOptions } from '../../src/obs/logger.js';
import { createTestApp, signUpAndIn, type TestAppOptions } from '../support/app.js';

/** An app whose JSON log lines are collected, with the production logger options (redaction included). */
async function loggedApp(env: Record<string, string>, extra: TestAppOptions = {}) {
  const lines: Record<string, unknown>[] = [];
  const log = pino(loggerOptions('info'), { write: (line: string) => void lines.push(JSON.parse(line)) });
  return { t: await createTestApp('sqlite', { ...extra, env, log }), lines };
}

test('request logs carry the request id, and no password, token or key ever appears in them', async () => {
  const { t, lines } = await loggedApp({});
  try {
    const user = await signUpAndIn(t.app, 'logged@example.com', 'a secret password');
    const key = (await t.app.inject({ method: 'POST', url: '/api/v1/api-keys', headers: user.auth, payload: { name: 'k' } })).json().key;
    await t.app.inject({ url: '/api/v1/users/me', headers: { authorization: `Bearer ${key}`, 'x-request-id': 'trace-me-42' } });
    await t.app.inject({ method: 'POST', url: '/api/v1/auth/refresh', payload: { refresh_token: user.refreshToken } });
    const ours = lines.filter((l) => l.reqId === 'trace-me-42').map((l) => l.msg);
    assert.deepEqual(ours, ['incoming request', 'request completed']);
    const all = JSON.stringify(lines);
    for (const secret of ['a secret password', user.token, user.refreshToken, key]) assert.ok(!all.includes(secret), 'a secret was logged');
  } finally {
    await t.close();
  }
});

test('with LOG_REQUESTS=0 and LOG_REDIRECTS=0 successful requests are not logged, failures (5xx) are', async () => {
  const { t, lines } = await loggedApp({ LOG_REQUESTS: '0', LOG_REDIRECTS: '0' }, { randomCode: () => 'Always1' });
  try {
    const user = await signUpAndIn(t.app);
    await t.app.inject({ method: 'POST', url: '/api/v1/links', headers: user.auth, payload: { url: 'https://example.com/1' } });
    for (let i = 0; i < 20; i++) await t.app.inject({ url: '/Always1' });
    assert.equal(lines.filter((l) => l.msg === 'incoming request' || l.msg === 'request completed').length, 0);
    // A second link can only draw the taken code: a 500, logged with its error.
    const failed = await t.app.inject({ method: 'POST', url: '/api/v1/links', headers: user.auth, payload: { url: 'https://example.com/2' } });
    assert.equal(failed.statusCode, 500);
    assert.ok(lines.some((l) => l.msg === 'request failed' && l.err));
    assert.ok(lines.some((l) => l.msg === 'request completed' && (l.res as { statusCode: number }).statusCode === 500));
  } finally {
    await t.close();
  }
});

test('redirects are logged at LOG_REDIRECTS, in one line each, apart from LOG_REQUESTS', async () => {
  const { t, lines } = await loggedApp({ LOG_REQUESTS: '1', LOG_REDIRECTS: '1' }, { randomCode: () => 'Always2' });
  try {
    const user = await signUpAndIn(t.app);
    await t.app.inject({ method: 'POST', url: '/api/v1/links', headers: user.auth, payload: { url: 'https://example.com/1' } });
    const before = lines.length;
    for (let i = 0; i < 5; i++) await t.app.inject({ url: '/Always2' });
    const redirects = lines.slice(before).filter((l) => l.msg === 'incoming request' || l.msg === 'request completed');
    assert.deepEqual(redirects.map((l) => l.msg), Array(5).fill('request completed'));
    assert.ok(redirects.every((l) => (l.res as { statusCode: number }).statusCode === 302 && typeof l.reqId === 'string'));
  } finally {
    await t.close();
  }
});

test('when a link\'s password is set, tried and given at debug level, then neither it nor its unlock cookie appears in the log', async () => {
  const lines: Record<string, unknown>[] = [];
  const log = pino(loggerOptions('debug'), { write: (line: string) => void lines.push(JSON.parse(line)) });
  const t = await createTestApp('sqlite', { env: { LOG_REQUESTS: '1', LOG_REDIRECTS: '1' }, log });
  try {
    const user = await signUpAndIn(t.app);
    const created = await t.app.inject({ method: 'POST', url: '/api/v1/links', headers: user.auth, payload: { url: 'https://example.com/logged', password: 'a link password' } });
    const { id, code } = created.json();
    await t.app.inject({ method: 'PATCH', url: `/api/v1/links/${id}`, headers: user.auth, payload: { password: 'the changed password' } });
    const form = (password: string) => t.app.inject({
      method: 'POST', url: `/${code}`, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: `password=${encodeURIComponent(password)}`,
    });
    await form('a wrong guess');
    const right = await form('the changed password');
    assert.equal(right.statusCode, 303);
    const cookie = String(right.headers['set-cookie']).split(';')[0]!;
    assert.equal((await t.app.inject({ url: `/${code}`, headers: { cookie } })).statusCode, 302);
    assert.ok(lines.some((l) => String(l.url ?? (l.req as { url?: string } | undefined)?.url).includes(code)), 'the visits were logged');
    const all = JSON.stringify(lines);
    for (const secret of ['a link password', 'the changed password', 'a wrong guess', cookie.split('=')[1]!, '$argon2']) {
      assert.ok(!all.includes(secret), `${secret} was logged`);
    }
  } finally {
    await t.close();
  }
});
