/**
 * Migration 0003 (click_rollups → click_counts) on both dialects: a database left at 0002 with
 * per-dimension rollups is migrated to latest, and the stats the store shows afterwards are the ones
 * 0002's rows showed: every total, series point and per-dimension count. A database migrated straight
 * to latest has the new table, empty, and no old one.
 */
import { describe, before, after, test } from 'node:test';
import assert from 'node:assert/strict';
import { Migrator, sql, type Kysely } from 'kysely';
import { migrationProvider } from '../../src/adapters/store/migrations/index.js';
import { pino } from 'pino';
import { createStore } from '../../src/compose.js';
import type { KyselyStore } from '../../src/adapters/store/index.js';
import { DAY, DIMENSIONS, HOUR, type Dimension } from '../../src/domain/clicks.js';
import { newId } from '../../src/domain/ids.js';
import type { ClickStats, StatsQuery } from '../../src/ports.js';
import { DIALECTS, createTestDatabase, createTestStore, type TestDatabase } from '../support/stores.js';

const DAY0 = Date.UTC(2024, 0, 10);
/** The hour of link A's and B's hourly rows. */
const H = DAY0 + 12 * HOUR;
/** The earlier day of link A's daily row (0002's compaction folded it), and of a late hourly row at its midnight. */
const D = DAY0 - 2 * DAY;

/** click_rollups as migration 0002 made it. */
interface RollupRow { link_id: string; granularity: string; bucket: number; dimension: string; value: string; bot: number; clicks: number }
type OldDb = Kysely<{ click_rollups: RollupRow }>;

/** One (link, granularity, bucket, bot) group of 0002 rows: its total row and the rows of each dimension. */
interface Group { link: 'A' | 'B'; granularity: 'hour' | 'day'; bucket: number; bot: 0 | 1; total: number; dims: Partial<Record<Dimension, Record<string, number>>> }

const GROUPS: Group[] = [
  {
    link: 'A', granularity: 'hour', bucket: H, bot: 0, total: 10,
    dims: {
      referrer: { 'a.example': 6, '(direct)': 4 },
      country: { DE: 7, FR: 3 },
      browser: { Chrome: 9, Firefox: 1 },
      os: { Linux: 5, Windows: 5 },
      device: { desktop: 8, mobile: 2 },
    },
  },
  {
    link: 'A', granularity: 'hour', bucket: H, bot: 1, total: 2,
    dims: { referrer: { '(direct)': 2 }, country: { US: 2 }, browser: { '(unknown)': 2 }, os: { '(unknown)': 2 }, device: { bot: 2 } },
  },
  {
    link: 'A', granularity: 'day', bucket: D, bot: 0, total: 5,
    dims: { referrer: { 'b.example': 5 }, country: { US: 5 }, browser: { Safari: 5 }, os: { macOS: 5 }, device: { desktop: 5 } },
  },
  // A late click in the first hour of the folded day: an hourly row with the same bucket as the daily one.
  {
    link: 'A', granularity: 'hour', bucket: D, bot: 0, total: 1,
    dims: { referrer: { '(direct)': 1 }, country: { US: 1 }, browser: { Safari: 1 }, os: { macOS: 1 }, device: { mobile: 1 } },
  },
  // Dimensions short of the total (every one; browser has no rows at all): the carry-over keeps the total
  // row's 4 and fills each dimension with (unknown).
  {
    link: 'B', granularity: 'hour', bucket: H, bot: 0, total: 4,
    dims: { referrer: { '(direct)': 2 }, country: { DE: 3 }, os: { Linux: 3 }, device: { desktop: 1 } },
  },
];

/** Links past the carry-over's first batch of 500, one click each. */
const MANY = 520;
const manyGroup: Omit<Group, 'link'> = {
  granularity: 'hour', bucket: H, bot: 0, total: 1,
  dims: { referrer: { '(direct)': 1 }, country: { NL: 1 }, browser: { Edge: 1 }, os: { Windows: 1 }, device: { desktop: 1 } },
};

const rowsOf = (g: Omit<Group, 'link'>, linkId: string): RollupRow[] => {
  const base = { link_id: linkId, granularity: g.granularity, bucket: g.bucket, bot: g.bot };
  return [
    { ...base, dimension: 'total', value: '', clicks: g.total },
    ...Object.entries(g.dims).flatMap(([dimension, values]) =>
      Object.entries(values).map(([value, clicks]) => ({ ...base, dimension, value, clicks }))),
  ];
};

/** A store on the database, not migrated. */
const openStore = (db: TestDatabase): KyselyStore =>
  createStore(db.database, pino({ level: 'silent' }));

/** Inserts a user and a link the way 0001's tables hold them, directly (the store's methods follow the latest schema). */
async function insertLink(db: Kysely<any>, ownerId: string, code: string): Promise<string> {
  const id = newId(DAY0);
  await db.insertInto('links').values({
    id, code, url: `https://example.com/${code}`, title: null, redirect_type: 302, expires_at: null, max_clicks: null,
    owner_id: ownerId, created_at: DAY0, updated_at: DAY0,
  }).execute();
  return id;
}

/** Stats as the store read them from click_rollups before 0003 (the query of 0002's clickStats). */
async function statsFromRollups(db: OldDb, { linkId, from, to, interval, includeBots }: StatsQuery): Promise<ClickStats> {
  const size = interval === 'day' ? DAY : HOUR;
  const inRange = db
    .selectFrom('click_rollups')
    .where('link_id', '=', linkId)
    .where('bucket', '>=', from)
    .where('bucket', '<', to)
    .$if(!includeBots, (q) => q.where('bot', '=', 0));
  const t = sql<number>`bucket - (bucket % ${sql.lit(size)})`;
  const series = await inRange
    .select([t.as('t'), (eb) => eb.fn.sum<number>('clicks').as('clicks')])
    .where('dimension', '=', 'total')
    .groupBy(t)
    .orderBy(t)
    .execute();
  const values = await inRange
    .select(['dimension', 'value', (eb) => eb.fn.sum<number>('clicks').as('clicks')])
    .where('dimension', '!=', 'total')
    .groupBy(['dimension', 'value'])
    .execute();
  const breakdown: ClickStats['breakdown'] = { referrer: [], country: [], browser: [], os: [], device: [] };
  for (const v of values) breakdown[v.dimension as Dimension].push({ value: v.value, clicks: Number(v.clicks) });
  for (const list of Object.values(breakdown)) list.sort((a, b) => b.clicks - a.clicks || a.value.localeCompare(b.value));
  const points = series.map((p) => ({ t: Number(p.t), clicks: Number(p.clicks) }));
  // 0002 knew no routes: the links it counted never routed.
  return { total: points.reduce((sum, p) => sum + p.clicks, 0), series: points, breakdown, destinations: [], rules: [] };
}

/** A breakdown as value → clicks, for literal expectations that do not depend on the order of ties. */
const counts = (stats: ClickStats): Record<Dimension, Record<string, number>> =>
  Object.fromEntries(DIMENSIONS.map((d) => [d, Object.fromEntries(stats.breakdown[d].map((v) => [v.value, v.clicks]))])) as Record<Dimension, Record<string, number>>;

for (const dialect of DIALECTS) {
  describe(`migration 0003-click-counts: ${dialect}`, () => {
    let testDb: TestDatabase | undefined;
    let store: KyselyStore | undefined;
    const ids = { A: '', B: '' };
    const many: string[] = [];
    /** Queries of link A, and what each answered on the 0002 schema. */
    const queriesOfA: { name: string; query: StatsQuery; before?: ClickStats }[] = [];
    const s = () => {
      if (!store) throw new Error('store not created yet');
      return store;
    };

    before(async () => {
      testDb = await createTestDatabase(dialect);
      store = openStore(testDb);
      const { error, results } = await new Migrator({ db: store.db, provider: migrationProvider }).migrateTo('0002-click-analytics');
      if (error) throw error;
      assert.deepEqual(results?.map((r) => [r.migrationName, r.status]), [['0001-core', 'Success'], ['0002-click-analytics', 'Success']]);

      const db = store.db as unknown as Kysely<any>;
      const ownerId = newId(DAY0);
      await db.insertInto('users').values({
        id: ownerId, email: 'owner@example.com', name: 'Owner', role: 'user', password_hash: 'not-a-real-hash', created_at: DAY0, updated_at: DAY0,
      }).execute();
      ids.A = await insertLink(db, ownerId, 'linka');
      ids.B = await insertLink(db, ownerId, 'linkb');
      const old = store.db.withTables<{ click_rollups: RollupRow }>() as unknown as OldDb;
      await old.insertInto('click_rollups').values(GROUPS.flatMap((g) => rowsOf(g, ids[g.link]))).execute();
      for (let i = 0; i < MANY; i++) many.push(await insertLink(db, ownerId, `many${i}`));
      for (let i = 0; i < MANY; i += 50) {
        await old.insertInto('click_rollups').values(many.slice(i, i + 50).flatMap((id) => rowsOf(manyGroup, id))).execute();
      }

      const wide = { linkId: ids.A, from: D - DAY, to: DAY0 + DAY };
      for (const interval of ['hour', 'day'] as const) {
        for (const includeBots of [false, true]) queriesOfA.push({ name: `${interval}, bots ${includeBots}`, query: { ...wide, interval, includeBots } });
      }
      // Only the hour: the daily row is out of range.
      queriesOfA.push({ name: 'hour H only', query: { linkId: ids.A, from: H, to: H + HOUR, interval: 'hour', includeBots: false } });
      for (const q of queriesOfA) q.before = await statsFromRollups(old, q.query);

      await store.migrate();
    });

    after(async () => {
      await store?.close();
      await testDb?.drop();
    });

    test('the oracle (0002 stats) saw the rows as inserted', () => {
      const [hourNoBots] = queriesOfA;
      assert.equal(hourNoBots!.before!.total, 16);
      assert.deepEqual(hourNoBots!.before!.series, [{ t: D, clicks: 6 }, { t: H, clicks: 10 }]);
    });

    test('link A: total, series and every breakdown are what 0002 showed, per interval, with and without bots', async () => {
      for (const { name, query, before: expected } of queriesOfA) {
        assert.deepEqual(await s().clickStats(query), expected, name);
      }
    });

    test('link A: the literal counts', async () => {
      const stats = (over: Partial<StatsQuery>) =>
        s().clickStats({ linkId: ids.A, from: D - DAY, to: DAY0 + DAY, interval: 'hour', includeBots: false, ...over });

      const humans = await stats({});
      assert.equal(humans.total, 16);
      assert.deepEqual(humans.series, [{ t: D, clicks: 6 }, { t: H, clicks: 10 }]);
      assert.deepEqual(counts(humans), {
        referrer: { 'a.example': 6, 'b.example': 5, '(direct)': 5 },
        country: { DE: 7, US: 6, FR: 3 },
        browser: { Chrome: 9, Safari: 6, Firefox: 1 },
        os: { Linux: 5, Windows: 5, macOS: 6 },
        device: { desktop: 13, mobile: 3 },
      });

      const all = await stats({ includeBots: true });
      assert.equal(all.total, 18);
      assert.deepEqual(all.series, [{ t: D, clicks: 6 }, { t: H, clicks: 12 }]);
      assert.deepEqual(counts(all), {
        referrer: { 'a.example': 6, 'b.example': 5, '(direct)': 7 },
        country: { DE: 7, US: 8, FR: 3 },
        browser: { Chrome: 9, Safari: 6, Firefox: 1, '(unknown)': 2 },
        os: { Linux: 5, Windows: 5, macOS: 6, '(unknown)': 2 },
        device: { desktop: 13, mobile: 3, bot: 2 },
      });

      assert.deepEqual((await stats({ interval: 'day' })).series, [{ t: D, clicks: 6 }, { t: DAY0, clicks: 10 }]);
      assert.deepEqual((await stats({ interval: 'day', includeBots: true })).series, [{ t: D, clicks: 6 }, { t: DAY0, clicks: 12 }]);

      const hourOnly = await stats({ from: H, to: H + HOUR });
      assert.equal(hourOnly.total, 10);
      assert.deepEqual(counts(hourOnly), {
        referrer: { 'a.example': 6, '(direct)': 4 },
        country: { DE: 7, FR: 3 },
        browser: { Chrome: 9, Firefox: 1 },
        os: { Linux: 5, Windows: 5 },
        device: { desktop: 8, mobile: 2 },
      });
    });

    test('link B: dimensions short of the total are filled with (unknown)', async () => {
      const stats = await s().clickStats({ linkId: ids.B, from: D - DAY, to: DAY0 + DAY, interval: 'hour', includeBots: true });
      assert.equal(stats.total, 4);
      assert.deepEqual(stats.series, [{ t: H, clicks: 4 }]);
      assert.deepEqual(stats.breakdown.country, [{ value: 'DE', clicks: 3 }, { value: '(unknown)', clicks: 1 }]);
      assert.deepEqual(stats.breakdown.browser, [{ value: '(unknown)', clicks: 4 }]);
      assert.deepEqual(counts(stats), {
        referrer: { '(direct)': 2, '(unknown)': 2 },
        country: { DE: 3, '(unknown)': 1 },
        browser: { '(unknown)': 4 },
        os: { Linux: 3, '(unknown)': 1 },
        device: { desktop: 1, '(unknown)': 3 },
      });
    });

    test(`links past the first batch of 500 are carried over too (${MANY} more links)`, async () => {
      const perLink = await s().db
        .selectFrom('click_counts')
        .select(['link_id', (eb) => eb.fn.sum<number>('clicks').as('clicks'), (eb) => eb.fn.countAll<number>().as('rows')])
        .where('link_id', 'in', many)
        .groupBy('link_id')
        .execute();
      assert.equal(perLink.length, MANY);
      assert.ok(perLink.every((r) => Number(r.clicks) === 1 && Number(r.rows) === 1));
      const last = await s().clickStats({ linkId: many.at(-1)!, from: H, to: H + HOUR, interval: 'hour', includeBots: false });
      assert.deepEqual(counts(last), { referrer: { '(direct)': 1 }, country: { NL: 1 }, browser: { Edge: 1 }, os: { Windows: 1 }, device: { desktop: 1 } });
    });

    test('click_rollups is dropped; click_counts holds positive rows of the seeded links only', async () => {
      const db = s().db as unknown as Kysely<any>;
      await assert.rejects(db.selectFrom('click_rollups').selectAll().execute());
      const rows = await s().db.selectFrom('click_counts').selectAll().execute();
      assert.ok(rows.length > 0);
      assert.ok(rows.every((r) => Number(r.clicks) > 0), 'no empty combination rows');
      assert.deepEqual([...new Set(rows.map((r) => r.link_id))].sort(), [ids.A, ids.B, ...many].sort());
      // Each 0002 group (link, granularity, bucket, bot) keeps its total in its own rows.
      const byGroup = new Map<string, number>();
      for (const r of rows) {
        if (r.link_id !== ids.A && r.link_id !== ids.B) continue;
        const key = `${r.link_id === ids.A ? 'A' : 'B'} ${r.granularity} ${Number(r.bucket)} ${Number(r.bot)}`;
        byGroup.set(key, (byGroup.get(key) ?? 0) + Number(r.clicks));
      }
      assert.deepEqual(
        Object.fromEntries([...byGroup].sort()),
        Object.fromEntries(GROUPS.map((g) => [`${g.link} ${g.granularity} ${g.bucket} ${g.bot}`, g.total] as const).sort()),
      );
      // The migration is recorded: migrating again changes nothing.
      await s().migrate();
      assert.equal((await s().db.selectFrom('click_counts').selectAll().execute()).length, rows.length);
    });

    test(
      'a dimension short of the total that already has an (unknown) row is carried over',
      async () => {
        const t = await createTestDatabase(dialect);
        const other = openStore(t);
        try {
          const { error } = await new Migrator({ db: other.db, provider: migrationProvider }).migrateTo('0002-click-analytics');
          if (error) throw error;
          const db = other.db as unknown as Kysely<any>;
          const ownerId = newId(DAY0);
          await db.insertInto('users').values({
            id: ownerId, email: 'owner@example.com', name: null, role: 'user', password_hash: 'x', created_at: DAY0, updated_at: DAY0,
          }).execute();
          const linkId = await insertLink(db, ownerId, 'linkc');
          const group: Omit<Group, 'link'> = {
            granularity: 'hour', bucket: H, bot: 0, total: 4,
            dims: { referrer: { '(direct)': 4 }, country: { '(unknown)': 1, DE: 2 }, browser: { Chrome: 4 }, os: { Linux: 4 }, device: { desktop: 4 } },
          };
          await (other.db.withTables<{ click_rollups: RollupRow }>() as unknown as OldDb).insertInto('click_rollups').values(rowsOf(group, linkId)).execute();
          await other.migrate();
          const stats = await other.clickStats({ linkId, from: H, to: H + HOUR, interval: 'hour', includeBots: false });
          assert.equal(stats.total, 4);
          assert.deepEqual(counts(stats).country, { DE: 2, '(unknown)': 2 });
        } finally {
          await other.close();
          await t.drop();
        }
      },
    );

    test('a fresh database migrated straight to latest has click_counts, empty, and no click_rollups', async () => {
      const fresh = await createTestStore(dialect);
      try {
        assert.deepEqual(await fresh.store.db.selectFrom('click_counts').selectAll().execute(), []);
        await assert.rejects((fresh.store.db as unknown as Kysely<any>).selectFrom('click_rollups').selectAll().execute());
        const { error, results } = await new Migrator({ db: fresh.store.db, provider: migrationProvider }).migrateToLatest();
        assert.ifError(error);
        assert.deepEqual(results, []);
      } finally {
        await fresh.close();
      }
    });
  });
}

for (const dialect of DIALECTS) {
  describe(`migration 0005-domains: ${dialect}`, () => {
    test('when links made before domains are migrated, then they are on the default domain, found by code as before, and their codes free on other domains', async () => {
      const testDb = await createTestDatabase(dialect);
      const store = openStore(testDb);
      try {
        const { error } = await new Migrator({ db: store.db, provider: migrationProvider }).migrateTo('0004-accounts-hardening');
        if (error) throw error;
        const db = store.db as unknown as Kysely<any>;
        const ownerId = newId(DAY0);
        await db.insertInto('users').values({ id: ownerId, email: 'old@example.com', name: null, role: 'admin', password_hash: 'x', created_at: DAY0, updated_at: DAY0 }).execute();
        const id = await insertLink(db, ownerId, 'before-domains');
        await store.migrate();
        const link = await store.findTargetByCode('before-domains');
        assert.deepEqual([link?.id, link?.domainId], [id, '']);
        const domain = await store.insertDomain({ id: newId(DAY0), hostname: 'go.example', rootRedirect: null, notFoundRedirect: null, ownerId: null, createdAt: DAY0 });
        await store.insertLink({ id: newId(DAY0 + 1), domainId: domain.id, code: 'before-domains', url: 'https://example.com/new', title: null, tags: [], redirectType: 302, expiresAt: null, maxClicks: null, ownerId, createdAt: DAY0 + 1 });
        assert.equal((await store.findTargetByCode('before-domains'))?.id, id);
      } finally {
        await store.close();
        await testDb.drop();
      }
    });
  });
}

for (const dialect of DIALECTS) {
  describe(`migration 0006-link-passwords: ${dialect}`, () => {
    test('when a database with links is migrated to 0006, then every link is open (no password) and keeps redirecting as before', async () => {
      const testDb = await createTestDatabase(dialect);
      const store = openStore(testDb);
      try {
        const { error } = await new Migrator({ db: store.db, provider: migrationProvider }).migrateTo('0004-accounts-hardening');
        if (error) throw error;
        const db = store.db as unknown as Kysely<any>;
        const ownerId = newId(DAY0);
        await db.insertInto('users').values({
          id: ownerId, email: 'owner@example.com', name: null, role: 'user', password_hash: 'not-a-real-hash', created_at: DAY0, updated_at: DAY0,
        }).execute();
        const id = await insertLink(db, ownerId, 'before6');
        await store.migrate();
        assert.equal((await store.findLinkByCode('before6'))?.hasPassword, false);
        assert.equal((await store.findTargetByCode('before6'))?.url, 'https://example.com/before6');
        assert.deepEqual(await store.findLinkPassword('before6'), { id, passwordHash: null });
      } finally {
        await store.close();
        await testDb.drop();
      }
    });
  });
}

for (const dialect of DIALECTS) {
  describe(`migration 0010-click-routes: ${dialect}`, () => {
    test('when a database at 0009 with counted clicks is migrated, then its stats are unchanged with no routes, and routed clicks count from then on', async () => {
      const testDb = await createTestDatabase(dialect);
      const store = openStore(testDb);
      try {
        const { error } = await new Migrator({ db: store.db, provider: migrationProvider }).migrateTo('0009-link-routing');
        if (error) throw error;
        const db = store.db as unknown as Kysely<any>;
        await assert.rejects(db.selectFrom('click_routes').selectAll().execute(), 'no click_routes before 0010');
        const ownerId = newId(DAY0);
        await db.insertInto('users').values({
          id: ownerId, email: 'owner@example.com', name: null, role: 'user', password_hash: 'not-a-real-hash', created_at: DAY0, updated_at: DAY0,
        }).execute();
        const id = await insertLink(db, ownerId, 'before10');
        await db.insertInto('click_counts').values({
          link_id: id, granularity: 'hour', bucket: H, bot: 0, referrer: '(direct)', country: 'DE', browser: 'Chrome', os: 'Linux', device: 'desktop', clicks: 7,
        }).execute();
        const query: StatsQuery = { linkId: id, from: DAY0, to: DAY0 + DAY, interval: 'hour', includeBots: true };
        await store.migrate();
        const after = await store.clickStats(query);
        assert.deepEqual([after.total, after.series, after.destinations, after.rules], [7, [{ t: H, clicks: 7 }], [], []]);
        const routed = { linkId: id, at: H + 1, counted: false, bot: false, referrer: '(direct)', country: 'DE', browser: 'Chrome', os: 'Linux', device: 'desktop' };
        assert.equal(await store.applyClicks([{ ...routed, destination: 'https://a.example/', rule: null }, { ...routed, destination: 'https://b.example/', rule: 0 }]), 2);
        const routes = await store.clickStats(query);
        assert.equal(routes.total, 9);
        assert.deepEqual(routes.destinations, [{ url: 'https://a.example/', clicks: 1 }, { url: 'https://b.example/', clicks: 1 }]);
        assert.deepEqual(routes.rules, [{ rule: 0, clicks: 1 }, { rule: null, clicks: 1 }]);
      } finally {
        await store.close();
        await testDb.drop();
      }
    });
  });
}
