import type { FastifyReply, FastifyRequest } from 'fastify';
import type { RateClass } from '../config.js';
import { AppError } from '../domain/errors.js';
import type { Decision } from '../domain/token-bucket.js';
import type { Context } from '../use-cases/context.js';
import { normalizeEmail } from '../use-cases/users.js';

/**
 * Takes a token of `klass` for `key`. Refused: a 429 problem with Retry-After and the RateLimit
 * fields. Allowed: the RateLimit fields too, unless `quiet` (the redirect adds no headers to a
 * redirect it allows). The IETF draft's fields are RateLimit-Limit (the bucket's capacity),
 * RateLimit-Remaining (whole tokens left) and RateLimit-Reset (seconds until the bucket is full).
 */
export async function enforce(ctx: Context, reply: FastifyReply, klass: RateClass, key: string, quiet = false): Promise<void> {
  const limit = ctx.config.rateLimits[klass];
  if (!limit) return;
  const decision = await limiterOf(ctx, klass).take(`${klass}:${key}`, limit);
  ctx.metrics.rateLimits.inc({ class: klass, outcome: decision.allowed ? 'allowed' : 'limited' });
  if (decision.allowed) {
    if (!quiet) setRateLimitFields(reply, decision);
    return;
  }
  setRateLimitFields(reply, decision);
  reply.header('retry-after', Math.max(1, Math.ceil(decision.retryAfterMs / 1000)));
  throw new AppError('rate-limited', `too many requests (${klass}); retry in ${Math.ceil(decision.retryAfterMs / 1000)} s`);
}

/**
 * Refuses (429, as enforce) when `key` has no token of `klass` left; takes none when it has one. For
 * answers that only some requests pay for (a taken code): refusing all of them once the bucket is empty
 * keeps the 429 from telling the paying ones apart.
 */
export async function enforceNotEmpty(ctx: Context, reply: FastifyReply, klass: RateClass, key: string): Promise<void> {
  const limit = ctx.config.rateLimits[klass];
  if (!limit) return;
  const look = await limiterOf(ctx, klass).take(`${klass}:${key}`, limit, 0);
  // Empty: a real take is refused and answers with every field (or, refilled meanwhile, spends the new token).
  if (look.remaining < 1) await enforce(ctx, reply, klass, key, true);
}

/**
 * Sign-ups and sign-ins, against credential stuffing: limited per client IP and, separately, per
 * email, so neither many emails from one address nor one email from many addresses gets far.
 */
export async function limitAuthAttempt(ctx: Context, request: FastifyRequest, reply: FastifyReply, email: string): Promise<void> {
  await enforce(ctx, reply, 'authIp', request.ip);
  await enforce(ctx, reply, 'authEmail', normalizeEmail(email));
}

// Redirects are limited in-process: a shared limit would put a Redis round trip on every redirect.
const limiterOf = (ctx: Context, klass: RateClass) => (klass === 'redirect' ? ctx.localLimiter : ctx.limiter);

function setRateLimitFields(reply: FastifyReply, d: Decision): void {
  reply.header('ratelimit-limit', d.limit);
  reply.header('ratelimit-remaining', d.remaining);
  reply.header('ratelimit-reset', Math.ceil(d.resetMs / 1000));
}
