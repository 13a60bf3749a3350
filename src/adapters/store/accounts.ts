import { linkKey } from '../../domain/link-key.js';
import type { Kysely, Selectable, Transaction } from 'kysely';
import {
  LastAdmin, type AccountStore, type ApiKeyRecord, type NewUser, type PageQuery, type RefreshTokenRecord, type Role, type UserChanges, type UserRecord,
} from '../../ports.js';
import { formatScopes, parseScopes } from '../../domain/scopes.js';
import type { Database } from './schema.js';
import { unique, type StoreDialect } from './dialect.js';
import { definedOnly } from './change-set.js';
import { prepared } from './prepared.js';

/** Users, their refresh tokens and their API keys. */
export class KyselyAccountStore implements AccountStore {
  private readonly db: Kysely<Database>;
  /** Every request with an API key reads its key and owner: one join, compiled once. */
  readonly #apiKeyWithOwner;

  constructor(private readonly dialect: StoreDialect) {
    this.db = dialect.db;
    this.#apiKeyWithOwner = prepared(this.db, this.db
      .selectFrom('api_keys')
      .innerJoin('users', 'users.id', 'api_keys.user_id')
      .selectAll('api_keys')
      .select([
        'users.email as owner_email', 'users.name as owner_name', 'users.role as owner_role', 'users.password_hash as owner_password_hash',
        'users.created_at as owner_created_at', 'users.updated_at as owner_updated_at',
      ])
      .where('api_keys.prefix', '=', ''));
  }

  // ── users ──────────────────────────────────────────────────────────────────────────────────

  async createUser(user: NewUser): Promise<UserRecord> {
    return unique(this.dialect, () =>
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
    const update = (db: Kysely<Database>) => db.updateTable('users').set(set).where('id', '=', id).returningAll().executeTakeFirst();
    // Only a demotion can leave no admin: every other change is one plain statement.
    const row = await unique(this.dialect, () => changes.role !== 'user' ? update(this.db) : this.db.transaction().execute(async (trx) => {
      await keepsAnAdmin(trx, id);
      return update(trx);
    }));
    return row && toUser(row);
  }

  async deleteUser(id: string): Promise<string[] | undefined> {
    return this.db.transaction().execute(async (trx) => {
      await keepsAnAdmin(trx, id);
      const links = await trx.selectFrom('links').select(['domain_id', 'code']).where('owner_id', '=', id).execute();
      const result = await trx.deleteFrom('users').where('id', '=', id).executeTakeFirst();
      return Number(result.numDeletedRows) > 0 ? links.map((l) => linkKey(l.domain_id, l.code)) : undefined;
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
    await unique(this.dialect, () =>
      this.db
        .insertInto('api_keys')
        .values({
          id: k.id, user_id: k.userId, name: k.name, prefix: k.prefix, key_hash: k.keyHash, scopes: formatScopes(k.scopes), created_at: k.createdAt,
          expires_at: k.expiresAt, revoked_at: k.revokedAt,
        })
        .execute(),
    );
  }

  async findApiKeyWithOwner(prefix: string): Promise<{ key: ApiKeyRecord; owner: UserRecord } | undefined> {
    const row = await this.#apiKeyWithOwner([prefix]);
    if (!row) return undefined;
    const owner = toUser({
      id: row.user_id, email: row.owner_email, name: row.owner_name, role: row.owner_role, password_hash: row.owner_password_hash,
      created_at: row.owner_created_at, updated_at: row.owner_updated_at,
    });
    return { key: toApiKey(row), owner };
  }

  async findApiKeyById(id: string): Promise<ApiKeyRecord | undefined> {
    const row = await this.db.selectFrom('api_keys').selectAll().where('id', '=', id).executeTakeFirst();
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
}

/**
 * Throws LastAdmin when `userId` is an admin and no other is left. The lock row serialises every
 * demotion and deletion: without it, two admins demoting each other at once on PostgreSQL would each
 * see the other still admin and both succeed. (SQLite runs one write transaction at a time anyway.)
 */
async function keepsAnAdmin(trx: Transaction<Database>, userId: string): Promise<void> {
  await trx.updateTable('locks').set({ name: 'admins' }).where('name', '=', 'admins').execute();
  const admins = await trx.selectFrom('users').select('id').where('role', '=', 'admin').limit(2).execute();
  if (admins.length === 1 && admins[0]!.id === userId) throw new LastAdmin();
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
    id: r.id, userId: r.user_id, name: r.name, prefix: r.prefix, keyHash: r.key_hash, scopes: parseScopes(r.scopes), createdAt: r.created_at,
    expiresAt: r.expires_at, revokedAt: r.revoked_at,
  };
}
