import type { Config } from '../config.js';
import type { ClickQueue, DomainDirectory, EdgePurger, LinkLookup, LocalRateLimiter, QrRenderer, RateLimiter, Store } from '../ports.js';
import type { Metrics } from '../obs/metrics.js';
import type { Logger } from 'pino';
import type { AccessTokens } from '../security/access-tokens.js';
import type { UnlockCookies } from '../security/unlock-cookies.js';
import type { UrlPolicy } from '../domain/url-safety.js';
import type { ImportFormat, ImportReader } from '../importers/record.js';
import type { ImportJobs } from '../use-cases/imports.js';

/**
 * Everything the HTTP layer is given: built once by the composition root (assemble in compose.ts); tests build their own.
 * Use cases and route registrars take only the part they use (LinkDeps, RateLimitDeps …), which this satisfies.
 */
export interface Context {
  config: Readonly<Config>;
  store: Store;
  /** (domain, code) → link for the redirect: L1, then Redis when configured, then the store. */
  cache: LinkLookup;
  /** The registered domains, in memory: every request's host resolves through it. */
  domains: DomainDirectory;
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
  /** Signs and checks the unlock cookies of password-protected links (a key derived from the JWT secret). */
  unlocks: UnlockCookies;
  urlPolicy: UrlPolicy;
  /** Epoch milliseconds; a parameter so tests can move time. */
  clock: () => number;
  /** Source of random link codes; a parameter so a test can force a collision. */
  randomCode: () => string;
  /** QR codes of short URLs, rendered off the event loop and kept a while. */
  qr: QrRenderer;
  /** The reader of each import format (importers/index.ts); a parameter so tests can inject their own. */
  importReader: (format: ImportFormat) => ImportReader;
  /** The import jobs this instance runs in the background. */
  imports: ImportJobs;
  /** Tells a CDN in front of the redirects of edited links (CDN_PURGE_URL), in the background. */
  edge: EdgePurger;
}
