import { sql } from 'kysely';
import type { ClickStats, StatsQuery, Store } from '../../ports.js';
import type { ParsedClick } from '../../analytics/parse.js';
import { DAY, HOUR, rollUp, uncountedPerLink } from '../../analytics/rollup.js';
import { newId } from '../../domain/ids.js';
import { chunks } from './kysely-base.js';
import { LinksStore } from './links.js';

export { fieldOfConstraint, type UniqueViolationOf } from './kysely-base.js';

/**
 * The Store over Kysely. Every query is written once and runs unchanged on SQLite and PostgreSQL;
 * the dialect adapters (sqlite.ts, postgres.ts) only open the connection. This last layer holds
 * the click analytics: applying batches exactly once, the rollups, and their compaction.
 */
export class KyselyStore extends LinksStore implements Store {
  async applyClicks(batch: readonly ParsedClick[], batchId = newId(Date.now())): Promise<number> {
    // One event delivered twice within a batch counts once, like one delivered in two batches.
    const seen = new Set<string>();
    const clicks = batch.filter((c) => c.id === undefined || (!seen.has(c.id) && seen.add(c.id)));
    if (clicks.length === 0) return 0;
    const keyOf = (c: ParsedClick) => c.id ?? batchId;
    return this.db.transaction().execute(async (trx) => {
      // Only clicks of links that still exist, and whose keys are new, count.
      const linkIds = [...new Set(clicks.map((c) => c.linkId))];
      const live = new Set<string>();
      for (const ids of chunks(linkIds)) {
        for (const { id } of await trx.selectFrom('links').select('id').where('id', 'in', ids).execute()) live.add(id);
      }
      const keys = new Map<string, number>();
      for (const c of clicks) if (live.has(c.linkId)) keys.set(keyOf(c), Math.max(c.at, keys.get(keyOf(c)) ?? 0));
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
      for (const rows of chunks(rollUp(applied))) {
        await trx
          .insertInto('click_rollups')
          .values(rows.map((r) => ({
            link_id: r.linkId, granularity: 'hour', bucket: r.bucket, dimension: r.dimension, value: r.value,
            bot: r.bot ? 1 : 0, clicks: r.clicks,
          })))
          .onConflict((oc) => oc
            .columns(['link_id', 'dimension', 'bucket', 'granularity', 'value', 'bot'])
            .doUpdateSet((eb) => ({ clicks: eb('click_rollups.clicks', '+', eb.ref('excluded.clicks')) })))
          .execute();
      }
      // One UPDATE per distinct increment, not per link: under a spread of traffic most links got one click.
      const byIncrement = new Map<number, string[]>();
      for (const [id, n] of uncountedPerLink(applied)) {
        const ids = byIncrement.get(n);
        if (ids) ids.push(id);
        else byIncrement.set(n, [id]);
      }
      for (const [n, links] of byIncrement) {
        for (const ids of chunks(links)) {
          await trx.updateTable('links').set((eb) => ({ clicks: eb('clicks', '+', n) })).where('id', 'in', ids).execute();
        }
      }
      return applied.length;
    });
  }

  async clickStats({ linkId, from, to, interval, includeBots }: StatsQuery): Promise<ClickStats> {
    const size = interval === 'day' ? DAY : HOUR;
    const inRange = this.db
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
    for (const v of values) breakdown[v.dimension as keyof typeof breakdown]?.push({ value: v.value, clicks: Number(v.clicks) });
    for (const list of Object.values(breakdown)) list.sort((a, b) => b.clicks - a.clicks || a.value.localeCompare(b.value));
    const points = series.map((p) => ({ t: Number(p.t), clicks: Number(p.clicks) }));
    return { total: points.reduce((sum, p) => sum + p.clicks, 0), series: points, breakdown };
  }

  async compactClicks(foldBefore: number, forgetIdsBefore: number): Promise<void> {
    const day = sql<number>`bucket - (bucket % ${sql.lit(DAY)})`;
    // Whole days only, so a day is never half hourly and half daily.
    const cutoff = foldBefore - (foldBefore % DAY);
    await this.db.transaction().execute(async (trx) => {
      // Two processes compacting at once would fold the same hours twice: the lock row makes the
      // second wait, and then find nothing left to fold.
      await trx.updateTable('locks').set({ name: 'compact-clicks' }).where('name', '=', 'compact-clicks').execute();
      await trx
        .insertInto('click_rollups')
        .columns(['link_id', 'granularity', 'bucket', 'dimension', 'value', 'bot', 'clicks'])
        .expression((eb) => eb
          .selectFrom('click_rollups')
          .select(['link_id', sql<string>`'day'`.as('granularity'), day.as('bucket'), 'dimension', 'value', 'bot',
            eb.fn.sum<number>('clicks').as('clicks')])
          .where('granularity', '=', 'hour')
          .where('bucket', '<', cutoff)
          .groupBy(['link_id', day, 'dimension', 'value', 'bot']))
        .onConflict((oc) => oc
          .columns(['link_id', 'dimension', 'bucket', 'granularity', 'value', 'bot'])
          .doUpdateSet((eb) => ({ clicks: eb('click_rollups.clicks', '+', eb.ref('excluded.clicks')) })))
        .execute();
      await trx.deleteFrom('click_rollups').where('granularity', '=', 'hour').where('bucket', '<', cutoff).execute();
      await trx.deleteFrom('applied_clicks').where('at', '<', forgetIdsBefore).execute();
    });
  }
}
