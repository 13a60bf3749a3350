import { sql, type Kysely, type Selectable } from 'kysely';
import { UniqueViolation, type CodeHolder, type CodeKey, type LinkChanges, type LinkStore, type LinkQuery, type LinkRecord, type LinkTarget, type NewLink, type RedirectType, type Visit } from '../../ports.js';
import { linkState } from '../../domain/link-state.js';
import { DEFAULT_DOMAIN_ID, linkKey } from '../../domain/link-key.js';
import type { Database } from './schema.js';
import { chunks } from './chunks.js';
import { definedOnly } from './change-set.js';
import { unique, type StoreDialect } from './dialect.js';
import { GroupCommit } from './group-commit.js';
import { prepared } from './prepared.js';

type LinkRow = Selectable<Database['links']>;

const linkRow = (link: NewLink) => ({
  id: link.id, domain_id: link.domainId ?? DEFAULT_DOMAIN_ID, code: link.code, url: link.url, title: link.title, redirect_type: link.redirectType,
  expires_at: link.expiresAt, max_clicks: link.maxClicks, expired_url: link.expiredUrl ?? null, archived: link.archived ? 1 : 0,
  owner_id: link.ownerId, created_at: link.createdAt, updated_at: link.createdAt, password_hash: link.passwordHash ?? null,
  rules: jsonOf(link.rules), destinations: jsonOf(link.destinations), og: jsonOf(link.og), imported_clicks: link.importedClicks ?? 0,
});

/** A routing field as stored: JSON, or null when absent. */
const jsonOf = (value: object | null | undefined): string | null => (value == null ? null : JSON.stringify(value));
/** A routing field as read; parsed once per read (a cached link keeps the parsed value). */
const parsed = <T>(text: string | null): T | null => (text === null ? null : JSON.parse(text) as T);

/** Links with their tags, and the redirect's reads and counted visits. */
export class KyselyLinkStore implements LinkStore {
  private readonly db: Kysely<Database>;
  /** Links created at the same moment are inserted in one transaction (group commit). */
  private readonly linkInserts = new GroupCommit<NewLink, LinkRecord>((links) => this.#insertTogether(links));

  /** The redirect's read on a cache miss: the link with a code, compiled once per connection (primary, replica). */
  readonly #targetByCode = new WeakMap<Kysely<Database>, (parameters: readonly unknown[]) => Promise<LinkRow | undefined>>();

  constructor(private readonly dialect: StoreDialect) {
    this.db = dialect.db;
  }

  #targetOn(db: Kysely<Database>, domainId: string, code: string): Promise<LinkRow | undefined> {
    let read = this.#targetByCode.get(db);
    if (!read) this.#targetByCode.set(db, (read = prepared(db, db.selectFrom('links').selectAll().where('domain_id', '=', '').where('code', '=', ''))));
    return read([domainId, code]);
  }

  insertLink(link: NewLink): Promise<LinkRecord> {
    return this.linkInserts.add(link);
  }

  /**
   * One transaction for a group of new links. A taken code (in the table, or earlier in the group) is
   * skipped by ON CONFLICT DO NOTHING, not an error that would abort the others: the ids the INSERT
   * returns are the links that went in, and each other one answers UniqueViolation('code').
   */
  async #insertTogether(links: NewLink[]): Promise<(LinkRecord | UniqueViolation)[]> {
    const inserted = await this.db.transaction().execute((trx) => insertFree(trx, links));
    return links.map(({ passwordHash, ...link }) => inserted.has(link.id)
      ? {
        ...link, domainId: link.domainId ?? DEFAULT_DOMAIN_ID, expiredUrl: link.expiredUrl ?? null, archived: link.archived ?? false,
        rules: link.rules ?? null, destinations: link.destinations ?? null, og: link.og ?? null,
        tags: [...link.tags].sort(), clicks: 0, importedClicks: link.importedClicks ?? 0, hasPassword: passwordHash != null, updatedAt: link.createdAt,
      }
      : new UniqueViolation('code'));
  }

  /** Many links in one transaction, in multi-row inserts: for `kurz seed` and imports. All or none. */
  async insertLinks(links: readonly NewLink[]): Promise<void> {
    await unique(this.dialect, () =>
      this.db.transaction().execute(async (trx) => {
        for (const chunk of chunks(links, 1_000)) {
          await trx.insertInto('links').values(chunk.map(linkRow)).execute();
          const tags = chunk.flatMap((link) => link.tags.map((tag) => ({ link_id: link.id, tag })));
          if (tags.length > 0) await trx.insertInto('link_tags').values(tags).execute();
        }
      }),
    );
  }

  /**
   * The import's write: ON CONFLICT DO NOTHING as in #insertTogether, then, in the same transaction, one
   * read per domain of the links holding the codes that did not go in (an import has one domain, or a few).
   */
  async insertLinksWhereFree(links: readonly NewLink[]): Promise<(CodeHolder | null)[]> {
    if (links.length === 0) return [];
    return this.db.transaction().execute(async (trx) => {
      const inserted = await insertFree(trx, links);
      const taken = links.filter((link) => !inserted.has(link.id)).map((link) => ({ domainId: link.domainId ?? DEFAULT_DOMAIN_ID, code: link.code }));
      const holders = new Map((await codeHolders(trx, taken)).map((h) => [linkKey(h.domainId, h.code), h]));
      return links.map((link) => (inserted.has(link.id) ? null : holders.get(linkKey(link.domainId ?? DEFAULT_DOMAIN_ID, link.code)) ?? null));
    });
  }

  findCodeHolders(keys: readonly CodeKey[]): Promise<CodeHolder[]> {
    return codeHolders(this.db, keys);
  }

  async findLinkById(id: string): Promise<LinkRecord | undefined> {
    const row = await this.db.selectFrom('links').selectAll().where('id', '=', id).executeTakeFirst();
    return row && (await this.#withTags([row]))[0];
  }

  async findLinkByCode(code: string, domainId = DEFAULT_DOMAIN_ID): Promise<LinkRecord | undefined> {
    const row = await this.db.selectFrom('links').selectAll().where('domain_id', '=', domainId).where('code', '=', code).executeTakeFirst();
    return row && (await this.#withTags([row]))[0];
  }

  async listLinks({ limit, cursor, ownerId, q, tag, archived, domainId }: LinkQuery): Promise<LinkRecord[]> {
    let query = this.db.selectFrom('links').selectAll('links');
    if (ownerId !== undefined) query = query.where('owner_id', '=', ownerId);
    if (domainId !== undefined) query = query.where('domain_id', '=', domainId);
    // A literal, not a parameter: only then may the planners use the partial indexes of archived links
    // (0007), which SQLite matches to the query's WHERE by its text.
    if (archived !== undefined) query = query.where(sql<boolean>`archived = ${sql.lit(archived ? 1 : 0)}`);
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
    return this.#withTags(rows);
  }

  async updateLink(id: string, changes: LinkChanges, now: number): Promise<LinkRecord | undefined> {
    const set = {
      ...definedOnly({
        domain_id: changes.domainId, code: changes.code, url: changes.url, title: changes.title, redirect_type: changes.redirectType,
        expires_at: changes.expiresAt, max_clicks: changes.maxClicks, expired_url: changes.expiredUrl,
        archived: changes.archived === undefined ? undefined : changes.archived ? 1 : 0, password_hash: changes.passwordHash,
        rules: changes.rules === undefined ? undefined : jsonOf(changes.rules),
        destinations: changes.destinations === undefined ? undefined : jsonOf(changes.destinations),
        og: changes.og === undefined ? undefined : jsonOf(changes.og),
      }),
      updated_at: now,
    };
    const row = await unique(this.dialect, () =>
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
    return row && (await this.#withTags([row]))[0];
  }

  async deleteLink(id: string): Promise<boolean> {
    const result = await this.db.deleteFrom('links').where('id', '=', id).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  /**
   * On a read replica when one is usable: a link there is at most DATABASE_READ_MAX_LAG_MS old, and one
   * it lacks (not replayed yet) is asked of the primary, so a 404 is always the primary's.
   */
  async findTargetByCode(code: string, domainId = DEFAULT_DOMAIN_ID): Promise<LinkTarget | undefined> {
    const row = await this.dialect.reads.read((db) => this.#targetOn(db, domainId, code), { key: linkKey(domainId, code), found: (r) => r !== undefined });
    return row && toTarget(row);
  }

  async countVisit(code: string, now: number, domainId = DEFAULT_DOMAIN_ID): Promise<Visit> {
    const counted = await this.db
      .updateTable('links')
      .set((eb) => ({ clicks: eb('clicks', '+', 1) }))
      .where('domain_id', '=', domainId)
      .where('code', '=', code)
      .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
      .where((eb) => eb.or([eb('max_clicks', 'is', null), eb('clicks', '<', eb.ref('max_clicks'))]))
      .returningAll()
      .executeTakeFirst();
    if (counted) return { outcome: 'live', link: toTarget(counted) };
    // Not counted: tell a missing code from one that is no longer live, on the primary that just decided.
    const row = await this.#targetOn(this.db, domainId, code);
    const link = row && toTarget(row);
    if (!link) return { outcome: 'missing' };
    const state = linkState(link, now);
    return { outcome: state === 'active' ? 'exhausted' : state, link };
  }

  async findLinkPassword(code: string, domainId = DEFAULT_DOMAIN_ID): Promise<{ id: string; passwordHash: string | null } | undefined> {
    const row = await this.db.selectFrom('links').select(['id', 'password_hash']).where('domain_id', '=', domainId).where('code', '=', code).executeTakeFirst();
    return row && { id: row.id, passwordHash: row.password_hash };
  }

  /** Attaches tags to a page of links with one query, never one per link. */
  async #withTags(rows: LinkRow[]): Promise<LinkRecord[]> {
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
}

/** Inserts the links whose (domain, code) is free, with their tags, skipping the others (ON CONFLICT DO NOTHING); the ids that went in. */
async function insertFree(trx: Kysely<Database>, links: readonly NewLink[]): Promise<Set<string>> {
  const inserted = new Set<string>();
  for (const chunk of chunks(links)) {
    const rows = await trx.insertInto('links').values(chunk.map(linkRow)).onConflict((oc) => oc.columns(['domain_id', 'code']).doNothing()).returning('id').execute();
    for (const { id } of rows) inserted.add(id);
  }
  const tags = links.filter((link) => inserted.has(link.id)).flatMap((link) => link.tags.map((tag) => ({ link_id: link.id, tag })));
  for (const chunk of chunks(tags)) await trx.insertInto('link_tags').values(chunk).execute();
  return inserted;
}

/** The links holding these codes: one query per domain and 500 codes. */
async function codeHolders(db: Kysely<Database>, keys: readonly CodeKey[]): Promise<CodeHolder[]> {
  const byDomain = new Map<string, string[]>();
  for (const { domainId, code } of keys) {
    const codes = byDomain.get(domainId);
    if (codes) codes.push(code);
    else byDomain.set(domainId, [code]);
  }
  const holders: CodeHolder[] = [];
  for (const [domainId, codes] of byDomain) {
    for (const chunk of chunks([...new Set(codes)])) {
      const rows = await db.selectFrom('links').select(['code', 'url', 'owner_id']).where('domain_id', '=', domainId).where('code', 'in', chunk).execute();
      for (const row of rows) holders.push({ domainId, code: row.code, url: row.url, ownerId: row.owner_id });
    }
  }
  return holders;
}

function toTarget(r: LinkRow): LinkTarget {
  return {
    id: r.id, domainId: r.domain_id, code: r.code, url: r.url, title: r.title, redirectType: r.redirect_type as RedirectType,
    expiresAt: r.expires_at, maxClicks: r.max_clicks, expiredUrl: r.expired_url, archived: Number(r.archived) === 1,
    clicks: r.clicks, importedClicks: Number(r.imported_clicks), ownerId: r.owner_id, hasPassword: r.password_hash !== null, createdAt: r.created_at, updatedAt: r.updated_at,
    rules: parsed(r.rules), destinations: parsed(r.destinations), og: parsed(r.og),
  };
}

const toLink = (r: LinkRow, tags: string[]): LinkRecord => ({ ...toTarget(r), tags });
