import { sql, type Kysely } from 'kysely';
import type { ClickStats, ClickStore, StatsQuery } from '../../ports.js';
import { DAY, DIMENSIONS, HOUR, countClicks, countRoutes, uncountedPerLink, type ParsedClick } from '../../domain/clicks.js';
import { CLICK_COUNT_KEY, CLICK_ROUTE_KEY, NO_RULE, type Database } from './schema.js';
import { newId } from '../../domain/ids.js';
import { chunks } from './chunks.js';
import type { StoreDialect } from './dialect.js';

/** The click analytics: applying batches exactly once, the rollups, and their compaction. */
export class KyselyClickStore implements ClickStore {
  private readonly db: Kysely<Database>;
  private readonly maintenance: Kysely<Database>;

  constructor(private readonly dialect: StoreDialect) {
    this.db = dialect.db;
    this.maintenance = dialect.maintenance;
  }

  async applyClicks(clicks: readonly ParsedClick[], batchId = newId(Date.now())): Promise<number> {
    if (clicks.length === 0) return 0;
    const keyOf = (c: ParsedClick) => c.key ?? batchId;
    return this.db.transaction().execute(async (trx) => {
      // Keys first: a click whose key was applied before is a redelivery and counts nothing.
      const keys = new Map<string, number>();
      for (const c of clicks) keys.set(keyOf(c), Math.max(c.at, keys.get(keyOf(c)) ?? 0));
      const fresh = new Set<string>();
      for (const batch of chunks([...keys])) {
        const inserted = await trx
          .insertInto('applied_clicks')
          .values(batch.map(([id, at]) => ({ id, at })))
          .onConflict((oc) => oc.column('id').doNothing())
          .returning('id')
          .execute();
        for (const { id } of inserted) fresh.add(id);
      }
      const applied = clicks.filter((c) => fresh.has(keyOf(c)));

      // links.clicks, with one UPDATE per distinct increment (under spread traffic most links got one
      // click); what the UPDATEs return are the links that still exist.
      const live = new Set<string>();
      const byIncrement = new Map<number, string[]>();
      for (const [id, n] of uncountedPerLink(applied)) {
        const ids = byIncrement.get(n);
        if (ids) ids.push(id);
        else byIncrement.set(n, [id]);
      }
      for (const [n, links] of byIncrement) {
        for (const ids of chunks(links)) {
          const updated = await trx.updateTable('links').set((eb) => ({ clicks: eb('clicks', '+', n) })).where('id', 'in', ids).returning('id').execute();
          for (const { id } of updated) live.add(id);
        }
      }
      // Links whose clicks the redirect counted already (a click limit) were in no UPDATE: look them up.
      const unknown = [...new Set(applied.filter((c) => c.counted && !live.has(c.linkId)).map((c) => c.linkId))];
      for (const ids of chunks(unknown)) {
        for (const { id } of await trx.selectFrom('links').select('id').where('id', 'in', ids).execute()) live.add(id);
      }

      // Clicks of deleted links are dropped; the rest go into the counts.
      const counted = applied.filter((c) => live.has(c.linkId));
      for (const rows of chunks(countClicks(counted))) {
        await trx
          .insertInto('click_counts')
          .values(rows.map(({ linkId, bot, ...r }) => ({ ...r, link_id: linkId, granularity: 'hour', bot: bot ? 1 : 0 })))
          .onConflict((oc) => oc.columns(CLICK_COUNT_KEY).doUpdateSet((eb) => ({ clicks: eb('click_counts.clicks', '+', eb.ref('excluded.clicks')) })))
          .execute();
      }
      // Routed clicks also by rule and destination, under the same key and transaction: exactly as counted.
      for (const rows of chunks(countRoutes(counted))) {
        await trx
          .insertInto('click_routes')
          .values(rows.map(({ linkId, bot, rule, ...r }) => ({ ...r, link_id: linkId, granularity: 'hour', bot: bot ? 1 : 0, rule: rule ?? NO_RULE })))
          .onConflict((oc) => oc.columns(CLICK_ROUTE_KEY).doUpdateSet((eb) => ({ clicks: eb('click_routes.clicks', '+', eb.ref('excluded.clicks')) })))
          .execute();
      }
      return counted.reduce((sum, c) => sum + (c.n ?? 1), 0);
    });
  }

  /** On a read replica when one is usable: stats may lag by DATABASE_READ_MAX_LAG_MS, as clicks already lag by a flush. */
  clickStats(query: StatsQuery): Promise<ClickStats> {
    return this.dialect.reads.read((db) => this.#clickStats(db, query));
  }

  async #clickStats(db: Kysely<Database>, { linkId, from, to, interval, includeBots }: StatsQuery): Promise<ClickStats> {
    const size = interval === 'day' ? DAY : HOUR;
    const inRange = db
      .selectFrom('click_counts')
      .where('link_id', '=', linkId)
      .where('bucket', '>=', from)
      .where('bucket', '<', to)
      .$if(!includeBots, (q) => q.where('bot', '=', 0));
    const clicks = sql<number>`sum(clicks)`.as('clicks');
    const t = sql<number>`bucket - (bucket % ${sql.lit(size)})`;
    const series = await inRange.select([t.as('t'), clicks]).groupBy(t).orderBy(t).execute();
    const breakdown = {} as ClickStats['breakdown'];
    for (const dimension of DIMENSIONS) {
      const values = await inRange.select([sql.ref<string>(dimension).as('value'), clicks]).groupBy(dimension).execute();
      breakdown[dimension] = values
        .map((v) => ({ value: v.value, clicks: Number(v.clicks) }))
        .sort((a, b) => b.clicks - a.clicks || a.value.localeCompare(b.value));
    }
    const points = series.map((p) => ({ t: Number(p.t), clicks: Number(p.clicks) }));
    const routes = db
      .selectFrom('click_routes')
      .where('link_id', '=', linkId)
      .where('bucket', '>=', from)
      .where('bucket', '<', to)
      .$if(!includeBots, (q) => q.where('bot', '=', 0));
    const destinations = (await routes.select(['destination', clicks]).groupBy('destination').execute())
      .map((d) => ({ url: d.destination, clicks: Number(d.clicks) }))
      .sort((a, b) => b.clicks - a.clicks || a.url.localeCompare(b.url));
    // Ties in rule order, "no rule" last: the order the redirect tries them in.
    const rules = (await routes.select(['rule', clicks]).groupBy('rule').execute())
      .map((r) => ({ rule: Number(r.rule) === NO_RULE ? null : Number(r.rule), clicks: Number(r.clicks) }))
      .sort((a, b) => b.clicks - a.clicks || (a.rule ?? Infinity) - (b.rule ?? Infinity));
    return { total: points.reduce((sum, p) => sum + p.clicks, 0), series: points, breakdown, destinations, rules };
  }

  async compactClicks(foldBefore: number, forgetIdsBefore: number): Promise<void> {
    const day = sql<number>`bucket - (bucket % ${sql.lit(DAY)})`;
    // Whole days only, so a day is never half hourly and half daily.
    const cutoff = foldBefore - (foldBefore % DAY);
    await this.maintenance.transaction().execute(async (trx) => {
      // Two processes compacting at once would fold the same hours twice: the lock row makes the
      // second wait, and then find nothing left to fold.
      await trx.updateTable('locks').set({ name: 'compact-clicks' }).where('name', '=', 'compact-clicks').execute();
      await trx
        .insertInto('click_counts')
        .columns([...CLICK_COUNT_KEY, 'clicks'])
        .expression((eb) => eb
          .selectFrom('click_counts')
          .select(['link_id', day.as('bucket'), sql<string>`'day'`.as('granularity'), 'bot', ...DIMENSIONS, eb.fn.sum<number>('clicks').as('clicks')])
          .where('granularity', '=', 'hour')
          .where('bucket', '<', cutoff)
          .groupBy(['link_id', day, 'bot', ...DIMENSIONS]))
        .onConflict((oc) => oc.columns(CLICK_COUNT_KEY).doUpdateSet((eb) => ({ clicks: eb('click_counts.clicks', '+', eb.ref('excluded.clicks')) })))
        .execute();
      await trx.deleteFrom('click_counts').where('granularity', '=', 'hour').where('bucket', '<', cutoff).execute();
      await trx
        .insertInto('click_routes')
        .columns([...CLICK_ROUTE_KEY, 'clicks'])
        .expression((eb) => eb
          .selectFrom('click_routes')
          .select(['link_id', day.as('bucket'), sql<string>`'day'`.as('granularity'), 'bot', 'rule', 'destination', eb.fn.sum<number>('clicks').as('clicks')])
          .where('granularity', '=', 'hour')
          .where('bucket', '<', cutoff)
          .groupBy(['link_id', day, 'bot', 'rule', 'destination']))
        .onConflict((oc) => oc.columns(CLICK_ROUTE_KEY).doUpdateSet((eb) => ({ clicks: eb('click_routes.clicks', '+', eb.ref('excluded.clicks')) })))
        .execute();
      await trx.deleteFrom('click_routes').where('granularity', '=', 'hour').where('bucket', '<', cutoff).execute();
      await trx.deleteFrom('applied_clicks').where('at', '<', forgetIdsBefore).execute();
    });
  }
}
