/**
 * The token bucket, as pure arithmetic. A bucket holds up to `capacity` tokens and gains
 * `refillPerSecond` tokens a second, continuously; a request takes `cost` tokens or is refused.
 * So a client may burst up to `capacity` requests, and sustain `refillPerSecond` after that.
 */
export interface BucketLimit {
  capacity: number;
  refillPerSecond: number;
}

export interface BucketState {
  tokens: number;
  /** Epoch ms at which `tokens` was true. */
  at: number;
}

export interface Decision {
  allowed: boolean;
  limit: number;
  /** Whole tokens left after this request. */
  remaining: number;
  /** Until the next token (0 when one is available): the Retry-After of a refusal. */
  retryAfterMs: number;
  /** Until the bucket is full again. */
  resetMs: number;
}

/** Tokens in the bucket at `now`: what it had, plus the refill since, never above capacity. */
export function refill(limit: BucketLimit, state: BucketState | undefined, now: number): number {
  if (!state) return limit.capacity;
  const elapsed = Math.max(0, now - state.at); // a clock that steps back refills nothing, and takes nothing
  return Math.min(limit.capacity, state.tokens + (elapsed / 1000) * limit.refillPerSecond);
}

/** Takes `cost` tokens if the bucket has them at `now`. Returns the decision and the bucket's new state. */
export function take(limit: BucketLimit, state: BucketState | undefined, now: number, cost = 1): { decision: Decision; state: BucketState } {
  const available = refill(limit, state, now);
  const allowed = available >= cost;
  // A negative cost gives tokens back: never past the capacity.
  const tokens = allowed ? Math.min(limit.capacity, available - cost) : available;
  return { decision: decide(limit, tokens, allowed, cost), state: { tokens, at: now } };
}

/** The decision for a bucket left with `tokens` (shared with the Redis adapter, whose script does the take). */
export function decide(limit: BucketLimit, tokens: number, allowed: boolean, cost = 1): Decision {
  const perMs = limit.refillPerSecond / 1000;
  return {
    allowed,
    limit: limit.capacity,
    remaining: Math.floor(tokens),
    retryAfterMs: tokens >= cost ? 0 : Math.ceil((cost - tokens) / perMs),
    resetMs: Math.ceil((limit.capacity - tokens) / perMs),
  };
}

/** How long an untouched bucket takes to fill up: after that it equals a new one and may be forgotten. */
export const fullAfterMs = (limit: BucketLimit): number => Math.ceil((limit.capacity / limit.refillPerSecond) * 1000);
