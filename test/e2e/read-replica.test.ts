/**
 * A PostgreSQL streaming replica (DATABASE_READ_URL) under Kurz: a private primary and a standby made
 * by pg_basebackup on loopback (test/support/postgres.ts). Which server answered is proven, not
 * assumed: with the standby's replay paused, its data is frozen, so a stats total that stays at the
 * frozen value while the primary holds more clicks came from the standby, and an answer that holds a
 * row written after the pause came from the primary. The connection each read used is also counted
 * in /metrics (kurz_store_reads_total{pool}).
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { PrivatePostgres } from '../support/postgres.js';
import { createTestApp, signUpAndIn, type Caller, type TestApp } from '../support/app.js';
import { parseDatabase } from '../../src/config.js';

const TIMEOUT = { timeout: 180_000 };
const DB = 'kurz_replica';
/**
 * The bound of most tests: small, so that a paused replay is past it soon, yet well above what the
 * poll's own two statements take on a loaded machine (its measure includes them). Polled every 375 ms.
 */
const MAX_LAG_MS = 1_500;
/** A bound the paused replica stays within for the whole test (polled every second). */
const LONG_LAG_MS = 600_000;

let primary: PrivatePostgres;
let standby: PrivatePostgres;
let primaryUrl: string;

before(async () => {
  primary = await PrivatePostgres.start({ replication: true });
  primaryUrl = await primary.createDatabase(DB);
  standby = await primary.startStandby();
  await standby.caughtUpWith(primary);
}, TIMEOUT);

after(() => {
  standby?.destroy();
  primary?.destroy();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** An app on the primary reading from the standby; the first app of the file migrates the database (through the primary). */
async function replicaApp(maxLagMs: number): Promise<TestApp> {
  const database = parseDatabase({ DATABASE_URL: primaryUrl, DATABASE_READ_URL: standby.url(DB), DATABASE_READ_MAX_LAG_MS: String(maxLagMs) });
  return createTestApp('postgres', { database: { name: 'postgres', database, drop: async () => {} }, env: { CLICK_FLUSH_MS: '20' } });
}

async function metric(t: TestApp, line: RegExp): Promise<number> {
  const res = await t.app.inject({ url: '/metrics' });
  assert.equal(res.statusCode, 200, res.body);
  const match = line.exec(res.body);
  return match ? Number(match[1]) : 0;
}

/**
 * Waits until the app has polled the replica after it caught up: then the links written before are
 * read from it (a key just written is read from the primary until a poll finds the replica has it).
 * Three polls and a second of slack for a loaded machine; a poll every quarter of the bound, at most 1 s.
 */
async function polledAfterCatchingUp(maxLagMs: number): Promise<void> {
  await standby.caughtUpWith(primary);
  await sleep(3 * Math.min(1_000, maxLagMs / 4) + 1_000);
}

/** Reads each connection served so far, from /metrics. */
async function reads(t: TestApp): Promise<{ primary: number; replica: number }> {
  return {
    primary: await metric(t, /^kurz_store_reads_total\{pool="primary"\} (\S+)$/m),
    replica: await metric(t, /^kurz_store_reads_total\{pool="replica"\} (\S+)$/m),
  };
}

/** Waits until the replica's last measured lag is within the bound (the gauge is -1 while it is down). */
async function untilReplicaInUse(t: TestApp, maxLagMs: number): Promise<void> {
  for (let i = 0; i < 600; i++) {
    const lag = await metric(t, /^kurz_replica_lag_seconds (\S+)$/m);
    if (lag >= 0 && lag * 1000 <= maxLagMs) return;
    await sleep(50);
  }
  assert.fail('the replica was not taken into use within 30 s');
}

/** Waits until the replica's lag is measured past the bound, or it cannot be measured. */
async function untilReplicaOutOfUse(t: TestApp, maxLagMs: number): Promise<void> {
  for (let i = 0; i < 600; i++) {
    const lag = await metric(t, /^kurz_replica_lag_seconds (\S+)$/m);
    if (lag < 0 || lag * 1000 > maxLagMs) return;
    await sleep(50);
  }
  assert.fail('the replica was still in use after 30 s');
}

async function createLink(t: TestApp, caller: Caller, url = 'https://example.com/replica'): Promise<{ id: string; code: string }> {
  const res = await t.app.inject({ method: 'POST', url: '/api/v1/links', headers: caller.auth, payload: { url } });
  assert.equal(res.statusCode, 201, res.body);
  return res.json();
}

/** Runs `body` with an app whose bound is MAX_LAG_MS, closed after it. */
async function withApp(body: (t: TestApp) => Promise<void>): Promise<void> {
  const t = await replicaApp(MAX_LAG_MS);
  try {
    await body(t);
  } finally {
    await t.close();
  }
}

/** Takes the replica out (`begin`), runs `during`, brings it back (`end`, whatever happened) and waits until it is in use again. */
async function whileOut(t: TestApp, outage: { begin(): unknown; end(): unknown }, during: () => Promise<void>): Promise<void> {
  await outage.begin();
  try {
    await during();
  } finally {
    await outage.end();
  }
  await untilReplicaInUse(t, MAX_LAG_MS);
}

/** A user with `n` links, once the replica is in use and has them all. */
async function linksOnReplica(t: TestApp, name: string, n: number): Promise<{ owner: Caller; links: { id: string; code: string }[] }> {
  const owner = await signUpAndIn(t.app, `${name}@example.com`);
  const links = [];
  for (let i = 0; i < n; i++) links.push(await createLink(t, owner, `https://example.com/${name}/${i}`));
  await untilReplicaInUse(t, MAX_LAG_MS);
  await polledAfterCatchingUp(MAX_LAG_MS);
  return { owner, links };
}

async function visit(t: TestApp, code: string): Promise<number> {
  return (await t.app.inject({ url: `/${code}`, headers: { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0' } })).statusCode;
}

async function statsTotal(t: TestApp, caller: Caller, id: string): Promise<number> {
  const res = await t.app.inject({ url: `/api/v1/links/${id}/stats?include_bots=true`, headers: caller.auth });
  assert.equal(res.statusCode, 200, res.body);
  return res.json().total;
}

/** The clicks the primary holds for a link, asked of it directly. */
async function clicksOnPrimary(id: string): Promise<number> {
  const rows = await primary.query<{ total: string | null }>(DB, 'select sum(clicks) as total from click_counts where link_id = $1', [id]);
  return Number(rows[0]?.total ?? 0);
}

/** A redirect miss of `missed` and the stats of `counted`: both answered, and both served by `pool` (read from /metrics). */
async function assertServedBy(t: TestApp, pool: 'primary' | 'replica', owner: Caller, missed: { code: string }, counted: { id: string }): Promise<void> {
  const before = await reads(t);
  assert.equal(await visit(t, missed.code), 302);
  await statsTotal(t, owner, counted.id);
  const other = pool === 'primary' ? 'replica' : 'primary';
  const after = await reads(t);
  assert.equal(after[pool], before[pool] + 2, `both reads on the ${pool}`);
  assert.equal(after[other], before[other], `none on the ${other}`);
}

async function until(what: string, check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (await check()) return;
    await sleep(50);
  }
  assert.fail(`${what}: not within 30 s`);
}

describe('PostgreSQL read replica', () => {
  test('when replay is paused on a replica within its bound, then redirect misses and stats come from its frozen data, and the API reads its own writes from the primary', TIMEOUT, async () => {
    // A bound of 10 minutes: the paused replica stays in use, so what it answers can be seen.
    const t = await replicaApp(LONG_LAG_MS);
    // A second instance, whose writes this one hears nothing of (no Redis): as a write of another instance whose invalidation is late.
    const other = await replicaApp(LONG_LAG_MS);
    try {
      const owner = await signUpAndIn(t.app, 'paused@example.com');
      await untilReplicaInUse(t, LONG_LAG_MS);
      const counted = await createLink(t, owner, 'https://example.com/counted');
      const unvisited = await createLink(t, owner, 'https://example.com/unvisited');
      assert.equal(await visit(t, counted.code), 302);
      await until('the visit is counted on the primary', async () => (await clicksOnPrimary(counted.id)) === 1);
      await polledAfterCatchingUp(LONG_LAG_MS);
      await standby.pauseReplay(DB);
      try {
        // Two more visits, written to the primary only.
        assert.equal(await visit(t, counted.code), 302);
        assert.equal(await visit(t, counted.code), 302);
        await until('the visits are counted on the primary', async () => (await clicksOnPrimary(counted.id)) === 3);
        const before = await reads(t);
        assert.equal(await statsTotal(t, owner, counted.id), 1, 'the stats are the frozen replica\'s, not the primary\'s 3');
        assert.equal(await visit(t, unvisited.code), 302, 'a miss the replica has');
        const served = await reads(t);
        assert.deepEqual(served, { primary: before.primary, replica: before.replica + 2 });

        // Created while the replica cannot have it: the API reads it from the primary at once, and so
        // does its redirect (its key was just written here).
        const fresh = await createLink(t, owner, 'https://example.com/fresh');
        const got = await t.app.inject({ url: `/api/v1/links/${fresh.id}`, headers: owner.auth });
        assert.equal(got.statusCode, 200, got.body);
        assert.equal(got.json().url, 'https://example.com/fresh');
        assert.equal(await visit(t, fresh.code), 302);
        assert.deepEqual(await reads(t), { primary: served.primary + 1, replica: served.replica });

        // Created on the other instance: this one asks the replica, which lacks it, then the primary. Never a 404.
        const elsewhere = await createLink(other, owner, 'https://example.com/elsewhere');
        assert.equal(await visit(t, elsewhere.code), 302);
        assert.deepEqual(await reads(t), { primary: served.primary + 2, replica: served.replica });
        assert.equal(await visit(t, elsewhere.code), 302, 'and no negative entry was cached for it');
      } finally {
        await standby.resumeReplay(DB);
      }
    } finally {
      await other.close();
      await t.close();
    }
  });

  test('when the replica lags past DATABASE_READ_MAX_LAG_MS, then reads go to the primary, and back to the replica once it catches up', TIMEOUT, () => withApp(async (t) => {
    const { owner, links } = await linksOnReplica(t, 'lagging', 3);
    assert.equal(await visit(t, links[0]!.code), 302);
    assert.equal((await reads(t)).replica, 1, 'in use: the miss came from the replica');
    await whileOut(t, { begin: () => standby.pauseReplay(DB), end: () => standby.resumeReplay(DB) }, async () => {
      // The primary moves on (a write of the app's own) while the replica stands still.
      await createLink(t, owner, 'https://example.com/lagging/moves-on');
      await untilReplicaOutOfUse(t, MAX_LAG_MS);
      await assertServedBy(t, 'primary', owner, links[1]!, links[1]!);
    });
    await assertServedBy(t, 'replica', owner, links[2]!, links[2]!);
  }));

  test('when the replica stops, then every request is still answered from the primary (no 5xx), and reads return to it when it starts again', TIMEOUT, () => withApp(async (t) => {
    const { owner, links } = await linksOnReplica(t, 'stopped', 12);
    await whileOut(t, { begin: () => standby.stop(), end: () => standby.start() }, async () => {
      // At once, before any poll has seen it: each read fails over to the primary in its own request.
      for (const link of links.slice(0, 10)) {
        assert.equal(await visit(t, link.code), 302);
        await statsTotal(t, owner, link.id); // a 200
      }
      const created = await createLink(t, owner, 'https://example.com/stopped/while-down');
      assert.equal(await visit(t, created.code), 302);
      await untilReplicaOutOfUse(t, MAX_LAG_MS);
      const ready = await t.app.inject({ url: '/readyz' });
      assert.equal(ready.statusCode, 200, ready.body);
      const down = await reads(t);
      assert.equal(down.replica, 0, 'nothing was served by a stopped replica');
      assert.equal(down.primary, 21, '10 misses, 10 stats and the new link\'s miss, all on the primary');
    });
    await assertServedBy(t, 'replica', owner, links[10]!, links[11]!);
  }));

  test('when the replica hangs (SIGSTOP), then a poll takes it out of use within the bound, reads are answered by the primary, and it is used again once it resumes', TIMEOUT, () => withApp(async (t) => {
    const { owner, links } = await linksOnReplica(t, 'hung', 4);
    await whileOut(t, { begin: () => standby.pause(), end: () => standby.resume() }, async () => {
      await untilReplicaOutOfUse(t, MAX_LAG_MS);
      await assertServedBy(t, 'primary', owner, links[0]!, links[1]!);
    });
    await assertServedBy(t, 'replica', owner, links[2]!, links[3]!);
  }));
});
