import { couldBeCode } from '../domain/codes.js';
import { decideRedirect } from '../domain/redirect-decision.js';
import type { Decision } from '../domain/token-bucket.js';
import type { Config } from '../config.js';
import type { KnownDomain, LinkStore, RateLimiter } from '../ports.js';
import { linkKey } from '../domain/link-key.js';
import { verifyPassword } from '../security/passwords.js';
import type { UnlockCookies } from '../security/unlock-cookies.js';
import { openUnlocked, problemOf, type PasswordAsked, type Redirect, type RedirectDeps, type Visitor } from './resolve-code.js';

/**
 * How long a right password opens its link in that browser: an hour. Long enough that reloads and a
 * session's return visits do not ask again; short enough that a shared or borrowed browser does not
 * keep the link open for the next person for long. A password change ends it at once (the cookie's
 * MAC covers the hash).
 */
export const UNLOCK_TTL_MS = 60 * 60 * 1000;

/** What visiting and unlocking a protected link use. */
export interface UnlockDeps extends RedirectDeps {
  /** Reads the one thing only this use case reads, the link's password hash; counts a limited link's visit. */
  store: Pick<LinkStore, 'countVisit' | 'findTargetByCode' | 'findLinkPassword'>;
  /** Signs and checks the unlock cookie. */
  unlocks: UnlockCookies;
  /** The buckets of wrong tries, per link and client (Redis when configured, so every instance counts them). */
  limiter: RateLimiter;
  /** `linkPassword`: the limit of wrong tries (undefined: off). */
  config: Pick<Config, 'rateLimits'>;
}

/** The answer to a password given in the form. */
export type UnlockResult =
  /** Right: redirect (the click counted), and the cookie to set (none for a link that has no password any more). */
  | { kind: 'unlocked'; redirect: Redirect; cookie?: { value: string; maxAgeSeconds: number } }
  /** Wrong: the form again; `tries` is the bucket after this try. */
  | { kind: 'wrong'; tries?: Decision }
  /** Too many wrong tries from this client: nothing was checked; wait tries.retryAfterMs. */
  | { kind: 'too-many'; tries: Decision };

/**
 * GET of a protected link with an unlock cookie: read the link's password hash → check the cookie
 * against it → visit (count, enqueue the click) → redirect. A cookie that does not open it (expired,
 * another link's, an old password's, tampered) leaves the visitor at the form, counting nothing.
 */
export async function openWithCookie(
  deps: UnlockDeps, domain: KnownDomain, code: string, asked: PasswordAsked, visitor: Visitor, cookie: string,
): Promise<Redirect | PasswordAsked> {
  const stored = await deps.store.findLinkPassword(code, domain.id);
  if (!stored) throw problemOf({ kind: 'not-found' });
  // Removed since the cache read: the link is open to all.
  if (stored.passwordHash === null) return openUnlocked(deps, asked.link, domain.id, code, visitor);
  if (stored.id !== asked.link.id || !deps.unlocks.verify(cookie, stored.id, stored.passwordHash, deps.clock())) return asked;
  return openUnlocked(deps, asked.link, domain.id, code, visitor);
}

/**
 * POST of the form: look the link up (404, 410 as a visit would) → read its password hash → take a
 * try from the (link, client) bucket, refused when empty → check the password → give the try back
 * when right (only wrong ones are limited) → visit (count, enqueue the click) → sign the cookie.
 * `client` keys the bucket (the client's address); it is not stored.
 */
export async function unlockLink(
  deps: UnlockDeps, domain: KnownDomain | undefined, code: string, password: string, visitor: Visitor, client: string,
): Promise<UnlockResult> {
  // A host no domain names has no links: the same 404 as an unknown code.
  if (!domain || !couldBeCode(code)) throw problemOf({ kind: 'not-found' });
  const link = await deps.cache.lookup(linkKey(domain.id, code));
  const decision = decideRedirect(link, deps.clock());
  if (decision.kind === 'not-found' || decision.kind === 'gone') throw problemOf(decision);
  const stored = await deps.store.findLinkPassword(code, domain.id);
  if (!stored) throw problemOf({ kind: 'not-found' });
  // A link without a password (removed while the form was open) opens as a visit would.
  if (stored.passwordHash === null || decision.kind !== 'password') {
    return { kind: 'unlocked', redirect: await openUnlocked(deps, link!, domain.id, code, visitor) };
  }

  const limit = deps.config.rateLimits.linkPassword;
  const key = `linkPassword:${stored.id} ${client}`;
  // Taken before the check, so that parallel guesses cannot overtake the count.
  const tries = limit ? await deps.limiter.take(key, limit) : undefined;
  if (tries && !tries.allowed) return { kind: 'too-many', tries };
  if (!(await verifyPassword(stored.passwordHash, password))) return { kind: 'wrong', tries };
  if (limit) await deps.limiter.take(key, limit, -1);

  const redirect = await openUnlocked(deps, link!, domain.id, code, visitor);
  const value = deps.unlocks.sign(stored.id, stored.passwordHash, deps.clock() + UNLOCK_TTL_MS);
  return { kind: 'unlocked', redirect, cookie: { value, maxAgeSeconds: UNLOCK_TTL_MS / 1000 } };
}
