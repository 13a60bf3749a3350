import type { Kysely, Selectable } from 'kysely';
import { DomainInUse, type DomainChanges, type DomainQuery, type DomainRecord, type DomainStore, type NewDomain } from '../../ports.js';
import type { Database } from './schema.js';
import { definedOnly } from './change-set.js';
import { unique, type StoreDialect } from './dialect.js';

/** The domains links may be created on besides the default one. */
export class KyselyDomainStore implements DomainStore {
  private readonly db: Kysely<Database>;

  constructor(private readonly dialect: StoreDialect) {
    this.db = dialect.db;
  }

  async insertDomain(d: NewDomain): Promise<DomainRecord> {
    const row = await unique(this.dialect, () => this.db.insertInto('domains').values({
      id: d.id, hostname: d.hostname, root_redirect: d.rootRedirect, not_found_redirect: d.notFoundRedirect,
      owner_id: d.ownerId, created_at: d.createdAt, updated_at: d.createdAt,
    }).returningAll().executeTakeFirstOrThrow());
    return toDomain(row);
  }

  async findDomainById(id: string): Promise<DomainRecord | undefined> {
    const row = await this.db.selectFrom('domains').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toDomain(row);
  }

  async allDomains(): Promise<DomainRecord[]> {
    return (await this.db.selectFrom('domains').selectAll().execute()).map(toDomain);
  }

  async listDomains({ limit, cursor, usableBy }: DomainQuery): Promise<DomainRecord[]> {
    let query = this.db.selectFrom('domains').selectAll();
    if (usableBy !== undefined) query = query.where((eb) => eb.or([eb('owner_id', 'is', null), eb('owner_id', '=', usableBy)]));
    if (cursor) query = query.where((eb) => eb(eb.refTuple('created_at', 'id'), '<', eb.tuple(cursor.createdAt, cursor.id)));
    const rows = await query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit + 1).execute();
    return rows.map(toDomain);
  }

  async updateDomain(id: string, changes: DomainChanges, now: number): Promise<DomainRecord | undefined> {
    const set = {
      ...definedOnly({
        hostname: changes.hostname, root_redirect: changes.rootRedirect, not_found_redirect: changes.notFoundRedirect, owner_id: changes.ownerId,
      }),
      updated_at: now,
    };
    const row = await unique(this.dialect, () => this.db.updateTable('domains').set(set).where('id', '=', id).returningAll().executeTakeFirst());
    return row && toDomain(row);
  }

  /**
   * One statement that deletes only a domain without links, so its links are never left on no domain.
   * (On PostgreSQL a link inserted by a transaction that commits after this one began is not seen: the
   * window is one statement long, and such a link still answers under its key if the host is registered again.)
   */
  async deleteDomain(id: string): Promise<boolean> {
    const result = await this.db.deleteFrom('domains').where('id', '=', id)
      .where((eb) => eb.not(eb.exists(eb.selectFrom('links').select('links.id').where('links.domain_id', '=', id))))
      .executeTakeFirst();
    if (Number(result.numDeletedRows) > 0) return true;
    const exists = await this.db.selectFrom('domains').select('id').where('id', '=', id).executeTakeFirst();
    if (exists) throw new DomainInUse();
    return false;
  }
}

const toDomain = (r: Selectable<Database['domains']>): DomainRecord => ({
  id: r.id, hostname: r.hostname, rootRedirect: r.root_redirect, notFoundRedirect: r.not_found_redirect,
  ownerId: r.owner_id, createdAt: r.created_at, updatedAt: r.updated_at,
});
