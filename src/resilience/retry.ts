import { backoffMs, type Backoff } from './backoff.js';
import { sleep as pause } from './wait.js';

export interface RetryOptions {
  /** Ends the retrying: a wait under way ends at once, and retry() rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Whether failure number `attempt` is worth another attempt (every one is, by default); if not, retry() rejects with it. */
  retryIf?: (err: unknown, attempt: number) => boolean;
  /** Told of every failure, with the wait before the next attempt (undefined when none follows): to count and log it. */
  onFailure?: (err: unknown, attempt: number, retryInMs: number | undefined) => void;
  /** The jitter's random draw (tests fix it). */
  random?: () => number;
  /** The wait between attempts (tests replace it). */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/**
 * Calls `call` (with its attempt number, from 1) until it succeeds, waiting under `backoff` after each
 * failure. It retries for as long as `retryIf` allows and `signal` is not aborted: without either, forever.
 */
export async function retry<T>(call: (attempt: number) => Promise<T>, backoff: Backoff, options: RetryOptions = {}): Promise<T> {
  const { signal, retryIf = () => true, onFailure, random, sleep = pause } = options;
  for (let attempt = 1; ; attempt++) {
    signal?.throwIfAborted();
    try {
      return await call(attempt);
    } catch (err) {
      const again = retryIf(err, attempt);
      const retryInMs = again ? backoffMs(backoff, attempt, random) : undefined;
      onFailure?.(err, attempt, retryInMs);
      if (retryInMs === undefined) throw err;
      await sleep(retryInMs, signal);
    }
  }
}
