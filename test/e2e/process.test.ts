/**
 * The real `kurz` process: start-up, persistence across a restart, graceful shutdown, start-up
 * errors, and the one-shot commands. Each test runs on its own SQLite file in a temporary folder.
 */
import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { call, killAll, runKurz, sandbox, tempDir, within, type Exit, type LogLine, type Server } from './process-helpers.js';

after(killAll);

const TIMEOUT = { timeout: 60_000 };
const PASSWORD = 'correct horse battery staple';

async function signUpAndSignIn(server: Server, email: string): Promise<string> {
  const signUp = await call(server.url, 'POST', '/api/v1/users', { body: { email, password: PASSWORD } });
  assert.equal(signUp.status, 201, JSON.stringify(signUp.body));
  return signIn(server, email, PASSWORD);
}

async function signIn(server: Server, email: string, password: string): Promise<string> {
  const token = await call(server.url, 'POST', '/api/v1/auth/token', { body: { email, password } });
  assert.equal(token.status, 200, JSON.stringify(token.body));
  assert.equal(token.body.token_type, 'Bearer');
  assert.equal(typeof token.body.access_token, 'string');
  return token.body.access_token;
}

const msgIs = (msg: string) => (line: LogLine) => line.msg === msg;

describe('the kurz process', () => {
  test('a link survives a restart', TIMEOUT, async (t) => {
    const box = sandbox(t);
    const first = await box.start();

    const token = await signUpAndSignIn(first, 'restart@example.com');
    const created = await call(first.url, 'POST', '/api/v1/links', {
      token,
      body: { url: 'https://example.com/after-restart' },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const code: string = created.body.code;
    const before = await call(first.url, 'GET', `/${code}`);
    assert.equal(before.status, 302);
    assert.equal(before.headers.get('location'), 'https://example.com/after-restart');

    const exit = await first.stop();
    assert.deepEqual(exit, { code: 0, signal: null }, first.stdout() + first.stderr());
    assert.ok(first.logs().some(msgIs('shutting down')), first.stdout());
    assert.ok(first.logs().some(msgIs('stopped')), first.stdout());

    const secretFile = join(box.dir, 'jwt-secret');
    assert.ok(existsSync(secretFile), `expected ${secretFile} beside the database`);
    assert.equal(statSync(secretFile).mode & 0o777, 0o600, 'jwt-secret must be readable by its owner only');

    const second = await box.start();
    const after = await call(second.url, 'GET', `/${code}`);
    assert.equal(after.status, 302);
    assert.equal(after.headers.get('location'), 'https://example.com/after-restart');

    const me = await call(second.url, 'GET', '/api/v1/users/me', { token });
    assert.equal(me.status, 200, 'an access token issued before the restart still works');
    assert.equal(me.body.email, 'restart@example.com');

    assert.deepEqual(await second.stop(), { code: 0, signal: null });
  });

  test('SIGTERM lets an in-flight request finish, even when a second SIGTERM follows', TIMEOUT, async (t) => {
    const box = sandbox(t);
    const server = await box.start();

    // Send the headers and half the body, so the request is certainly in flight (the server has
    // logged it) when SIGTERM arrives; the rest of the body, and so the argon2 hash, come after.
    const body = JSON.stringify({ email: 'inflight@example.com', password: PASSWORD });
    const half = Math.floor(body.length / 2);
    const req = request(new URL('/api/v1/users', server.url), {
      method: 'POST',
      agent: false,
      headers: {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(body),
        'x-request-id': 'e2e-in-flight',
      },
    });
    const response = new Promise<{ status: number | undefined; body: string }>((resolve, reject) => {
      req.once('error', reject);
      req.once('response', (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.once('end', () => resolve({ status: res.statusCode, body: text }));
        res.once('error', reject);
      });
    });
    req.write(body.slice(0, half));
    const ours = (line: LogLine) => line.reqId === 'e2e-in-flight';
    await server.waitForLog((line) => ours(line) && line.msg === 'incoming request');

    server.signal('SIGTERM');
    await server.waitForLog(msgIs('shutting down'));
    server.signal('SIGTERM');
    await server.waitForLog(msgIs('already shutting down'));
    req.end(body.slice(half));

    const res = await within(15_000, response, () => server.stdout() + server.stderr());
    assert.equal(res.status, 201, res.body);
    assert.equal(JSON.parse(res.body).email, 'inflight@example.com');

    const exit = await server.stop();
    assert.deepEqual(exit, { code: 0, signal: null }, server.stdout() + server.stderr());
    const msgs = server.logs().map((line) => (ours(line) ? `${line.msg} (ours)` : line.msg));
    const at = (msg: string) => msgs.indexOf(msg);
    assert.ok(at('shutting down') < at('request completed (ours)'), msgs.join('\n'));
    assert.ok(at('request completed (ours)') < at('stopped'), msgs.join('\n'));
  });

  describe('a bad setting stops start-up with one line naming it', () => {
    const cases: Array<{ name: string; args: string[]; env: Record<string, string>; prefix: string }> = [
      { name: 'PORT=abc in the environment', args: [], env: { PORT: 'abc' }, prefix: 'kurz: PORT ' },
      { name: '--port abc', args: ['--port', 'abc'], env: {}, prefix: 'kurz: PORT ' },
      { name: '--signup maybe', args: ['--signup', 'maybe'], env: {}, prefix: 'kurz: SIGNUP ' },
      { name: 'SIGNUP=maybe in the environment', args: [], env: { SIGNUP: 'maybe' }, prefix: 'kurz: SIGNUP ' },
      { name: 'an unknown flag', args: ['--prot', '8080'], env: {}, prefix: "kurz: unknown option '--prot'" },
    ];
    for (const { name, args, env, prefix } of cases) {
      test(name, TIMEOUT, async (t) => {
        const tmp = tempDir();
        t.after(tmp.remove);
        const result = await runKurz(['serve', '--database-url', `sqlite:${join(tmp.dir, 'kurz.db')}`, ...args], { env });
        assert.equal(result.code, 2, result.stdout + result.stderr);
        const lines = result.stderr.split('\n').filter((line) => line !== '');
        assert.equal(lines.length, 1, `expected one line on stderr, got:\n${result.stderr}`);
        assert.ok(lines[0]!.startsWith(prefix), `expected "${prefix}…", got "${lines[0]}"`);
        assert.equal(result.stdout, '');
        assert.deepEqual(readdirSync(tmp.dir), [], 'nothing is written before the settings are valid');
      });
    }
  });

  test("'kurz migrate' and 'kurz user create --admin' prepare a database a server then uses", TIMEOUT, async (t) => {
    const box = sandbox(t);
    const databaseUrl = `sqlite:${box.databaseFile}`;

    const migrate = await runKurz(['migrate', '--database-url', databaseUrl]);
    assert.equal(migrate.code, 0, migrate.stderr);
    assert.equal(migrate.stdout.trim(), 'migrations are up to date');
    assert.ok(existsSync(box.databaseFile));

    const again = await runKurz(['migrate', '--database-url', databaseUrl]);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(again.stdout.trim(), 'migrations are up to date');

    // A weak password is refused by the same policy as sign-up (NIST SP 800-63B), and makes nothing.
    const weak = await runKurz(['user', 'create', '--email', 'admin@example.com', '--admin', '--database-url', databaseUrl], {
      env: { KURZ_PASSWORD: '12345678' },
    });
    assert.equal(weak.code, 2);
    assert.match(weak.stderr, /^kurz: This password is too easy to guess/);

    // `user create` takes settings as flags, like every command.
    const created = await runKurz(['user', 'create', '--email', 'admin@example.com', '--admin', '--json', '--database-url', databaseUrl], {
      env: { KURZ_PASSWORD: PASSWORD },
    });
    assert.equal(created.code, 0, created.stderr);
    const user = JSON.parse(created.stdout) as { id: string; email: string; role: string };
    assert.equal(user.email, 'admin@example.com');
    assert.equal(user.role, 'admin');
    assert.equal(typeof user.id, 'string');

    const server = await box.start();
    const token = await signIn(server, 'admin@example.com', PASSWORD);
    const me = await call(server.url, 'GET', '/api/v1/users/me', { token });
    assert.equal(me.status, 200);
    assert.equal(me.body.id, user.id);
    assert.equal(me.body.role, 'admin');
    assert.deepEqual(await server.stop(), { code: 0, signal: null });
  });

  test("'kurz seed' gives an account N links the server then redirects, and refuses a bad or repeated seed", TIMEOUT, async (t) => {
    const box = sandbox(t);
    const database = ['--database-url', `sqlite:${box.databaseFile}`];
    const created = await runKurz(['user', 'create', '--email', 'seed@example.com', ...database], { env: { KURZ_PASSWORD: PASSWORD } });
    assert.equal(created.code, 0, created.stderr);

    const seed = ['seed', '--links', '2500', '--owner', 'seed@example.com', '--json', ...database];
    const seeded = await runKurz(seed);
    assert.equal(seeded.code, 0, seeded.stderr);
    const lines = seeded.stdout.split('\n').filter((line) => line !== '');
    assert.equal(lines.length, 1, `expected one line on stdout, got:\n${seeded.stdout}`);
    const report = JSON.parse(lines[0]!) as { links: number; prefix: string; seconds: number };
    assert.deepEqual(Object.keys(report).sort(), ['links', 'prefix', 'seconds']);
    assert.equal(report.links, 2500);
    assert.equal(report.prefix, 's');
    assert.ok(Number.isFinite(report.seconds) && report.seconds >= 0, lines[0]);

    assertOneLineError(await runKurz(seed), 'kurz: --prefix ', /"s" was seeded before/);
    assertOneLineError(await runKurz(['seed', '--links', '10', '--owner', 'nobody@example.com', ...database]), 'kurz: --owner', /nobody@example\.com/, 1);
    assertOneLineError(await runKurz(['seed', '--links', 'abc', '--owner', 'seed@example.com', ...database]), "kurz: option '--links <n>'", /whole number/);

    // Codes are s + the index in base 36, 7 digits: 2499 is s00001xf, the last one; 2500 was never seeded.
    const server = await box.start();
    for (const code of ['s0000000', 's00000ya', 's00001xf']) {
      const res = await call(server.url, 'GET', `/${code}`);
      assert.equal(res.status, 301, `GET /${code}`);
      assert.equal(res.headers.get('location'), `https://example.com/${code}`);
    }
    assert.equal((await call(server.url, 'GET', '/s00001xg')).status, 404);

    const token = await signIn(server, 'seed@example.com', PASSWORD);
    const mine = await call(server.url, 'GET', '/api/v1/links?limit=1', { token });
    assert.equal(mine.status, 200, JSON.stringify(mine.body));
    assert.match(mine.body.data[0].code, /^s[0-9a-z]{7}$/, 'the seeded links belong to the --owner account');
    assert.equal(mine.body.has_more, true);
    assert.deepEqual(await server.stop(), { code: 0, signal: null });
  });
});

/** Exit `code` (2: bad usage), nothing on stdout, and one line on stderr that starts with `start` and matches `detail`. */
function assertOneLineError(result: Exit & { stdout: string; stderr: string }, start: string, detail: RegExp, code = 2): void {
  assert.equal(result.code, code, result.stdout + result.stderr);
  assert.equal(result.stdout, '');
  const lines = result.stderr.split('\n').filter((line) => line !== '');
  assert.equal(lines.length, 1, `expected one line on stderr, got:\n${result.stderr}`);
  assert.ok(lines[0]!.startsWith(start), `expected "${start}…", got "${lines[0]}"`);
  assert.match(lines[0]!, detail);
}
