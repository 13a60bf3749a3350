import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Config, RateClass } from '../config.js';
import { AppError } from '../domain/errors.js';
import type { Decision } from '../domain/token-bucket.js';
import type { LocalRateLimiter, RateLimiter } from '../ports.js';
import type { Metrics } from '../obs/metrics.js';
import { normalizeEmail } from '../use-cases/users.js';
import type { Allowance } from '../use-cases/bulk-links.js';

/** Every class but the redirect's is limited in the shared buckets (redirectLimit below). */
type SharedClass = Exclude<RateClass, 'redirect'>;

/** What rate limiting uses. */
export interface RateLimitDeps {
  /** The limit of each class (undefined: off). */
  config: Pick<Config, 'rateLimits'>;
  /** Shared buckets (Redis when configured). */
  limiter: RateLimiter;
  /** This process's buckets, for redirects: no Redis round trip on the hot path. */
  localLimiter: LocalRateLimiter;
  /** Counts each decision by class and outcome. */
  metrics: Pick<Metrics, 'rateLimits' | 'tally'>;
}

/**
 * Takes a token of `klass` for `key`. Refused: a 429 problem with Retry-After and the RateLimit
 * fields. Allowed: the RateLimit fields too, unless `quiet` (the redirect route's answers carry
 * none). The IETF draft's fields are RateLimit-Limit (the bucket's capacity),
 * RateLimit-Remaining (whole tokens left) and RateLimit-Reset (seconds until the bucket is full).
 */
export async function enforce(deps: RateLimitDeps, reply: FastifyReply, klass: SharedClass, key: string, quiet = false): Promise<void> {
  const limit = deps.config.rateLimits[klass];
  if (!limit) return;
  const decision = await deps.limiter.take(`${klass}:${key}`, limit);
  deps.metrics.rateLimits.inc({ class: klass, outcome: decision.allowed ? 'allowed' : 'limited' });
  if (decision.allowed) {
    if (!quiet) setRateLimitFields(reply, decision);
    return;
  }
  refuse(reply, klass, decision);
}

/**
 * The redirect's limit per client IP, taken synchronously from this process's buckets: a shared limit
 * would put a Redis round trip on every redirect. One function for the fast path and the route, so a
 * redirect is limited (and counted in kurz_rate_limit_decisions_total) once, whichever answers it.
 * Undefined when RATE_REDIRECT is off.
 */
export function redirectLimit(deps: RateLimitDeps): ((ip: string) => Decision) | undefined {
  const limit = deps.config.rateLimits.redirect;
  if (!limit) return undefined;
  // Pre-bound tallies: prom-client hashes the labels on every inc(), which the redirect avoids.
  const allowed = deps.metrics.tally(deps.metrics.rateLimits, { class: 'redirect', outcome: 'allowed' });
  const limited = deps.metrics.tally(deps.metrics.rateLimits, { class: 'redirect', outcome: 'limited' });
  return (ip) => {
    const decision = deps.localLimiter.takeNow(`redirect:${ip}`, limit);
    (decision.allowed ? allowed : limited)();
    return decision;
  };
}

/** The 429 problem of a refused `klass`, with Retry-After and the RateLimit fields. */
export function refuse(reply: FastifyReply, klass: RateClass, decision: Decision): never {
  setRateLimitFields(reply, decision);
  reply.header('retry-after', Math.max(1, Math.ceil(decision.retryAfterMs / 1000)));
  throw rateLimited(klass, decision.retryAfterMs);
}

/** The 429 of a refused `klass`, to be retried after `retryAfterMs`. */
const rateLimited = (klass: RateClass, retryAfterMs: number): AppError =>
  new AppError('rate-limited', `too many requests (${klass}); retry in ${Math.ceil(retryAfterMs / 1000)} s`);

/**
 * The bucket of `klass` for `key`, taken several tokens at a time (a bulk request's items): two limiter
 * calls whatever the count, a look and one take, instead of one call per item. A take that another
 * request beat to the tokens (between the look and the take) looks again, a few times.
 */
export function allowance(deps: RateLimitDeps, klass: SharedClass, key: string): Allowance {
  const limit = deps.config.rateLimits[klass];
  const bucket = `${klass}:${key}`;
  // Past a take of every whole token, less than one is left: the next comes within one refill interval.
  const refusal = () => rateLimited(klass, limit ? 1000 / limit.refillPerSecond : 0);
  const count = (allowed: number, limited: number) => {
    if (allowed > 0) deps.metrics.rateLimits.inc({ class: klass, outcome: 'allowed' }, allowed);
    if (limited > 0) deps.metrics.rateLimits.inc({ class: klass, outcome: 'limited' }, limited);
  };
  return {
    async look() {
      if (!limit) return { tokens: Infinity };
      const look = await deps.limiter.take(bucket, limit, 0);
      return look.remaining >= 1 ? { tokens: look.remaining } : { tokens: 0, refusal: rateLimited(klass, look.retryAfterMs || 1000 / limit.refillPerSecond) };
    },
    async takeUpTo(n) {
      if (!limit || n === 0) return { granted: n };
      for (let attempt = 0; attempt < 3; attempt++) {
        const look = await deps.limiter.take(bucket, limit, 0);
        const want = Math.min(n, look.remaining);
        if (want === 0) break;
        if ((await deps.limiter.take(bucket, limit, want)).allowed) {
          count(want, n - want);
          return want === n ? { granted: n } : { granted: want, refusal: refusal() };
        }
      }
      count(0, n);
      return { granted: 0, refusal: refusal() };
    },
  };
}

/** Gives back a token `enforce` took (a sign-in that succeeded was no guess). */
async function giveBack(deps: RateLimitDeps, klass: SharedClass, key: string): Promise<void> {
  const limit = deps.config.rateLimits[klass];
  if (limit) await deps.limiter.take(`${klass}:${key}`, limit, -1);
}

/**
 * Refuses (429, as enforce) when `key` has no token of `klass` left; takes none when it has one. For
 * answers that only some requests pay for (a taken code): refusing all of them once the bucket is empty
 * keeps the 429 from telling the paying ones apart.
 */
export async function enforceNotEmpty(deps: RateLimitDeps, reply: FastifyReply, klass: SharedClass, key: string): Promise<void> {
  const limit = deps.config.rateLimits[klass];
  if (!limit) return;
  const look = await deps.limiter.take(`${klass}:${key}`, limit, 0);
  // Empty: a real take is refused and answers with every field (or, refilled meanwhile, spends the new token).
  if (look.remaining < 1) await enforce(deps, reply, klass, key, true);
}

/**
 * Sign-ups: per client IP (one address creating accounts, or asking which emails exist, gets about 20,
 * then one every 5 s) and per email and IP. Not per email alone: sign-ups in someone's name from many
 * addresses must not lock that person out of signing in.
 */
export async function limitSignUp(deps: RateLimitDeps, request: FastifyRequest, reply: FastifyReply, email: string): Promise<void> {
  await enforce(deps, reply, 'authIp', request.ip);
  await enforce(deps, reply, 'authEmailIp', `${normalizeEmail(email)} ${request.ip}`);
}

/**
 * A password check (sign-in, or a change of credentials with current_password) under the OWASP
 * Authentication Cheat Sheet's limits: per client IP, tightly per (email, client IP), and loosely per
 * email from every address. The email buckets count failed checks only: a token is taken before the
 * check (so parallel guesses cannot overtake the count) and given back when the password was right.
 * So an attacker elsewhere who empties the (email, their IP) bucket leaves the owner's own bucket
 * full; only a guesser with many addresses, who empties the per-email bucket, keeps the owner out too.
 * A failure is a 401 or 403 of `check`; any other outcome (a success, a 503) gives the tokens back.
 */
export async function limitPasswordCheck<T>(
  deps: RateLimitDeps, request: FastifyRequest, reply: FastifyReply, email: string, check: () => Promise<T>,
): Promise<T> {
  const who = normalizeEmail(email);
  const perAddress = `${who} ${request.ip}`;
  await enforce(deps, reply, 'authIp', request.ip);
  await enforce(deps, reply, 'authEmailIp', perAddress);
  try {
    await enforce(deps, reply, 'authEmail', who);
  } catch (err) {
    await giveBack(deps, 'authEmailIp', perAddress);
    throw err;
  }
  let failed = false;
  try {
    return await check();
  } catch (err) {
    failed = err instanceof AppError && (err.status === 401 || err.status === 403);
    throw err;
  } finally {
    if (!failed) {
      await giveBack(deps, 'authEmailIp', perAddress);
      await giveBack(deps, 'authEmail', who);
    }
  }
}

/** The IETF draft's RateLimit fields of a decision. */
export function setRateLimitFields(reply: FastifyReply, d: Decision): void {
  reply.header('ratelimit-limit', d.limit);
  reply.header('ratelimit-remaining', d.remaining);
  reply.header('ratelimit-reset', Math.ceil(d.resetMs / 1000));
}
