/**
 * Every command of `kurz`, run in-process through run(argv, io) on a temporary SQLite file: what it
 * prints, what it changes (read back through other commands) and its exit code.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { kurzOn, type Ran } from '../support/cli.js';
import { tempDir } from './process-helpers.js';
import { createTestApp } from '../support/app.js';
import { createTestDatabase } from '../support/stores.js';
import { TEST_REDIS_URL, assertRedisUp, uniquePrefix } from '../support/redis.js';

const PASSWORD = 'correct horse battery staple';

describe('the kurz commands, in-process on a SQLite file', () => {
  const tmp = tempDir();
  const env = { DATABASE_URL: `sqlite:${join(tmp.dir, 'kurz.db')}`, LOG_LEVEL: 'warn' };
  after(tmp.remove);

  const kurz = kurzOn(env);
  const json = (ran: Ran) => {
    assert.equal(ran.code, 0, ran.stderr);
    return JSON.parse(ran.stdout);
  };
  const lines = (ran: Ran) => {
    assert.equal(ran.code, 0, ran.stderr);
    return ran.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l));
  };

  before(async () => {
    assert.equal((await kurz(['migrate'])).code, 0);
    json(await kurz(['user', 'create', '--email', 'admin@example.com', '--json', '--password-stdin'], { stdin: `${PASSWORD}\n` }));
    json(await kurz(['user', 'create', '--email', 'bo@example.com', '--name', 'Bo', '--json'], { env: { KURZ_PASSWORD: PASSWORD } }));
  });

  test('when a user is created without a password source, then nothing is made and the exit is 2', async () => {
    const ran = await kurz(['user', 'create', '--email', 'cy@example.com']);
    assert.equal(ran.code, 2);
    assert.match(ran.stderr, /KURZ_PASSWORD.*--password-stdin/);
    assert.ok(!lines(await kurz(['user', 'list', '--json'])).some((u) => u.email === 'cy@example.com'));
  });

  test('when users are listed, set-role, reset-password and delete are run, then the accounts change accordingly', async () => {
    const users = lines(await kurz(['user', 'list', '--json']));
    assert.deepEqual(users.map((u) => u.email), ['bo@example.com', 'admin@example.com']);
    assert.equal(json(await kurz(['user', 'set-role', 'bo@example.com', 'admin', '--json'])).role, 'admin');
    assert.equal(json(await kurz(['user', 'set-role', 'bo@example.com', 'user', '--json'])).role, 'user');
    const bad = await kurz(['user', 'set-role', 'bo@example.com', 'boss']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /boss/);
    const reset = await kurz(['user', 'reset-password', 'bo@example.com', '--password-stdin'], { stdin: 'another fine passphrase 42' });
    assert.equal(reset.code, 0, reset.stderr);
    assert.doesNotMatch(reset.stdout + reset.stderr, /another fine/, 'a password is never printed');
    const lastAdmin = await kurz(['user', 'delete', 'admin@example.com']);
    assert.equal(lastAdmin.code, 1, 'a conflict fails');
    assert.match(lastAdmin.stderr, /only admin/);
    json(await kurz(['user', 'create', '--email', 'temp@example.com', '--json'], { env: { KURZ_PASSWORD: PASSWORD } }));
    assert.equal((await kurz(['user', 'delete', 'temp@example.com'])).code, 0);
    assert.equal((await kurz(['user', 'delete', 'temp@example.com'])).code, 1, 'not found fails');
  });

  test('when a key is created, then it is printed once and listed by its prefix only, and revoking removes it', async () => {
    const created = json(await kurz(['key', 'create', '--user', 'bo@example.com', '--name', 'ci', '--scope', 'links:read', '--scope', 'stats:read', '--expires-in', '30d', '--json']));
    assert.match(created.key, /^kz_/);
    assert.deepEqual(created.scopes, ['links:read', 'stats:read']);
    const listed = await kurz(['key', 'list', '--user', 'bo@example.com']);
    assert.equal(listed.code, 0);
    assert.ok(!listed.stdout.includes(created.key), 'the key is never shown again');
    assert.match(listed.stdout, new RegExp(`kz_${created.prefix}_…`));
    const badScope = await kurz(['key', 'create', '--user', 'bo@example.com', '--name', 'x', '--scope', 'links:read,users:write']);
    assert.equal(badScope.code, 2);
    assert.match(badScope.stderr, /--scope users:write is not a scope/);
    assert.equal((await kurz(['key', 'revoke', created.id, '--user', 'bo@example.com'])).code, 0);
    assert.deepEqual(lines(await kurz(['key', 'list', '--user', 'bo@example.com', '--json'])), []);
  });

  test('when links are created, listed, shown, updated and deleted, then each command sees the others\' changes', async () => {
    const made = json(await kurz(['link', 'create', 'https://example.com/guide', '--code', 'guide', '--tag', 'team,Docs', '--title', 'Guide', '--max-clicks', '10', '--json']));
    assert.equal(made.short_url, 'http://localhost:8080/guide');
    assert.deepEqual(made.tags, ['docs', 'team']);
    const admin = json(await kurz(['user', 'list', '--json']).then((r) => ({ ...r, stdout: r.stdout.split('\n').filter(Boolean).at(-1)! })));
    assert.equal(made.owner_id, admin.id, 'without --owner, the oldest admin owns it');
    const bos = json(await kurz(['link', 'create', 'https://example.org/', '--owner', 'bo@example.com', '--expires-at', '2099-01-01', '--json']));
    assert.equal(bos.expires_at, '2099-01-01T00:00:00.000Z');

    const taken = await kurz(['link', 'create', 'https://example.com/other', '--code', 'guide']);
    assert.equal(taken.code, 1, 'a code in use is a conflict');
    const badUrl = await kurz(['link', 'create', 'ftp://nowhere']);
    assert.equal(badUrl.code, 2);
    assert.match(badUrl.stderr, /^kurz: url /);

    assert.deepEqual(lines(await kurz(['link', 'list', '--json'])).map((l) => l.url), ['https://example.org/', 'https://example.com/guide']);
    assert.deepEqual(lines(await kurz(['link', 'list', '--owner', 'bo@example.com', '--json'])).map((l) => l.url), ['https://example.org/']);
    assert.deepEqual(lines(await kurz(['link', 'list', '--tag', 'docs', '--json'])).map((l) => l.code), ['guide']);
    assert.deepEqual(lines(await kurz(['link', 'list', '--search', 'example.org', '--json'])).map((l) => l.id), [bos.id]);
    const first = await kurz(['link', 'list', '--limit', '1', '--json']);
    assert.equal(lines(first).length, 1);
    assert.match(first.stderr, /showing the first 1; --limit N or --every-page shows more/);
    const both = await kurz(['link', 'list', '--limit', '2', '--json']);
    assert.equal(lines(both).length, 2);
    assert.equal(both.stderr, '', 'no note when nothing was left out');

    assert.equal(json(await kurz(['link', 'get', 'guide', '--json'])).id, made.id);
    assert.equal(json(await kurz(['link', 'get', bos.id, '--json'])).code, bos.code, 'a link is found by its id too');

    const update = await kurz(['link', 'update', 'guide', '--url', 'https://example.com/v2', '--no-tags', '--no-max-clicks', '--archive', '--json']);
    assert.match(update.stderr, /CACHE_TTL_SECONDS/, 'without Redis, a note says how long servers may keep their copy');
    const updated = json(update);
    assert.equal(updated.url, 'https://example.com/v2');
    assert.deepEqual(updated.tags, []);
    assert.equal(updated.max_clicks, null);
    assert.equal(updated.archived, true);
    const listedNow = await kurz(['link', 'list', '--json']);
    assert.deepEqual(lines(listedNow).map((l) => l.code), [bos.code], 'archived links are left out');
    assert.deepEqual(lines(await kurz(['link', 'list', '--archived', '--json'])).map((l) => l.code), ['guide']);
    assert.deepEqual(lines(await kurz(['link', 'list', '--all', '--json'])).map((l) => l.code), [bos.code, 'guide']);

    const table = await kurz(['link', 'list', '--all']);
    assert.match(table.stdout.split('\n')[0]!, /^SHORT URL +URL +CLICKS +TAGS +TITLE +CREATED$/);

    const stats = json(await kurz(['link', 'stats', 'guide', '--json']));
    assert.equal(stats.total, 0);
    assert.equal(stats.series.length, 8, 'a week of days, and today');
    const human = await kurz(['link', 'stats', 'guide', '--interval', 'day']);
    assert.match(human.stdout, /^DAY +CLICKS$/m);

    assert.equal((await kurz(['link', 'delete', 'guide'])).code, 0);
    const gone = await kurz(['link', 'get', 'guide']);
    assert.equal(gone.code, 1);
    assert.match(gone.stderr, /link guide not found/);
  });

  test('when a domain is added, then links can go on it, and it cannot be removed while they are', async () => {
    assert.equal(json(await kurz(['domain', 'add', 'go.example.com', '--root-redirect', 'https://example.com/', '--json'])).hostname, 'go.example.com');
    assert.deepEqual(lines(await kurz(['domain', 'list', '--json'])).map((d) => d.hostname), ['go.example.com', 'localhost']);
    const onIt = json(await kurz(['link', 'create', 'https://example.com/x', '--domain', 'go.example.com', '--code', 'xyz', '--json']));
    assert.equal(onIt.short_url, 'http://go.example.com/xyz');
    assert.equal(json(await kurz(['link', 'get', 'xyz', '--domain', 'go.example.com', '--json'])).id, onIt.id);
    assert.equal((await kurz(['domain', 'remove', 'go.example.com'])).code, 1, 'a domain with links is kept');
    assert.equal((await kurz(['link', 'delete', 'xyz', '--domain', 'go.example.com'])).code, 0);
    assert.equal((await kurz(['domain', 'remove', 'go.example.com'])).code, 0);
    assert.deepEqual(lines(await kurz(['domain', 'list', '--json'])).map((d) => d.hostname), ['localhost']);
  });

  test('when seed runs, then it reports the links written; interrupted, it stops between batches with exit 1', async () => {
    const seeded = await kurz(['seed', '--links', '25000', '--owner', 'bo@example.com', '--prefix', 'p', '--json']);
    assert.deepEqual({ ...json(seeded), seconds: 0 }, { links: 25000, prefix: 'p', seconds: 0 });
    assert.match(seeded.stderr, /^100% \(25,000 of 25,000 links\)$/m);
    const stopped = await kurz(['seed', '--links', '25000', '--owner', 'bo@example.com', '--prefix', 'q', '--json'], { interrupt: true });
    assert.equal(stopped.code, 1);
    assert.equal(JSON.parse(stopped.stdout).links, 0, 'nothing is half-written: no batch was started');
    assert.match(stopped.stderr, /interrupted/);
  });

  test('when the usage is wrong, then commander says so in one line and the exit is 2', async () => {
    const unknown = await kurz(['link', 'craete']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /unknown command 'craete' \(did you mean create\?\)/);
    const option = await kurz(['link', 'list', '--tga', 'x']);
    assert.equal(option.code, 2);
    assert.match(option.stderr, /unknown option '--tga' \(did you mean --tag\?\)/);
    const setting = await kurz(['link', 'list', '--databse-url', 'sqlite:x.db']);
    assert.equal(setting.code, 2);
    assert.equal(setting.stderr, "kurz: unknown option '--databse-url' (did you mean --database-url?)\n", 'hidden setting flags are suggested too');
    const missing = await kurz(['link', 'create']);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /missing required argument 'url'/);
    const value = await kurz(['link', 'list', '--code-length', 'many']);
    assert.equal(value.code, 2);
    assert.match(value.stderr, /^kurz: CODE_LENGTH /);
  });

  test('when help is asked for, then it goes to stdout with exit 0, and settings stand as one line', async () => {
    const help = await kurz(['help', 'link']);
    assert.equal(help.code, 0);
    const group = await kurz(['link']);
    assert.equal(group.code, 2, 'a group named alone shows its help on stderr, as a usage error');
    assert.match(group.stderr, /Commands:/);
    assert.match(help.stdout, /create \[options\] <url>/);
    const create = await kurz(['link', 'create', '--help']);
    assert.equal(create.code, 0);
    assert.match(create.stdout, /--owner <email> +the account it belongs to \(default: the oldest admin\)/);
    assert.doesNotMatch(create.stdout, /--cache-ttl-seconds|--log-level/, 'setting flags are hidden');
    assert.match(create.stdout, /Every setting/);
  });

  test('when the database cannot be opened, then the command fails with exit 1', async () => {
    // Port 1: nothing listens there, so the connection is refused at once.
    const ran = await kurz(['link', 'list', '--database-url', 'postgres://kurz@127.0.0.1:1/kurz'], { env: { JWT_SECRET: 'x'.repeat(48), LOG_LEVEL: 'silent' } });
    assert.equal(ran.code, 1, ran.stderr);
    assert.match(ran.stderr, /^kurz: DATABASE_URL could not be opened/m);
    assert.equal(ran.stdout, '');
  });
});

describe('kurz link update beside a running server that shares its Redis', () => {
  test('when a cached link is changed from the command line, then the server redirects the new way without waiting for its cache', async (t) => {
    await assertRedisUp();
    const database = await createTestDatabase('sqlite');
    const redis = { REDIS_URL: TEST_REDIS_URL, REDIS_PREFIX: uniquePrefix() };
    // An hour in L1: only the invalidation the command publishes can make the server forget the link.
    const server = await createTestApp('sqlite', { database, env: { ...redis, CACHE_L1_TTL_SECONDS: '3600' } });
    t.after(async () => {
      await server.close();
      await database.drop();
    });
    if (database.database.kind !== 'sqlite') throw new Error('a SQLite test database was asked for');
    const kurz = kurzOn({ ...redis, DATABASE_URL: `sqlite:${database.database.file}`, BASE_URL: 'http://kurz.test', LOG_LEVEL: 'silent' });
    assert.equal((await kurz(['user', 'create', '--email', 'op@example.com'], { env: { KURZ_PASSWORD: PASSWORD } })).code, 0);
    assert.equal((await kurz(['link', 'create', 'https://example.com/old', '--code', 'moving'])).code, 0);
    const before = await server.app.inject({ url: '/moving' });
    assert.equal(before.headers.location, 'https://example.com/old');

    const update = await kurz(['link', 'update', 'moving', '--url', 'https://example.com/new']);
    assert.equal(update.code, 0, update.stderr);
    assert.doesNotMatch(update.stderr, /cached copy/, 'with Redis, no note about stale caches');
    // Pub/sub delivers in its own time: ask until the answer changes (the test's timeout bounds it).
    for (;;) {
      const after = await server.app.inject({ url: '/moving' });
      if (after.headers.location === 'https://example.com/new') break;
      assert.equal(after.headers.location, 'https://example.com/old');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  });
});
