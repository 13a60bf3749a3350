import { randomCode } from '../domain/codes.js';
import { invalid, notFound } from '../domain/errors.js';
import { newId } from '../domain/ids.js';
import { UniqueViolation, type AccountStore, type ApiKeyRecord } from '../ports.js';
import { newSecret, safeEqual, sha256 } from '../security/secrets.js';
import { SCOPES, type Scope } from '../domain/scopes.js';
import type { Actor } from './actor.js';

/**
 * An API key reads `kz_<prefix>_<secret>`. The prefix is public (listed, and used to find the key);
 * only the SHA-256 of the whole key is stored, so the key is shown once, at creation.
 */
const KEY = /^kz_([0-9A-Za-z]{12})_[A-Za-z0-9_-]{43}$/;

/** What the API key use cases use. */
export interface ApiKeyDeps {
  /** Where keys (their hashes) and their users live. */
  store: AccountStore;
  /** Epoch milliseconds: creation, revocation and expiry times. */
  clock: () => number;
}

export const looksLikeApiKey = (token: string): boolean => token.startsWith('kz_');

export interface NewApiKey {
  name: string;
  expiresAt: number | null;
  /** Left out: every scope, as keys had before scopes existed. */
  scopes?: readonly Scope[];
}

export async function createApiKey(deps: ApiKeyDeps, actor: Actor, input: NewApiKey): Promise<ApiKeyRecord & { key: string }> {
  const { name, expiresAt } = input;
  const now = deps.clock();
  if (expiresAt !== null && expiresAt <= now) throw invalid('expires_at', 'must be in the future');
  const scopes = SCOPES.filter((s) => (input.scopes ?? SCOPES).includes(s));
  for (let attempt = 1; ; attempt++) {
    const prefix = randomCode(12);
    const key = `kz_${prefix}_${newSecret()}`;
    const record: ApiKeyRecord = {
      id: newId(now), userId: actor.user.id, name, prefix, keyHash: sha256(key), scopes, createdAt: now, expiresAt,
      revokedAt: null,
    };
    try {
      await deps.store.insertApiKey(record);
      return { ...record, key };
    } catch (err) {
      // 62^12 prefixes make a clash all but impossible; retry rather than fail if one happens.
      if (!(err instanceof UniqueViolation) || attempt === 3) throw err;
    }
  }
}

export const listApiKeys = (deps: Pick<ApiKeyDeps, 'store'>, actor: Actor): Promise<ApiKeyRecord[]> => deps.store.listApiKeys(actor.user.id);

/** One of the caller's keys that is not revoked (404 otherwise, for another user's key too). */
export async function getApiKey(deps: Pick<ApiKeyDeps, 'store'>, actor: Actor, id: string): Promise<ApiKeyRecord> {
  const key = await deps.store.findApiKeyById(id);
  if (!key || key.userId !== actor.user.id || key.revokedAt !== null) throw notFound('API key');
  return key;
}

export async function revokeApiKey(deps: ApiKeyDeps, actor: Actor, id: string): Promise<void> {
  if (!(await deps.store.revokeApiKey(actor.user.id, id, deps.clock()))) throw notFound('API key');
}

/** The actor behind a live API key, or undefined for a malformed, unknown, revoked or expired one. */
export async function actorOfApiKey(deps: ApiKeyDeps, key: string): Promise<Actor | undefined> {
  const match = KEY.exec(key);
  if (!match) return undefined;
  const found = await deps.store.findApiKeyWithOwner(match[1]!);
  if (!found || !safeEqual(found.key.keyHash, sha256(key))) return undefined;
  const { key: record, owner: user } = found;
  if (record.revokedAt !== null || (record.expiresAt !== null && record.expiresAt <= deps.clock())) return undefined;
  return { user, via: 'api-key', keyId: record.id, scopes: record.scopes };
}
