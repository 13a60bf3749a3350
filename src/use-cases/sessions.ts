import { AppError } from '../domain/errors.js';
import { newId } from '../domain/ids.js';
import type { Config } from '../config.js';
import type { AccountStore, UserRecord } from '../ports.js';
import type { AccessTokens } from '../security/access-tokens.js';
import { verifyDecoy, verifyPassword } from '../security/passwords.js';
import { newSecret, safeEqual, sha256 } from '../security/secrets.js';
import { normalizeEmail } from './users.js';

/** What the session use cases (sign-in, refresh, sign-out) use. */
export interface SessionDeps {
  /** Users and their refresh tokens (hashes only). */
  store: AccountStore;
  /** Epoch milliseconds: token creation, use, revocation and expiry. */
  clock: () => number;
  /** How long a refresh token lives. */
  config: Pick<Config, 'refreshTokenTtlSeconds'>;
  /** Signs the access token of a pair. */
  tokens: Pick<AccessTokens, 'sign' | 'ttlSeconds'>;
}

export interface TokenPair {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  refresh_token: string;
}

/** One message for every failed sign-in, so the answer never tells whether the email exists. */
const badLogin = () => new AppError('unauthorized', 'invalid email or password');
const badRefresh = () => new AppError('unauthorized', 'refresh token is invalid, expired or revoked');

/** Sign-in with email and password: a new access token and a refresh token that starts a new family. */
export async function signIn(deps: SessionDeps, email: string, password: string): Promise<TokenPair> {
  const user = await deps.store.findUserByEmail(normalizeEmail(email));
  const ok = user ? await verifyPassword(user.passwordHash, password) : await verifyDecoy(password);
  if (!user || !ok) throw badLogin();
  return issueTokens(deps, user, newId());
}

/**
 * Rotation: a refresh token works once and is replaced by a new one of the same family. A token
 * presented again after its rotation means it was stolen (or replayed), so the whole family dies.
 */
export async function refresh(deps: SessionDeps, presented: string): Promise<TokenPair> {
  const now = deps.clock();
  const token = await findRefreshToken(deps, presented);
  if (!token) throw badRefresh();
  if (token.usedAt !== null || token.revokedAt !== null) {
    await deps.store.revokeRefreshFamily(token.familyId, now);
    throw badRefresh();
  }
  if (token.expiresAt <= now) throw badRefresh();
  // Two racing refreshes with one token: only one marks it used; the other is a reuse.
  if (!(await deps.store.markRefreshTokenUsed(token.id, now))) {
    await deps.store.revokeRefreshFamily(token.familyId, now);
    throw badRefresh();
  }
  const user = await deps.store.findUserById(token.userId);
  if (!user) throw badRefresh();
  return issueTokens(deps, user, token.familyId);
}

/** Sign-out: ends the token's family. Unknown tokens are accepted silently (RFC 7009 §2.2). */
export async function revoke(deps: Pick<SessionDeps, 'store' | 'clock'>, presented: string): Promise<void> {
  const token = await findRefreshToken(deps, presented);
  if (token) await deps.store.revokeRefreshFamily(token.familyId, deps.clock());
}

async function issueTokens(deps: SessionDeps, user: UserRecord, familyId: string): Promise<TokenPair> {
  const now = deps.clock();
  const id = newId(now);
  const secret = newSecret();
  await deps.store.insertRefreshToken({
    id, userId: user.id, familyId, tokenHash: sha256(secret), createdAt: now,
    expiresAt: now + deps.config.refreshTokenTtlSeconds * 1000, usedAt: null, revokedAt: null,
  });
  return {
    access_token: await deps.tokens.sign(user.id),
    token_type: 'Bearer',
    expires_in: deps.tokens.ttlSeconds,
    refresh_token: `${id}.${secret}`,
  };
}

/** A refresh token is `<id>.<secret>`: found by id, then its secret compared by hash in constant time. */
async function findRefreshToken(deps: Pick<SessionDeps, 'store'>, presented: string) {
  const dot = presented.indexOf('.');
  if (dot <= 0) return undefined;
  const token = await deps.store.findRefreshToken(presented.slice(0, dot));
  return token && safeEqual(token.tokenHash, sha256(presented.slice(dot + 1))) ? token : undefined;
}
