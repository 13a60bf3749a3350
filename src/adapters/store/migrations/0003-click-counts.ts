import type { Kysely } from 'kysely';
import { DIMENSIONS, UNKNOWN, type Dimension } from '../../../domain/clicks.js';
import { chunks } from '../chunks.js';

/** click_rollups (0002, one row per dimension) becomes click_counts (one row per combination), carrying its clicks over. */
export async function up(db: Kysely<any>): Promise<void> {
  // One row per link, hour (or day), bot-ness and combination of referrer, country, browser, os and
  // device, instead of 0002's one row per dimension: a batch of clicks writes a sixth of the rows.
  await db.schema
    .createTable('click_counts')
    .addColumn('link_id', 'text', (c) => c.notNull().references('links.id').onDelete('cascade'))
    .addColumn('granularity', 'text', (c) => c.notNull())
    .addColumn('bucket', 'bigint', (c) => c.notNull())
    .addColumn('bot', 'integer', (c) => c.notNull())
    .addColumn('referrer', 'text', (c) => c.notNull())
    .addColumn('country', 'text', (c) => c.notNull())
    .addColumn('browser', 'text', (c) => c.notNull())
    .addColumn('os', 'text', (c) => c.notNull())
    .addColumn('device', 'text', (c) => c.notNull())
    .addColumn('clicks', 'bigint', (c) => c.notNull())
    // A link's stats read a range of buckets: the key leads with (link_id, bucket).
    .addPrimaryKeyConstraint('click_counts_pk', ['link_id', 'bucket', 'granularity', 'bot', 'referrer', 'country', 'browser', 'os', 'device'])
    .execute();
  await db.schema.createIndex('click_counts_age').on('click_counts').columns(['granularity', 'bucket']).execute();
  await carryOverRollups(db);
  await db.schema.dropTable('click_rollups').execute();
}

type Marginal = [value: string, clicks: number][];

/**
 * Combinations of dimension values whose sums per dimension are exactly the given marginals: the
 * north-west corner rule, walking every dimension's values in step. Migration 0002 kept only the
 * marginals (clicks per value of each dimension), and they are all the stats show, so the rows this
 * makes answer every stats query as the old ones did. A dimension short of `total` is filled with UNKNOWN.
 */
export function joinMarginals(total: number, marginals: Partial<Record<Dimension, Marginal>>): { values: Record<Dimension, string>; clicks: number }[] {
  const lists = DIMENSIONS.map((d) => {
    const list: Marginal = (marginals[d] ?? []).filter(([, n]) => n > 0).map(([v, n]) => [v, n]);
    const short = total - list.reduce((s, [, n]) => s + n, 0);
    const unknown = list.find(([v]) => v === UNKNOWN);
    if (short > 0 && unknown) unknown[1] += short;
    else if (short > 0) list.push([UNKNOWN, short]);
    return list;
  });
  const at = DIMENSIONS.map(() => 0);
  const rows = [];
  for (let left = total; left > 0;) {
    const n = Math.min(left, ...lists.map((list, d) => list[at[d]!]![1]));
    rows.push({ values: Object.fromEntries(DIMENSIONS.map((dim, d) => [dim, lists[d]![at[d]!]![0]])) as Record<Dimension, string>, clicks: n });
    lists.forEach((list, d) => {
      if ((list[at[d]!]![1] -= n) === 0) at[d]!++;
    });
    left -= n;
  }
  return rows;
}

interface OldRow { link_id: string; granularity: string; bucket: number; dimension: string; value: string; bot: number; clicks: number }

/** Moves 0002's per-dimension rows into click_counts, 500 links at a time (memory stays flat). */
export async function carryOverRollups(db: Kysely<any>): Promise<void> {
  for (let after = ''; ;) {
    const links = await db.selectFrom('click_rollups').select('link_id').distinct().where('link_id', '>', after).orderBy('link_id').limit(500).execute();
    if (links.length === 0) return;
    after = links.at(-1)!.link_id;
    const old = (await db.selectFrom('click_rollups').selectAll().where('link_id', 'in', links.map((l) => l.link_id)).execute()) as OldRow[];
    const groups = new Map<string, OldRow[]>();
    for (const row of old) {
      const key = `${row.link_id}\u0000${row.granularity}\u0000${row.bucket}\u0000${row.bot}`;
      const group = groups.get(key);
      if (group) group.push(row);
      else groups.set(key, [row]);
    }
    const rows = [...groups.values()].flatMap((group) => {
      const { link_id, granularity, bucket, bot } = group[0]!;
      const marginals: Partial<Record<Dimension, Marginal>> = {};
      for (const r of group) if (r.dimension !== 'total') (marginals[r.dimension as Dimension] ??= []).push([r.value, Number(r.clicks)]);
      const sums = Object.values(marginals).map((m) => m.reduce((s, [, n]) => s + n, 0));
      const total = Math.max(Number(group.find((r) => r.dimension === 'total')?.clicks ?? 0), ...sums);
      return joinMarginals(total, marginals).map(({ values, clicks }) => ({ link_id, granularity, bucket, bot, ...values, clicks }));
    });
    for (const chunk of chunks(rows)) await db.insertInto('click_counts').values(chunk).execute();
  }
}
