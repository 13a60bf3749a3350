import { Kysely, Migrator, sql, type Selectable } from 'kysely';
import type {
  ApiKeyRecord, LinkChanges, LinkQuery, LinkRecord, LinkTarget, NewLink, NewUser, PageQuery, RedirectType,
  RefreshTokenRecord, Role, Store, UserChanges, UserRecord, Visit, StatsQuery, ClickStats,
} from '../../ports.js';
import { UniqueViolation } from '../../ports.js';
import { linkState } from '../../domain/link-state.js';
import type { Database } from './schema.js';
import { migrationProvider } from './migrations.js';
import type { ParsedClick } from '../../analytics/parse.js';
import { DAY, HOUR, rollUp, uncountedPerLink } from '../../analytics/rollup.js';

type LinkRow = Selectable<Database['links']>;

/** How an adapter recognises a unique-index failure of its driver, and which field it concerns. */
export type UniqueViolationOf = (err: unknown) => UniqueViolation['field'] | undefined;

/**
 * The Store over Kysely. Every query here is written once and runs unchanged on SQLite and
 * PostgreSQL; the dialect adapters (sqlite.ts, postgres.ts) only open the connection.
 */
export class KyselyStore implements Store {
  constructor(
    readonly db: Kysely<Database>,
    private readonly uniqueViolationOf: UniqueViolationOf,
  ) {}

  async migrate(): Promise<void> {
    const { error } = await new Migrator({ db: this.db, provider: migrationProvider }).migrateToLatest();
    if (error) throw error;
  }

  async ping(): Promise<void> {
    await sql`select 1`.execute(this.db);
  }

  async close(): Promise<void> {
    await this.db.destroy();
  }

  // ── users ──────────────────────────────────────────────────────────────────────────────────

  async createUser(user: NewUser): Promise<UserRecord> {
    return this.unique(() =>
      this.db.transaction().execute(async (trx) => {
        const row = { ...toUserRow(user), role: user.role ?? 'user', updated_at: user.createdAt };
        await trx.insertInto('users').values(row).execute();
        const claim = await trx
          .insertInto('first_admin')
          .values({ id: 1, user_id: user.id })
          .onConflict((oc) => oc.doNothing())
          .executeTakeFirst();
        if (Number(claim.numInsertedOrUpdatedRows ?? 0) === 1) {
          await trx.updateTable('users').set({ role: 'admin' }).where('id', '=', user.id).execute();
          row.role = 'admin';
        }
        return toUser(row);
      }),
    );
  }

  async findUserById(id: string): Promise<UserRecord | undefined> {
    const row = await this.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toUser(row);
  }

  async findUserByEmail(email: string): Promise<UserRecord | undefined> {
    const row = await this.db.selectFrom('users').selectAll().where('email', '=', email).executeTakeFirst();
    return row && toUser(row);
  }

  async listUsers({ limit, cursor }: PageQuery): Promise<UserRecord[]> {
    let query = this.db.selectFrom('users').selectAll();
    if (cursor) {
      query = query.where((eb) => eb(eb.refTuple('created_at', 'id'), '<', eb.tuple(cursor.createdAt, cursor.id)));
    }
    const rows = await query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit + 1).execute();
    return rows.map(toUser);
  }

  async updateUser(id: string, changes: UserChanges, now: number): Promise<UserRecord | undefined> {
    const set = {
      ...definedOnly({ email: changes.email, name: changes.name, role: changes.role, password_hash: changes.passwordHash }),
      updated_at: now,
    };
    const row = await this.unique(() =>
      this.db.updateTable('users').set(set).where('id', '=', id).returningAll().executeTakeFirst(),
    );
    return row && toUser(row);
  }

  async deleteUser(id: string): Promise<string[] | undefined> {
    return this.db.transaction().execute(async (trx) => {
      const links = await trx.selectFrom('links').select('code').where('owner_id', '=', id).execute();
      const result = await trx.deleteFrom('users').where('id', '=', id).executeTakeFirst();
      return Number(result.numDeletedRows) > 0 ? links.map((l) => l.code) : undefined;
    });
  }

  // ── refresh tokens ─────────────────────────────────────────────────────────────────────────

  async insertRefreshToken(t: RefreshTokenRecord): Promise<void> {
    await this.db
      .insertInto('refresh_tokens')
      .values({
        id: t.id, user_id: t.userId, family_id: t.familyId, token_hash: t.tokenHash, created_at: t.createdAt,
        expires_at: t.expiresAt, used_at: t.usedAt, revoked_at: t.revokedAt,
      })
      .execute();
  }

  async findRefreshToken(id: string): Promise<RefreshTokenRecord | undefined> {
    const r = await this.db.selectFrom('refresh_tokens').selectAll().where('id', '=', id).executeTakeFirst();
    return r && {
      id: r.id, userId: r.user_id, familyId: r.family_id, tokenHash: r.token_hash, createdAt: r.created_at,
      expiresAt: r.expires_at, usedAt: r.used_at, revokedAt: r.revoked_at,
    };
  }

  async markRefreshTokenUsed(id: string, now: number): Promise<boolean> {
    const result = await this.db
      .updateTable('refresh_tokens')
      .set({ used_at: now })
      .where('id', '=', id)
      .where('used_at', 'is', null)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async revokeRefreshFamily(familyId: string, now: number): Promise<void> {
    await this.db
      .updateTable('refresh_tokens')
      .set({ revoked_at: now })
      .where('family_id', '=', familyId)
      .where('revoked_at', 'is', null)
      .execute();
  }

  async revokeUserRefreshTokens(userId: string, now: number): Promise<void> {
    await this.db
      .updateTable('refresh_tokens')
      .set({ revoked_at: now })
      .where('user_id', '=', userId)
      .where('revoked_at', 'is', null)
      .execute();
  }

  // ── API keys ───────────────────────────────────────────────────────────────────────────────

  async insertApiKey(k: ApiKeyRecord): Promise<void> {
    await this.unique(() =>
      this.db
        .insertInto('api_keys')
        .values({
          id: k.id, user_id: k.userId, name: k.name, prefix: k.prefix, key_hash: k.keyHash, created_at: k.createdAt,
          expires_at: k.expiresAt, revoked_at: k.revokedAt,
        })
        .execute(),
    );
  }

  async findApiKeyByPrefix(prefix: string): Promise<ApiKeyRecord | undefined> {
    const row = await this.db.selectFrom('api_keys').selectAll().where('prefix', '=', prefix).executeTakeFirst();
    return row && toApiKey(row);
  }

  async listApiKeys(userId: string): Promise<ApiKeyRecord[]> {
    const rows = await this.db
      .selectFrom('api_keys')
      .selectAll()
      .where('user_id', '=', userId)
      .where('revoked_at', 'is', null)
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .execute();
    return rows.map(toApiKey);
  }

  async revokeApiKey(userId: string, id: string, now: number): Promise<boolean> {
    const result = await this.db
      .updateTable('api_keys')
      .set({ revoked_at: now })
      .where('id', '=', id)
      .where('user_id', '=', userId)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  // ── links ──────────────────────────────────────────────────────────────────────────────────

  async insertLink(link: NewLink): Promise<LinkRecord> {
    const row = {
      id: link.id, code: link.code, url: link.url, title: link.title, redirect_type: link.redirectType,
      expires_at: link.expiresAt, max_clicks: link.maxClicks, owner_id: link.ownerId, created_at: link.createdAt,
      updated_at: link.createdAt,
    };
    await this.unique(() =>
      this.db.transaction().execute(async (trx) => {
        await trx.insertInto('links').values(row).execute();
        if (link.tags.length > 0) {
          await trx.insertInto('link_tags').values(link.tags.map((tag) => ({ link_id: link.id, tag }))).execute();
        }
      }),
    );
    return { ...link, tags: [...link.tags].sort(), clicks: 0, updatedAt: link.createdAt };
  }

  async findLinkById(id: string): Promise<LinkRecord | undefined> {
    const row = await this.db.selectFrom('links').selectAll().where('id', '=', id).executeTakeFirst();
    return row && (await this.withTags([row]))[0];
  }

  async findLinkByCode(code: string): Promise<LinkRecord | undefined> {
    const row = await this.db.selectFrom('links').selectAll().where('code', '=', code).executeTakeFirst();
    return row && (await this.withTags([row]))[0];
  }

  async listLinks({ limit, cursor, ownerId, q, tag }: LinkQuery): Promise<LinkRecord[]> {
    let query = this.db.selectFrom('links').selectAll('links');
    if (ownerId !== undefined) query = query.where('owner_id', '=', ownerId);
    if (cursor) {
      query = query.where((eb) => eb(eb.refTuple('created_at', 'id'), '<', eb.tuple(cursor.createdAt, cursor.id)));
    }
    if (tag !== undefined) {
      query = query.where((eb) =>
        eb.exists(
          eb.selectFrom('link_tags').select('link_tags.link_id')
            .whereRef('link_tags.link_id', '=', 'links.id').where('link_tags.tag', '=', tag),
        ),
      );
    }
    if (q !== undefined) {
      const pattern = `%${q.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      query = query.where(
        sql<boolean>`(lower(url) like ${pattern} escape '\\' or lower(code) like ${pattern} escape '\\' or lower(coalesce(title, '')) like ${pattern} escape '\\')`,
      );
    }
    const rows = await query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit + 1).execute();
    return this.withTags(rows);
  }

  async updateLink(id: string, changes: LinkChanges, now: number): Promise<LinkRecord | undefined> {
    const set = {
      ...definedOnly({
        code: changes.code, url: changes.url, title: changes.title, redirect_type: changes.redirectType,
        expires_at: changes.expiresAt, max_clicks: changes.maxClicks,
      }),
      updated_at: now,
    };
    const row = await this.unique(() =>
      this.db.transaction().execute(async (trx) => {
        const updated = await trx.updateTable('links').set(set).where('id', '=', id).returningAll().executeTakeFirst();
        if (updated && changes.tags !== undefined) {
          await trx.deleteFrom('link_tags').where('link_id', '=', id).execute();
          if (changes.tags.length > 0) {
            await trx.insertInto('link_tags').values(changes.tags.map((tag) => ({ link_id: id, tag }))).execute();
          }
        }
        return updated;
      }),
    );
    return row && (await this.withTags([row]))[0];
  }

  async deleteLink(id: string): Promise<boolean> {
    const result = await this.db.deleteFrom('links').where('id', '=', id).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  async findTargetByCode(code: string): Promise<LinkTarget | undefined> {
    const row = await this.db.selectFrom('links').selectAll().where('code', '=', code).executeTakeFirst();
    return row && toTarget(row);
  }

  async applyClicks(batch: readonly ParsedClick[]): Promise<number> {
    // One event delivered twice within a batch counts once, like one delivered in two batches.
    const clicks = [...new Map(batch.map((c) => [c.id, c])).values()];
    if (clicks.length === 0) return 0;
    return this.db.transaction().execute(async (trx) => {
      // Only clicks of links that still exist, and whose ids are new, count.
      const linkIds = [...new Set(clicks.map((c) => c.linkId))];
      const live = new Set<string>();
      for (const ids of chunks(linkIds)) {
        for (const { id } of await trx.selectFrom('links').select('id').where('id', 'in', ids).execute()) live.add(id);
      }
      const fresh = new Set<string>();
      for (const batch of chunks(clicks.filter((c) => live.has(c.linkId)))) {
        const inserted = await trx
          .insertInto('applied_clicks')
          .values(batch.map((c) => ({ id: c.id, at: c.at })))
          .onConflict((oc) => oc.column('id').doNothing())
          .returning('id')
          .execute();
        for (const { id } of inserted) fresh.add(id);
      }
      const applied = clicks.filter((c) => fresh.has(c.id));
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
      for (const [id, n] of uncountedPerLink(applied)) {
        await trx.updateTable('links').set((eb) => ({ clicks: eb('clicks', '+', n) })).where('id', '=', id).execute();
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

  async countVisit(code: string, now: number): Promise<Visit> {
    const counted = await this.db
      .updateTable('links')
      .set((eb) => ({ clicks: eb('clicks', '+', 1) }))
      .where('code', '=', code)
      .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
      .where((eb) => eb.or([eb('max_clicks', 'is', null), eb('clicks', '<', eb.ref('max_clicks'))]))
      .returningAll()
      .executeTakeFirst();
    if (counted) return { outcome: 'live', link: toTarget(counted) };
    // Not counted: tell a missing code from one that is no longer live.
    const link = await this.findTargetByCode(code);
    if (!link) return { outcome: 'missing' };
    const state = linkState(link, now);
    return { outcome: state === 'active' ? 'exhausted' : state, link };
  }

  /** Attaches tags to a page of links with one query, never one per link. */
  private async withTags(rows: LinkRow[]): Promise<LinkRecord[]> {
    if (rows.length === 0) return [];
    const tagRows = await this.db
      .selectFrom('link_tags')
      .select(['link_id', 'tag'])
      .where('link_id', 'in', rows.map((r) => r.id))
      .orderBy('tag')
      .execute();
    const tags = new Map<string, string[]>();
    for (const { link_id, tag } of tagRows) {
      const list = tags.get(link_id);
      if (list) list.push(tag);
      else tags.set(link_id, [tag]);
    }
    return rows.map((row) => toLink(row, tags.get(row.id) ?? []));
  }

  /** Runs a write, turning the driver's unique-index error into UniqueViolation. */
  private async unique<T>(write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (err) {
      const field = this.uniqueViolationOf(err);
      throw field ? new UniqueViolation(field) : err;
    }
  }
}

/** Maps a unique index to the API field it protects ("links.code", "links_code", …). */
export function fieldOfConstraint(text: string): UniqueViolation['field'] | undefined {
  if (/\bcode\b|links_code/.test(text)) return 'code';
  if (/email/.test(text)) return 'email';
  if (/prefix/.test(text)) return 'prefix';
  return undefined;
}

/** Splits a list so that no statement binds more parameters than SQLite allows (32,766). */
function chunks<T>(items: readonly T[], size = 500): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Drops the keys whose value is undefined: in a change set, absent means "leave the column as it is". */
function definedOnly<T extends object>(values: T): Partial<T> {
  return Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function toUserRow(u: NewUser) {
  return { id: u.id, email: u.email, name: u.name, password_hash: u.passwordHash, created_at: u.createdAt };
}

function toUser(r: Selectable<Database['users']>): UserRecord {
  return {
    id: r.id, email: r.email, name: r.name, role: r.role as Role, passwordHash: r.password_hash,
    createdAt: r.created_at, updatedAt: r.updated_at,
  };
}

function toApiKey(r: Selectable<Database['api_keys']>): ApiKeyRecord {
  return {
    id: r.id, userId: r.user_id, name: r.name, prefix: r.prefix, keyHash: r.key_hash, createdAt: r.created_at,
    expiresAt: r.expires_at, revokedAt: r.revoked_at,
  };
}

function toTarget(r: LinkRow): LinkTarget {
  return {
    id: r.id, code: r.code, url: r.url, title: r.title, redirectType: r.redirect_type as RedirectType,
    expiresAt: r.expires_at, maxClicks: r.max_clicks, clicks: r.clicks, ownerId: r.owner_id,
    createdAt: r.created_at, updatedAt: r.updated_at,
  };
}

const toLink = (r: LinkRow, tags: string[]): LinkRecord => ({ ...toTarget(r), tags });
