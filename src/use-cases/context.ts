import type { Config } from '../config.js';
import type { ClickQueue, LinkLookup, LocalRateLimiter, QrRenderer, RateLimiter, Store, UserRecord } from '../ports.js';
import type { Metrics } from '../obs/metrics.js';
import type { Logger } from 'pino';
import type { AccessTokens } from '../security/access-tokens.js';
import type { UrlPolicy } from '../domain/url-safety.js';
import type { Scope } from '../domain/scopes.js';

/** What every use case may touch. Built once by the composition root; tests build their own. */
export interface Context {
  config: Readonly<Config>;
  store: Store;
  /** code → link for the redirect: L1, then Redis when configured, then the store. */
  cache: LinkLookup;
  clicks: ClickQueue;
  /** Shared token buckets (Redis when configured, falling back to localLimiter). */
  limiter: RateLimiter;
  /** This process's token buckets (synchronous: the fast redirect takes from them without a promise). */
  localLimiter: LocalRateLimiter;
  metrics: Metrics;
  log: Logger;
  /** Health of optional dependencies, for /readyz: they degrade Kurz, they do not stop it. */
  degradable: Record<string, () => 'up' | 'degraded'>;
  tokens: AccessTokens;
  urlPolicy: UrlPolicy;
  /** Epoch milliseconds; a parameter so tests can move time. */
  clock: () => number;
  /** Source of random link codes; a parameter so a test can force a collision. */
  randomCode: () => string;
  /** QR codes of short URLs, rendered off the event loop and kept a while. */
  qr: QrRenderer;
}

/** Who is calling: the user behind a valid access token or API key. */
export interface Actor {
  user: UserRecord;
  via: 'access-token' | 'api-key';
  /** The API key's id, when the caller used one (its calls are limited apart from the user's). */
  keyId?: string;
  /** The API key's scopes; an access token (a signed-in session) has every right. */
  scopes?: readonly Scope[];
}

export const isAdmin = (actor: Actor | undefined): boolean => actor?.user.role === 'admin';

/** Self or admin: the rule for every per-user resource. */
export const mayActOn = (actor: Actor, userId: string): boolean => actor.user.id === userId || isAdmin(actor);

/** Whether the caller may do what `scope` names: always with a session, with a key only if it was given the scope. */
export const hasScope = (actor: Actor, scope: Scope): boolean => actor.via === 'access-token' || (actor.scopes ?? []).includes(scope);
