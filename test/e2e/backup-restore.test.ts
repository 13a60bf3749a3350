/**
 * Back up and restore, as docs/OPERATIONS.md ("Back up and restore") tells an operator to: on SQLite
 * `kurz backup` of a server that is writing links and clicks, then the file put back in place of the
 * database; on PostgreSQL `pg_dump -Fc` and `pg_restore` into a fresh database. A server on what was
 * restored answers every link acknowledged before the backup began, with its target and its clicks.
 */
import { test, after, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { call, killAll, runKurz, sandbox, startServer, type Server } from './process-helpers.js';
import { assertClicksSettleAt, clicksOf, createLink, redirect, redirects, sleep, type Link, type Owner } from './traffic.js';
import { scratchDatabase } from '../support/stores.js';
import { kurzOn } from '../support/cli.js';

after(killAll);

const TIMEOUT = { timeout: 300_000 };
/** A server starts in 3 s alone under tsx, past 20 s beside the other suites on 2 shared cores. */
const START_MS = 90_000;
const QUIET = { LOG_REQUESTS: '0', RATE_REDIRECT: 'off', RATE_API: 'off', RATE_AUTH_IP: 'off', RATE_AUTH_EMAIL: 'off', RATE_CREATE_LINK: 'off', CLICK_FLUSH_MS: '100' };
const EMAIL = 'backup@example.com';
const PASSWORD = 'correct horse battery staple';
/** Clicks of the i-th quiet link: different per link, so a count put on the wrong link shows. */
const clicksFor = (i: number) => 1 + (i % 4);

async function signUp(server: Server): Promise<Owner> {
  assert.equal((await call(server.url, 'POST', '/api/v1/users', { body: { email: EMAIL, password: PASSWORD } })).status, 201);
  return signIn(server);
}

async function signIn(server: Server): Promise<Owner> {
  const tokens = await call(server.url, 'POST', '/api/v1/auth/token', { body: { email: EMAIL, password: PASSWORD } });
  assert.equal(tokens.status, 200, JSON.stringify(tokens.body));
  return { token: tokens.body.access_token };
}

interface Listed {
  url: string;
  code: string;
  clicks: number;
}

/** Every link the server has, by id, read page by page through the API. */
async function everyLink(server: Server, owner: Owner): Promise<Map<string, Listed>> {
  const links = new Map<string, Listed>();
  let cursor: string | null = null;
  do {
    const page = await call(server.url, 'GET', `/api/v1/links?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, { token: owner.token });
    assert.equal(page.status, 200, JSON.stringify(page.body));
    for (const link of page.body.data as { id: string; url: string; code: string; clicks: number }[]) {
      links.set(link.id, { url: link.url, code: link.code, clicks: link.clicks });
    }
    cursor = page.body.next_cursor as string | null;
  } while (cursor);
  return links;
}

/** Links with known clicks, each clicked `clicksFor(i)` times, and those clicks applied (read back). */
async function quietLinks(server: Server, owner: Owner, n: number): Promise<Link[]> {
  const links: Link[] = [];
  for (let i = 0; i < n; i++) links.push(await createLink(server, owner));
  for (const [i, link] of links.entries()) assert.equal(await redirects(server.url, link, clicksFor(i), { concurrency: 2 }), clicksFor(i));
  for (const [i, link] of links.entries()) await assertClicksSettleAt(server, owner, link, clicksFor(i), 60_000, () => ` (link ${i})`);
  return links;
}

/** The stats of every link, as the API answers them (for an exact comparison of two servers). */
async function statsOf(server: Server, owner: Owner, ids: Iterable<string>): Promise<Record<string, unknown>> {
  const stats: Record<string, unknown> = {};
  for (const id of ids) {
    const res = await call(server.url, 'GET', `/api/v1/links/${id}/stats`, { token: owner.token });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    stats[id] = res.body;
  }
  return stats;
}

/** Creates links one after another until stopped; each acknowledged one is kept with the time its 201 arrived. */
function creating(server: Server, owner: Owner): { stop: () => Promise<{ link: Link; ackedAt: number }[]> } {
  const acked: { link: Link; ackedAt: number }[] = [];
  let running = true;
  const loop = (async () => {
    while (running) acked.push({ link: await createLink(server, owner), ackedAt: Date.now() });
  })();
  return { stop: async () => ((running = false), await loop, acked) };
}

/** Redirects to `link` one after another until stopped; how many were answered. */
function clicking(server: Server, link: Link): { stop: () => Promise<number> } {
  let running = true;
  let answered = 0;
  const loop = (async () => {
    while (running) if (await redirect(server.url, link) === 302) answered++;
  })();
  return { stop: async () => ((running = false), await loop, answered) };
}

function integrity(file: string): string {
  const db = new SQLite(file, { readonly: true });
  try {
    return db.pragma('integrity_check', { simple: true }) as string;
  } finally {
    db.close();
  }
}

test('when kurz backup copies a SQLite database while a server writes links and clicks, then a server on the restored file answers every link acknowledged before it began, with its clicks', TIMEOUT, async (t: TestContext) => {
  const box = sandbox(t);
  const server = await box.start({ env: QUIET, timeoutMs: START_MS });
  const owner = await signUp(server);
  const quiet = await quietLinks(server, owner, 12);
  const hot = await createLink(server, owner);

  // Writes go on while the backup runs: creations, and clicks on the hot link.
  const creations = creating(server, owner);
  const clicks = clicking(server, hot);
  await sleep(500);
  const clickedBefore = (await clicksOf(server, owner, hot))!;
  const backupStarted = Date.now();
  const backupFile = join(box.dir, 'backup.db');
  const backup = await runKurz(['backup', '--output', backupFile, '--database-url', `sqlite:${box.databaseFile}`], { timeoutMs: START_MS });
  assert.equal(backup.code, 0, backup.stderr);
  assert.match(backup.stdout, /backed up .*: \d+ links, \d+ bytes, integrity ok/);
  // Whatever the copy holds of the hot link was applied before it ended: at most what is applied now.
  await sleep(500);
  const clickedAfter = (await clicksOf(server, owner, hot))!;
  const acked = await creations.stop();
  const answered = await clicks.stop();
  const ackedBefore = acked.filter(({ ackedAt }) => ackedAt < backupStarted).map(({ link }) => link);
  assert.ok(ackedBefore.length > 0 && acked.length > ackedBefore.length, `creations before (${ackedBefore.length}) and during (${acked.length - ackedBefore.length}) the backup`);
  assert.ok(answered > 0 && clickedAfter > clickedBefore, `clicks were applied while the backup ran (${clickedBefore} → ${clickedAfter})`);
  assert.equal(integrity(backupFile), 'ok');

  // The restore as documented: stop, replace the file, delete the old -wal and -shm, start.
  await server.stop(30_000);
  renameSync(backupFile, box.databaseFile);
  rmSync(`${box.databaseFile}-wal`, { force: true });
  rmSync(`${box.databaseFile}-shm`, { force: true });
  const restored = await box.start({ env: QUIET, timeoutMs: START_MS });
  const links = await everyLink(restored, await signIn(restored));

  for (const link of [...quiet, hot, ...ackedBefore]) {
    assert.equal(links.get(link.id)?.url, link.url, `link ${link.code} acknowledged before the backup began`);
    assert.equal(await redirect(restored.url, link), 302);
  }
  const created = new Map(acked.map(({ link }) => [link.id, link.url]));
  for (const [id, link] of links) {
    if (![...quiet, hot].some((l) => l.id === id)) assert.equal(created.get(id), link.url, `link ${link.code} in the backup is one that was created`);
  }
  for (const [i, link] of quiet.entries()) assert.equal(links.get(link.id)!.clicks, clicksFor(i), `clicks of quiet link ${i}`);
  const hotClicks = links.get(hot.id)!.clicks;
  assert.ok(hotClicks >= clickedBefore && hotClicks <= clickedAfter, `hot link's clicks ${hotClicks} within [${clickedBefore}, ${clickedAfter}]`);
  t.diagnostic(`${links.size} links restored; ${ackedBefore.length} acknowledged before the backup, ${acked.length - ackedBefore.length} during; hot link ${hotClicks} clicks in [${clickedBefore}, ${clickedAfter}]`);
});

test('when kurz backup is asked to copy a PostgreSQL database, then it exits 2 and names pg_dump, without the URL\'s password', TIMEOUT, async () => {
  const res = await runKurz(['backup', '--output', '/tmp/never-written.dump', '--database-url', 'postgres://kurz:s3cret-pw@127.0.0.1:1/kurz'], { timeoutMs: 60_000 });
  assert.equal(res.code, 2, res.stderr);
  assert.match(res.stderr, /pg_dump --format=custom/);
  assert.doesNotMatch(res.stderr + res.stdout, /s3cret-pw/);
});

test('when kurz backup is given no database, an in-memory one or its own file as output, then it refuses and writes nothing; a good backup replaces the old file', TIMEOUT, async (t: TestContext) => {
  const box = sandbox(t);
  const kurz = kurzOn({ DATABASE_URL: `sqlite:${box.databaseFile}`, LOG_LEVEL: 'warn' });
  const output = join(box.dir, 'backup.db');
  const missing = await kurz(['backup', '--output', output]);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /the database .*kurz\.db not found/);
  assert.equal((await kurz(['migrate'])).code, 0);
  const itself = await kurz(['backup', '--output', box.databaseFile]);
  assert.equal(itself.code, 2);
  assert.match(itself.stderr, /--output is the database itself/);
  const memory = await kurz(['backup', '--output', output, '--database-url', 'sqlite::memory:']);
  assert.equal(memory.code, 2);
  assert.match(memory.stderr, /in-memory/);
  assert.equal(existsSync(output), false);

  writeFileSync(output, 'an older backup');
  const done = await kurz(['backup', '--output', output]);
  assert.equal(done.code, 0, done.stderr);
  assert.match(done.stdout, /: 0 links, \d+ bytes, integrity ok/);
  assert.equal(integrity(output), 'ok');
  assert.deepEqual(readdirSync(box.dir).filter((name) => name.includes('partial')), [], 'no partial copy is left');
});

test('when a database a Kurz server wrote is dumped with pg_dump -Fc and restored with pg_restore into a fresh one, then a server on it answers every link with the same stats', TIMEOUT, async (t: TestContext) => {
  const env = { ...QUIET, JWT_SECRET: 'backup-restore-e2e-secret-0123456789abcdef' };
  const source = await scratchDatabase(t, 'kurz_backup');
  const server = await startServer({ databaseUrl: source, env, timeoutMs: START_MS });
  t.after(() => server.kill());
  const owner = await signUp(server);
  await quietLinks(server, owner, 10);
  for (let i = 0; i < 10; i++) await createLink(server, owner); // links never clicked
  const before = await everyLink(server, owner);
  const statsBefore = await statsOf(server, owner, before.keys());

  const dump = join(sandbox(t).dir, 'kurz.dump');
  execFileSync('pg_dump', ['--format=custom', `--dbname=${source}`, `--file=${dump}`], { stdio: 'pipe' });
  const target = await scratchDatabase(t, 'kurz_backup');
  execFileSync('pg_restore', ['--no-owner', `--dbname=${target}`, dump], { stdio: 'pipe' });
  await server.stop(30_000);

  const restored = await startServer({ databaseUrl: target, env, timeoutMs: START_MS });
  t.after(() => restored.kill());
  const again = await signIn(restored);
  const after = await everyLink(restored, again);
  assert.deepEqual(after, before);
  assert.deepEqual(await statsOf(restored, again, after.keys()), statsBefore);
  for (const link of after.values()) assert.equal(await redirect(restored.url, { id: '', ...link }), 302);
  assert.equal([...after.values()].reduce((sum, link) => sum + link.clicks, 0), [...before.values()].reduce((sum, link) => sum + link.clicks, 0));
});
