import { jitter } from './jitter.js';

/**
 * How long to wait before each retry: `firstMs`, doubling with every failure up to `maxMs`, each wait
 * spread at random so that callers that failed together (every instance when Redis restarts) do not
 * come back together. Write one per call site, as a constant, with why its numbers are what they are.
 */
export interface Backoff {
  /** The wait before the first retry, before jitter. */
  firstMs: number;
  /** Waits double up to this, before jitter. */
  maxMs: number;
  /** How a wait is spread: ±this fraction of it (0.1, the default, keeps the schedule), or 'equal', anywhere in its upper half. */
  jitter?: number | 'equal';
}

/** The wait before retry number `attempt` (1 for the first retry) under `policy`, in milliseconds. */
export function backoffMs(policy: Backoff, attempt: number, random: () => number = Math.random): number {
  const { firstMs, maxMs, jitter: spread = 0.1 } = policy;
  // Doublings stop counting at 30: past them any wait is maxMs, and 0 × 2^1024 would be NaN.
  const ms = Math.min(firstMs * 2 ** Math.min(Math.max(0, attempt - 1), 30), maxMs);
  return spread === 'equal' ? Math.round(ms * (0.5 + random() / 2)) : jitter(ms, spread, random);
}
