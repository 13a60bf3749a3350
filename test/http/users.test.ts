import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { createTestApp, describeEachDialect, problem, signUpAndIn, type Caller } from '../support/app.js';
import { DIALECTS } from '../support/stores.js';
import { AppError } from '../../src/domain/errors.js';
import { createAccount } from '../../src/use-cases/users.js';

/** Passwords NIST SP 800-63B would have refused, with the email they are tried for. */
const WEAK = (email: string) => ['password', '12345678', ' '.repeat(12), email, `${email.split('@')[0]}2024!`, 'qwertyuiop'];

for (const dialect of DIALECTS) {
  test(`the first user to sign up becomes admin, later ones are users (${dialect})`, async () => {
    const { app, ctx, close } = await createTestApp(dialect);
    try {
      const first = await app.inject({ method: 'POST', url: '/api/v1/users', payload: { email: 'First@Example.com', password: 'long enough', name: 'Ann' } });
      assert.equal(first.statusCode, 201);
      const user = first.json();
      assert.deepEqual(Object.keys(user).sort(), ['created_at', 'email', 'id', 'name', 'role']);
      assert.equal(user.role, 'admin');
      assert.equal(user.email, 'first@example.com');
      assert.equal(first.headers.location, `/api/v1/users/${user.id}`);
      const second = await app.inject({ method: 'POST', url: '/api/v1/users', payload: { email: 'second@example.com', password: 'long enough' } });
      assert.equal(second.json().role, 'user');
      const stored = await ctx.store.findUserByEmail('first@example.com');
      assert.match(stored!.passwordHash, /^\$argon2id\$/);
      assert.ok(!first.body.includes('argon2'), 'never a hash in a response');
    } finally {
      await close();
    }
  });

  test(`with SIGNUP=closed anonymous sign-up is 403 and an admin can still create accounts (${dialect})`, async () => {
    const { app, ctx, close } = await createTestApp(dialect, { env: { SIGNUP: 'closed' } });
    try {
      const denied = await app.inject({ method: 'POST', url: '/api/v1/users', payload: { email: 'x@example.com', password: 'long enough' } });
      assert.equal(denied.statusCode, 403);
      problem(denied);
      const { createAccount } = await import('../../src/use-cases/users.js');
      await createAccount(ctx, { email: 'root@example.com', password: 'long enough' });
      const tokens = (await app.inject({ method: 'POST', url: '/api/v1/auth/token', payload: { email: 'root@example.com', password: 'long enough' } })).json();
      const created = await app.inject({
        method: 'POST', url: '/api/v1/users', headers: { authorization: `Bearer ${tokens.access_token}` },
        payload: { email: 'x@example.com', password: 'long enough', role: 'admin' },
      });
      assert.equal(created.statusCode, 201);
      assert.equal(created.json().role, 'admin');
    } finally {
      await close();
    }
  });
}

describeEachDialect('users API', ({ app, admin }) => {
  let eve: Caller;
  let fay: Caller;
  before(async () => {
    eve = await signUpAndIn(app());
    fay = await signUpAndIn(app());
  });

  test('sign-up rejects a taken email with 409, a bad email or short password with 400 naming the field, and role from anyone but an admin with 403', async () => {
    const taken = await app().inject({ method: 'POST', url: '/api/v1/users', payload: { email: eve.email.toUpperCase(), password: 'long enough' } });
    assert.equal(taken.statusCode, 409);
    assert.equal(problem(taken).errors?.[0]?.field, 'email');
    const badEmail = await app().inject({ method: 'POST', url: '/api/v1/users', payload: { email: 'not-an-email', password: 'long enough' } });
    assert.equal(problem(badEmail).errors?.[0]?.field, 'email');
    const short = await app().inject({ method: 'POST', url: '/api/v1/users', payload: { email: 'ok@example.com', password: 'short' } });
    assert.equal(short.statusCode, 400);
    assert.equal(problem(short).errors?.[0]?.field, 'password');
    const role = await app().inject({ method: 'POST', url: '/api/v1/users', payload: { email: 'role@example.com', password: 'long enough', role: 'admin' } });
    assert.equal(role.statusCode, 403);
    assert.equal(problem(role).errors?.[0]?.field, 'role');
    const stillFree = await app().inject({ method: 'POST', url: '/api/v1/users', payload: { email: 'role@example.com', password: 'long enough' } });
    assert.equal(stillFree.statusCode, 201, 'the refused sign-up created nothing');
  });

  test('GET /users/me answers the caller; without a token 401', async () => {
    const me = await app().inject({ url: '/api/v1/users/me', headers: eve.auth });
    assert.equal(me.statusCode, 200);
    assert.equal(me.json().id, eve.id);
    const anon = await app().inject({ url: '/api/v1/users/me' });
    assert.equal(anon.statusCode, 401);
    assert.equal(anon.headers['www-authenticate'], 'Bearer');
  });

  test('a user reads themself; another user is 404; an admin reads anyone', async () => {
    assert.equal((await app().inject({ url: `/api/v1/users/${eve.id}`, headers: eve.auth })).statusCode, 200);
    assert.equal((await app().inject({ url: `/api/v1/users/${eve.id}`, headers: fay.auth })).statusCode, 404);
    assert.equal((await app().inject({ url: `/api/v1/users/${eve.id}`, headers: admin().auth })).json().email, eve.email);
    assert.equal((await app().inject({ url: '/api/v1/users/no-such-id', headers: admin().auth })).statusCode, 404);
  });

  test('listing users is for admins (403 otherwise), newest first, with a cursor', async () => {
    assert.equal((await app().inject({ url: '/api/v1/users', headers: eve.auth })).statusCode, 403);
    const first = (await app().inject({ url: '/api/v1/users?limit=2', headers: admin().auth })).json();
    assert.equal(first.data.length, 2);
    assert.equal(first.has_more, true);
    const rest = (await app().inject({ url: `/api/v1/users?limit=100&cursor=${first.next_cursor}`, headers: admin().auth })).json();
    const ids = [...first.data, ...rest.data].map((u: { id: string }) => u.id);
    assert.equal(new Set(ids).size, ids.length);
    assert.ok(ids.includes(admin().id) && ids.includes(eve.id) && ids.includes(fay.id));
    assert.ok(ids.indexOf(fay.id) < ids.indexOf(eve.id), 'newest first');
    assert.equal(rest.has_more, false);
    assert.equal(rest.next_cursor, null);
  });

  test('PATCH changes name and email; PUT replaces them (name left out becomes null)', async () => {
    const patched = await app().inject({ method: 'PATCH', url: `/api/v1/users/${eve.id}`, headers: eve.auth, payload: { name: 'Eve' } });
    assert.equal(patched.statusCode, 200);
    assert.equal(patched.json().name, 'Eve');
    const put = await app().inject({ method: 'PUT', url: `/api/v1/users/${eve.id}`, headers: eve.auth, payload: { email: 'eve.new@example.com', current_password: 'correct horse' } });
    assert.equal(put.statusCode, 200);
    assert.equal(put.json().email, 'eve.new@example.com');
    assert.equal(put.json().name, null);
    const clash = await app().inject({ method: 'PATCH', url: `/api/v1/users/${eve.id}`, headers: eve.auth, payload: { email: fay.email, current_password: 'correct horse' } });
    assert.equal(clash.statusCode, 409);
    eve.email = 'eve.new@example.com';
  });

  test('a user cannot change their role (403 naming role) or another user (404); an admin can', async () => {
    const self = await app().inject({ method: 'PATCH', url: `/api/v1/users/${eve.id}`, headers: eve.auth, payload: { role: 'admin' } });
    assert.equal(self.statusCode, 403);
    assert.equal(problem(self).errors?.[0]?.field, 'role');
    assert.equal((await app().inject({ url: '/api/v1/users/me', headers: eve.auth })).json().role, 'user');
    const other = await app().inject({ method: 'PATCH', url: `/api/v1/users/${fay.id}`, headers: eve.auth, payload: { name: 'x' } });
    assert.equal(other.statusCode, 404);
    const promoted = await app().inject({ method: 'PATCH', url: `/api/v1/users/${fay.id}`, headers: admin().auth, payload: { role: 'admin' } });
    assert.equal(promoted.json().role, 'admin');
    // The role is read per request, so fay's existing token now acts as admin.
    assert.equal((await app().inject({ url: '/api/v1/users', headers: fay.auth })).statusCode, 200);
    await app().inject({ method: 'PATCH', url: `/api/v1/users/${fay.id}`, headers: admin().auth, payload: { role: 'user' } });
  });

  test('fields a client must not set (id, created_at) are rejected with 400', async () => {
    const res = await app().inject({ method: 'PATCH', url: `/api/v1/users/${eve.id}`, headers: eve.auth, payload: { id: 'x', created_at: 'y' } });
    assert.equal(res.statusCode, 400);
    assert.deepEqual(problem(res).errors?.map((e) => e.field).sort(), ['created_at', 'id']);
  });

  test('changing the password signs out every refresh token; the new password works', async () => {
    const res = await app().inject({ method: 'PATCH', url: `/api/v1/users/${eve.id}`, headers: eve.auth, payload: { password: 'a new passphrase', current_password: 'correct horse' } });
    assert.equal(res.statusCode, 200);
    const refreshed = await app().inject({ method: 'POST', url: '/api/v1/auth/refresh', payload: { refresh_token: eve.refreshToken } });
    assert.equal(refreshed.statusCode, 401);
    const signIn = await app().inject({ method: 'POST', url: '/api/v1/auth/token', payload: { email: eve.email, password: 'a new passphrase' } });
    assert.equal(signIn.statusCode, 200);
  });

  test('GET /users/:id/links lists that user\'s links for self or admin, 404 for others', async () => {
    await app().inject({ method: 'POST', url: '/api/v1/links', headers: fay.auth, payload: { url: 'https://example.com/fay' } });
    const own = await app().inject({ url: `/api/v1/users/${fay.id}/links`, headers: fay.auth });
    assert.equal(own.statusCode, 200);
    assert.deepEqual(own.json().data.map((l: { url: string }) => l.url), ['https://example.com/fay']);
    assert.equal((await app().inject({ url: `/api/v1/users/${fay.id}/links`, headers: admin().auth })).json().data.length, 1);
    assert.equal((await app().inject({ url: `/api/v1/users/${fay.id}/links`, headers: eve.auth })).statusCode, 404);
  });

  test('DELETE removes the user with their links; their token stops working', async () => {
    const gus = await signUpAndIn(app());
    const link = (await app().inject({ method: 'POST', url: '/api/v1/links', headers: gus.auth, payload: { url: 'https://example.com/gus' } })).json();
    assert.equal((await app().inject({ method: 'DELETE', url: `/api/v1/users/${gus.id}`, headers: eve.auth })).statusCode, 404);
    const del = await app().inject({ method: 'DELETE', url: `/api/v1/users/${gus.id}`, headers: gus.auth });
    assert.equal(del.statusCode, 204);
    assert.equal((await app().inject({ url: `/${link.code}` })).statusCode, 404);
    assert.equal((await app().inject({ url: '/api/v1/users/me', headers: gus.auth })).statusCode, 401);
    assert.equal((await app().inject({ url: `/api/v1/users/${gus.id}`, headers: admin().auth })).statusCode, 404);
  });

  test('when the password or the email changes without current_password, then 400 names it; a wrong one, 403; nothing changes', async () => {
    const kim = await signUpAndIn(app());
    const change = (method: 'PATCH' | 'PUT', payload: object) => app().inject({ method, url: `/api/v1/users/${kim.id}`, headers: kim.auth, payload });
    for (const [method, payload] of [
      ['PATCH', { password: 'a fresh passphrase' }], ['PATCH', { email: 'kim.new@example.com' }], ['PUT', { email: 'kim.new@example.com' }],
      ['PATCH', { password: 'a fresh passphrase', email: 'kim.new@example.com', name: 'Kim' }],
    ] as const) {
      const res = await change(method, payload);
      assert.equal(res.statusCode, 400, `${method} ${JSON.stringify(payload)}`);
      assert.equal(problem(res).errors?.[0]?.field, 'current_password');
    }
    const wrong = await change('PATCH', { password: 'a fresh passphrase', current_password: 'not my password' });
    assert.equal(wrong.statusCode, 403);
    assert.equal(problem(wrong).errors?.[0]?.field, 'current_password');
    const me = (await app().inject({ url: '/api/v1/users/me', headers: kim.auth })).json();
    assert.equal(me.email, kim.email);
    assert.equal(me.name, null);
    const old = await app().inject({ method: 'POST', url: '/api/v1/auth/token', payload: { email: kim.email, password: 'correct horse' } });
    assert.equal(old.statusCode, 200, 'the password did not change');
    // The name alone, or PUT with the email as it is, is no change of credentials.
    assert.equal((await change('PATCH', { name: 'Kim' })).statusCode, 200);
    assert.equal((await change('PUT', { email: kim.email.toUpperCase(), name: 'Kim' })).statusCode, 200);
    const right = await change('PATCH', { email: 'kim.new@example.com', current_password: 'correct horse' });
    assert.equal(right.statusCode, 200);
    assert.equal(right.json().email, 'kim.new@example.com');
  });

  test('when an admin changes another user\'s password and email, then no current_password is needed; their own still needs it', async () => {
    const lee = await signUpAndIn(app());
    const res = await app().inject({
      method: 'PATCH', url: `/api/v1/users/${lee.id}`, headers: admin().auth, payload: { password: 'reset by the admin', email: `${lee.id}@example.com` },
    });
    assert.equal(res.statusCode, 200);
    const signIn = await app().inject({ method: 'POST', url: '/api/v1/auth/token', payload: { email: `${lee.id}@example.com`, password: 'reset by the admin' } });
    assert.equal(signIn.statusCode, 200);
    const own = await app().inject({ method: 'PATCH', url: `/api/v1/users/${admin().id}`, headers: admin().auth, payload: { password: 'the admin alone knows' } });
    assert.equal(own.statusCode, 400);
    assert.equal(problem(own).errors?.[0]?.field, 'current_password');
  });

  test('when a password is common, all spaces or the email, then sign-up, an admin-made account and a change answer 400 naming password, and nothing is stored', async () => {
    const email = 'weakling@example.com';
    for (const password of WEAK(email)) {
      for (const headers of [{}, admin().auth]) {
        const res = await app().inject({ method: 'POST', url: '/api/v1/users', headers, payload: { email, password } });
        assert.equal(res.statusCode, 400, JSON.stringify(password));
        const [error] = problem(res).errors ?? [];
        assert.equal(error?.field, 'password');
        assert.match(error!.message, /^[A-Z].*\.$/, 'a sentence for people');
      }
    }
    const ok = await app().inject({ method: 'POST', url: '/api/v1/users', payload: { email, password: 'plenty of unrelated words' } });
    assert.equal(ok.statusCode, 201, 'no refused sign-up stored the account');
    const weakling = (await app().inject({ method: 'POST', url: '/api/v1/auth/token', payload: { email, password: 'plenty of unrelated words' } })).json();
    for (const password of WEAK(email)) {
      const res = await app().inject({
        method: 'PATCH', url: `/api/v1/users/${ok.json().id}`, headers: { authorization: `Bearer ${weakling.access_token}` },
        payload: { password, current_password: 'plenty of unrelated words' },
      });
      assert.equal(res.statusCode, 400, JSON.stringify(password));
      assert.equal(problem(res).errors?.[0]?.field, 'password');
    }
  });
});

for (const dialect of DIALECTS) {
  test(`when kurz user create is given a weak password, then it is refused and no account is made (${dialect})`, async () => {
    const { ctx, close } = await createTestApp(dialect);
    try {
      for (const password of WEAK('cli@example.com')) {
        await assert.rejects(createAccount(ctx, { email: 'cli@example.com', password }), (err) => err instanceof AppError && err.errors?.[0]?.field === 'password');
      }
      assert.equal(await ctx.store.findUserByEmail('cli@example.com'), undefined);
    } finally {
      await close();
    }
  });

  test(`when an admin changes another user's credentials, then one info line names both ids and never the password (${dialect})`, async () => {
    const lines: string[] = [];
    const log = pino({ level: 'info' }, new Writable({ write: (chunk, _enc, done) => (lines.push(String(chunk)), done()) }));
    const { app, close } = await createTestApp(dialect, { log, env: { LOG_REQUESTS: '0' } });
    try {
      const root = await signUpAndIn(app);
      const ann = await signUpAndIn(app);
      const res = await app.inject({ method: 'PUT', url: `/api/v1/users/${ann.id}`, headers: root.auth, payload: { email: ann.email, password: 'a secret the admin chose' } });
      assert.equal(res.statusCode, 200);
      const entries = lines.map((l) => JSON.parse(l)).filter((e) => e.adminId !== undefined);
      assert.equal(entries.length, 1);
      assert.equal(entries[0].level, 30);
      assert.equal(entries[0].adminId, root.id);
      assert.equal(entries[0].userId, ann.id);
      assert.ok(!lines.join('').includes('a secret the admin chose'), 'the password is never logged');
    } finally {
      await close();
    }
  });

  test(`when the only admin demotes or deletes themself, then 409 and they stay admin; with a second admin they may (${dialect})`, async () => {
    const { app, close } = await createTestApp(dialect);
    try {
      const root = await signUpAndIn(app);
      const demote = await app.inject({ method: 'PATCH', url: `/api/v1/users/${root.id}`, headers: root.auth, payload: { role: 'user' } });
      assert.equal(demote.statusCode, 409);
      problem(demote);
      const put = await app.inject({ method: 'PUT', url: `/api/v1/users/${root.id}`, headers: root.auth, payload: { email: root.email, role: 'user' } });
      assert.equal(put.statusCode, 409);
      const del = await app.inject({ method: 'DELETE', url: `/api/v1/users/${root.id}`, headers: root.auth });
      assert.equal(del.statusCode, 409);
      assert.equal((await app.inject({ url: '/api/v1/users/me', headers: root.auth })).json().role, 'admin');
      const ann = await signUpAndIn(app);
      await app.inject({ method: 'PATCH', url: `/api/v1/users/${ann.id}`, headers: root.auth, payload: { role: 'admin' } });
      assert.equal((await app.inject({ method: 'PATCH', url: `/api/v1/users/${root.id}`, headers: root.auth, payload: { role: 'user' } })).statusCode, 200);
      assert.equal((await app.inject({ method: 'DELETE', url: `/api/v1/users/${ann.id}`, headers: ann.auth })).statusCode, 409, 'ann is now the only admin');
    } finally {
      await close();
    }
  });

  test(`when two admins demote each other at once, then one wins and one admin is left (${dialect})`, async () => {
    const { app, ctx, close } = await createTestApp(dialect);
    try {
      const root = await signUpAndIn(app);
      const ann = await signUpAndIn(app);
      await app.inject({ method: 'PATCH', url: `/api/v1/users/${ann.id}`, headers: root.auth, payload: { role: 'admin' } });
      for (let round = 0; round < 5; round++) {
        const results = await Promise.all([
          app.inject({ method: 'PATCH', url: `/api/v1/users/${root.id}`, headers: ann.auth, payload: { role: 'user' } }),
          app.inject({ method: 'PATCH', url: `/api/v1/users/${ann.id}`, headers: root.auth, payload: { role: 'user' } }),
        ]);
        const statuses = results.map((r) => r.statusCode);
        assert.equal(statuses.filter((s) => s === 200).length, 1, `round ${round}: ${statuses}`);
        const admins = (await ctx.store.listUsers({ limit: 10 })).filter((u) => u.role === 'admin');
        assert.equal(admins.length, 1, `round ${round}`);
        // The one left promotes the other again for the next round.
        const [left, other] = admins[0]!.id === root.id ? [root, ann] : [ann, root];
        await app.inject({ method: 'PATCH', url: `/api/v1/users/${other.id}`, headers: left.auth, payload: { role: 'admin' } });
      }
    } finally {
      await close();
    }
  });
}
